// Fault plan rendering and validation (faults/src/plan.cc).
#include "faultline/plan.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "test_support.h"

namespace faultline::faults {
namespace {

Plan base_plan() {
  Plan p;
  p.seed = 18446744073709551615ULL;
  p.journal = "/dev/shm/t/journal.jsonl";
  p.target_dir = "/dev/shm/t/data";
  return p;
}

FaultSpec crash_at(std::uint64_t offset) {
  FaultSpec f;
  f.kind = "crash";
  f.offset = offset;
  return f;
}

// The message of the std::invalid_argument that rendering `p` throws ("" when it does not throw).
std::string rejection(const Plan& p) {
  try {
    render_plan(p);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Plan, RendersEveryDirectiveInOrder) {
  Plan p = base_plan();
  p.targets = {"wal.log", "*.sst"};
  p.exec_inherit = false;
  FaultSpec a = crash_at(1234);
  a.file = "wal.log";
  FaultSpec b;
  b.kind = "write_error";
  b.nth = 3;
  b.count = 0;
  b.keep = 10;
  b.err = "ENOSPC";
  FaultSpec c;
  c.kind = "bitflip_read";
  c.prob = 0.25;
  c.bit = 7;
  FaultSpec d;
  d.kind = "misdirected_write";
  d.nth = 1;
  d.shift = -512;
  p.faults = {a, b, c, d};
  EXPECT_EQ(render_plan(p),
            "faultfs-plan 1\n"
            "seed 18446744073709551615\n"
            "journal /dev/shm/t/journal.jsonl\n"
            "target_dir /dev/shm/t/data\n"
            "target wal.log\n"
            "target *.sst\n"
            "exec drop\n"
            "fault crash file=wal.log offset=1234\n"
            "fault write_error file=* nth=3 count=0 keep=10 errno=ENOSPC\n"
            "fault bitflip_read file=* prob=0.25 bit=7\n"
            "fault misdirected_write file=* nth=1 shift=-512\n");
}

TEST(Plan, ListsTheNineShimFaultKinds) {
  EXPECT_EQ(shim_fault_kinds().size(), 9u);
  for (const auto& kind : shim_fault_kinds()) {
    FaultSpec f;
    f.kind = kind;
    f.nth = 1;
    Plan p = base_plan();
    p.faults = {f};
    EXPECT_EQ(rejection(p), "") << kind;
  }
}

TEST(Plan, RelativeJournalIsRejected) {
  Plan p = base_plan();
  p.journal = "journal.jsonl";
  EXPECT_EQ(rejection(p), "fault plan: field 'journal': must be an absolute path, got 'journal.jsonl'");
}

TEST(Plan, TargetDirWithABlankIsRejected) {
  Plan p = base_plan();
  p.target_dir = "/dev/shm/my data";
  EXPECT_NE(rejection(p).find("field 'target_dir': must not contain blanks"), std::string::npos);
}

TEST(Plan, GlobWithACommentSignIsRejected) {
  Plan p = base_plan();
  p.targets = {"wal#1"};
  EXPECT_NE(rejection(p).find("field 'target'"), std::string::npos);
}

TEST(Plan, FaultWithoutTriggerIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = "lost_write";
  p.faults = {f};
  EXPECT_EQ(rejection(p), "fault plan: fault 0 (lost_write): field 'trigger': expected exactly one of offset, nth, prob (got 0)");
}

TEST(Plan, FaultWithTwoTriggersIsRejected) {
  Plan p = base_plan();
  FaultSpec f = crash_at(1);
  f.nth = 2;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'trigger'"), std::string::npos);
}

TEST(Plan, ProbabilityOutsideZeroToOneIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = "short_write";
  f.prob = 1.5;
  p.faults = {f};
  EXPECT_EQ(rejection(p), "fault plan: fault 0 (short_write): field 'prob': must be in (0, 1], got 1.5");
  p.faults[0].prob = 0.0;
  EXPECT_NE(rejection(p).find("field 'prob'"), std::string::npos);
}

TEST(Plan, NthZeroIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = "crash";
  f.nth = 0;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'nth'"), std::string::npos);
}

TEST(Plan, UnknownKindIsRejected) {
  Plan p = base_plan();
  FaultSpec f = crash_at(0);
  f.kind = "meteor";
  p.faults = {f};
  EXPECT_NE(rejection(p).find("fault 0 (meteor): field 'kind': unknown kind 'meteor'"), std::string::npos);
}

TEST(Plan, KeepWithOffsetIsRejectedForCrash) {
  Plan p = base_plan();
  FaultSpec f = crash_at(10);
  f.keep = 3;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'keep': not allowed with offset"), std::string::npos);
}

TEST(Plan, KeepIsRejectedForKindsThatDoNotWrite) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = "lost_write";
  f.nth = 1;
  f.keep = 3;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'keep'"), std::string::npos);
}

TEST(Plan, BitOutOfRangeIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = "bitflip_write";
  f.nth = 1;
  f.bit = 8;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'bit': must be 0..7, got 8"), std::string::npos);
}

TEST(Plan, ErrnoMustSuitTheKind) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = "read_error";
  f.nth = 1;
  f.err = "ENOSPC";
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'errno': must be one of EIO, got 'ENOSPC'"), std::string::npos);
  p.faults[0].kind = "crash";
  EXPECT_NE(rejection(p).find("field 'errno'"), std::string::npos);
}

TEST(Plan, ZeroShiftIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = "misdirected_write";
  f.nth = 1;
  f.shift = 0;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'shift': must not be 0"), std::string::npos);
}

TEST(Plan, WritePlanWritesTheRenderedText) {
  testing::TempDir tmp;
  Plan p = base_plan();
  p.faults = {crash_at(5)};
  write_plan(p, tmp.path() / "plan.txt");
  EXPECT_EQ(testing::read_file(tmp.path() / "plan.txt"), render_plan(p));
}

TEST(Plan, WritePlanValidatesBeforeWriting) {
  testing::TempDir tmp;
  Plan p = base_plan();
  p.journal = "relative";
  EXPECT_THROW(write_plan(p, tmp.path() / "plan.txt"), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "plan.txt"));
}

}  // namespace
}  // namespace faultline::faults
