// Engine starts through the shim's fork server (docs/fork-server.md), with exec as the fallback.
//
// One server per harness thread (a campaign worker) and engine command: the server is the engine stopped before main
// (or in faultline_fork_point()), and every start of that thread is a fork() of it. The harness keeps what an exec'd
// start gives the engine: its own pipes and stderr file (passed as descriptors), process group, working directory,
// argv and plan. A server that cannot work (the shim is not in the process, the engine is multi-threaded before the
// fork point) turns the fork server off for the rest of the process with one notice; a server that died is started
// again at the next start. An engine whose server died while it ran has lost its exit status: that is a harness error,
// never a verdict about the engine.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "faultline/fork_protocol.h"
#include "faultline/harness/log.h"
#include "faultline/harness/process.h"
#include "faultline/harness/supervisor.h"
#include "fork_server_env.h"
#include "fork_socket.h"
#include "placement.h"

namespace faultline::harness {
namespace {

namespace fp = faultline::fork_protocol;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_disabled{false};  // a server could not work: exec from now on
std::atomic<bool> g_enabled{true};    // --no-fork-server
std::atomic<std::uint64_t> g_forked{0}, g_execd{0};
std::once_flag g_notice;

// The server cannot work for this engine: exec from now on.
struct Unusable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The server went away (killed, crashed): start a new one.
struct Died : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using detail::environment;
using detail::remaining_ms;
using detail::status_of;

class ForkServer : public std::enable_shared_from_this<ForkServer> {
 public:
  // Starts the server and waits for its hello. Throws Unusable when it cannot serve.
  ForkServer(const SpawnOptions& options, std::string key) : key_(std::move(key)) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
      throw std::runtime_error(fmt::format("fork server: socketpair failed: {}", std::strerror(errno)));
    ctl_ = sv[0];
    auto env_set = options.env_set;
    env_set["FAULTFS_PLAN"] = "";  // each child gets its own, in this place of the environment
    env_set[fp::kEnvServer] = "0";
    env_set[fp::kEnvPoint] = options.fork_point_deferred ? "deferred" : "main";
    auto env = environment(env_set, options.env_unset);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = options.fork_server_argv;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    // The server: control socket on 0, /dev/null on 1 and 2 (its children get their own), nothing else, own group.
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, sv[1], 0);
    ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    ::posix_spawnattr_init(&attr);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    ::posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = -1;
    const int err = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
    ::close(sv[1]);
    if (err != 0) {
      ::close(ctl_);
      const auto what = fmt::format("cannot start the fork server '{}': {}{}", args[0], std::strerror(err),
                                    detail::start_failure_hint(err));
      if (err == EAGAIN) throw std::runtime_error(what);  // a process limit is the moment's: the server stays in use
      throw Unusable(what);
    }
    pid_ = pid;
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      ::close(ctl_);
      throw std::runtime_error(fmt::format("fork server: pidfd_open({}) failed: {}", pid_, std::strerror(errno)));
    }
    const auto timeout = options.fork_server_timeout;
    fp::Reply hello{};
    const int got = receive(hello, Clock::now() + timeout);
    if (got <= 0 || hello.kind != fp::kHello) {
      std::string why;
      if (got < 0) {
        why = fmt::format("the engine did not start a fork server within {} ms", timeout.count());
      } else if (got == 0) {
        why = "the engine ran without starting a fork server (a static binary, or one that does not load "
              "libfaultfs.so, or a deferred fork point it never reached)";
      } else if (hello.kind == fp::kRefuse && hello.value == static_cast<int>(fp::kThreads)) {
        why = fmt::format("the engine runs {} threads at its fork point; fork() would copy only one", hello.count);
      } else {
        why = fmt::format("unexpected message {} from the fork server", hello.kind);
      }
      // A server that someone killed (SIGKILL) before it said hello says nothing about the engine: start another.
      const bool killed = stop() == SIGKILL;
      if (killed && got == 0) throw Died("the fork server was killed before it said hello");
      throw Unusable(why);
    }
  }

  ~ForkServer() { stop(); }
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;

  const std::string& key() const { return key_; }

  // The server, and so every engine it forks from now on, runs on `cpu` (placement.h); -1 leaves it where it is.
  void place(int cpu) {
    if (cpu < 0 || cpu == cpu_) return;
    if (placement::pin(pid_, cpu)) cpu_ = cpu;
  }

  // False once the server process ended or its socket closed.
  bool alive() {
    if (dead_) return false;
    pollfd p{pidfd_, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) dead_ = true;
    return !dead_;
  }

  std::unique_ptr<ChildProcess> spawn(const SpawnOptions& options) {
    if (options.argv.size() != options.fork_server_argv.size())
      throw Unusable("the engine's command line changed its number of words between starts");
    const auto plan = options.env_set.count("FAULTFS_PLAN") ? options.env_set.at("FAULTFS_PLAN") : std::string();
    std::error_code ec;
    const auto cwd = std::filesystem::current_path(ec);
    std::string message(sizeof(fp::Request), '\0');
    for (const auto& s : {plan, cwd.string()}) message.append(s).push_back('\0');
    for (const auto& a : options.argv) message.append(a).push_back('\0');
    const std::size_t payload = message.size() - sizeof(fp::Request);
    if (payload > fp::kMaxPayload) throw Unusable("the engine's command line is longer than the fork server takes");
    const fp::Request req{fp::kMagic, fp::kSpawn, static_cast<uint32_t>(options.argv.size()),
                          static_cast<uint32_t>(payload)};
    std::memcpy(message.data(), &req, sizeof req);

    // The child's ends, as ChildProcess makes them: close-on-exec pipes, stderr opened as Boost opens it.
    int in_fds[2], out_fds[2];
    if (::pipe2(in_fds, O_CLOEXEC) != 0) throw std::runtime_error(fmt::format("pipe2 failed: {}", std::strerror(errno)));
    if (::pipe2(out_fds, O_CLOEXEC) != 0) {
      const int err = errno;
      ::close(in_fds[0]);
      ::close(in_fds[1]);
      throw std::runtime_error(fmt::format("pipe2 failed: {}", std::strerror(err)));
    }
    const int err_fd = ::open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0660);
    if (err_fd < 0) {
      const int err = errno;
      for (int fd : {in_fds[0], in_fds[1], out_fds[0], out_fds[1]}) ::close(fd);
      throw std::runtime_error(fmt::format("{}: cannot open the engine's stderr file: {}", options.stderr_path.string(),
                                           std::strerror(err)));
    }
    const int theirs[3] = {in_fds[0], out_fds[1], err_fd};
    const bool sent = send_request(message, theirs);
    for (int fd : theirs) ::close(fd);
    auto fail = [&](auto error) {
      ::close(in_fds[1]);
      ::close(out_fds[0]);
      throw error;
    };
    if (!sent) fail(Died("the fork server does not take requests"));
    // The server replies as soon as it forked; the engine's first line (or its end, or the server's) comes later. Wait
    // for that, and find the reply already there: one wake-up per start, not two. EngineSession's deadline for READY
    // began before this call, so an engine that hangs is not given the start timeout twice.
    wait_for_output(out_fds[0], Clock::now() + options.fork_server_timeout);
    const fp::Reply r = await_spawned(fail);
    const int child = r.pid;
    const int child_pidfd = received_fd_;
    received_fd_ = -1;
    if (child_pidfd < 0) {
      ::kill(-child, SIGKILL);
      fail(std::runtime_error(fmt::format("the fork server sent no pidfd for engine pid {}", child)));
    }
    auto self = shared_from_this();
    return std::make_unique<ChildProcess>(
        child, child_pidfd, in_fds[1], out_fds[0],
        [self, child](Clock::time_point deadline) { return self->reap(child, deadline); },
        [self, child] {
          if (!self->alive()) throw std::runtime_error(self->lost(child, "died"));
        });
  }

  // The server's answer to a spawn request (statuses of other children that arrive first are kept for reap);
  // `fail` closes the harness's ends and throws.
  template <typename Fail>
  fp::Reply await_spawned(Fail& fail) {
    fp::Reply r{};
    for (;;) {
      if (const int got = receive(r, Clock::now() + std::chrono::seconds(30)); got <= 0) {
        // Not Died: the server may have forked the engine before it went, and that engine may have journaled its
        // start into this plan's journal. Starting it again would give the trial a journal no exec'd run has.
        dead_ = true;
        fail(std::runtime_error(fmt::format(
            "the fork server (pid {}) {} while it started the engine. This is a harness error, not a verdict; the "
            "next start uses a new server, and --no-fork-server avoids fork servers",
            pid_, got == 0 ? "died" : "did not answer within 30 s")));
      }
      if (r.kind == fp::kExited) {
        exited_[r.pid] = status_of(r.value, r.count);
        continue;
      }
      break;
    }
    if (r.kind == fp::kSpawnFailed && r.count == static_cast<int>(fp::kStepArgc))
      fail(Unusable("the fork server's command line does not fit the engine's (fewer words than the request)"));
    if (r.kind == fp::kSpawnFailed)
      fail(std::runtime_error(fmt::format("the fork server could not start the engine (step {}): {}{}", r.count,
                                          std::strerror(r.value), detail::start_failure_hint(r.value))));
    if (r.kind != fp::kSpawned || r.pid <= 0) {
      dead_ = true;
      fail(std::runtime_error(fmt::format("unexpected message {} from the fork server", r.kind)));
    }
    return r;
  }

  std::string lost(int child, const char* what) const {
    return fmt::format("the fork server (pid {}) {} while engine pid {} ran: the engine's exit status is lost. This "
                       "is a harness error, not a verdict; the next start uses a new server, and --no-fork-server "
                       "avoids fork servers", pid_, what, child);
  }

 private:
  // The exit status the server reports for `child` by `deadline`; nullopt without a report by then, or when the
  // server is gone (ChildProcess then asks check_parent, which says the status is lost).
  std::optional<ExitStatus> reap(int child, Clock::time_point deadline) {
    for (;;) {
      if (auto it = exited_.find(child); it != exited_.end()) {
        const auto s = it->second;
        exited_.erase(it);
        return s;
      }
      fp::Reply r{};
      const int got = dead_ ? 0 : receive(r, deadline);
      if (got < 0) return std::nullopt;
      if (got == 0) {
        dead_ = true;
        return std::nullopt;
      }
      if (r.kind == fp::kExited) exited_[r.pid] = status_of(r.value, r.count);
    }
  }

  // Until `fd` is readable (a line, or EOF: the engine or the server that held its other end is gone), the control
  // socket hangs up, or the deadline passes.
  void wait_for_output(int fd, Clock::time_point deadline) const {
    pollfd p[2] = {{fd, POLLIN, 0}, {ctl_, 0, 0}};
    while (::poll(p, 2, remaining_ms(deadline)) < 0 && errno == EINTR) {
    }
  }

  bool send_request(const std::string& message, const int fds[3]) {
    if (detail::send_with_fds(ctl_, message, fds)) return true;
    dead_ = true;
    return false;
  }

  // One message within the deadline: 1, 0 on EOF, -1 on timeout.
  int receive(fp::Reply& r, Clock::time_point deadline) { return detail::receive_reply(ctl_, r, &received_fd_, deadline); }

  // Closing the socket makes the server kill its engines and exit; a server that does not is killed. Returns the
  // signal that ended the server before we killed it, 0 if it exited.
  int stop() {
    if (received_fd_ >= 0) ::close(received_fd_);
    received_fd_ = -1;
    if (ctl_ >= 0) ::close(ctl_);
    ctl_ = -1;
    if (pidfd_ < 0) return 0;
    pollfd p{pidfd_, POLLIN, 0};
    const bool ended = ::poll(&p, 1, 2000) > 0;
    ::kill(-pid_, SIGKILL);  // a server that did not end, or whatever it left in its group (it leads it until reaped)
    siginfo_t info{};
    while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_), &info, WEXITED) != 0 && errno == EINTR) {
    }
    ::close(pidfd_);
    pidfd_ = -1;
    return ended && info.si_code != CLD_EXITED ? info.si_status : 0;
  }

  std::string key_;
  int ctl_ = -1;
  int pid_ = -1;
  int pidfd_ = -1;
  bool dead_ = false;
  int cpu_ = -1;          // the CPU the server is pinned to (-1: not pinned)
  int received_fd_ = -1;  // the descriptor that came with the last message (a kSpawned reply's pidfd)
  std::map<int, ExitStatus> exited_;  // statuses that arrived while waiting for something else
};

