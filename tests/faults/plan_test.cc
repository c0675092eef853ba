// Fault plan rendering and validation (faults/src/plan.cc).
#include "faultline/plan.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "test_support.h"

namespace faultline::faults {
namespace {

using testing::kind_of;

Plan base_plan() {
  Plan p;
  p.seed = 18446744073709551615ULL;
  p.journal = "/dev/shm/t/journal.jsonl";
  p.target_dir = "/dev/shm/t/data";
  return p;
}

FaultSpec crash_at(std::uint64_t offset) {
  FaultSpec f;
  f.kind = FaultKind::kCrash;
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
  b.kind = FaultKind::kWriteError;
  b.nth = 3;
  b.count = 0;
  b.keep = 10;
  b.err = "ENOSPC";
  FaultSpec c;
  c.kind = FaultKind::kBitflipRead;
  c.prob = 0.25;
  c.bit = 7;
  FaultSpec d;
  d.kind = FaultKind::kMisdirectedWrite;
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

TEST(Plan, AcceptsEveryKindTheShimInjects) {
  int injected = 0;
  for (const auto& k : kFaultKinds) {
    if (!shim_injects(k.kind)) continue;
    ++injected;
    FaultSpec f;
    f.kind = k.kind;
    f.nth = 1;
    Plan p = base_plan();
    p.faults = {f};
    EXPECT_EQ(rejection(p), "") << k.name;
  }
  EXPECT_EQ(injected, 9);
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
  f.kind = FaultKind::kLostWrite;
  p.faults = {f};
  EXPECT_EQ(rejection(p), "fault plan: fault 0 (lost_write): field 'trigger': expected exactly one of offset, nth, prob, step (got 0)");
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
  f.kind = FaultKind::kShortWrite;
  f.prob = 1.5;
  p.faults = {f};
  EXPECT_EQ(rejection(p), "fault plan: fault 0 (short_write): field 'prob': must be in (0, 1], got 1.5");
  p.faults[0].prob = 0.0;
  EXPECT_NE(rejection(p).find("field 'prob'"), std::string::npos);
}

TEST(Plan, NthZeroIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = FaultKind::kCrash;
  f.nth = 0;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'nth'"), std::string::npos);
}

TEST(Plan, KindTheShimDoesNotInjectIsRejected) {
  Plan p = base_plan();
  FaultSpec f = crash_at(0);
  f.kind = FaultKind::kPowerLoss;  // a scenario kind the harness builds on a crash, never a plan line
  p.faults = {f};
  EXPECT_NE(rejection(p).find("fault 0 (power_loss): field 'kind': the shim does not inject 'power_loss'"),
            std::string::npos) << rejection(p);
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
  f.kind = FaultKind::kLostWrite;
  f.nth = 1;
  f.keep = 3;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'keep'"), std::string::npos);
}

TEST(Plan, BitOutOfRangeIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = FaultKind::kBitflipWrite;
  f.nth = 1;
  f.bit = 8;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'bit': must be 0..7, got 8"), std::string::npos);
}

TEST(Plan, ErrnoMustSuitTheKind) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = FaultKind::kReadError;
  f.nth = 1;
  f.err = "ENOSPC";
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'errno': must be one of EIO, got 'ENOSPC'"), std::string::npos);
  p.faults[0].kind = FaultKind::kCrash;
  EXPECT_NE(rejection(p).find("field 'errno'"), std::string::npos);
}

TEST(Plan, ZeroShiftIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = FaultKind::kMisdirectedWrite;
  f.nth = 1;
  f.shift = 0;
  p.faults = {f};
  EXPECT_NE(rejection(p).find("field 'shift': must not be 0"), std::string::npos);
}

// ---- step_file, step=, span= ----------------------------------------------------------------------------------------

Plan step_plan() {
  Plan p = base_plan();
  p.step_file = "/dev/shm/t/step";
  return p;
}

FaultSpec with_span(std::string kind, std::int64_t from, std::int64_t to) {
  FaultSpec f;
  f.kind = kind_of(kind);
  f.nth = 1;
  f.span = Span{from, to};
  return f;
}

TEST(Plan, RendersStepFileStepAndSpan) {
  Plan p = step_plan();
  FaultSpec a;
  a.kind = FaultKind::kCrash;
  a.step = 3;
  a.count = 2;
  a.span = Span{-4, 0};
  FaultSpec b;
  b.kind = FaultKind::kBitflipWrite;
  b.prob = 0.5;
  b.span = Span{3, 7};
  b.bit = 1;
  FaultSpec c;
  c.kind = FaultKind::kFsyncError;
  c.step = 12;
  c.err = "ENOSPC";
  FaultSpec d;
  d.kind = FaultKind::kWriteError;
  d.nth = 2;
  d.span = Span{0, -1};
  p.faults = {a, b, c, d};
  EXPECT_EQ(render_plan(p),
            "faultfs-plan 1\n"
            "seed 18446744073709551615\n"
            "journal /dev/shm/t/journal.jsonl\n"
            "target_dir /dev/shm/t/data\n"
            "exec inherit\n"
            "step_file /dev/shm/t/step\n"
            "fault crash file=* step=3 count=2 span=-4:0\n"
            "fault bitflip_write file=* prob=0.5 span=3:7 bit=1\n"
            "fault fsync_error file=* step=12 errno=ENOSPC\n"
            "fault write_error file=* nth=2 span=0:-1\n");
}

TEST(Plan, WithoutAStepFileNoStepFileLineIsRendered) {
  Plan p = base_plan();
  p.faults = {with_span("crash", 1, 2)};
  const std::string text = render_plan(p);
  EXPECT_EQ(text.find("step_file"), std::string::npos);
  EXPECT_NE(text.find("fault crash file=* nth=1 span=1:2\n"), std::string::npos) << text;
}

TEST(Plan, StepWorksForEveryKind) {
  for (const auto& k : kFaultKinds) {
    if (!shim_injects(k.kind)) continue;
    FaultSpec f;
    f.kind = k.kind;
    f.step = 1;
    Plan p = step_plan();
    p.faults = {f};
    EXPECT_EQ(rejection(p), "") << k.name;
  }
}

TEST(Plan, RelativeStepFileIsRejected) {
  Plan p = base_plan();
  p.step_file = "step";
  EXPECT_EQ(rejection(p), "fault plan: field 'step_file': must be an absolute path, got 'step'");
}

TEST(Plan, StepFileWithABlankIsRejected) {
  Plan p = base_plan();
  p.step_file = "/dev/shm/my step";
  EXPECT_NE(rejection(p).find("field 'step_file': must not contain blanks"), std::string::npos);
}

TEST(Plan, StepWithoutAStepFileIsRejected) {
  Plan p = base_plan();
  FaultSpec f;
  f.kind = FaultKind::kCrash;
  f.step = 2;
  p.faults = {f};
  EXPECT_EQ(rejection(p), "fault plan: fault 0 (crash): field 'step': needs a step counter: set the plan's step_file");
}

TEST(Plan, StepZeroIsRejected) {
  Plan p = step_plan();
  FaultSpec f;
  f.kind = FaultKind::kFsyncError;
  f.step = 0;
  p.faults = {f};
  EXPECT_EQ(rejection(p), "fault plan: fault 0 (fsync_error): field 'step': must be >= 1 (the counter starts at 0)");
}

TEST(Plan, StepIsATriggerLikeTheOthers) {
  Plan p = step_plan();
  FaultSpec f;
  f.kind = FaultKind::kCrash;
  f.step = 2;
  f.nth = 1;
  p.faults = {f};
  EXPECT_EQ(rejection(p),
            "fault plan: fault 0 (crash): field 'trigger': expected exactly one of offset, nth, prob, step (got 2)");
  p.faults[0].nth.reset();
  p.faults[0].offset = 5;
  EXPECT_NE(rejection(p).find("field 'trigger'"), std::string::npos);
}

TEST(Plan, SpanIsAcceptedForTheFourWriteKindsWithNthProbOrStep) {
  for (const char* kind : {"crash", "short_write", "bitflip_write", "write_error"}) {
    Plan p = step_plan();
    FaultSpec nth = with_span(kind, -4, 0);
    FaultSpec prob = with_span(kind, 0, 0);
    prob.nth.reset();
    prob.prob = 0.5;
    FaultSpec step = with_span(kind, 7, 3);  // an empty span is valid: the shim uses the whole call
    step.nth.reset();
    step.step = 4;
    p.faults = {nth, prob, step};
    EXPECT_EQ(rejection(p), "") << kind;
  }
}

TEST(Plan, SpanIsRejectedForOtherKinds) {
  for (const char* kind : {"bitflip_read", "read_error", "fsync_error", "lost_write", "misdirected_write"}) {
    Plan p = base_plan();
    p.faults = {with_span(kind, 0, 0)};
    EXPECT_EQ(rejection(p), fmt::format("fault plan: fault 0 ({}): field 'span': only crash, short_write, "
                                        "bitflip_write and write_error take a span", kind));
  }
}

TEST(Plan, SpanWithOffsetIsRejected) {
  for (const char* kind : {"crash", "short_write", "bitflip_write", "write_error"}) {
    Plan p = base_plan();
    FaultSpec f = with_span(kind, 0, 4);
    f.nth.reset();
    f.offset = 10;
    p.faults = {f};
    EXPECT_EQ(rejection(p), fmt::format("fault plan: fault 0 ({}): field 'span': not allowed with offset (the offset "
                                        "already names the byte)", kind));
  }
}

TEST(Plan, SpanWithKeepIsRejected) {
  for (const char* kind : {"crash", "short_write", "write_error"}) {
    Plan p = base_plan();
    FaultSpec f = with_span(kind, 0, 4);
    f.keep = 2;
    p.faults = {f};
    EXPECT_EQ(rejection(p), fmt::format("fault plan: fault 0 ({0}): field 'span': not allowed with keep (both choose "
                                        "where {0} stops)", kind));
  }
}

TEST(Plan, SpanBoundsTheShimCannotReadAreRejected) {
  Plan p = base_plan();
  p.faults = {with_span("crash", std::numeric_limits<std::int64_t>::min(), 0)};
  EXPECT_NE(rejection(p).find("field 'span'"), std::string::npos);
  p.faults = {with_span("crash", -std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max())};
  EXPECT_EQ(rejection(p), "");
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
