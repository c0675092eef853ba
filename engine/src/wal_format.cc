#include "walkv/wal_format.h"

#include <isa-l/crc.h>

namespace walkv::wal {
namespace {

void PutFixed16(std::string* out, uint16_t v) { out->append(reinterpret_cast<const char*>(&v), sizeof v); }
void PutFixed32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), sizeof v); }
void PutFixed64(std::string* out, uint64_t v) { out->append(reinterpret_cast<const char*>(&v), sizeof v); }

uint32_t Crc32(const char* data, size_t n) {
  // crc32_gzip_refl is ISA-L's reflected CRC-32, the same value as zlib's crc32() (crc32_ieee is a different CRC).
  return crc32_gzip_refl(0, reinterpret_cast<const unsigned char*>(data), n);
}

}  // namespace

uint32_t FrameChecksum(const char* frame, size_t length_and_payload_bytes) {
  return Crc32(frame, length_and_payload_bytes);
}

Status AppendFrame(const RecordView& record, std::string* out) {
  if (record.key.empty() || record.key.size() > kMaxKeyBytes) {
    return Status::InvalidArgument("key must be 1 to " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  if (record.op == Op::kDel && !record.value.empty()) return Status::InvalidArgument("a DEL record has no value");
  if (record.op != Op::kPut && record.op != Op::kDel) return Status::InvalidArgument("unknown op");
  const size_t payload_bytes = kPayloadHeaderBytes + record.key.size() + record.value.size();
  if (payload_bytes > kMaxPayloadBytes) {
    return Status::InvalidArgument("record payload of " + std::to_string(payload_bytes) + " bytes exceeds the maximum " +
                                   std::to_string(kMaxPayloadBytes));
  }
  const size_t start = out->size();
  out->reserve(start + kFrameOverheadBytes + payload_bytes);
  PutFixed32(out, static_cast<uint32_t>(payload_bytes));
  PutFixed64(out, record.sequence);
  out->push_back(static_cast<char>(record.op));
  PutFixed16(out, static_cast<uint16_t>(record.key.size()));
  PutFixed32(out, static_cast<uint32_t>(record.value.size()));
  out->append(record.key);
  out->append(record.value);
  PutFixed32(out, FrameChecksum(out->data() + start, kLengthBytes + payload_bytes));
  return Status::Ok();
}

}  // namespace walkv::wal
