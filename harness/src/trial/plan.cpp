#include "plan.h"

#include <stdexcept>

#include <fmt/format.h>

namespace faultline::harness::detail {

using scenarios::Aim;
using scenarios::Field;

namespace {

std::size_t choose_op(const TrialConfig& config, const std::vector<Op>& ops, Rng& rng) {
  const std::size_t n = ops.size();
  if (n == 0) throw std::runtime_error(fmt::format("scenario '{}' has no operations to aim its fault at",
                                                   config.scenario.name));
  std::size_t op = 0;
  switch (config.scenario.fault.aim) {
    case Aim::kUniform: {
      // Uniform over the bytes written: each operation weighs what it asks the engine to store.
      std::uint64_t total = 0;
      for (const auto& o : ops) total += o.request().size();
      std::uint64_t u = rng.below(total);
      while (u >= ops[op].request().size()) u -= ops[op++].request().size();
      break;
    }
    case Aim::kAnyRecord: op = rng.below(n); break;
    case Aim::kLastRecord: op = n - 1; break;
    case Aim::kMidLog: op = rng.below(n > 1 ? n - 1 : 1); break;
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

}  // namespace

TrialPlan plan_trial(const TrialConfig& config) {
  TrialPlan plan;
  const auto& scenario = config.scenario;
  const auto& spec = scenario.workload;
  const bool while_running = fault_kind_info(scenario.fault.kind).placement == FaultPlacement::kWhileRunning;
  Rng workload(derive_seed(config.seed, "workload"));
  std::uint32_t next_value_index = 0;
  for (std::uint32_t cycle = 0; cycle < scenario.crashes; ++cycle) {
    CyclePlan c;
    c.ops = generate_ops(spec, spec.operations, next_value_index, workload);
    next_value_index += spec.operations;
    c.rest = Rng(derive_seed(config.seed, fmt::format("fault-{}", cycle)));
    if (while_running) {
      c.armed_op = choose_op(config, c.ops, c.rest);
      c.armed = armed_fault(config, *c.armed_op, std::nullopt, std::nullopt, c.rest);
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
    if (!c.armed || c.ops.empty()) continue;
    const auto n = c.ops.size();
    c.armed_op = n - 1 - std::min<std::uint64_t>(aim.record_from_end, n - 1);
    Rng unused = c.rest;  // the bit was drawn when the plan was: keep it
    c.armed = armed_fault(config, *c.armed_op, aim, c.armed->bit, unused);
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
    if (c.armed) {
      out += fmt::format(", fault armed for operation #{} ({}): {}", *c.armed_op, c.ops[*c.armed_op].request(),
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
