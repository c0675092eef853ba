// The fork server (docs/fork-server.md): when FAULTFS_FORK_SERVER names a control descriptor, the process stops
// before `main` (or in faultline_fork_point(), for FAULTFS_FORK_POINT=deferred) and serves fork requests on it. Each
// request carries the child's plan path, working directory and argv, and its stdin, stdout and stderr as descriptors
// (SCM_RIGHTS). The child takes them over, leads its own process group, loads its plan as an exec'd engine would and
// returns into the program; the server reports each child's pid and, once it reaped it, its exit status.
//
// Everything here runs before the program's main or in the one thread that called faultline_fork_point(): the server
// makes raw system calls only (never the shim's own wrappers, which would initialise the shim) and allocates nothing.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faultfs.h"
#include "faultline/fork_protocol.h"

extern char** environ;

namespace faultfs {
namespace {

namespace fp = faultline::fork_protocol;

int g_argc = 0;
char** g_argv = nullptr;
bool g_fork_point_used = false;  // faultline_fork_point() runs the server at most once per process

// The request being served; in a child it keeps the strings its argv and environment point to.
alignas(8) char g_message[sizeof(fp::Request) + fp::kMaxPayload + 1];
constexpr int kMaxEnv = 4096;
char* g_env[kMaxEnv + 2];
char g_plan_env[kPathMax + 16];

long sys_close(int fd) { return syscall(SYS_close, fd); }

// One reply; with `fd` >= 0, that descriptor travels with it (SCM_RIGHTS).
bool send_reply(int ctl, uint32_t kind, int pid, int value, int count, int fd = -1) {
  fp::Reply r{fp::kMagic, kind, pid, value, count, 0};
  iovec iov{&r, sizeof r};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  for (;;) {
    const ssize_t n = sendmsg(ctl, &msg, MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(sizeof r)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

// The number of threads of this process, from /proc/self/stat (field 20); 0 when it cannot be read.
int thread_count() {
  const int fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC));
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t n;
  do {
    n = static_cast<ssize_t>(syscall(SYS_read, fd, buf, sizeof buf - 1));
  } while (n < 0 && errno == EINTR);
  sys_close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* p = strrchr(buf, ')');  // the command name may hold blanks and parentheses
  if (p == nullptr) return 0;
  ++p;
  for (int field = 3; field < 20 && *p != '\0'; ++field) {  // from the blank before field 3 to the one before 20
    ++p;
    while (*p != '\0' && *p != ' ') ++p;
  }
  int threads = 0;
  for (++p; *p >= '0' && *p <= '9'; ++p) threads = threads * 10 + (*p - '0');
  return threads;
}

bool env_is(const char* entry, const char* name) {
  const size_t n = strlen(name);
  return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

// The child's environment: the server's, minus the fork server's variables, with FAULTFS_PLAN naming the child's plan
// (in the place the harness gave it, so the order matches an exec'd engine's).
void set_child_environment(const char* plan) {
  size_t len = strlen(plan);
  if (len > kPathMax) len = kPathMax;
  memcpy(g_plan_env, "FAULTFS_PLAN=", 13);
  memcpy(g_plan_env + 13, plan, len);
  g_plan_env[13 + len] = '\0';
  int n = 0;
  bool placed = false;
  for (char** e = environ; e != nullptr && *e != nullptr && n < kMaxEnv; ++e) {
    if (env_is(*e, fp::kEnvServer) || env_is(*e, fp::kEnvPoint)) continue;
    if (env_is(*e, "FAULTFS_PLAN")) {
      if (placed) continue;
      g_env[n++] = g_plan_env;
      placed = true;
      continue;
    }
    g_env[n++] = *e;
  }
  if (!placed) g_env[n++] = g_plan_env;
  g_env[n] = nullptr;
  environ = g_env;
}

void child_fail(const char* what, int err) {
  // stderr is the engine's stderr file by now: the harness shows it like any engine's message.
  char line[256];
  size_t n = 0;
  auto add = [&](const char* s) {
    while (*s != '\0' && n < sizeof line - 2) line[n++] = *s++;
  };
  add("faultfs fork server: ");
  add(what);
  add(": ");
  add(strerrorname_np(err) != nullptr ? strerrorname_np(err) : "error");
  line[n++] = '\n';
  syscall(SYS_write, 2, line, n);
  _exit(126);
}

struct Child {
  int pid = 0;
  int pidfd = -1;
};
Child g_children[fp::kMaxChildren];

// In the forked child: take over the request's descriptors, process group, directory, environment and argv.
void become_child(int ctl, const int fds[3], const char* plan, const char* cwd, char* args, int argc) {
  sys_close(ctl);
  for (auto& c : g_children) {
    if (c.pidfd >= 0) sys_close(c.pidfd);
    c = Child{};
  }
  for (int i = 0; i < 3; ++i) {
    if (fds[i] == i) {
      // Already in place (cannot happen while the server holds 0-2, but harmless): clear close-on-exec.
      syscall(SYS_fcntl, i, F_SETFD, 0);
    } else if (syscall(SYS_dup3, fds[i], i, 0) < 0) {
      child_fail("dup3", errno);
    }
  }
  for (int i = 0; i < 3; ++i) {
    if (fds[i] > 2) sys_close(fds[i]);
  }
  // No PR_SET_PDEATHSIG: a server's death must not change what its engines do (the harness would judge an engine
  // that died with its server). An engine outlives a killed server; the harness, which holds its pidfd and pipes,
  // kills it and reports the lost exit status as a harness error.
  syscall(SYS_setpgid, 0, 0);
  if (syscall(SYS_chdir, cwd) != 0) child_fail("chdir", errno);
  set_child_environment(plan);
  // The request's argv[1..] replace our last argc - 1 words. Our leading words stay: argv[0], or for a script the
  // interpreter, its optional argument and the script's path, which the kernel put before the script's arguments.
  char* next = args;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) g_argv[g_argc - argc + i] = next;
    next += strlen(next) + 1;
  }
}

void shut_down() {
  for (auto& c : g_children) {
    if (c.pid <= 0) continue;
    kill(-c.pid, SIGKILL);
    kill(c.pid, SIGKILL);
    siginfo_t info;
    while (waitid(P_PID, static_cast<id_t>(c.pid), &info, WEXITED) < 0 && errno == EINTR) {
    }
  }
  _exit(0);
}

// Receives one request; returns its length, 0 on EOF, -1 on a malformed one. fds[] gets its descriptors (-1 if none).
ssize_t receive(int ctl, int fds[3]) {
  fds[0] = fds[1] = fds[2] = -1;
  iovec iov{g_message, sizeof g_message - 1};
  alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(ctl, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return n == 0 ? 0 : -2;
  int got = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (got < 3) {
        fds[got++] = fd;
      } else {
        sys_close(fd);
      }
    }
  }
  if (got != 3 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) return -1;
  g_message[n] = '\0';
  return n;
}

// Serves until the harness closes the control descriptor (then it kills its engines and exits) and returns only in
// a forked child, ready to continue into the program.
void serve(int ctl) {
  const int server_pid = static_cast<int>(syscall(SYS_getpid));
  const int threads = thread_count();
  if (threads != 1) {
    // fork() copies only the calling thread: a child of a multi-threaded process may hang on a lock another thread
    // held. The harness falls back to exec.
    send_reply(ctl, fp::kRefuse, server_pid, fp::kThreads, threads);
    _exit(0);
  }
  if (!send_reply(ctl, fp::kHello, server_pid, static_cast<int>(fp::kVersion), g_argc)) _exit(0);
  for (;;) {
    pollfd p[1 + fp::kMaxChildren];
    int slot_of[1 + fp::kMaxChildren];
    nfds_t n = 0;
    p[n++] = pollfd{ctl, POLLIN, 0};
    for (int i = 0; i < static_cast<int>(fp::kMaxChildren); ++i) {
      if (g_children[i].pidfd < 0) continue;
      slot_of[n] = i;
      p[n++] = pollfd{g_children[i].pidfd, POLLIN, 0};
    }
    if (poll(p, n, -1) < 0) {
      if (errno == EINTR) continue;
      shut_down();
    }
    for (nfds_t k = 1; k < n; ++k) {
      if (p[k].revents == 0) continue;
      Child& c = g_children[slot_of[k]];
      siginfo_t info{};
      if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(c.pidfd), &info, WEXITED) < 0) {
        if (errno == EINTR) continue;
        info.si_code = CLD_KILLED;
        info.si_status = 0;
      }
      const int pid = c.pid;
      sys_close(c.pidfd);
      c = Child{};
      if (!send_reply(ctl, fp::kExited, pid, info.si_code, info.si_status)) shut_down();
    }
    if (p[0].revents == 0) continue;
    int fds[3];
    const ssize_t len = receive(ctl, fds);
    if (len == 0 || len == -2) shut_down();  // the harness is gone
    auto fail = [&](fp::SpawnStep step, int err) {
      for (int fd : fds) {
        if (fd >= 0) sys_close(fd);
      }
      if (!send_reply(ctl, fp::kSpawnFailed, 0, err, step)) shut_down();
    };
    fp::Request req;
    if (len < static_cast<ssize_t>(sizeof req)) {
      fail(fp::kStepMessage, EPROTO);
      continue;
    }
    memcpy(&req, g_message, sizeof req);
    char* payload = g_message + sizeof req;
    const size_t payload_len = static_cast<size_t>(len) - sizeof req;
    // The payload must hold exactly 2 + argc NUL-terminated strings.
    size_t strings = 0;
    for (size_t i = 0; i < payload_len; ++i) strings += payload[i] == '\0' ? 1 : 0;
    if (req.magic != fp::kMagic || req.kind != fp::kSpawn || req.payload_len != payload_len || payload_len == 0 ||
        payload[payload_len - 1] != '\0' || strings != 2 + static_cast<size_t>(req.argc)) {
      fail(fp::kStepMessage, EPROTO);
      continue;
    }
    if (req.argc == 0 || static_cast<int>(req.argc) > g_argc) {
      fail(fp::kStepArgc, EINVAL);
      continue;
    }
    int slot = -1;
    for (int i = 0; i < static_cast<int>(fp::kMaxChildren) && slot < 0; ++i) {
      if (g_children[i].pid == 0) slot = i;
    }
    if (slot < 0) {
      fail(fp::kStepTooMany, EAGAIN);
      continue;
    }
    const char* plan = payload;
    const char* cwd = plan + strlen(plan) + 1;
    char* args = const_cast<char*>(cwd + strlen(cwd) + 1);
    const int pid = fork();
    if (pid < 0) {
      fail(fp::kStepFork, errno);
      continue;
    }
    if (pid == 0) {
      become_child(ctl, fds, plan, cwd, args, static_cast<int>(req.argc));
      return;
    }
    setpgid(pid, pid);  // also here, so the group exists before the harness hears the pid
    for (int fd : fds) sys_close(fd);
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      const int err = errno;
      kill(pid, SIGKILL);
      siginfo_t info;
      waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED);
      if (!send_reply(ctl, fp::kSpawnFailed, 0, err, fp::kStepPidfd)) shut_down();
      continue;
    }
    g_children[slot] = Child{pid, pidfd};
    // The harness gets a copy of the pidfd: it refers to this very process even after the server reaped it.
    if (!send_reply(ctl, fp::kSpawned, pid, 0, 0, pidfd)) shut_down();
  }
}

