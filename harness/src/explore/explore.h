// Internal: the judging core of `faultline explore` (issue 16; docs/persistence.md). From one recorded history of a
// workload and what the engine answered, it builds the crash states of each persistence model at each crash point,
// starts the engine once per distinct state (through `start`, which the caller backs with a real engine or a test
// double), and judges the recovered state with the oracle's prefix rule (check_state). A finding lists every model
// under which its state can occur.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "faultline/crash_points.h"
#include "faultline/crash_states.h"
#include "faultline/harness/oracle.h"
#include "faultline/harness/workload.h"

namespace faultline::harness::explore {

// What the engine did on one materialized state.
struct StateObservation {
  bool started = false;  // READY and a DUMP
  KvState state;         // the DUMP when started
  std::string detail;    // how it refused or failed, for the report
};
using StartOnState = std::function<StateObservation(const faults::FileTree& tree, std::uint64_t hash)>;

struct ExploreInput {
  const faults::History& history;
  const std::vector<Issued>& issued;        // in order; operation i was in flight at step i + 1
  bool ack_means_durable = true;            // the engine's promise: an acknowledged operation is durable
  std::vector<std::string> models;          // persistence model names
  std::uint64_t seed = 0;
  faults::CrashBounds bounds;
  std::size_t max_points = 512;
};

struct Finding {
  std::vector<std::string> models;          // every model under which this state occurs
  std::size_t crash = 0;
  std::string how;                          // the builder's family ("durable prefix", ...)
  std::string explanation;                  // which events persisted and which not (faults::explain)
  std::vector<Violation> violations;
  std::uint64_t hash = 0;                   // content hash of the state's files
};

struct ModelCoverage {
  std::string model;
  std::size_t crash_points = 0;
  std::size_t states_built = 0;
  std::size_t duplicates = 0;               // states whose files were byte-identical to one already judged
};

struct ExploreOutcome {
  std::vector<Finding> findings;
  std::vector<ModelCoverage> coverage;
  std::size_t engine_starts = 0;
};

ExploreOutcome explore_history(const ExploreInput& input, const StartOnState& start);

// The judgement of one observation at a crash point where `in_flight` operations had been sent (the last possibly
// unanswered) and the first `keep_min` must survive; `model_damage`: the state holds a torn or size-only write,
// damage a disk can produce that the engine may refuse to start on.
std::vector<Violation> judge_state(const StateObservation& seen, const std::vector<Issued>& issued,
                                   std::size_t in_flight, std::size_t keep_min, bool model_damage);

}  // namespace faultline::harness::explore
