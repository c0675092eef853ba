// Report documents for the reports tests: the committed example, and synthetic campaigns built the way
// harness/src/report_build.cpp and the campaign's aggregator build them, so that a sharded campaign and the unsharded
// one can be compared without running an engine.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faultline::reports::testing {

using nlohmann::ordered_json;

ordered_json example_report();  // tests/reports/data/example-report.json

struct FakeTrial {
  std::size_t index = 0;
  std::string scenario;
  std::uint64_t seed = 0;
  std::string verdict = "pass";          // pass, fail, void, error
  std::vector<std::string> violations;   // names
  std::string kind = "crash", field = "payload";
  std::size_t record = 0, records = 8;
  std::string engine_log;                // one line
};

// `count` trials over three scenarios with a deterministic mix of verdicts, violations and coverage.
std::vector<FakeTrial> fake_trials(std::size_t count);

// The report of shard `shard_index`/`shard_count` of a campaign made of `trials` (only the trials of that shard are
// counted, as plan_trials would give them). `legacy`: a format 1.0 report, without signatures and groups.
ordered_json campaign_report(const std::vector<FakeTrial>& trials, std::uint32_t shard_index = 0,
                             std::uint32_t shard_count = 1, bool legacy = false);

ordered_json failure(const FakeTrial& trial);

std::filesystem::path temp_dir(const std::string& name);  // fresh, under the system temp directory

}  // namespace faultline::reports::testing
