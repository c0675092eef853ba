// Shim state: start-up, the descriptor table, the records of open target files, and the lock around them.
//
// The descriptor table is indexed by fd and holds one 64-bit word per fd ((file + 1) << 32 | flags), so that the
// question every intercepted call asks first, "is this fd a target?", is one relaxed load. Everything else (file
// records, fault counters, the PRNG streams) sits behind one test-and-set lock that is never held across a system
// call. A thread-local flag marks a thread that is inside the shim: a signal handler that interrupts it and calls
// back into the shim passes straight through instead of deadlocking on the lock.
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {

FileRec g_files[kMaxFiles];

namespace {

uint64_t g_fds[kMaxFd];
int g_lock = 0;
int g_init_state = 0;  // 0: not started, 1: running, 2: done
int g_pid = 0;
__thread int t_busy __attribute__((tls_model("initial-exec"))) = 0;
__thread int t_initializing __attribute__((tls_model("initial-exec"))) = 0;

void normalize_target_dir() {
  char abs[kPathMax];
  if (absolute_path(AT_FDCWD, g_plan.target_dir, abs)) strcpy(g_plan.target_dir, abs);
  if (realpath(g_plan.target_dir, g_plan.target_real) == nullptr) strcpy(g_plan.target_real, g_plan.target_dir);
}

// exec drop: children exec'd by this process must not load the shim. Removing our entry from LD_PRELOAD (in place,
// other preloaded libraries stay) and FAULTFS_PLAN from the environment covers execve, posix_spawn, system and popen
// alike, at the cost of hiding them from the program's own getenv().
void drop_from_environment() {
  unsetenv("FAULTFS_PLAN");
  char* list = getenv("LD_PRELOAD");
  if (list == nullptr) return;
  char* out = list;
  const char* in = list;
  bool any = false;
  while (*in != '\0') {
    while (*in == ' ' || *in == ':') ++in;
    if (*in == '\0') break;
    const char* end = in;
    while (*end != '\0' && *end != ' ' && *end != ':') ++end;
    const char* base = in;
    for (const char* c = in; c < end; ++c) {
      if (*c == '/') base = c + 1;
    }
    const bool ours = static_cast<size_t>(end - base) >= 10 && strncmp(base, "libfaultfs", 10) == 0;
    if (!ours) {
      if (any) *out++ = ':';
      memmove(out, in, static_cast<size_t>(end - in));
      out += end - in;
      any = true;
    }
    in = end;
  }
  *out = '\0';
  if (!any) unsetenv("LD_PRELOAD");
}

void exe_path(char* out) {
  const ssize_t r = readlink("/proc/self/exe", out, kPathMax - 1);
  out[r > 0 ? r : 0] = '\0';
}

void atfork_prepare() { lock(); }
void atfork_parent() { unlock(); }
void atfork_child() {
  __atomic_store_n(&g_pid, static_cast<int>(getpid()), __ATOMIC_RELAXED);
  unlock();
}

void init_once() {
  const char* plan = getenv("FAULTFS_PLAN");
  if (plan == nullptr || *plan == '\0') return;
  load_plan(plan);  // exits 87 on a bad plan
  normalize_target_dir();
  if (g_plan.exec_drop) drop_from_environment();
  __atomic_store_n(&g_pid, static_cast<int>(getpid()), __ATOMIC_RELAXED);
  pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
  for (int i = 0; i < kCallCount; ++i) real_fn(static_cast<Call>(i));  // resolve now, outside any signal handler
  char exe[kPathMax];
  exe_path(exe);
  g_plan.active = true;
  Line("start")
      .num("plan_version", 1)
      .u64_as_string("seed", g_plan.seed)
      .str("exe", exe)
      .str("target_dir", g_plan.target_dir)
      .num("faults", g_plan.n_faults)
      .emit();
}

// glibc passes ELF constructors main's argc and argv: the fork server (fork_server.cc) keeps them to give each child
// its own argv, and a fork server's child returns here to load its own plan.
__attribute__((constructor)) void faultfs_constructor(int argc, char** argv, char**) {
  fork_server_at_start(argc, argv);
  ensure_init();
}

}  // namespace

// In a fork server's child, single-threaded: the server never loaded a plan (it has none, or an empty FAULTFS_PLAN),
// but a wrapper called before the constructor may have marked the shim initialised and inactive. Start over, so the
// child reads its own plan, journal and step counter exactly as an exec'd engine does.
void reinit_in_child() {
  __atomic_store_n(&g_init_state, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&g_pid, 0, __ATOMIC_RELAXED);
  t_initializing = 0;
}

int current_pid() {
  const int pid = __atomic_load_n(&g_pid, __ATOMIC_RELAXED);
  return pid != 0 ? pid : static_cast<int>(getpid());
}

bool ensure_init() {
  int state = __atomic_load_n(&g_init_state, __ATOMIC_ACQUIRE);
  if (__builtin_expect(state == 2, 1)) return g_plan.active;
  if (t_initializing) return false;  // a call made by the initialization itself
  int expected = 0;
  if (__atomic_compare_exchange_n(&g_init_state, &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    t_initializing = 1;
    init_once();
    t_initializing = 0;
    __atomic_store_n(&g_init_state, 2, __ATOMIC_RELEASE);
    return g_plan.active;
  }
  while (__atomic_load_n(&g_init_state, __ATOMIC_ACQUIRE) != 2) sched_yield();  // another thread initializes
  return g_plan.active;
}

void lock() {
  unsigned spins = 0;
  while (__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE) != 0) {
    while (__atomic_load_n(&g_lock, __ATOMIC_RELAXED) != 0) {
      if (++spins < 128) {
        __builtin_ia32_pause();
      } else {
        sched_yield();
      }
    }
  }
}

void unlock() { __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE); }

