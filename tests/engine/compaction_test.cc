// Log compaction (walkv/compaction.h) and recovery from every state it can leave (docs/recovery.md, "Compaction",
// K1-K5): each state built by hand as log_test.cc builds logs, then recovered.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "crashing_env.h"
#include "test_util.h"
#include "walkv/compaction.h"
#include "walkv/data_dir.h"
#include "walkv/snapshot_format.h"
#include "walkv/wal_writer.h"

namespace walkv::test {
namespace {

using State = std::map<std::string, std::string>;

KvMap MapOf(const State& state) { return KvMap(state.begin(), state.end()); }

// The five records WriteRecords writes: key<i> = value<i>, sequences 1 to 5.
State FiveRecords() {
  State s;
  for (int i = 0; i < 5; ++i) s["key" + std::to_string(i)] = "value" + std::to_string(i);
  return s;
}

// Everything in dir, file by file.
std::map<std::string, std::string> Contents(const TempDir& dir) {
  std::map<std::string, std::string> all;
  for (const std::string& name : dir.Files()) all[name] = ReadFile(dir.path() + "/" + name);
  return all;
}

class Compaction : public ::testing::Test {
 protected:
  void SetUp() override { WriteRecords(dir_.path(), 5); }
  void PutSnapshot(const State& state, uint64_t sequence, const std::string& name = kSnapshotFileName) {
    WriteFile(dir_.path() + "/" + name, snapshot::Encode(sequence, MapOf(state)));
  }
  // Appends records with the real writer, continuing at after + 1.
  void Append(uint64_t after, const State& records) {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(Env::Default()->NewAppendableFile(dir_.log(), &file).ok());
    wal::WalWriter writer(std::move(file), after);
    for (const auto& [key, value] : records) ASSERT_TRUE(writer.Add(wal::Op::kPut, key, value).ok());
    ASSERT_TRUE(writer.Sync().ok());
  }

  TempDir dir_;
};

TEST(SnapshotFormat, RoundTripsAndIsTheSameBytesForTheSameState) {
  const State state{{"b", "2"}, {"a", "1"}, {"c", ""}};
  const std::string bytes = snapshot::Encode(42, MapOf(state));
  KvMap back;
  uint64_t sequence = 0;
  ASSERT_TRUE(snapshot::Decode(bytes, &sequence, &back).ok());
  EXPECT_EQ(sequence, 42u);
  EXPECT_EQ(State(back.begin(), back.end()), state);
  KvMap other_order;
  for (const char* key : {"c", "a", "b"}) other_order[key] = state.at(key);
  EXPECT_EQ(snapshot::Encode(42, other_order), bytes);
  EXPECT_EQ(bytes.substr(0, 8), "WALKVSN1");
}

TEST(SnapshotFormat, EveryFlippedBitAndEveryTruncationIsCorruption) {
  const std::string bytes = snapshot::Encode(7, MapOf({{"key", "value"}}));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    KvMap map;
    uint64_t sequence = 0;
    EXPECT_EQ(snapshot::Decode(flipped, &sequence, &map).code(), Status::Code::kCorruption) << "byte " << i;
    EXPECT_EQ(snapshot::Decode(bytes.substr(0, i), &sequence, &map).code(), Status::Code::kCorruption) << "size " << i;
  }
}

TEST_F(Compaction, CompactWritesTheSnapshotAndLeavesAnEmptyLog) {
  std::unique_ptr<WritableFile> log;
  ASSERT_TRUE(Compact(Env::Default(), dir_.path(), MapOf(FiveRecords()), 5, &log).ok());
  EXPECT_EQ(dir_.Files(), (std::vector<std::string>{"snapshot", "wal.log"}));
  EXPECT_EQ(FileSize(dir_.log()), 0u);
  wal::WalWriter writer(std::move(log), 5);
  ASSERT_TRUE(writer.Add(wal::Op::kPut, "key9", "value9").ok() && writer.Sync().ok());
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kStrict);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  State want = FiveRecords();
  want["key9"] = "value9";
  EXPECT_EQ(out.state, want);
  EXPECT_EQ(out.result.last_sequence, 6u);
  EXPECT_EQ(out.result.snapshot_sequence, 5u);
}

TEST_F(Compaction, CompactDoesEachStepDurablyBeforeTheNext) {
  CrashingEnv env(0);  // records the calls
  std::unique_ptr<WritableFile> log;
  ASSERT_TRUE(Compact(&env, dir_.path(), MapOf(FiveRecords()), 5, &log).ok());
  const std::string d = "SyncDir " + dir_.path().substr(dir_.path().find_last_of('/') + 1);
  EXPECT_EQ(env.calls(), (std::vector<std::string>{"NewWritableFile snapshot.tmp", "Append snapshot.tmp",
                                                   "Sync snapshot.tmp", "Close snapshot.tmp",
                                                   "RenameFile snapshot.tmp snapshot", d,
                                                   "NewWritableFile wal.log.new", "Sync wal.log.new", d,
                                                   "RenameFile wal.log.new wal.log", d}));
}

// K4: a snapshot never renamed; the log holds everything.
TEST_F(Compaction, TemporarySnapshotIsACrashArtefactRemovedAfterRecovery) {
  PutSnapshot({{"key0", "other"}}, 5, kSnapshotTempFileName);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kTornTail);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.state, FiveRecords());
  EXPECT_EQ(out.result.removed, (std::vector<std::string>{SnapshotTempPath(dir_.path())}));
  EXPECT_EQ(dir_.Files(), (std::vector<std::string>{"wal.log"}));
}

