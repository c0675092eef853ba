// Fault plan v1 (docs/fault-plan.md): rendering and validation on the harness side.
//
// The rules are the fault-kind table's (faultline/fault_kinds.h), which the shim's parser (faults/shim/plan_parse.cc)
// reads too, checked before a plan reaches an engine run, so that a harness bug surfaces as an exception naming the
// field instead of an engine that exits 87.
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
// The kinds a plan may name, for messages.
std::string shim_kind_names() {
  std::string out;
  for (const auto& k : kFaultKinds)
    if (shim_injects(k.kind)) out += fmt::format("{}{}", out.empty() ? "" : ", ", k.name);
  return out;
}

// The kinds a plan may name whose table row has `flag`, for messages: "crash, short_write and write_error".
template <typename Flag>
std::string kinds_with(Flag flag) {
  std::vector<std::string_view> names;
  for (const auto& k : kFaultKinds)
    if (shim_injects(k.kind) && flag(k)) names.push_back(k.name);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += fmt::format("{}{}", i == 0 ? "" : i + 1 == names.size() ? " and " : ", ", names[i]);
  return out;
}

void check_trigger(const std::string& where, const FaultSpec& f, bool has_step_file) {
  const int triggers =
      int{f.offset.has_value()} + int{f.nth.has_value()} + int{f.prob.has_value()} + int{f.step.has_value()};
  if (triggers != 1) {
    invalid(where, "trigger", fmt::format("expected exactly one of offset, nth, prob, step (got {})", triggers));
  }
  if (f.nth && *f.nth == 0) invalid(where, "nth", "must be >= 1 (calls are counted from 1)");
  if (f.prob && !(*f.prob > 0.0 && *f.prob <= 1.0)) invalid(where, "prob", fmt::format("must be in (0, 1], got {}", *f.prob));
  if (f.step && *f.step == 0) invalid(where, "step", "must be >= 1 (the counter starts at 0)");
  if (f.step && !has_step_file) invalid(where, "step", "needs a step counter: set the plan's step_file");
}

// `has_step_file`: whether the plan has a step_file (a step= trigger needs its counter).
void check_fault(std::size_t index, const FaultSpec& f, bool has_step_file) {
  const auto& rule = fault_kind_info(f.kind);
  const std::string where = fmt::format("fault {} ({}): ", index, rule.name);
  if (!shim_injects(f.kind)) {
    invalid(where, "kind", fmt::format("the shim does not inject '{}' (expected one of: {})", rule.name,
                                       shim_kind_names()));
  }
  check_glob(where, "file", f.file);
  check_trigger(where, f, has_step_file);
  if (f.keep && !rule.keep) invalid(where, "keep", fmt::format("only {} keep bytes", kinds_with([](auto& k) { return k.keep; })));
  if (f.keep && f.offset && !rule.keep_with_offset) {
    invalid(where, "keep", "not allowed with offset (the bytes before the offset are kept)");
  }
  if (f.span) {
    if (!rule.span) invalid(where, "span", fmt::format("only {} take a span", kinds_with([](auto& k) { return k.span; })));
    if (f.offset) invalid(where, "span", "not allowed with offset (the offset already names the byte)");
    if (f.keep) invalid(where, "span", fmt::format("not allowed with keep (both choose where {} stops)", rule.name));
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();  // the shim reads -INT64_MAX..INT64_MAX
    if (f.span->from == kMin || f.span->to == kMin) invalid(where, "span", "FROM and TO must be > INT64_MIN");
  }
  if (f.bit && !rule.bit) invalid(where, "bit", fmt::format("only {} flip a bit", kinds_with([](auto& k) { return k.bit; })));
  if (f.bit && (*f.bit < 0 || *f.bit > kBitMax)) invalid(where, "bit", fmt::format("must be 0..{}, got {}", kBitMax, *f.bit));
  if (f.err) {
    if (rule.errnos == nullptr) {
      invalid(where, "errno", fmt::format("only {} take an errno", kinds_with([](auto& k) { return k.errnos != nullptr; })));
    }
    if (!word_in_list(f.err->c_str(), rule.errnos)) {
      std::string list = rule.errnos;
      for (std::size_t at; (at = list.find(' ')) != std::string::npos;) list.replace(at, 1, ", ");
      invalid(where, "errno", fmt::format("must be one of {}, got '{}'", list, *f.err));
    }
  }
  if (f.shift && !rule.shift) invalid(where, "shift", fmt::format("only {} shifts data", kinds_with([](auto& k) { return k.shift; })));
  if (f.shift && *f.shift == 0) invalid(where, "shift", "must not be 0");
}

}  // namespace

std::string render_fault_line(const FaultSpec& f) {
  std::string out = fmt::format("fault {} file={}", fault_kind_name(f.kind), f.file);
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
  return out;
}

std::string render_plan(const Plan& plan) {
  check_path("journal", plan.journal);
  check_path("target_dir", plan.target_dir);
  if (plan.targets.size() > 32) invalid("", "target", "at most 32 target globs");
  for (const auto& glob : plan.targets) check_glob("", "target", glob);
  if (!plan.step_file.empty()) check_path("step_file", plan.step_file);
  if (!plan.record.empty()) check_path("record", plan.record);
  if (plan.faults.size() > 64) invalid("", "fault", "at most 64 faults");
  for (std::size_t i = 0; i < plan.faults.size(); ++i) check_fault(i, plan.faults[i], !plan.step_file.empty());

  std::string out = "faultfs-plan 1\n";
  out += fmt::format("seed {}\n", plan.seed);
  out += fmt::format("journal {}\n", plan.journal.string());
  out += fmt::format("target_dir {}\n", plan.target_dir.string());
  for (const auto& glob : plan.targets) out += fmt::format("target {}\n", glob);
  out += fmt::format("exec {}\n", plan.exec_inherit ? "inherit" : "drop");
  if (!plan.step_file.empty()) out += fmt::format("step_file {}\n", plan.step_file.string());
  if (!plan.record.empty()) out += fmt::format("record {}\n", plan.record.string());
  for (const FaultSpec& f : plan.faults) out += render_fault_line(f) + "\n";
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
