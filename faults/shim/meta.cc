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

void journal_untracked(const char* fn, const char* rel, const char* why) {
  Line line("untracked");
  line.str("fn", fn).str("file", rel);
  if (why != nullptr) line.str("why", why);
  line.emit();
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

void copy_rel(const char* rel, char* out) { strcpy(out, rel); }

}  // namespace

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
  fd_set(fd, file, flags);
  if (is_dir) return;
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

// ---- rename, unlink, truncate ------------------------------------------------------------------------------------

namespace {

// After a successful rename inside the namespace: open records follow their file; a replaced file is orphaned.
void rename_records(const char* from, const char* to) {  // lock held; `to` null when moved out of target_dir
  const size_t from_len = strlen(from);
  for (int i = 0; i < g_files_used; ++i) {
    FileRec& f = g_files[i];
    if (f.refs == 0 || f.orphan) continue;
    if (to != nullptr && strcmp(f.path, to) == 0) {
      f.orphan = true;
      continue;
    }
    const bool same = strcmp(f.path, from) == 0;
    const bool below = strncmp(f.path, from, from_len) == 0 && f.path[from_len] == '/';
    if (!same && !below) continue;
    if (to == nullptr) {
      f.orphan = true;
      continue;
    }
    char moved[kPathMax];
    const size_t to_len = strlen(to);
    const size_t rest = strlen(f.path + from_len);
    if (to_len + rest >= sizeof moved) {
      f.orphan = true;
      continue;
    }
    memcpy(moved, to, to_len);
    memcpy(moved + to_len, f.path + from_len, rest + 1);
    strcpy(f.path, moved);
    f.fault_mask = f.is_dir ? 0 : fault_mask_for(f.path);
  }
}

void orphan_records(const char* rel) {  // lock held
  for (int i = 0; i < g_files_used; ++i) {
    FileRec& f = g_files[i];
    if (f.refs != 0 && !f.orphan && !f.is_dir && strcmp(f.path, rel) == 0) f.orphan = true;
  }
}

void clip_dirty(const char* rel, uint64_t size) {  // lock held
  for (int i = 0; i < g_files_used; ++i) {
    FileRec& f = g_files[i];
    if (f.refs == 0 || f.orphan || f.is_dir || strcmp(f.path, rel) != 0) continue;
    if (f.dirty_hi > size) f.dirty_hi = size;
  }
}

}  // namespace

int rename_common(Call call, int olddir, const char* from, int newdir, const char* to, unsigned flags) {
  auto pass = [&]() -> int {
    if (call == c_rename) return real<int (*)(const char*, const char*)>(call)(from, to);
    if (call == c_renameat) return real<int (*)(int, const char*, int, const char*)>(call)(olddir, from, newdir, to);
    auto fn = real<int (*)(int, const char*, int, const char*, unsigned)>(call);
    if (fn == nullptr) {
      errno = ENOSYS;
      return -1;
    }
    return fn(olddir, from, newdir, to, flags);
  };
  if (!ensure_init() || from == nullptr || to == nullptr) return pass();
  Busy busy;
  if (!busy.entered) return pass();
  char a[kPathMax], b[kPathMax];
  const char* rel_a = absolute_path(olddir, from, a) ? relative_to_target(a) : nullptr;
  const char* rel_b = absolute_path(newdir, to, b) ? relative_to_target(b) : nullptr;
  const bool watched = (rel_a != nullptr && matches_targets(rel_a)) || (rel_b != nullptr && matches_targets(rel_b));
  if (!watched) return pass();
  const int r = pass();
  const int err = errno;
  if (r == 0 && rel_a != nullptr) {
    lock();
    rename_records(rel_a, rel_b);
    unlock();
  }
  Line line("rename");
  line.str("from", rel_a != nullptr ? rel_a : a).str("to", rel_b != nullptr ? rel_b : b).num("ret", r);
  if (r < 0) line.str("errno", errno_name(err));
  line.emit();
  errno = err;
  return r;
}

