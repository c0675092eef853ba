// Boost.Process 1.74 compiles its vfork executor only under an X/Open feature test that glibc with
// _POSIX_C_SOURCE >= 200809 never satisfies, although glibc has vfork(). fork() copies the harness's page tables
// and then pays copy-on-write faults in the parent on every spawn; vfork() does neither (measured in
// docs/PERFORMANCE.md). The child only runs async-signal-safe code before execve: dup2, setpgid, close_range.
#define BOOST_POSIX_HAS_VFORK 1
#include "faultline/harness/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <string_view>
#include <stdexcept>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <fmt/format.h>

#include "faultline/harness/supervisor.h"
#include "fork_server_env.h"
#include "placement.h"

namespace bp = boost::process;

namespace faultline::harness {
namespace {

using Clock = std::chrono::steady_clock;

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Rounded up, so poll() never returns just before the deadline and leaves the caller spinning on poll(..., 0).
int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : static_cast<int>(left);
}

// Runs in the child between fork and exec: lead a new process group so kill() reaches every descendant, and die
// with the harness (PR_SET_PDEATHSIG: when the spawning thread ends, which is after the engine's trial, or when the
// harness is killed), so a SIGKILLed harness leaves no hung engine behind.
// It also moves the child onto `cpu` when placement gives one (placement.h: a system call, safe after vfork).
struct NewProcessGroup : bp::extend::handler {
  pid_t parent;
  int cpu = -1;
  template <typename Executor>
  void on_exec_setup(Executor&) const {
    ::setpgid(0, 0);
    if (cpu >= 0) placement::pin(0, cpu);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the harness died before prctl
  }
};

// Runs in the child after the redirections: closes every other inherited fd, so a child never holds another
// thread's files or pipes (that would delay EOFs and shift the engine's fd numbers, which the trace hash records).
// It must come last among the spawn properties. It also closes Boost's exec-error pipe, so exec failures are
// detected before spawning (access(X_OK)) instead.
struct CloseInheritedFds : bp::extend::handler {
  template <typename Executor>
  void on_exec_setup(Executor&) const {
    if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
  }
};

// Hands execve an environment built by the caller (the harness's own, minus env_unset, plus env_set): cheaper than
// bp::environment, which copies and re-parses environ on every spawn.
struct ChildEnvironment : bp::extend::handler {
  char** envp;
  template <typename Executor>
  void on_setup(Executor& exec) const {
    exec.env = envp;
  }
};

// The child's environment: the harness's, less what the options unset or set, plus what they set ("NAME=value").
std::vector<std::string> child_environment(const SpawnOptions& options) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    const bool dropped = options.env_set.count(std::string(name)) != 0 ||
                         std::find(options.env_unset.begin(), options.env_unset.end(), name) != options.env_unset.end();
    if (!dropped) env_strings.emplace_back(entry);
  }
  for (const auto& [name, value] : options.env_set) env_strings.push_back(name + "=" + value);
  return env_strings;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) return fmt::format("exit {}", code);
  const char* name = sigabbrev_np(signal);
  return fmt::format("killed by SIG{}", name ? name : std::to_string(signal));
}

