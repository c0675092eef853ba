// A child process with line-oriented stdin/stdout, stderr captured to a file, and deadlines on every wait.
//
// Spawning goes through Boost.Process (argv, environment, working directory, handle limits); waiting and killing go
// through a pidfd (pidfd_open + poll + waitid(P_PIDFD)), because Boost 1.74's terminate()/wait_for() leave zombies,
// block past their timeout and cannot tell `exit 9` from SIGKILL (docs/design-notes.md §3). The child leads its own
// process group and kill() signals the whole group, so an engine's helpers die with it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace faultline::harness {

struct ExitStatus {
  bool exited = false;  // true: normal exit with `code`; false: killed by `signal`
  int code = 0;
  int signal = 0;
  std::string describe() const;  // "exit 3", "killed by SIGKILL"
};

// No line of engine protocol v1 comes near this (keys and values are at most 64 characters): an engine that writes
// more without a newline is broken, and the harness stops reading instead of growing without bound.
inline constexpr std::size_t kMaxLineBytes = 1 << 20;

struct SpawnOptions {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env_set;   // added to (or replacing in) the harness's environment
  std::vector<std::string> env_unset;
  std::filesystem::path stderr_path;            // the child's stderr goes here (appended)
  // The fork server (docs/fork-server.md, harness/src/fork_server.cpp): when not empty, launch() may fork the engine
  // from a server started with this argv (`argv` with the data directory replaced by a placeholder) instead of
  // exec'ing it. Only `argv` and env_set's FAULTFS_PLAN may differ between starts served by one server.
  std::vector<std::string> fork_server_argv;
  bool fork_point_deferred = false;             // the engine calls faultline_fork_point() (profile `fork_server`)
  std::chrono::milliseconds fork_server_timeout{10000};  // the server must say hello within this
  std::size_t max_line_bytes = kMaxLineBytes;   // a longer stdout line is a protocol error (ReadResult::kTooLong)
  // An environment entry ("NAME=value", also in env_set) unique to this child: once it is reaped, orphans carrying it
  // are killed (supervisor.h). Empty: none are looked for.
  std::string tag;
};

// kTooLong: the child wrote more than max_line_bytes without a newline; the bytes stay unread.
enum class ReadResult { kLine, kEof, kTimeout, kTooLong };

class ChildProcess {
 public:
  // Throws std::runtime_error if the program cannot be started (missing file, not executable). `cpu` >= 0: the child
  // runs on that CPU (set before exec; harness/src/placement.h).
  explicit ChildProcess(const SpawnOptions& options, int cpu = -1);
  // A child that another process forked for us (a fork server): we hold its pidfd and our ends of its pipes. The
  // parent reaps it, not us: `reap(deadline)` returns the exit status the parent reports for it by `deadline`, or
  // nullopt when no report came by then (or the parent is gone: then a `reap` called once the pidfd reported the
  // child's end throws, since the status is lost). Waiting on the report, not the pidfd, saves a wake-up per end.
  // `check_parent` throws when that parent died, which ends the child too: its end must not pass for the engine's
  // behaviour.
  using Reap = std::function<std::optional<ExitStatus>(std::chrono::steady_clock::time_point deadline)>;
  ChildProcess(int pid, int pidfd, int stdin_fd, int stdout_fd, Reap reap, std::function<void()> check_parent);
  ~ChildProcess();  // kills and reaps if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  // Writes `line` plus '\n' to the child's stdin by `deadline` (default kSendTimeout from now). False if the child
  // closed its stdin (it died) or did not read it in time.
  static constexpr std::chrono::seconds kSendTimeout{10};
  bool send_line(const std::string& line);
  bool send_line(const std::string& line, std::chrono::steady_clock::time_point deadline);
  // Reads one line (without '\n') from the child's stdout within `timeout`, or by the absolute `deadline`. The
  // deadline holds whatever the child writes: kTimeout once it has passed, even while bytes keep arriving.
  ReadResult read_line(std::string& line, std::chrono::milliseconds timeout);
  ReadResult read_line(std::string& line, std::chrono::steady_clock::time_point deadline);
  // Waits for the child to end within `timeout`; nullopt if it is still running.
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);
  // SIGKILL to the whole process group, then reap. Returns how the child ended (it may have ended by itself).
  ExitStatus kill();
  bool running() const { return !status_.has_value(); }
  void close_stdin();

 private:
  int pid_ = -1;
  int pidfd_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::size_t max_line_bytes_ = kMaxLineBytes;
  std::string tag_;
  std::string buffer_;
  std::size_t start_ = 0;    // unread bytes of buffer_ begin here
  std::size_t scanned_ = 0;  // this many unread bytes hold no '\n'
  std::optional<ExitStatus> status_;
  Reap reap_;  // empty: our own child, reaped with waitid
  std::function<void()> check_parent_;  // called when the child's stdout or stdin closed
  void take(std::size_t end);
  ExitStatus ended(const ExitStatus& s);  // records the status and kills what is left of the group
};

// Starts the engine: forked from this thread's fork server when options.fork_server_argv asks for it and the server
// works, exec'd otherwise (harness/src/fork_server.cpp).
std::unique_ptr<ChildProcess> launch(const SpawnOptions& options);
// --no-fork-server: launch() always execs (default: fork servers on).
void set_fork_server(bool enabled);
// --no-cpu-pinning: no worker is pinned and engines run wherever the scheduler puts them (default: each worker and
// the engines it starts share one CPU, harness/src/placement.h).
void set_cpu_pinning(bool enabled);
// How many engine starts of this process were forked from a fork server and how many exec'd (for the run's log).
struct LaunchCounts {
  std::uint64_t forked = 0;
  std::uint64_t execd = 0;
};
LaunchCounts launch_counts();

// Splits a command line into words like a shell would for quotes ('...' and "..." group, \ escapes outside single
// quotes); no variables, globs or pipes. Throws std::invalid_argument on an unterminated quote.
std::vector<std::string> split_command(const std::string& command);

}  // namespace faultline::harness
