// The trial's expect step (harness/src/trial/expect.h): the expected outcome of every row of docs/violations.md's
// table, on records and placements built by hand.
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
  std::size_t operations = 0;  // 0: one per record
  bool base_empty = true;
  Expectation run() const {
    return expect({fault, profile, placement, records, acked, operations ? operations : records.size(), size_now,
                   synced, power_loss, base_empty});
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

// Black boxes (no record_per_write): damage is judged by operations, never by write calls.
struct BlackBoxCase : Case {
  explicit BlackBoxCase(FaultSpec f) : Case(std::move(f)) {
    profile = black_box_like();
    records = framed_log_of(5);
    operations = 5;
    size_now = 116;
    synced = 116;
  }
  // The write `i` of framed_log_of (0: the start-up header, 2k+1 and 2k+2: operation k's frame header and page).
  void at_write(std::size_t i, std::uint64_t within = 1) {
    const auto& r = records[i];
    placement = {i, r.file, r.off, r.len, r.op, r.off + within, "record"};
  }
};

TEST(ExpectBlackBox, FlipInTheLastFramesHeaderMayCutItsOperation) {
  // The last operation's page follows its header: a later write, but of the same operation, so no mid-log damage.
  BlackBoxCase c{fault(FaultKind::kBitflipWrite)};
  c.at_write(9);
  const auto e = c.run();
  EXPECT_TRUE(e.allow_start) << e.reason;
  EXPECT_TRUE(e.allow_abort);
  EXPECT_EQ(e.keep_min, 4u);  // operation 4 may be lost with its frame
}

TEST(ExpectBlackBox, FlipWithLaterOperationsAfterItIsMidLogButAFullStartIsAccepted) {
  BlackBoxCase c{fault(FaultKind::kBitflipWrite)};
  c.at_write(3);  // operation 1's frame header; operations 2..4 wrote after it
  const auto e = c.run();
  EXPECT_FALSE(e.allow_start);
  EXPECT_TRUE(e.start_if_complete);
  EXPECT_EQ(e.keep_min, 5u);
  c.profile = walkv_like();  // with records known, starting on mid-log damage is never accepted
  EXPECT_FALSE(c.run().start_if_complete);
}

TEST(ExpectBlackBox, ReadFlipWithLaterOperationsAcceptsAFullStart) {
  BlackBoxCase c{fault(FaultKind::kBitflipRead)};
  c.at_write(3);
  const auto e = c.run();
  EXPECT_TRUE(e.transient);
  EXPECT_TRUE(e.start_if_complete);
}

TEST(ExpectBlackBox, TruncationIntoStartUpWritesDemandsNoOperation) {
  BlackBoxCase c{fault(FaultKind::kAtRest, AtRestDamage::kTruncate)};
  c.at_write(0, 5);  // the file is cut inside the header written at start-up: every operation's frames are gone
  c.size_now = 5;
  EXPECT_EQ(c.run().keep_min, 0u);
  c.at_write(6, 3);  // inside operation 2's page: operations 0 and 1 are whole
  c.size_now = c.placement.offset;
  EXPECT_EQ(c.run().keep_min, 2u);
}

TEST(ExpectBlackBox, PowerLossWithNothingCoveredMayBeRefused) {
  BlackBoxCase c{fault(FaultKind::kPowerLoss)};
  c.at_write(1);
  c.acked = 0;
  EXPECT_TRUE(c.run().allow_abort);
  c.base_empty = false;  // an earlier cycle's writes would be lost by a refusal
  EXPECT_FALSE(c.run().allow_abort);
  c.base_empty = true;
  c.acked = 1;
  EXPECT_FALSE(c.run().allow_abort);
  c.acked = 0;
  c.profile = walkv_like();  // a known format: its start-up is judged, a refusal stays wrong
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
    const auto line = "| " + std::string(row.fault) + " | " + std::string(row.expected) + " | " +
                      std::string(row.black_box) + " |\n";
    EXPECT_NE(doc.str().find(line), std::string::npos) << "docs/violations.md lacks the row\n" << line;
  }
}

}  // namespace
}  // namespace faultline::harness::detail
