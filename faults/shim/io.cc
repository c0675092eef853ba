// Fault injection on the data path: writes, reads and syncs of target files.
//
// Model: the shim sits between the program and the kernel and decides, per call, whether one fault of the plan
// fires. Each fault watches one operation (write, read or sync) on the target files its file= glob matches, and fires
// on the call whose byte range [pos, pos+len) contains its offset=, on its nth= call (and the count-1 calls after),
// with probability prob= per call, or on the calls made once the plan's step counter (a u64 in the mapped step_file
// that the harness raises) reached step=, at most count= times. At most one fault fires per call: the first in plan
// order. Every random choice (prob draws, the byte a span= picks, the byte and bit of a bit flip) comes from the
// fault's own xoshiro256** stream, seeded with derive_seed(plan seed, "fault/<index>"), so a plan, the program's call
// sequence and the step counter's value at each call fully determine what happens. The fault line is journaled
// before its effect becomes visible (before the call returns, before the SIGKILL of a crash), then the call's
// ordinary event records what the program saw.
//
//   crash              write the bytes before offset= (or keep=, or the span= byte), journal, SIGKILL this process
//   short_write        write the bytes before offset= (or keep=, default half, or the span= byte), return that count
//   bitflip_write      the file receives the data with one bit flipped; the call reports success
//   write_error        write keep= bytes (default 0; or the bytes before the span= byte), fail with errno=
//   lost_write         report success, write nothing; a write past the end still extends the file (with zeros)
//   misdirected_write  report success, the data lands at pos + shift=; the intended range keeps its old bytes
//   read_error         fail with errno=, read nothing
//   bitflip_read       the caller's buffer gets one bit flipped; the file is untouched
//   fsync_error        fail with errno= without syncing; the unsynced range is journaled as lost and counts as
//                      clean afterwards (Linux: the next fsync succeeds, the data is gone at the next power loss)
//
// Positions: pwrite/pread use their offset; an O_APPEND descriptor (or RWF_APPEND) writes at the current file size
// (fstat); otherwise the current position (lseek). Asking the kernel keeps the shim right about positions changed by
// calls it does not follow (lseek, sendfile, a parent process sharing the descriptor).
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault_decision.h"

