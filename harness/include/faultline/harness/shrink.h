// Shrinking a failing trial, and bundles: a trial written down as its plan (scenario, engine profile, seed and the
// TrialPlan: every cycle's operations, armed fault and placement) so it replays anywhere without the seed's draws.
//
// Method: keep the first violation's name as the property to preserve. Start from the trial's plan, aimed explicitly
// where its fault landed, then edit that plan in rounds until nothing changes: delta debugging over the first cycle's
// operations (remove halves, quarters, ... single operations), shorter values, fewer crash cycles, the fault moved to
// the nearest record and to the simplest byte of its record (the boundary, then each field's first byte). Each
// candidate is a whole trial, run exactly as a campaign would.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline/harness/trial.h"

namespace faultline::harness {

struct Bundle {
  TrialConfig config;            // scenario, profile, seed and plan (work_dir/shim/bindir filled by the caller)
  std::string violation;         // what it is expected to show
  std::string trace_hash;        // of the shrunk trial when written
};

// A bundle of format 2: config.plan (the seed's plan when it has none) written down.
nlohmann::ordered_json bundle_to_json(const TrialConfig& config, const std::string& violation,
                                      const std::string& trace_hash, const nlohmann::ordered_json& original);
// Reads format 2, and format 1 into the plan it stands for. Throws scenarios::ConfigError naming the file and field.
Bundle load_bundle(const std::filesystem::path& file);

struct ShrinkResult {
  bool reproduced = false;       // the original trial failed
  bool replayed = false;         // and its explicit plan (aimed where the fault landed) failed the same way: only then
                                 // is `shrunk` a plan that fails, and `last` its run
  std::string violation;
  TrialConfig shrunk;            // with the shrunk plan
  RecordAim aim;                 // where that plan aims every cycle
  TrialResult last;              // the shrunk trial's result
  std::size_t original_ops = 0, shrunk_ops = 0;
  std::size_t original_bytes = 0, shrunk_bytes = 0;  // bytes of all requests of the first cycle
  std::uint32_t original_crashes = 0, shrunk_crashes = 0;
  std::size_t trials_run = 0;
  bool stopped = false;          // `stop` said so before the rounds ended: `shrunk` is the best found until then
};

// `stop` (may be empty) is asked before every trial, the first included; once it returns true no further trial runs
// (stopped before the first: reproduced false, trials_run 0).
ShrinkResult shrink(const TrialConfig& config, const std::function<void(const std::string&)>& progress,
                    const std::function<bool()>& stop = {});

}  // namespace faultline::harness
