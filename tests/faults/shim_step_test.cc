// Integration tests of the shim's step counter (`step_file`, the `step=` trigger) and of `span=`, which picks the
// byte inside a write where a fault lands (docs/fault-plan.md).
#include <set>

#include "faultline/rng.h"
#include "shim_fixture.h"

namespace faultline::faults {
namespace {

using namespace shim_testing;

// ---- step= trigger ---------------------------------------------------------------------------------------------------

TEST_F(ShimTest, StepTriggerFiresOnTheFirstWriteOnceTheCounterReachedIt) {
  const auto r = run(step_plan({at_step("crash", 3)}),
                     {"open wal.log wc", "write 4 a", step_op(1), "write 4 b", step_op(2), "write 4 c", step_op(3),
                      "write 4 d", "write 4 e"});
  EXPECT_TRUE(r.killed_by(SIGKILL)) << r.status << r.err;
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"open ret=3 errno=0 fd=3", "write ret=4 errno=0", "step ret=0 errno=0",
                                                 "write ret=4 errno=0", "step ret=0 errno=0", "write ret=4 errno=0",
                                                 "step ret=0 errno=0"}));
  EXPECT_EQ(file("wal.log"), "aaaabbbbcccc");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_STREQ(fault_kind_name(faults[0].kind), "crash");
  EXPECT_EQ(faults[0].off, 12);
  EXPECT_EQ(faults[0].raw["wrote"], 0);
  EXPECT_EQ(faults[0].raw["step"], 3);
}

TEST_F(ShimTest, StepTriggerFiresOnTheFirstCountCallsWhenTheCounterJumpsPastIt) {
  auto f = at_step("short_write", 2);
  f.count = 2;
  f.keep = 1;
  const auto r = run(step_plan({f}), {"open wal.log wc", "write 4 a", step_op(5), "write 4 b", "write 4 c",
                                      "write 4 d", step_op(9), "write 4 e"});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[1], "write ret=4 errno=0");
  EXPECT_EQ(lines[3], "write ret=1 errno=0");
  EXPECT_EQ(lines[4], "write ret=1 errno=0");
  EXPECT_EQ(lines[5], "write ret=4 errno=0");
  EXPECT_EQ(lines[7], "write ret=4 errno=0");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0].raw["step"], 5);
  EXPECT_EQ(faults[1].raw["step"], 5);
}

TEST_F(ShimTest, StepTriggerWithCountZeroFiresOnEveryCallFromThenOn) {
  auto f = at_step("write_error", 1);
  f.count = 0;
  const auto r = run(step_plan({f}), {"open wal.log wc", "write 4 a", step_op(1), "write 4 b", "write 4 c"});
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[1], "write ret=4 errno=0");
  EXPECT_EQ(lines[3], "write ret=-1 errno=EIO");
  EXPECT_EQ(lines[4], "write ret=-1 errno=EIO");
  EXPECT_EQ(file("wal.log"), "aaaa");
}

TEST_F(ShimTest, FsyncErrorOnStepFailsTheFirstSyncAfterTheCounterWasRaised) {
  const auto r = run(step_plan({at_step("fsync_error", 1)}),
                     {"open wal.log wc", "write 4 a", "fsync", "write 4 b", "fsync", step_op(1), "write 4 c", "fsync",
                      "fsync"});
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(lines[2], "fsync ret=0 errno=0");
  EXPECT_EQ(lines[4], "fsync ret=0 errno=0");
  EXPECT_EQ(lines[7], "fsync ret=-1 errno=EIO");
  EXPECT_EQ(lines[8], "fsync ret=0 errno=0");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].raw["lost_from"], 8);
  EXPECT_EQ(faults[0].raw["lost_to"], 12);
  EXPECT_EQ(faults[0].raw["step"], 1);
  EXPECT_EQ(faults[0].raw.items().begin().key(), "ev");
  EXPECT_EQ(std::prev(faults[0].raw.end()).key(), "step");  // added after the kind's fields
}

