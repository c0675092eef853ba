// Fault plan v1 (docs/fault-plan.md): rendering and validation on the harness side.
//
// The rules here are the shim's parser's rules (faults/shim/plan_parse.cc), checked before a plan reaches an engine
// run, so that a harness bug surfaces as an exception naming the field instead of an engine that exits 87.
#include "faultline/plan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace faultline::faults {
namespace {

struct KindRules {
  std::string_view name;
  bool keep;
  bool bit;
  bool shift;
  bool span;
  std::vector<std::string_view> errnos;
};

const std::vector<KindRules>& rules() {
  static const std::vector<KindRules> kRules = {
      {"crash", true, false, false, true, {}},
      {"short_write", true, false, false, true, {}},
      {"bitflip_write", false, true, false, true, {}},
      {"bitflip_read", false, true, false, false, {}},
      {"write_error", true, false, false, true, {"EIO", "ENOSPC", "EDQUOT", "EFBIG"}},
      {"read_error", false, false, false, false, {"EIO"}},
      {"fsync_error", false, false, false, false, {"EIO", "ENOSPC", "EDQUOT"}},
      {"lost_write", false, false, false, false, {}},
      {"misdirected_write", false, false, true, false, {}},
  };
  return kRules;
}

[[noreturn]] void invalid(const std::string& where, std::string_view field, const std::string& what) {
  throw std::invalid_argument(fmt::format("fault plan: {}field '{}': {}", where, field, what));
}

// A word of the plan: no blanks (they separate words), no '#' (it starts a comment), no newline.
void check_word(const std::string& where, std::string_view field, const std::string& value) {
  if (value.empty()) invalid(where, field, "must not be empty");
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '#') {
      invalid(where, field, fmt::format("must not contain blanks or '#', got '{}'", value));
    }
  }
}

void check_path(std::string_view field, const std::filesystem::path& path) {
  const std::string text = path.string();
  check_word("", field, text);
  if (!path.is_absolute()) invalid("", field, fmt::format("must be an absolute path, got '{}'", text));
  if (text.size() >= 4096) invalid("", field, "longer than 4095 bytes");
}

void check_glob(const std::string& where, std::string_view field, const std::string& glob) {
  check_word(where, field, glob);
  if (glob.size() >= 256) invalid(where, field, "longer than 255 bytes");
}

// `has_step_file`: whether the plan has a step_file (a step= trigger needs its counter).
void check_fault(std::size_t index, const FaultSpec& f, bool has_step_file) {
  const std::string where = fmt::format("fault {} ({}): ", index, f.kind);
  const auto& all = rules();
  const auto rule = std::find_if(all.begin(), all.end(), [&](const KindRules& r) { return r.name == f.kind; });
  if (rule == all.end()) {
    invalid(where, "kind", fmt::format("unknown kind '{}' (expected one of: {})", f.kind,
                                       fmt::join(shim_fault_kinds(), ", ")));
  }
  check_glob(where, "file", f.file);
  const int triggers =
      int{f.offset.has_value()} + int{f.nth.has_value()} + int{f.prob.has_value()} + int{f.step.has_value()};
  if (triggers != 1) {
    invalid(where, "trigger", fmt::format("expected exactly one of offset, nth, prob, step (got {})", triggers));
  }
  if (f.nth && *f.nth == 0) invalid(where, "nth", "must be >= 1 (calls are counted from 1)");
  if (f.prob && !(*f.prob > 0.0 && *f.prob <= 1.0)) invalid(where, "prob", fmt::format("must be in (0, 1], got {}", *f.prob));
  if (f.step && *f.step == 0) invalid(where, "step", "must be >= 1 (the counter starts at 0)");
  if (f.step && !has_step_file) invalid(where, "step", "needs a step counter: set the plan's step_file");
  if (f.keep && !rule->keep) invalid(where, "keep", "only crash, short_write and write_error keep bytes");
  if (f.keep && f.offset && (f.kind == "crash" || f.kind == "short_write")) {
    invalid(where, "keep", "not allowed with offset (the bytes before the offset are kept)");
  }
  if (f.span) {
    if (!rule->span) invalid(where, "span", "only crash, short_write, bitflip_write and write_error take a span");
    if (f.offset) invalid(where, "span", "not allowed with offset (the offset already names the byte)");
    if (f.keep) invalid(where, "span", fmt::format("not allowed with keep (both choose where {} stops)", f.kind));
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();  // the shim reads -INT64_MAX..INT64_MAX
    if (f.span->from == kMin || f.span->to == kMin) invalid(where, "span", "FROM and TO must be > INT64_MIN");
  }
  if (f.bit && !rule->bit) invalid(where, "bit", "only bitflip_write and bitflip_read flip a bit");
  if (f.bit && (*f.bit < 0 || *f.bit > 7)) invalid(where, "bit", fmt::format("must be 0..7, got {}", *f.bit));
  if (f.err) {
    if (rule->errnos.empty()) invalid(where, "errno", "only write_error, read_error and fsync_error take an errno");
    if (std::find(rule->errnos.begin(), rule->errnos.end(), *f.err) == rule->errnos.end()) {
      invalid(where, "errno", fmt::format("must be one of {}, got '{}'", fmt::join(rule->errnos, ", "), *f.err));
    }
  }
  if (f.shift && !rule->shift) invalid(where, "shift", "only misdirected_write shifts data");
  if (f.shift && *f.shift == 0) invalid(where, "shift", "must not be 0");
}

}  // namespace

