#include "planted/planted_env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace walkv::planted {
namespace {

// env_posix.cc's errors, so an ERR reply reads the same as walkv's.
Status PosixError(const std::string& context, int err) {
  std::string msg = context + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}

// ignore-short-write: env_posix.cc's Append without the loop that finishes a short write.
class OneWriteFile final : public WritableFile {
 public:
  OneWriteFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~OneWriteFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(std::string_view data) override {
    if (data.empty()) return Status::Ok();
    for (;;) {
      if (::write(fd_, data.data(), data.size()) >= 0) return Status::Ok();  // the mistake: written or not, done
      if (errno != EINTR) return PosixError("write " + path_, errno);
    }
  }
  Status Sync() override { return ::fsync(fd_) == 0 ? Status::Ok() : PosixError("fsync " + path_, errno); }
  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0 ? Status::Ok() : PosixError("close " + path_, errno);
  }

 private:
  std::string path_;
  int fd_;
};

// stdio-writer: the descriptor is wrapped in a FILE* at the first Append, and the data goes through stdio.
class StdioFile final : public WritableFile {
 public:
  StdioFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~StdioFile() override { (void)Close(); }
  Status Append(std::string_view data) override {
    if (stream_ == nullptr) stream_ = ::fdopen(fd_, "a");
    if (stream_ == nullptr) return PosixError("fdopen " + path_, errno);
    if (std::fwrite(data.data(), 1, data.size(), stream_) != data.size() || std::fflush(stream_) != 0) {
      return PosixError("fwrite " + path_, errno);
    }
    return Status::Ok();
  }
  Status Sync() override { return ::fsync(fd_) == 0 ? Status::Ok() : PosixError("fsync " + path_, errno); }
  Status Close() override {
    std::FILE* stream = stream_;
    const int fd = fd_;
    stream_ = nullptr;
    fd_ = -1;
    if (stream != nullptr) std::fclose(stream);  // also closes the descriptor
    else if (fd >= 0 && ::close(fd) != 0) return PosixError("close " + path_, errno);
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
  std::FILE* stream_ = nullptr;
};

// retry-fsync: the base file, with a failed Sync tried again. On Linux the retry succeeds: the pages that failed to
// reach the disk were marked clean (docs/design-notes.md §1.7).
class RetryingSyncFile final : public WritableFile {
 public:
  explicit RetryingSyncFile(std::unique_ptr<WritableFile> base) : base_(std::move(base)) {}
  Status Append(std::string_view data) override { return base_->Append(data); }
  Status Sync() override {
    Status s = base_->Sync();
    if (!s.ok() && base_->Sync().ok()) return Status::Ok();  // the mistake
    return s;
  }
  Status Close() override { return base_->Close(); }

 private:
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

bool IsEnvBug(Bug bug) { return VariantOf(bug).planted_in == "planted_env.cc"; }

Status PlantedEnv::NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  if (bug_ != Bug::kRetryFsync) return OpenOwn(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, out);
  Status s = base_->NewAppendableFile(path, out);
  if (s.ok()) *out = std::make_unique<RetryingSyncFile>(std::move(*out));
  return s;
}

Status PlantedEnv::NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  if (bug_ != Bug::kRetryFsync) return OpenOwn(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, out);
  Status s = base_->NewWritableFile(path, out);
  if (s.ok()) *out = std::make_unique<RetryingSyncFile>(std::move(*out));
  return s;
}

Status PlantedEnv::OpenOwn(const std::string& path, int flags, std::unique_ptr<WritableFile>* out) {
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return PosixError("open " + path, errno);
  if (bug_ == Bug::kStdioWriter) {
    *out = std::make_unique<StdioFile>(path, fd);
  } else {
    *out = std::make_unique<OneWriteFile>(path, fd);
  }
  return Status::Ok();
}

}  // namespace walkv::planted