TEST_F(ShimTest, ReadFaultsOnStep) {
  auto flip = at_step("bitflip_read", 2);
  flip.bit = 0;
  const auto r = run(step_plan({at_step("read_error", 1), flip}),
                     {"open wal.log rwc", "write 2 a", "pread 2 0", step_op(1), "pread 2 0", step_op(2), "pread 2 0",
                      "pread 2 0"});
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[2], "pread ret=2 errno=0 data=6161");
  EXPECT_EQ(lines[4], "pread ret=-1 errno=EIO data=");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_STREQ(fault_kind_name(faults[1].kind), "bitflip_read");
  EXPECT_EQ(faults[1].raw["step"], 2);
  const int at = faults[1].raw["at"].get<int>();
  EXPECT_EQ(lines[6], at == 0 ? "pread ret=2 errno=0 data=6061" : "pread ret=2 errno=0 data=6160");
  EXPECT_EQ(lines[7], "pread ret=2 errno=0 data=6161");
}

TEST_F(ShimTest, EveryFaultEventCarriesTheStepCounterWhenThePlanHasAStepFile) {
  auto f = at_nth("bitflip_write", 2);
  f.bit = 3;
  run(step_plan({f}), {"open wal.log wc", step_op(7), "write 4 a", "write 4 b"});
  auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].raw["step"], 7);
  EXPECT_EQ(std::prev(faults[0].raw.end()).key(), "step");
  // Without a step_file there is no step field.
  std::filesystem::remove(journal_path());
  run(plan({f}), {"open wal.log wc", "write 4 a", "write 4 b"});
  faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_FALSE(faults[0].raw.contains("step"));
}

TEST_F(ShimTest, AnExecdChildMapsTheStepFileAgain) {
  auto f = at_step("short_write", 2);
  f.keep = 1;
  const auto r = run(step_plan({f}), {"open wal.log wc", "write 4 a", step_op(2), "spawn open child.log wc;write 4 c"});
  EXPECT_EQ(r.lines()[1], "write ret=4 errno=0");  // counter 0 in the parent
  EXPECT_NE(r.out.find("write ret=1 errno=0"), std::string::npos) << r.out;  // the child's first write, counter 2
  EXPECT_EQ(file("child.log"), "c");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].file, "child.log");
  EXPECT_EQ(faults[0].raw["step"], 2);
}

TEST_F(ShimTest, AForkedChildSharesTheStepCounterMapping) {
  auto f = at_step("write_error", 1);
  const auto r = run(step_plan({f}), {"open wal.log wc", "fork write 1 a;" + step_op(1) + ";write 1 b", "write 1 c"});
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[1], "write ret=1 errno=0");     // the child, counter 0
  EXPECT_EQ(lines[3], "write ret=-1 errno=EIO");  // the child, after it raised the counter
  EXPECT_EQ(lines[4], "fork ret=0 errno=0");
  EXPECT_EQ(lines[5], "write ret=-1 errno=EIO");  // the parent sees the counter too (its own fault state)
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_NE(faults[0].pid, faults[1].pid);
}

// ---- span= ---------------------------------------------------------------------------------------------------------

// Runs `fault` (on the second of two 10-byte writes, or as given) for seeds 1..n and returns the fault events.
class SpanTest : public ShimTest {
 protected:
  std::vector<Event> fire_for_seeds(const FaultSpec& f, int seeds, const std::vector<std::string>& ops) {
    std::vector<Event> out;
    for (int seed = 1; seed <= seeds; ++seed) {
      std::filesystem::remove(journal_path());
      std::filesystem::remove(data() / "wal.log");
      auto p = plan({f});
      p.seed = static_cast<std::uint64_t>(seed);
      run(p, ops);
      const auto faults = fired_faults(events());
      if (faults.size() != 1u) {
        ADD_FAILURE() << "seed " << seed << ": " << faults.size() << " faults fired";
        continue;
      }
      out.push_back(faults[0]);
    }
    return out;
  }
};

