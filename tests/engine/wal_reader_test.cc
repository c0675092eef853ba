// The reader's facts: every damage shape of docs/design-notes.md §1, and the classification by what follows it.
// Each case writes a real log with the writer, then edits bytes.
#include <gtest/gtest.h>

#include "test_util.h"
#include "walkv/wal_format.h"
#include "walkv/wal_reader.h"

namespace walkv::test {
namespace {

using wal::DamageKind;

// A frame around any payload, with a correct checksum.
std::string RawFrame(const std::string& payload) {
  std::string frame = Fixed32(static_cast<uint32_t>(payload.size())) + payload;
  return frame + Fixed32(wal::FrameChecksum(frame.data(), frame.size()));
}

class WalReader : public ::testing::Test {
 protected:
  void SetUp() override { offsets_ = WriteRecords(dir_.path(), 5); }  // 5 frames of 33 bytes: 0, 33, ..., 132
  ReadOutcome Read() { return ReadLog(dir_.log()); }
  uint64_t end() { return FileSize(dir_.log()); }

  TempDir dir_;
  std::vector<uint64_t> offsets_;
};

TEST_F(WalReader, CleanLogReadsEveryRecordInOrder) {
  const ReadOutcome out = Read();
  EXPECT_FALSE(out.damage);
  ASSERT_EQ(out.records.size(), 5u);
  EXPECT_EQ(out.records[0], std::make_pair(std::string("key0"), std::string("value0")));
  EXPECT_EQ(out.records[4], std::make_pair(std::string("key4"), std::string("value4")));
  EXPECT_EQ(out.last_sequence, 5u);
}

TEST_F(WalReader, EmptyLogEndsCleanly) {
  TruncateTo(dir_.log(), 0);
  const ReadOutcome out = Read();
  EXPECT_FALSE(out.damage);
  EXPECT_TRUE(out.records.empty());
}

TEST_F(WalReader, OneToThreeBytesOfALengthFieldAreATornTail) {
  const std::string next = Frame(6, "key5", "value5");
  for (size_t k = 1; k <= 3; ++k) {
    TruncateTo(dir_.log(), offsets_[4] + 33);
    AppendToFile(dir_.log(), next.substr(0, k));
    const ReadOutcome out = Read();
    ASSERT_TRUE(out.damage) << k;
    EXPECT_EQ(out.damage->kind, DamageKind::kTruncatedLength) << k;
    EXPECT_EQ(out.damage->offset, offsets_[4] + 33);
    EXPECT_TRUE(out.damage->IsTornTail()) << k;
    EXPECT_EQ(out.records.size(), 5u);
  }
}

TEST_F(WalReader, OneToThreeMissingChecksumBytesAreATornTail) {
  const std::string intact = ReadFile(dir_.log());
  for (uint64_t k = 1; k <= 3; ++k) {
    WriteFile(dir_.log(), intact.substr(0, intact.size() - k));
    const ReadOutcome out = Read();
    ASSERT_TRUE(out.damage);
    EXPECT_EQ(out.damage->kind, DamageKind::kTruncatedFrame);
    EXPECT_EQ(out.damage->offset, offsets_[4]);
    EXPECT_TRUE(out.damage->IsTornTail());
    EXPECT_EQ(out.records.size(), 4u);
  }
}

TEST_F(WalReader, LengthRunningPastEofIsATornTail) {
  TruncateTo(dir_.log(), offsets_[4] + 10);
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kTruncatedFrame);
  EXPECT_EQ(out.damage->length, 25u);
  EXPECT_TRUE(out.damage->IsTornTail());
  EXPECT_EQ(out.damage->dropped_bytes(), 10u);
}

TEST_F(WalReader, ZeroFilledTailIsATornTail) {
  AppendToFile(dir_.log(), std::string(4096, '\0'));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kZeroLength);
  EXPECT_TRUE(out.damage->zero_to_eof);
  EXPECT_TRUE(out.damage->IsTornTail());
  EXPECT_EQ(out.records.size(), 5u);
}

TEST_F(WalReader, ZeroFrameNeverValidates) {
  // [length 0][no payload][crc 0]: CRC-32 of nothing is 0, so only covering the length rejects it
  // (docs/design-notes.md §1.3).
  AppendToFile(dir_.log(), std::string(8, '\0'));
  const ReadOutcome out = Read();
  EXPECT_EQ(out.records.size(), 5u);
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kZeroLength);
}

