#include "plan.h"

#include <fnmatch.h>

#include <stdexcept>

#include <fmt/format.h>

namespace faultline::harness::detail {

using scenarios::Aim;
using scenarios::Field;

namespace {

// An operation of the fault window, ops[from..].
std::size_t choose_op(const TrialConfig& config, const std::vector<Op>& ops, std::size_t from, Rng& rng) {
  const std::size_t n = ops.size();
  if (n <= from) throw std::runtime_error(fmt::format("scenario '{}' has no operations to aim its fault at",
                                                      config.scenario.name));
  std::size_t op = from;
  switch (config.scenario.fault.aim) {
    case Aim::kUniform: {
      // Uniform over the bytes written: each operation weighs what it asks the engine to store.
      std::uint64_t total = 0;
      for (std::size_t i = from; i < n; ++i) total += ops[i].request().size();
      std::uint64_t u = rng.below(total);
      while (u >= ops[op].request().size()) u -= ops[op++].request().size();
      break;
    }
    case Aim::kAnyRecord: op = from + rng.below(n - from); break;
    case Aim::kLastRecord: op = n - 1; break;
    case Aim::kMidLog: op = from + rng.below(n - from > 1 ? n - from - 1 : 1); break;
  }
  return op;
}

// span= of the plan line: where inside the write the scenario's field lies (the whole call without a frame), or the
// byte an explicit aim names.
faults::Span field_span(const TrialConfig& config, const std::optional<RecordAim>& aim, bool at_least_one_byte) {
  faults::Span span;
  const auto& frame = config.profile.frame;
  const auto& fault = config.scenario.fault;
  if (aim) {
    const auto off = static_cast<std::int64_t>(aim->offset_in_record);
    span = {off, off + 1};
  } else if (frame && fault.aim != Aim::kUniform) {
    const auto head = static_cast<std::int64_t>(frame->header_bytes);
    const auto tail = static_cast<std::int64_t>(frame->trailer_bytes);
    switch (fault.field) {
      case Field::kLength: span = {0, head}; break;
      case Field::kPayload: span = {head, -tail}; break;
      case Field::kChecksum: span = {-tail, 0}; break;
      case Field::kBoundary: span = {0, 2}; break;
      case Field::kAny: break;
    }
  }
  if (at_least_one_byte && span.from == 0) {
    span.from = 1;
    if (span.to > 0 && span.to < 2) span.to = 2;
  }
  return span;
}

// The plan line armed for operation `op`; `bit` is drawn from `rng` only when the caller has none yet.
faults::FaultSpec armed_fault(const TrialConfig& config, std::size_t op, const std::optional<RecordAim>& aim,
                              std::optional<int> bit, Rng& rng) {
  const auto& fault = config.scenario.fault;
  faults::FaultSpec f;
  f.kind = fault_kind_info(fault.kind).shim_kind;
  f.step = op + 1;  // the first write (or sync) the engine makes once operation `op` was sent
  switch (fault.kind) {
    case FaultKind::kCrash:
    case FaultKind::kPowerLoss: f.span = field_span(config, aim, fault.during_recovery); break;  // recovery: a tail
    case FaultKind::kShortWrite: f.span = field_span(config, aim, true); break;  // a byte at least: progress
    case FaultKind::kBitflipWrite:
      f.span = field_span(config, aim, false);
      f.bit = bit ? *bit : static_cast<int>(rng.below(8));
      break;
    case FaultKind::kWriteError:
      f.err = fault.err;
      if (fault.keep) f.keep = *fault.keep;
      else f.span = field_span(config, aim, false);
      break;
    case FaultKind::kFsyncError: f.err = fault.err; break;
    case FaultKind::kMisdirectedWrite: f.shift = 4096; break;
    case FaultKind::kLostWrite:
    case FaultKind::kBitflipRead:
    case FaultKind::kReadError:
    case FaultKind::kAtRest: break;
  }
  return f;
}

// Which write of the armed operation, in which file and region, from the scenario. A black box whose scenario says
// nothing about it gets a spread, drawn from the stream "write-N": its first, last or any write, and one time in four
// only writes that touch the file's head. Sync faults always hit the first sync.
WriteAim aim_write(const TrialConfig& config, std::uint32_t cycle, faults::FaultSpec& armed) {
  using W = scenarios::FaultSpec::Write;
  const auto& fault = config.scenario.fault;
  WriteAim aim;
  if (fault_kind_info(armed.kind).call != FaultCall::kWrite) return aim;
  if (!fault.file.empty()) armed.file = fault.file;
  if (fault.head_bytes) armed.region = std::pair<std::uint64_t, std::uint64_t>{0, *fault.head_bytes};
  using R = scenarios::FaultSpec::Rewrite;
  armed.rewrite = fault.rewrite == R::kOverwrite ? faults::FaultSpec::Rewrite::kOverwrite
                : fault.rewrite == R::kAppend    ? faults::FaultSpec::Rewrite::kAppend
                                                 : faults::FaultSpec::Rewrite::kAny;
  aim.write = fault.write;
  aim.nth = fault.write_nth;
  const bool spread = fault.write == W::kSpread || (!fault.explicit_write_aim && !config.profile.record_per_write);
  if (aim.write == W::kFirst && !spread) return aim;
  Rng rng(derive_seed(config.seed, fmt::format("write-{}", cycle)));
  if (spread) {
    const auto w = rng.below(3);
    aim.write = w == 0 ? W::kFirst : w == 1 ? W::kLast : W::kAny;
    if (rng.below(4) == 0 && !armed.region) {
      armed.region = std::pair<std::uint64_t, std::uint64_t>{0, kHeadRegionBytes};
      aim.region_optional = true;
    }
  }
  aim.pick = rng.next();
  return aim;
}

}  // namespace

bool qualifies(const faults::FaultSpec& armed, const RehearsedWrite& w) {
  if (::fnmatch(armed.file.c_str(), w.file.c_str(), 0) != 0) return false;
  if (armed.region && !(w.len > 0 && w.off < armed.region->second && w.off + w.len > armed.region->first)) return false;
  switch (armed.rewrite) {
    case faults::FaultSpec::Rewrite::kAny: return true;
    case faults::FaultSpec::Rewrite::kOverwrite: return w.overwrite;
    case faults::FaultSpec::Rewrite::kAppend: return !w.overwrite;
  }
  return true;
}

std::uint64_t skip_for(const WriteAim& aim, std::uint64_t qualifying) {
  using W = scenarios::FaultSpec::Write;
  if (qualifying == 0) return 0;
  switch (aim.write) {
    case W::kFirst:
    case W::kSpread: return 0;
    case W::kLast: return qualifying - 1;
    case W::kAny: return aim.pick % qualifying;
    case W::kNth: return std::min<std::uint64_t>(aim.nth - 1, qualifying - 1);
  }
  return 0;
}

TrialPlan plan_trial(const TrialConfig& config) {
  TrialPlan plan;
  const auto& scenario = config.scenario;
  const auto& spec = scenario.workload;
  const bool while_running = fault_kind_info(scenario.fault.kind).placement == FaultPlacement::kWhileRunning;
  Rng workload(derive_seed(config.seed, "workload"));
  std::uint32_t next_value_index = 0;
  for (std::uint32_t cycle = 0; cycle < scenario.crashes; ++cycle) {
    CyclePlan c;
    // The preload goes before the first cycle's fault window: operations the fault never aims at.
    const std::uint32_t preload = cycle == 0 ? spec.preload : 0;
    c.ops = generate_ops(spec, preload + spec.operations, next_value_index, workload);
    c.window = preload;
    next_value_index += preload + spec.operations;
    c.rest = Rng(derive_seed(config.seed, fmt::format("fault-{}", cycle)));
    if (while_running) {
      c.armed_op = choose_op(config, c.ops, c.window, c.rest);
      c.armed = armed_fault(config, *c.armed_op, std::nullopt, std::nullopt, c.rest);
      c.write = aim_write(config, cycle, *c.armed);
    }
    plan.cycles.push_back(std::move(c));
  }
  Rng after(derive_seed(config.seed, "after"));
  plan.after_ops = generate_ops(spec, scenario.after_operations, next_value_index, after);
  return plan;
}

void aim_plan(TrialPlan& plan, const TrialConfig& config, const RecordAim& aim) {
  for (auto& c : plan.cycles) {
    c.aim = aim;
    // A shorter list (shrink, an old bundle's operations) keeps at least its last operation in the fault window.
    c.window = std::min<std::size_t>(c.window, c.ops.size() - std::min<std::size_t>(c.ops.size(), 1));
    if (!c.armed || c.ops.empty()) continue;
    const auto n = c.ops.size();
    c.armed_op = n - 1 - std::min<std::uint64_t>(aim.record_from_end, n - 1);
    Rng unused = c.rest;  // the bit was drawn when the plan was: keep it
    const auto filters = *c.armed;  // and the write aim's filters (aim_write): file, region, rewrite
    c.armed = armed_fault(config, *c.armed_op, aim, c.armed->bit, unused);
    c.armed->file = filters.file;
    c.armed->region = filters.region;
    c.armed->rewrite = filters.rewrite;
  }
}

void check_plan(const TrialPlan& plan, const TrialConfig& config) {
  for (std::size_t i = 0; i < plan.cycles.size(); ++i) {
    const auto& c = plan.cycles[i];
    if (c.armed && (!c.armed_op || *c.armed_op >= c.ops.size()))
      throw std::runtime_error(fmt::format("scenario '{}': cycle {} of the plan has no operation #{} to aim its fault "
                                           "at ({} operations)", config.scenario.name, i + 1,
                                           c.armed_op.value_or(0), c.ops.size()));
  }
}

std::string describe(const TrialPlan& plan) {
  std::string out;
  for (std::size_t i = 0; i < plan.cycles.size(); ++i) {
    const auto& c = plan.cycles[i];
    out += fmt::format("cycle {}: {} operations", i + 1, c.ops.size());
    if (c.window > 0) out += fmt::format(" (the first {} a preload outside the fault window)", c.window);
    if (c.armed) {
      out += fmt::format(", fault armed for operation #{} ({}): {}", *c.armed_op, c.ops[*c.armed_op].brief(),
                         faults::render_fault_line(*c.armed));
    } else if (c.aim) {
      out += fmt::format(", fault aimed at operation {} from the end, byte {} of its record", c.aim->record_from_end,
                         c.aim->offset_in_record);
    }
    out += '\n';
  }
  out += fmt::format("after recovery: {} operations\n", plan.after_ops.size());
  return out;
}

}  // namespace faultline::harness::detail