TEST_F(SpanTest, CrashKeepsAByteCountInsideTheSpanDeterministically) {
  const FaultSpec f = with_span(at_nth("crash", 2), 3, 7);
  const std::vector<std::string> ops = {"open wal.log wc", "write 10 a", "write 10 b"};
  std::set<int> kept;
  for (int seed = 1; seed <= 12; ++seed) {
    auto p = plan({f});
    p.seed = static_cast<std::uint64_t>(seed);
    std::filesystem::remove(journal_path());
    std::filesystem::remove(data() / "wal.log");
    const auto r = run(p, ops);
    EXPECT_TRUE(r.killed_by(SIGKILL)) << r.err;
    const auto faults = fired_faults(events());
    ASSERT_EQ(faults.size(), 1u);
    const int wrote = faults[0].raw["wrote"].get<int>();
    EXPECT_GE(wrote, 3) << "seed " << seed;
    EXPECT_LT(wrote, 7) << "seed " << seed;
    EXPECT_EQ(file("wal.log"), std::string(10, 'a') + std::string(static_cast<std::size_t>(wrote), 'b'));
    kept.insert(wrote);
    // The same seed keeps the same count.
    std::filesystem::remove(journal_path());
    std::filesystem::remove(data() / "wal.log");
    run(p, ops);
    ASSERT_EQ(fired_faults(events()).size(), 1u);
    EXPECT_EQ(fired_faults(events())[0].raw["wrote"], wrote) << "seed " << seed;
  }
  EXPECT_GE(kept.size(), 3u);  // the seed chooses: 12 seeds do not all land on one byte of the 4
}

TEST_F(SpanTest, NegativeFromCountsFromTheEndOfTheCall) {
  const auto faults = fire_for_seeds(with_span(at_nth("short_write", 1), -4, 0), 12, {"open wal.log wc", "write 10 a"});
  std::set<int> kept;
  for (const Event& e : faults) {
    const int wrote = e.raw["wrote"].get<int>();
    EXPECT_GE(wrote, 6);
    EXPECT_LT(wrote, 10);
    kept.insert(wrote);
  }
  EXPECT_GE(kept.size(), 3u);
  const auto writes = events_of("write");
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].ret, faults.back().raw["wrote"]);
  EXPECT_EQ(file("wal.log").size(), faults.back().raw["wrote"].get<std::size_t>());
}

TEST_F(SpanTest, NegativeToStopsBeforeTheEnd) {
  // span=2:-5 on a 10-byte call is [2, 5).
  for (const Event& e : fire_for_seeds(with_span(at_nth("write_error", 1), 2, -5), 8, {"open wal.log wc", "write 10 a"})) {
    EXPECT_GE(e.raw["wrote"].get<int>(), 2);
    EXPECT_LT(e.raw["wrote"].get<int>(), 5);
  }
}

TEST_F(SpanTest, AnEmptyResolvedSpanFallsBackToTheWholeCall) {
  // 20:30 lies past a 10-byte call (clamped to [10, 10)), 6:2 is reversed: both mean the whole call [0, 10).
  for (const auto& [from, to] : std::vector<std::pair<std::int64_t, std::int64_t>>{{20, 30}, {6, 2}}) {
    std::set<int> kept;
    for (const Event& e : fire_for_seeds(with_span(at_nth("short_write", 1), from, to), 16,
                                         {"open wal.log wc", "write 10 a"})) {
      const int wrote = e.raw["wrote"].get<int>();
      EXPECT_GE(wrote, 0);
      EXPECT_LT(wrote, 10);
      kept.insert(wrote);
    }
    EXPECT_GE(kept.size(), 5u) << from << ":" << to;
    EXPECT_TRUE(*kept.begin() < 4 || *kept.rbegin() >= 8) << from << ":" << to;  // not confined to a part of the call
  }
}

TEST_F(SpanTest, ShortWriteWhoseByteIsTheFirstReturnsZero) {
  const auto r = run(plan({with_span(at_nth("short_write", 1), 0, 1)}), {"open wal.log wc", "write 10 a", "write 2 b"});
  EXPECT_EQ(r.lines()[1], "write ret=0 errno=0");
  EXPECT_EQ(file("wal.log"), "bb");
}

TEST_F(SpanTest, WriteErrorWritesTheBytesBeforeTheSpanByte) {
  auto f = with_span(at_nth("write_error", 2), 5, 6);  // exactly byte 5
  f.err = "ENOSPC";
  const auto r = run(plan({f}), {"open wal.log wc", "write 3 a", "write 8 b"});
  EXPECT_EQ(r.lines()[2], "write ret=-1 errno=ENOSPC");
  EXPECT_EQ(file("wal.log"), "aaabbbbb");
  EXPECT_EQ(fired_faults(events())[0].raw["wrote"], 5);
  EXPECT_EQ(summarize(events()).at("wal.log").size, 8u);
}