std::string server_key(const SpawnOptions& o) {
  std::string key = o.fork_point_deferred ? "deferred\n" : "main\n";
  for (const auto& a : o.fork_server_argv) key += a + '\0';
  key += '\n';
  for (const auto& [name, value] : o.env_set)
    if (name != "FAULTFS_PLAN") key += name + '=' + value + '\0';
  for (const auto& name : o.env_unset) key += '-' + name + '\0';
  return key;
}

void disable(const std::string& why) {
  g_disabled = true;
  std::call_once(g_notice, [&] {
    log::warn("the fork server cannot be used; every engine start execs the engine", {{"reason", why}});
  });
}

std::unique_ptr<ChildProcess> exec_child(const SpawnOptions& options, int cpu) {
  auto child = std::make_unique<ChildProcess>(options, cpu);
  g_execd.fetch_add(1, std::memory_order_relaxed);
  return child;
}

}  // namespace

std::unique_ptr<ChildProcess> launch(const SpawnOptions& options) {
  if (supervisor::stopping())
    throw std::runtime_error("the harness is stopping (a second stop signal): no engine starts");
  // As ChildProcess does before its first exec: a write to a dead engine's stdin must be EPIPE, not the end of the
  // harness, and the engines (the server's children too) inherit the ignored SIGPIPE as exec'd ones do.
  static const bool sigpipe_ignored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  const int cpu = placement::engine_cpu();
  if (options.fork_server_argv.empty() || !g_enabled.load() || g_disabled.load()) return exec_child(options, cpu);
  thread_local std::shared_ptr<ForkServer> server;
  const auto key = server_key(options);
  for (int attempt = 0;; ++attempt) {
    try {
      if (!server || server->key() != key || !server->alive()) {
        server.reset();
        server = std::make_shared<ForkServer>(options, key);
      }
      server->place(cpu);
      auto child = server->spawn(options);
      g_forked.fetch_add(1, std::memory_order_relaxed);
      return child;
    } catch (const Unusable& e) {
      server.reset();
      disable(e.what());
      return exec_child(options, cpu);
    } catch (const Died& e) {
      server.reset();  // started again on the next attempt
      if (attempt == 1) {
        disable(fmt::format("the fork server died twice in a row: {}", e.what()));
        return exec_child(options, cpu);
      }
    }
  }
}

void set_fork_server(bool enabled) { g_enabled = enabled; }

LaunchCounts launch_counts() { return {g_forked.load(), g_execd.load()}; }

}  // namespace faultline::harness