Busy::Busy() : entered(t_busy == 0) {
  if (entered) t_busy = 1;
}
Busy::~Busy() {
  if (entered) t_busy = 0;
}

bool fd_tracked(int fd) {
  return static_cast<unsigned>(fd) < static_cast<unsigned>(kMaxFd) && __atomic_load_n(&g_fds[fd], __ATOMIC_RELAXED) != 0;
}

FdInfo fd_info(int fd) {
  FdInfo info;
  if (static_cast<unsigned>(fd) >= static_cast<unsigned>(kMaxFd)) return info;
  const uint64_t word = __atomic_load_n(&g_fds[fd], __ATOMIC_ACQUIRE);
  if (word == 0) return info;
  info.file = static_cast<int>(word >> 32) - 1;
  info.flags = static_cast<uint32_t>(word);
  return info;
}

void fd_set(int fd, int file, uint32_t flags) {
  if (static_cast<unsigned>(fd) >= static_cast<unsigned>(kMaxFd)) return;
  const uint64_t word = (static_cast<uint64_t>(file + 1) << 32) | flags;
  const uint64_t old = __atomic_exchange_n(&g_fds[fd], word, __ATOMIC_ACQ_REL);
  if (old != 0) file_release(static_cast<int>(old >> 32) - 1);
}

void fd_clear(int fd) {
  if (static_cast<unsigned>(fd) >= static_cast<unsigned>(kMaxFd)) return;
  const uint64_t old = __atomic_exchange_n(&g_fds[fd], 0, __ATOMIC_ACQ_REL);
  if (old != 0) file_release(static_cast<int>(old >> 32) - 1);
}

bool matches_targets(const char* rel) {
  if (g_plan.n_targets == 0) return true;
  for (int i = 0; i < g_plan.n_targets; ++i) {
    if (glob_match(g_plan.targets[i], rel)) return true;
  }
  return false;
}

uint64_t fault_mask_for(const char* rel) {
  uint64_t mask = 0;
  for (int i = 0; i < g_plan.n_faults; ++i) {
    if (glob_match(g_plan.faults[i].file, rel)) mask |= uint64_t{1} << i;
  }
  return mask;
}

// Slots at and above g_files_used were never handed out. Scanning only below it keeps a process that opens a few
// files from touching (and page-faulting in) the whole 2 MiB table: that cost ~0.25 ms per engine start.
int g_files_used = 0;

int file_acquire(const char* rel, bool is_dir) {  // called with the lock held
  int free_slot = -1;
  for (int i = 0; i < g_files_used; ++i) {
    FileRec& f = g_files[i];
    if (f.refs == 0) {
      if (free_slot < 0) free_slot = i;
      continue;
    }
    if (!f.orphan && f.is_dir == is_dir && strcmp(f.path, rel) == 0) {
      ++f.refs;
      return i;
    }
  }
  if (free_slot < 0) {
    if (g_files_used == kMaxFiles) return -1;
    free_slot = g_files_used++;
  }
  FileRec& f = g_files[free_slot];
  f.refs = 1;
  f.is_dir = is_dir;
  f.orphan = false;
  f.dirty_lo = f.dirty_hi = 0;
  strcpy(f.path, rel);
  f.fault_mask = is_dir ? 0 : fault_mask_for(rel);
  return free_slot;
}

void file_release(int file) {
  if (file < 0 || file >= kMaxFiles) return;
  lock();
  if (g_files[file].refs > 0) --g_files[file].refs;
  unlock();
}

}  // namespace faultfs
