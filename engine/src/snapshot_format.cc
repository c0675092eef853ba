#include "walkv/snapshot_format.h"

#include <algorithm>
#include <vector>

#include "walkv/data_dir.h"
#include "walkv/wal_format.h"

namespace walkv::snapshot {
namespace {

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

Status Damaged(const std::string& what, size_t offset) {
  return Status::Corruption("snapshot " + what + " at offset " + std::to_string(offset));
}

}  // namespace

std::string Encode(uint64_t last_sequence, const KvMap& map) {
  std::vector<const KvMap::value_type*> entries;
  entries.reserve(map.size());
  for (const auto& entry : map) entries.push_back(&entry);
  // Sorted: the same state always gives the same bytes.
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string out(kMagic);
  Put(&out, last_sequence);
  Put(&out, static_cast<uint64_t>(entries.size()));
  for (const auto* entry : entries) {
    Put(&out, static_cast<uint16_t>(entry->first.size()));  // keys are at most wal::kMaxKeyBytes
    Put(&out, static_cast<uint32_t>(entry->second.size()));
    out += entry->first;
    out += entry->second;
  }
  Put(&out, wal::FrameChecksum(out.data(), out.size()));
  return out;
}

Status Decode(std::string_view bytes, uint64_t* last_sequence, KvMap* map) {
  if (bytes.size() < kHeaderBytes + kChecksumBytes) return Damaged("shorter than its header", bytes.size());
  const size_t body = bytes.size() - kChecksumBytes;
  if (wal::FrameChecksum(bytes.data(), body) != wal::DecodeFixed32(bytes.data() + body)) {
    return Damaged("checksum mismatch over " + std::to_string(body) + " bytes", body);
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) return Damaged("magic is not " + std::string(kMagic), 0);
  *last_sequence = wal::DecodeFixed64(bytes.data() + 8);
  const uint64_t count = wal::DecodeFixed64(bytes.data() + 16);
  size_t at = kHeaderBytes;
  for (uint64_t i = 0; i < count; ++i) {
    if (body - at < kEntryHeaderBytes) return Damaged("entry " + std::to_string(i) + " runs past the end", at);
    uint16_t key_bytes;
    std::memcpy(&key_bytes, bytes.data() + at, sizeof key_bytes);
    const uint32_t value_bytes = wal::DecodeFixed32(bytes.data() + at + 2);
    at += kEntryHeaderBytes;
    if (key_bytes == 0 || body - at < uint64_t{key_bytes} + value_bytes) {
      return Damaged("entry " + std::to_string(i) + " has lengths that do not fit", at - kEntryHeaderBytes);
    }
    map->insert_or_assign(std::string(bytes.substr(at, key_bytes)),
                          std::string(bytes.substr(at + key_bytes, value_bytes)));
    at += key_bytes + value_bytes;
  }
  if (at != body) return Damaged(std::to_string(body - at) + " bytes after the last entry", at);
  return Status::Ok();
}

Status Read(Env* env, const std::string& path, uint64_t* last_sequence, KvMap* map) {
  std::unique_ptr<ReadableFile> file;
  Status s = env->NewReadableFile(path, &file);
  if (!s.ok()) return s;
  uint64_t size = 0;
  s = env->GetFileSize(path, &size);
  if (!s.ok()) return s;
  if (size > kMaxSnapshotBytes) {
    return Status::Corruption("snapshot " + path + " is " + std::to_string(size) + " bytes, above the maximum " +
                              std::to_string(kMaxSnapshotBytes));
  }
  std::string bytes(size, '\0');
  size_t got = 0;
  s = file->ReadAt(0, bytes.size(), bytes.data(), &got);
  if (!s.ok()) return s;
  bytes.resize(got);
  s = Decode(bytes, last_sequence, map);
  return s.ok() ? s : Status::Corruption(path + ": " + s.message());
}

Status SequenceIn(Env* env, const std::string& dir, uint64_t* last_sequence) {
  KvMap ignored;
  *last_sequence = 0;
  Status s = Read(env, SnapshotPath(dir), last_sequence, &ignored);
  return s.IsNotFound() ? Status::Ok() : s;
}

}  // namespace walkv::snapshot
