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

// A recorded workload: the shim's history (its events in the history file format, faults::encode_history) and what
// the engine answered to each operation.
struct Recorded {
  std::string history_bytes;
  std::vector<Issued> issued;
};

struct ExploreConfig {
  scenarios::EngineProfile profile;
  std::vector<std::string> models;     // persistence model names, each checked (faults::persistence_model)
  std::uint64_t seed = 1;
  std::uint32_t ops = 12;              // operations of the recorded workload
  std::filesystem::path work_dir;      // created; the caller removes it
  std::filesystem::path shim;
  std::filesystem::path bindir;
  std::optional<StateId> only;         // `--state`: judge this one state alone
  // Given: judge this recorded workload (an explore bundle's) instead of recording one; `ops` and the workload
  // draw are then unused.
  const Recorded* recorded = nullptr;
  // Given (and `recorded` not): record these operations instead of drawing `ops` of them from the seed
  // (`shrink --bundle` records a bundle's first k operations).
  const std::vector<Op>* workload = nullptr;
};

struct ExploreRun {
  std::vector<Issued> issued;          // the recorded workload and what the engine answered
  faults::History history;
  std::string history_bytes;           // the recorded events as a history file (an explore bundle keeps it)
  ExploreOutcome outcome;
  std::string workload_problem;        // non-empty: the recorded run itself went wrong (harness error)
  double seconds = 0;
};

// Throws std::runtime_error when the history cannot be read or a state cannot be written.
ExploreRun run_explore(const ExploreConfig& config);

}  // namespace faultline::harness::explore
