// Status: the result of every engine operation that can fail. The engine never throws; each layer returns a Status
// and the command line maps its code to a documented exit status (see exit_codes.h).
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace walkv {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kNotFound,         // a file or directory does not exist
    kInvalidArgument,  // the caller asked for something the format or protocol forbids
    kCorruption,       // bytes on disk are damaged (checksum, length, sequence)
    kFormatError,      // bytes are intact (checksum passes) but do not decode: a software, not a disk, problem
    kIOError,          // the operating system failed a call (EIO, ENOSPC, ...); never a sign of end-of-log
    kLocked,           // another process holds the data directory
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status FormatError(std::string msg) { return Status(Code::kFormatError, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Locked(std::string msg) { return Status(Code::kLocked, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsLocked() const { return code_ == Code::kLocked; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace walkv
