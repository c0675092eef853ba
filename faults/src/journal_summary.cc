// What the event journal says about each target file (docs/faults.md, "Reading the journal"): the rules are stated
// with summarize() in faultline/journal.h.
#include <algorithm>

#include <fmt/format.h>

#include "faultline/journal.h"

namespace faultline::faults {
namespace {

using Range = std::pair<std::uint64_t, std::uint64_t>;

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
  explicit Summarizer(std::map<std::string, FileHistory> initial) : files_(std::move(initial)) {}
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

std::map<std::string, FileHistory> summarize(const std::vector<Event>& events) { return summarize(events, {}); }

std::map<std::string, FileHistory> summarize(const std::vector<Event>& events,
                                             std::map<std::string, FileHistory> initial) {
  Summarizer s(std::move(initial));
  for (const Event& e : events) s.apply(e);
  return s.result();
}

}  // namespace faultline::faults
