// Internal: the judging core of `faultline explore` (issue 16; docs/persistence.md). From one recorded history of a
// workload and what the engine answered, it builds the crash states of each persistence model at each crash point,
// starts the engine once per distinct state (through `start`, which the caller backs with a real engine or a test
// double), and judges the recovered state with the oracle's prefix rule (check_state). A finding lists every model
// under which its state can occur.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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

// One crash state, by how explore builds it: the model, the crash point (the events [0, crash) happened) and the
// state's position in build_crash_states' list there. Spelled "MODEL:CRASH:INDEX" ("ext4-ordered:52:0") for
// `faultline explore --state`; the same recorded workload (engine, seed, operations) gives the same state.
struct StateId {
  std::string model;
  std::size_t crash = 0;
  std::size_t index = 0;
  bool operator==(const StateId&) const = default;
};
std::string to_string(const StateId& id);
std::optional<StateId> parse_state_id(std::string_view text);  // nullopt: not MODEL:CRASH:INDEX

struct ExploreInput {
  const faults::History& history;
  const std::vector<Issued>& issued;        // in order; operation i was in flight at step i + 1
  bool ack_means_durable = true;            // the engine's promise: an acknowledged operation is durable
  std::vector<std::string> models;          // persistence model names
  std::uint64_t seed = 0;
  faults::CrashBounds bounds;
  std::size_t max_points = 512;
  std::optional<StateId> only;              // judge this one state alone (`--state`)
};

struct Finding {
  StateId state;                            // where it was first built (the reproducer's --state)
  std::vector<std::string> models;          // every model under which this state occurs
  std::size_t crash = 0;
  std::string how;                          // the builder's family ("durable prefix", ...)
  std::string explanation;                  // which events persisted and which not (faults::explain)
  std::vector<Violation> violations;
  std::uint64_t hash = 0;                   // content hash of the state's files
  std::vector<faults::PendingFate> undone;  // the recorded events the state lost, tore or kept only the size of
};

struct Coverage {
  std::size_t crash_points = 0;
  std::size_t states_built = 0;
  std::size_t duplicates = 0;               // states whose files were byte-identical to one already judged
};

struct ModelCoverage : Coverage {
  std::string model;
  // Per fsync epoch of the crash point (the barriers before it: 0 = before the first fsync), epochs with a point only.
  std::map<std::size_t, Coverage> epochs;
};

// Thrown by explore_history when `only` names no state of the recorded history (a usage error of --state).
struct NoSuchState : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct ExploreOutcome {
  std::vector<Finding> findings;
  std::vector<ModelCoverage> coverage;
  std::size_t engine_starts = 0;
};

ExploreOutcome explore_history(const ExploreInput& input, const StartOnState& start);

// What a state did to the recorded writes, for judging a refusal to start.
struct StateDamage {
  bool model_damage = false;   // a torn or size-only write: damage a disk can produce that the engine may refuse
  // Non-empty: the state lost or tore a write that the engine's own ordering had made necessary: a write of an
  // operation the promise covers (acknowledged before it was durable), or a write to a file that a later rename
  // kept in the state moved into place (renamed before its data was durable).
  std::string writer_loss;
};
// The damage of `state` when the first `keep_min` operations (steps 1..keep_min) must survive.
StateDamage state_damage(const faults::History& history, const std::vector<faults::ResolvedEvent>& resolved,
                         const faults::CrashState& state, std::size_t keep_min);

// The judgement of one observation at a crash point where `in_flight` operations had been sent (the last possibly
// unanswered) and the first `keep_min` must survive. A refusal while operations must survive is `lost-acked-write`
// when the state lost a write the engine's ordering made necessary (`writer_loss`): those operations are gone whatever
// recovery does, and refusing is the honest answer, not a false abort. Otherwise a refusal is excused when the model
// itself damaged the state, and is `false-abort` when it did not.
std::vector<Violation> judge_state(const StateObservation& seen, const std::vector<Issued>& issued,
                                   std::size_t in_flight, std::size_t keep_min, const StateDamage& damage);

}  // namespace faultline::harness::explore
