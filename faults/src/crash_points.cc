// Crash points of a recorded history (faultline/crash_points.h).
#include "faultline/crash_points.h"

#include <algorithm>

#include "faultline/persistence.h"

namespace faultline::faults {

std::vector<CrashPoint> crash_points(const History& history, std::size_t max_points) {
  const auto& ev = history.events;
  std::vector<CrashPoint> acks, inside;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (event_class(ev[i].type) == EventClass::kNone) continue;
    const bool last_of_step = i + 1 == ev.size() || ev[i + 1].step != ev[i].step;
    (last_of_step ? acks : inside).push_back({i + 1, ev[i].step, last_of_step});
  }
  if (acks.size() + inside.size() > max_points) {
    if (acks.size() >= max_points) {
      std::vector<CrashPoint> spread;
      for (std::size_t k = 0; k < max_points; ++k) spread.push_back(acks[acks.size() * k / max_points]);
      acks = std::move(spread);
      inside.clear();
    } else {
      const std::size_t room = max_points - acks.size();
      std::vector<CrashPoint> spread;
      for (std::size_t k = 0; k < room; ++k) spread.push_back(inside[inside.size() * k / room]);
      inside = std::move(spread);
    }
  }
  std::vector<CrashPoint> out = std::move(acks);
  out.insert(out.end(), inside.begin(), inside.end());
  std::sort(out.begin(), out.end(), [](const CrashPoint& a, const CrashPoint& b) { return a.crash < b.crash; });
  return out;
}

}  // namespace faultline::faults
