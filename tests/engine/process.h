// Running the real walkv binaries from tests: one-shot runs with files for stdin/stdout/stderr, and a long-running
// engine with pipes (for lock conflicts). Paths come from CMake ($<TARGET_FILE:...>) through compile definitions.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace walkv::test {

inline const std::string kWalkv = WALKV_BIN;
inline const std::string kWalkvPlanted = WALKV_PLANTED_BIN;

struct RunResult {
  int exit_code = -1;   // -1 if killed by a signal
  int term_signal = 0;  // the signal that killed it, if any
  bool timed_out = false;
  std::string out, err;
  std::vector<std::string> OutLines() const;
  std::vector<std::string> ErrLines() const;
};

// Runs argv with input as its whole stdin; SIGKILLs it after timeout_ms.
RunResult RunProgram(const std::vector<std::string>& argv, const std::string& input = "", int timeout_ms = 10000);

// A running engine whose stdin and stdout are pipes.
class RunningEngine {
 public:
  explicit RunningEngine(const std::vector<std::string>& argv);
  ~RunningEngine();  // SIGKILL and reap if still running
  RunningEngine(const RunningEngine&) = delete;
  RunningEngine& operator=(const RunningEngine&) = delete;

  // One line of stdout without its newline; false on EOF or after timeout_ms.
  bool ReadLine(std::string* line, int timeout_ms = 10000);
  void Send(const std::string& text);
  // Closes stdin and waits for the exit status.
  int CloseAndWait(int timeout_ms = 10000);

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  std::string buffered_;
};

}  // namespace walkv::test
