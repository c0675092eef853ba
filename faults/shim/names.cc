// The namespace operations on targets (rename, unlink, truncate, fallocate; for the recorded history also mkdir,
// link, sync, syncfs) and the writes the shim cannot see (mmap, copy_file_range, sendfile), journaled as `untracked`
// (the model is at the top of meta.cc).
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {

void copy_rel(const char* rel, char* out);  // meta.cc: a target's relative path into a kPathMax buffer

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
    using faultline::history::RecordType;
    if (rel_b != nullptr) history_add(RecordType::kRename, rel_a, rel_b, 0, flags, 0);
    else history_add(RecordType::kUnlink, rel_a, nullptr, 0, 0, 0);  // moved out of target_dir: gone from it
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
    history_add(faultline::history::RecordType::kUnlink, rel, nullptr, 0, 0, 0);
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
  uint64_t ino = 0;
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
    if (!skip) ino = g_files[info.file].ino;
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
    history_add(faultline::history::RecordType::kTruncate, rel, nullptr, ino, static_cast<uint64_t>(size), 0);
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
  const uint64_t ino = g_files[info.file].ino;
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
    history_add(faultline::history::RecordType::kTruncate, rel, nullptr, ino, static_cast<uint64_t>(after.st_size), 0);
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

// ---- mkdir, link, sync, syncfs: recorded in the history only (the journal has no event for them) ----------------

int mkdir_common(int dirfd, const char* path, mode_t mode, Call call) {
  auto pass = [&]() -> int {
    if (call == c_mkdirat) return real<int (*)(int, const char*, mode_t)>(call)(dirfd, path, mode);
    return real<int (*)(const char*, mode_t)>(call)(path, mode);
  };
  if (!ensure_init() || path == nullptr || !history_on()) return pass();
  Busy busy;
  if (!busy.entered) return pass();
  char abs[kPathMax];
  const char* rel = absolute_path(call == c_mkdirat ? dirfd : AT_FDCWD, path, abs) ? relative_to_target(abs) : nullptr;
  const int r = pass();
  if (r == 0 && rel != nullptr) history_add(faultline::history::RecordType::kMkdir, rel, nullptr, 0, 0, 0);
  return r;
}

int link_common(Call call, int olddir, const char* from, int newdir, const char* to, int flags) {
  auto pass = [&]() -> int {
    if (call == c_linkat) return real<int (*)(int, const char*, int, const char*, int)>(call)(olddir, from, newdir, to, flags);
    return real<int (*)(const char*, const char*)>(call)(from, to);
  };
  if (!ensure_init() || from == nullptr || to == nullptr || !history_on()) return pass();
  Busy busy;
  if (!busy.entered) return pass();
  char a[kPathMax], b[kPathMax];
  const char* rel_a = absolute_path(olddir, from, a) ? relative_to_target(a) : nullptr;
  const char* rel_b = absolute_path(newdir, to, b) ? relative_to_target(b) : nullptr;
  const int r = pass();
  if (r == 0 && rel_a != nullptr && rel_b != nullptr) {
    history_add(faultline::history::RecordType::kLink, rel_a, rel_b, 0, 0, 0);
  }
  return r;
}

void note_sync_all(Call call, int fd, int ret) {
  if (ret != 0 || !history_on()) return;
  if (call == c_syncfs && !fd_tracked(fd)) return;  // another file system, as far as the shim can tell
  Busy busy;
  if (!busy.entered) return;
  using faultline::history::RecordType;
  history_add(call == c_sync ? RecordType::kSync : RecordType::kSyncfs, nullptr, nullptr, 0, 0, 0);
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

void note_no_space(const char* fn, int fd, int err) {
  const int saved = errno;
  Busy busy;
  if (busy.entered) Line("no_space").num("fd", fd).str("fn", fn).str("errno", errno_name(err)).emit();
  errno = saved;
}

void note_mmap(const char* fn, int prot, int flags, int fd) {
  if ((prot & PROT_WRITE) != 0 && (flags & MAP_TYPE) != MAP_PRIVATE) {
    note_untracked_write(fn, fd, "stores through a shared writable mapping bypass the shim");
  }
}

}  // namespace faultfs

// ---- the entry points of the calls only the history follows -----------------------------------------------------

using namespace faultfs;

FAULTFS_EXPORT int mkdir(const char* path, mode_t mode) noexcept { return mkdir_common(AT_FDCWD, path, mode, c_mkdir); }
FAULTFS_EXPORT int mkdirat(int dirfd, const char* path, mode_t mode) noexcept {
  return mkdir_common(dirfd, path, mode, c_mkdirat);
}
FAULTFS_EXPORT int link(const char* from, const char* to) noexcept {
  return link_common(c_link, AT_FDCWD, from, AT_FDCWD, to, 0);
}
FAULTFS_EXPORT int linkat(int olddir, const char* from, int newdir, const char* to, int flags) noexcept {
  return link_common(c_linkat, olddir, from, newdir, to, flags);
}
FAULTFS_EXPORT void sync() noexcept {
  real<void (*)()>(c_sync)();
  note_sync_all(c_sync, -1, 0);
}
FAULTFS_EXPORT int syncfs(int fd) noexcept {
  const int r = real<int (*)(int)>(c_syncfs)(fd);
  const int err = errno;
  note_sync_all(c_syncfs, fd, r);
  errno = err;
  return r;
}
