// Backing for the shared windows (the journal's and the recorded history's, journal_line.cc and history.cc).
//
// Fault model: a window is a MAP_SHARED mapping of a sparse file. A store into (or even a load from) a page that the
// file system has not allocated makes it allocate one then; when it cannot (a full tmpfs, a quota), the access is
// SIGBUS, not an error code, and it kills the engine or, for the harness's own mappings, the harness. So no page of a
// window is touched before fallocate() has allocated it: each process keeps how far from offset 0 it has allocated
// (allocations persist in the shared file, so a fork inherits the mark and an exec starts again at 0, which costs one
// fallocate of pages that are already there). Pages are allocated kAhead bytes at a time, then, when that does not
// fit, exactly the pages the store needs. When they cannot be allocated, the bytes go through pwrite(), whose error
// says why; a file system without fallocate() gets every such store through pwrite().
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kAhead = uint64_t{64} << 10;

uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

bool allocate(int fd, uint64_t from, uint64_t to) {
  long r;
  do {
    r = syscall(SYS_fallocate, fd, 0, static_cast<off_t>(from), static_cast<off_t>(to - from));
  } while (r != 0 && errno == EINTR);
  return r == 0;
}

}  // namespace

bool back_window(Backing* b, int fd, uint64_t end, uint64_t window) {
  const uint64_t upto = __atomic_load_n(&b->upto, __ATOMIC_ACQUIRE);
  if (end <= upto) return true;
  if (__atomic_load_n(&b->unsupported, __ATOMIC_RELAXED)) return false;
  const int saved = errno;
  const uint64_t from = upto / kPage * kPage;
  uint64_t to = round_up(end, kAhead);
  if (to > window) to = window > end ? window : end;  // never past the window: fallocate() would grow the file
  bool ok = allocate(fd, from, to);
  if (!ok && (errno == ENOSPC || errno == EDQUOT)) ok = allocate(fd, from, to = round_up(end, kPage));
  if (!ok && errno != ENOSPC && errno != EDQUOT) __atomic_store_n(&b->unsupported, true, __ATOMIC_RELAXED);
  if (ok) {
    uint64_t seen = upto;
    while (seen < to && !__atomic_compare_exchange_n(&b->upto, &seen, to, true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    }
  }
  errno = saved;
  return ok;
}

bool backed(const Backing* b, uint64_t end) { return end <= __atomic_load_n(&b->upto, __ATOMIC_ACQUIRE); }

void out_of_space(const char* what, const char* path, int err) {
  // Built with memcpy only (no snprintf, no strerror): this may run in a signal handler or between fork and exec.
  char out[kPathMax + 400];
  size_t n = 0;
  for (const char* part : {"faultfs: ", path, ": ", err == EDQUOT ? "Disk quota exceeded" : "No space left on device",
                           ": the ", what,
                           " cannot grow, so what the engine does can no longer be recorded; free space in Faultline's "
                           "work directory, or give it another one (faultline --work-dir)\n"}) {
    const size_t len = strnlen(part, sizeof out - n);
    memcpy(out + n, part, len);
    n += len;
  }
  syscall(SYS_write, 2, out, n);
  _exit(faultline::shim_exit::kNoSpace);
}

}  // namespace faultfs
