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

#include "faultfs.h"

namespace faultfs {
namespace {

using ssize_fn = ssize_t (*)();

struct Decision {
  int index = -1;  // the fault that fires, -1 = none
  Kind kind = Kind::kCrash;
  uint64_t at = 0;  // absolute offset of the flipped byte
  int bit = 0;
  uint64_t keep = 0;
  int64_t shift = 0;
  int err = 0;
  uint64_t step = 0;  // the step counter when the fault fired (journaled only with a step_file)
};

uint64_t iov_total(const struct iovec* iov, int n) {
  uint64_t total = 0;
  for (int i = 0; i < n; ++i) total += iov[i].iov_len;
  return total;
}

uint64_t file_size(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

bool is_pwritev2(Call c) { return c == c_pwritev2 || c == c_pwritev64v2; }

// span=FROM:TO against a call of `len` bytes: [lo, hi) relative to the call's first byte. A negative FROM counts from
// the end, TO <= 0 too (TO = 0 is the end); both are clamped into [0, len]; an empty result means the whole call.
void resolve_span(const Fault& f, uint64_t len, uint64_t* lo, uint64_t* hi) {
  const int64_t n = len > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(len);
  int64_t a = f.span_from >= 0 ? f.span_from : n + f.span_from;  // span_from >= -INT64_MAX: no overflow
  int64_t b = f.span_to > 0 ? f.span_to : n + f.span_to;
  a = a < 0 ? 0 : a > n ? n : a;
  b = b < 0 ? 0 : b > n ? n : b;
  if (a >= b) {
    a = 0;
    b = n;
  }
  *lo = static_cast<uint64_t>(a);
  *hi = static_cast<uint64_t>(b);
}

// Evaluates every armed fault of `op` that matches the file, in plan order; called with the lock held.
Decision decide(Op op, uint64_t mask, uint64_t pos, uint64_t len) {
  Decision d;
  for (int i = 0; i < g_plan.n_faults; ++i) {
    if ((mask >> i & 1) == 0) continue;
    Fault& f = g_plan.faults[i];
    if (fault_op(f.kind) != op || (f.count != 0 && f.fired >= f.count)) continue;
    bool hit = false;
    uint64_t step = 0;
    switch (f.trigger) {
      case Trigger::kOffset:
        hit = len > 0 && f.offset >= pos && f.offset - pos < len;
        break;
      case Trigger::kNth:
        ++f.calls;
        hit = f.calls >= f.nth && (f.count == 0 || f.calls - f.nth < f.count);
        break;
      case Trigger::kProb:
        hit = f.rng.chance(f.prob);
        break;
      case Trigger::kStep:
        step = step_now();
        hit = step >= f.step;  // a step fault that loses to an earlier one stays armed, like an offset= fault
        break;
    }
    if (!hit || d.index >= 0) continue;
    ++f.fired;
    d.index = i;
    d.kind = f.kind;
    d.err = f.err;
    d.shift = f.shift;
    d.step = f.trigger == Trigger::kStep ? step : step_now();
    const bool at_offset = f.trigger == Trigger::kOffset;
    // The byte a span= picks (relative to pos), drawn after the prob draw and before the bit draw. Writes only.
    uint64_t span_at = 0;
    if (f.has_span) {
      uint64_t lo = 0, hi = 0;
      resolve_span(f, len, &lo, &hi);
      span_at = lo + f.rng.below(hi - lo);
    }
    switch (f.kind) {
      case Kind::kBitflipWrite:
      case Kind::kBitflipRead:
        d.at = at_offset ? f.offset : pos + (f.has_span ? span_at : f.rng.below(len));
        d.bit = f.bit >= 0 ? f.bit : static_cast<int>(f.rng.below(8));
        break;
      case Kind::kCrash:
        d.keep = at_offset ? f.offset - pos : f.has_span ? span_at : (f.keep < len ? f.keep : len);
        break;
      case Kind::kShortWrite: {
        const uint64_t half = len / 2 > 0 ? len / 2 : 1;
        const uint64_t keep = f.has_keep ? f.keep : half;
        d.keep = at_offset ? f.offset - pos : f.has_span ? span_at : (keep < len ? keep : len);
        break;
      }
      case Kind::kWriteError:
        d.keep = f.has_span ? span_at : (f.keep < len ? f.keep : len);
        break;
      case Kind::kReadError:
      case Kind::kFsyncError:
      case Kind::kLostWrite:
      case Kind::kMisdirectedWrite:
        break;
      case Kind::kPowerLoss:  // not shim kinds: the plan parser refuses them
      case Kind::kAtRest:
        break;
    }
  }
  return d;
}

Line fault_line(const Decision& d, const char* path, int fd, uint64_t off, uint64_t len) {
  Line line("fault");
  line.str("kind", kind_name(d.kind)).str("file", path).u64("off", off).u64("len", len).num("fd", fd);
  line.num("index", d.index);
  return line;
}

// Appends the field every fault line ends with (`step`, when the plan has a step_file) and writes the line.
void emit_fault(Line& line, const Decision& d) {
  if (g_plan.step_counter != nullptr) line.u64("step", d.step);
  line.emit();
}

// Issues the call with the first `keep` bytes of its buffers.
ssize_t write_prefix(const IoCall& c, uint64_t keep) {
  struct iovec v[IOV_MAX];
  int n = 0;
  for (int i = 0; i < c.iovcnt && keep > 0 && n < IOV_MAX; ++i) {
    v[n] = c.iov[i];
    if (v[n].iov_len > keep) v[n].iov_len = keep;
    keep -= v[n].iov_len;
    ++n;
  }
  return io_issue(c, v, n, c.off);
}

// Issues up to IOV_MAX buffers at a time (a split for a bit flip may add two).
ssize_t issue_chunked(const IoCall& c, const struct iovec* v, int n, int64_t off) {
  ssize_t total = 0;
  while (n > 0) {
    const int m = n < IOV_MAX ? n : IOV_MAX;
    const ssize_t r = io_issue(c, v, m, off);
    if (r < 0) return total > 0 ? total : r;
    total += r;
    if (static_cast<uint64_t>(r) < iov_total(v, m)) break;
    if (off >= 0) off += r;
    v += m;
    n -= m;
  }
  return total;
}

ssize_t write_flipped(const IoCall& c, uint64_t index, int bit) {
  struct iovec v[IOV_MAX + 2];
  unsigned char flipped = 0;
  int n = 0;
  for (int i = 0; i < c.iovcnt; ++i) {
    const struct iovec& in = c.iov[i];
    if (index < in.iov_len) {
      auto* base = static_cast<unsigned char*>(in.iov_base);
      flipped = static_cast<unsigned char>(base[index] ^ (1u << bit));
      v[n++] = {base, index};
      v[n++] = {&flipped, 1};
      v[n++] = {base + index + 1, in.iov_len - index - 1};
      index = UINT64_MAX;
    } else {
      if (index != UINT64_MAX) index -= in.iov_len;
      v[n++] = in;
    }
  }
  return issue_chunked(c, v, n, c.off);
}

// Positional write that ignores O_APPEND (Linux pwrite appends on an O_APPEND descriptor).
ssize_t write_at(int fd, const struct iovec* iov, int n, uint64_t off, bool append) {
  auto real_fcntl = real<int (*)(int, int, ...)>(c_fcntl);
  auto real_pwritev = real<ssize_t (*)(int, const struct iovec*, int, off_t)>(c_pwritev64);
  int flags = 0;
  if (append) {
    flags = real_fcntl(fd, F_GETFL);
    real_fcntl(fd, F_SETFL, flags & ~O_APPEND);
  }
  const ssize_t r = real_pwritev(fd, iov, n, static_cast<off_t>(off));
  const int err = errno;
  if (append) real_fcntl(fd, F_SETFL, flags);
  errno = err;
  return r;
}

void extend_to(int fd, uint64_t size) {
  if (file_size(fd) < size) real<int (*)(int, off_t)>(c_ftruncate64)(fd, static_cast<off_t>(size));
}

ssize_t write_fault(const IoCall& c, const char* path, const Decision& d, uint64_t pos, uint64_t len, bool append) {
  Line line = fault_line(d, path, c.fd, pos, len);
  switch (d.kind) {
    case Kind::kCrash: {
      const ssize_t w = d.keep > 0 ? write_prefix(c, d.keep) : 0;
      emit_fault(line.u64("wrote", w > 0 ? static_cast<uint64_t>(w) : 0), d);
      kill(getpid(), SIGKILL);
      for (;;) pause();
    }
    case Kind::kShortWrite:
      emit_fault(line.u64("wrote", d.keep), d);
      return d.keep > 0 ? write_prefix(c, d.keep) : 0;
    case Kind::kBitflipWrite:
      emit_fault(line.u64("at", d.at).num("bit", d.bit), d);
      return write_flipped(c, d.at - pos, d.bit);
    case Kind::kWriteError:
      emit_fault(line.u64("wrote", d.keep).str("errno", errno_name(d.err)), d);
      if (d.keep > 0) write_prefix(c, d.keep);
      errno = d.err;
      return -1;
    case Kind::kLostWrite:
      emit_fault(line, d);
      extend_to(c.fd, pos + len);
      if (c.off < 0) lseek(c.fd, static_cast<off_t>(pos + len), SEEK_SET);
      return static_cast<ssize_t>(len);
    case Kind::kMisdirectedWrite: {
      int64_t shift = d.shift;
      if (shift < 0 && static_cast<uint64_t>(-shift) > pos) shift = -static_cast<int64_t>(pos);
      emit_fault(line.num("shift", shift), d);
      extend_to(c.fd, pos + len);
      const ssize_t r = write_at(c.fd, c.iov, c.iovcnt, pos + static_cast<uint64_t>(shift), append);
      if (r < 0) return r;
      if (c.off < 0) lseek(c.fd, static_cast<off_t>(pos + len), SEEK_SET);
      return static_cast<ssize_t>(len);
    }
    case Kind::kBitflipRead:  // faults of reads and syncs never reach a write
    case Kind::kReadError:
    case Kind::kFsyncError:
    case Kind::kPowerLoss:    // not shim kinds: the plan parser refuses them
    case Kind::kAtRest:
      break;
  }
  return io_issue(c, c.iov, c.iovcnt, c.off);
}

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
  bool orphan;
};

void snapshot(int file, Snapshot& s) {  // lock held
  const FileRec& f = g_files[file];
  strcpy(s.path, f.path);
  s.mask = f.fault_mask;
  s.orphan = f.orphan;
}

void journal_io(const char* ev, int fd, const char* path, uint64_t off, uint64_t len, ssize_t ret, int err) {
  Line line(ev);
  line.num("fd", fd).str("file", path).u64("off", off).u64("len", len).num("ret", ret);
  if (ret < 0) line.str("errno", errno_name(err));
  line.emit();
}

void journal_sync_write(int fd, int file, const char* path, const char* how) {  // O_SYNC/O_DSYNC/RWF_*SYNC
  const uint64_t size = file_size(fd);
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
  Line line("sync");
  line.num("fd", fd).str("file", s.path).u64("size", file_size(fd)).num("ret", r).str("fn", fn);
  if (r < 0) line.str("errno", errno_name(err));
  line.emit();
  errno = err;
  return r;
}

}  // namespace faultfs
