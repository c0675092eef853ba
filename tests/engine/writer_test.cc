// The writer: one Append per record, sequence numbers, size limits, fail-stop on write and fsync errors.
#include <gtest/gtest.h>

#include "test_util.h"
#include "walkv/wal_writer.h"

namespace walkv::test {
namespace {

using wal::Op;

TEST(WalWriter, EachRecordIsOneAppendOfOneWholeFrame) {
  FakeLog log;
  wal::WalWriter writer(std::make_unique<FakeLogFile>(&log), 0);
  ASSERT_TRUE(writer.Add(Op::kPut, "a", "1").ok());
  ASSERT_TRUE(writer.Add(Op::kDel, "a", "").ok());
  EXPECT_EQ(log.appends, 2);
  EXPECT_EQ(log.bytes, Frame(1, "a", "1") + [] {
    std::string del;
    (void)wal::AppendFrame({2, Op::kDel, "a", ""}, &del);
    return del;
  }());
}

TEST(WalWriter, SequenceNumbersContinueFromTheRecoveredLog) {
  FakeLog log;
  wal::WalWriter writer(std::make_unique<FakeLogFile>(&log), 41);
  ASSERT_TRUE(writer.Add(Op::kPut, "k", "v").ok());
  EXPECT_EQ(writer.last_sequence(), 42u);
  EXPECT_EQ(log.bytes, Frame(42, "k", "v"));
}

TEST(WalWriter, OversizedRecordIsRejectedBeforeAnythingIsWritten) {
  FakeLog log;
  wal::WalWriter writer(std::make_unique<FakeLogFile>(&log), 0);
  const std::string huge(wal::kMaxPayloadBytes, 'x');
  EXPECT_EQ(writer.Add(Op::kPut, "k", huge).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(log.appends, 0);
  EXPECT_FALSE(writer.failed());  // the format's limit is not an I/O failure
  EXPECT_TRUE(writer.Add(Op::kPut, "k", "v").ok());
  EXPECT_EQ(writer.last_sequence(), 1u);
}

TEST(WalWriter, FailedWriteStopsTheWriter) {
  FakeLog log;
  log.fail_append_at = 2;
  wal::WalWriter writer(std::make_unique<FakeLogFile>(&log), 0);
  ASSERT_TRUE(writer.Add(Op::kPut, "a", "1").ok());
  EXPECT_TRUE(writer.Add(Op::kPut, "b", "2").IsIOError());
  EXPECT_TRUE(writer.Add(Op::kPut, "c", "3").IsIOError());
  EXPECT_TRUE(writer.Sync().IsIOError());
  EXPECT_EQ(log.appends, 2);  // nothing after the failure reached the file
  EXPECT_EQ(log.syncs, 0);
}

TEST(WalWriter, FailedFsyncIsNeverRetried) {
  // docs/design-notes.md §1.7: after a failed fsync the kernel may have dropped the pages and marked them clean; a
  // second fsync "succeeds" without the data. The writer must stay failed.
  FakeLog log;
  log.fail_sync_at = 1;
  wal::WalWriter writer(std::make_unique<FakeLogFile>(&log), 0);
  ASSERT_TRUE(writer.Add(Op::kPut, "a", "1").ok());
  EXPECT_TRUE(writer.Sync().IsIOError());
  EXPECT_TRUE(writer.Sync().IsIOError());
  EXPECT_TRUE(writer.Add(Op::kPut, "b", "2").IsIOError());
  EXPECT_EQ(log.syncs, 1);
  EXPECT_EQ(log.appends, 1);
}

}  // namespace
}  // namespace walkv::test
