// The metadata path: which descriptors are targets (open, fopen, dup, close) and the namespace operations on
// targets (rename, unlink, truncate), plus the calls the shim cannot follow, which it journals as `untracked`.
//
// A target is a regular file under target_dir whose relative path matches a `target` glob (every file when there is
// none). Files opened for writing are followed for writes, reads and syncs; files opened read-only are followed for
// reads (so read faults reach a recovery that opens its log read-only). Directories under target_dir are followed
// only so that an fsync on them becomes a `dirsync` event.
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {
namespace {

uint32_t fd_flags_from(int oflags) {
  uint32_t flags = 0;
  const int acc = oflags & O_ACCMODE;
  if (acc == O_RDONLY || acc == O_RDWR) flags |= kFdRead;
  if (acc == O_WRONLY || acc == O_RDWR) flags |= kFdWrite;
  if ((oflags & O_APPEND) != 0) flags |= kFdAppend;
  if ((oflags & O_SYNC) == O_SYNC) flags |= kFdSync;
  else if ((oflags & O_DSYNC) != 0) flags |= kFdDsync;
  return flags;
}

const char* acc_name(uint32_t flags) {
  if ((flags & kFdRead) != 0 && (flags & kFdWrite) != 0) return "rw";
  return (flags & kFdWrite) != 0 ? "w" : "r";
}


bool exists(const char* abs) {
  struct stat st {};
  return fstatat(AT_FDCWD, abs, &st, 0) == 0;
}

// Forget an fd that was closed behind our back (fclose of an untracked stream, a raw close_range) before its number
// is reused for something else.
void forget_stale(int fd) {
  if (fd_tracked(fd)) fd_clear(fd);
}

}  // namespace

void copy_rel(const char* rel, char* out) { strcpy(out, rel); }

void journal_untracked(const char* fn, const char* rel, const char* why) {
  Line line("untracked");
  line.str("fn", fn).str("file", rel);
  if (why != nullptr) line.str("why", why);
  line.emit();
}

void track_open(const char* fn, int fd, const char* rel, int oflags, bool created, bool /*existed_before*/) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return forget_stale(fd);
  const bool is_dir = S_ISDIR(st.st_mode);
  if ((!is_dir && !S_ISREG(st.st_mode)) || (!is_dir && !matches_targets(rel))) return forget_stale(fd);
  if (fd >= kMaxFd) {
    if (!is_dir) journal_untracked(fn, rel, "descriptor number above the shim's table");
    return;
  }
  lock();
  const int file = file_acquire(rel, is_dir);
  unlock();
  if (file < 0) {
    forget_stale(fd);
    if (!is_dir) journal_untracked(fn, rel, "too many open target files");
    return;
  }
  const uint32_t flags = fd_flags_from(oflags) | (is_dir ? uint32_t{kFdDir} : 0u);
  lock();
  g_files[file].ino = static_cast<uint64_t>(st.st_ino);
  unlock();
  fd_set(fd, file, flags);
  if (is_dir) return;
  const bool trunc = (oflags & O_TRUNC) != 0 && (flags & kFdWrite) != 0;
  if (created) history_add(faultline::history::RecordType::kCreate, rel, nullptr, static_cast<uint64_t>(st.st_ino), 0, 0);
  else if (trunc) history_add(faultline::history::RecordType::kTruncate, rel, nullptr, static_cast<uint64_t>(st.st_ino), 0, 0);
  Line("open")
      .num("fd", fd)
      .str("file", rel)
      .boolean("created", created)
      .boolean("trunc", (oflags & O_TRUNC) != 0 && (flags & kFdWrite) != 0)
      .u64("size", static_cast<uint64_t>(st.st_size))
      .str("acc", acc_name(flags))
      .str("fn", fn)
      .emit();
}

