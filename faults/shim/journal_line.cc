// Journal lines: JSON objects formatted by hand into a stack buffer, then appended to a journal shared by every
// process that loaded the plan.
//
// Model: a line is built without allocation (so it may be built in a signal handler or between fork and exec). The
// journal file starts with a fixed-width header line whose `end` field (8 hex digits at byte 24) is the length of the
// journal so far. A writer reserves its bytes with one compare-and-swap on those digits and copies the line into a
// shared mapping of the file's first kJournalWindow bytes: no system call per line, and lines of concurrent threads
// and processes never interleave. A line past the window is written with pwrite() at its reserved offset. A process
// killed between the reservation and the copy leaves zero bytes, which readers skip (docs/fault-plan.md). A line that
// would not fit its buffer loses the tail of its longest string value, never its syntax.
//
// A journal that exists without the header (written by hand or by an older shim) is appended to as before, with one
// write() per line on an O_APPEND descriptor.
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {
namespace {

int g_journal_fd = -1;
char* g_journal_map = nullptr;  // the shared window, or null when lines are appended with write()

// `{"ev":"journal","end":"` is 23 bytes; one space makes the 8 digits start at an 8-byte boundary, so that the CAS
// works on one aligned 64-bit word. The header is 35 bytes.
constexpr char kHeaderPrefix[] = "{\"ev\":\"journal\", \"end\":\"";
constexpr size_t kEndAt = 24;
constexpr size_t kHeaderLen = kEndAt + 8 + 3;  // digits, then "}\n
// Address space only: the file is sparse and a page costs memory once a line lands in it.
constexpr uint64_t kJournalWindow = uint64_t{256} << 20;
uint64_t g_window = 0;  // lines below this offset are copied into the mapping: kJournalWindow, or only the header
constexpr uint64_t kMaxJournal = 0xFFFFFFFFu;  // what 8 hex digits can say
static_assert(sizeof(kHeaderPrefix) - 1 == kEndAt);

void hex8(uint64_t v, char* out) {
  static const char kHex[] = "0123456789abcdef";
  for (int i = 7; i >= 0; --i, v >>= 4) out[i] = kHex[v & 15];
}

bool unhex8(const char* in, uint64_t* v) {
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) {
    const char c = in[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    r = r << 4 | static_cast<uint64_t>(d);
  }
  *v = r;
  return true;
}

Backing g_backing;  // how much of the window this process has allocated (backing.cc)

// 0, or the errno of the pwrite() that failed (EIO for a write of nothing).
int write_all_at(int fd, const char* p, size_t n, uint64_t off) {
  while (n > 0) {
    const long r = syscall(SYS_pwrite64, fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r < 0 ? errno : EIO;
    p += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return 0;
}

bool no_space(int err) { return err == ENOSPC || err == EDQUOT; }

// Reserves n bytes of the shared journal; returns their offset, or -1 when the journal is full or its header was
// overwritten (then the line is dropped: the journal must never be corrupted by a line written over another).
int64_t reserve(char* map, size_t n) {
  auto* word = reinterpret_cast<uint64_t*>(map + kEndAt);
  uint64_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
  for (;;) {
    char digits[8];
    memcpy(digits, &seen, 8);
    uint64_t end = 0;
    if (!unhex8(digits, &end) || end < kHeaderLen || end + n > kMaxJournal) return -1;
    hex8(end + n, digits);
    uint64_t next = 0;
    memcpy(&next, digits, 8);
    if (__atomic_compare_exchange_n(word, &seen, next, true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      return static_cast<int64_t>(end);
    }
  }
}

enum class Mapped { kShared, kPlain, kFailed };

// Opens the shared window of a journal that has (or, when empty, is given) the header. kPlain: a journal without the
// header, which is then appended to with write(); kFailed: the journal cannot be used at all.
Mapped map_journal(int fd) {
  if (syscall(SYS_flock, fd, LOCK_EX) != 0) return Mapped::kFailed;  // one initializer among processes starting together
  struct stat st {};
  if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    syscall(SYS_flock, fd, LOCK_UN);
    return Mapped::kFailed;
  }
  if (st.st_size == 0) {
    char header[kHeaderLen];
    memcpy(header, kHeaderPrefix, kEndAt);
    hex8(kHeaderLen, header + kEndAt);
    memcpy(header + kEndAt + 8, "\"}\n", 3);
    if (const int err = write_all_at(fd, header, kHeaderLen, 0); no_space(err)) out_of_space("journal", g_plan.journal, err);
    st.st_size = kHeaderLen;
  }
  {
    char head[kHeaderLen];
    uint64_t end = 0;
    const bool headed = st.st_size >= static_cast<off_t>(kHeaderLen) &&
                        syscall(SYS_pread64, fd, head, kHeaderLen, 0) == static_cast<long>(kHeaderLen) &&
                        memcmp(head, kHeaderPrefix, kEndAt) == 0 && unhex8(head + kEndAt, &end);
    if (!headed) {
      syscall(SYS_flock, fd, LOCK_UN);
      return Mapped::kPlain;
    }
  }
  uint64_t window = kJournalWindow;
  void* map = map_window(fd, static_cast<uint64_t>(st.st_size), &window, kHeaderLen);
  const bool ok = map != MAP_FAILED;
  if (ok) {
    g_window = window;
    __atomic_store_n(&g_journal_map, static_cast<char*>(map), __ATOMIC_RELEASE);
  }
  syscall(SYS_flock, fd, LOCK_UN);
  return ok ? Mapped::kShared : Mapped::kFailed;
}

}  // namespace

// The window must be backed by the file (a store past its end is SIGBUS): grown, never shrunk, under the caller's
// lock. With the address space limited (RLIMIT_AS), or a file size limit below the window (RLIMIT_FSIZE: growing the
// file past it would be SIGXFSZ), the first page alone is mapped to share the header, the file is left as it is, and
// the caller writes past `header` with pwrite() at reserved offsets (*window is then `header`).
void* map_window(int fd, uint64_t size, uint64_t* window, uint64_t header) {
  struct rlimit fsize {};
  const bool may_grow = size >= *window || getrlimit(RLIMIT_FSIZE, &fsize) != 0 || fsize.rlim_cur == RLIM_INFINITY ||
                        fsize.rlim_cur >= *window;
  void* map = may_grow ? reinterpret_cast<void*>(
                             syscall(SYS_mmap, nullptr, *window, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))
                       : MAP_FAILED;
  if (map != MAP_FAILED && size < *window && syscall(SYS_ftruncate, fd, static_cast<off_t>(*window)) != 0) {
    syscall(SYS_munmap, map, *window);
    map = MAP_FAILED;
  }
  if (map == MAP_FAILED) {
    map = reinterpret_cast<void*>(syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    *window = header;  // the rest of that page may lie past the end of the file: stores there are lost
  }
  return map;
}

namespace {

size_t u64_digits(uint64_t v, char* out) {  // decimal, returns length
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

// Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0 when it is not valid.
size_t utf8_sequence(const unsigned char* s, size_t n) {
  const unsigned char c = s[0];
  size_t len = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3;
  else if (c >= 0xF0 && c <= 0xF4) len = 4;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && s[1] < 0xA0) return 0;   // overlong
  if (c == 0xED && s[1] >= 0xA0) return 0;  // surrogate
  if (c == 0xF0 && s[1] < 0x90) return 0;   // overlong
  if (c == 0xF4 && s[1] >= 0x90) return 0;  // above U+10FFFF
  return len;
}

}  // namespace

Line::Line(const char* ev) {
  raw("{\"ev\":\"", 7);
  raw(ev, strlen(ev));
  raw("\"", 1);
  num("pid", static_cast<int64_t>(current_pid()));
}

void Line::raw(const char* s, size_t n) {
  if (n > sizeof(buf_) - kReserve - n_) n = sizeof(buf_) - kReserve - n_;
  memcpy(buf_ + n_, s, n);
  n_ += n;
}

void Line::key(const char* k) {
  raw(",\"", 2);
  raw(k, strlen(k));
  raw("\":", 2);
}

Line& Line::str(const char* k, const char* value) {
  key(k);
  raw("\"", 1);
  static const char kHex[] = "0123456789abcdef";
  const auto* s = reinterpret_cast<const unsigned char*>(value);
  const size_t len = strlen(value);
  const size_t limit = sizeof(buf_) - kReserve - 1;  // keep room for the closing quote
  for (size_t i = 0; i < len;) {
    char esc[8];
    size_t n = 0;
    size_t consumed = 1;
    const unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = static_cast<char>(c);
      n = 2;
    } else if (c < 0x20 || c == 0x7F) {
      memcpy(esc, "\\u00", 4);
      esc[4] = kHex[c >> 4];
      esc[5] = kHex[c & 15];
      n = 6;
    } else if (c < 0x80) {
      esc[0] = static_cast<char>(c);
      n = 1;
    } else {
      consumed = utf8_sequence(s + i, len - i);
      if (consumed == 0) {  // not UTF-8: U+FFFD keeps the line parseable
        memcpy(esc, "\xEF\xBF\xBD", 3);
        n = 3;
        consumed = 1;
      } else {
        memcpy(esc, s + i, consumed);
        n = consumed;
      }
    }
    if (n_ + n > limit) break;
    memcpy(buf_ + n_, esc, n);
    n_ += n;
    i += consumed;
  }
  buf_[n_++] = '"';
  return *this;
}

Line& Line::num(const char* k, int64_t value) {
  key(k);
  char digits[24];
  if (value < 0) {
    raw("-", 1);
    raw(digits, u64_digits(0 - static_cast<uint64_t>(value), digits));
  } else {
    raw(digits, u64_digits(static_cast<uint64_t>(value), digits));
  }
  return *this;
}

Line& Line::u64(const char* k, uint64_t value) {
  key(k);
  char digits[24];
  raw(digits, u64_digits(value, digits));
  return *this;
}

Line& Line::u64_as_string(const char* k, uint64_t value) {
  key(k);
  char digits[24];
  raw("\"", 1);
  raw(digits, u64_digits(value, digits));
  raw("\"", 1);
  return *this;
}

Line& Line::boolean(const char* k, bool value) {
  key(k);
  if (value) raw("true", 4);
  else raw("false", 5);
  return *this;
}

void Line::emit() {
  const int fd = __atomic_load_n(&g_journal_fd, __ATOMIC_ACQUIRE);
  if (fd < 0) return;
  const int saved = errno;
  buf_[n_++] = '}';
  buf_[n_++] = '\n';
  if (char* map = __atomic_load_n(&g_journal_map, __ATOMIC_ACQUIRE); map != nullptr) {
    const int64_t at = reserve(map, n_);
    const uint64_t end = static_cast<uint64_t>(at) + n_;
    if (at >= 0 && end <= g_window && back_window(&g_backing, fd, end, g_window)) {
      memcpy(map + at, buf_, n_);
    } else if (at >= 0) {
      if (const int err = write_all_at(fd, buf_, n_, static_cast<uint64_t>(at)); no_space(err))
        out_of_space("journal", g_plan.journal, err);
    }
    errno = saved;
    return;
  }
  auto real_write = real<ssize_t (*)(int, const void*, size_t)>(c_write);
  ssize_t r;
  do {
    r = real_write(fd, buf_, n_);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && no_space(errno)) out_of_space("journal", g_plan.journal, errno);
  errno = saved;
}

int journal_fd() { return __atomic_load_n(&g_journal_fd, __ATOMIC_ACQUIRE); }

namespace {
// A high descriptor number keeps the journal out of the program's way (select(), "close every fd above 2").
int high_fd_floor() {
  struct rlimit rl {};
  rlim_t floor = 1000;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 64 &&
      rl.rlim_cur - 24 < floor) {
    floor = rl.rlim_cur - 24;
  }
  return static_cast<int>(floor);
}
}  // namespace

void journal_open() {
  auto real_open = real<int (*)(const char*, int, ...)>(c_open);
  auto real_fcntl = real<int (*)(int, int, ...)>(c_fcntl);
  auto real_close = real<int (*)(int)>(c_close);
  int fd = real_open(g_plan.journal, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  switch (map_journal(fd)) {
    case Mapped::kShared:
      break;
    case Mapped::kPlain:  // no header: append line by line, as to any file
      real_close(fd);
      fd = real_open(g_plan.journal, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) return;
      break;
    case Mapped::kFailed:
      real_close(fd);
      return;  // load_plan reports that the journal cannot be opened
  }
  int high = real_fcntl(fd, F_DUPFD_CLOEXEC, high_fd_floor());
  if (high < 0) {
    high = fd;
  } else {
    real_close(fd);
  }
  __atomic_store_n(&g_journal_fd, high, __ATOMIC_RELEASE);
}

void move_journal_fd_away(int fd) {
  const int old = journal_fd();
  if (fd != old || old < 0) return;
  auto real_fcntl = real<int (*)(int, int, ...)>(c_fcntl);
  const int moved = real_fcntl(old, F_DUPFD_CLOEXEC, high_fd_floor());
  if (moved >= 0) __atomic_store_n(&g_journal_fd, moved, __ATOMIC_RELEASE);
  // The caller's dup2/dup3 now replaces `old`; our copy lives on at `moved`.
}

}  // namespace faultfs
