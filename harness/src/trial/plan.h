// Internal: a trial's plan, every choice that does not depend on what the engine does, drawn from the seed before the
// first engine starts (the `plan` step of a trial).
//
// Streams (rng.h): the workload of every cycle from "workload" (one stream, cycle after cycle), the operations of the
// health check from "after", and per cycle "fault-N": first the operation a fault placed while the engine runs is
// armed for and the draws of its plan line; what remains of that stream (`rest`) draws the choices that depend on the
// records the run wrote (damage at rest, read faults, power loss), so they are the same wherever they are drawn.
#pragma once

#include <string>

#include "faultline/harness/trial.h"
#include "faultline/harness/trial_plan.h"

namespace faultline::harness::detail {

// The seed's plan (CyclePlan, TrialPlan: faultline/harness/trial_plan.h). Throws std::runtime_error for a scenario
// whose workload is empty (nothing to aim at).
TrialPlan plan_trial(const TrialConfig& config);

// Edits of a plan (shrink, old bundles): every cycle aimed at `aim`. A fault placed while the engine runs is armed
// again for that operation with a span of that byte (the draws of `rest` stay as they were).
void aim_plan(TrialPlan& plan, const TrialConfig& config, const RecordAim& aim);
// Throws std::runtime_error when a cycle's armed fault names no operation of the cycle (a plan edited or read).
void check_plan(const TrialPlan& plan, const TrialConfig& config);
// The plan in a few lines, for `repro` and the trial directory.
std::string describe(const TrialPlan& plan);

}  // namespace faultline::harness::detail