void untrack_close(int fd) {
  const FdInfo info = fd_info(fd);
  if (info.file < 0) return;
  char path[kPathMax];
  lock();
  const bool quiet = g_files[info.file].is_dir || g_files[info.file].orphan;
  copy_rel(g_files[info.file].path, path);
  unlock();
  fd_clear(fd);
  if (!quiet) Line("close").num("fd", fd).str("file", path).emit();
}

// ---- open, creat, fopen ------------------------------------------------------------------------------------------

int real_open(Call call, int dirfd, const char* path, int flags, mode_t mode) {
  switch (static_cast<int>(call)) {  // a few calls of the table; the others are never issued here
    case c_open:
    case c_open64:
      return real<int (*)(const char*, int, ...)>(call)(path, flags, mode);
    case c_openat:
    case c_openat64:
      return real<int (*)(int, const char*, int, ...)>(call)(dirfd, path, flags, mode);
    case c___open_2:
    case c___open64_2:
      return real<int (*)(const char*, int)>(call)(path, flags);
    case c___openat_2:
    case c___openat64_2:
      return real<int (*)(int, const char*, int)>(call)(dirfd, path, flags);
    case c_creat:
    case c_creat64:
      return real<int (*)(const char*, mode_t)>(call)(path, mode);
    default:
      errno = ENOSYS;
      return -1;
  }
}

int open_common(Call call, int dirfd, const char* path, int flags, mode_t mode) {
  if (!ensure_init() || path == nullptr) return real_open(call, dirfd, path, flags, mode);
  Busy busy;
  if (!busy.entered) return real_open(call, dirfd, path, flags, mode);
  char abs[kPathMax];
  const char* rel = nullptr;
  if ((flags & O_TMPFILE) != O_TMPFILE && absolute_path(dirfd, path, abs)) rel = relative_to_target(abs);
  if (rel == nullptr) {
    const int fd = real_open(call, dirfd, path, flags, mode);
    if (fd >= 0) forget_stale(fd);
    return fd;
  }
  const bool existed = (flags & O_CREAT) == 0 || ((flags & O_EXCL) == 0 && exists(abs));
  const int fd = real_open(call, dirfd, path, flags, mode);
  if (fd < 0) return fd;
  const int saved = errno;
  track_open(g_calls[call].name, fd, rel, flags, !existed, existed);
  errno = saved;
  return fd;
}

int fopen_flags(const char* mode) {
  int flags = 0;
  switch (mode[0]) {
    case 'r': flags = O_RDONLY; break;
    case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
    default: return -1;
  }
  for (const char* m = mode + 1; *m != '\0' && *m != ','; ++m) {
    if (*m == '+') flags = (flags & ~O_ACCMODE) | O_RDWR;
    if (*m == 'x') flags |= O_EXCL;
  }
  return flags;
}

FILE* fopen_common(Call call, const char* path, const char* mode) {
  auto fn = real<FILE* (*)(const char*, const char*)>(call);
  if (!ensure_init() || path == nullptr || mode == nullptr) return fn(path, mode);
  Busy busy;
  const int flags = fopen_flags(mode);
  char abs[kPathMax];
  const char* rel = nullptr;
  if (busy.entered && flags >= 0 && absolute_path(AT_FDCWD, path, abs)) rel = relative_to_target(abs);
  if (rel == nullptr) {
    FILE* f = fn(path, mode);
    if (f != nullptr && busy.entered) forget_stale(fileno(f));
    return f;
  }
  const bool existed = (flags & O_CREAT) == 0 || ((flags & O_EXCL) == 0 && exists(abs));
  FILE* f = fn(path, mode);
  if (f == nullptr) return f;
  const int saved = errno;
  const int fd = fileno(f);
  track_open(g_calls[call].name, fd, rel, flags, !existed, existed);
  if (fd_tracked(fd) && (flags & O_ACCMODE) != O_RDONLY) {
    journal_untracked(g_calls[call].name, rel, "stdio writes (fwrite, fprintf) bypass the shim");
  }
  errno = saved;
  return f;
}

