// An Env that "crashes" at the Nth call that changes the file system: that call and every later call fail, as if
// the process had been killed there. A crashing Append first writes half its bytes (a torn write). Used to check that
// recovery reaches the same result whichever step it was interrupted at (docs/design-notes.md §1.16).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "walkv/env.h"

namespace walkv::test {

class CrashingEnv final : public Env {
 public:
  // crash_at: 1-based index of the mutating call that crashes; 0 never crashes (and just records the calls).
  explicit CrashingEnv(int crash_at) : crash_at_(crash_at) {}

  // Every file opened for reading from now on fails with EIO for reads that reach offset.
  void FailReadsFrom(uint64_t offset) { fail_reads_from_ = offset; }

  bool crashed() const { return crashed_; }
  // Every mutating call attempted, in order ("TruncateFile wal.log", ...), including the one that crashed.
  const std::vector<std::string>& calls() const { return calls_; }

  enum class Fate { kProceed, kCrashNow, kDead };
  // Records a mutating call and says what happens to it.
  Fate Mutate(const std::string& what);
  static Status Crash() { return Status::IOError("simulated crash"); }

  Status NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) override;
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status FileExists(const std::string& path) override;
  Status GetFileSize(const std::string& path, uint64_t* size) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status LinkFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status LockExclusive(const std::string& path, std::unique_ptr<FileLock>* out) override;
  Status LockShared(const std::string& path, std::unique_ptr<FileLock>* out) override;

 private:
  Env* base_ = Env::Default();
  int crash_at_;
  bool crashed_ = false;
  uint64_t fail_reads_from_ = UINT64_MAX;
  std::vector<std::string> calls_;
};

}  // namespace walkv::test
