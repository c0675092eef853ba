// Persistence models (faultline/persistence.h, docs/persistence.md): the rule table, the resolution of a recorded
// history to model inodes, and the one pass that finds the barrier that made each event durable.
#include "faultline/persistence.h"

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

namespace faultline::faults {
namespace {

std::string parent_of(const std::string& name) {
  const auto slash = name.rfind('/');
  return slash == std::string::npos ? "." : name.substr(0, slash);
}

struct Replay {  // the full history applied, for resolution
  std::map<std::string, int> names;
  std::map<std::uint64_t, int> by_ino;  // the shim's st_ino -> the model inode it names now
  std::vector<std::uint64_t> size;
  int fresh() {
    size.push_back(0);
    return static_cast<int>(size.size()) - 1;
  }
  int of_ino(std::uint64_t ino) {
    if (ino == 0) return -1;
    auto [it, added] = by_ino.try_emplace(ino, -1);
    if (added) it->second = fresh();  // a file opened before the recording started: no name the model knows
    return it->second;
  }
  int of_name(const std::string& name) const {
    const auto it = names.find(name);
    return it == names.end() ? -1 : it->second;
  }
};

}  // namespace

void move_names(std::map<std::string, int>& names, const std::string& from, const std::string& to) {
  std::map<std::string, int> moved;
  for (auto it = names.begin(); it != names.end();) {
    const std::string& n = it->first;
    if (n == from || (n.size() > from.size() && n.compare(0, from.size(), from) == 0 && n[from.size()] == '/')) {
      moved[to + n.substr(from.size())] = it->second;
      it = names.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [n, inode] : moved) names[n] = inode;
}

const std::vector<PersistenceModel>& persistence_models() {
  static const std::vector<PersistenceModel> models = {
      {.name = "posix",
       .summary = "the weakest legal behaviour: names durable only by their directory's fsync, any subset of pending "
                  "writes, torn per 512-byte sector, sizes without data",
       .file_sync_commits_metadata = false,
       .dir_sync_commits_metadata = false,
       .metadata_in_order = false,
       .rename_replace_orders_data = false,
       .size_without_data = true,
       .sector = 512},
      {.name = "ext4-ordered",
       .summary = "ext4 data=ordered (the default mount): one metadata journal committed by fsync, metadata in order, "
                  "rename over a file ordered after its data (auto_da_alloc), 4 KiB blocks",
       .file_sync_commits_metadata = true,
       .dir_sync_commits_metadata = true,
       .metadata_in_order = true,
       .rename_replace_orders_data = true,
       .size_without_data = false,
       .sector = 4096},
      {.name = "xfs",
       .summary = "xfs: one metadata log forced by fsync, metadata in order, no ordering of a rename after data, "
                  "size only after data, 4 KiB blocks",
       .file_sync_commits_metadata = true,
       .dir_sync_commits_metadata = true,
       .metadata_in_order = true,
       .rename_replace_orders_data = false,
       .size_without_data = false,
       .sector = 4096},
  };
  return models;
}

const PersistenceModel& persistence_model(std::string_view name) {
  std::string known;
  for (const PersistenceModel& m : persistence_models()) {
    if (m.name == name) return m;
    known += fmt::format("{}{}", known.empty() ? "" : ", ", m.name);
  }
  throw std::invalid_argument(fmt::format("unknown persistence model '{}' (known: {}, or all)", name, known));
}

EventClass event_class(HistoryType type) {
  switch (type) {
    case HistoryType::kWrite: return EventClass::kData;
    case HistoryType::kCreate:
    case HistoryType::kTruncate:
    case HistoryType::kRename:
    case HistoryType::kUnlink:
    case HistoryType::kMkdir:
    case HistoryType::kLink: return EventClass::kMetadata;
    case HistoryType::kFsync:
    case HistoryType::kFdatasync:
    case HistoryType::kDirsync:
    case HistoryType::kSync:
    case HistoryType::kSyncfs: return EventClass::kBarrier;
    case HistoryType::kSyncFileRange: return EventClass::kNone;
  }
  return EventClass::kNone;
}

std::vector<ResolvedEvent> resolve_history(const History& history) {
  Replay r;
  std::vector<ResolvedEvent> out(history.events.size());
  for (std::size_t i = 0; i < history.events.size(); ++i) {
    const HistoryEvent& e = history.events[i];
    ResolvedEvent& o = out[i];
    switch (e.type) {
      case HistoryType::kCreate:
        o.inode = r.fresh();
        if (e.ino != 0) r.by_ino[e.ino] = o.inode;
        r.names[e.name] = o.inode;
        o.dirs = {parent_of(e.name)};
        break;
      case HistoryType::kWrite:
        o.inode = r.of_ino(e.ino);
        if (o.inode < 0) break;
        o.grows = e.off + e.data.size() > r.size[static_cast<std::size_t>(o.inode)];
        r.size[static_cast<std::size_t>(o.inode)] = std::max(r.size[static_cast<std::size_t>(o.inode)], e.off + e.data.size());
        break;
      case HistoryType::kTruncate:
        o.inode = e.ino != 0 ? r.of_ino(e.ino) : r.of_name(e.name);
        if (o.inode >= 0) r.size[static_cast<std::size_t>(o.inode)] = e.off;
        break;
      case HistoryType::kRename:
        o.inode = r.of_name(e.name);
        o.replaces = r.of_name(e.name2) >= 0;
        o.dirs = {parent_of(e.name)};
        if (parent_of(e.name2) != o.dirs[0]) o.dirs.push_back(parent_of(e.name2));
        move_names(r.names, e.name, e.name2);
        break;
      case HistoryType::kUnlink:
        o.inode = r.of_name(e.name);
        o.dirs = {parent_of(e.name)};
        r.names.erase(e.name);
        break;
      case HistoryType::kLink:
        o.inode = r.of_name(e.name);
        o.dirs = {parent_of(e.name2)};
        if (o.inode >= 0) r.names[e.name2] = o.inode;
        break;
      case HistoryType::kMkdir:
        o.dirs = {parent_of(e.name)};
        break;
      case HistoryType::kFsync:
      case HistoryType::kFdatasync:
      case HistoryType::kSyncFileRange:
        o.inode = r.of_ino(e.ino);
        break;
      case HistoryType::kDirsync:
      case HistoryType::kSync:
      case HistoryType::kSyncfs:
        break;
    }
  }
  return out;
}

namespace {

bool names_dir(const ResolvedEvent& r, const std::string& dir) {
  return std::find(r.dirs.begin(), r.dirs.end(), dir) != r.dirs.end();
}

struct Pass {
  const History& history;
  const std::vector<ResolvedEvent>& resolved;
  const PersistenceModel& model;
  std::vector<std::size_t> out;
  std::vector<std::size_t> pending;                      // data and metadata events not yet durable
  std::map<std::size_t, std::vector<std::string>> waits;  // posix: a pending name's directories not yet synced
  std::map<int, bool> meta_dirty;                         // inode: metadata changed since its last sync

  EventClass cls(std::size_t i) const { return event_class(history.events[i].type); }
  int inode(std::size_t i) const { return resolved[i].inode; }

  // Marks the pending events `covered` says are durable as made durable by barrier b.
  template <typename Covered>
  void settle(std::size_t b, Covered covered) {
    std::erase_if(pending, [&](std::size_t p) {
      if (!covered(p)) return false;
      out[p] = b;
      return true;
    });
  }

  void file_sync(std::size_t b) {
    const int x = inode(b);
    const bool commit = model.file_sync_commits_metadata && meta_dirty[x];
    settle(b, [&](std::size_t p) {
      const bool own = inode(p) == x && (cls(p) == EventClass::kData || history.events[p].type == HistoryType::kTruncate);
      return own || (commit && cls(p) == EventClass::kMetadata);
    });
    meta_dirty[x] = false;
  }

  void dir_sync(std::size_t b) {
    const std::string& dir = history.events[b].name;
    if (model.dir_sync_commits_metadata) {
      const bool dirty = std::any_of(pending.begin(), pending.end(), [&](std::size_t p) {
        return cls(p) == EventClass::kMetadata && names_dir(resolved[p], dir);
      });
      if (dirty) settle(b, [&](std::size_t p) { return cls(p) == EventClass::kMetadata; });
      return;
    }
    settle(b, [&](std::size_t p) {
      auto it = waits.find(p);
      if (it == waits.end()) return false;
      std::erase(it->second, dir);
      if (!it->second.empty()) return false;
      waits.erase(it);
      return true;
    });
  }

  // A rename over a file that barrier b made durable carries the renamed file's earlier writes with it.
  void order_replacing_renames(std::size_t b) {
    for (std::size_t r = 0; r < b; ++r) {
      if (out[r] != b || history.events[r].type != HistoryType::kRename || !resolved[r].replaces) continue;
      settle(b, [&](std::size_t p) { return p < r && cls(p) == EventClass::kData && inode(p) == inode(r); });
    }
  }

  void step(std::size_t i) {
    const EventClass c = cls(i);
    if (c == EventClass::kData || c == EventClass::kMetadata) {
      pending.push_back(i);
      if (c == EventClass::kMetadata && !resolved[i].dirs.empty()) waits[i] = resolved[i].dirs;
      if (inode(i) >= 0 && (c == EventClass::kMetadata || resolved[i].grows)) meta_dirty[inode(i)] = true;
      return;
    }
    if (c != EventClass::kBarrier) return;
    out[i] = i;
    const HistoryType t = history.events[i].type;
    if (t == HistoryType::kFsync || t == HistoryType::kFdatasync) {
      file_sync(i);
    } else if (t == HistoryType::kDirsync) {
      dir_sync(i);
    } else {  // sync, syncfs: everything
      settle(i, [](std::size_t) { return true; });
      waits.clear();
    }
    if (model.rename_replace_orders_data) order_replacing_renames(i);
  }
};

}  // namespace

std::vector<std::size_t> durable_by(const History& history, const std::vector<ResolvedEvent>& resolved,
                                    const PersistenceModel& model) {
  Pass pass{history, resolved, model, std::vector<std::size_t>(history.events.size(), kNeverDurable), {}, {}, {}};
  for (std::size_t i = 0; i < history.events.size(); ++i) pass.step(i);
  return pass.out;
}

}  // namespace faultline::faults
