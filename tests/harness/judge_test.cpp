// The trial's judge step (harness/src/trial/judge.h): the judgement behind every violation name, on
// acknowledgements and engine outcomes built by hand.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "trial_steps.h"

namespace faultline::harness::detail {
namespace {

using namespace steps_testing;  // NOLINT: the hand-built inputs
using scenarios::EngineProfile;
using scenarios::FaultSpec;

Issued put(const std::string& k, const std::string& v, Ack ack = Ack::kOk, std::size_t after = 0) {
  return {Op{Op::Kind::kPut, k, v}, ack, ack == Ack::kOk ? "OK" : "", 0, after};
}

std::vector<std::string> names(const std::vector<Violation>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.name);
  return out;
}
using Names = std::vector<std::string>;

ExitStatus exited(int code) { return {true, code, 0}; }
ExitStatus killed(int signal) { return {false, 0, signal}; }

struct FaultRun {
  FaultKind kind = FaultKind::kCrash;
  std::vector<Issued> issued{put("a", "1"), put("b", "2", Ack::kNoReply)};
  std::size_t fault_event = 3;
  bool hung = false, died = true;
  ExitStatus status = killed(9);
  std::vector<std::string> protocol_errors;
  FaultRunJudgement run() const {
    return judge_fault_run({kind, "EIO", issued, fault_event, hung, died, status, protocol_errors});
  }
};

TEST(JudgeFaultRun, CrashThatKilledTheEnginePasses) { EXPECT_TRUE(FaultRun{}.run().violations.empty()); }

TEST(JudgeFaultRun, CrashThatDidNotKillIsEngineCrash) {
  FaultRun r;
  r.died = false;
  EXPECT_EQ(names(r.run().violations), Names{"engine-crash"});
  r.died = true;
  r.status = exited(1);
  EXPECT_EQ(names(r.run().violations), Names{"engine-crash"});
}

TEST(JudgeFaultRun, DeathDuringAFaultToCarryOnIsEngineCrash) {
  FaultRun r;
  r.kind = FaultKind::kShortWrite;
  r.status = killed(6);
  const auto j = r.run();
  EXPECT_EQ(names(j.violations), Names{"engine-crash"});
  EXPECT_TRUE(j.stop);
}

TEST(JudgeFaultRun, AcknowledgementAfterAFailedWriteIsAckedFailedWrite) {
  FaultRun r;
  r.kind = FaultKind::kWriteError;
  r.died = false;
  r.issued = {put("a", "1", Ack::kOk, 2), put("b", "2", Ack::kErr, 4), put("c", "3", Ack::kOk, 6)};
  EXPECT_EQ(names(r.run().violations), Names{"acked-failed-write"});
  r.kind = FaultKind::kFsyncError;
  EXPECT_EQ(names(r.run().violations), Names{"acked-failed-write"});
  r.issued.pop_back();
  EXPECT_TRUE(r.run().violations.empty());
}

TEST(JudgeFaultRun, HangStopsTheTrial) {
  FaultRun r;
  r.hung = true;
  const auto j = r.run();
  EXPECT_EQ(names(j.violations), Names{"hang"});
  EXPECT_TRUE(j.stop);
}

TEST(JudgeFaultRun, MalformedReplyIsProtocolError) {
  FaultRun r;
  r.protocol_errors = {"PUT a 1 → expected OK or ERR, got \"OK!\""};
  EXPECT_EQ(names(r.run().violations), Names{"protocol-error"});
}

TEST(JudgeUnfired, FaultThatNeverFiredIsVoidUnlessTheEngineHungOrDied) {
  UnfiredFacts f{FaultKind::kFsyncError, false, false, {}, true, 3, "PUT a 1"};
  auto v = judge_unfired(f);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->name, "fault-not-fired");
  EXPECT_NE(v->detail.find("no sync"), std::string::npos) << v->detail;
  f.died = true;
  EXPECT_EQ(judge_unfired(f)->name, "engine-crash");
  f.hung = true;
  EXPECT_EQ(judge_unfired(f)->name, "hang");
  f = UnfiredFacts{FaultKind::kCrash, false, false, {}, false, 0, ""};
  EXPECT_FALSE(judge_unfired(f)) << "no writes at all is a harness error, not a void trial";
}

