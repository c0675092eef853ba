// Internal: `faultline explore` against a real engine (docs/persistence.md, "Explore"). It runs the workload once with
// the shim recording the history (every file under the data directory), then hands the history to the judging core
// (explore.h), backing its engine callback with one real engine start per distinct crash state: the state's files are
// written into a fresh directory, the engine recovers on them, and its DUMP is judged.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "explore/explore.h"
#include "faultline/history.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::harness::explore {

struct ExploreConfig {
  scenarios::EngineProfile profile;
  std::vector<std::string> models;     // persistence model names, each checked (faults::persistence_model)
  std::uint64_t seed = 1;
  std::uint32_t ops = 12;              // operations of the recorded workload
  std::filesystem::path work_dir;      // created; the caller removes it
  std::filesystem::path shim;
  std::filesystem::path bindir;
  std::optional<StateId> only;         // `--state`: judge this one state alone
};

struct ExploreRun {
  std::vector<Issued> issued;          // the recorded workload and what the engine answered
  faults::History history;
  ExploreOutcome outcome;
  std::string workload_problem;        // non-empty: the recorded run itself went wrong (harness error)
  double seconds = 0;
};

// Throws std::runtime_error when the history cannot be read or a state cannot be written.
ExploreRun run_explore(const ExploreConfig& config);

}  // namespace faultline::harness::explore
