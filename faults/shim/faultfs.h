// Internal declarations of the fault shim libfaultfs.so (docs/faults.md, docs/fault-plan.md).
//
// The shim is C++20 without the C++ runtime: no exceptions, no RTTI, no libstdc++ calls, no allocation. All state
// lives in fixed-size static arrays; every libc function the shim needs for itself is called through the table of
// real functions (calls.cc), never through the interposed symbol.
#pragma once

#undef _FORTIFY_SOURCE  // the fortified inline wrappers of open/read would clash with our definitions

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "faultline/fault_kinds.h"
#include "faultline/history_format.h"
#include "faultline/rng.h"
#include "faultline/shim_exit.h"

// An interposed entry point (calls.cc, names.cc).
#define FAULTFS_EXPORT extern "C" __attribute__((visibility("default")))

namespace faultfs {

constexpr int kMaxFd = 65536;      // fds at or above are never tracked (an `untracked` event says so)
constexpr int kMaxFiles = 512;     // open target files and directories at once
constexpr int kMaxFaults = 64;     // `fault` lines per plan (a fault set is a 64-bit mask)
constexpr int kMaxTargets = 32;    // `target` lines per plan
constexpr int kPathMax = 4096;
constexpr int kGlobMax = 256;
constexpr int kExitBadPlan = faultline::shim_exit::kBadPlan;  // 87, FAULTFS_EXIT_BAD_PLAN

// ---- the real functions (calls.cc) --------------------------------------------------------------------------------
// One entry per interposed call: {name, wrapper, saved original}. The original is resolved with dlsym(RTLD_NEXT)
// the first time it is needed, from any thread, also before our constructor ran.
#define FAULTFS_CALLS(X)                                                                                  \
  X(open) X(open64) X(openat) X(openat64) X(__open_2) X(__open64_2) X(__openat_2) X(__openat64_2) X(creat)     \
  X(creat64) X(fopen) X(fopen64) X(fdopen) X(fclose)                                                            \
  X(write) X(pwrite) X(pwrite64) X(writev) X(pwritev) X(pwritev64) X(pwritev2) X(pwritev64v2)                   \
  X(read) X(pread) X(pread64) X(readv) X(preadv) X(preadv64) X(preadv2) X(preadv64v2) X(__read_chk)            \
  X(__pread_chk) X(__pread64_chk)                                                                               \
  X(fsync) X(fdatasync) X(sync_file_range)                                                                      \
  X(ftruncate) X(ftruncate64) X(truncate) X(truncate64) X(fallocate) X(fallocate64) X(posix_fallocate)         \
  X(posix_fallocate64)                                                                                          \
  X(rename) X(renameat) X(renameat2) X(unlink) X(unlinkat) X(remove)                                            \
  X(dup) X(dup2) X(dup3) X(fcntl) X(fcntl64) X(close) X(close_range) X(closefrom)                               \
  X(mmap) X(mmap64) X(copy_file_range) X(sendfile) X(sendfile64)                                              \
  X(mkdir) X(mkdirat) X(link) X(linkat) X(sync) X(syncfs)

#define FAULTFS_ENUM(name) c_##name,
enum Call : int { FAULTFS_CALLS(FAULTFS_ENUM) kCallCount };
#undef FAULTFS_ENUM

struct Syscall {
  const char* name;
  void* wrapper;   // our exported definition
  void* original;  // the next definition in the lookup order (glibc's); resolved lazily, then constant
};
extern Syscall g_calls[kCallCount];
void* resolve(Call call);
// Never null for calls glibc 2.36 exports; null for a call this libc lacks (the wrapper then fails with ENOSYS).
inline void* real_fn(Call call) {
  void* p = __atomic_load_n(&g_calls[call].original, __ATOMIC_ACQUIRE);
  return p != nullptr ? p : resolve(call);
}
template <typename F>
inline F real(Call call) {
  return reinterpret_cast<F>(real_fn(call));
}

// ---- the plan (plan_parse.cc) -------------------------------------------------------------------------------------
using Kind = faultline::FaultKind;  // the fault-kind table (faultline/fault_kinds.h)
using Op = faultline::FaultCall;    // when a fault kind is evaluated
enum class Trigger : uint8_t { kOffset, kNth, kProb, kStep };

struct Fault {
  Kind kind = Kind::kCrash;
  Trigger trigger = Trigger::kOffset;
  char file[kGlobMax] = "*";
  uint64_t offset = 0;
  uint64_t nth = 0;
  double prob = 0;
  uint64_t step = 0;   // step=: fires once the plan's step counter is >= step
  uint32_t count = 1;  // 0 = unlimited
  bool has_span = false;  // span=FROM:TO (resolved per call, see resolve_span in io.cc)
  int64_t span_from = 0;
  int64_t span_to = 0;
  bool has_keep = false;
  uint64_t keep = 0;
  uint64_t skip = 0;      // skip=K (with step=): K qualifying calls pass first
  bool has_region = false;  // region=FROM:TO: only calls that touch file bytes [FROM, TO); the byte drawn inside
  uint64_t region_from = 0;
  uint64_t region_to = 0;
  int rewrite = -1;       // rewrite=overwrite (1): only calls inside the file's current size; append (0): the others
  int bit = -1;        // -1 = drawn from the seed
  int err = 0;         // errno value
  int64_t shift = 4096;
  // Run-time state, guarded by the state lock.
  uint64_t calls = 0;  // calls of the fault's operation on matching files
  uint32_t fired = 0;
  faultline::Rng rng{0};
};

struct Plan {
  bool active = false;
  uint64_t seed = 0;
  char path[kPathMax] = {};        // the plan file itself, for messages
  char journal[kPathMax] = {};
  char target_dir[kPathMax] = {};  // as written in the plan, lexically normalized
  char target_real[kPathMax] = {}; // realpath(target_dir) when it exists, else == target_dir
  char targets[kMaxTargets][kGlobMax] = {};
  int n_targets = 0;
  bool exec_drop = false;
  char step_file[kPathMax] = {};   // "" = none
  char record[kPathMax] = {};      // the recorded history (`record PATH`); "" = none
  // The step_file's u64 counter (little-endian, offset 0), mapped PROT_READ/MAP_SHARED at load; null = no step_file.
  // Another process raises it; the shim only reads it with acquire loads (step_now).
  const uint64_t* step_counter = nullptr;
  Fault faults[kMaxFaults];
  int n_faults = 0;
};
extern Plan g_plan;

Op fault_op(Kind kind);
// An `untracked` line: a call on a target the shim cannot follow (meta.cc).
void journal_untracked(const char* fn, const char* rel, const char* why);
const char* kind_name(Kind kind);
const char* errno_name(int err);  // "EIO", ...; "E?" for others
// Parses the plan file into g_plan (and maps its step_file). On any error: one line on stderr, then _exit(87).
void load_plan(const char* plan_path);
// The step counter's current value (0 without a step_file). No lock, no system call: one acquire load.
inline uint64_t step_now() {
  const uint64_t* p = g_plan.step_counter;
  if (p == nullptr) return 0;
  const uint64_t v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return __builtin_bswap64(v);  // the file holds a little-endian u64
#else
  return v;
#endif
}

// ---- init (state.cc) ----------------------------------------------------------------------------------------------
// Loads the plan once; safe to call from any wrapper at any time. Returns whether the shim is active.
bool ensure_init();
// The fork server (fork_server.cc, docs/fork-server.md): called first by the constructor with main's argc and argv.
// Returns at once without FAULTFS_FORK_SERVER; with it, serves fork requests and returns only in a child.
void fork_server_at_start(int argc, char** argv);
// In a fork server's child: forget the server's (empty) initialisation, so that ensure_init() loads the child's plan.
void reinit_in_child();

// ---- fd table and file records (state.cc) -------------------------------------------------------------------------
enum FdFlags : uint32_t { kFdAppend = 1, kFdRead = 2, kFdWrite = 4, kFdSync = 8, kFdDsync = 16, kFdDir = 32 };

struct FileRec {
  uint32_t refs = 0;           // fds that point here; 0 = free slot
  bool is_dir = false;
  uint64_t fault_mask = 0;     // faults whose file= glob matches path
  uint64_t dirty_lo = 0;       // written range since the last sync, [dirty_lo, dirty_hi); empty when lo >= hi
  uint64_t dirty_hi = 0;
  bool orphan = false;         // unlinked or renamed out of target_dir while open: no longer followed
  uint64_t ino = 0;            // st_ino at open, for the recorded history
  char path[kPathMax] = {};    // relative to target_dir ("." for target_dir itself)
};
extern FileRec g_files[kMaxFiles];
// Slots at and above g_files_used were never handed out: every scan of the table stops there, so that a process
// which opens a few files never touches (and page-faults in) the whole 2 MiB table. Read with the lock held.
extern int g_files_used;

struct FdInfo {
  int file = -1;               // index into g_files, -1 = not tracked
  uint32_t flags = 0;
};
// The hot path: one relaxed load. False for every fd the shim does not follow.
bool fd_tracked(int fd);
FdInfo fd_info(int fd);
void fd_set(int fd, int file, uint32_t flags);
void fd_clear(int fd);  // also drops the file reference
int journal_fd();
void move_journal_fd_away(int fd);  // when the program dup2()s onto the journal fd

// The process id for journal lines, cached (refreshed in the child after fork) to save a system call per event.
int current_pid();

// A tiny test-and-set lock around the bookkeeping (never held across a system call).
void lock();
void unlock();

// Reentrancy: a signal handler that interrupts the shim and calls a wrapper passes straight through.
struct Busy {
  Busy();
  ~Busy();
  bool entered;  // false when this thread is already inside the shim
};

// Finds or creates the record of an open target file; returns -1 when the table is full.
int file_acquire(const char* rel, bool is_dir);
void file_release(int file);
uint64_t fault_mask_for(const char* rel);
bool matches_targets(const char* rel);

// ---- paths (paths.cc) ---------------------------------------------------------------------------------------------
// Makes `path` (relative to dirfd, or absolute) absolute and lexically normal in out[kPathMax]. False on failure.
bool absolute_path(int dirfd, const char* path, char* out);
// The path relative to target_dir ("." for target_dir itself), or null when `abs` is not under target_dir.
const char* relative_to_target(const char* abs);
// fnmatch(3) with flags 0 (a `*` also matches `/`), byte-wise, async-signal-safe.
bool glob_match(const char* pattern, const char* text);

// ---- journal lines (journal_line.cc) ------------------------------------------------------------------------------
class Line {
 public:
  explicit Line(const char* ev);  // {"ev":"...","pid":N
  Line& str(const char* key, const char* value);
  Line& num(const char* key, int64_t value);
  Line& u64(const char* key, uint64_t value);
  Line& u64_as_string(const char* key, uint64_t value);
  Line& boolean(const char* key, bool value);
  void emit();  // closes the object and appends it to the shared journal (journal_line.cc); preserves errno