// One recovery: how the engine started, against what was expected.
struct Recovery {
  StartOutcome start{StartOutcome::Kind::kReady, {}, ""};
  Expectation expected;
  EngineProfile profile = walkv_like();
  FaultKind kind = FaultKind::kCrash;
  std::string changes;
  DumpResult dump{true, {{"a", "1"}}, ""};
  bool dump_hung = false;
  std::uint64_t size = 20;
  KvState base;
  std::vector<Issued> issued{put("a", "1"), put("b", "2", Ack::kNoReply)};
  Recovery() {
    expected.keep_min = 1;
    expected.size_after = 20;
  }
  RecoveryJudgement run() const {
    return judge_recovery({start, expected, profile, kind, changes, &dump, dump_hung, "wal.log", size, base, issued});
  }
  void refuse(int code) { start = {StartOutcome::Kind::kExited, exited(code), "exit"}; }
};

TEST(JudgeRecovery, CorrectStartContinuesWithTheDumpedState) {
  const auto j = Recovery{}.run();
  EXPECT_TRUE(j.violations.empty());
  EXPECT_EQ(j.next, RecoveryJudgement::Next::kContinue);
  ASSERT_TRUE(j.observed);
  EXPECT_EQ(j.observed->operations_reflected, 1u);
}

TEST(JudgeRecovery, StartingOnMidLogCorruptionIsMissedCorruption) {
  Recovery r;
  r.expected.allow_start = false;
  r.expected.allow_abort = true;
  EXPECT_EQ(names(r.run().violations), Names{"missed-corruption"});
}

TEST(JudgeRecovery, BlackBoxStartWithEverythingOnMidLogDamageIsAccepted) {
  Recovery r;
  r.profile.record_per_write = false;
  r.expected.allow_start = false;
  r.expected.allow_abort = true;
  r.expected.start_if_complete = true;
  EXPECT_TRUE(r.run().violations.empty());
  r.dump.state = {};  // it lost an acknowledged write: then starting was wrong too
  EXPECT_EQ(names(r.run().violations), (Names{"missed-corruption", "lost-acked-write"}));
}

TEST(JudgeRecovery, FileOfAnotherSizeIsWrongTruncationOffset) {
  Recovery r;
  r.size = 27;
  EXPECT_EQ(names(r.run().violations), Names{"wrong-truncation-offset"});
  r.profile.record_per_write = false;  // the exact size is only known for one record per write
  EXPECT_TRUE(r.run().violations.empty());
}

TEST(JudgeRecovery, MissingAcknowledgedWriteIsLostAckedWrite) {
  Recovery r;
  r.dump.state = {};
  EXPECT_EQ(names(r.run().violations), Names{"lost-acked-write"});
}

TEST(JudgeRecovery, ValueNeverWrittenIsPhantomValue) {
  Recovery r;
  r.dump.state = {{"a", "1"}, {"z", "?"}};
  EXPECT_EQ(names(r.run().violations), Names{"phantom-value"});
}

TEST(JudgeRecovery, StateThatIsNoPrefixIsNotAPrefix) {
  Recovery r;
  r.issued = {put("a", "1"), put("b", "2"), put("c", "3", Ack::kNoReply)};
  r.expected.keep_min = 0;
  r.dump.state = {{"a", "1"}, {"c", "3"}};
  EXPECT_EQ(names(r.run().violations), Names{"not-a-prefix"});
}

TEST(JudgeRecovery, DumpThatFailsIsProtocolErrorOrHang) {
  Recovery r;
  r.dump = {false, {}, "DUMP: expected ENTRY or END"};
  auto j = r.run();
  EXPECT_EQ(names(j.violations), Names{"protocol-error"});
  EXPECT_FALSE(j.observed);
  r.dump_hung = true;
  EXPECT_EQ(names(r.run().violations), Names{"hang"});
}

TEST(JudgeRecovery, StartThatHangsOrBreaksTheProtocol) {
  Recovery r;
  r.start = {StartOutcome::Kind::kHang, {}, "no READY within 10000 ms"};
  EXPECT_EQ(names(r.run().violations), Names{"hang"});
  r.start = {StartOutcome::Kind::kProtocolError, {}, "printed \"hello\" before READY"};
  EXPECT_EQ(names(r.run().violations), Names{"protocol-error"});
}

TEST(JudgeRecovery, ExitOtherThanTheCorruptLogCodeIsEngineCrash) {
  Recovery r;
  r.expected.allow_abort = true;
  r.refuse(1);
  EXPECT_EQ(names(r.run().violations), Names{"engine-crash"});
  r.expected.any_exit_allowed = true;  // a read error: any non-zero exit is a refusal
  EXPECT_TRUE(r.run().violations.empty());
}

