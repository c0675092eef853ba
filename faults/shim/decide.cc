// Which fault of the plan fires on a call (the rules of io.cc's model): triggers, counts, the span= byte and the
// draws from each fault's own stream.
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "fault_decision.h"

namespace faultfs {

uint64_t iov_total(const struct iovec* iov, int n) {
  uint64_t total = 0;
  for (int i = 0; i < n; ++i) total += iov[i].iov_len;
  return total;
}

uint64_t file_size(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

namespace {

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

// Whether a call passes the fault's region= and rewrite= filters (calls that do not are not counted at all).
bool qualifies(const Fault& f, Op op, uint64_t pos, uint64_t len, int fd) {
  if (f.has_region && !(len > 0 && pos < f.region_to && pos + len > f.region_from)) return false;
  if (f.rewrite >= 0 && op == Op::kWrite) {
    const bool overwrite = fd >= 0 && pos + len <= file_size(fd);
    if (overwrite != (f.rewrite == 1)) return false;
  }
  return true;
}

// [lo, hi) relative to the call where the fault's byte is drawn: the span (or the whole call) within the call's part
// inside region= (that part alone when they do not meet); false without span= and region=.
bool byte_range(const Fault& f, uint64_t pos, uint64_t len, uint64_t* lo, uint64_t* hi) {
  if (!f.has_span && !f.has_region) return false;
  *lo = 0;
  *hi = len;
  if (f.has_span) resolve_span(f, len, lo, hi);
  if (f.has_region) {
    const uint64_t rlo = f.region_from > pos ? f.region_from - pos : 0;
    const uint64_t rhi = f.region_to - pos < len ? f.region_to - pos : len;  // pos < region_to: qualifies() saw it
    const uint64_t a = *lo > rlo ? *lo : rlo, b = *hi < rhi ? *hi : rhi;
    *lo = a < b ? a : rlo;
    *hi = a < b ? b : rhi;
  }
  return true;
}

}  // namespace

Decision decide(Op op, uint64_t mask, uint64_t pos, uint64_t len, int fd) {
  Decision d;
  for (int i = 0; i < g_plan.n_faults; ++i) {
    if ((mask >> i & 1) == 0) continue;
    Fault& f = g_plan.faults[i];
    if (fault_op(f.kind) != op || (f.count != 0 && f.fired >= f.count)) continue;
    if (!qualifies(f, op, pos, len, fd)) continue;
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
        // A step fault that loses to an earlier one stays armed, like an offset= fault; skip= lets K calls pass.
        hit = step >= f.step && f.calls++ >= f.skip;
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
    uint64_t span_at = 0, lo = 0, hi = 0;
    const bool ranged = byte_range(f, pos, len, &lo, &hi);
    if (ranged) span_at = lo + f.rng.below(hi - lo);
    switch (f.kind) {
      case Kind::kBitflipWrite:
      case Kind::kBitflipRead:
        d.at = at_offset ? f.offset : pos + (ranged ? span_at : f.rng.below(len));
        d.bit = f.bit >= 0 ? f.bit : static_cast<int>(f.rng.below(8));
        break;
      case Kind::kCrash:
        d.keep = at_offset ? f.offset - pos : ranged ? span_at : (f.keep < len ? f.keep : len);
        break;
      case Kind::kShortWrite: {
        const uint64_t half = len / 2 > 0 ? len / 2 : 1;
        const uint64_t keep = f.has_keep ? f.keep : half;
        d.keep = at_offset ? f.offset - pos : ranged ? span_at : (keep < len ? keep : len);
        break;
      }
      case Kind::kWriteError:
        d.keep = ranged ? span_at : (f.keep < len ? f.keep : len);
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

}  // namespace faultfs