TEST_F(SpanTest, BitflipWriteFlipsAByteInsideTheSpan) {
  const std::vector<std::string> ops = {"open wal.log wc", "write 16 a", "writev 8,8 a"};
  std::set<std::size_t> where;
  for (int seed = 1; seed <= 12; ++seed) {
    std::filesystem::remove(journal_path());
    std::filesystem::remove(data() / "wal.log");
    auto p = plan({with_span(at_nth("bitflip_write", 2), -3, 0)});
    p.seed = static_cast<std::uint64_t>(seed);
    run(p, ops);
    const auto faults = fired_faults(events());
    ASSERT_EQ(faults.size(), 1u);
    const auto at = faults[0].raw["at"].get<std::size_t>();
    const int bit = faults[0].raw["bit"].get<int>();
    EXPECT_GE(at, 29u) << "seed " << seed;  // the last 3 bytes of the call [16, 32)
    EXPECT_LT(at, 32u) << "seed " << seed;
    std::string expected(32, 'a');
    expected[at] = static_cast<char>('a' ^ (1 << bit));
    EXPECT_EQ(file("wal.log"), expected) << "seed " << seed;
    where.insert(at);
  }
  EXPECT_EQ(where.size(), 3u);
}

TEST_F(SpanTest, DrawsComeInTheDocumentedOrder) {
  // Fault i draws from Rng(derive_seed(seed, "fault/<i>")): the prob draw, then the span byte, then the bit.
  auto f = with_span(fault("bitflip_write"), -3, 0);
  f.prob = 0.999;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    std::filesystem::remove(journal_path());
    std::filesystem::remove(data() / "wal.log");
    auto p = plan({fault("lost_write"), f});  // fault 1: its own stream, untouched by fault 0
    p.faults[0].nth = 1000;
    p.seed = seed;
    run(p, {"open wal.log wc", "write 4 x", "write 16 a"});
    Rng rng(derive_seed(seed, "fault/1"));
    std::uint64_t pos = 0, len = 4;  // the first write, nearly always
    if (!rng.chance(0.999)) {
      pos = 4;
      len = 16;
      ASSERT_TRUE(rng.chance(0.999)) << "seed " << seed;
    }
    const std::uint64_t at = pos + (len - 3) + rng.below(3);
    const std::uint64_t bit = rng.below(8);
    const auto faults = fired_faults(events());
    ASSERT_EQ(faults.size(), 1u) << "seed " << seed;
    EXPECT_EQ(faults[0].raw["index"], 1);
    EXPECT_EQ(faults[0].raw["at"], at) << "seed " << seed;
    EXPECT_EQ(faults[0].raw["bit"], bit) << "seed " << seed;
  }
}

TEST_F(SpanTest, SpanWorksWithStepAndProb) {
  auto f = with_span(at_step("crash", 1), -2, 0);
  const auto r = run(step_plan({f}), {"open wal.log wc", "write 6 a", step_op(1), "write 6 b"});
  EXPECT_TRUE(r.killed_by(SIGKILL));
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  const int wrote = faults[0].raw["wrote"].get<int>();
  EXPECT_TRUE(wrote == 4 || wrote == 5) << wrote;
  EXPECT_EQ(file("wal.log"), std::string(6, 'a') + std::string(static_cast<std::size_t>(wrote), 'b'));
  EXPECT_EQ(faults[0].raw["step"], 1);

  auto g = with_span(fault("short_write"), 1, 3);
  g.prob = 1.0;
  g.count = 0;
  std::filesystem::remove(journal_path());
  std::filesystem::remove(data() / "wal.log");
  const auto r2 = run(plan({g}), {"open wal.log wc", "write 8 a", "write 8 a", "write 8 a"});
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_TRUE(r2.lines()[i] == "write ret=1 errno=0" || r2.lines()[i] == "write ret=2 errno=0") << r2.lines()[i];
  }
}

}  // namespace
}  // namespace faultline::faults
