#include "walkv/status.h"

namespace walkv {

std::string Status::ToString() const {
  std::string_view prefix;
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: prefix = "not found: "; break;
    case Code::kInvalidArgument: prefix = "invalid argument: "; break;
    case Code::kCorruption: prefix = "corruption: "; break;
    case Code::kFormatError: prefix = "format error: "; break;
    case Code::kIOError: prefix = "I/O error: "; break;
    case Code::kLocked: prefix = "locked: "; break;
  }
  return std::string(prefix) + message_;
}

}  // namespace walkv
