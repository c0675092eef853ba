// The typed report (docs/report.md, "Fields"): the top level of the document, with its run, configuration, summary,
// campaign coverage, untracked files and determinism check, beside the failure entries and groups of model.h. The
// harness fills a Report (harness/src/report_build.cpp), merge builds one from its shards, and the renderers (text,
// JUnit, GitHub, HTML), diff and validate read one: every top-level field is written by one to_json and read by one
// report_from_json (reports/src/report_json.cpp), as the failure entries are by model_json.cpp.
//
// Readers are tolerant as report 1.x promises: a field that is missing or of another type reads as empty, a field
// of a later minor version is kept in `extra` (top level, run, configuration, summary, determinism) and written back
// after the fields this version knows, so that `merge` carries it over from the lowest shard. Fields of older
// versions stay optional: a 1.0 report has no `groups`, a 1.0 or 1.1 report no `untracked_files`, and
// to_json(report_from_json(doc)) writes such a report back as it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/reports/model.h"

namespace faultline::reports {

// A JSON object keyed by name, in the order the document lists its keys: the harness writes some of them in name
// order (per_scenario, per_violation) and some in the order the campaign first met a key (coverage), and a report is
// written back in the order it was read.
template <typename T>
using Named = std::vector<std::pair<std::string, T>>;

// The entry named `name`, appended (value-initialised) if there is none yet.
template <typename T>
T& entry(Named<T>& list, const std::string& name) {
  for (auto& [key, value] : list)
    if (key == name) return value;
  return list.emplace_back(name, T{}).second;
}

// The entry named `name`, or nullptr.
template <typename T>
const T* find_entry(const Named<T>& list, const std::string& name) {
  for (const auto& [key, value] : list)
    if (key == name) return &value;
  return nullptr;
}

using Counts = Named<std::uint64_t>;

struct Tool {
  std::string name = "faultline", version, git_revision;
  bool operator==(const Tool&) const = default;
};

// The CI system the run happened in (run.ci); absent (null) outside CI.
struct CiInfo {
  std::string provider, run_id, job;  // provider: github-actions, gitlab, jenkins, kubernetes, generic
  bool operator==(const CiInfo&) const = default;
};

// One shard of a merged report (run.merged_from[]).
struct MergedShard {
  std::string source;
  std::size_t shard = 0;
  std::string host, started_at;
  double duration_s = 0;
  std::string status;
  bool incomplete = false;
  bool operator==(const MergedShard&) const = default;
};

struct RunInfo {
  std::string started_at;  // UTC, RFC 3339
  double duration_s = 0;
  std::string host;
  std::optional<CiInfo> ci;
  bool incomplete = false;
  std::string incomplete_reason;
  std::optional<std::vector<MergedShard>> merged_from;  // merged reports only
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  bool operator==(const RunInfo&) const = default;
};

struct EngineInfo {
  std::string name, command, profile, sync, torn_tail;
  std::int64_t corrupt_exit_code = 0;
  bool operator==(const EngineInfo&) const = default;
};

struct ShardInfo {
  std::size_t index = 0, count = 1;
  bool operator==(const ShardInfo&) const = default;
};

struct Timeouts {
  std::uint64_t start_ms = 0, request_ms = 0;
  bool operator==(const Timeouts&) const = default;
};

struct Configuration {
  EngineInfo engine;
  std::vector<std::string> scenarios;
  std::string seed;                                                // decimal
  std::optional<std::uint64_t> trials;                             // null: --seeds or the default
  std::optional<std::pair<std::string, std::string>> seed_range;   // --seeds A..B, decimal
  std::uint64_t corpus_entries = 0;
  ShardInfo shard;
  std::uint64_t jobs = 1;
  Timeouts timeouts;
  std::optional<double> time_budget_s;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  bool operator==(const Configuration&) const = default;
};

// Trials of one scenario by verdict (summary.per_scenario.<name>).
struct VerdictCounts {
  std::uint64_t pass = 0, fail = 0, void_ = 0, error = 0;
  bool operator==(const VerdictCounts&) const = default;
};

struct Summary {
  std::uint64_t planned = 0, total = 0, passed = 0, failed = 0, voided = 0, errors = 0;
  Named<VerdictCounts> per_scenario;  // sorted by name as written
  Counts per_violation;               // sorted by name as written
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  bool operator==(const Summary&) const = default;
};

// Where the faults of one kind landed over the campaign (coverage.<kind>): the sums of the trials' TrialCoverage.
struct KindCoverage {
  std::uint64_t trials = 0, fired = 0;
  Counts fields, record_position;        // always written
  Counts files, writes, regions, rewrites;  // written when not empty
  bool operator==(const KindCoverage&) const = default;
};

using CampaignCoverage = Named<KindCoverage>;

// A file the engine wrote only around the shim (untracked_files[], 1.2).
struct UntrackedFile {
  std::string file, why;
  std::uint64_t trials = 0;
  bool operator==(const UntrackedFile&) const = default;
};

// A trial whose two reruns gave different trace hashes (determinism.mismatches[]).
struct DeterminismMismatch {
  std::string scenario, seed, first, second, first_verdict, second_verdict;
  bool operator==(const DeterminismMismatch&) const = default;
};

struct Determinism {
  std::uint64_t checked = 0;
  std::vector<DeterminismMismatch> mismatches;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  bool operator==(const Determinism&) const = default;
};

struct Report {
  std::string format_version;
  Tool tool;
  RunInfo run;
  Configuration configuration;
  Status status = Status::kError;
  Summary summary;
  CampaignCoverage coverage;
  std::optional<std::vector<UntrackedFile>> untracked_files;  // 1.2
  Determinism determinism;
  std::optional<std::vector<Group>> groups;  // 1.1
  std::vector<Failure> failures;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // top-level fields of a later 1.x, in order
  bool operator==(const Report&) const = default;
};

// ---- JSON ---------------------------------------------------------------------------------------------------------

nlohmann::ordered_json to_json(const Report& report);
Report report_from_json(const nlohmann::ordered_json& doc);
// The parts, for the writers and checkers that hold one (merge compares the shards' engine and timeouts as JSON).
nlohmann::ordered_json to_json(const Tool& tool);
nlohmann::ordered_json to_json(const RunInfo& run);
nlohmann::ordered_json to_json(const EngineInfo& engine);
nlohmann::ordered_json to_json(const Configuration& configuration);
nlohmann::ordered_json to_json(const Summary& summary);
nlohmann::ordered_json to_json(const CampaignCoverage& coverage);
nlohmann::ordered_json to_json(const Determinism& determinism);
nlohmann::ordered_json to_json(const DeterminismMismatch& mismatch);  // also the harness's log line

// ---- Reading a report ---------------------------------------------------------------------------------------------

// The report's failures, each with its signature recomputed from its fields (a 1.0 report has none; a report's own
// value is never trusted over its fields).
std::vector<Failure> signed_failures(const Report& report);
// The report's groups: recomputed from its failures (so a 1.0 report has them too), with what only `run --shrink`
// knows (bundle, shrink) kept from the report's own `groups`.
std::vector<Group> groups_of(const Report& report);
// Sets failures[].signature and `groups` from the failures (the writer and merge call it).
void add_groups(Report& report);

}  // namespace faultline::reports
