// What a write fault does to the call (the table at the top of io.cc): the bytes written first, the flipped bit, the
// error, the write that is lost or lands elsewhere, the SIGKILL of a crash.
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include "fault_decision.h"

namespace faultfs {
namespace {

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

}  // namespace

ssize_t write_fault(const IoCall& c, const char* path, const Decision& d, uint64_t pos, uint64_t len, bool append) {
  Line line = fault_line(d, path, c.fd, pos, len);
  switch (d.kind) {
    case Kind::kCrash: {
      const ssize_t w = d.keep > 0 ? write_prefix(c, d.keep) : 0;
      if (w > 0) {
        lock();
        const uint64_t ino = c.fd >= 0 && fd_info(c.fd).file >= 0 ? g_files[fd_info(c.fd).file].ino : 0;
        unlock();
        history_add(faultline::history::RecordType::kWrite, path, nullptr, ino, pos, static_cast<uint64_t>(w), c.iov,
                    c.iovcnt);
      }
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

}  // namespace faultfs
