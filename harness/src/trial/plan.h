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

// Which of the armed operation's writes the fault hits, when not its first: the trial counts the operation's writes
// that qualify (file, region, rewrite) in a fault-free rehearsal and arms the fault with that many skipped.
struct WriteAim {
  scenarios::FaultSpec::Write write = scenarios::FaultSpec::Write::kFirst;  // never kSpread: resolved by the plan
  std::uint32_t nth = 1;                    // kNth: 1-based
  std::uint64_t pick = 0;                   // kAny: the draw, taken modulo the count
  bool region_optional = false;             // a drawn head region, dropped when the operation writes nothing there
  bool needs_rehearsal() const { return write != scenarios::FaultSpec::Write::kFirst || region_optional; }
};

struct CyclePlan {
  std::vector<Op> ops;
  std::optional<std::size_t> armed_op;      // faults placed while the engine runs: the operation aimed at
  std::optional<faults::FaultSpec> armed;   // and the plan line armed for it (its step is armed_op + 1)
  WriteAim write;                           // which of that operation's writes
  std::size_t window = 0;                   // the first operation a fault may aim at (after the preload)
  Rng rest{0};                              // the cycle's stream after the draws above
};

// The head region a black box's spread campaign aims at one time in four: headers and meta pages.
inline constexpr std::uint64_t kHeadRegionBytes = 4096;

// One write of a rehearsal, as the fault's filters see it.
struct RehearsedWrite {
  std::string file;
  std::uint64_t off = 0, len = 0;
  bool overwrite = false;                   // inside the file's size before it
};
// Whether the armed fault's file glob, region and rewrite filters take the write.
bool qualifies(const faults::FaultSpec& armed, const RehearsedWrite& w);
// skip= for the aim, given how many of the operation's writes qualify (0 when none do).
std::uint64_t skip_for(const WriteAim& aim, std::uint64_t qualifying);

struct TrialPlan {
  std::vector<CyclePlan> cycles;
  std::vector<Op> after_ops;                // the health check's writes after the last recovery
};

// Throws std::runtime_error for a scenario whose workload is empty (nothing to aim at).
TrialPlan plan_trial(const TrialConfig& config);
// The plan in a few lines, for `repro` and the trial directory.
std::string describe(const TrialPlan& plan);

}  // namespace faultline::harness::detail
