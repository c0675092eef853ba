// The planted mistakes in how walkv talks to the OS, as an Env (walkv/env.h) that walkv-planted hands to the
// production commands in place of Env::Default(). Everything not named below is forwarded to the base Env unchanged.
//
//   ignore-short-write  Append makes one write() and reports success whatever it wrote
//   retry-fsync         a failed Sync is tried once more, and a success of the retry is reported as success
//   stdio-writer        Append goes through fdopen()/fwrite()/fflush(), whose write() an LD_PRELOAD shim never sees
//
// The first and last need the descriptor itself, so for them this Env opens writable files on its own, with exactly
// the flags env_posix.cc uses; retry-fsync wraps the base Env's file.
#pragma once

#include <memory>
#include <string>

#include "planted/manifest.h"
#include "walkv/env.h"

namespace walkv::planted {

// Whether bug is one of the mistakes this Env plants: the manifest says it is planted in planted_env.cc (the others
// are patches of the engine's own sources).
bool IsEnvBug(Bug bug);

class PlantedEnv final : public Env {
 public:
  // base is not owned; bug must satisfy IsEnvBug.
  PlantedEnv(Env* base, Bug bug) : base_(base), bug_(bug) {}

  Status NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    return base_->NewReadableFile(path, out);
  }
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status GetFileSize(const std::string& path, uint64_t* size) override { return base_->GetFileSize(path, size); }
  Status TruncateFile(const std::string& path, uint64_t size) override { return base_->TruncateFile(path, size); }
  Status RenameFile(const std::string& from, const std::string& to) override { return base_->RenameFile(from, to); }
  Status LinkFile(const std::string& from, const std::string& to) override { return base_->LinkFile(from, to); }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status CreateDir(const std::string& path) override { return base_->CreateDir(path); }
  Status SyncDir(const std::string& path) override { return base_->SyncDir(path); }
  Status LockExclusive(const std::string& path, std::unique_ptr<FileLock>* out) override {
    return base_->LockExclusive(path, out);
  }
  Status LockShared(const std::string& path, std::unique_ptr<FileLock>* out) override {
    return base_->LockShared(path, out);
  }

 private:
  // Opens the file as env_posix.cc does (open(path, flags, 0644)), as a file of this Env's own.
  Status OpenOwn(const std::string& path, int flags, std::unique_ptr<WritableFile>* out);

  Env* base_;
  Bug bug_;
};

}  // namespace walkv::planted
