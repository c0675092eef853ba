// Start-up recovery: each clause of docs/recovery.md (R1-R6) and the crash-during-recovery cases.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "crashing_env.h"
#include "test_util.h"
#include "walkv/data_dir.h"

namespace walkv::test {
namespace {

class WalRecovery : public ::testing::Test {
 protected:
  void SetUp() override { offsets_ = WriteRecords(dir_.path(), 5); }  // frames of 33 bytes at 0, 33, ..., 132
  std::string Backup(const std::string& kind, uint64_t offset) {
    return dir_.log() + "." + kind + "-" + std::to_string(offset);
  }

  TempDir dir_;
  std::vector<uint64_t> offsets_;
};

TEST_F(WalRecovery, MissingLogIsAnEmptyDatabase) {
  TempDir empty;
  const RecoverOutcome out = RecoverDir(empty.path(), RecoveryMode::kTornTail);
  EXPECT_TRUE(out.status.ok());
  EXPECT_TRUE(out.state.empty());
  EXPECT_TRUE(empty.Files().empty());  // recovery creates nothing; serve creates the log afterwards
}

TEST_F(WalRecovery, CleanLogIsReplayedAndNotModified) {
  const std::string before = ReadFile(dir_.log());
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kStrict);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.state.size(), 5u);
  EXPECT_EQ(out.result.last_sequence, 5u);
  EXPECT_EQ(ReadFile(dir_.log()), before);
}

TEST_F(WalRecovery, TornTailIsCutAndTheDroppedBytesAreSavedBesideTheLog) {
  TruncateTo(dir_.log(), offsets_[4] + 20);
  const std::string torn = ReadFile(dir_.log()).substr(offsets_[4]);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kTornTail);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(out.result.cut);
  EXPECT_EQ(out.result.backup_path, Backup("torn", offsets_[4]));
  EXPECT_EQ(ReadFile(out.result.backup_path), torn);
  EXPECT_EQ(FileSize(dir_.log()), offsets_[4]);
  EXPECT_EQ(out.result.dropped_bytes, 20u);
  EXPECT_EQ(out.state.size(), 4u);
}

TEST_F(WalRecovery, MidLogCorruptionLeavesTheFileByteForByteUntouched) {
  FlipBit(dir_.log(), offsets_[1] + 22);
  const std::string before = ReadFile(dir_.log());
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kTornTail);
  EXPECT_EQ(out.status.code(), Status::Code::kCorruption);
  ASSERT_TRUE(out.result.damage);
  EXPECT_EQ(out.result.damage->next_valid_offset, offsets_[2]);
  EXPECT_EQ(ReadFile(dir_.log()), before);
  EXPECT_EQ(dir_.Files(), (std::vector<std::string>{"wal.log"}));  // no backup, no temporary file
}

TEST_F(WalRecovery, AppendingAfterRecoveryLeavesNoGarbageBetweenRecords) {
  // docs/design-notes.md §1.5 (LevelDB #1287): appending after an uncut torn tail turns it into mid-log corruption
  // next time.
  TruncateTo(dir_.log(), offsets_[4] + 7);
  ASSERT_TRUE(RecoverDir(dir_.path(), RecoveryMode::kTornTail).status.ok());
  WriteRecords(dir_.path(), 3, 100);
  const ReadOutcome out = ReadLog(dir_.log());
  EXPECT_FALSE(out.damage);
  EXPECT_EQ(out.records.size(), 7u);
  EXPECT_EQ(out.last_sequence, 7u);
}

TEST_F(WalRecovery, PointInTimeCountsTheValidRecordsItDrops) {
  FlipBit(dir_.log(), offsets_[1] + 22);
  const std::string after_damage = ReadFile(dir_.log()).substr(offsets_[1]);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kPointInTime);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.state.size(), 1u);
  EXPECT_EQ(out.result.dropped_records, 3u);  // frames 3, 4, 5 were valid
  EXPECT_EQ(out.result.backup_path, Backup("damaged", offsets_[1]));
  EXPECT_EQ(ReadFile(out.result.backup_path), after_damage);
}

TEST_F(WalRecovery, SalvageIsRefusedAtStartUp) {
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kSalvage);
  EXPECT_EQ(out.status.code(), Status::Code::kInvalidArgument);
}

