// The recorded history (faultline/history_format.h, docs/fault-plan.md "Recorded history v1"): with `record PATH`
// in the plan, every change to a target and every sync is appended, with the bytes of each write, to a binary file
// that every process of the plan shares.
//
// Model: the same as the journal's (journal_line.cc). The first process creates the file under flock with its
// header; every process maps the first kWindow bytes MAP_SHARED (sparse: a page costs memory once a record lands in
// it). A record is reserved with one atomic fetch-and-add on the header's `end`, then filled in place: no system call
// and no allocation per record, usable from a signal handler, and records of concurrent threads and processes never
// interleave. A record is written after its call returned, so the history's order is the order in which the calls
// completed. Without the mapping (RLIMIT_AS, RLIMIT_FSIZE) only the header page is mapped and records go to pwrite()
// at their reserved offsets.
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {
namespace {

namespace h = faultline::history;

int g_fd = -1;
char* g_map = nullptr;  // the shared window (or only the header page)
uint64_t g_window = 0;  // records below this offset are stored through the mapping

Backing g_backing;      // how much of the window this process has allocated (backing.cc)

// A history that cannot grow ends the engine (FAULTFS_EXIT_NO_SPACE): a record it lost would change the verdict.
void pwrite_all(const void* p, size_t n, uint64_t off) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const long r = syscall(SYS_pwrite64, g_fd, c, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == ENOSPC || errno == EDQUOT)) out_of_space("recorded history", g_plan.record, errno);
    if (r <= 0) return;
    c += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
}

// Copies n bytes to offset `at` of the history: through the mapping when it lies inside the window and is allocated.
void put(uint64_t at, const void* p, size_t n) {
  if (n == 0) return;
  if (at + n <= g_window && back_window(&g_backing, g_fd, at + n, g_window)) {
    memcpy(g_map + at, p, n);
  } else {
    pwrite_all(p, n, at);
  }
}

bool map_history(int fd) {
  if (syscall(SYS_flock, fd, LOCK_EX) != 0) return false;
  struct stat st {};
  bool ok = syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode);
  if (ok && st.st_size == 0) {
    char header[h::kHeaderSize] = {};
    memcpy(header, h::kMagic, sizeof h::kMagic);
    const uint64_t end = h::kHeaderSize;
    memcpy(header + h::kEndAt, &end, 8);
    pwrite_all(header, sizeof header, 0);
    st.st_size = h::kHeaderSize;
  }
  char magic[sizeof h::kMagic] = {};
  ok = ok && st.st_size >= static_cast<off_t>(h::kHeaderSize) &&
       syscall(SYS_pread64, fd, magic, sizeof magic, 0) == static_cast<long>(sizeof magic) &&
       memcmp(magic, h::kMagic, sizeof magic) == 0;
  void* map = MAP_FAILED;
  uint64_t window = h::kWindow;
  if (ok) {
    map = map_window(fd, static_cast<uint64_t>(st.st_size), &window, h::kHeaderSize);
    ok = map != MAP_FAILED;
  }
  if (ok) {
    g_window = window;
    g_map = static_cast<char*>(map);
  }
  syscall(SYS_flock, fd, LOCK_UN);
  return ok;
}

// Reserves a record of `size` bytes; returns its offset, or 0 when it does not fit (the record is then counted as
// dropped in the header).
uint64_t reserve(uint64_t size) {
  auto* end = reinterpret_cast<uint64_t*>(g_map + h::kEndAt);
  const uint64_t at = __atomic_fetch_add(end, size, __ATOMIC_ACQ_REL);
  if (at < h::kHeaderSize || at + size > h::kMaxHistory) {
    __atomic_fetch_add(reinterpret_cast<uint64_t*>(g_map + h::kDroppedAt), 1, __ATOMIC_RELAXED);
    return 0;
  }
  return at;
}

}  // namespace

bool history_on() { return __atomic_load_n(&g_map, __ATOMIC_ACQUIRE) != nullptr; }

bool history_open() {
  auto real_open = real<int (*)(const char*, int, ...)>(c_open);
  auto real_fcntl = real<int (*)(int, int, ...)>(c_fcntl);
  auto real_close = real<int (*)(int)>(c_close);
  int fd = real_open(g_plan.record, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const int high = real_fcntl(fd, F_DUPFD_CLOEXEC, 1000);
  if (high >= 0) {
    real_close(fd);
    fd = high;
  }
  g_fd = fd;
  if (!map_history(fd)) {
    real_close(fd);
    g_fd = -1;
    return false;
  }
  return true;
}

void history_add(faultline::history::RecordType type, const char* name, const char* name2, uint64_t ino,
                 uint64_t off, uint64_t len, const struct iovec* iov, int iovcnt, int64_t flip, int bit) {
  char* map = __atomic_load_n(&g_map, __ATOMIC_ACQUIRE);
  if (map == nullptr) return;
  const int saved = errno;
  const size_t n1 = name != nullptr ? strlen(name) : 0, n2 = name2 != nullptr ? strlen(name2) : 0;
  const uint64_t data = iov != nullptr ? len : 0;
  const uint64_t size = h::record_size(n1, n2, data);
  const uint64_t at = size <= UINT32_MAX && n1 <= UINT16_MAX && n2 <= UINT16_MAX ? reserve(size) : 0;
  if (at == 0) {
    errno = saved;
    return;
  }
  h::RecordHeader r{};
  r.size = static_cast<uint32_t>(size);
  r.type = static_cast<uint8_t>(type);
  r.name_len = static_cast<uint16_t>(n1);
  r.name2_len = static_cast<uint16_t>(n2);
  r.pid = static_cast<uint32_t>(current_pid());
  r.step = step_now();
  r.ino = ino;
  r.off = off;
  r.len = len;
  put(at, &r, sizeof r);
  uint64_t p = at + sizeof r;
  put(p, name, n1);
  put(p += n1, name2, n2);
  p += n2;
  uint64_t left = data;
  for (int i = 0; i < iovcnt && left > 0; ++i) {
    const size_t n = iov[i].iov_len < left ? iov[i].iov_len : static_cast<size_t>(left);
    put(p, iov[i].iov_base, n);
    p += n;
    left -= n;
  }
  static const char kZeros[8] = {};
  put(p, kZeros, static_cast<size_t>(at + size - p));  // the padding too: past the window the file must reach the record's end
  if (flip >= 0 && static_cast<uint64_t>(flip) < data) {  // the byte a bitflip_write changed on its way
    uint64_t index = static_cast<uint64_t>(flip);
    for (int i = 0; i < iovcnt; ++i) {
      if (index < iov[i].iov_len) {
        const auto b = static_cast<unsigned char>(static_cast<const unsigned char*>(iov[i].iov_base)[index] ^ (1u << bit));
        put(at + sizeof r + n1 + n2 + static_cast<uint64_t>(flip), &b, 1);
        break;
      }
      index -= iov[i].iov_len;
    }
  }
  const size_t committed_at = offsetof(h::RecordHeader, committed);
  if (at + sizeof r <= g_window && backed(&g_backing, at + sizeof r)) {
    __atomic_store_n(reinterpret_cast<uint8_t*>(g_map + at + committed_at), uint8_t{1}, __ATOMIC_RELEASE);
  } else {
    const uint8_t one = 1;
    pwrite_all(&one, 1, at + committed_at);
  }
  errno = saved;
}

}  // namespace faultfs