namespace faultfs {
namespace {

bool is_pwritev2(Call c) { return c == c_pwritev2 || c == c_pwritev64v2; }

void mark_dirty(FileRec& f, uint64_t lo, uint64_t hi) {  // lock held
  if (lo >= hi) return;
  if (f.dirty_lo >= f.dirty_hi) {
    f.dirty_lo = lo;
    f.dirty_hi = hi;
    return;
  }
  if (lo < f.dirty_lo) f.dirty_lo = lo;
  if (hi > f.dirty_hi) f.dirty_hi = hi;
}

// Snapshot of the file record taken under the lock: the path may change under a concurrent rename.
struct Snapshot {
  char path[kPathMax];
  uint64_t mask;
  uint64_t ino;
  bool orphan;
};

void snapshot(int file, Snapshot& s) {  // lock held
  const FileRec& f = g_files[file];
  strcpy(s.path, f.path);
  s.mask = f.fault_mask;
  s.ino = f.ino;
  s.orphan = f.orphan;
}

void journal_io(const char* ev, int fd, const char* path, uint64_t off, uint64_t len, ssize_t ret, int err) {
  Line line(ev);
  line.num("fd", fd).str("file", path).u64("off", off).u64("len", len).num("ret", ret);
  if (ret < 0) line.str("errno", errno_name(err));
  line.emit();
}

// What the file received from a write call, into the recorded history (d: the fault that fired, if any).
void record_write(const IoCall& c, const Snapshot& s, const Decision& d, uint64_t pos, uint64_t len, ssize_t ret) {
  using faultline::history::RecordType;
  if (d.index < 0 || d.kind == Kind::kShortWrite) {
    if (ret > 0) history_add(RecordType::kWrite, s.path, nullptr, s.ino, pos, static_cast<uint64_t>(ret), c.iov, c.iovcnt);
  } else if (d.kind == Kind::kWriteError) {
    if (d.keep > 0) history_add(RecordType::kWrite, s.path, nullptr, s.ino, pos, d.keep, c.iov, c.iovcnt);
  } else if (d.kind == Kind::kBitflipWrite) {
    if (ret > 0) {
      history_add(RecordType::kWrite, s.path, nullptr, s.ino, pos, static_cast<uint64_t>(ret), c.iov, c.iovcnt,
                  static_cast<int64_t>(d.at - pos), d.bit);
    }
  } else if (d.kind == Kind::kMisdirectedWrite || d.kind == Kind::kLostWrite) {
    if (ret > 0 && d.kind == Kind::kMisdirectedWrite) {
      int64_t landed = static_cast<int64_t>(pos) + d.shift;
      if (landed < 0) landed = 0;
      history_add(RecordType::kWrite, s.path, nullptr, s.ino, static_cast<uint64_t>(landed), len, c.iov, c.iovcnt);
    }
    history_add(RecordType::kTruncate, s.path, nullptr, s.ino, file_size(c.fd), 0);  // the extension with zeros
  }
}

void journal_sync_write(int fd, int file, const char* path, const char* how) {  // O_SYNC/O_DSYNC/RWF_*SYNC
  const uint64_t size = file_size(fd);
  if (history_on()) {
    lock();
    const uint64_t ino = g_files[file].ino;
    unlock();
    const bool data_only = strcmp(how, "O_DSYNC") == 0 || strcmp(how, "RWF_DSYNC") == 0;
    history_add(data_only ? faultline::history::RecordType::kFdatasync : faultline::history::RecordType::kFsync, path,
                nullptr, ino, size, 0);
  }
  lock();
  g_files[file].dirty_lo = g_files[file].dirty_hi = 0;
  unlock();
  Line("sync").num("fd", fd).str("file", path).u64("size", size).num("ret", 0).str("fn", how).emit();
}

}  // namespace

ssize_t io_issue(const IoCall& c, const struct iovec* v, int n, int64_t off) {
  const int fd = c.fd;
  const bool one = n == 1;
  switch (static_cast<int>(c.call)) {  // a few calls of the table; the others are never issued here
    case c_write:
      if (one) return real<ssize_t (*)(int, const void*, size_t)>(c_write)(fd, v[0].iov_base, v[0].iov_len);
      return real<ssize_t (*)(int, const struct iovec*, int)>(c_writev)(fd, v, n);
    case c_writev:
      return real<ssize_t (*)(int, const struct iovec*, int)>(c_writev)(fd, v, n);
    case c_pwrite:
    case c_pwrite64:
      if (one) return real<ssize_t (*)(int, const void*, size_t, off_t)>(c.call)(fd, v[0].iov_base, v[0].iov_len, off);
      return real<ssize_t (*)(int, const struct iovec*, int, off_t)>(c_pwritev64)(fd, v, n, off);
    case c_pwritev:
    case c_pwritev64:
      return real<ssize_t (*)(int, const struct iovec*, int, off_t)>(c.call)(fd, v, n, off);
    case c_pwritev2:
    case c_pwritev64v2:
      return real<ssize_t (*)(int, const struct iovec*, int, off_t, int)>(c.call)(fd, v, n, off, c.rwf);
    case c_read:
      if (one) return real<ssize_t (*)(int, void*, size_t)>(c_read)(fd, v[0].iov_base, v[0].iov_len);
      return real<ssize_t (*)(int, const struct iovec*, int)>(c_readv)(fd, v, n);
    case c_readv:
      return real<ssize_t (*)(int, const struct iovec*, int)>(c_readv)(fd, v, n);
    case c_pread:
    case c_pread64:
      if (one) return real<ssize_t (*)(int, void*, size_t, off_t)>(c.call)(fd, v[0].iov_base, v[0].iov_len, off);
      return real<ssize_t (*)(int, const struct iovec*, int, off_t)>(c_preadv64)(fd, v, n, off);
    case c_preadv:
    case c_preadv64:
      return real<ssize_t (*)(int, const struct iovec*, int, off_t)>(c.call)(fd, v, n, off);
    case c_preadv2:
    case c_preadv64v2:
      return real<ssize_t (*)(int, const struct iovec*, int, off_t, int)>(c.call)(fd, v, n, off, c.rwf);
    case c___read_chk:
      return real<ssize_t (*)(int, void*, size_t, size_t)>(c.call)(fd, v[0].iov_base, v[0].iov_len, c.chk_len);
    case c___pread_chk:
    case c___pread64_chk:
      return real<ssize_t (*)(int, void*, size_t, off_t, size_t)>(c.call)(fd, v[0].iov_base, v[0].iov_len, off,
                                                                          c.chk_len);
    default:
      errno = ENOSYS;
      return -1;
  }
}

ssize_t io_write(const IoCall& c) {
  Busy busy;
  const FdInfo info = fd_info(c.fd);
  if (!busy.entered || info.file < 0 || (info.flags & kFdDir) != 0 || c.iovcnt < 0 || c.iovcnt > IOV_MAX) {
    return io_issue(c, c.iov, c.iovcnt, c.off);
  }
  Snapshot s;
  lock();
  snapshot(info.file, s);
  unlock();
  if (s.orphan) return io_issue(c, c.iov, c.iovcnt, c.off);
  const uint64_t len = iov_total(c.iov, c.iovcnt);
  const bool append = (info.flags & kFdAppend) != 0 || (is_pwritev2(c.call) && (c.rwf & RWF_APPEND) != 0);
  uint64_t pos = 0;
  if (append) {
    pos = file_size(c.fd);
  } else if (c.off >= 0) {
    pos = static_cast<uint64_t>(c.off);
  } else {
    const off_t cur = lseek(c.fd, 0, SEEK_CUR);
    pos = cur > 0 ? static_cast<uint64_t>(cur) : 0;
  }
  Decision d;
  if (len > 0 && s.mask != 0) {
    lock();
    d = decide(Op::kWrite, s.mask, pos, len);
    unlock();
  }
  const ssize_t ret = d.index >= 0 ? write_fault(c, s.path, d, pos, len, append) : io_issue(c, c.iov, c.iovcnt, c.off);
  const int err = errno;
  lock();
  FileRec& f = g_files[info.file];
  if (ret > 0) mark_dirty(f, pos, pos + static_cast<uint64_t>(ret));
  if (d.index >= 0 && d.kind == Kind::kWriteError) mark_dirty(f, pos, pos + d.keep);
  if (d.index >= 0 && d.kind == Kind::kMisdirectedWrite && ret > 0) {
    const int64_t landed = static_cast<int64_t>(pos) + d.shift;
    if (landed >= 0) mark_dirty(f, static_cast<uint64_t>(landed), static_cast<uint64_t>(landed) + len);
  }
  unlock();
  if (history_on()) record_write(c, s, d, pos, len, ret);
  journal_io("write", c.fd, s.path, pos, len, ret, err);
  const bool sync_rwf = is_pwritev2(c.call) && (c.rwf & (RWF_SYNC | RWF_DSYNC)) != 0;
  if (ret > 0 && ((info.flags & (kFdSync | kFdDsync)) != 0 || sync_rwf)) {
    const char* how = sync_rwf ? ((c.rwf & RWF_SYNC) != 0 ? "RWF_SYNC" : "RWF_DSYNC")
                               : ((info.flags & kFdSync) != 0 ? "O_SYNC" : "O_DSYNC");
    journal_sync_write(c.fd, info.file, s.path, how);
  }
  errno = err;
  return ret;
}

ssize_t io_read(const IoCall& c) {
  Busy busy;
  const FdInfo info = fd_info(c.fd);
  if (!busy.entered || info.file < 0 || (info.flags & kFdDir) != 0 || c.iovcnt < 0 || c.iovcnt > IOV_MAX) {
    return io_issue(c, c.iov, c.iovcnt, c.off);
  }
  Snapshot s;
  lock();
  snapshot(info.file, s);
  unlock();
  if (s.orphan) return io_issue(c, c.iov, c.iovcnt, c.off);
  const uint64_t len = iov_total(c.iov, c.iovcnt);
  uint64_t pos = 0;
  if (c.off >= 0) {
    pos = static_cast<uint64_t>(c.off);
  } else {
    const off_t cur = lseek(c.fd, 0, SEEK_CUR);
    pos = cur > 0 ? static_cast<uint64_t>(cur) : 0;
  }
  Decision d;
  if (len > 0 && s.mask != 0) {
    lock();
    d = decide(Op::kReadBefore, s.mask, pos, len);
    unlock();
  }
  ssize_t ret = 0;
  int err = 0;
  if (d.index >= 0) {
    Line line = fault_line(d, s.path, c.fd, pos, len);
    emit_fault(line.str("errno", errno_name(d.err)), d);
    ret = -1;
    err = d.err;
  } else {
    ret = io_issue(c, c.iov, c.iovcnt, c.off);
    err = errno;
    if (ret > 0 && s.mask != 0) {
      lock();
      d = decide(Op::kReadAfter, s.mask, pos, static_cast<uint64_t>(ret));
      unlock();
      if (d.index >= 0) {
        Line line = fault_line(d, s.path, c.fd, pos, len);
        emit_fault(line.u64("at", d.at).num("bit", d.bit), d);
        uint64_t index = d.at - pos;
        for (int i = 0; i < c.iovcnt; ++i) {
          if (index < c.iov[i].iov_len) {
            static_cast<unsigned char*>(c.iov[i].iov_base)[index] ^= static_cast<unsigned char>(1u << d.bit);
            break;
          }
          index -= c.iov[i].iov_len;
        }
      }
    }
  }
  journal_io("read", c.fd, s.path, pos, len, ret, err);
  errno = err;
  return ret;
}

int do_sync(Call call, int fd, int64_t off, int64_t nbytes, unsigned flags) {
  auto pass = [&]() -> int {
    if (call == c_sync_file_range) {
      return real<int (*)(int, off_t, off_t, unsigned)>(call)(fd, off, nbytes, flags);
    }
    return real<int (*)(int)>(call)(fd);
  };
  Busy busy;
  const FdInfo info = fd_info(fd);
  if (!busy.entered || info.file < 0) return pass();
  const char* fn = call == c_fsync ? "fsync" : call == c_fdatasync ? "fdatasync" : "sync_file_range";
  Snapshot s;
  lock();
  snapshot(info.file, s);
  FileRec& f = g_files[info.file];
  const uint64_t lo = f.dirty_lo, hi = f.dirty_hi;
  unlock();
  if (s.orphan) return pass();
  if ((info.flags & kFdDir) != 0) {
    const int r = pass();
    const int err = errno;
    char abs[kPathMax + 8];
    strcpy(abs, g_plan.target_dir);
    if (strcmp(s.path, ".") != 0) {
      if (strcmp(abs, "/") != 0) strcat(abs, "/");
      strcat(abs, s.path);
    }
    if (r == 0) history_add(faultline::history::RecordType::kDirsync, s.path, nullptr, s.ino, 0, 0);
    Line line("dirsync");
    line.str("path", abs).num("ret", r).str("file", s.path).num("fd", fd).str("fn", fn);
    if (r < 0) line.str("errno", errno_name(err));
    line.emit();
    errno = err;
    return r;
  }
  Decision d;
  if (s.mask != 0) {
    lock();
    d = decide(Op::kSync, s.mask, lo, hi > lo ? hi - lo : 0);
    unlock();
  }
  int r = 0;
  int err = 0;
  if (d.index >= 0) {
    const uint64_t from = hi > lo ? lo : 0, to = hi > lo ? hi : 0;
    Line line = fault_line(d, s.path, fd, from, to - from);
    emit_fault(line.str("errno", errno_name(d.err)).u64("lost_from", from).u64("lost_to", to), d);
    r = -1;
    err = d.err;
  } else {
    r = pass();
    err = errno;
  }
  if (d.index >= 0 || (r == 0 && call != c_sync_file_range)) {
    lock();
    f.dirty_lo = f.dirty_hi = 0;  // synced, or (after a failed fsync) marked clean by the kernel
    unlock();
  }
  const uint64_t size = file_size(fd);
  if (r == 0 && d.index < 0) {
    using faultline::history::RecordType;
    const RecordType t = call == c_fsync       ? RecordType::kFsync
                         : call == c_fdatasync ? RecordType::kFdatasync
                                               : RecordType::kSyncFileRange;
    history_add(t, s.path, nullptr, s.ino, call == c_sync_file_range ? static_cast<uint64_t>(off) : size,
                call == c_sync_file_range ? static_cast<uint64_t>(nbytes) : 0);
  }
  Line line("sync");
  line.num("fd", fd).str("file", s.path).u64("size", size).num("ret", r).str("fn", fn);
  if (r < 0) line.str("errno", errno_name(err));
  line.emit();
  errno = err;
  return r;
}

}  // namespace faultfs
