// A crash state as files (faultline/crash_states.h): replaying the events that persisted, hashing and writing the
// tree, and the explanation of a state in words.
#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "faultline/crash_states.h"

namespace faultline::faults {
namespace {

void apply(const HistoryEvent& e, int inode, const PendingFate* fate, std::map<std::string, int>& names,
           std::vector<std::string>& content, std::set<std::string>& dirs) {
  switch (e.type) {
    case HistoryType::kCreate:
      if (inode >= 0) names[e.name] = inode;
      break;
    case HistoryType::kWrite: {
      if (inode < 0) break;
      std::string& c = content[static_cast<std::size_t>(inode)];
      const Fate f = fate != nullptr ? fate->fate : Fate::kPersisted;
      const std::uint64_t n = f == Fate::kTorn ? std::min<std::uint64_t>(fate->kept, e.data.size()) : e.data.size();
      const std::uint64_t end = e.off + n;
      if (c.size() < end) c.resize(end, '\0');
      if (f != Fate::kSizeOnly) std::copy_n(e.data.begin(), n, c.begin() + static_cast<std::ptrdiff_t>(e.off));
      break;
    }
    case HistoryType::kTruncate:
      if (inode >= 0) content[static_cast<std::size_t>(inode)].resize(e.off, '\0');
      break;
    case HistoryType::kRename:
      move_names(names, e.name, e.name2);
      if (dirs.erase(e.name) != 0) dirs.insert(e.name2);
      break;
    case HistoryType::kUnlink:
      names.erase(e.name);
      break;
    case HistoryType::kLink:
      if (auto it = names.find(e.name); it != names.end()) names[e.name2] = it->second;
      break;
    case HistoryType::kMkdir:
      dirs.insert(e.name);
      break;
    case HistoryType::kFsync:
    case HistoryType::kFdatasync:
    case HistoryType::kDirsync:
    case HistoryType::kSync:
    case HistoryType::kSyncfs:
    case HistoryType::kSyncFileRange:
      break;
  }
}

}  // namespace

// An event in words: writes and truncates say where, renames and links say both names, the rest name their file.
std::string describe_event(const History& h, std::size_t i) {
  const HistoryEvent& e = h.events[i];
  if (e.type == HistoryType::kWrite) return fmt::format("write {} [{},{}) #{}", e.name, e.off, e.off + e.data.size(), i);
  if (e.type == HistoryType::kTruncate) return fmt::format("truncate {} to {} #{}", e.name, e.off, i);
  if (e.type == HistoryType::kRename || e.type == HistoryType::kLink)
    return fmt::format("{} {} -> {} #{}", to_string(e.type), e.name, e.name2, i);
  return fmt::format("{} {} #{}", to_string(e.type), e.name, i);
}

FileTree materialize(const History& history, const std::vector<ResolvedEvent>& resolved, const CrashState& state) {
  int inodes = 0;
  for (const ResolvedEvent& r : resolved) inodes = std::max(inodes, r.inode + 1);
  std::vector<std::string> content(static_cast<std::size_t>(inodes));
  std::map<std::string, int> names;
  FileTree tree;
  auto fate = state.fates.begin();
  for (std::size_t i = 0; i < state.crash && i < history.events.size(); ++i) {
    const PendingFate* f = nullptr;
    if (fate != state.fates.end() && fate->event == i) f = &*fate++;
    if (f != nullptr && f->fate == Fate::kLost) continue;
    apply(history.events[i], resolved[i].inode, f, names, content, tree.dirs);
  }
  for (const auto& [name, inode] : names) tree.files[name] = content[static_cast<std::size_t>(inode)];
  return tree;
}

std::uint64_t content_hash(const FileTree& tree) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  auto mix = [&h](std::string_view s) {
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
    h = (h ^ 0xFF) * 0x100000001B3ULL;  // a separator no byte string can imitate by its length
    for (std::size_t n = s.size(); n != 0; n >>= 8) h = (h ^ (n & 0xFF)) * 0x100000001B3ULL;
  };
  for (const std::string& d : tree.dirs) mix("d" + d);
  for (const auto& [name, bytes] : tree.files) {
    mix("f" + name);
    mix(bytes);
  }
  return h;
}

void write_tree(const FileTree& tree, const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    throw std::runtime_error(fmt::format("crash state directory {} exists already: remove it first", dir.string()));
  }
  std::filesystem::create_directories(dir);
  for (const std::string& d : tree.dirs) std::filesystem::create_directories(dir / d);
  for (const auto& [name, bytes] : tree.files) {
    const std::filesystem::path p = dir / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error(fmt::format("cannot write crash state file {}", p.string()));
  }
}

std::string explain(const History& history, const CrashState& state) {
  std::map<std::string, std::vector<std::string>> by_fate;
  for (const PendingFate& f : state.fates) {
    std::string what = describe_event(history, f.event);
    if (f.fate == Fate::kTorn) what += fmt::format(" (first {} bytes)", f.kept);
    by_fate[to_string(f.fate)].push_back(std::move(what));
  }
  std::string out = fmt::format("crash after event #{} ({}):", state.crash, state.how);
  if (by_fate.empty()) out += " every event before it was durable";
  for (const auto& [fate, list] : by_fate) out += fmt::format(" {}: {};", fate, fmt::join(list, ", "));
  return out;
}

}  // namespace faultline::faults
