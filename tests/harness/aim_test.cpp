// Aiming at one write among an operation's writes (harness/src/trial/plan.h, locate.h; docs/faults.md, "How a trial
// aims a fault"): the filters a rehearsal applies, the skip= they give, the write position the report shows, and the
// spread a black box's campaign gets.
#include <gtest/gtest.h>

#include <set>

#include "trial/locate.h"
#include "trial/plan.h"
#include "trial_steps.h"

namespace faultline::harness::detail {
namespace {

using namespace steps_testing;  // NOLINT: the hand-built inputs
using W = scenarios::FaultSpec::Write;

TEST(Aim, FiltersTakeTheFileTheHeadAndTheKindOfWrite) {
  faults::FaultSpec f;
  EXPECT_TRUE(qualifies(f, {"wal.log", 100, 10, false}));
  f.file = "*.db";
  EXPECT_FALSE(qualifies(f, {"wal.log", 0, 10, false}));
  EXPECT_TRUE(qualifies(f, {"main.db", 0, 10, false}));
  f.region = std::pair<std::uint64_t, std::uint64_t>{0, 100};
  EXPECT_TRUE(qualifies(f, {"main.db", 96, 10, false}));
  EXPECT_FALSE(qualifies(f, {"main.db", 100, 10, false}));
  f.rewrite = faults::FaultSpec::Rewrite::kOverwrite;
  EXPECT_FALSE(qualifies(f, {"main.db", 0, 10, false}));
  EXPECT_TRUE(qualifies(f, {"main.db", 0, 10, true}));
  f.rewrite = faults::FaultSpec::Rewrite::kAppend;
  EXPECT_TRUE(qualifies(f, {"main.db", 0, 10, false}));
}

TEST(Aim, SkipHitsTheAimedWriteOfThoseThatQualify) {
  WriteAim aim;
  EXPECT_EQ(skip_for(aim, 5), 0u);
  aim.write = W::kLast;
  EXPECT_EQ(skip_for(aim, 5), 4u);
  EXPECT_EQ(skip_for(aim, 0), 0u);
  aim.write = W::kNth;
  aim.nth = 3;
  EXPECT_EQ(skip_for(aim, 5), 2u);
  EXPECT_EQ(skip_for(aim, 2), 1u) << "fewer writes than n: the last";
  aim.write = W::kAny;
  aim.pick = 13;
  EXPECT_EQ(skip_for(aim, 5), 3u);
}

TEST(Aim, WritePositionAmongTheOperationsWrites) {
  const auto records = framed_log_of(3);  // start-up header, then two writes per operation
  Placement p;
  p.op = SIZE_MAX;
  EXPECT_EQ(write_position(records, p, 3), "start-up");
  p.op = 1;
  p.journal_index = records[3].journal_index;  // operation 1's frame header
  EXPECT_EQ(write_position(records, p, 3), "first");
  p.journal_index = records[4].journal_index;
  EXPECT_EQ(write_position(records, p, 3), "last");
  p.journal_index = records[4].journal_index + 1;  // a crash after both writes: a third write that never completed
  p.completed = false;
  EXPECT_EQ(write_position(records, p, 3), "last");
  p.op = 0;
  p.journal_index = records[1].journal_index;
  p.completed = true;
  const std::vector<Record> one{records[0], records[1]};
  EXPECT_EQ(write_position(one, p, 3), "only");
}

TrialConfig config_for(const scenarios::EngineProfile& profile, std::uint64_t seed) {
  TrialConfig c;
  c.scenario.name = "t";
  c.scenario.workload.operations = 8;
  c.scenario.fault.kind = FaultKind::kCrash;
  c.profile = profile;
  c.seed = seed;
  return c;
}

TEST(Aim, ABlackBoxCampaignSpreadsOverWritesAndRegionsAndWalkvKeepsTheFirstWrite) {
  std::set<int> writes;
  int heads = 0;
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    const auto plan = plan_trial(config_for(black_box_like(), seed));
    writes.insert(static_cast<int>(plan.cycles[0].write.write));
    heads += plan.cycles[0].armed->region ? 1 : 0;
    EXPECT_EQ(plan.cycles[0].write.region_optional, plan.cycles[0].armed->region.has_value());
    const auto known = plan_trial(config_for(walkv_like(), seed));
    EXPECT_FALSE(known.cycles[0].write.needs_rehearsal()) << "seed " << seed;
    EXPECT_FALSE(known.cycles[0].armed->region);
  }
  EXPECT_EQ(writes, (std::set<int>{static_cast<int>(W::kFirst), static_cast<int>(W::kLast),
                                   static_cast<int>(W::kAny)}));
  EXPECT_GT(heads, 4);
  EXPECT_LT(heads, 32);
}

TEST(Aim, AScenarioThatNamesTheWriteIsTakenAsWritten) {
  auto c = config_for(black_box_like(), 7);
  c.scenario.fault.write = W::kLast;
  c.scenario.fault.head_bytes = 100;
  c.scenario.fault.file = "*.db";
  c.scenario.fault.explicit_write_aim = true;
  const auto plan = plan_trial(c);
  EXPECT_EQ(plan.cycles[0].write.write, W::kLast);
  EXPECT_FALSE(plan.cycles[0].write.region_optional);
  ASSERT_TRUE(plan.cycles[0].armed->region);
  EXPECT_EQ(plan.cycles[0].armed->region->second, 100u);
  EXPECT_EQ(plan.cycles[0].armed->file, "*.db");
}

TEST(Aim, PreloadStaysOutsideTheFaultWindow) {
  for (auto aim : {scenarios::Aim::kUniform, scenarios::Aim::kAnyRecord, scenarios::Aim::kMidLog}) {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      auto c = config_for(walkv_like(), seed);
      c.scenario.workload.preload = 10;
      c.scenario.workload.operations = 5;
      c.scenario.fault.aim = aim;
      const auto plan = plan_trial(c);
      ASSERT_EQ(plan.cycles[0].ops.size(), 15u);
      EXPECT_EQ(plan.cycles[0].window, 10u);
      EXPECT_GE(*plan.cycles[0].armed_op, 10u) << "seed " << seed;
    }
  }
  const std::vector<Record> records{{"wal.log", 0, 8, SIZE_MAX, 1}, {"wal.log", 8, 8, 0, 2}, {"wal.log", 16, 8, 1, 3}};
  EXPECT_EQ(in_window(records, 1).size(), 1u);
  EXPECT_EQ(in_window(records, 0).size(), 3u);
  EXPECT_EQ(in_window(records, 5).size(), 3u) << "nothing written in the window: every record";
}

}  // namespace
}  // namespace faultline::harness::detail
