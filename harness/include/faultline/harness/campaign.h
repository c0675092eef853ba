// A campaign: many seeded trials, run in parallel, aggregated into one report.
//
// The campaign is a list of (scenario, trial seed) pairs fixed before anything runs: with --trials N, pair i is
// (scenarios[i % S], trial_seed(campaign seed, i)); with --seeds A..B, pair s is (scenarios[(s - A) % S], s). A shard
// K/N takes the pairs whose index i has i % N == K. Results are aggregated by index, so the report is the same for
// any --jobs.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/harness/trial.h"
#include "faultline/reports/report_model.h"

namespace faultline::harness {

struct TrialRef {
  std::size_t index = 0;
  std::size_t scenario = 0;  // into CampaignConfig::scenarios
  std::uint64_t seed = 0;
};

struct CampaignConfig {
  std::vector<scenarios::Scenario> scenarios;
  scenarios::EngineProfile profile;
  std::uint64_t seed = 0;
  std::optional<std::uint64_t> trials;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> seed_range;
  std::vector<std::pair<std::string, std::uint64_t>> corpus;  // (scenario, seed) run first
  std::uint32_t jobs = 1;
  std::uint32_t shard_index = 0, shard_count = 1;
  std::optional<double> time_budget_s;
  bool exit_first = false;  // stop starting trials once one failed (--exitfirst); the report is marked incomplete
  std::filesystem::path work_root;
  bool keep_all = false;
  std::uint32_t keep_failed_max = 20;   // failing trial directories kept (the rest are removed)
  std::filesystem::path shim, bindir;
  bool progress = false;
  std::uint32_t determinism_sample = 0; // rerun this many trials and compare trace hashes
  std::filesystem::path all_trials_jsonl;  // optional: one JSON line per trial
  std::vector<std::string> argv_prefix;    // how to call faultline again, for repro lines
  std::vector<std::string> repro_extra;    // options repro needs to find the same engine and scenarios
};

struct CampaignResult {
  std::size_t planned = 0, total = 0, passed = 0, failed = 0, voided = 0, errors = 0;
  bool incomplete = false;
  std::string incomplete_reason;
  bool interrupted = false;           // a stop signal: exit 130
  std::string harness_error;          // the campaign could not go on (a worker did not start): exit 3
  std::size_t determinism_checked = 0;  // trials actually rerun twice and compared
  std::map<std::string, std::map<std::string, std::size_t>> per_scenario;  // scenario -> verdict -> count
  std::map<std::string, std::size_t> per_violation;
  reports::CampaignCoverage coverage;  // per fault kind, in the order the campaign first met the kind
  // Files written only around the shim, left out of the model (TrialResult::untracked_files): file -> why, trials.
  std::map<std::string, std::pair<std::string, std::size_t>> untracked_files;
  std::vector<std::pair<std::size_t, TrialResult>> failures;  // failed, void and error trials, by index
  std::vector<reports::DeterminismMismatch> determinism_mismatches;
  double seconds = 0;
};

// The trials of this shard, in order: the corpus first, then --seeds or --trials. Computed on demand, so a campaign of
// any length plans in constant memory.
class TrialList {
 public:
  explicit TrialList(const CampaignConfig& config);
  std::size_t size() const { return size_; }
  TrialRef operator[](std::size_t k) const;  // k < size()

 private:
  const CampaignConfig& config_;
  std::vector<TrialRef> corpus_;
  std::size_t total_ = 0;  // trials of every shard
  std::size_t size_ = 0;   // trials of this shard
};

TrialList plan_trials(const CampaignConfig& config);
CampaignResult run_campaign(const CampaignConfig& config, const std::atomic<bool>& interrupted);

// The `faultline repro` argv that replays one trial.
std::vector<std::string> repro_argv(const CampaignConfig& config, const std::string& scenario, std::uint64_t seed);
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace faultline::harness
