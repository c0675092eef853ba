// Test-only: run a shell command (the real `faultline`, as a user would) and capture what it printed. Shared by the
// end-to-end tests of tests/harness and tests/reliability (target faultline_test_run_cli, header only).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace faultline::testing {

struct Ran {
  int code = -1;    // the exit code, or 128 + the signal that ended it
  std::string out;  // stdout and stderr
};

inline Ran sh(const std::string& command) {
  Ran r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace faultline::testing
