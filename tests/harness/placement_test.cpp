// CPU placement (harness/src/placement.h): which CPU a campaign worker is pinned to, on hand-made CPU sets.
#include <gtest/gtest.h>

#include <vector>

#include "placement.h"

namespace faultline::harness::placement {
namespace {

struct Enabled {
  explicit Enabled(bool on) { set_enabled(on); }
  ~Enabled() { set_enabled(true); }
};

TEST(Placement, WorkersOfACampaignGetTheAllowedCpusInTurn) {
  const std::vector<int> allowed = {2, 5, 7};
  EXPECT_EQ(home_cpu(0, 3, allowed), 2);
  EXPECT_EQ(home_cpu(1, 3, allowed), 5);
  EXPECT_EQ(home_cpu(2, 3, allowed), 7);
  EXPECT_EQ(home_cpu(3, 4, allowed), 2);  // more workers than CPUs: round the set again
  EXPECT_EQ(home_cpu(4, 8, allowed), 5);
}

TEST(Placement, ASingleWorkerHasNoHomeItsEnginesFollowIt) {
  EXPECT_EQ(home_cpu(0, 1, {0, 1}), -1);
}

TEST(Placement, OneAllowedCpuPinsNothing) {
  EXPECT_EQ(home_cpu(0, 2, {3}), -1);
  EXPECT_EQ(home_cpu(1, 2, {}), -1);
}

TEST(Placement, NoCpuPinningPinsNothing) {
  const Enabled off(false);
  EXPECT_EQ(home_cpu(1, 2, {0, 1}), -1);
  EXPECT_EQ(engine_cpu(), -1);
}

TEST(Placement, AThreadWithoutAHomeStartsItsEnginesOnTheCpuItRunsOn) {
  if (allowed_cpus().size() < 2) GTEST_SKIP() << "one CPU allowed: nothing to place";
  const int cpu = engine_cpu();
  const auto allowed = allowed_cpus();
  EXPECT_NE(std::find(allowed.begin(), allowed.end(), cpu), allowed.end()) << cpu;
}

TEST(Placement, PinRefusesACpuOutsideTheSet) {
  EXPECT_FALSE(pin(0, -1));
  EXPECT_FALSE(pin(0, CPU_SETSIZE));
}

}  // namespace
}  // namespace faultline::harness::placement
