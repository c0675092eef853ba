// Crash points of a recorded history (faults/src/crash_points.cc) on hand-made histories.
#include "faultline/crash_points.h"

#include <gtest/gtest.h>

namespace faultline::faults {
namespace {

HistoryEvent at_step(HistoryType type, std::uint64_t step) {
  HistoryEvent e;
  e.type = type;
  e.name = "wal.log";
  e.ino = 1;
  e.step = step;
  if (type == HistoryType::kWrite) e.data = "x";
  return e;
}

using T = HistoryType;

TEST(CrashPoints, AfterEachAcknowledgementAndBetweenTheCallsOfAnOperation) {
  History h;
  h.events = {at_step(T::kCreate, 1), at_step(T::kWrite, 1), at_step(T::kFsync, 1), at_step(T::kWrite, 2),
              at_step(T::kSyncFileRange, 2), at_step(T::kFsync, 2)};
  const auto points = crash_points(h, 100);
  EXPECT_EQ(points, (std::vector<CrashPoint>{{1, 1, false}, {2, 1, false}, {3, 1, true}, {4, 2, false},
                                             {6, 2, true}}));  // sync_file_range changes nothing: no point after it
}

TEST(CrashPoints, BeyondTheBoundAcknowledgementsComeFirstAndTheRestIsSpread) {
  History h;
  for (std::uint64_t s = 1; s <= 4; ++s)
    for (int k = 0; k < 5; ++k) h.events.push_back(at_step(T::kWrite, s));
  const auto points = crash_points(h, 6);
  ASSERT_EQ(points.size(), 6u);
  std::size_t acks = 0;
  for (const CrashPoint& p : points) acks += p.after_ack ? 1 : 0;
  EXPECT_EQ(acks, 4u);
  EXPECT_EQ(crash_points(h, 6), points);  // deterministic
  EXPECT_EQ(crash_points(h, 2).size(), 2u);
  for (const CrashPoint& p : crash_points(h, 2)) EXPECT_TRUE(p.after_ack);
}

}  // namespace
}  // namespace faultline::faults
