// Files written only around the shim (docs/faults.md, "Files the shim cannot follow"): left out of the model.
//
// A file the engine maps shared and writable belongs to the mapping: stores into it are no calls at all, whatever
// write() calls it also got (SQLite's `-shm` index is extended one byte per page with pwrite, then mapped). A file
// the engine writes only through stdio (an info log behind fdopen) shows its open and nothing else. Neither can be
// faulted or judged, so both are left out of the fault and durability model and named, instead of making every trial
// a harness error. Everything else the shim cannot follow stays a bypass: a stdio stream on a file that also gets
// write() calls, copy_file_range, sendfile, fallocate modes that change data, a descriptor past the shim's table.
#include <algorithm>

#include "faultline/storage.h"

namespace faultline::faults {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool mapped(const std::string& call) { return starts_with(call, "mmap:") || starts_with(call, "mmap64:"); }

bool stdio(const std::string& call) {
  return starts_with(call, "fopen:") || starts_with(call, "fopen64:") || starts_with(call, "fdopen:") ||
         starts_with(call, "freopen:") || starts_with(call, "freopen64:");
}

}  // namespace

std::optional<std::string> left_out_reason(const FileHistory& h) {
  if (!h.untracked) return std::nullopt;
  const auto& calls = h.untracked_calls;
  if (const auto it = std::find_if(calls.begin(), calls.end(), mapped); it != calls.end())
    return "mapped shared and writable (" + it->substr(0, it->find(':')) + "): its bytes are changed by stores, not calls";
  if (!calls.empty() && h.write_calls == 0 && std::all_of(calls.begin(), calls.end(), stdio))
    return "written only through stdio (" + calls.front().substr(0, calls.front().find(':')) +
           "): glibc's internal writes do not reach the shim";
  return std::nullopt;
}

std::map<std::string, std::string> leave_out_untracked(std::map<std::string, FileHistory>& histories,
                                                       const std::vector<Event>& events,
                                                       const std::map<std::string, std::string>& earlier) {
  std::map<std::string, std::string> before = earlier;
  for (const Event& e : events) {
    if (e.ev != "rename" || e.ret != 0) continue;
    const auto from = e.raw.value("from", std::string()), to = e.raw.value("to", std::string());
    const auto it = before.find(from);
    if (it == before.end()) continue;
    const std::string why = it->second;
    before.erase(it);
    if (!to.empty() && to.front() != '/') before[to] = why;
  }
  std::map<std::string, std::string> out;
  for (auto it = histories.begin(); it != histories.end();) {
    auto why = left_out_reason(it->second);
    if (!why)
      if (const auto e = before.find(it->first); e != before.end()) why = e->second;
    if (!why) {
      ++it;
      continue;
    }
    out[it->first] = *why;
    it = histories.erase(it);
  }
  for (const auto& [file, why] : before) out.try_emplace(file, why);  // left out earlier, untouched by this run
  return out;
}

}  // namespace faultline::faults
