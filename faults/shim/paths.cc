// Paths: which file a call names, relative to target_dir, and fnmatch(3)-style globs, without allocation.
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {
namespace {

// Collapses "//", "/./" and "/../" of an absolute path in place (lexically: symbolic links are not resolved).
void normalize(char* path) {
  char* out = path;  // always starts with '/'
  const char* in = path;
  size_t n = 0;
  while (*in != '\0') {
    while (*in == '/') ++in;
    if (*in == '\0') break;
    const char* end = in;
    while (*end != '\0' && *end != '/') ++end;
    const size_t len = static_cast<size_t>(end - in);
    if (len == 1 && in[0] == '.') {
      // skip
    } else if (len == 2 && in[0] == '.' && in[1] == '.') {
      while (n > 0 && out[n - 1] != '/') --n;
      if (n > 0) --n;  // drop the '/' before the removed component
    } else {
      out[n++] = '/';
      memmove(out + n, in, len);
      n += len;
    }
    in = end;
  }
  if (n == 0) out[n++] = '/';
  out[n] = '\0';
}

bool append(char* out, size_t& n, const char* s) {
  const size_t len = strlen(s);
  if (n + len + 1 > static_cast<size_t>(kPathMax)) return false;
  memcpy(out + n, s, len + 1);
  n += len;
  return true;
}

}  // namespace

bool absolute_path(int dirfd, const char* path, char* out) {
  size_t n = 0;
  if (path[0] != '/') {
    if (dirfd == AT_FDCWD) {
      if (getcwd(out, kPathMax) == nullptr) return false;
      n = strlen(out);
    } else {
      char link[32] = "/proc/self/fd/";
      size_t l = strlen(link);
      char digits[16];
      size_t d = 0;
      unsigned v = static_cast<unsigned>(dirfd);
      do {
        digits[d++] = static_cast<char>('0' + v % 10);
        v /= 10;
      } while (v != 0);
      while (d > 0) link[l++] = digits[--d];
      link[l] = '\0';
      const ssize_t r = readlink(link, out, kPathMax - 1);
      if (r <= 0 || out[0] != '/') return false;
      n = static_cast<size_t>(r);
      out[n] = '\0';
    }
    if (!append(out, n, "/")) return false;
  } else {
    out[0] = '\0';
  }
  if (!append(out, n, path)) return false;
  normalize(out);
  return true;
}

const char* relative_to_target(const char* abs) {
  const char* dirs[2] = {g_plan.target_dir, g_plan.target_real};
  for (const char* dir : dirs) {
    const size_t len = strlen(dir);
    if (len == 0 || strncmp(abs, dir, len) != 0) continue;
    if (abs[len] == '\0') return ".";
    if (len == 1) return abs + 1;  // target_dir "/"
    if (abs[len] == '/') return abs + len + 1;
  }
  return nullptr;
}

namespace {

// Matches one bracket expression at p (just after '['); sets *end past ']'. Returns -1 if it is not one.
int bracket(const char* p, unsigned char c, const char** end) {
  bool negate = false;
  if (*p == '!' || *p == '^') {
    negate = true;
    ++p;
  }
  bool matched = false;
  bool first = true;
  while (*p != '\0' && (first || *p != ']')) {
    first = false;
    unsigned char lo = static_cast<unsigned char>(*p);
    if (lo == '\\' && p[1] != '\0') lo = static_cast<unsigned char>(*++p);
    ++p;
    unsigned char hi = lo;
    if (*p == '-' && p[1] != ']' && p[1] != '\0') {
      hi = static_cast<unsigned char>(p[1]);
      if (hi == '\\' && p[2] != '\0') {
        hi = static_cast<unsigned char>(p[2]);
        ++p;
      }
      p += 2;
    }
    if (lo <= c && c <= hi) matched = true;
  }
  if (*p != ']') return -1;
  *end = p + 1;
  return matched != negate ? 1 : 0;
}

}  // namespace

bool glob_match(const char* pattern, const char* text) {
  const char* p = pattern;
  const char* t = text;
  const char* star_p = nullptr;  // backtracking point: the last '*' seen and the text it is extended over
  const char* star_t = nullptr;
  while (*t != '\0') {
    if (*p == '*') {
      while (*p == '*') ++p;
      if (*p == '\0') return true;
      star_p = p;
      star_t = t;
      continue;
    }
    bool ok = false;
    const char* next = p + 1;
    if (*p == '?') {
      ok = true;
    } else if (*p == '[') {
      const int b = bracket(p + 1, static_cast<unsigned char>(*t), &next);
      if (b < 0) {  // no closing ']': a literal '['
        ok = *t == '[';
        next = p + 1;
      } else {
        ok = b == 1;
      }
    } else if (*p == '\\' && p[1] != '\0') {
      ok = p[1] == *t;
      next = p + 2;
    } else {
      ok = *p != '\0' && *p == *t;
    }
    if (ok) {
      p = next;
      ++t;
    } else if (star_p != nullptr) {
      p = star_p;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (*p == '*') ++p;
  return *p == '\0';
}

}  // namespace faultfs
