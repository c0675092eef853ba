// The reader states the recovery facts; recovery.cc decides what to do with them.
//
// A frame is valid when its length is in range, the whole frame is in the file, its checksum matches, its sequence
// is the last one plus 1, and its payload decodes. The first frame that is not valid is the damage. The reader then
// looks for evidence that the damage is not the tail: a later frame whose length is plausible, whose checksum
// matches and whose sequence is above the last good one, at ANY byte offset, since a damaged length field tells
// nothing about where the next frame starts.
#include "walkv/wal_reader.h"

#include <algorithm>

#include "file_window.h"

namespace walkv::wal {
namespace {

// The scan examines this many start offsets per buffer fill; the buffer also holds one maximal frame beyond them.
constexpr size_t kScanChunkBytes = 256 << 10;
constexpr size_t kWindowBytes = kScanChunkBytes + kMaxFrameBytes;

bool ChecksumMatches(const char* frame, uint32_t length) {
  return FrameChecksum(frame, kLengthBytes + length) == DecodeFixed32(frame + kLengthBytes + length);
}

}  // namespace

std::string_view DamageKindName(DamageKind kind) {
  switch (kind) {
    case DamageKind::kTruncatedLength: return "truncated-length";
    case DamageKind::kTruncatedFrame: return "truncated-frame";
    case DamageKind::kZeroLength: return "zero-length";
    case DamageKind::kLengthTooLarge: return "length-too-large";
    case DamageKind::kChecksumMismatch: return "checksum-mismatch";
    case DamageKind::kStaleSequence: return "stale-sequence";
    case DamageKind::kFormatError: return "format-error";
  }
  return "unknown";
}

bool Damage::IsTornTail() const {
  if (IsMidLog()) return false;
  // An interrupted append leaves a prefix of a frame, or (preallocation, size-before-data) zeros to EOF.
  return kind == DamageKind::kTruncatedLength || kind == DamageKind::kTruncatedFrame || zero_to_eof;
}

WalReader::WalReader(ReadableFile* file, uint64_t snapshot_sequence)
    : window_(std::make_unique<FileWindow>(file, kWindowBytes)), first_sequence_limit_(snapshot_sequence + 1) {}
WalReader::~WalReader() = default;

Status WalReader::Next(Event* event) {
  if (damaged_) {
    *event = Event::kDamage;
    return Status::Ok();
  }
  for (;;) {
    // Replay's hot path: most frames are already buffered, so look before asking the window to read.
    std::string_view view = window_->Buffered(position_);
    Status s;
    if (view.size() < kLengthBytes && !(s = window_->Fetch(position_, kLengthBytes, &view)).ok()) return s;
    if (view.empty()) {
      *event = Event::kEnd;
      return Status::Ok();
    }
    if (view.size() < kLengthBytes) return Fail(DamageKind::kTruncatedLength, 0, event);
    const uint32_t length = DecodeFixed32(view.data());
    if (length == 0) return Fail(DamageKind::kZeroLength, 0, event);
    if (length > kMaxPayloadBytes) return Fail(DamageKind::kLengthTooLarge, length, event);  // before allocating
    const size_t frame_bytes = kFrameOverheadBytes + length;
    if (view.size() < frame_bytes && !(s = window_->Fetch(position_, frame_bytes, &view)).ok()) return s;
    if (view.size() < frame_bytes) return Fail(DamageKind::kTruncatedFrame, length, event);
    if (!ChecksumMatches(view.data(), length)) return Fail(DamageKind::kChecksumMismatch, length, event);
    const std::string_view payload = view.substr(kLengthBytes, length);
    // A checksum can match on a frame from an older log or at a misframed offset; the sequence cannot.
    if (length >= sizeof(uint64_t) && !SequenceFits(DecodeFixed64(payload.data()))) {
      return Fail(DamageKind::kStaleSequence, length, event);
    }
    if (!DecodePayload(payload, &record_).ok()) return Fail(DamageKind::kFormatError, length, event);
    record_offset_ = position_;
    record_length_ = length;
    last_sequence_ = record_.sequence;
    position_ += frame_bytes;
    ++records_;
    *event = Event::kRecord;
    return Status::Ok();
  }
}

bool WalReader::ResumeAfterDamage() {
  if (!damaged_ || !damage_.next_valid_offset) return false;
  position_ = *damage_.next_valid_offset;
  last_sequence_ = damage_.next_valid_sequence - 1;
  damaged_ = false;
  return true;
}

Status WalReader::Fail(DamageKind kind, uint32_t length, Event* event) {
  damage_ = Damage{};
  damage_.offset = position_;
  damage_.kind = kind;
  damage_.length = length;
  Status s = ScanForward(position_);
  if (s.ok()) s = CheckZeroToEof(position_);
  if (s.ok()) s = window_->FindEof(position_, &damage_.file_bytes);  // the scans may have stopped early
  if (!s.ok()) return s;
  damaged_ = true;
  *event = Event::kDamage;
  return Status::Ok();
}

Status WalReader::ScanForward(uint64_t damage_offset) {
  uint64_t chunk_start = damage_offset + 1;
  for (;;) {
    std::string_view view;
    Status s = window_->Fetch(chunk_start, kWindowBytes, &view);
    if (!s.ok()) return s;
    if (view.size() < kMinFrameBytes) return Status::Ok();
    const size_t starts = std::min(kScanChunkBytes, view.size() - kMinFrameBytes + 1);
    for (size_t i = 0; i < starts; ++i) {
      const char* p = view.data() + i;
      const uint32_t length = DecodeFixed32(p);
      if (length < kMinPayloadBytes || length > kMaxPayloadBytes) continue;
      if (i + kFrameOverheadBytes + length > view.size()) continue;  // runs past EOF
      // Frames are at least kMinFrameBytes apart, which bounds the sequence a genuine frame here can carry
      // (docs/design-notes.md §1.15: a checksum alone matches garbage once in 2^32 offsets).
      const uint64_t offset = chunk_start + i;
      const uint64_t max_sequence = last_sequence_ + 1 + (offset - damage_offset) / kMinFrameBytes;
      const uint64_t sequence = DecodeFixed64(p + kLengthBytes);
      if (sequence <= last_sequence_ || sequence > max_sequence) continue;
      if (!ChecksumMatches(p, length)) continue;
      damage_.next_valid_offset = offset;
      damage_.next_valid_sequence = sequence;
      return Status::Ok();
    }
    if (view.size() < kWindowBytes) return Status::Ok();  // every start up to EOF was examined
    chunk_start += kScanChunkBytes;
  }
}

Status WalReader::CheckZeroToEof(uint64_t from) {
  uint64_t offset = from;
  for (;;) {
    std::string_view view;
    Status s = window_->Fetch(offset, kWindowBytes, &view);
    if (!s.ok()) return s;
    if (std::any_of(view.begin(), view.end(), [](char c) { return c != 0; })) return Status::Ok();
    if (view.size() < kWindowBytes) break;
    offset += view.size();
  }
  damage_.zero_to_eof = true;
  return Status::Ok();
}

}  // namespace walkv::wal
