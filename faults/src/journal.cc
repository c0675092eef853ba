// Event journal v1 (docs/fault-plan.md): reading it back, and what it says about each target file.
#include "faultline/journal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace faultline::faults {
namespace {

using Range = std::pair<std::uint64_t, std::uint64_t>;

[[noreturn]] void malformed(const std::filesystem::path& path, std::size_t line, const std::string& what) {
  throw std::runtime_error(fmt::format("{}:{}: malformed journal line: {}", path.string(), line, what));
}

std::int64_t int_field(const nlohmann::ordered_json& j, const char* key, std::int64_t fallback,
                       const std::filesystem::path& path, std::size_t line) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_number_integer()) malformed(path, line, fmt::format("field '{}' must be an integer", key));
  return it->get<std::int64_t>();
}

std::string string_field(const nlohmann::ordered_json& j, const char* key, const std::filesystem::path& path,
                         std::size_t line) {
  const auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_string()) malformed(path, line, fmt::format("field '{}' must be a string", key));
  return it->get<std::string>();
}

std::uint64_t u64(std::int64_t v) { return v > 0 ? static_cast<std::uint64_t>(v) : 0; }

std::uint64_t raw_u64(const Event& e, const char* key) {
  const auto it = e.raw.find(key);
  return it != e.raw.end() && it->is_number_integer() ? u64(it->get<std::int64_t>()) : 0;
}