// The control descriptor named by FAULTFS_FORK_SERVER, or -1.
int control_fd() {
  const char* v = getenv(fp::kEnvServer);
  if (v == nullptr || *v < '0' || *v > '9') return -1;
  int fd = 0;
  for (; *v >= '0' && *v <= '9'; ++v) fd = fd * 10 + (*v - '0');
  return *v == '\0' ? fd : -1;
}

bool deferred() {
  const char* v = getenv(fp::kEnvPoint);
  return v != nullptr && strcmp(v, "deferred") == 0;
}

}  // namespace

void fork_server_at_start(int argc, char** argv) {
  g_argc = argc;
  g_argv = argv;
  if (argv == nullptr || deferred()) return;
  const int ctl = control_fd();
  if (ctl < 0) return;
  g_fork_point_used = true;
  serve(ctl);
  reinit_in_child();
}

}  // namespace faultfs

using faultfs::g_argc;
using faultfs::g_argv;

// docs/fork-server.md: the deferred fork point. Without a deferred fork server it returns 0 at once; with one, the
// calling process becomes the server and this returns 1 in each child it forks, with the child's plan loaded.
extern "C" __attribute__((visibility("default"))) int faultline_fork_point(void) {
  if (faultfs::g_fork_point_used || g_argv == nullptr || !faultfs::deferred()) return 0;
  const int ctl = faultfs::control_fd();
  if (ctl < 0) return 0;
  faultfs::g_fork_point_used = true;
  faultfs::serve(ctl);
  faultfs::reinit_in_child();
  faultfs::ensure_init();
  return 1;
}

// argv[i] as the harness meant it for this process (a fork server's child gets its own argv), null past the end:
// a program that copied its arguments before faultline_fork_point() (an interpreter) reads them again here.
extern "C" __attribute__((visibility("default"))) const char* faultline_arg(int i) {
  if (g_argv == nullptr || i < 0 || i >= g_argc) return nullptr;
  return g_argv[i];
}
