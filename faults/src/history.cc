// Reading the recorded history (faultline/history.h): a walk over the records the shim appended (history_format.h).
#include "faultline/history.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace faultline::faults {
namespace {

namespace h = faultline::history;

std::uint64_t u64_at(std::string_view bytes, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

[[noreturn]] void bad(std::uint64_t at, std::string_view field, const std::string& what) {
  throw std::invalid_argument(fmt::format("recorded history: byte {}: field '{}': {}", at, field, what));
}

h::RecordHeader header_at(std::string_view bytes, std::size_t at) {
  h::RecordHeader r{};
  std::memcpy(&r, bytes.data() + at, sizeof r);  // little-endian hosts only (the shim writes host order)
  return r;
}

}  // namespace

const char* to_string(HistoryType type) {
  switch (type) {
    case HistoryType::kCreate: return "create";
    case HistoryType::kWrite: return "write";
    case HistoryType::kTruncate: return "truncate";
    case HistoryType::kRename: return "rename";
    case HistoryType::kUnlink: return "unlink";
    case HistoryType::kFsync: return "fsync";
    case HistoryType::kFdatasync: return "fdatasync";
    case HistoryType::kDirsync: return "dirsync";
    case HistoryType::kMkdir: return "mkdir";
    case HistoryType::kLink: return "link";
    case HistoryType::kSync: return "sync";
    case HistoryType::kSyncfs: return "syncfs";
    case HistoryType::kSyncFileRange: return "sync_file_range";
  }
  return "?";
}

History parse_history(std::string_view bytes) {
  if (bytes.size() < h::kHeaderSize || std::memcmp(bytes.data(), h::kMagic, sizeof h::kMagic) != 0) {
    bad(0, "magic", "not a recorded history (expected \"faultline-hist1\" in the first 16 bytes)");
  }
  History out;
  out.dropped = u64_at(bytes, h::kDroppedAt);
  std::uint64_t end = u64_at(bytes, h::kEndAt);
  if (end < h::kHeaderSize) bad(h::kEndAt, "end", fmt::format("{} is below the header size {}", end, h::kHeaderSize));
  if (end > bytes.size()) end = bytes.size();  // reserved past what is stored: the tail was dropped
  std::uint64_t at = h::kHeaderSize;
  while (at + sizeof(h::RecordHeader) <= end) {
    const h::RecordHeader r = header_at(bytes, at);
    if (r.size == 0) {
      out.truncated = true;
      break;
    }
    if (r.size % 8 != 0 || r.size < sizeof r || at + r.size > end) {
      bad(at, "size", fmt::format("{} is not a record size inside the history (end {})", r.size, end));
    }
    if (r.committed == 0) {
      ++out.cut_records;
      at += r.size;
      continue;
    }
    if (r.type < 1 || r.type > static_cast<std::uint8_t>(HistoryType::kSyncFileRange)) {
      bad(at, "type", fmt::format("unknown record type {}", r.type));
    }
    HistoryEvent e;
    e.type = static_cast<HistoryType>(r.type);
    const std::uint64_t data = e.type == HistoryType::kWrite ? r.len : 0;
    if (h::record_size(r.name_len, r.name2_len, data) != r.size) {
      bad(at, "size", fmt::format("{} does not match names of {} and {} bytes and {} data bytes", r.size, r.name_len,
                                  r.name2_len, data));
    }
    e.pid = r.pid;
    e.step = r.step;
    e.ino = r.ino;
    e.off = r.off;
    e.len = r.len;
    std::size_t p = at + sizeof r;
    e.name.assign(bytes.substr(p, r.name_len));
    e.name2.assign(bytes.substr(p += r.name_len, r.name2_len));
    e.data.assign(bytes.substr(p + r.name2_len, data));
    out.events.push_back(std::move(e));
    at += r.size;
  }
  return out;
}

History read_history(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read the recorded history {}", file.string()));
  // The file is as long as the shim's window (sparse): read the header, then only the bytes up to `end`.
  std::string bytes(h::kHeaderSize, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.size() == h::kHeaderSize) {
    const std::uint64_t end = std::min<std::uint64_t>(u64_at(bytes, h::kEndAt), h::kMaxHistory);
    if (end > h::kHeaderSize) {
      bytes.resize(end, '\0');
      in.read(bytes.data() + h::kHeaderSize, static_cast<std::streamsize>(end - h::kHeaderSize));
      bytes.resize(h::kHeaderSize + static_cast<std::size_t>(in.gcount()));
    }
  }
  try {
    return parse_history(bytes);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("{}: {}", file.string(), e.what()));
  }
}

std::string encode_history(const std::vector<HistoryEvent>& events) {
  std::string out(h::kHeaderSize, '\0');
  std::memcpy(out.data(), h::kMagic, sizeof h::kMagic);
  for (const HistoryEvent& e : events) {
    const std::uint64_t data = e.type == HistoryType::kWrite ? e.data.size() : 0;
    h::RecordHeader r{};
    r.size = static_cast<std::uint32_t>(h::record_size(e.name.size(), e.name2.size(), data));
    r.type = static_cast<std::uint8_t>(e.type);
    r.committed = 1;
    r.name_len = static_cast<std::uint16_t>(e.name.size());
    r.name2_len = static_cast<std::uint16_t>(e.name2.size());
    r.pid = e.pid;
    r.step = e.step;
    r.ino = e.ino;
    r.off = e.off;
    r.len = e.type == HistoryType::kWrite ? data : e.len;
    const std::size_t at = out.size();
    out.resize(at + r.size, '\0');
    std::memcpy(out.data() + at, &r, sizeof r);
    std::memcpy(out.data() + at + sizeof r, e.name.data(), e.name.size());
    std::memcpy(out.data() + at + sizeof r + e.name.size(), e.name2.data(), e.name2.size());
    std::memcpy(out.data() + at + sizeof r + e.name.size() + e.name2.size(), e.data.data(), data);
  }
  const std::uint64_t end = out.size();
  for (int i = 0; i < 8; ++i) out[h::kEndAt + static_cast<std::size_t>(i)] = static_cast<char>(end >> (8 * i));
  return out;
}

}  // namespace faultline::faults