TEST_F(WalReader, ZeroLengthFollowedByGarbageIsNotATornTail) {
  AppendToFile(dir_.log(), std::string(4, '\0') + "garbage");
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_FALSE(out.damage->zero_to_eof);
  EXPECT_FALSE(out.damage->IsTornTail());
}

TEST_F(WalReader, LengthAboveMaximumAtTheEndIsCorruptionNotIncompleteness) {
  OverwriteAt(dir_.log(), offsets_[4], Fixed32(wal::kMaxPayloadBytes + 1));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kLengthTooLarge);
  EXPECT_FALSE(out.damage->IsTornTail());
  EXPECT_FALSE(out.damage->IsMidLog());
}

TEST_F(WalReader, CorruptLengthMidLogIsMidLogDamageNotATornTail) {
  // etcd #14114: a length within the maximum that runs past EOF looks exactly like a torn write. Only the valid
  // frames after it tell the truth.
  OverwriteAt(dir_.log(), offsets_[1], Fixed32(60000));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kTruncatedFrame);
  EXPECT_EQ(out.damage->offset, offsets_[1]);
  EXPECT_EQ(out.damage->next_valid_offset, offsets_[2]);
  EXPECT_EQ(out.damage->next_valid_sequence, 3u);
  EXPECT_TRUE(out.damage->IsMidLog());
  EXPECT_FALSE(out.damage->IsTornTail());
}

TEST_F(WalReader, CorruptLengthAboveMaximumMidLogFindsTheNextValidRecord) {
  OverwriteAt(dir_.log(), offsets_[2], Fixed32(0xFFFFFFFF));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kLengthTooLarge);
  EXPECT_EQ(out.damage->next_valid_offset, offsets_[3]);
}

TEST_F(WalReader, BitFlipInTheLastCompleteRecordIsAChecksumMismatchNotATornTail) {
  FlipBit(dir_.log(), offsets_[4] + 20);
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kChecksumMismatch);
  EXPECT_FALSE(out.damage->IsTornTail());
  EXPECT_FALSE(out.damage->IsMidLog());
  EXPECT_EQ(out.records.size(), 4u);
}

TEST_F(WalReader, BitFlipMidLogPointsToTheNextValidRecord) {
  FlipBit(dir_.log(), offsets_[2] + 25, 3);
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kChecksumMismatch);
  EXPECT_EQ(out.damage->offset, offsets_[2]);
  EXPECT_EQ(out.damage->next_valid_offset, offsets_[3]);
  EXPECT_EQ(out.records.size(), 2u);
}

TEST_F(WalReader, ZeroedRegionMidLogIsMidLogDamage) {
  OverwriteAt(dir_.log(), offsets_[1], std::string(66, '\0'));  // a lost write of frames 2 and 3
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kZeroLength);
  EXPECT_FALSE(out.damage->zero_to_eof);
  EXPECT_EQ(out.damage->next_valid_offset, offsets_[3]);
  EXPECT_FALSE(out.damage->IsTornTail());
}

TEST_F(WalReader, StaleRecordWithAValidChecksumIsRejected) {
  // A frame from an older life of the file: intact, checksum fine, wrong sequence (docs/design-notes.md §1.11).
  AppendToFile(dir_.log(), Frame(2, "key1", "old"));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kStaleSequence);
  EXPECT_EQ(out.damage->offset, offsets_[4] + 33);
  EXPECT_FALSE(out.damage->IsTornTail());
  EXPECT_EQ(out.records.size(), 5u);
}

TEST_F(WalReader, StaleRecordAfterDamageIsNoEvidenceOfMidLogDamage) {
  AppendToFile(dir_.log(), std::string("\x05\x00", 2) + Frame(3, "key2", "stale"));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_FALSE(out.damage->IsMidLog());
}

TEST_F(WalReader, SequenceBeyondWhatTheGapCouldHoldIsNoEvidence) {
  // docs/design-notes.md §1.15: frames are at least kMinFrameBytes apart, so 2 bytes after the damage a genuine frame
  // can carry at most the next sequence number; a checksum match with sequence 1000 there is a coincidence, not a
  // record.
  AppendToFile(dir_.log(), "\x07\x07" + Frame(1000, "key9", "far"));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_FALSE(out.damage->IsMidLog());
  TruncateTo(dir_.log(), offsets_[4] + 33);
  AppendToFile(dir_.log(), "\x07\x07" + Frame(6, "key5", "next"));
  EXPECT_EQ(Read().damage->next_valid_offset, offsets_[4] + 33 + 2);
}