FILE* fdopen_common(int fd, const char* mode) {
  auto fn = real<FILE* (*)(int, const char*)>(c_fdopen);
  const FdInfo info = fd_info(fd);
  if (info.file >= 0 && (info.flags & kFdDir) == 0 && mode != nullptr && fopen_flags(mode) >= 0 &&
      (fopen_flags(mode) & O_ACCMODE) != O_RDONLY) {
    Busy busy;
    if (busy.entered) {
      char path[kPathMax];
      lock();
      copy_rel(g_files[info.file].path, path);
      unlock();
      journal_untracked("fdopen", path, "stdio writes (fwrite, fprintf) bypass the shim");
    }
  }
  return fn(fd, mode);
}

int fclose_common(FILE* stream) {
  auto fn = real<int (*)(FILE*)>(c_fclose);
  if (stream != nullptr) {
    const int fd = fileno(stream);
    Busy busy;
    if (busy.entered && fd >= 0 && fd_tracked(fd)) untrack_close(fd);
  }
  return fn(stream);
}

// ---- dup, fcntl, close ---------------------------------------------------------------------------------------------

void after_dup(int oldfd, int newfd) {
  if (newfd < 0) return;
  Busy busy;
  if (!busy.entered) return;
  if (fd_tracked(newfd) && newfd != oldfd) untrack_close(newfd);  // dup2 closed it
  const FdInfo info = fd_info(oldfd);
  if (info.file < 0 || newfd >= kMaxFd) return;
  lock();
  ++g_files[info.file].refs;
  unlock();
  fd_set(newfd, info.file, info.flags);
}

int fcntl_common(Call call, int fd, int cmd, void* arg) {
  auto fn = real<int (*)(int, int, ...)>(call);
  if (fn == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  const int r = fn(fd, cmd, arg);
  if (r >= 0 && fd_tracked(fd)) {
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
      after_dup(fd, r);
    } else if (cmd == F_SETFL) {
      const FdInfo info = fd_info(fd);
      const int flags = static_cast<int>(reinterpret_cast<intptr_t>(arg));
      if (info.file >= 0) {
        lock();
        ++g_files[info.file].refs;  // fd_set drops the reference of the entry it replaces
        unlock();
        fd_set(fd, info.file, (info.flags & ~uint32_t{kFdAppend}) | ((flags & O_APPEND) != 0 ? uint32_t{kFdAppend} : 0u));
      }
    }
  }
  return r;
}

int close_common(int fd) {
  auto fn = real<int (*)(int)>(c_close);
  if (fd >= 0 && fd == journal_fd()) return 0;  // the journal is ours: "closing" it must not lose the events
  if (fd_tracked(fd)) {
    Busy busy;
    if (busy.entered) untrack_close(fd);
    else fd_clear(fd);
  }
  return fn(fd);
}

int close_range_common(unsigned first, unsigned last, int flags) {
  auto fn = real<int (*)(unsigned, unsigned, int)>(c_close_range);
  if (fn == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  if ((flags & CLOSE_RANGE_CLOEXEC) != 0) return fn(first, last, flags);
  Busy busy;
  const unsigned top = last < static_cast<unsigned>(kMaxFd) ? last : static_cast<unsigned>(kMaxFd - 1);
  for (unsigned fd = first; fd <= top && first <= last; ++fd) {
    if (fd_tracked(static_cast<int>(fd))) {
      if (busy.entered) untrack_close(static_cast<int>(fd));
      else fd_clear(static_cast<int>(fd));
    }
  }
  const int j = journal_fd();
  if (j >= 0 && static_cast<unsigned>(j) >= first && static_cast<unsigned>(j) <= last) {  // keep the journal open
    int r = 0;
    if (static_cast<unsigned>(j) > first) r = fn(first, static_cast<unsigned>(j) - 1, flags);
    if (r == 0 && static_cast<unsigned>(j) < last) r = fn(static_cast<unsigned>(j) + 1, last, flags);
    return r;
  }
  return fn(first, last, flags);
}

}  // namespace faultfs
