// The recorded history as values: what the shim wrote with `record PATH` (format: faultline/history_format.h,
// docs/fault-plan.md "Recorded history v1"), read back in the order the calls completed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/history_format.h"

namespace faultline::faults {

using HistoryType = faultline::history::RecordType;

struct HistoryEvent {
  HistoryType type = HistoryType::kWrite;
  std::uint32_t pid = 0;
  std::uint64_t step = 0;  // the plan's step counter when the call completed
  std::uint64_t ino = 0;   // 0 = not known (a call by name)
  std::string name;        // relative to target_dir; rename/link: the old name
  std::string name2;       // rename/link: the new name
  std::uint64_t off = 0;   // write: offset; truncate: new size; fsync/fdatasync: file size; rename: renameat2 flags
  std::uint64_t len = 0;   // write, sync_file_range
  std::string data;        // write: the bytes the file received

  bool operator==(const HistoryEvent&) const = default;
};

struct History {
  std::vector<HistoryEvent> events;
  std::uint64_t dropped = 0;       // records that did not fit (the header's count)
  std::uint64_t cut_records = 0;   // records reserved but never completed (a writer was killed): skipped
  bool truncated = false;          // the walk stopped at a record whose size was never stored
};

const char* to_string(HistoryType type);  // "create", "write", ... (the spelling of explanations and docs)

// Parses a history file's bytes. Throws std::invalid_argument naming the byte offset and the field when the bytes
// are not a history (bad magic, a record size that is not a multiple of 8 or runs past `end`, an unknown type).
History parse_history(std::string_view bytes);
// Reads and parses a history file; throws std::runtime_error naming the file when it cannot be read.
History read_history(const std::filesystem::path& file);

// The bytes of a history holding `events` (every record committed): the inverse of parse_history, for tests and for
// tools that write a history by hand.
std::string encode_history(const std::vector<HistoryEvent>& events);

}  // namespace faultline::faults
