// Bypass detection: target files whose existence or size the journal cannot explain.
//
// The shim sees only calls that go through the dynamic symbol table. A static binary, a raw syscall(), io_uring,
// stores through a shared mapping and stdio's internal writes change files without a journal line. After a run
// (and before power loss is applied) every target file on disk must match its summary: same existence, same size.
// Each mismatch, each `untracked` event and each size the shim saw that the writes cannot explain becomes one
// message that names the file, what was seen, and the likely cause.
#include <fnmatch.h>

#include <algorithm>

#include <fmt/format.h>

#include "faultline/storage.h"

namespace faultline::faults {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCauses =
    "written without the shim: stdio fwrite/fprintf, a shared writable mmap, io_uring, a raw syscall(), a static "
    "binary, or a child exec'd under `exec drop`";

bool matches(const std::vector<std::string>& globs, const std::string& rel) {
  if (globs.empty()) return true;
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return ::fnmatch(g.c_str(), rel.c_str(), 0) == 0; });
}

}  // namespace

std::vector<std::string> detect_bypass(const fs::path& data_dir, const std::map<std::string, FileHistory>& histories,
                                       const std::vector<std::string>& target_globs,
                                       const std::map<std::string, std::string>& left_out) {
  std::vector<std::string> messages;
  for (const auto& [name, h] : histories) {
    for (const std::string& call : h.untracked_calls) {
      messages.push_back(fmt::format("{}: the shim saw a call it cannot follow ({}); the file's size, record "
                                     "boundaries and durability in the journal cannot be trusted",
                                     name, call));
    }
    if (h.untracked && h.untracked_calls.empty()) {
      messages.push_back(fmt::format("{}: the shim saw a call it cannot follow; the journal cannot be trusted", name));
    }
    for (const std::string& anomaly : h.anomalies) {
      messages.push_back(fmt::format("{}: {}: {}", name, anomaly, kCauses));
    }
    const fs::path path = data_dir / name;
    std::error_code ec;
    const bool on_disk = fs::is_regular_file(path, ec);
    if (h.exists && !on_disk) {
      messages.push_back(fmt::format("{}: the journal says it exists ({} bytes) but it is missing on disk: removed "
                                     "without the shim (a raw syscall, a static binary, or a process without it)",
                                     name, h.size));
    } else if (!h.exists && on_disk) {
      messages.push_back(fmt::format("{}: the journal says it was unlinked or renamed away, but it exists on disk "
                                     "({} bytes): {}",
                                     name, fs::file_size(path, ec), kCauses));
    } else if (h.exists && on_disk) {
      const std::uint64_t size = fs::file_size(path, ec);
      if (!ec && size != h.size) {
        messages.push_back(fmt::format("{}: {} bytes on disk, the journal explains {}: {}", name, size, h.size,
                                       size > h.size ? kCauses : "shrunk without the shim (a raw syscall, a static "
                                                                 "binary, or a process without the shim)"));
      }
    }
  }
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) return messages;
  for (auto it = fs::recursive_directory_iterator(data_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    // Lexically: the iterator's paths start with data_dir (fs::relative would resolve every component's symlinks).
    const std::string rel = it->path().lexically_relative(data_dir).generic_string();
    if (histories.contains(rel) || left_out.contains(rel) || !matches(target_globs, rel)) continue;
    messages.push_back(fmt::format("{}: exists on disk ({} bytes) but the journal never saw it: created by a process "
                                   "that did not load the shim (a static binary, a child under `exec drop`), through "
                                   "a path outside target_dir, or by a raw syscall",
                                   rel, it->file_size(ec)));
  }
  return messages;
}

std::map<std::string, FileHistory> existing_files(const fs::path& data_dir, const std::vector<std::string>& target_globs,
                                                  const std::map<std::string, std::string>& left_out) {
  std::map<std::string, FileHistory> out;
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(data_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = it->path().lexically_relative(data_dir).generic_string();
    if (left_out.contains(rel) || !matches(target_globs, rel)) continue;
    FileHistory& h = out[rel];
    h.file = rel;
    h.size = h.synced_size = it->file_size(ec);
  }
  return out;
}

}  // namespace faultline::faults
