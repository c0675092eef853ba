// The plan reader of the shim: plan format v1 (docs/fault-plan.md) into fixed-size static arrays.
//
// It runs once, before main (or at the first intercepted call, whichever comes first). A plan it cannot use stops
// the process at once, with one line on stderr naming the plan file, the line, the field and what was expected, and
// exit status 87: a run with a silently ignored fault would look like a passing crash test.
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs.h"

namespace faultfs {

Plan g_plan;

namespace {

constexpr size_t kPlanMax = 256 * 1024;
char g_text[kPlanMax + 1];
int g_fault_lines[kMaxFaults];  // the plan line of each fault, for messages given after the whole plan was read

struct ErrnoName {
  const char* name;
  int value;
};
constexpr ErrnoName kErrnos[] = {
    {"EIO", EIO},         {"ENOSPC", ENOSPC},   {"EDQUOT", EDQUOT},   {"EFBIG", EFBIG},   {"EINTR", EINTR},
    {"EAGAIN", EAGAIN},   {"EBADF", EBADF},     {"EINVAL", EINVAL},   {"EPERM", EPERM},   {"EACCES", EACCES},
    {"ENOENT", ENOENT},   {"EEXIST", EEXIST},   {"EISDIR", EISDIR},   {"ENOTDIR", ENOTDIR}, {"EROFS", EROFS},
    {"ESPIPE", ESPIPE},   {"ENOSYS", ENOSYS},   {"EFAULT", EFAULT},   {"EMFILE", EMFILE}, {"ENFILE", ENFILE},
    {"EXDEV", EXDEV},     {"ENOTEMPTY", ENOTEMPTY}, {"EOPNOTSUPP", EOPNOTSUPP}, {"ENODEV", ENODEV},
};

void say(const char* s) {
  auto real_write = real<ssize_t (*)(int, const void*, size_t)>(c_write);
  real_write(2, s, strlen(s));
}

[[noreturn]] void bad(int line, const char* field, const char* fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char out[kPathMax + 1200];
  snprintf(out, sizeof out, "faultfs: bad plan %s: line %d: field '%s': %s\n", g_plan.path, line, field, msg);
  say(out);
  _exit(kExitBadPlan);
}

bool parse_u64(const char* s, uint64_t* out) {
  if (*s < '0' || *s > '9') return false;
  uint64_t v = 0;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(*s - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

bool parse_i64(const char* s, int64_t* out) {
  const bool negative = *s == '-';
  uint64_t v = 0;
  if (!parse_u64(negative ? s + 1 : s, &v)) return false;
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  *out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

// FROM:TO, two signed decimals.
bool parse_span(char* s, int64_t* from, int64_t* to) {
  char* colon = strchr(s, ':');
  if (colon == nullptr) return false;
  *colon = '\0';
  const bool ok = parse_i64(s, from) && parse_i64(colon + 1, to);
  *colon = ':';
  return ok;
}

bool parse_prob(const char* s, double* out) {
  if (*s == '\0') return false;
  for (const char* c = s; *c != '\0'; ++c) {
    if (strchr("0123456789.eE+-", *c) == nullptr) return false;  // no hex, inf or nan
  }
  char* end = nullptr;
  const double v = strtod(s, &end);
  if (end == nullptr || *end != '\0') return false;
  *out = v;
  return true;
}

void copy_bounded(char* dst, size_t cap, const char* src, int line, const char* field) {
  if (strlen(src) >= cap) bad(line, field, "longer than %zu bytes", cap - 1);
  strcpy(dst, src);
}

void parse_fault(int line, char** words, int n) {
  if (g_plan.n_faults == kMaxFaults) bad(line, "fault", "at most %d fault lines", kMaxFaults);
  if (n < 2) bad(line, "fault", "expected a kind: crash, short_write, bitflip_write, bitflip_read, write_error, "
                                "read_error, fsync_error, lost_write, misdirected_write");
  faultline::FaultKind kind{};
  if (!faultline::parse_fault_kind(words[1], &kind) || !faultline::shim_injects(kind)) {
    bad(line, "fault", "unknown kind '%s' (expected crash, short_write, bitflip_write, bitflip_read, write_error, "
                       "read_error, fsync_error, lost_write or misdirected_write)", words[1]);
  }
  const faultline::FaultKindInfo* info = &faultline::fault_kind_info(kind);
  Fault& f = g_plan.faults[g_plan.n_faults];
  f = Fault{};
  f.kind = info->kind;
  f.err = EIO;
  int triggers = 0;
  for (int i = 2; i < n; ++i) {
    char* key = words[i];
    char* value = strchr(key, '=');
    if (value == nullptr) bad(line, key, "expected key=value");
    *value++ = '\0';
    if (strcmp(key, "file") == 0) {
      if (*value == '\0') bad(line, key, "expected a glob, got nothing");
      copy_bounded(f.file, sizeof f.file, value, line, key);
    } else if (strcmp(key, "offset") == 0) {
      if (!parse_u64(value, &f.offset)) bad(line, key, "expected a decimal byte offset, got '%s'", value);
      f.trigger = Trigger::kOffset;
      ++triggers;
    } else if (strcmp(key, "nth") == 0) {
      if (!parse_u64(value, &f.nth) || f.nth == 0) bad(line, key, "expected a call number >= 1, got '%s'", value);
      f.trigger = Trigger::kNth;
      ++triggers;
    } else if (strcmp(key, "prob") == 0) {
      if (!parse_prob(value, &f.prob) || !(f.prob > 0.0 && f.prob <= 1.0)) {
        bad(line, key, "expected a probability in (0, 1], got '%s'", value);
      }
      f.trigger = Trigger::kProb;
      ++triggers;
    } else if (strcmp(key, "step") == 0) {
      if (!parse_u64(value, &f.step) || f.step == 0) bad(line, key, "expected a step counter value >= 1, got '%s'",
                                                         value);
      f.trigger = Trigger::kStep;
      ++triggers;
    } else if (strcmp(key, "span") == 0) {
      if (!info->span) {
        bad(line, key, "not allowed for %s (only crash, short_write, bitflip_write, write_error)", info->name);
      }
      if (!parse_span(value, &f.span_from, &f.span_to)) {
        bad(line, key, "expected FROM:TO, two signed decimal byte positions, got '%s'", value);
      }
      f.has_span = true;
    } else if (strcmp(key, "count") == 0) {
      uint64_t c = 0;
      if (!parse_u64(value, &c) || c > UINT32_MAX) bad(line, key, "expected a count (0 = unlimited), got '%s'", value);
      f.count = static_cast<uint32_t>(c);
    } else if (strcmp(key, "keep") == 0) {
      if (!info->keep) bad(line, key, "not allowed for %s (only crash, short_write, write_error)", info->name);
      if (!parse_u64(value, &f.keep)) bad(line, key, "expected a byte count, got '%s'", value);
      f.has_keep = true;
    } else if (strcmp(key, "bit") == 0) {
      uint64_t b = 0;
      if (!info->bit) bad(line, key, "not allowed for %s (only bitflip_write, bitflip_read)", info->name);
      if (!parse_u64(value, &b) || b > faultline::kBitMax) bad(line, key, "expected a bit number 0..7, got '%s'", value);
      f.bit = static_cast<int>(b);
    } else if (strcmp(key, "errno") == 0) {
      if (info->errnos == nullptr) {
        bad(line, key, "not allowed for %s (only write_error, read_error, fsync_error)", info->name);
      }
      if (!faultline::word_in_list(value, info->errnos)) bad(line, key, "expected one of %s for %s, got '%s'", info->errnos,
                                             info->name, value);
      for (const ErrnoName& e : kErrnos) {
        if (strcmp(e.name, value) == 0) f.err = e.value;
      }
    } else if (strcmp(key, "shift") == 0) {
      if (!info->shift) bad(line, key, "not allowed for %s (only misdirected_write)", info->name);
      if (!parse_i64(value, &f.shift) || f.shift == 0) bad(line, key, "expected a nonzero byte shift, got '%s'",
                                                           value);
    } else {
      bad(line, key, "unknown key (expected file, offset, nth, prob, step, count, span, keep, bit, errno or shift)");
    }
  }
  if (triggers != 1) {
    bad(line, "trigger", "expected exactly one of offset=, nth=, prob=, step= (got %d)", triggers);
  }
  if (f.has_keep && f.trigger == Trigger::kOffset && !info->keep_with_offset) {
    bad(line, "keep", "not allowed with offset= (%s keeps the bytes before the offset)", info->name);
  }
  if (f.has_span && f.trigger == Trigger::kOffset) {
    bad(line, "span", "not allowed with offset= (the offset already names the byte); use nth=, prob= or step=");
  }
  if (f.has_span && f.has_keep) {
    bad(line, "span", "not allowed with keep= (both choose where %s stops)", info->name);
  }
  g_fault_lines[g_plan.n_faults] = line;
  ++g_plan.n_faults;
}

void parse_path(int line, const char* field, char** words, int n, char* dst) {
  if (n != 2) bad(line, field, "expected one absolute path");
  if (words[1][0] != '/') bad(line, field, "expected an absolute path, got '%s'", words[1]);
  copy_bounded(dst, kPathMax, words[1], line, field);
}

void read_plan_file(const char* path) {
  auto real_open = real<int (*)(const char*, int, ...)>(c_open);
  auto real_read = real<ssize_t (*)(int, void*, size_t)>(c_read);
  auto real_close = real<int (*)(int)>(c_close);
  const int fd = real_open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) bad(0, "FAULTFS_PLAN", "cannot open the plan: %s", strerror(errno));
  size_t n = 0;
  for (;;) {
    const ssize_t r = real_read(fd, g_text + n, kPlanMax - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) bad(0, "FAULTFS_PLAN", "cannot read the plan: %s", strerror(errno));
    if (r == 0) break;
    n += static_cast<size_t>(r);
    if (n == kPlanMax) bad(0, "FAULTFS_PLAN", "a plan of at most %zu bytes", kPlanMax - 1);
  }
  real_close(fd);
  g_text[n] = '\0';
}

// Maps the first page of the step file read-only and shared: the harness raises the counter from its own mapping.
void map_step_file(int line) {
  auto real_open = real<int (*)(const char*, int, ...)>(c_open);
  auto real_close = real<int (*)(int)>(c_close);
  auto real_mmap = real<void* (*)(void*, size_t, int, int, int, off_t)>(c_mmap);
  const int fd = real_open(g_plan.step_file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) bad(line, "step_file", "cannot open '%s': %s", g_plan.step_file, strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) bad(line, "step_file", "cannot stat '%s': %s", g_plan.step_file, strerror(errno));
  if (!S_ISREG(st.st_mode) || st.st_size < 8) {
    bad(line, "step_file", "'%s' must be a regular file of at least 8 bytes (a u64 counter), it has %lld",
        g_plan.step_file, static_cast<long long>(st.st_size));
  }
  const long page = sysconf(_SC_PAGESIZE);
  void* p = real_mmap(nullptr, page > 0 ? static_cast<size_t>(page) : 4096, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) bad(line, "step_file", "cannot map '%s': %s", g_plan.step_file, strerror(errno));
  real_close(fd);  // the mapping stays
  g_plan.step_counter = static_cast<const uint64_t*>(p);
}

void derive_fault_streams() {
  for (int i = 0; i < g_plan.n_faults; ++i) {
    char label[32] = "fault/";
    size_t n = strlen(label);
    char digits[12];
    size_t d = 0;
    int v = i;
    do {
      digits[d++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (d > 0) label[n++] = digits[--d];
    g_plan.faults[i].rng = faultline::Rng(faultline::derive_seed(g_plan.seed, std::string_view(label, n)));
  }
}

}  // namespace

Op fault_op(Kind kind) { return faultline::fault_kind_info(kind).call; }
const char* kind_name(Kind kind) { return faultline::fault_kind_name(kind); }

const char* errno_name(int err) {
  for (const ErrnoName& e : kErrnos) {
    if (e.value == err) return e.name;
  }
  return "E?";
}

void load_plan(const char* plan_path) {
  if (strlen(plan_path) >= sizeof g_plan.path) {
    memcpy(g_plan.path, plan_path, sizeof g_plan.path - 1);
    bad(0, "FAULTFS_PLAN", "a path shorter than %d bytes", kPathMax);
  }
  strcpy(g_plan.path, plan_path);
  read_plan_file(plan_path);
  bool have_header = false, have_seed = false, have_exec = false;
  int journal_line = 0, target_line = 0, step_file_line = 0, record_line = 0;
  int line = 0;
  char* next = g_text;
  while (next != nullptr) {
    char* text = next;
    ++line;
    next = strchr(text, '\n');
    if (next != nullptr) *next++ = '\0';
    if (char* hash = strchr(text, '#')) *hash = '\0';
    char* words[64];
    int n = 0;
    for (char* w = strtok_r(text, " \t\r\v\f", &text); w != nullptr; w = strtok_r(nullptr, " \t\r\v\f", &text)) {
      if (n == 64) bad(line, w, "at most 64 words on a line");
      words[n++] = w;
    }
    if (n == 0) continue;
    const char* d = words[0];
    if (!have_header) {
      if (strcmp(d, "faultfs-plan") != 0) bad(line, "faultfs-plan", "the first line must be 'faultfs-plan 1'");
      if (n != 2 || strcmp(words[1], "1") != 0) {
        bad(line, "faultfs-plan", "expected version 1, got '%s'", n > 1 ? words[1] : "");
      }
      have_header = true;
    } else if (strcmp(d, "seed") == 0) {
      if (have_seed) bad(line, d, "given twice");
      if (n != 2 || !parse_u64(words[1], &g_plan.seed)) {
        bad(line, d, "expected an unsigned 64-bit decimal, got '%s'", n > 1 ? words[1] : "");
      }
      have_seed = true;
    } else if (strcmp(d, "journal") == 0) {
      if (journal_line != 0) bad(line, d, "given twice");
      parse_path(line, d, words, n, g_plan.journal);
      journal_line = line;
    } else if (strcmp(d, "target_dir") == 0) {
      if (target_line != 0) bad(line, d, "given twice");
      parse_path(line, d, words, n, g_plan.target_dir);
      target_line = line;
    } else if (strcmp(d, "target") == 0) {
      if (n != 2) bad(line, d, "expected one glob");
      if (g_plan.n_targets == kMaxTargets) bad(line, d, "at most %d target lines", kMaxTargets);
      copy_bounded(g_plan.targets[g_plan.n_targets++], kGlobMax, words[1], line, d);
    } else if (strcmp(d, "exec") == 0) {
      if (have_exec) bad(line, d, "given twice");
      if (n != 2 || (strcmp(words[1], "inherit") != 0 && strcmp(words[1], "drop") != 0)) {
        bad(line, d, "expected inherit or drop, got '%s'", n > 1 ? words[1] : "");
      }
      g_plan.exec_drop = strcmp(words[1], "drop") == 0;
      have_exec = true;
    } else if (strcmp(d, "step_file") == 0) {
      if (step_file_line != 0) bad(line, d, "given twice");
      parse_path(line, d, words, n, g_plan.step_file);
      step_file_line = line;
    } else if (strcmp(d, "record") == 0) {
      if (record_line != 0) bad(line, d, "given twice");
      parse_path(line, d, words, n, g_plan.record);
      record_line = line;
    } else if (strcmp(d, "fault") == 0) {
      parse_fault(line, words, n);
    } else if (strcmp(d, "faultfs-plan") == 0) {
      bad(line, d, "given twice");
    } else {
      bad(line, d, "unknown directive (expected seed, journal, target_dir, target, exec, step_file, record or fault)");
    }
  }
  if (!have_header) bad(line, "faultfs-plan", "the first line must be 'faultfs-plan 1' (the plan is empty)");
  if (!have_seed) bad(line, "seed", "required, missing at end of plan");
  if (journal_line == 0) bad(line, "journal", "required, missing at end of plan");
  if (target_line == 0) bad(line, "target_dir", "required, missing at end of plan");
  for (int i = 0; i < g_plan.n_faults; ++i) {
    if (g_plan.faults[i].trigger == Trigger::kStep && step_file_line == 0) {
      bad(g_fault_lines[i], "step", "needs a step counter: add a 'step_file PATH' directive");
    }
  }
  if (step_file_line != 0) map_step_file(step_file_line);
  derive_fault_streams();
  journal_open();
  if (journal_fd() < 0) bad(journal_line, "journal", "cannot open '%s' for appending: %s", g_plan.journal,
                            strerror(errno));
  if (record_line != 0 && !history_open()) {
    bad(record_line, "record", "cannot open '%s' as a recorded history (faultline-hist1): %s", g_plan.record,
        errno != 0 ? strerror(errno) : "not a history file");
  }
}

}  // namespace faultfs
