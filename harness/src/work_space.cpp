// A work directory that filled up (docs/reliability.md, "A full work directory"): the environment's fault, never a
// verdict on the engine.
//
// Rule: Faultline's work directory holds the trial's plans, journals, histories, stderr logs and the engine's data
// directory, so a full file system there (ENOSPC, EDQUOT) is the environment's doing whoever hit it. A run shows it
// when (1) the shim ended the engine with FAULTFS_EXIT_NO_SPACE (it could not store a journal line or a history
// record), or (2) a call of the engine failed with ENOSPC or EDQUOT more often, on one descriptor of one process, than
// the plan injected that error there (a write_error/fsync_error fault with errno=ENOSPC journals a fault line before
// the failed call's own line), or (3) a write or sync on a file the shim does not follow failed so (the shim journals
// that as `no_space`). The harness's own writes that fail (a plan, a step counter) are errors already and
// get the same advice.
#include "work_space.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "faultline/shim_exit.h"

namespace faultline::harness::detail {

namespace fs = std::filesystem;

namespace {

bool no_space_errno(const std::string& name) { return name == "ENOSPC" || name == "EDQUOT"; }

// The first call that failed with ENOSPC/EDQUOT which no fault injected, described; empty when there is none.
std::string uninjected_no_space(const std::vector<faults::Event>& events) {
  std::map<std::pair<std::int64_t, std::int64_t>, long> injected;  // (pid, fd) → injected minus seen
  for (const auto& e : events) {
    const std::string err = e.raw.value("errno", std::string());
    if (!no_space_errno(err)) continue;
    long& left = injected[{e.pid, e.fd}];
    if (e.ev == "no_space") {  // on a file the shim does not follow; never injected
      return fmt::format("a {} on descriptor {} (a file the shim does not follow) failed with {} ({})",
                         e.raw.value("fn", std::string("write")), e.fd, err, std::strerror(err == "ENOSPC" ? ENOSPC : EDQUOT));
    } else if (e.ev == "fault") {
      ++left;
    } else if (left > 0) {
      --left;
    } else {
      return fmt::format("{} of {} failed with {} ({})", e.ev, e.file.empty() ? e.raw.value("path", std::string("a file")) : e.file,
                         err, std::strerror(err == "ENOSPC" ? ENOSPC : EDQUOT));
    }
  }
  return {};
}

}  // namespace

std::string no_space_advice(const fs::path& work_dir) {
  return fmt::format("Faultline's work directory {} is full: this is the environment, "
                     "not a verdict on the engine. Free space there, or give faultline a work directory on a file "
                     "system with room (--work-dir DIR)", work_dir.string());
}

bool mentions_no_space(const std::string& message) {
  return message.find(std::strerror(ENOSPC)) != std::string::npos ||
         message.find(std::strerror(EDQUOT)) != std::string::npos;
}

void check_work_space(const RunRecord& r, const fs::path& work_dir) {
  std::string what;
  if (r.status.exited && r.status.code == shim_exit::kNoSpace) {
    what = fmt::format("the shim could not store its journal or history ({}) and ended the engine (exit {})",
                       std::strerror(ENOSPC), shim_exit::kNoSpace);
  } else {
    what = uninjected_no_space(r.events);
  }
  if (!what.empty())
    throw std::runtime_error(fmt::format("the {} run: {}. {}", r.label, what, no_space_advice(work_dir)));
}

}  // namespace faultline::harness::detail
