// Integration tests of the filters that aim a fault at one write among many (docs/fault-plan.md, "Which calls
// count"): skip= with step=, region= (only calls that touch a file region; the byte drawn inside it) and rewrite=
// (in-place overwrites versus appends).
#include "shim_fixture.h"

namespace faultline::faults {
namespace {

using namespace shim_testing;

TEST_F(ShimTest, SkipLetsThatManyWritesPassOnceTheCounterReachedTheStep) {
  auto f = at_step("crash", 1);
  f.skip = 2;
  const auto r = run(step_plan({f}), {"open wal.log wc", "write 4 a", step_op(1), "write 4 b", "write 4 c",
                                      "write 4 d", "write 4 e"});
  EXPECT_TRUE(r.killed_by(SIGKILL)) << r.status << r.err;
  EXPECT_EQ(file("wal.log"), "aaaabbbbcccc");  // the third write after the step (d) was torn at its start
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].off, 12);
}

TEST_F(ShimTest, RegionTakesOnlyWritesThatTouchItAndDrawsTheByteThere) {
  auto f = at_step("bitflip_write", 1);
  f.region = std::pair<std::uint64_t, std::uint64_t>{0, 4};  // the file's head: its first 4 bytes
  const auto r = run(step_plan({f}), {"open wal.log wc", "write 8 a", step_op(1), "write 8 b", "pwrite 8 c 0"});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].off, 0) << "the append at 8 is outside the region; the rewrite at 0 is in it";
  EXPECT_LT(faults[0].raw["at"].get<int>(), 4);
  EXPECT_EQ(file("wal.log").substr(4), std::string(4, 'c') + std::string(8, 'b'));
}

TEST_F(ShimTest, RewriteTellsOverwritesFromAppends) {
  auto over = at_step("write_error", 1);
  over.rewrite = FaultSpec::Rewrite::kOverwrite;
  const auto r = run(step_plan({over}), {"open wal.log wc", "write 8 a", step_op(1), "write 4 b", "pwrite 4 c 2"});
  ASSERT_EQ(r.lines().size(), 5u);
  EXPECT_EQ(r.lines()[3], "write ret=4 errno=0");       // extends the file: no overwrite
  EXPECT_EQ(r.lines()[4], "pwrite ret=-1 errno=EIO");   // inside the file's 12 bytes
  std::filesystem::remove(journal_path());
  std::filesystem::remove(data() / "wal.log");
  auto append = at_step("write_error", 1);
  append.rewrite = FaultSpec::Rewrite::kAppend;
  const auto r2 = run(step_plan({append}), {"open wal.log wc", "write 8 a", step_op(1), "pwrite 4 c 2", "write 4 b"});
  ASSERT_EQ(r2.lines().size(), 5u);
  EXPECT_EQ(r2.lines()[3], "pwrite ret=4 errno=0");
  EXPECT_EQ(r2.lines()[4], "write ret=-1 errno=EIO");
}

TEST(PlanAim, FiltersRenderAndAreChecked) {
  FaultSpec f;
  f.step = 3;
  f.skip = 1;
  f.region = std::pair<std::uint64_t, std::uint64_t>{0, 4096};
  f.rewrite = FaultSpec::Rewrite::kOverwrite;
  EXPECT_EQ(render_fault_line(f), "fault crash file=* step=3 skip=1 region=0:4096 rewrite=overwrite");
  Plan p;
  p.journal = "/tmp/j";
  p.target_dir = "/tmp/d";
  p.step_file = "/tmp/s";
  p.faults = {f};
  EXPECT_NO_THROW(render_plan(p));
  p.faults[0].step.reset();
  p.faults[0].nth = 1;
  EXPECT_THROW(render_plan(p), std::invalid_argument) << "skip without step";
  p.faults[0].skip = 0;
  p.faults[0].region = std::pair<std::uint64_t, std::uint64_t>{5, 5};
  EXPECT_THROW(render_plan(p), std::invalid_argument) << "an empty region";
  p.faults[0].region.reset();
  p.faults[0].kind = FaultKind::kFsyncError;
  EXPECT_THROW(render_plan(p), std::invalid_argument) << "rewrite on a sync";
}

}  // namespace
}  // namespace faultline::faults