std::int64_t raw_i64(const Event& e, const char* key) {
  const auto it = e.raw.find(key);
  return it != e.raw.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

bool raw_bool(const Event& e, const char* key) {
  const auto it = e.raw.find(key);
  return it != e.raw.end() && it->is_boolean() && it->get<bool>();
}

std::string raw_string(const Event& e, const char* key) {
  const auto it = e.raw.find(key);
  return it != e.raw.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Removes [from, to) from a list of ranges.
void subtract(std::vector<Range>& ranges, std::uint64_t from, std::uint64_t to) {
  if (from >= to) return;
  std::vector<Range> out;
  for (const auto& [lo, hi] : ranges) {
    if (hi <= from || lo >= to) {
      out.emplace_back(lo, hi);
      continue;
    }
    if (lo < from) out.emplace_back(lo, from);
    if (hi > to) out.emplace_back(to, hi);
  }
  ranges = std::move(out);
}

std::string parent_of(const std::string& rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string::npos ? "." : rel.substr(0, slash);
}

class Summarizer {
 public:
  void apply(const Event& e) {
    if (e.ev == "open") on_open(e);
    else if (e.ev == "write") on_write(e);
    else if (e.ev == "fault") on_fault(e);
    else if (e.ev == "truncate") on_truncate(e);
    else if (e.ev == "sync") on_sync(e);
    else if (e.ev == "dirsync") on_dirsync(e);
    else if (e.ev == "rename") on_rename(e);
    else if (e.ev == "unlink") on_unlink(e);
    else if (e.ev == "untracked") on_untracked(e);
  }

  std::map<std::string, FileHistory> result() { return std::move(files_); }

 private:
  FileHistory& get(const std::string& name) {
    auto [it, inserted] = files_.try_emplace(name);
    if (inserted) it->second.file = name;
    return it->second;
  }

  void on_open(const Event& e) {
    const bool seen = files_.contains(e.file) && files_.at(e.file).exists;
    FileHistory& h = get(e.file);
    const std::uint64_t size = u64(e.size);
    if (raw_bool(e, "created")) {
      h = FileHistory{};
      h.file = e.file;
      h.created = true;
      h.size = size;
      return;
    }
    if (!seen) {  // existed before the journal began (or reappeared): durable as found
      h.exists = true;
      h.size = h.synced_size = size;
      return;
    }
    if (size > h.size) {
      h.anomalies.push_back(fmt::format("open by pid {} found {} bytes, the journal explains {}", e.pid, size, h.size));
    }
    if (size != h.size) shrink_or_grow(h, size);
  }

  // The file changed between processes (a truncating open, or the harness applied power loss or damage).
  static void shrink_or_grow(FileHistory& h, std::uint64_t size) {
    h.size = size;
    h.synced_size = std::min(h.synced_size, size);
    subtract(h.lost, size, UINT64_MAX);
  }

  void on_write(const Event& e) {
    FileHistory& h = get(e.file);
    ++h.write_calls;
    const Event* fault = nullptr;
    const auto key = std::make_pair(e.pid, e.fd);
    if (const auto it = pending_.find(key); it != pending_.end()) {
      if (it->second->off == e.off && it->second->len == e.len) fault = it->second;
      pending_.erase(it);
    }
    const std::uint64_t off = u64(e.off);
    const std::uint64_t len = u64(e.len);
    std::uint64_t end = off;
    bool data_landed = e.ret > 0;
    if (e.ret > 0) {
      h.writes.emplace_back(off, static_cast<std::uint64_t>(e.ret));
      h.bytes_written += static_cast<std::uint64_t>(e.ret);
      end = off + static_cast<std::uint64_t>(e.ret);
    }
    if (fault != nullptr) land_fault(h, *fault, e, len, end, data_landed);
    h.size = std::max(h.size, end);
    if (data_landed) subtract(h.lost, off, end);
  }

  // What a fault journaled before a write event changed about what that write did to the file.
  void land_fault(FileHistory& h, const Event& fault, const Event& e, std::uint64_t len, std::uint64_t& end,
                  bool& data_landed) {
    const std::uint64_t off = u64(e.off);
    switch (fault.kind) {
      case FaultKind::kLostWrite:
        data_landed = false;  // the size grew (zeros), the bytes did not arrive
        break;
      case FaultKind::kMisdirectedWrite: {
        data_landed = false;
        const std::int64_t at = e.off + raw_i64(fault, "shift");
        if (at >= 0 && e.ret > 0) {
          end = std::max(end, static_cast<std::uint64_t>(at) + len);
          subtract(h.lost, static_cast<std::uint64_t>(at), static_cast<std::uint64_t>(at) + len);
        }
        break;
      }
      case FaultKind::kWriteError: {
        const std::uint64_t wrote = raw_u64(fault, "wrote");
        end = std::max(end, off + wrote);
        subtract(h.lost, off, off + wrote);
        break;
      }
      case FaultKind::kShortWrite:     // the write event itself says what landed
      case FaultKind::kBitflipWrite:
      case FaultKind::kCrash:          // never pending: handled in on_fault
      case FaultKind::kFsyncError:
      case FaultKind::kBitflipRead:
      case FaultKind::kReadError:
      case FaultKind::kPowerLoss:      // not in journals: parse_journal refuses them
      case FaultKind::kAtRest:
        break;
    }
  }

  void on_fault(const Event& e) {
    FileHistory& h = get(e.file);
    switch (e.kind) {
      case FaultKind::kCrash: {
        const std::uint64_t wrote = raw_u64(e, "wrote");
        if (wrote > 0) {
          h.size = std::max(h.size, u64(e.off) + wrote);
          h.bytes_written += wrote;
          subtract(h.lost, u64(e.off), u64(e.off) + wrote);
        }
        break;
      }
      case FaultKind::kFsyncError: {
        const std::uint64_t from = raw_u64(e, "lost_from"), to = raw_u64(e, "lost_to");
        if (to > from) {
          subtract(h.lost, from, to);  // keep the list disjoint
          h.lost.emplace_back(from, to);
          std::sort(h.lost.begin(), h.lost.end());
        }
        break;
      }
      case FaultKind::kReadError:
      case FaultKind::kBitflipRead:
        break;
      case FaultKind::kShortWrite:  // the write event that follows says what it did
      case FaultKind::kBitflipWrite:
      case FaultKind::kWriteError:
      case FaultKind::kLostWrite:
      case FaultKind::kMisdirectedWrite:
      case FaultKind::kPowerLoss:
      case FaultKind::kAtRest:
        pending_[std::make_pair(e.pid, e.fd)] = &e;
        break;
    }
  }

  void on_truncate(const Event& e) {
    if (e.ret != 0) return;
    FileHistory& h = get(e.file);
    shrink_or_grow(h, u64(e.size));
  }

  void on_sync(const Event& e) {
    if (e.ret != 0 || raw_string(e, "fn") == "sync_file_range") return;
    FileHistory& h = get(e.file);
    const std::uint64_t size = u64(e.size);
    if (size != h.size) {
      h.anomalies.push_back(fmt::format("{} by pid {} saw {} bytes, the journal explains {}",
                                        raw_string(e, "fn").empty() ? "sync" : raw_string(e, "fn"), e.pid, size,
                                        h.size));
      h.size = size;
    }
    h.synced_size = size;
  }

  void on_dirsync(const Event& e) {
    if (e.ret != 0) return;
    const std::string dir = e.file.empty() ? "." : e.file;
    for (auto& [name, h] : files_) {
      if (h.exists && parent_of(name) == dir) h.dir_synced_after_create = true;
    }
  }

  void on_rename(const Event& e) {
    if (e.ret != 0) return;
    const std::string from = raw_string(e, "from"), to = raw_string(e, "to");
    const bool to_inside = !to.empty() && to.front() != '/';
    FileHistory moved;
    const bool known = files_.contains(from) && files_.at(from).exists;
    if (known) {
      moved = files_.at(from);
      FileHistory& gone = files_.at(from);
      gone = FileHistory{};
      gone.file = from;
      gone.exists = false;
    }
    if (!to_inside) return;
    const bool replaced = files_.contains(to) && files_.at(to).exists;
    const bool durable_name = replaced && (!files_.at(to).created || files_.at(to).dir_synced_after_create);
    if (!known) {
      moved = FileHistory{};
      moved.anomalies.push_back(fmt::format("renamed by pid {} from '{}', which the shim did not follow", e.pid, from));
    }
    moved.file = to;
    moved.exists = true;
    if (durable_name) {
      moved.created = false;  // the name existed durably before; only its content changed
    } else {
      moved.created = true;  // a new name: not durable until its directory is synced
      moved.dir_synced_after_create = false;
    }
    files_[to] = std::move(moved);
  }

  void on_unlink(const Event& e) {
    if (e.ret != 0) return;
    FileHistory& h = get(e.file);
    h.exists = false;
    h.size = h.synced_size = 0;
    h.lost.clear();
  }

  void on_untracked(const Event& e) {
    FileHistory& h = get(e.file);
    h.untracked = true;
    const std::string why = raw_string(e, "why");
    h.untracked_calls.push_back(why.empty() ? raw_string(e, "fn") : fmt::format("{}: {}", raw_string(e, "fn"), why));
  }

  std::map<std::string, FileHistory> files_;
  std::map<std::pair<std::int64_t, std::int64_t>, const Event*> pending_;  // (pid, fd) -> fault of the next write
};

}  // namespace

namespace {

constexpr std::string_view kHeaderPrefix = "{\"ev\":\"journal\", \"end\":\"";
constexpr std::size_t kHeaderLen = kHeaderPrefix.size() + 8 + 3;

// `end` from a header at the start of `head`, if it has one.
std::optional<std::size_t> header_end(std::string_view head) {
  if (head.size() < kHeaderLen || head.substr(0, kHeaderPrefix.size()) != kHeaderPrefix) return std::nullopt;
  std::size_t end = 0;
  for (char c : head.substr(kHeaderPrefix.size(), 8)) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    end = end << 4 | static_cast<std::size_t>(d);
  }
  return end;
}

// `end` from the header of the journal open at fd, if it has one.
std::optional<std::size_t> read_header_end(int fd) {
  char head[kHeaderLen];
  const ssize_t got = ::pread(fd, head, kHeaderLen, 0);
  return got > 0 ? header_end(std::string_view(head, static_cast<std::size_t>(got))) : std::nullopt;
}

}  // namespace

