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

std::optional<RunResult> TrialRun::record_run(std::uint32_t cycle, const std::vector<Op>& ops) {
  // A fault-free run of the same operations from the same starting files tells where every record will land.
  const fs::path dir = config_.work_dir / fmt::format("record-{}", cycle);
  fs::create_directories(dir);
  fs::copy(data_, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  auto run = runner_.run(dir, fmt::format("record{}", cycle), {}, ops, Runner::Ending::kQuit);
  const auto bypass = faults::detect_bypass(dir, faults::summarize(run.events), config_.profile.data_files);
  fs::remove_all(dir);
  if (!bypass.empty())
    throw std::runtime_error(fmt::format("the fault shim was bypassed, so no fault can be placed: {} (see docs/faults.md, "
                                         "'What the shim cannot see')", bypass.front()));
  if (run.start.kind != StartOutcome::Kind::kReady || run.died || run.hung) {
    violate(run.hung ? "hang" : "engine-crash",
            fmt::format("the fault-free run of the workload failed: {}", run.start.kind == StartOutcome::Kind::kReady
                            ? run.status.describe() : run.start.detail));
    return std::nullopt;
  }
  if (run.records.empty())
    throw std::runtime_error(fmt::format("the engine wrote nothing to its data files ({}) during the workload: check "
                                         "the profile's data_files", fmt::join(config_.profile.data_files, ", ")));
  return run;
}

Placement TrialRun::place(const std::vector<Record>& records, Rng& rng) const {
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
  if (ov.record_from_end) p.record = count - 1 - std::min<std::uint64_t>(*ov.record_from_end, count - 1);
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
  const auto within = p.offset - rec.off;
  const auto& frame = config_.profile.frame;
  p.field = within == 0                                           ? "boundary"
          : !frame                                                ? "record"
          : within < frame->header_bytes                          ? "length"
          : within >= rec.len - std::min<std::uint64_t>(rec.len, frame->trailer_bytes) ? "checksum"
                                                                  : "payload";
  return p;
}

std::vector<faults::FaultSpec> TrialRun::shim_faults(const Placement& p, Rng& rng, bool recovery_run) const {
  const auto& kind = fault_.kind;
  const bool read_fault = kind == "bitflip_read" || kind == "read_error";
  if (read_fault != recovery_run) return {};
  faults::FaultSpec f;
  f.file = p.file;
  f.kind = kind;
  f.offset = p.offset;
  if (kind == "power_loss" || kind == "crash") {
    f.kind = "crash";
  } else if (kind == "short_write") {
    f.offset = std::max(p.offset, p.record_off + 1);  // at least one byte, so the engine sees progress
  } else if (kind == "bitflip_write" || kind == "bitflip_read") {
    f.bit = static_cast<int>(rng.below(8));
  } else if (kind == "write_error") {
    f.offset = p.record_off;
    f.keep = fault_.keep.value_or(p.offset - p.record_off);
    f.err = fault_.err;
  } else if (kind == "read_error") {
    f.err = fault_.err;
  } else if (kind == "fsync_error") {
    f.offset.reset();
    f.nth = p.op == SIZE_MAX ? 1 : 0;  // resolved by the caller from the record run's syncs
    f.err = fault_.err;
  } else if (kind == "lost_write" || kind == "misdirected_write") {
    f.offset = p.record_off;
    if (kind == "misdirected_write") f.shift = 4096;
  } else if (kind == "at_rest") {
    return {};
  }
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
  auto record = record_run(cycle, ops);
  if (!record) return false;
  Rng rng(derive_seed(config_.seed, fmt::format("fault-{}", cycle)));
  Placement p = place(record->records, rng);
  if (fault_.during_recovery && p.offset == p.record_off) p.offset += 1;  // recovery must have a tail to cut
  auto faults_now = shim_faults(p, rng, false);
  if (fault_.kind == "fsync_error") {
    // The Nth fsync of the data file: the first sync made while the aimed record's operation was in flight.
    std::uint64_t nth = 0, syncs = 0;
    for (std::size_t i = 0; i < record->events.size() && nth == 0; ++i) {
      const auto& e = record->events[i];
      if (e.ev != "sync" || e.file != p.file) continue;
      ++syncs;
      if (p.op < record->issued.size() && i >= record->issued[p.op].journal_events_before) nth = syncs;
    }
    faults_now.front().nth = nth == 0 ? syncs + 1 : nth;
  }
  std::uint64_t stream_bytes = 0;
  for (const auto& r : record->records) stream_bytes += r.len;
  runner_.say(fmt::format("  record run: {} records, {} bytes; aimed at {} offset {} (record {} at {}+{}, {})",
                          record->records.size(), stream_bytes, p.file, p.offset, p.record,
                          p.record_off, p.record_len, p.field));
  result_.coverage = {{"kind", fault_.kind}, {"aim", to_string(fault_.aim)}, {"field", p.field},
                      {"offset", p.offset}, {"record", p.record}, {"records", record->records.size()},
                      {"record_from_end", record->records.size() - 1 - p.record},
                      {"offset_in_record", p.offset - p.record_off}, {"operations", ops.size()}};

  auto run = runner_.run(data_, fmt::format("fault{}", cycle), faults_now, ops, Runner::Ending::kKill);
  runner_.say(fmt::format("  fault run: {} of {} operations acknowledged; engine {}", 
                          std::count_if(run.issued.begin(), run.issued.end(), [](auto& i) { return i.ack == Ack::kOk; }),
                          ops.size(), run.status.describe()));
  if (!check_fault_run(run, p)) return false;
  if (!apply_storage_faults(run, p, rng)) return false;
  const Expectation e = expect(run, p);
  result_.expected = e.to_json();
  runner_.say(fmt::format("  expected: {} ({})", e.outcome(), e.reason));
  result_.hexdump = hexdump_around(data_ / p.file, p.offset, record->records, config_.profile);
  snapshot_evidence(config_.work_dir / fmt::format("evidence-{}", cycle));

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
  auto recovery = runner_.recover(data_, fmt::format("recovery{}", cycle), shim_faults(p, rng, true));
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
  if (run.start.kind != StartOutcome::Kind::kReady) {
    violate(run.hung ? "hang" : "engine-crash", fmt::format("before any fault: {}", run.start.detail));
    return false;
  }
  for (const auto& e : run.protocol_errors) violate("protocol-error", e);
  const auto fired = faults::fired_faults(run.events);
  for (const auto& f : fired) result_.faults.push_back({{"phase", "workload"}, {"kind", f.kind}, {"event", f.raw}});
  const bool shim_fault = kind != "at_rest" && kind != "bitflip_read" && kind != "read_error";
  if (shim_fault && fired.empty()) {
    violate("fault-not-fired", fmt::format("the engine never wrote offset {} of {} (in the record run it did)",
                                           p.offset, p.file));
    return false;
  }
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