TEST_F(WalReader, ChecksumMatchOnAnUndecodablePayloadIsAFormatError) {
  // docs/design-notes.md §1.14: intact bytes this reader does not understand are not corruption.
  std::string payload(8, '\0');
  payload[0] = 6;  // the expected sequence
  payload += "\x09" + std::string("\x01\x00", 2) + Fixed32(1) + "kv";  // op 9 does not exist
  AppendToFile(dir_.log(), RawFrame(payload));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->kind, DamageKind::kFormatError);
  EXPECT_EQ(out.records.size(), 5u);
}

TEST_F(WalReader, ResumeAfterDamageContinuesWithTheLaterRecords) {
  FlipBit(dir_.log(), offsets_[1] + 20);
  std::unique_ptr<ReadableFile> file;
  ASSERT_TRUE(Env::Default()->NewReadableFile(dir_.log(), &file).ok());
  wal::WalReader reader(file.get());
  wal::WalReader::Event event;
  std::vector<uint64_t> sequences;
  while (reader.Next(&event).ok() && event != wal::WalReader::Event::kEnd) {
    if (event == wal::WalReader::Event::kRecord) sequences.push_back(reader.record().sequence);
    if (event == wal::WalReader::Event::kDamage) {
      ASSERT_TRUE(reader.ResumeAfterDamage());
    }
  }
  EXPECT_EQ(sequences, (std::vector<uint64_t>{1, 3, 4, 5}));
}

TEST_F(WalReader, DamageStaysReportedUntilResumed) {
  FlipBit(dir_.log(), offsets_[4] + 20);
  std::unique_ptr<ReadableFile> file;
  ASSERT_TRUE(Env::Default()->NewReadableFile(dir_.log(), &file).ok());
  wal::WalReader reader(file.get());
  wal::WalReader::Event event;
  while (reader.Next(&event).ok() && event == wal::WalReader::Event::kRecord) {
  }
  ASSERT_EQ(event, wal::WalReader::Event::kDamage);
  ASSERT_TRUE(reader.Next(&event).ok());
  EXPECT_EQ(event, wal::WalReader::Event::kDamage);
  EXPECT_FALSE(reader.ResumeAfterDamage());  // nothing valid follows
}

TEST_F(WalReader, DamageEarlyInALargeLogReportsWhereTheFileEnds) {
  // Bigger than the reader's buffer, so neither scan after the damage has to reach EOF by itself.
  WriteRecords(dir_.path(), 60000, 5);
  FlipBit(dir_.log(), offsets_[1] + 20);
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_EQ(out.damage->next_valid_offset, offsets_[2]);
  EXPECT_EQ(out.damage->file_bytes, end());
  EXPECT_GT(end(), 2u << 20);
}

TEST_F(WalReader, ZeroTailLargerThanTheBufferIsATornTail) {
  AppendToFile(dir_.log(), std::string(3 << 20, '\0'));
  const ReadOutcome out = Read();
  ASSERT_TRUE(out.damage);
  EXPECT_TRUE(out.damage->zero_to_eof);
  EXPECT_TRUE(out.damage->IsTornTail());
  EXPECT_EQ(out.damage->file_bytes, end());
}

// A file whose reads fail with EIO from a given offset on.
class FailingFile final : public ReadableFile {
 public:
  FailingFile(std::string bytes, uint64_t fail_from) : bytes_(std::move(bytes)), fail_from_(fail_from) {}
  Status ReadAt(uint64_t offset, size_t n, char* scratch, size_t* got) override {
    if (offset + n > fail_from_) return Status::IOError("read: Input/output error");
    *got = offset >= bytes_.size() ? 0 : bytes_.copy(scratch, n, offset);
    return Status::Ok();
  }

 private:
  std::string bytes_;
  uint64_t fail_from_;
};

TEST_F(WalReader, IOErrorIsNeverEndOfLog) {
  FailingFile file(ReadFile(dir_.log()), 0);
  wal::WalReader reader(&file);
  wal::WalReader::Event event;
  const Status s = reader.Next(&event);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
}

}  // namespace
}  // namespace walkv::test
