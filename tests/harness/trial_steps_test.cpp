// The trial's pure steps (harness/src/trial/): the expected outcome of every row of docs/violations.md's table and the
// judgement behind every violation name, on records, acknowledgements and engine outcomes built by hand.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "trial/expect.h"
#include "trial/judge.h"

namespace faultline::harness::detail {
namespace {

using scenarios::EngineProfile;
using scenarios::FaultSpec;

EngineProfile walkv_like() {
  EngineProfile p;
  p.record_per_write = true;
  p.frame = scenarios::Frame{4, 4};
  p.torn_tail = scenarios::TornTailPolicy::kTruncate;
  p.sync = scenarios::SyncPromise::kAlways;
  p.corrupt_exit_code = 3;
  return p;
}

FaultSpec fault(FaultKind kind, AtRestDamage damage = AtRestDamage::kBitflip) {
  FaultSpec f;
  f.kind = kind;
  f.damage = damage;
  return f;
}

// `n` records of 20 bytes in wal.log, record i written for operation i.
std::vector<Record> log_of(std::size_t n) {
  std::vector<Record> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back({"wal.log", 20 * i, 20, i, 2 * i + 1});
  return out;
}

Placement at_record(std::size_t i, std::uint64_t within = 7) {
  return {i, "wal.log", 20 * i, 20, i, 20 * i + within, "payload"};
}

// One case of expect(): the fault, where it landed, and what the file looks like when recovery starts.
struct Case {
  explicit Case(FaultSpec f) : fault(std::move(f)) {}
  FaultSpec fault;
  EngineProfile profile = walkv_like();
  Placement placement = at_record(2);
  std::vector<Record> records = log_of(5);
  std::size_t acked = 5;
  std::uint64_t size_now = 100;
  std::uint64_t synced = 100;
  std::vector<faults::PowerLossAction> power_loss;
  Expectation run() const {
    return expect({fault, profile, placement, records, acked, records.size(), size_now, synced, power_loss});
  }
};

TEST(Expect, TornWriteIsCutWhereTheTornRecordStarted) {
  Case c{fault(FaultKind::kCrash)};
  c.records = log_of(3);
  c.placement = at_record(3);
  c.size_now = 67;
  const auto e = c.run();
  EXPECT_TRUE(e.allow_start);
  EXPECT_FALSE(e.allow_abort);
  EXPECT_EQ(e.size_after, 60u);
  EXPECT_EQ(e.keep_min, 5u);
  EXPECT_EQ(e.outcome(), "truncate");
}

TEST(Expect, CrashOnARecordBoundaryLeavesNothingToCut) {
  Case c{fault(FaultKind::kCrash)};
  c.records = log_of(3);
  c.placement = at_record(3, 0);
  c.size_now = 60;
  const auto e = c.run();
  EXPECT_TRUE(e.allow_start);
  EXPECT_FALSE(e.allow_abort);
  EXPECT_NE(e.reason.find("recovery is clean"), std::string::npos) << e.reason;
}

TEST(Expect, TornWriteWithAbortPolicyMustBeRefused) {
  Case c{fault(FaultKind::kCrash)};
  c.profile.torn_tail = scenarios::TornTailPolicy::kAbort;
  c.records = log_of(3);
  c.placement = at_record(3);
  c.size_now = 67;
  const auto e = c.run();
  EXPECT_FALSE(e.allow_start);
  EXPECT_TRUE(e.allow_abort);
}

TEST(Expect, ShortWriteIsInvisible) {
  Case c{fault(FaultKind::kShortWrite)};
  const auto e = c.run();
  EXPECT_TRUE(e.allow_start);
  EXPECT_FALSE(e.allow_abort);
  EXPECT_EQ(e.size_after, 100u);
  EXPECT_EQ(e.keep_min, 5u);
}

TEST(Expect, DamageWithCompleteRecordsAfterItIsMidLogCorruption) {
  for (auto kind : {FaultKind::kBitflipWrite, FaultKind::kLostWrite, FaultKind::kMisdirectedWrite}) {
    Case c{fault(kind)};
    const auto e = c.run();
    EXPECT_FALSE(e.allow_start) << fault_kind_name(kind);
    EXPECT_TRUE(e.allow_abort) << fault_kind_name(kind);
    EXPECT_NE(e.reason.find("mid-log corruption"), std::string::npos) << e.reason;
  }
}

TEST(Expect, DamagedLastRecordMayBeRefusedOrCutWithItsOperation) {
  Case c{fault(FaultKind::kAtRest, AtRestDamage::kGarbage)};
  c.placement = at_record(4);
  const auto e = c.run();
  EXPECT_TRUE(e.allow_start);
  EXPECT_TRUE(e.allow_abort);
  EXPECT_EQ(e.size_after, 80u);
  EXPECT_EQ(e.keep_min, 4u);  // operation 4 wrote the damaged record
  EXPECT_EQ(e.outcome(), "either");
}

TEST(Expect, AtRestBitflipAndZerosInARecordAreDamagedRecords) {
  for (auto d : {AtRestDamage::kBitflip, AtRestDamage::kZero, AtRestDamage::kGarbage}) {
    EXPECT_EQ(outcome_rule(fault(FaultKind::kAtRest, d)), OutcomeRule::kDamagedRecord) << damage_name(d);
    Case c{fault(FaultKind::kAtRest, d)};
    EXPECT_FALSE(c.run().allow_start) << damage_name(d);
  }
}

TEST(Expect, BitflipOnReadIsTransient) {
  Case c{fault(FaultKind::kBitflipRead)};
  const auto e = c.run();
  EXPECT_TRUE(e.transient);
  EXPECT_FALSE(e.allow_start);
  EXPECT_TRUE(e.allow_abort);
  EXPECT_FALSE(e.any_exit_allowed);
}

TEST(Expect, ReadErrorAllowsAnyExitOrAFullStart) {
  Case c{fault(FaultKind::kReadError)};
  const auto e = c.run();
  EXPECT_TRUE(e.transient);
  EXPECT_TRUE(e.any_exit_allowed);
  EXPECT_TRUE(e.allow_start);
  EXPECT_TRUE(e.allow_abort);
  EXPECT_EQ(e.size_after, 100u);
}

TEST(Expect, WriteErrorCutsThePartialRecord) {
  Case c{fault(FaultKind::kWriteError)};
  c.records = log_of(3);
  c.placement = at_record(3, 5);
  c.acked = 3;
  c.size_now = 65;
  const auto e = c.run();
  EXPECT_EQ(e.size_after, 60u);
  EXPECT_TRUE(e.allow_start);
  EXPECT_EQ(e.keep_min, 3u);
}

TEST(Expect, FsyncErrorEndsRecoveryAtTheFailedRecord) {
  Case c{fault(FaultKind::kFsyncError)};
  c.placement = at_record(3, 0);
  c.size_now = 60;  // the power loss dropped the unsynced record
  auto e = c.run();
  EXPECT_EQ(e.size_after, 60u);
  EXPECT_TRUE(e.allow_start);
  EXPECT_FALSE(e.allow_abort);
  c.size_now = 70;  // part of it survived: a torn tail
  e = c.run();
  EXPECT_EQ(e.size_after, 60u);
  EXPECT_NE(e.reason.find("fsync failed"), std::string::npos) << e.reason;
}

TEST(Expect, AtRestTruncationIsATornTailThatMayLoseItsOperation) {
  Case c{fault(FaultKind::kAtRest, AtRestDamage::kTruncate)};
  c.placement = at_record(2, 9);
  c.size_now = 49;
  const auto e = c.run();
  EXPECT_EQ(e.size_after, 40u);
  EXPECT_EQ(e.keep_min, 2u);
  EXPECT_TRUE(e.allow_start);
}

TEST(Expect, ZeroTailIsCutAtTheLastRecord) {
  Case c{fault(FaultKind::kAtRest, AtRestDamage::kZeroTail)};
  c.size_now = 150;
  const auto e = c.run();
  EXPECT_EQ(e.size_after, 100u);
  EXPECT_TRUE(e.allow_start);
  EXPECT_FALSE(e.allow_abort);
}

TEST(Expect, GarbageTailMayBeCutOrRefused) {
  Case c{fault(FaultKind::kAtRest, AtRestDamage::kGarbageTail)};
  c.size_now = 130;
  const auto e = c.run();
  EXPECT_EQ(e.size_after, 100u);
  EXPECT_TRUE(e.allow_start);
  EXPECT_TRUE(e.allow_abort);
}

TEST(Expect, PowerLossKeepsWhatThePromiseCovers) {
  Case c{fault(FaultKind::kPowerLoss)};
  auto e = c.run();
  EXPECT_EQ(e.keep_min, 5u);
  EXPECT_FALSE(e.allow_abort);
  c.profile.sync = scenarios::SyncPromise::kNone;
  c.synced = 40;  // two records synced
  e = c.run();
  EXPECT_EQ(e.keep_min, 2u);
  EXPECT_TRUE(e.allow_abort);
}

TEST(Expect, PowerLossTearThatIsNoCleanPrefixMayBeRefused) {
  Case c{fault(FaultKind::kPowerLoss)};
  faults::PowerLossAction torn;
  torn.file = "wal.log";
  torn.action = "torn";
  torn.clean_prefix = false;
  c.power_loss = {torn};
  EXPECT_TRUE(c.run().allow_abort);
  c.power_loss[0].clean_prefix = true;
  EXPECT_FALSE(c.run().allow_abort);
}

TEST(ExpectedOutcomes, EveryKindAndDamageHasOneRowInEnumOrder) {
  for (std::size_t i = 0; i < kExpectedOutcomes.size(); ++i)
    EXPECT_EQ(static_cast<std::size_t>(kExpectedOutcomes[i].rule), i);
  EXPECT_EQ(kExpectedOutcomes.size(), static_cast<std::size_t>(OutcomeRule::kPowerLoss) + 1);
  std::set<OutcomeRule> used;
  for (const auto& k : kFaultKinds)
    for (int d = 0; d < kAtRestDamageCount; ++d) used.insert(outcome_rule(fault(k.kind, static_cast<AtRestDamage>(d))));
  EXPECT_EQ(used.size(), kExpectedOutcomes.size()) << "a row no fault reaches";
}

TEST(ExpectedOutcomes, DocsViolationsCarriesEveryRowAsWritten) {
  std::ifstream in(std::string(FAULTLINE_SOURCE_DIR) + "/docs/violations.md");
  std::stringstream doc;
  doc << in.rdbuf();
  for (const auto& row : kExpectedOutcomes) {
    const auto line = "| " + std::string(row.fault) + " | " + std::string(row.expected) + " |\n";
    EXPECT_NE(doc.str().find(line), std::string::npos) << "docs/violations.md lacks the row\n" << line;
  }
}

// ---- judge ---------------------------------------------------------------------------------------------------------

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
  EXPECT_EQ((*j.observed)["operations_reflected"], 1);
}

TEST(JudgeRecovery, StartingOnMidLogCorruptionIsMissedCorruption) {
  Recovery r;
  r.expected.allow_start = false;
  r.expected.allow_abort = true;
  EXPECT_EQ(names(r.run().violations), Names{"missed-corruption"});
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
  r.changes = "wal.log changed (100 bytes before, 40 after); ";
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
