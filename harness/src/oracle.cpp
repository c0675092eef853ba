#include "faultline/harness/oracle.h"

#include <fmt/format.h>

namespace faultline::harness {

const std::vector<std::pair<std::string, std::string>>& violation_names() {
  static const std::vector<std::pair<std::string, std::string>> names{
      {"lost-acked-write", "an acknowledged write that the durability promise covers is missing after recovery"},
      {"phantom-value", "a value that was never written for that key (or a corrupted one) is served"},
      {"not-a-prefix", "the state is not the result of any prefix of the issued operations"},
      {"wrong-truncation-offset", "recovery cut the log somewhere else than the start of the torn record"},
      {"missed-corruption", "the engine started on damage that had valid records after it"},
      {"false-abort", "the engine refused to start on a log it should have recovered"},
      {"evidence-modified", "the engine changed its data files while refusing to start"},
      {"unhealthy-after-recovery", "after recovery, a later write and restart failed"},
      {"acked-failed-write", "the engine acknowledged a write after an I/O or fsync error it was told about"},
      {"hang", "the engine did not answer within the timeout (its process group was killed)"},
      {"engine-crash", "the engine died or exited when it should not have"},
      {"protocol-error", "the engine broke engine protocol v1"},
      {"fault-not-fired", "the planned fault never triggered: the trial is void, never a pass"},
  };
  return names;
}

std::string Expectation::outcome() const {
  if (allow_start && allow_abort) return "either";
  if (allow_abort) return "abort";
  if (size_after && reason.find("torn") != std::string::npos) return "truncate";
  return size_after ? "clean-or-truncate" : "start";
}

reports::Expected Expectation::report() const {
  reports::Expected e{outcome(), allow_start, allow_abort, {}, size_after, keep_min, reason};
  if (size_after) e.file = file;
  return e;
}

std::string describe_state(const KvState& state, std::size_t max_entries) {
  std::string out = "{";
  std::size_t n = 0;
  for (const auto& [k, v] : state) {
    if (n++ == max_entries) {
      out += fmt::format("{}… and {} more ({} in all)", max_entries > 0 ? ", " : "", state.size() - max_entries,
                         state.size());
      break;
    }
    out += fmt::format("{}{}={}", n > 1 ? ", " : "", k, shown(v));
  }
  return out + "}";
}

std::string join_capped(const std::vector<std::string>& items, std::size_t shown) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < shown; ++i) out += (i > 0 ? "; " : "") + items[i];
  if (items.size() > shown)
    out += fmt::format("{}… and {} more ({} in all)", shown > 0 ? "; " : "", items.size() - shown, items.size());
  return out;
}

namespace {

// A value never PUT for that key by any issued operation (or base state) was invented or corrupted.
std::vector<Violation> phantoms(const KvState& base, const std::vector<Issued>& issued, const KvState& observed) {
  std::vector<Violation> out;
  for (const auto& [key, value] : observed) {
    bool written = base.count(key) && base.at(key) == value;
    for (const auto& i : issued)
      written = written || (i.op.kind == Op::Kind::kPut && i.op.key == key && i.op.value == value);
    if (!written)
      out.push_back({"phantom-value", fmt::format("key {} has value \"{}\", which was never written for it", key, shown(value))});
  }
  return out;
}

std::vector<Op> ops_of(const std::vector<Issued>& issued) {
  std::vector<Op> ops;
  for (const auto& i : issued) ops.push_back(i.op);
  return ops;
}

}  // namespace

StateCheck check_state(const KvState& base, const std::vector<Issued>& issued, std::size_t keep_min,
                       const KvState& observed) {
  StateCheck result;
  result.violations = phantoms(base, issued, observed);
  const auto ops = ops_of(issued);
  for (std::size_t k = issued.size() + 1; k-- > keep_min;) {
    if (apply_prefix(base, ops, k) == observed) {
      result.matched_prefix = k;
      return result;
    }
  }
  if (!result.violations.empty()) return result;
  for (std::size_t k = keep_min; k-- > 0;) {
    if (apply_prefix(base, ops, k) == observed) {
      result.matched_prefix = k;
      std::vector<std::string> lost;
      for (std::size_t i = k; i < keep_min; ++i) lost.push_back(fmt::format("#{} {}", i, ops[i].brief()));
      result.violations.push_back(
          {"lost-acked-write", fmt::format("the state reflects only the first {} operations, but the first {} must "
                                           "survive; lost: {}", k, keep_min, join_capped(lost))});
      return result;
    }
  }
  // No prefix explains the state. Name the keys that differ from the state after every operation that must survive.
  const KvState must = apply_prefix(base, ops, keep_min);
  std::vector<std::string> diff;
  for (const auto& [key, value] : must) {
    auto it = observed.find(key);
    if (it == observed.end() || it->second != value)
      diff.push_back(fmt::format("{}: expected {} got {}", key, shown(value),
                                 it == observed.end() ? "nothing" : shown(it->second)));
  }
  result.violations.push_back(
      {diff.empty() ? "not-a-prefix" : "lost-acked-write",
       fmt::format("the state {} is no prefix of the {} issued operations{}{}", describe_state(observed, kDetailItems),
                   issued.size(), diff.empty() ? "" : "; ", join_capped(diff))});
  return result;
}

}  // namespace faultline::harness
