// A trial's plan (the `plan` step's value, ARCHITECTURE.md "The trial pipeline"): every choice that does not depend
// on what the engine does, drawn from the seed before the first engine starts (harness/src/trial/plan.h), or read
// from a bundle (shrink.h). A trial given a plan runs it instead of drawing its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "faultline/harness/workload.h"
#include "faultline/plan.h"
#include "faultline/rng.h"

namespace faultline::harness {

// An explicit placement (a bundle's, or a shrink step's) that replaces the seed's: the operation this many from the
// last (0 = last) and this byte of the write it made (clamped to it). A fault placed while the engine runs is armed
// for that operation with a span of that byte; damage at rest and read faults hit the first record it wrote.
struct RecordAim {
  std::uint64_t record_from_end = 0;
  std::uint64_t offset_in_record = 0;
  bool operator==(const RecordAim&) const = default;
};

struct CyclePlan {
  std::vector<Op> ops;
  std::optional<std::size_t> armed_op;      // faults placed while the engine runs: the operation aimed at
  std::optional<faults::FaultSpec> armed;   // and the plan line armed for it (its step is armed_op + 1)
  std::optional<RecordAim> aim;             // faults placed while the engine is down: replaces the draws over records
  Rng rest{0};                              // the cycle's stream after the draws above
};

struct TrialPlan {
  std::vector<CyclePlan> cycles;
  std::vector<Op> after_ops;                // the health check's writes after the last recovery
};

}  // namespace faultline::harness