JournalText read_journal_text(const std::filesystem::path& path) {
  JournalText out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return out;
    throw std::runtime_error(fmt::format("{}: cannot read the journal: {}", path.string(), std::strerror(errno)));
  }
  // Read up to `end` when there is a header: a file of the shim's window size is mostly zeros.
  std::size_t want = 0;
  const auto end = read_header_end(fd);
  if (end) {
    want = *end;
  } else {
    struct stat st {};
    if (::fstat(fd, &st) == 0) want = static_cast<std::size_t>(st.st_size);
  }
  out.raw.resize(want);
  std::size_t have = 0;
  while (have < want) {
    const ssize_t r = ::pread(fd, out.raw.data() + have, want - have, static_cast<off_t>(have));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    have += static_cast<std::size_t>(r);
  }
  ::close(fd);
  out.raw.resize(have);
  const std::string_view raw(out.raw);
  std::size_t number = 0;
  for (std::size_t from = end ? kHeaderLen : 0; from < raw.size();) {
    // Zero bytes are reserved space whose writer never copied its line: skip them, and drop any text they cut short.
    if (raw[from] == '\0') {
      ++from;
      continue;
    }
    const std::size_t stop = raw.find_first_of(std::string_view("\n\0", 2), from);
    if (stop == std::string_view::npos) break;  // unterminated: still being written, or torn by a kill
    if (raw[stop] == '\n') out.lines.push_back({raw.substr(from, stop - from), stop + 1, ++number + (end ? 1 : 0)});
    from = stop + 1;
  }
  return out;
}

