// The POSIX Env: the only file that calls the OS for files and reads errno.
//
// Reads: only read()/pread() returning 0 is end-of-file; short reads are retried and EIO is an error
// (docs/design-notes.md §1.13).
// Writes: one write() per Append, finished on short writes and EINTR (§1.6); fsync errors are reported, never
// retried (§1.7).
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "walkv/env.h"

namespace walkv {
namespace {

Status PosixError(const std::string& context, int err) {
  std::string msg = context + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}

std::string ParentDir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixReadableFile() override { ::close(fd_); }

  Status ReadAt(uint64_t offset, size_t n, char* scratch, size_t* got) override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        *got = done;
        return PosixError("read " + path_ + " at offset " + std::to_string(offset + done), errno);
      }
      if (r == 0) break;  // end of file, and only this is
      done += static_cast<size_t>(r);
    }
    *got = done;
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t w = ::write(fd_, data.data() + done, data.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError("write " + path_, errno);
      }
      done += static_cast<size_t>(w);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fsync(fd_) == 0) return Status::Ok();
    return PosixError("fsync " + path_, errno);
  }

  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return PosixError("close " + path_, errno);
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // closing releases the flock

 private:
  int fd_;
};

Status LockFd(const std::string& path, int fd, int operation, std::unique_ptr<FileLock>* out) {
  while (::flock(fd, operation | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return Status::Locked(path + " is held by another process");
    return PosixError("flock " + path, err);
  }
  *out = std::make_unique<PosixFileLock>(fd);
  return Status::Ok();
}

class PosixEnv final : public Env {
 public:
  Status NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open " + path, errno);
    *out = std::make_unique<PosixReadableFile>(path, fd);
    return Status::Ok();
  }

  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return OpenWritable(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, out);
  }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return OpenWritable(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, out);
  }

  Status FileExists(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat " + path, errno);
    return Status::Ok();
  }

  Status GetFileSize(const std::string& path, uint64_t* size) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat " + path, errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::Ok();
  }

  Status TruncateFile(const std::string& path, uint64_t size) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open " + path, errno);
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      s = PosixError("truncate " + path, errno);
    } else if (::fsync(fd) != 0) {
      s = PosixError("fsync " + path, errno);
    }
    ::close(fd);
    return s;
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename " + from + " to " + to, errno);
    return Status::Ok();
  }

  Status LinkFile(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) != 0) return PosixError("link " + from + " to " + to, errno);
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("unlink " + path, errno);
    return Status::Ok();
  }

  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0) {
      if (errno == EEXIST) return Status::Ok();
      return PosixError("mkdir " + path, errno);
    }
    return SyncDir(ParentDir(path));
  }

  Status SyncDir(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("open directory " + path, errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError("fsync directory " + path, errno);
    ::close(fd);
    return s;
  }

  Status LockExclusive(const std::string& path, std::unique_ptr<FileLock>* out) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("open " + path, errno);
    return LockFd(path, fd, LOCK_EX, out);
  }

  Status LockShared(const std::string& path, std::unique_ptr<FileLock>* out) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open " + path, errno);
    return LockFd(path, fd, LOCK_SH, out);
  }

 private:
  static Status OpenWritable(const std::string& path, int flags, std::unique_ptr<WritableFile>* out) {
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return PosixError("open " + path, errno);
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::Ok();
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv;  // never destroyed: usable until the process exits
  return env;
}

namespace io {

Status ReadSome(int fd, char* buffer, size_t n, size_t* got) {
  for (;;) {
    const ssize_t r = ::read(fd, buffer, n);
    if (r >= 0) {
      *got = static_cast<size_t>(r);
      return Status::Ok();
    }
    if (errno != EINTR) return PosixError("read fd " + std::to_string(fd), errno);
  }
}

Status WriteAll(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return PosixError("write fd " + std::to_string(fd), errno);
    }
    done += static_cast<size_t>(w);
  }
  return Status::Ok();
}

bool InputPending(int fd) {
  struct pollfd pfd = {fd, POLLIN, 0};
  return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) != 0;
}

}  // namespace io
}  // namespace walkv
