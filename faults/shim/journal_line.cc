// Journal lines: JSON objects formatted by hand into a stack buffer and appended with one write() each.
//
// Model: a line is built without allocation (so it may be built in a signal handler or between fork and exec) and
// written with a single write() on an O_APPEND descriptor, so lines of concurrent threads and processes never
// interleave. A line that would not fit its buffer loses the tail of its longest string value, never its syntax.
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {
namespace {

int g_journal_fd = -1;

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
  auto real_write = real<ssize_t (*)(int, const void*, size_t)>(c_write);
  ssize_t r;
  do {
    r = real_write(fd, buf_, n_);
  } while (r < 0 && errno == EINTR);
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
  const int fd = real_open(g_plan.journal, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
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