const std::vector<std::string>& shim_fault_kinds() {
  static const std::vector<std::string> kKinds = {"crash",       "short_write",  "bitflip_write",
                                                   "bitflip_read", "write_error", "read_error",
                                                   "fsync_error", "lost_write",   "misdirected_write"};
  return kKinds;
}

std::string render_plan(const Plan& plan) {
  check_path("journal", plan.journal);
  check_path("target_dir", plan.target_dir);
  if (plan.targets.size() > 32) invalid("", "target", "at most 32 target globs");
  for (const auto& glob : plan.targets) check_glob("", "target", glob);
  if (!plan.step_file.empty()) check_path("step_file", plan.step_file);
  if (plan.faults.size() > 64) invalid("", "fault", "at most 64 faults");
  for (std::size_t i = 0; i < plan.faults.size(); ++i) check_fault(i, plan.faults[i], !plan.step_file.empty());

  std::string out = "faultfs-plan 1\n";
  out += fmt::format("seed {}\n", plan.seed);
  out += fmt::format("journal {}\n", plan.journal.string());
  out += fmt::format("target_dir {}\n", plan.target_dir.string());
  for (const auto& glob : plan.targets) out += fmt::format("target {}\n", glob);
  out += fmt::format("exec {}\n", plan.exec_inherit ? "inherit" : "drop");
  if (!plan.step_file.empty()) out += fmt::format("step_file {}\n", plan.step_file.string());
  for (const FaultSpec& f : plan.faults) {
    out += fmt::format("fault {} file={}", f.kind, f.file);
    if (f.offset) out += fmt::format(" offset={}", *f.offset);
    if (f.nth) out += fmt::format(" nth={}", *f.nth);
    if (f.prob) out += fmt::format(" prob={}", *f.prob);  // shortest round-trip form, read back by strtod
    if (f.step) out += fmt::format(" step={}", *f.step);
    if (f.count != 1) out += fmt::format(" count={}", f.count);
    if (f.span) out += fmt::format(" span={}:{}", f.span->from, f.span->to);
    if (f.keep) out += fmt::format(" keep={}", *f.keep);
    if (f.bit) out += fmt::format(" bit={}", *f.bit);
    if (f.err) out += fmt::format(" errno={}", *f.err);
    if (f.shift) out += fmt::format(" shift={}", *f.shift);
    out += '\n';
  }
  return out;
}

void write_plan(const Plan& plan, const std::filesystem::path& path) {
  const std::string text = render_plan(plan);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot write the fault plan: {}", path.string(), std::strerror(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t r = ::write(fd, text.data() + done, text.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error(fmt::format("{}: cannot write the fault plan: {}", path.string(), std::strerror(err)));
    }
    done += static_cast<std::size_t>(r);
  }
  ::close(fd);
}

}  // namespace faultline::faults
