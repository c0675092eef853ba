// The POSIX Env against a misbehaving kernel. This test program defines write(), pread() and fsync() itself, which
// takes precedence over libc's for every call in the program (the engine library is linked in statically), so it
// can hand the Env short reads, short writes, EINTR and EIO, like an LD_PRELOAD fault shim would.
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test_util.h"
#include "walkv/data_dir.h"
#include "walkv/wal_writer.h"

namespace {

struct Faults {
  size_t max_read = 0;   // pread returns at most this many bytes (0: no limit)
  size_t max_write = 0;  // write writes at most this many bytes (0: no limit)
  int eintr_writes = 0;  // the next N writes fail with EINTR
  int read_errno = 0;    // pread fails with this errno
  int fsync_errno = 0;   // fsync fails with this errno
  int target_fd = -1;    // only this descriptor is affected
  int writes = 0;        // write() calls seen on target_fd
  int reads = 0;         // pread() calls seen on target_fd
};
Faults g_faults;

ssize_t RealPread(int fd, void* buf, size_t n, off_t offset) { return syscall(SYS_pread64, fd, buf, n, offset); }

}  // namespace

extern "C" {

ssize_t pread(int fd, void* buf, size_t n, off_t offset) {
  if (fd == g_faults.target_fd) ++g_faults.reads;
  if (fd == g_faults.target_fd && g_faults.read_errno != 0) {
    errno = g_faults.read_errno;
    return -1;
  }
  if (fd == g_faults.target_fd && g_faults.max_read > 0 && n > g_faults.max_read) n = g_faults.max_read;
  return RealPread(fd, buf, n, offset);
}

ssize_t pread64(int fd, void* buf, size_t n, off_t offset) { return pread(fd, buf, n, offset); }

ssize_t write(int fd, const void* buf, size_t n) {
  if (fd == g_faults.target_fd) {
    ++g_faults.writes;
    if (g_faults.eintr_writes > 0) {
      --g_faults.eintr_writes;
      errno = EINTR;
      return -1;
    }
    if (g_faults.max_write > 0 && n > g_faults.max_write) n = g_faults.max_write;
  }
  return syscall(SYS_write, fd, buf, n);
}

int fsync(int fd) {
  if (fd == g_faults.target_fd && g_faults.fsync_errno != 0) {
    errno = g_faults.fsync_errno;
    return -1;
  }
  return static_cast<int>(syscall(SYS_fsync, fd));
}

}  // extern "C"

namespace walkv::test {
namespace {

// The descriptor the Env will get next: the lowest free one.
int NextFd() {
  const int fd = ::dup(0);
  ::close(fd);
  return fd;
}

class PosixEnv : public ::testing::Test {
 protected:
  void TearDown() override { g_faults = Faults{}; }
  TempDir dir_;
};

TEST_F(PosixEnv, ShortReadsAreRetriedAndAreNotEndOfFile) {
  WriteRecords(dir_.path(), 20);
  g_faults.target_fd = NextFd();
  g_faults.max_read = 3;
  const ReadOutcome out = ReadLog(dir_.log());
  EXPECT_FALSE(out.damage);
  EXPECT_EQ(out.records.size(), 20u);
  EXPECT_GT(g_faults.reads, 20 * 33 / 3);  // the faults really were in the way
}

TEST_F(PosixEnv, ReadErrorIsAnIOErrorNotEndOfFile) {
  WriteRecords(dir_.path(), 3);
  g_faults.target_fd = NextFd();
  g_faults.read_errno = EIO;
  std::unique_ptr<ReadableFile> file;
  ASSERT_TRUE(Env::Default()->NewReadableFile(dir_.log(), &file).ok());
  wal::WalReader reader(file.get());
  wal::WalReader::Event event;
  const Status s = reader.Next(&event);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
}

TEST_F(PosixEnv, EachRecordIsOneWriteCall) {
  std::unique_ptr<WritableFile> file;
  g_faults.target_fd = NextFd();
  ASSERT_TRUE(Env::Default()->NewAppendableFile(dir_.log(), &file).ok());
  wal::WalWriter writer(std::move(file), 0);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer.Add(wal::Op::kPut, "k" + std::to_string(i), "v").ok());
  EXPECT_EQ(g_faults.writes, 10);
}

TEST_F(PosixEnv, ShortWritesAreFinishedBeforeTheRecordCounts) {
  std::unique_ptr<WritableFile> file;
  g_faults.target_fd = NextFd();
  g_faults.max_write = 5;
  ASSERT_TRUE(Env::Default()->NewAppendableFile(dir_.log(), &file).ok());
  wal::WalWriter writer(std::move(file), 0);
  ASSERT_TRUE(writer.Add(wal::Op::kPut, "key", "value").ok());
  ASSERT_TRUE(writer.Add(wal::Op::kPut, "key2", "value2").ok());
  g_faults = Faults{};
  const ReadOutcome out = ReadLog(dir_.log());
  EXPECT_FALSE(out.damage);
  EXPECT_EQ(out.records.size(), 2u);
}

TEST_F(PosixEnv, InterruptedWritesAreRetried) {
  std::unique_ptr<WritableFile> file;
  g_faults.target_fd = NextFd();
  g_faults.eintr_writes = 3;
  ASSERT_TRUE(Env::Default()->NewAppendableFile(dir_.log(), &file).ok());
  wal::WalWriter writer(std::move(file), 0);
  ASSERT_TRUE(writer.Add(wal::Op::kPut, "key", "value").ok());
  g_faults = Faults{};
  EXPECT_EQ(ReadLog(dir_.log()).records.size(), 1u);
}

TEST_F(PosixEnv, FsyncErrorIsReportedAndTheWriterStops) {
  std::unique_ptr<WritableFile> file;
  g_faults.target_fd = NextFd();
  g_faults.fsync_errno = EIO;
  ASSERT_TRUE(Env::Default()->NewAppendableFile(dir_.log(), &file).ok());
  wal::WalWriter writer(std::move(file), 0);
  ASSERT_TRUE(writer.Add(wal::Op::kPut, "key", "value").ok());
  EXPECT_TRUE(writer.Sync().IsIOError());
  g_faults.fsync_errno = 0;  // the next fsync would succeed: the writer must not try it
  EXPECT_TRUE(writer.Sync().IsIOError());
  EXPECT_TRUE(writer.Add(wal::Op::kPut, "key", "value").IsIOError());
}

TEST_F(PosixEnv, SecondExclusiveLockOnADirectoryIsRefused) {
  std::unique_ptr<FileLock> first, second, reader;
  ASSERT_TRUE(Env::Default()->LockExclusive(LockPath(dir_.path()), &first).ok());
  EXPECT_TRUE(Env::Default()->LockExclusive(LockPath(dir_.path()), &second).IsLocked());
  EXPECT_TRUE(Env::Default()->LockShared(LockPath(dir_.path()), &reader).IsLocked());
  first.reset();
  EXPECT_TRUE(Env::Default()->LockShared(LockPath(dir_.path()), &reader).ok());
}

TEST_F(PosixEnv, SharedLockNeverCreatesTheLockFile) {
  std::unique_ptr<FileLock> lock;
  EXPECT_TRUE(Env::Default()->LockShared(LockPath(dir_.path()), &lock).IsNotFound());
  EXPECT_TRUE(dir_.Files().empty());
}

TEST_F(PosixEnv, MissingFileIsNotFound) {
  std::unique_ptr<ReadableFile> file;
  EXPECT_TRUE(Env::Default()->NewReadableFile(dir_.log(), &file).IsNotFound());
}

}  // namespace
}  // namespace walkv::test