 private:
  void raw(const char* s, size_t n);
  void key(const char* k);
  char buf_[2 * kPathMax + 512];
  size_t n_ = 0;
  static constexpr size_t kReserve = 4;  // room for "}\n" that emit() adds
};
// Maps the first *window bytes of fd MAP_SHARED, growing the file (of `size` bytes) to them; when that is not
// possible (RLIMIT_AS, RLIMIT_FSIZE) maps only the first page and sets *window to `header` (journal_line.cc).
// Returns MAP_FAILED when nothing can be mapped.
void* map_window(int fd, uint64_t size, uint64_t* window, uint64_t header);
// How far (from offset 0) this process has allocated a window's file (backing.cc): a store or load on a page the file
// system never allocated is SIGBUS once it is full, so no such page is touched.
struct Backing {
  uint64_t upto = 0;         // [0, upto) is allocated
  bool unsupported = false;  // fallocate() does not work here: stores past `upto` go through pwrite()
};
// True when [0, end) of the window (of `window` bytes) of fd is allocated now, so that it may be stored through the
// mapping; false: write those bytes with pwrite() (whose error says why). Preserves errno.
bool back_window(Backing* b, int fd, uint64_t end, uint64_t window);
bool backed(const Backing* b, uint64_t end);  // whether [0, end) is known allocated (no system call)
// One line on stderr, then _exit(FAULTFS_EXIT_NO_SPACE): a journal line or history record (`what`, in `path`) could
// not be stored because its file system is full (err: ENOSPC or EDQUOT).
[[noreturn]] void out_of_space(const char* what, const char* path, int err);
void journal_open();  // opens g_plan.journal, moves it to a high fd; exits 87 when it cannot

// ---- the recorded history (history.cc, faultline/history_format.h) ------------------------------------------------
bool history_open();  // maps g_plan.record; false when it cannot be opened or is not a history file
bool history_on();    // whether the plan records (one acquire load)
// Appends one record; with `iov`, its first `len` bytes are the record's data. No allocation, no lock, preserves errno.
void history_add(faultline::history::RecordType type, const char* name, const char* name2, uint64_t ino,
                 uint64_t off, uint64_t len, const struct iovec* iov = nullptr, int iovcnt = 0, int64_t flip = -1,
                 int bit = 0);
int mkdir_common(int dirfd, const char* path, mode_t mode, Call call);
int link_common(Call call, int olddir, const char* from, int newdir, const char* to, int flags);
void note_sync_all(Call call, int fd, int ret);  // sync(), syncfs(fd): fd -1 for sync()

// ---- the wrappers' common paths (io.cc, meta.cc) ------------------------------------------------------------------
// How the program called us, so that the shim can make the same call (or a changed one) through the real function.
struct IoCall {
  Call call;  // the entry point the program used
  int fd;
  const struct iovec* iov;
  int iovcnt;
  int64_t off;         // -1: at the current file position
  int rwf = 0;         // pwritev2/preadv2 flags
  size_t chk_len = 0;  // __read_chk/__pread_chk buffer length
};
ssize_t io_write(const IoCall& c);
ssize_t io_read(const IoCall& c);
ssize_t io_issue(const IoCall& c, const struct iovec* iov, int iovcnt, int64_t off);  // the real call
int do_sync(Call call, int fd, int64_t off, int64_t nbytes, unsigned flags);

int open_common(Call call, int dirfd, const char* path, int flags, mode_t mode);
FILE* fopen_common(Call call, const char* path, const char* mode);
FILE* fdopen_common(int fd, const char* mode);
int fclose_common(FILE* stream);
void after_dup(int oldfd, int newfd);
int fcntl_common(Call call, int fd, int cmd, void* arg);
int close_common(int fd);
int close_range_common(unsigned first, unsigned last, int flags);
int rename_common(Call call, int olddir, const char* from, int newdir, const char* to, unsigned flags);
int unlink_common(Call call, int dirfd, const char* path, int flags);
int truncate_common(Call call, const char* path, int fd, int64_t size);  // path null: ftruncate(fd)
int fallocate_common(Call call, int fd, int mode, int64_t off, int64_t len);
void note_untracked_write(const char* fn, int fd, const char* why);
// The result of a write or sync on a descriptor the shim does not follow. A failure for lack of space (ENOSPC,
// EDQUOT) is journaled all the same, as a `no_space` line (names.cc): whatever file the engine was writing, a full
// work directory is the environment's fault, not the engine's (docs/reliability.md). Preserves errno.
void note_no_space(const char* fn, int fd, int err);
template <class R>
R untracked(const char* fn, int fd, R r) {
  if (r < 0 && (errno == ENOSPC || errno == EDQUOT)) note_no_space(fn, fd, errno);
  return r;
}
void note_mmap(const char* fn, int prot, int flags, int fd);

void track_open(const char* fn, int fd, const char* rel, int oflags, bool created, bool existed_before);
// Journals a tracked fd's close and forgets it.
void untrack_close(int fd);

}  // namespace faultfs