// K3: the snapshot is in place, the old log not yet replaced: its records are in the snapshot and are not applied
// again (the hand-made snapshot disagrees with the log, so applying them would show).
TEST_F(Compaction, OldLogBesideTheSnapshotIsNotAppliedTwice) {
  PutSnapshot({{"key0", "from-snapshot"}}, 5);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kStrict);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.state, (State{{"key0", "from-snapshot"}}));
  EXPECT_EQ(out.result.last_sequence, 5u);
  EXPECT_EQ(out.result.records, 5u);
}

TEST_F(Compaction, OldLogRecordsAfterTheSnapshotAreApplied) {
  PutSnapshot({{"key0", "from-snapshot"}}, 3);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kStrict);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.state, (State{{"key0", "from-snapshot"}, {"key3", "value3"}, {"key4", "value4"}}));
  EXPECT_EQ(out.result.last_sequence, 5u);
}

// K4: the new log was created but not yet renamed over the old one.
TEST_F(Compaction, EmptyNewLogIsACrashArtefactRemovedAfterRecovery) {
  PutSnapshot(FiveRecords(), 5);
  WriteFile(NewLogPath(dir_.path()), "");
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kTornTail);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.state, FiveRecords());
  EXPECT_EQ(dir_.Files(), (std::vector<std::string>{"snapshot", "wal.log"}));
}

// The old log replaced: the log begins after the snapshot, and a torn tail in it is cut as in any log.
TEST_F(Compaction, NewLogContinuesTheSnapshotAndItsTornTailIsCut) {
  PutSnapshot(FiveRecords(), 5);
  WriteFile(dir_.log(), "");
  Append(5, {{"key5", "value5"}, {"key6", "value6"}});
  TruncateTo(dir_.log(), FileSize(dir_.log()) - 3);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kTornTail);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  State want = FiveRecords();
  want["key5"] = "value5";
  EXPECT_EQ(out.state, want);
  EXPECT_EQ(out.result.last_sequence, 6u);
  EXPECT_TRUE(out.result.cut);
}

TEST_F(Compaction, SnapshotWithoutALogIsTheWholeState) {
  PutSnapshot(FiveRecords(), 5);
  std::filesystem::remove(dir_.log());
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kStrict);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.state, FiveRecords());
  EXPECT_EQ(out.result.last_sequence, 5u);
}

// A log that begins further on than the snapshot's sequence + 1 has lost records: stale, as any sequence gap.
TEST_F(Compaction, LogBeginningPastTheSnapshotIsDamage) {
  PutSnapshot(FiveRecords(), 5);
  WriteFile(dir_.log(), Frame(7, "key7", "value7"));
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kTornTail);
  EXPECT_EQ(out.status.code(), Status::Code::kCorruption);
  ASSERT_TRUE(out.result.damage);
  EXPECT_EQ(out.result.damage->kind, wal::DamageKind::kStaleSequence);
}

// K2: a damaged snapshot is corruption, never an artefact: refused in every mode, nothing touched.
TEST_F(Compaction, TornOrCorruptSnapshotRefusesTheStartAndTouchesNothing) {
  const std::string good = snapshot::Encode(5, MapOf(FiveRecords()));
  for (const std::string& bad : {good.substr(0, good.size() - 1), std::string(), good.substr(0, 10) + "x" +
                                                                                    good.substr(11)}) {
    WriteFile(SnapshotPath(dir_.path()), bad);
    WriteFile(SnapshotTempPath(dir_.path()), good);
    const auto before = Contents(dir_);
    for (RecoveryMode mode : {RecoveryMode::kStrict, RecoveryMode::kTornTail, RecoveryMode::kPointInTime}) {
      const RecoverOutcome out = RecoverDir(dir_.path(), mode);
      EXPECT_EQ(out.status.code(), Status::Code::kCorruption) << bad.size();
      EXPECT_TRUE(out.result.snapshot_damaged);
      EXPECT_EQ(Contents(dir_), before);
    }
  }
}

TEST_F(Compaction, NewLogWithBytesIsRefusedAndKept) {
  PutSnapshot(FiveRecords(), 5);
  WriteFile(NewLogPath(dir_.path()), Frame(6, "key6", "value6"));
  const auto before = Contents(dir_);
  const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kPointInTime);
  EXPECT_EQ(out.status.code(), Status::Code::kCorruption);
  EXPECT_NE(out.status.ToString().find("wal.log.new"), std::string::npos) << out.status.ToString();
  EXPECT_EQ(Contents(dir_), before);
}

// A process crash at every file-system call of a compaction leaves a state that recovers to exactly the state
// compacted, and a second compaction then succeeds.
TEST_F(Compaction, CrashAtAnyStepRecoversTheSameState) {
  const std::string original = ReadFile(dir_.log());
  for (int crash_at = 1;; ++crash_at) {
    std::filesystem::remove_all(dir_.path());
    std::filesystem::create_directory(dir_.path());
    WriteFile(dir_.log(), original);
    CrashingEnv env(crash_at);
    std::unique_ptr<WritableFile> log;
    const Status s = Compact(&env, dir_.path(), MapOf(FiveRecords()), 5, &log);
    log.reset();
    const RecoverOutcome out = RecoverDir(dir_.path(), RecoveryMode::kTornTail);
    ASSERT_TRUE(out.status.ok()) << "crash at call " << crash_at << ": " << out.status.ToString();
    EXPECT_EQ(out.state, FiveRecords()) << "crash at call " << crash_at;
    EXPECT_EQ(out.result.last_sequence, 5u) << "crash at call " << crash_at;
    std::unique_ptr<WritableFile> again;
    EXPECT_TRUE(Compact(Env::Default(), dir_.path(), MapOf(out.state), 5, &again).ok()) << crash_at;
    if (!env.crashed()) {
      EXPECT_TRUE(s.ok());
      EXPECT_GT(crash_at, 5);
      break;
    }
  }
}

}  // namespace
}  // namespace walkv::test
