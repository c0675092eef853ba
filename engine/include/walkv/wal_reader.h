// Reading a WAL: each frame is either valid (length in range, checksum, expected sequence, payload decodes) or the
// first damage. On damage the reader classifies it by what FOLLOWS it, never by its shape alone: it scans every later
// byte offset for a valid frame (docs/design-notes.md §1.1, §1.15). What to do about the damage is the caller's
// policy (recovery.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "walkv/env.h"
#include "walkv/status.h"
#include "walkv/wal_format.h"

namespace walkv::wal {

enum class DamageKind {
  kTruncatedLength,   // 1-3 bytes of a length field, then EOF: the writer died mid-frame
  kTruncatedFrame,    // a length within the maximum whose frame runs past EOF
  kZeroLength,        // a length of 0, which the writer never produces
  kLengthTooLarge,    // a length above kMaxPayloadBytes: corruption, never incompleteness
  kChecksumMismatch,  // a complete frame whose checksum fails
  kStaleSequence,     // checksum passes but the sequence is not last+1: a stale or misframed frame
  kFormatError,       // checksum and sequence pass but the payload does not decode: intact, not understood
};
std::string_view DamageKindName(DamageKind kind);

struct Damage {
  uint64_t offset = 0;  // start of the first invalid frame (the last good boundary)
  DamageKind kind = DamageKind::kChecksumMismatch;
  uint32_t length = 0;      // the frame's length field, when all 4 bytes were present
  uint64_t file_bytes = 0;  // where the file ends
  bool zero_to_eof = false;  // every byte from offset to EOF is zero
  // A later frame with a plausible length, a matching checksum and a sequence above the last good one.
  std::optional<uint64_t> next_valid_offset;
  uint64_t next_valid_sequence = 0;

  // Nothing valid follows, and the damage is what an interrupted append leaves: an incomplete frame or zeros to EOF.
  bool IsTornTail() const;
  // Valid frames follow, so this cannot be the tail.
  bool IsMidLog() const { return next_valid_offset.has_value(); }
  uint64_t dropped_bytes() const { return file_bytes - offset; }
};

class FileWindow;

class WalReader {
 public:
  enum class Event { kRecord, kDamage, kEnd };

  // file is not owned and must outlive the reader. The first frame's sequence may be anything from 1 to
  // snapshot_sequence + 1 (a log that compaction replaced begins after its snapshot, a log that it has not yet
  // replaced begins where it began, docs/recovery.md "Compaction"); every later frame's is the previous one plus 1.
  explicit WalReader(ReadableFile* file, uint64_t snapshot_sequence = 0);
  ~WalReader();
  WalReader(const WalReader&) = delete;
  WalReader& operator=(const WalReader&) = delete;

  // Advances to the next frame. kRecord: record() is valid until the next call. kDamage: damage() describes it and
  // every later call returns it again until ResumeAfterDamage(). kEnd: the log ended cleanly at a frame boundary.
  // A non-ok Status is an I/O error, never end-of-log.
  Status Next(Event* event);

  const RecordView& record() const { return record_; }
  uint64_t record_offset() const { return record_offset_; }  // of the last record returned, until the next one
  uint32_t record_length() const { return record_length_; }
  const Damage& damage() const { return damage_; }

  // Salvage: continue at damage().next_valid_offset, accepting its sequence. False if nothing valid follows.
  bool ResumeAfterDamage();

  uint64_t position() const { return position_; }  // end of the last valid frame
  uint64_t last_sequence() const { return last_sequence_; }
  uint64_t records() const { return records_; }

 private:
  bool SequenceFits(uint64_t sequence) const {
    if (sequence == last_sequence_ + 1) return true;
    return position_ == 0 && sequence >= kFirstSequence && sequence <= first_sequence_limit_;
  }
  Status Fail(DamageKind kind, uint32_t length, Event* event);
  Status ScanForward(uint64_t damage_offset);
  Status CheckZeroToEof(uint64_t from);

  std::unique_ptr<FileWindow> window_;
  uint64_t position_ = 0;
  uint64_t first_sequence_limit_;  // snapshot_sequence + 1
  uint64_t last_sequence_ = 0;
  uint64_t records_ = 0;
  uint64_t record_offset_ = 0;
  uint32_t record_length_ = 0;
  RecordView record_;
  bool damaged_ = false;
  Damage damage_;
};

}  // namespace walkv::wal
