// Internal: a trial's plan, every choice that does not depend on what the engine does, drawn from the seed before the
// first engine starts (the `plan` step of a trial).
//
// Streams (rng.h): the workload of every cycle from "workload" (one stream, cycle after cycle), the operations of the
// health check from "after", and per cycle "fault-N": first the operation a fault placed while the engine runs is
// armed for and the draws of its plan line; what remains of that stream (`rest`) draws the choices that depend on the
// records the run wrote (damage at rest, read faults, power loss), so they are the same wherever they are drawn.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "faultline/harness/trial.h"
#include "faultline/plan.h"
#include "faultline/rng.h"

namespace faultline::harness::detail {

struct CyclePlan {
  std::vector<Op> ops;
  std::optional<std::size_t> armed_op;      // faults placed while the engine runs: the operation aimed at
  std::optional<faults::FaultSpec> armed;   // and the plan line armed for it (its step is armed_op + 1)
  Rng rest{0};                              // the cycle's stream after the draws above
};

struct TrialPlan {
  std::vector<CyclePlan> cycles;
  std::vector<Op> after_ops;                // the health check's writes after the last recovery
};

// Throws std::runtime_error for a scenario whose workload is empty (nothing to aim at).
TrialPlan plan_trial(const TrialConfig& config);
// The plan in a few lines, for `repro` and the trial directory.
std::string describe(const TrialPlan& plan);

}  // namespace faultline::harness::detail
