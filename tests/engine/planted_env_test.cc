// walkv-planted's Env wrapper (engine/planted/planted_env.h) plants the mistakes it claims and nothing else. Whether
// the harness catches them needs the fault shim: `faultline selftest` shows that.
#include <gtest/gtest.h>

#include "planted/planted_env.h"
#include "test_util.h"
#include "walkv/data_dir.h"
#include "walkv/wal_writer.h"

namespace walkv::test {
namespace {

using planted::Bug;
using planted::PlantedEnv;

// The POSIX Env, except that the log opened for appending is a FakeLogFile.
class FakeLogEnv final : public Env {
 public:
  explicit FakeLogEnv(FakeLog* log) : log_(log) {}
  Status NewAppendableFile(const std::string&, std::unique_ptr<WritableFile>* out) override {
    *out = std::make_unique<FakeLogFile>(log_);
    return Status::Ok();
  }
  Status NewReadableFile(const std::string& p, std::unique_ptr<ReadableFile>* out) override {
    return base_->NewReadableFile(p, out);
  }
  Status NewWritableFile(const std::string& p, std::unique_ptr<WritableFile>* out) override {
    return base_->NewWritableFile(p, out);
  }
  Status FileExists(const std::string& p) override { return base_->FileExists(p); }
  Status GetFileSize(const std::string& p, uint64_t* size) override { return base_->GetFileSize(p, size); }
  Status TruncateFile(const std::string& p, uint64_t size) override { return base_->TruncateFile(p, size); }
  Status RenameFile(const std::string& from, const std::string& to) override { return base_->RenameFile(from, to); }
  Status LinkFile(const std::string& from, const std::string& to) override { return base_->LinkFile(from, to); }
  Status RemoveFile(const std::string& p) override { return base_->RemoveFile(p); }
  Status CreateDir(const std::string& p) override { return base_->CreateDir(p); }
  Status SyncDir(const std::string& p) override { return base_->SyncDir(p); }
  Status LockExclusive(const std::string& p, std::unique_ptr<FileLock>* out) override {
    return base_->LockExclusive(p, out);
  }
  Status LockShared(const std::string& p, std::unique_ptr<FileLock>* out) override {
    return base_->LockShared(p, out);
  }

 private:
  FakeLog* log_;
  Env* base_ = Env::Default();
};

TEST(PlantedEnv, RetryFsyncReportsTheRetrysSuccessAfterAFailedFsync) {
  FakeLog log;
  log.fail_sync_at = 1;
  FakeLogEnv base(&log);
  std::unique_ptr<WritableFile> plain;
  ASSERT_TRUE(base.NewAppendableFile("wal.log", &plain).ok());
  EXPECT_FALSE(plain->Sync().ok());  // what walkv would report

  FakeLog log2;
  log2.fail_sync_at = 1;
  FakeLogEnv base2(&log2);
  PlantedEnv env(&base2, Bug::kRetryFsync);
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(env.NewAppendableFile("wal.log", &file).ok());
  EXPECT_TRUE(file->Sync().ok());
  EXPECT_EQ(log2.syncs, 2);
}

// The stdio and one-write files still write the log walkv would write when nothing goes wrong.
TEST(PlantedEnv, StdioWriterAndIgnoreShortWriteWriteTheSameLogWhenNothingFails) {
  for (const Bug bug : {Bug::kStdioWriter, Bug::kIgnoreShortWrite}) {
    TempDir dir;
    PlantedEnv env(Env::Default(), bug);
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(env.NewAppendableFile(dir.log(), &file).ok());
    wal::WalWriter writer(std::move(file), 0);
    ASSERT_TRUE(writer.Add(wal::Op::kPut, "k1", "v1").ok());
    ASSERT_TRUE(writer.Add(wal::Op::kDel, "k1", "").ok());
    ASSERT_TRUE(writer.Sync().ok());
    EXPECT_EQ(ReadFile(dir.log()).substr(0, Frame(1, "k1", "v1").size()), Frame(1, "k1", "v1"));
    const ReadOutcome read = ReadLog(dir.log());
    EXPECT_EQ(read.last_sequence, 2u) << planted::VariantOf(bug).name;
    EXPECT_FALSE(read.damage.has_value());
  }
}

TEST(PlantedEnv, OpeningAMissingDirectoryFailsAsThePosixEnvDoes) {
  PlantedEnv env(Env::Default(), Bug::kStdioWriter);
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(env.NewAppendableFile("/nonexistent-dir/wal.log", &file).IsNotFound());
  EXPECT_TRUE(Env::Default()->NewAppendableFile("/nonexistent-dir/wal.log", &file).IsNotFound());
}

}  // namespace
}  // namespace walkv::test
