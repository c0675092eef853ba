// Where to crash in a recorded history (docs/persistence.md, "Crash points"): the boundaries between events at
// which `explore` builds crash states, and what the workload had been told by then.
//
// The harness raises the plan's step counter to i + 1 before it sends operation i, and sends operation i + 1 only
// after operation i was answered, so every history record carries the operation in flight (`step`). A boundary
// where the step changes lies after an acknowledgement; the other boundaries lie between the writes and syncs of one
// operation.
#pragma once

#include <cstdint>
#include <vector>

#include "faultline/history.h"

namespace faultline::faults {

struct CrashPoint {
  std::size_t crash = 0;     // the events [0, crash) happened
  std::uint64_t step = 0;    // the operation in flight (1-based, as recorded; 0 = before the first operation)
  bool after_ack = false;    // the next event belongs to a later operation (or there is none)
  bool operator==(const CrashPoint&) const = default;
};

// Every boundary after an event that changed files or synced them, in order; when there are more than `max_points`,
// every after-ack point is kept first, then intra-operation points evenly spread over the history (deterministic).
std::vector<CrashPoint> crash_points(const History& history, std::size_t max_points);

}  // namespace faultline::faults
