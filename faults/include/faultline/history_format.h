// The recorded history v1: the binary file the shim writes when the plan says `record PATH`, and that
// faultline::faults::read_history (faults/src/history.cc) reads. Stated once here; both sides include this header
// (libc only: the shim has no C++ runtime). docs/fault-plan.md, "Recorded history v1", describes the same format.
//
// The file: a 64-byte header, then records, each 8-byte aligned. All integers are little-endian.
//
//   header   [0,16)  magic "faultline-hist1\0"
//            [16,24) end: u64 offset one past the last reserved record byte (writers advance it with one atomic
//                    fetch-and-add; its initial value is kHeaderSize)
//            [24,32) dropped: u64 number of records that did not fit below kMaxHistory (their bytes are missing)
//            [32,64) zero
//   record   RecordHeader (48 bytes), then `name_len` bytes of name, `name2_len` bytes of name2, `len` bytes of data
//            (kWrite only), zero padding to a multiple of 8; `size` is the whole record, padding included.
//
// A writer reserves `size` bytes, stores the header with `committed` = 0, copies names and data, then sets
// `committed` to 1 with a release store. A reader walks records from kHeaderSize to `end`: a record whose `size` is 0
// was reserved by a writer killed before it stored anything (the walk stops there: nothing after it can be located);
// a record with `committed` = 0 was cut short by a kill and is skipped.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace faultline::history {

inline constexpr char kMagic[16] = "faultline-hist1";
inline constexpr size_t kHeaderSize = 64;
inline constexpr size_t kEndAt = 16;
inline constexpr size_t kDroppedAt = 24;
// Address space only: the file is sparse, a page costs memory once a record lands in it. Records past the window
// are written with pwrite() at their reserved offsets; nothing is recorded at or past kMaxHistory.
inline constexpr uint64_t kWindow = uint64_t{1} << 30;
inline constexpr uint64_t kMaxHistory = uint64_t{16} << 30;

// What happened, in the order the calls returned. `ino` is the file's inode number (st_ino) where the shim knows it
// (descriptor calls), 0 where it does not (calls by name). Names are relative to target_dir ("." = target_dir).
enum class RecordType : uint8_t {
  kCreate = 1,     // name, ino: open() created the file
  kWrite = 2,      // name, ino, off, len, data: the bytes the file received at off (after the call returned)
  kTruncate = 3,   // name, ino (0 for truncate(path)), off = new size (also open(O_TRUNC) of an existing file)
  kRename = 4,     // name = from, name2 = to
  kUnlink = 5,     // name
  kFsync = 6,      // name, ino, off = file size now durable
  kFdatasync = 7,  // name, ino, off = file size
  kDirsync = 8,    // name = the directory ("." for target_dir): fsync/fdatasync on a directory descriptor
  kMkdir = 9,      // name
  kLink = 10,      // name = existing, name2 = new
  kSync = 11,      // sync(): everything durable
  kSyncfs = 12,    // syncfs(fd) on a descriptor under target_dir: everything durable
  kSyncFileRange = 13,  // name, ino, off, len: promises no durability (recorded for explanations only)
};

struct RecordHeader {
  uint32_t size;       // the whole record, padding included; a multiple of 8; 0 = never stored
  uint8_t type;        // RecordType
  uint8_t committed;   // 1 once names and data are in place
  uint16_t name_len;
  uint16_t name2_len;
  uint16_t reserved;   // 0
  uint32_t pid;
  uint64_t step;       // the plan's step counter when the record was written (0 without a step_file)
  uint64_t ino;
  uint64_t off;
  uint64_t len;
};
static_assert(sizeof(RecordHeader) == 48, "RecordHeader is 48 bytes");

inline constexpr uint64_t record_size(uint64_t name_len, uint64_t name2_len, uint64_t data_len) {
  return (sizeof(RecordHeader) + name_len + name2_len + data_len + 7) & ~uint64_t{7};
}

}  // namespace faultline::history
