// The engine's one seam to the operating system. Every file the engine touches goes through an Env, so tests can
// substitute one that fails or "crashes" at a chosen call, and errno is read in exactly one file (env_posix.cc).
//
// Contracts shared by every implementation:
// - No call throws; failures come back as Status (kNotFound for a missing path, kIOError for everything else).
// - Objects are not thread-safe; the engine is single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "walkv/status.h"

namespace walkv {

// A file read at explicit offsets.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to n bytes at offset into scratch and sets *got. Short reads are retried, so *got < n means the file
  // ends there (read() returned 0), and only then. An I/O error (EIO...) is an error, never end-of-file.
  virtual Status ReadAt(uint64_t offset, size_t n, char* scratch, size_t* got) = 0;
};

// A file written only at its end.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of data with ONE write() call (more only to finish a short write or after EINTR), so an observer of
  // write() sees each Append as one operation. On error some prefix of data may be in the file.
  virtual Status Append(std::string_view data) = 0;
  // fsync. After a failure the data's fate is unknown: callers must stop, never retry and carry on.
  virtual Status Sync() = 0;
  // Closes the descriptor; the destructor closes it too, ignoring errors.
  virtual Status Close() = 0;
};

// An advisory lock held until destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment. Never deleted.
  static Env* Default();

  virtual Status NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) = 0;
  // Opens for appending, creating the file if missing (O_WRONLY|O_CREAT|O_APPEND).
  virtual Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  // Creates or empties the file (O_WRONLY|O_CREAT|O_TRUNC).
  virtual Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;

  virtual Status FileExists(const std::string& path) = 0;  // Ok, NotFound or IOError
  virtual Status GetFileSize(const std::string& path, uint64_t* size) = 0;
  // Cuts the file to size and fsyncs it before returning.
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status LinkFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Creates the directory if missing (one level), fsyncing its parent when it was created.
  virtual Status CreateDir(const std::string& path) = 0;
  // fsync on the directory itself, so entries created or renamed in it survive power loss.
  virtual Status SyncDir(const std::string& path) = 0;

  // flock(LOCK_EX|LOCK_NB) on path, creating it if needed. kLocked if another process holds it.
  virtual Status LockExclusive(const std::string& path, std::unique_ptr<FileLock>* out) = 0;
  // flock(LOCK_SH|LOCK_NB) on an existing path, never creating it (readers must not modify the directory).
  // NotFound if the lock file does not exist, kLocked if a writer holds it.
  virtual Status LockShared(const std::string& path, std::unique_ptr<FileLock>* out) = 0;
};

}  // namespace walkv

namespace walkv::io {

// Pipe I/O for the protocol and the logs (stdin, stdout, stderr), kept here so errno is read in one file.
// Reads what is available (at least 1 byte, or 0 at EOF), retrying EINTR.
Status ReadSome(int fd, char* buffer, size_t n, size_t* got);
// Writes all of data, looping on short writes and EINTR.
Status WriteAll(int fd, std::string_view data);
// True if a read on fd would not block right now (more requests are already buffered).
bool InputPending(int fd);

}  // namespace walkv::io