TEST(JudgeRecovery, RefusalOnARecoverableLogIsFalseAbort) {
  Recovery r;
  r.refuse(3);
  EXPECT_EQ(names(r.run().violations), Names{"false-abort"});
}

TEST(JudgeRecovery, RefusalAfterPowerLossWithAPromiseIsLostAckedWrite) {
  Recovery r;
  r.kind = FaultKind::kPowerLoss;
  r.refuse(3);
  EXPECT_EQ(names(r.run().violations), Names{"lost-acked-write"});
}

TEST(JudgeRecovery, RefusalThatChangedTheFilesIsEvidenceModified) {
  Recovery r;
  r.expected.allow_abort = true;
  r.refuse(3);
  r.changes = "wal.log changed (100 bytes before, 40 after)";
  EXPECT_EQ(names(r.run().violations), Names{"evidence-modified"});
}

TEST(JudgeRecovery, AcceptedRefusalOfATransientFaultAsksForARestart) {
  Recovery r;
  r.expected.allow_abort = true;
  r.refuse(3);
  EXPECT_EQ(r.run().next, RecoveryJudgement::Next::kAccepted);
  r.expected.transient = true;
  EXPECT_EQ(r.run().next, RecoveryJudgement::Next::kRestart);
}

TEST(JudgeRestart, FaultFreeStartMustRecoverEverything) {
  const std::vector<Issued> issued{put("a", "1")};
  const StartOutcome ready{StartOutcome::Kind::kReady, {}, ""};
  EXPECT_TRUE(judge_restart(ready, {true, {{"a", "1"}}, ""}, {}, issued).empty());
  EXPECT_EQ(names(judge_restart(ready, {true, {}, ""}, {}, issued)), Names{"lost-acked-write"});
  EXPECT_EQ(names(judge_restart({StartOutcome::Kind::kExited, exited(3), "exit 3"}, {}, {}, issued)),
            Names{"false-abort"});
  EXPECT_EQ(names(judge_restart({StartOutcome::Kind::kHang, {}, "no READY"}, {}, {}, issued)), Names{"hang"});
}

TEST(JudgeHealth, RefusedWriteFailedQuitOrLostRestartIsUnhealthy) {
  EXPECT_FALSE(judge_health_reply("PUT a 1", std::string("OK")));
  EXPECT_EQ(judge_health_reply("PUT a 1", std::string("ERR log")) ->name, "unhealthy-after-recovery");
  EXPECT_EQ(judge_health_reply("PUT a 1", std::nullopt)->name, "unhealthy-after-recovery");
  EXPECT_FALSE(judge_quit(exited(0)));
  EXPECT_EQ(judge_quit(exited(2))->name, "unhealthy-after-recovery");
  EXPECT_EQ(judge_quit(std::nullopt)->name, "unhealthy-after-recovery");
  const StartOutcome ready{StartOutcome::Kind::kReady, {}, ""};
  EXPECT_FALSE(judge_health_restart(ready, {true, {{"a", "1"}}, ""}, {{"a", "1"}}, 1));
  EXPECT_EQ(judge_health_restart(ready, {true, {}, ""}, {{"a", "1"}}, 1)->name, "unhealthy-after-recovery");
}

TEST(Verdict, OnlyFaultNotFiredIsVoid) {
  EXPECT_EQ(verdict_of({}, ""), Verdict::kPass);
  EXPECT_EQ(verdict_of({{"fault-not-fired", ""}}, ""), Verdict::kVoid);
  EXPECT_EQ(verdict_of({{"fault-not-fired", ""}, {"hang", ""}}, ""), Verdict::kFail);
  EXPECT_EQ(verdict_of({}, "the shim was bypassed"), Verdict::kError);
}

TEST(Violations, EveryNameHasAJudgeTestAbove) {
  // The names this file covers; a name added to violation_names() must get a test here.
  const std::set<std::string> covered{"lost-acked-write", "phantom-value",   "not-a-prefix",
                                      "wrong-truncation-offset", "missed-corruption", "false-abort",
                                      "evidence-modified", "unhealthy-after-recovery", "acked-failed-write",
                                      "hang", "engine-crash", "protocol-error", "fault-not-fired"};
  std::set<std::string> all;
  for (const auto& [name, meaning] : violation_names()) all.insert(name);
  EXPECT_EQ(all, covered);
}

}  // namespace
}  // namespace faultline::harness::detail
