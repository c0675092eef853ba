// The WAL format, shared by the writer, the reader, the operator tools and the tests. docs/wal-format.md explains
// every choice; this header is the single source of the numbers.
//
// A log is a sequence of frames, nothing else (no file header, no padding):
//
//   frame   := length:u32le  payload[length]  checksum:u32le
//   payload := sequence:u64le  op:u8  key_length:u16le  value_length:u32le  key  value
//   checksum = CRC-32 (zlib/gzip polynomial, ISA-L crc32_gzip_refl) over the 4 length bytes and the payload
//
// The checksum covers the length so that an all-zero frame never validates (CRC-32 of empty input is 0). The
// sequence number starts at 1 and grows by exactly 1 per frame, so a stale or misframed frame that happens to carry
// a valid checksum is still rejected.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "walkv/status.h"

namespace walkv::wal {

inline constexpr size_t kLengthBytes = 4;
inline constexpr size_t kChecksumBytes = 4;
inline constexpr size_t kFrameOverheadBytes = kLengthBytes + kChecksumBytes;

// Payload fixed part: sequence (8) + op (1) + key length (2) + value length (4).
inline constexpr size_t kPayloadHeaderBytes = 15;
inline constexpr size_t kMaxKeyBytes = 1024;
// Largest payload the writer produces and the reader accepts; checked before any allocation.
inline constexpr uint32_t kMaxPayloadBytes = 64 * 1024;
// The smallest well-formed payload: a DEL of a one-byte key.
inline constexpr uint32_t kMinPayloadBytes = kPayloadHeaderBytes + 1;
inline constexpr size_t kMinFrameBytes = kFrameOverheadBytes + kMinPayloadBytes;
inline constexpr size_t kMaxFrameBytes = kFrameOverheadBytes + kMaxPayloadBytes;

inline constexpr uint64_t kFirstSequence = 1;

enum class Op : uint8_t { kPut = 1, kDel = 2 };

// A decoded record. The views point into the caller's buffer.
struct RecordView {
  uint64_t sequence = 0;
  Op op = Op::kPut;
  std::string_view key;
  std::string_view value;
};

inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);  // the format is little-endian, like every machine this runs on
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static_assert(std::endian::native == std::endian::little, "walkv's WAL format is little-endian");

// CRC-32 of the length field and payload as stored in a frame: frame[0, kLengthBytes + length).
uint32_t FrameChecksum(const char* frame, size_t length_and_payload_bytes);

// Appends one complete frame for record to *out. InvalidArgument if the key or value is empty where it must not be,
// or the payload would exceed kMaxPayloadBytes.
Status AppendFrame(const RecordView& record, std::string* out);

// Decodes a payload whose checksum already passed. FormatError if it does not decode exactly (unknown op, lengths
// that do not add up, a DEL with a value): an intact frame that this version cannot read. Inline: replay calls it
// for every record.
inline Status DecodePayload(std::string_view payload, RecordView* out) {
  if (payload.size() < kMinPayloadBytes) return Status::FormatError("payload shorter than the minimum");
  const char* p = payload.data();
  const uint8_t op = static_cast<uint8_t>(p[8]);
  uint16_t key_bytes;
  std::memcpy(&key_bytes, p + 9, sizeof key_bytes);
  const uint32_t value_bytes = DecodeFixed32(p + 11);
  if (op != static_cast<uint8_t>(Op::kPut) && op != static_cast<uint8_t>(Op::kDel)) {
    return Status::FormatError("unknown op");
  }
  if (key_bytes == 0 || key_bytes > kMaxKeyBytes) return Status::FormatError("key length out of range");
  if (uint64_t{kPayloadHeaderBytes} + key_bytes + value_bytes != payload.size()) {
    return Status::FormatError("key and value lengths do not add up to the payload length");
  }
  if (op == static_cast<uint8_t>(Op::kDel) && value_bytes != 0) return Status::FormatError("a DEL record has a value");
  out->sequence = DecodeFixed64(p);
  out->op = static_cast<Op>(op);
  out->key = std::string_view(p + kPayloadHeaderBytes, key_bytes);
  out->value = std::string_view(p + kPayloadHeaderBytes + key_bytes, value_bytes);
  return Status::Ok();
}

}  // namespace walkv::wal