int unlink_common(Call call, int dirfd, const char* path, int flags) {
  auto pass = [&]() -> int {
    if (call == c_unlinkat) return real<int (*)(int, const char*, int)>(call)(dirfd, path, flags);
    return real<int (*)(const char*)>(call)(path);
  };
  if (!ensure_init() || path == nullptr || (call == c_unlinkat && (flags & AT_REMOVEDIR) != 0)) return pass();
  Busy busy;
  if (!busy.entered) return pass();
  char abs[kPathMax];
  const char* rel = absolute_path(dirfd, path, abs) ? relative_to_target(abs) : nullptr;
  if (rel == nullptr || !matches_targets(rel)) return pass();
  if (call == c_remove) {  // remove() also removes directories, which are no targets
    struct stat st {};
    if (fstatat(AT_FDCWD, abs, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) return pass();
  }
  const int r = pass();
  const int err = errno;
  if (r == 0) {
    lock();
    orphan_records(rel);
    unlock();
  }
  Line line("unlink");
  line.str("file", rel).num("ret", r);
  if (r < 0) line.str("errno", errno_name(err));
  line.emit();
  errno = err;
  return r;
}

int truncate_common(Call call, const char* path, int fd, int64_t size) {
  auto pass = [&]() -> int {
    if (call == c_truncate || call == c_truncate64) return real<int (*)(const char*, off_t)>(call)(path, size);
    return real<int (*)(int, off_t)>(call)(fd, size);
  };
  if (path == nullptr && !fd_tracked(fd)) return pass();
  if (!ensure_init()) return pass();
  Busy busy;
  if (!busy.entered) return pass();
  char rel_buf[kPathMax];
  const char* rel = nullptr;
  char abs[kPathMax];
  if (path != nullptr) {
    rel = absolute_path(AT_FDCWD, path, abs) ? relative_to_target(abs) : nullptr;
    if (rel == nullptr || !matches_targets(rel)) return pass();
    struct stat st {};
    if (stat(abs, &st) == 0 && !S_ISREG(st.st_mode)) return pass();
  } else {
    const FdInfo info = fd_info(fd);
    lock();
    const bool skip = info.file < 0 || g_files[info.file].is_dir || g_files[info.file].orphan;
    if (!skip) copy_rel(g_files[info.file].path, rel_buf);
    unlock();
    if (skip) return pass();
    rel = rel_buf;
  }
  const int r = pass();
  const int err = errno;
  if (r == 0 && size >= 0) {
    lock();
    clip_dirty(rel, static_cast<uint64_t>(size));
    unlock();
  }
  Line line("truncate");
  line.num("fd", path != nullptr ? -1 : fd).str("file", rel).num("size", size).num("ret", r);
  if (r < 0) line.str("errno", errno_name(err));
  line.emit();
  errno = err;
  return r;
}

// fallocate/posix_fallocate: growing the file is journaled as a `truncate` to the new size; modes that move or
// zero data in place (punch hole, zero/collapse/insert range) cannot be described by the journal: `untracked`.
int fallocate_common(Call call, int fd, int mode, int64_t off, int64_t len) {
  auto pass = [&]() -> int {
    if (call == c_fallocate || call == c_fallocate64) {
      return real<int (*)(int, int, off_t, off_t)>(call)(fd, mode, off, len);
    }
    return real<int (*)(int, off_t, off_t)>(call)(fd, off, len);
  };
  const FdInfo info = fd_info(fd);
  if (info.file < 0 || (info.flags & kFdDir) != 0) return pass();
  Busy busy;
  if (!busy.entered) return pass();
  char rel[kPathMax];
  lock();
  copy_rel(g_files[info.file].path, rel);
  unlock();
  struct stat before {}, after {};
  fstat(fd, &before);
  const int r = pass();
  const int err = errno;
  fstat(fd, &after);
  const bool posix = call == c_posix_fallocate || call == c_posix_fallocate64;
  const bool ok = r == 0;
  const int data_modes = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_COLLAPSE_RANGE |
                         FALLOC_FL_INSERT_RANGE;
  if (ok && !posix && (mode & data_modes) != 0) {
    journal_untracked(g_calls[call].name, rel, "fallocate mode that changes data in place");
  } else if (ok && after.st_size != before.st_size) {
    Line("truncate")
        .num("fd", fd)
        .str("file", rel)
        .num("size", after.st_size)
        .num("ret", 0)
        .str("fn", g_calls[call].name)
        .emit();
  }
  errno = err;
  return r;
}

// ---- mmap, copy_file_range, sendfile: writes the shim cannot see ----------------------------------------------------

void note_untracked_write(const char* fn, int fd, const char* why) {
  const FdInfo info = fd_info(fd);
  if (info.file < 0 || (info.flags & kFdDir) != 0) return;
  Busy busy;
  if (!busy.entered) return;
  char rel[kPathMax];
  lock();
  const bool orphan = g_files[info.file].orphan;
  copy_rel(g_files[info.file].path, rel);
  unlock();
  if (!orphan) journal_untracked(fn, rel, why);
}

void note_mmap(const char* fn, int prot, int flags, int fd) {
  if ((prot & PROT_WRITE) != 0 && (flags & MAP_TYPE) != MAP_PRIVATE) {
    note_untracked_write(fn, fd, "stores through a shared writable mapping bypass the shim");
  }
}

}  // namespace faultfs