namespace {

// Two close-on-exec pipes, so a child spawned concurrently by another thread never inherits them (its stdin would
// then see EOF late); dup2 in the child clears the flag on fds 0 and 1 only. This replaces bp::limit_handles, which in
// Boost 1.74 closes the child's redirected stdout when stderr goes to a file. If the second pipe2 fails (EMFILE), the
// first pair is closed before throwing: a leak here costs every later trial its descriptors, and the report its own
// (issue 19).
void make_pipes(int in_fds[2], int out_fds[2]) {
  if (::pipe2(in_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(fmt::format("pipe2 failed: {}", std::strerror(errno)));
  if (::pipe2(out_fds, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(in_fds[0]);
    ::close(in_fds[1]);
    throw std::runtime_error(fmt::format("pipe2 failed: {}", std::strerror(err)));
  }
}

// The program argv[0] names, searched on PATH when it has no '/'; throws when it cannot be run.
std::string executable(const std::string& argv0) {
  const std::string exe = argv0.find('/') == std::string::npos ? bp::search_path(argv0).string() : argv0;
  if (exe.empty() || ::access(exe.c_str(), X_OK) != 0)
    throw std::runtime_error(fmt::format("cannot run '{}': not found or not executable", argv0));
  return exe;
}

}  // namespace

ChildProcess::ChildProcess(const SpawnOptions& options, int cpu) : max_line_bytes_(options.max_line_bytes) {
  if (options.argv.empty()) throw std::invalid_argument("empty command");
  static const bool sigpipe_ignored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;

  auto env_strings = child_environment(options);  // envp points into it: it lives until the child is spawned
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  int in_fds[2], out_fds[2];
  make_pipes(in_fds, out_fds);
  bp::pipe in_pipe(in_fds[0], in_fds[1]);
  bp::pipe out_pipe(out_fds[0], out_fds[1]);
  std::error_code ec;
  const std::string exe = executable(options.argv[0]);
  std::vector<std::string> args(options.argv.begin() + 1, options.argv.end());
  // Spawn and register under one lock: a sweep for orphans never sees this child unregistered.
  auto registry = supervisor::registry_lock();
  if (supervisor::stopping())
    throw std::runtime_error("the harness is stopping (a second stop signal): no engine starts");
  bp::child child(bp::exe = exe, bp::args = args, bp::std_in < in_pipe, bp::std_out > out_pipe,
                  bp::std_err > boost::filesystem::path(options.stderr_path.string()), ChildEnvironment{{}, envp.data()},
                  bp::posix::use_vfork, NewProcessGroup{{}, ::getpid(), cpu}, CloseInheritedFds{}, ec);
  if (ec)
    throw std::runtime_error(fmt::format("cannot start '{}': {}{}", exe, ec.message(), detail::start_failure_hint(ec.value())));
  pid_ = child.id();
  supervisor::adopt(pid_);
  registry.unlock();
  tag_ = options.tag;
  child.detach();  // from here on the pidfd owns waiting and killing
  pidfd_ = pidfd_open(pid_);
  if (pidfd_ < 0) {
    const int err = errno;
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    supervisor::release(pid_);
    throw std::runtime_error(fmt::format("pidfd_open({}) failed: {}", pid_, std::strerror(err)));
  }
  // Boost closed the child's ends (stdin's source, stdout's sink) in on_success but the pipe objects still hold those
  // numbers and would close them again on destruction, by then possibly another thread's fds: take ownership of our
  // ends and leave the pipe objects empty.
  stdin_fd_ = in_pipe.native_sink();
  stdout_fd_ = out_pipe.native_source();
  in_pipe.assign_sink(-1);
  in_pipe.assign_source(-1);
  out_pipe.assign_sink(-1);
  out_pipe.assign_source(-1);
  for (const int fd : {stdin_fd_, stdout_fd_}) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
}

ChildProcess::ChildProcess(int pid, int pidfd, int stdin_fd, int stdout_fd, Reap reap, std::function<void()> check_parent)
    : pid_(pid), pidfd_(pidfd), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd), reap_(std::move(reap)),
      check_parent_(std::move(check_parent)) {
  // Both non-blocking, as for an exec'd child: send_line and read_line keep their deadlines whatever the engine does.
  ::fcntl(stdin_fd_, F_SETFL, ::fcntl(stdin_fd_, F_GETFL) | O_NONBLOCK);
  ::fcntl(stdout_fd_, F_SETFL, ::fcntl(stdout_fd_, F_GETFL) | O_NONBLOCK);
}

ChildProcess::~ChildProcess() {
  // A destructor must not throw: a child whose status cannot be had (its fork server died) is already dead.
  try {
    if (running()) kill();
  } catch (const std::exception&) {
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (pidfd_ >= 0) ::close(pidfd_);
}

bool ChildProcess::send_line(const std::string& line) { return send_line(line, Clock::now() + kSendTimeout); }

// stdin is non-blocking: a child that never reads its stdin fills the pipe, and the write must not outlast the deadline.
bool ChildProcess::send_line(const std::string& line, Clock::time_point deadline) {
  if (stdin_fd_ < 0) return false;
  std::string data = line + '\n';
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(stdin_fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (Clock::now() >= deadline) return false;
      pollfd p{stdin_fd_, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) == 0) return false;
      continue;
    }
    if (n <= 0) {  // EPIPE: the child is gone
      if (check_parent_) check_parent_();
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

ReadResult ChildProcess::read_line(std::string& line, std::chrono::milliseconds timeout) {
  return read_line(line, Clock::now() + timeout);
}

// The buffer holds unread bytes from `start_`; `scanned_` of them are known to hold no '\n', so every byte is searched
// once however it arrives (a flood without newlines costs linear time, not quadratic). The deadline is checked before
// every read, whatever poll() says: a child that keeps writing cannot keep the harness waiting.
ReadResult ChildProcess::read_line(std::string& line, Clock::time_point deadline) {
  for (;;) {
    const auto newline = buffer_.find('\n', start_ + scanned_);
    if (newline != std::string::npos) {
      if (newline - start_ > max_line_bytes_) return ReadResult::kTooLong;
      line.assign(buffer_, start_, newline - start_);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      take(newline + 1);
      return ReadResult::kLine;
    }
    scanned_ = buffer_.size() - start_;
    if (scanned_ > max_line_bytes_) return ReadResult::kTooLong;
    if (stdout_fd_ < 0) {
      if (scanned_ == 0) return ReadResult::kEof;
      line.assign(buffer_, start_, std::string::npos);  // a last line without '\n' still counts
      take(buffer_.size());
      return ReadResult::kLine;
    }
    if (Clock::now() >= deadline) return ReadResult::kTimeout;
    pollfd p{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return ReadResult::kTimeout;
    constexpr std::size_t kChunk = 65536;
    const std::size_t old = buffer_.size();
    buffer_.resize(old + kChunk);
    const ssize_t n = ::read(stdout_fd_, buffer_.data() + old, kChunk);
    buffer_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      if (check_parent_) check_parent_();
      ::close(stdout_fd_);
      stdout_fd_ = -1;
    }
  }
}

void ChildProcess::take(std::size_t end) {
  start_ = end;
  scanned_ = 0;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ >= 65536 && start_ * 2 >= buffer_.size()) {  // amortised: each byte moves at most once or twice
    buffer_.erase(0, start_);
    start_ = 0;
  }
}

std::optional<ExitStatus> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = Clock::now() + timeout;
  // A forked child: its parent's report says it ended (one wake-up, not the pidfd's and then the report's). Without a
  // report by the deadline the pidfd decides, as for our own children.
  if (reap_) {
    if (const auto s = reap_(deadline)) return ended(*s);
  }
  for (;;) {
    pollfd p{pidfd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return std::nullopt;
    ExitStatus s;
    if (reap_) {
      const auto reported = reap_(Clock::now() + std::chrono::seconds(30));
      if (!reported && check_parent_) check_parent_();  // throws when the parent died: the status is lost with it
      if (!reported) throw std::runtime_error(fmt::format("no exit status was reported for process {} within 30 s", pid_));
      s = *reported;
    } else {
      siginfo_t info{};
      if (::waitid(static_cast<idtype_t>(3 /* P_PIDFD */), static_cast<id_t>(pidfd_), &info, WEXITED) != 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(fmt::format("waitid(pid {}) failed: {}", pid_, std::strerror(errno)));
      }
      s.exited = info.si_code == CLD_EXITED;
      (s.exited ? s.code : s.signal) = info.si_status;
    }
    return ended(s);
  }
}

ExitStatus ChildProcess::ended(const ExitStatus& s) {
  status_ = s;
  // The group may still hold descendants of the engine: they must not outlive the trial. Nor may those that left
  // the group (setsid) and were handed to the harness, the subreaper, when their parent died.
  ::kill(-pid_, SIGKILL);
  supervisor::release(pid_);
  if (!tag_.empty()) supervisor::sweep_orphans(tag_);
  return s;
}

ExitStatus ChildProcess::kill() {
  if (status_) return *status_;
  ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
  ::kill(-pid_, SIGKILL);
  auto status = wait(std::chrono::milliseconds(60000));
  if (!status) throw std::runtime_error(fmt::format("process {} did not die within 60 s of SIGKILL", pid_));
  return *status;
}

std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size()) {
        word += command[++i];
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      word += command[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) throw std::invalid_argument(fmt::format("unterminated {} quote in command: {}", quote, command));
  if (in_word) words.push_back(word);
  return words;
}

}  // namespace faultline::harness
