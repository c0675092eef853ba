// Internal: small pure helpers of the fork server (fork_server.cpp): the forked engine's environment, exit statuses
// as the server reports them, what is left of a deadline, and the hint for an engine start that failed (also used by
// exec'd starts, process.cpp).
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/harness/process.h"

extern char** environ;

namespace faultline::harness::detail {

inline int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// The engine's environment in the order ChildProcess gives it (the harness's own minus env_unset and env_set's names,
// then env_set in name order), so that a forked engine's environ matches an exec'd one's entry for entry.
inline std::vector<std::string> environment(const std::map<std::string, std::string>& set,
                                            const std::vector<std::string>& unset) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string name(entry.substr(0, entry.find('=')));
    if (set.count(name) != 0 || std::find(unset.begin(), unset.end(), name) != unset.end()) continue;
    out.emplace_back(entry);
  }
  for (const auto& [name, value] : set) out.push_back(name + "=" + value);
  return out;
}

// A waitid-style report (si_code, si_status) as an ExitStatus.
inline ExitStatus status_of(int code, int status) {
  ExitStatus s;
  s.exited = code == CLD_EXITED;
  (s.exited ? s.code : s.signal) = status;
  return s;
}

// What to add to the message of an engine start (fork, exec, or the fork server's own start) that failed with `err`.
inline std::string start_failure_hint(int err) {
  return err == EAGAIN ? " (the process limit, ulimit -u, is reached: raise it or lower --jobs)" : "";
}

}  // namespace faultline::harness::detail
