#include "crashing_env.h"

namespace walkv::test {
namespace {

std::string Base(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

class CrashingFile final : public WritableFile {
 public:
  CrashingFile(CrashingEnv* env, std::unique_ptr<WritableFile> base, std::string name)
      : env_(env), base_(std::move(base)), name_(std::move(name)) {}

  Status Append(std::string_view data) override {
    const CrashingEnv::Fate fate = env_->Mutate("Append " + name_);
    if (fate == CrashingEnv::Fate::kCrashNow) (void)base_->Append(data.substr(0, data.size() / 2));  // torn
    return fate == CrashingEnv::Fate::kProceed ? base_->Append(data) : CrashingEnv::Crash();
  }
  Status Sync() override { return Forward("Sync", [&] { return base_->Sync(); }); }
  Status Close() override { return Forward("Close", [&] { return base_->Close(); }); }

 private:
  template <typename F>
  Status Forward(const char* op, F call) {
    return env_->Mutate(std::string(op) + " " + name_) == CrashingEnv::Fate::kProceed ? call() : CrashingEnv::Crash();
  }

  CrashingEnv* env_;
  std::unique_ptr<WritableFile> base_;
  std::string name_;
};

class FailingReadFile final : public ReadableFile {
 public:
  FailingReadFile(std::unique_ptr<ReadableFile> base, uint64_t fail_from) : base_(std::move(base)), fail_from_(fail_from) {}
  Status ReadAt(uint64_t offset, size_t n, char* scratch, size_t* got) override {
    if (offset + n > fail_from_) return Status::IOError("read: Input/output error (injected)");
    return base_->ReadAt(offset, n, scratch, got);
  }

 private:
  std::unique_ptr<ReadableFile> base_;
  uint64_t fail_from_;
};

}  // namespace

CrashingEnv::Fate CrashingEnv::Mutate(const std::string& what) {
  if (crashed_) return Fate::kDead;
  calls_.push_back(what);
  if (crash_at_ > 0 && static_cast<int>(calls_.size()) == crash_at_) {
    crashed_ = true;
    return Fate::kCrashNow;
  }
  return Fate::kProceed;
}

Status CrashingEnv::NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) {
  if (crashed_) return Crash();
  Status s = base_->NewReadableFile(path, out);
  if (s.ok() && fail_reads_from_ != UINT64_MAX) *out = std::make_unique<FailingReadFile>(std::move(*out), fail_reads_from_);
  return s;
}

Status CrashingEnv::NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  if (Mutate("NewAppendableFile " + Base(path)) != Fate::kProceed) return Crash();
  std::unique_ptr<WritableFile> file;
  Status s = base_->NewAppendableFile(path, &file);
  if (s.ok()) *out = std::make_unique<CrashingFile>(this, std::move(file), Base(path));
  return s;
}

Status CrashingEnv::NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  if (Mutate("NewWritableFile " + Base(path)) != Fate::kProceed) return Crash();
  std::unique_ptr<WritableFile> file;
  Status s = base_->NewWritableFile(path, &file);
  if (s.ok()) *out = std::make_unique<CrashingFile>(this, std::move(file), Base(path));
  return s;
}

Status CrashingEnv::FileExists(const std::string& path) { return crashed_ ? Crash() : base_->FileExists(path); }

Status CrashingEnv::GetFileSize(const std::string& path, uint64_t* size) {
  return crashed_ ? Crash() : base_->GetFileSize(path, size);
}

Status CrashingEnv::TruncateFile(const std::string& path, uint64_t size) {
  return Mutate("TruncateFile " + Base(path)) == Fate::kProceed ? base_->TruncateFile(path, size) : Crash();
}

Status CrashingEnv::RenameFile(const std::string& from, const std::string& to) {
  return Mutate("RenameFile " + Base(from) + " " + Base(to)) == Fate::kProceed ? base_->RenameFile(from, to) : Crash();
}

Status CrashingEnv::LinkFile(const std::string& from, const std::string& to) {
  return Mutate("LinkFile " + Base(from) + " " + Base(to)) == Fate::kProceed ? base_->LinkFile(from, to) : Crash();
}

Status CrashingEnv::RemoveFile(const std::string& path) {
  return Mutate("RemoveFile " + Base(path)) == Fate::kProceed ? base_->RemoveFile(path) : Crash();
}

Status CrashingEnv::CreateDir(const std::string& path) {
  return Mutate("CreateDir " + Base(path)) == Fate::kProceed ? base_->CreateDir(path) : Crash();
}

Status CrashingEnv::SyncDir(const std::string& path) {
  return Mutate("SyncDir " + Base(path)) == Fate::kProceed ? base_->SyncDir(path) : Crash();
}

Status CrashingEnv::LockExclusive(const std::string& path, std::unique_ptr<FileLock>* out) {
  return Mutate("LockExclusive " + Base(path)) == Fate::kProceed ? base_->LockExclusive(path, out) : Crash();
}

Status CrashingEnv::LockShared(const std::string& path, std::unique_ptr<FileLock>* out) {
  return crashed_ ? Crash() : base_->LockShared(path, out);
}

}  // namespace walkv::test