TEST_F(WalRecovery, AnEarlierBackupWithOtherBytesIsNeverOverwritten) {
  WriteFile(Backup("torn", offsets_[4]), "evidence of an earlier crash");
  TruncateTo(dir_.log(), offsets_[4] + 20);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kTornTail);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.result.backup_path, Backup("torn", offsets_[4]) + ".1");
  EXPECT_EQ(ReadFile(Backup("torn", offsets_[4])), "evidence of an earlier crash");
}

TEST_F(WalRecovery, ReadErrorIsReportedNotTreatedAsEndOfLog) {
  // docs/design-notes.md §1.13: EIO in the middle of the log must not become "the log ends here" (and a cut of the
  // rest).
  CrashingEnv env(0);
  env.FailReadsFrom(offsets_[3]);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kPointInTime, &env);
  EXPECT_TRUE(out.status.IsIOError()) << out.status.ToString();
  EXPECT_EQ(FileSize(dir_.log()), offsets_[4] + 33);
}

struct FinalState {
  std::map<std::string, std::string> files;  // name -> bytes
  std::map<std::string, std::string> state;
  bool operator==(const FinalState&) const = default;
};

FinalState Snapshot(const TempDir& dir, const RecoverOutcome& out) {
  FinalState s{{}, out.state};
  for (const std::string& name : dir.Files()) s.files[name] = ReadFile(dir.path() + "/" + name);
  return s;
}

// For every step of recovery: crash there, start again, and compare with an uninterrupted recovery.
void ExpectIdempotent(const std::function<void(const std::string&)>& damage, RecoveryMode mode,
                      const std::string& must_cover) {
  TempDir reference;
  WriteRecords(reference.path(), 5);
  damage(reference.path());
  const RecoverOutcome expected_out = RecoverDir(reference.path(), mode);
  ASSERT_TRUE(expected_out.status.ok()) << expected_out.status.ToString();
  const FinalState expected = Snapshot(reference, expected_out);
  // Recovering the recovered directory changes nothing: a crash after the last step is covered.
  EXPECT_EQ(Snapshot(reference, RecoverDir(reference.path(), mode)), expected);

  bool covered = false;
  for (int crash_at = 1;; ++crash_at) {
    TempDir dir;
    WriteRecords(dir.path(), 5);
    damage(dir.path());
    CrashingEnv env(crash_at);
    const RecoverOutcome crashed = RecoverDir(dir.path(), mode, &env);
    if (!env.crashed()) break;  // recovery has fewer steps than crash_at
    EXPECT_FALSE(crashed.status.ok());
    covered = covered || env.calls().back().rfind(must_cover, 0) == 0;
    const RecoverOutcome restarted = RecoverDir(dir.path(), mode);
    ASSERT_TRUE(restarted.status.ok()) << "crash at " << env.calls().back();
    EXPECT_EQ(Snapshot(dir, restarted), expected) << "crash at " << env.calls().back();
  }
  EXPECT_TRUE(covered) << "no crash was injected at " << must_cover;
}

void TearLastFrame(const std::string& dir) { TruncateTo(LogPath(dir), 132 + 17); }

TEST(WalRecoveryCrash, CrashAtAnyStepOfRecoveryIsIdempotent) {
  ExpectIdempotent(TearLastFrame, RecoveryMode::kTornTail, "Append");     // mid-copy of the backup
  ExpectIdempotent(TearLastFrame, RecoveryMode::kTornTail, "RenameFile");  // before the backup has its name
  ExpectIdempotent(TearLastFrame, RecoveryMode::kTornTail, "SyncDir");
}

TEST(WalRecoveryCrash, CrashDuringTruncateIsIdempotent) {
  ExpectIdempotent(TearLastFrame, RecoveryMode::kTornTail, "TruncateFile");
}

TEST(WalRecoveryCrash, CrashDuringAPointInTimeCutIsIdempotent) {
  const auto flip = [](const std::string& dir) { FlipBit(LogPath(dir), 33 + 22); };
  ExpectIdempotent(flip, RecoveryMode::kPointInTime, "TruncateFile");
}

}  // namespace
}  // namespace walkv::test