JournalWatch::~JournalWatch() {
  if (head_ != nullptr) ::munmap(const_cast<char*>(head_), kHeaderLen);
  if (fd_ >= 0) ::close(fd_);
}

std::size_t JournalWatch::length() {
  if (head_ != nullptr) {
    char digits[kHeaderLen];
    std::memcpy(digits, head_, kHeaderLen);  // one snapshot: the shim updates the digits with one 8-byte CAS
    return header_end(std::string_view(digits, kHeaderLen)).value_or(0);
  }
  if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return 0;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return 0;
  const auto end = read_header_end(fd_);
  if (!end) return static_cast<std::size_t>(st.st_size);
  // A file with the header is soon the shim's window long (it grows the file before writing lines); once its first
  // page is backed it stays so: journals are only cut by seal_journal(), once their writers are gone.
  if (static_cast<std::size_t>(st.st_size) >= 4096) {
    if (void* map = ::mmap(nullptr, kHeaderLen, PROT_READ, MAP_SHARED, fd_, 0); map != MAP_FAILED)
      head_ = static_cast<const char*>(map);
  }
  return *end;
}

void seal_journal(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  if (const auto end = read_header_end(fd); end && ::ftruncate(fd, static_cast<off_t>(*end)) != 0) {
    // Leave it: readers stop at `end` anyway.
  }
  ::close(fd);
}

std::vector<Event> read_journal(const std::filesystem::path& path) { return parse_journal(read_journal_text(path), path); }

std::vector<Event> parse_journal(const JournalText& journal, const std::filesystem::path& path) {
  std::vector<Event> events;
  for (const auto& jl : journal.lines) {
    const std::size_t line = jl.number;
    if (jl.text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::ordered_json j;
    try {
      j = nlohmann::ordered_json::parse(jl.text);
    } catch (const nlohmann::json::parse_error& err) {
      malformed(path, line, fmt::format("not JSON ({})", err.what()));
    }
    if (!j.is_object()) malformed(path, line, "not a JSON object");
    Event e;
    e.ev = string_field(j, "ev", path, line);
    if (e.ev.empty()) malformed(path, line, "missing string field 'ev'");
    if (!j.contains("pid")) malformed(path, line, "missing field 'pid'");
    e.pid = int_field(j, "pid", 0, path, line);
    e.file = string_field(j, "file", path, line);
    e.fd = int_field(j, "fd", -1, path, line);
    e.off = int_field(j, "off", -1, path, line);
    e.len = int_field(j, "len", -1, path, line);
    e.ret = int_field(j, "ret", 0, path, line);
    e.size = int_field(j, "size", -1, path, line);
    if (e.ev == "fault") {
      const std::string kind = string_field(j, "kind", path, line);
      if (kind.empty()) malformed(path, line, "fault event without 'kind'");
      if (!parse_fault_kind(kind.c_str(), &e.kind) || !shim_injects(e.kind))
        malformed(path, line, fmt::format("fault event of unknown kind '{}'", kind));
    }
    e.raw = std::move(j);
    events.push_back(std::move(e));
  }
  return events;
}

std::map<std::string, FileHistory> summarize(const std::vector<Event>& events) {
  Summarizer s;
  for (const Event& e : events) s.apply(e);
  return s.result();
}

std::vector<Event> fired_faults(const std::vector<Event>& events) {
  std::vector<Event> out;
  std::copy_if(events.begin(), events.end(), std::back_inserter(out), [](const Event& e) { return e.ev == "fault"; });
  return out;
}

}  // namespace faultline::faults
