#include "trial_run.h"

#include <fmt/format.h>

#include <csignal>
#include <fstream>

namespace faultline::harness::detail {

namespace fs = std::filesystem;
using scenarios::Aim;
using scenarios::Field;
using scenarios::TornTailPolicy;

TrialRun::TrialRun(const TrialConfig& config, TrialResult& result)
    : config_(config), result_(result), runner_(config), data_(config.work_dir / "data"),
      fault_(config.scenario.fault) {}

void TrialRun::violate(const std::string& name, const std::string& detail) {
  runner_.say(fmt::format("  ✗ {}: {}", name, detail));
  result_.violations.push_back({name, detail});
}

std::uint64_t TrialRun::file_size(const std::string& file) const {
  std::error_code ec;
  const auto size = fs::file_size(data_ / file, ec);
  return ec ? 0 : size;
}

void TrialRun::execute() {
  fs::create_directories(data_);
  Rng workload(derive_seed(config_.seed, "workload"));
  const auto& spec = config_.scenario.workload;
  for (std::uint32_t cycle = 0; cycle < config_.scenario.crashes; ++cycle) {
    auto ops = generate_ops(spec, spec.operations, next_value_index_, workload);
    if (cycle == 0 && config_.overrides.ops) ops = *config_.overrides.ops;
    next_value_index_ += spec.operations;
    if (!run_cycle(cycle, ops)) return;
  }
  health_check();
}

namespace {

// Faults the shim injects while the engine runs the workload, aimed at an operation through the step counter. The
// others (damage at rest, read faults during recovery) are placed afterwards, on the records the fault run wrote.
bool placed_while_running(const std::string& kind) {
  return kind != "at_rest" && kind != "bitflip_read" && kind != "read_error";
}

}  // namespace

std::size_t TrialRun::choose_op(const std::vector<Op>& ops, Rng& rng) const {
  const std::size_t n = ops.size();
  if (n == 0) throw std::runtime_error(fmt::format("scenario '{}' has no operations to aim its fault at",
                                                   config_.scenario.name));
  std::size_t op = 0;
  switch (fault_.aim) {
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
  // A bundle's explicit placement replaces the seed's: the same operation counted from the end.
  if (const auto& from_end = config_.overrides.record_from_end) op = n - 1 - std::min<std::uint64_t>(*from_end, n - 1);
  return op;
}

faults::Span TrialRun::field_span(bool at_least_one_byte) const {
  faults::Span span;  // the whole write call
  const auto& frame = config_.profile.frame;
  if (const auto& off = config_.overrides.offset_in_record) {
    span = {static_cast<std::int64_t>(*off), static_cast<std::int64_t>(*off) + 1};
  } else if (frame && fault_.aim != Aim::kUniform) {
    const auto head = static_cast<std::int64_t>(frame->header_bytes);
    const auto tail = static_cast<std::int64_t>(frame->trailer_bytes);
    switch (fault_.field) {
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

faults::FaultSpec TrialRun::armed_fault(std::size_t op, Rng& rng) const {
  const auto& kind = fault_.kind;
  faults::FaultSpec f;
  f.kind = kind == "power_loss" ? "crash" : kind;
  f.step = op + 1;  // the first write (or sync) the engine makes once operation `op` was sent
  if (kind == "crash" || kind == "power_loss") {
    f.span = field_span(fault_.during_recovery);  // a crash during recovery needs a torn tail to cut
  } else if (kind == "short_write") {
    f.span = field_span(true);  // at least one byte, so the engine sees progress
  } else if (kind == "bitflip_write") {
    f.span = field_span(false);
    f.bit = static_cast<int>(rng.below(8));
  } else if (kind == "write_error") {
    f.err = fault_.err;
    if (fault_.keep) f.keep = *fault_.keep;
    else f.span = field_span(false);
  } else if (kind == "fsync_error") {
    f.err = fault_.err;
  } else if (kind == "misdirected_write") {
    f.shift = 4096;
  }
  return f;
}

std::optional<Placement> TrialRun::placement_of_fault(const RunResult& run) const {
  std::size_t index = 0;
  while (index < run.events.size() && run.events[index].ev != "fault") ++index;
  if (index == run.events.size()) return std::nullopt;
  const auto& e = run.events[index];
  Placement p;
  p.file = e.file;
  p.record_off = static_cast<std::uint64_t>(std::max<std::int64_t>(e.off, 0));
  p.record_len = static_cast<std::uint64_t>(std::max<std::int64_t>(e.len, 0));
  const auto& kind = fault_.kind;
  if (kind == "bitflip_write") {
    p.offset = e.raw.value("at", p.record_off);
  } else if (kind == "crash" || kind == "power_loss" || kind == "short_write" || kind == "write_error") {
    p.offset = p.record_off + e.raw.value("wrote", std::uint64_t{0});
  } else {
    p.offset = p.record_off;
  }
  // The record's index among those written to the file: the damaged write itself, or the next one for a write that
  // never completed (a crash) and for a failed sync.
  p.record = 0;
  std::uint64_t written_end = 0;
  for (const auto& r : run.records) {
    if (r.file != p.file || r.journal_index >= index) continue;
    ++p.record;
    written_end = std::max(written_end, r.off + r.len);
  }
  if (kind == "fsync_error" && p.record_len == 0) p.record_off = p.offset = written_end;  // nothing was unsynced
  for (std::size_t op = 0; op < run.issued.size(); ++op)
    if (index >= run.issued[op].journal_events_before &&
        (index < run.issued[op].journal_events_after || run.issued[op].ack == Ack::kNoReply))
      p.op = op;
  p.field = field_name(p.offset - std::min(p.offset, p.record_off), p.record_len);
  return p;
}

std::string TrialRun::field_name(std::uint64_t within, std::uint64_t len) const {
  const auto& frame = config_.profile.frame;
  return within == 0                                                  ? "boundary"
       : !frame                                                       ? "record"
       : within < frame->header_bytes                                 ? "length"
       : within >= len - std::min<std::uint64_t>(len, frame->trailer_bytes) ? "checksum"
                                                                      : "payload";
}

Placement TrialRun::place(const std::vector<Record>& records, std::size_t operations, Rng& rng) const {
  Placement p;
  std::uint64_t total = 0;
  for (const auto& r : records) total += r.len;
  const auto count = records.size();
  if (fault_.aim == Aim::kUniform) {
    std::uint64_t u = rng.below(total);
    for (p.record = 0; u >= records[p.record].len; ++p.record) u -= records[p.record].len;
    p.offset = records[p.record].off + u;
  } else {
    p.record = fault_.aim == Aim::kLastRecord ? count - 1
             : fault_.aim == Aim::kMidLog     ? rng.below(count > 1 ? count - 1 : 1)
                                              : rng.below(count);
  }
  // A bundle's explicit placement replaces the seed's: the same record counted from the end, the same byte inside it.
  const auto& ov = config_.overrides;
  const bool explicit_placement = ov.record_from_end || ov.offset_in_record;
  if (ov.record_from_end) {
    // The first record written for the operation that many from the last (the last record if it wrote none).
    const auto op = operations - 1 - std::min<std::uint64_t>(*ov.record_from_end, operations - 1);
    p.record = count - 1;
    for (std::size_t i = 0; i < count; ++i)
      if (records[i].op == op) {
        p.record = i;
        break;
      }
  }
  const Record& rec = records[p.record];
  p.file = rec.file;
  p.record_off = rec.off;
  p.record_len = rec.len;
  p.op = rec.op;
  if (explicit_placement) {
    p.offset = rec.off + std::min<std::uint64_t>(ov.offset_in_record.value_or(0), rec.len - 1);
  } else if (fault_.aim != Aim::kUniform) {
    const auto& frame = config_.profile.frame;
    std::uint64_t lo = 0, hi = rec.len;  // [lo, hi) inside the record
    if (frame && rec.len > frame->header_bytes + frame->trailer_bytes) {
      switch (fault_.field) {
        case Field::kLength: hi = frame->header_bytes; break;
        case Field::kPayload: lo = frame->header_bytes; hi = rec.len - frame->trailer_bytes; break;
        case Field::kChecksum: lo = rec.len - frame->trailer_bytes; break;
        case Field::kBoundary: hi = 2; break;
        case Field::kAny: break;
      }
    }
    p.offset = rec.off + lo + rng.below(hi - lo);
  }
  p.field = field_name(p.offset - rec.off, rec.len);
  return p;
}

std::vector<faults::FaultSpec> TrialRun::read_faults(const Placement& p, Rng& rng) const {
  const auto& kind = fault_.kind;
  if (kind != "bitflip_read" && kind != "read_error") return {};
  faults::FaultSpec f;
  f.file = p.file;
  f.kind = kind;
  f.offset = p.offset;
  if (kind == "bitflip_read") f.bit = static_cast<int>(rng.below(8));
  else f.err = fault_.err;
  return {f};
}

bool TrialRun::run_cycle(std::uint32_t cycle, const std::vector<Op>& ops) {
  cycle_ = cycle;
  runner_.say(fmt::format("cycle {}: {} operations, fault {} (aim {}, field {})", cycle + 1, ops.size(), fault_.kind,
                          to_string(fault_.aim), to_string(fault_.field)));
  if (live_) {
    // The engine recovered by the previous cycle stops cleanly before the next cycle starts on the same directory.
    const auto status = live_->quit();
    live_.reset();
    if (!status || !status->exited || status->code != 0) {
      violate("unhealthy-after-recovery",
              fmt::format("QUIT after recovery ended with {}", status ? status->describe() : "no exit (hang)"));
      return false;
    }
  }
  Rng rng(derive_seed(config_.seed, fmt::format("fault-{}", cycle)));
  const bool while_running = placed_while_running(fault_.kind);
  std::vector<faults::FaultSpec> faults_now;
  std::size_t armed_op = SIZE_MAX;
  if (while_running) {
    armed_op = choose_op(ops, rng);
    faults_now.push_back(armed_fault(armed_op, rng));
    runner_.say(fmt::format("  fault armed for operation #{} ({}){}", armed_op, ops[armed_op].request(),
                            faults_now.front().span ? fmt::format(", span {}:{} of the write it makes",
                                                                  faults_now.front().span->from,
                                                                  faults_now.front().span->to)
                                                    : std::string()));
  }
  auto run = runner_.run(data_, fmt::format("fault{}", cycle), faults_now, ops, Runner::Ending::kKill);
  runner_.say(fmt::format("  fault run: {} of {} operations acknowledged; engine {}",
                          std::count_if(run.issued.begin(), run.issued.end(), [](auto& i) { return i.ack == Ack::kOk; }),
                          ops.size(), run.status.describe()));
  if (config_.narrate)  // the transcript `repro` prints and keeps: each request, its reply, acknowledged or not
    for (std::size_t i = 0; i < run.issued.size(); ++i)
      runner_.say(fmt::format("    #{:<3} {:<40} → {}", i, run.issued[i].op.request(),
                              run.issued[i].ack == Ack::kNoReply ? std::string("no reply (not acknowledged)")
                                  : fmt::format("\"{}\"{}", run.issued[i].reply,
                                                run.issued[i].ack == Ack::kOk ? " (acknowledged)" : "")));
  const auto bypass = faults::detect_bypass(data_, faults::summarize(run.events), config_.profile.data_files);
  if (!bypass.empty())
    throw std::runtime_error(fmt::format("the fault shim was bypassed, so no fault can be placed: {} (see docs/faults.md, "
                                         "'What the shim cannot see')", bypass.front()));
  if (run.start.kind != StartOutcome::Kind::kReady) {
    violate(run.hung ? "hang" : run.start.kind == StartOutcome::Kind::kProtocolError ? "protocol-error" : "engine-crash",
            fmt::format("before any fault: {}", run.start.detail));
    return false;
  }
  // An engine that answered garbage has broken the protocol: say that, not that its data_files may be wrong.
  auto protocol_broken = [&] {
    for (const auto& e : run.protocol_errors) violate("protocol-error", e);
    return !run.protocol_errors.empty();
  };
  auto no_writes = [&] {
    return std::runtime_error(fmt::format("the engine wrote nothing to its data files ({}) during the workload: check "
                                          "the profile's data_files", fmt::join(config_.profile.data_files, ", ")));
  };
  Placement p;
  if (while_running) {
    auto placed = placement_of_fault(run);
    if (!placed) {
      if (run.hung) {
        violate("hang", "the engine stopped answering during the workload");
        return false;
      }
      if (run.died) {
        violate("engine-crash", fmt::format("the engine died during the workload ({}) before the fault armed for "
                                            "operation #{} fired", run.status.describe(), armed_op));
        return false;
      }
      if (protocol_broken()) return false;
      if (run.records.empty()) throw no_writes();
      violate("fault-not-fired", fmt::format("the engine made no {} on its data files once operation #{} ({}) was sent",
                                             fault_.kind == "fsync_error" ? "sync" : "write", armed_op,
                                             ops[armed_op].request()));
      return false;
    }
    p = *placed;
  } else {
    if (protocol_broken()) return false;
    if (run.records.empty() && run.hung) {  // no write because it stopped answering: a hang, not a profile mistake
      violate("hang", "the engine stopped answering during the workload");
      return false;
    }
    if (run.records.empty()) throw no_writes();
    p = place(run.records, ops.size(), rng);
  }
  runner_.say(fmt::format("  {} {} at {} offset {} (record {} at {}+{}, {}, operation #{})",
                          while_running ? "fault fired:" : "aimed:", fault_.kind, p.file, p.offset, p.record,
                          p.record_off, p.record_len, p.field, p.op));
  result_.coverage = {{"kind", fault_.kind}, {"aim", to_string(fault_.aim)}, {"field", p.field},
                      {"offset", p.offset}, {"record", p.record}, {"op", p.op}, {"operations", ops.size()},
                      {"record_from_end", p.op < ops.size() ? ops.size() - 1 - p.op : 0},
                      {"offset_in_record", p.offset - std::min(p.offset, p.record_off)}};

  if (!check_fault_run(run, p)) return false;
  if (!apply_storage_faults(run, p, rng)) return false;
  const Expectation e = expect(run, p);
  result_.expected = e.to_json();
  runner_.say(fmt::format("  expected: {} ({})", e.outcome(), e.reason));
  auto labelled = run.records;  // the torn write of a crash never completed, so label it from the fault
  if (std::none_of(labelled.begin(), labelled.end(),
                   [&](const Record& r) { return r.file == p.file && r.off == p.record_off; }) && p.record_len > 0)
    labelled.push_back({p.file, p.record_off, p.record_len, p.op, 0});
  result_.hexdump = hexdump_around(data_ / p.file, p.offset, labelled, config_.profile);
  snapshot_evidence();

  if (fault_.during_recovery && cycle == 0) {
    faults::FaultSpec crash;
    crash.kind = "crash";
    crash.nth = 1;
    auto rec = runner_.recover(data_, "recovery-crash", {crash}, true);
    const auto fired = faults::fired_faults(rec.events);
    if (fired.empty()) {
      violate("fault-not-fired", "recovery wrote nothing, so the crash planned during recovery never fired");
      return false;
    }
    result_.faults.push_back({{"phase", "recovery"}, {"kind", "crash"}, {"event", fired.front().raw}});
    runner_.say(fmt::format("  crashed during recovery at {}", fired.front().raw.dump()));
  }
  auto recovery = runner_.recover(data_, fmt::format("recovery{}", cycle), read_faults(p, rng));
  if (fault_.kind == "bitflip_read" || fault_.kind == "read_error") {
    const auto fired = faults::fired_faults(recovery.events);
    if (fired.empty()) {
      violate("fault-not-fired", fmt::format("the engine never read offset {} of {} during recovery", p.offset, p.file));
      return false;
    }
    for (const auto& f : fired) result_.faults.push_back({{"phase", "recovery"}, {"kind", f.kind}, {"event", f.raw}});
  }
  result_.engine_log = tail_lines(recovery.stderr_path, 20);
  return judge(recovery, e, run, p);
}

bool TrialRun::check_fault_run(const RunResult& run, const Placement& p) {
  const auto& kind = fault_.kind;
  (void)p;
  for (const auto& e : run.protocol_errors) violate("protocol-error", e);
  for (const auto& f : faults::fired_faults(run.events))
    result_.faults.push_back({{"phase", "workload"}, {"kind", f.kind}, {"event", f.raw}});
  if (run.hung) {
    violate("hang", "the engine stopped answering during the workload");
    return false;
  }
  const bool crash_fault = kind == "crash" || kind == "power_loss";
  const bool may_die = crash_fault || kind == "write_error" || kind == "fsync_error";
  if (crash_fault && !(run.died && !run.status.exited && run.status.signal == SIGKILL))
    violate("engine-crash", fmt::format("the planned crash should have killed the engine with SIGKILL; it ended: {}",
                                        run.died ? run.status.describe() : "still running"));
  if (!may_die && run.died)
    violate("engine-crash", fmt::format("the engine died during the workload ({}) although the fault ({}) asks it to "
                                        "carry on", run.status.describe(), kind));
  if (kind == "write_error" || kind == "fsync_error") {
    // Fail-stop: after the engine saw the error, no further acknowledgement.
    std::size_t fault_index = 0;
    for (std::size_t i = 0; i < run.events.size(); ++i)
      if (run.events[i].ev == "fault") { fault_index = i; break; }
    for (std::size_t i = 0; i < run.issued.size(); ++i)
      if (run.issued[i].ack == Ack::kOk && run.issued[i].journal_events_after > fault_index)
        violate("acked-failed-write", fmt::format("operation #{} ({}) was acknowledged after the engine got {} from "
                                                  "{}", i, run.issued[i].op.request(), fault_.err,
                                                  kind == "write_error" ? "write()" : "fsync()"));
  }
  return result_.violations.empty();
}

}  // namespace faultline::harness::detail
