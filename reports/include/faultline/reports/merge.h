// Merging the reports of the shards of one campaign (`faultline run --shard K/N`) into the report the unsharded
// campaign would have written.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faultline::reports {

// The reports are not shards of one campaign (different configuration, a shard twice, a missing field). The message
// names the report and the field.
class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sums the counts and the coverage, takes the union of the failures (sorted by trial index) and of the determinism
// mismatches, recomputes the status, and sets the shard to 0/1. The result is marked incomplete when an input was or
// when shards are missing; run.merged_from lists the inputs. `sources` names the inputs in errors (file names);
// missing names are "report #i". Throws MergeError when the inputs do not share engine, scenarios, seed,
// trials/seed_range, corpus, timeouts, shard count and faultline version, or when a shard appears twice.
nlohmann::ordered_json merge_reports(const std::vector<nlohmann::ordered_json>& reports,
                                     const std::vector<std::string>& sources = {});

}  // namespace faultline::reports
