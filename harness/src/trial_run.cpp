#include "trial_run.h"

#include <fmt/format.h>

namespace faultline::harness::detail {

namespace fs = std::filesystem;

namespace {

// The ledger entry of a fault the shim fired: its journal line, as the journal holds it.
reports::FaultEntry fired_entry(const char* phase, const faults::Event& fired) {
  reports::FaultEntry entry;
  entry.phase = phase;
  entry.kind = fault_kind_name(fired.kind);
  entry.event = fired.raw;
  return entry;
}

}  // namespace

TrialRun::TrialRun(const TrialConfig& config, TrialResult& result)
    : config_(config), result_(result), runner_(config), data_(config.work_dir / "data"),
      fault_(config.scenario.fault) {}

void TrialRun::violate(const Violation& v) {
  runner_.say(fmt::format("  ✗ {}: {}", v.name, v.detail));
  result_.violations.push_back(v);
}

bool TrialRun::violate_all(const std::vector<Violation>& vs) {
  for (const auto& v : vs) violate(v);
  return vs.empty();
}

std::uint64_t TrialRun::file_size(const std::string& file) const {
  std::error_code ec;
  const auto size = fs::file_size(data_ / file, ec);
  return ec ? 0 : size;
}

void TrialRun::execute() {
  fs::create_directories(data_);
  auto plan = config_.plan ? *config_.plan : plan_trial(config_);
  check_plan(plan, config_);
  auto text = describe(plan);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  runner_.say("plan:\n" + text);
  for (std::uint32_t cycle = 0; cycle < plan.cycles.size(); ++cycle)
    if (!run_cycle(cycle, plan.cycles[cycle])) return;
  health_check(plan.after_ops);
}

// The engine recovered by the previous cycle stops cleanly before the next cycle starts on the same directory.
bool TrialRun::stop_live_engine() {
  if (!live_) return true;
  const auto status = live_->quit();
  runner_.settle(*live_run_, *live_);
  live_.reset();
  if (const auto v = judge_quit(status)) {
    violate(*v);
    return false;
  }
  return true;
}

// The engine recovered by `recovery` keeps running for the next cycle or the health check.
void TrialRun::keep_live(Runner::Recovery& recovery) {
  live_ = std::move(recovery.session);
  live_run_ = &recovery.record;
}

// The workload under the armed fault; nullptr when the engine did not even start.
const RunRecord* TrialRun::fault_run(std::uint32_t cycle, CyclePlan& plan) {
  if (plan.armed && plan.write.needs_rehearsal()) plan.armed->skip = rehearse(cycle, plan);
  std::vector<faults::FaultSpec> armed;
  if (plan.armed) {
    armed.push_back(*plan.armed);
    runner_.say(fmt::format("  fault armed for operation #{} ({}){}", *plan.armed_op, plan.ops[*plan.armed_op].brief(),
                            plan.armed->span ? fmt::format(", span {}:{} of the write it makes", plan.armed->span->from,
                                                           plan.armed->span->to)
                                             : std::string()));
  }
  const auto& run = runner_.run(data_, fmt::format("fault{}", cycle), armed, plan.ops, Runner::Ending::kKill);
  runner_.say(fmt::format("  fault run: {} of {} operations acknowledged; engine {}",
                          std::count_if(run.issued.begin(), run.issued.end(), [](auto& i) { return i.ack == Ack::kOk; }),
                          plan.ops.size(), run.status.describe()));
  record_transcript(run);
  result_.engine_log = run.stderr_tail;  // the run that failed, if it is this one
  const auto bypass = faults::detect_bypass(data_, run.histories, config_.profile.data_files, run.left_out);
  for (const auto& [file, why] : run.left_out) result_.untracked_files.emplace(file, why);
  if (!bypass.empty())
    throw std::runtime_error(fmt::format("the fault shim was bypassed, so no fault can be placed: {} (see docs/faults.md, "
                                         "'What the shim cannot see')", bypass.front()));
  if (run.start.kind != StartOutcome::Kind::kReady) {
    violate(run.hung ? "hang" : run.start.kind == StartOutcome::Kind::kProtocolError ? "protocol-error" : "engine-crash",
            fmt::format("before any fault: {}", run.start.detail));
    return nullptr;
  }
  return &run;
}

// Which of the armed operation's writes the fault hits, when not its first: a fault-free run of the cycle on a copy of
// the data directory counts the operation's writes that the fault's filters take; all but the aimed one pass (skip=).
// A drawn head region that the operation never writes is dropped. Assumes, like all aiming, a deterministic engine.
std::uint64_t TrialRun::rehearse(std::uint32_t cycle, CyclePlan& plan) {
  const auto copy = config_.work_dir / fmt::format("rehearsal{}", cycle);
  fs::remove_all(copy);
  fs::copy(data_, copy, fs::copy_options::recursive);
  std::map<std::string, std::uint64_t> initial;  // each file's size before the run: writes inside it overwrite
  for (const auto& e : fs::recursive_directory_iterator(copy))
    if (e.is_regular_file()) initial[fs::relative(e.path(), copy).string()] = e.file_size();
  const auto& run = runner_.run(copy, fmt::format("rehearsal{}", cycle), {}, plan.ops, Runner::Ending::kKill);
  fs::remove_all(copy);
  const auto count = [&](const faults::FaultSpec& armed) {
    auto size = initial;
    std::uint64_t n = 0;
    for (const auto& r : run.records) {
      auto& s = size[r.file];
      n += r.op == *plan.armed_op && qualifies(armed, {r.file, r.off, r.len, r.off + r.len <= s}) ? 1 : 0;
      s = std::max(s, r.off + r.len);
    }
    return n;
  };
  auto qualifying = count(*plan.armed);
  if (qualifying == 0 && plan.write.region_optional) {
    plan.armed->region.reset();
    qualifying = count(*plan.armed);
  }
  const auto skip = skip_for(plan.write, qualifying);
  runner_.say(fmt::format("  rehearsal: operation #{} makes {} writes the fault may hit; it hits write {}",
                          *plan.armed_op, qualifying, skip + 1));
  return skip;
}

// Where the fault landed: from the journal for a fault placed while the engine ran, drawn over the records otherwise.
std::optional<Placement> TrialRun::locate(const RunRecord& run, CyclePlan& plan) {
  // An engine that answered garbage has broken the protocol: say that, not that its data_files may be wrong.
  auto protocol_broken = [&] {
    for (const auto& e : run.protocol_errors) violate("protocol-error", e);
    return !run.protocol_errors.empty();
  };
  auto no_writes = [&] {
    return std::runtime_error(fmt::format("the engine wrote nothing to its data files ({}) during the workload: check "
                                          "the profile's data_files", fmt::join(config_.profile.data_files, ", ")));
  };
  if (!plan.armed) {
    if (protocol_broken()) return std::nullopt;
    if (run.records.empty() && run.hung) {  // no write because it stopped answering: a hang, not a profile mistake
      violate("hang", "the engine stopped answering during the workload");
      return std::nullopt;
    }
    if (run.records.empty()) throw no_writes();
    const auto live = live_records(in_window(run.records, plan.window), run.events, [&](const std::string& file) -> std::optional<std::uint64_t> {
      std::error_code ec;
      const auto size = fs::file_size(data_ / file, ec);
      return ec ? std::nullopt : std::optional<std::uint64_t>(size);
    });
    if (live.empty()) {
      violate("fault-not-fired", "nothing the engine wrote during the workload is still on disk: it removed, renamed "
                                 "away or cut every file it wrote before it stopped, so there is no written byte to aim at");
      return std::nullopt;
    }
    return locate_on_records(fault_, live, plan.ops.size(), config_.profile.frame, plan.aim, plan.rest);
  }
  auto placed = locate_fired(fault_.kind, run.events, run.records, run.issued, config_.profile.frame);
  if (!placed) {
    if (!run.hung && !run.died && protocol_broken()) return std::nullopt;
    const auto v = judge_unfired({fault_.kind, run.hung, run.died, run.status, !run.records.empty(), *plan.armed_op,
                                  plan.ops[*plan.armed_op].brief()});
    if (!v) throw no_writes();
    violate(*v);
  }
  return placed;
}

bool TrialRun::judge_run(const RunRecord& run) {
  for (const auto& f : faults::fired_faults(run.events))
    result_.faults.push_back(fired_entry("workload", f));
  std::size_t fault_event = 0;
  for (std::size_t i = 0; i < run.events.size(); ++i)
    if (run.events[i].ev == "fault") {
      fault_event = i;
      break;
    }
  const auto j = judge_fault_run({fault_.kind, fault_.err, run.issued, fault_event, run.hung, run.died, run.status,
                                  run.protocol_errors});
  violate_all(j.violations);
  return !j.stop;
}

Expectation TrialRun::expected_outcome(const RunRecord& run, const Placement& p) const {
  const auto it = run.histories.find(p.file);
  const std::uint64_t synced = it == run.histories.end() ? 0 : it->second.synced_size;
  return expect({fault_, config_.profile, p, run.records, leading_acked_count(run.issued), run.issued.size(),
                 file_size(p.file), synced, power_loss_actions_, base_.empty()});
}

// The hex dump around the damaged byte and the data files as they are before recovery.
void TrialRun::keep_evidence(const RunRecord& run, const Placement& p) {
  auto labelled = run.records;  // the torn write of a crash never completed, so label it from the fault
  if (std::none_of(labelled.begin(), labelled.end(),
                   [&](const Record& r) { return r.file == p.file && r.off == p.record_off; }) && p.record_len > 0)
    labelled.push_back({p.file, p.record_off, p.record_len, p.op, 0});
  result_.hexdump = hexdump_around(data_ / p.file, p.offset, labelled, config_.profile);
  result_.hexdump_before = hexdump_before_damage(run, p, labelled);
  snapshot_evidence();
}

bool TrialRun::run_cycle(std::uint32_t cycle, CyclePlan& plan) {
  if (!stop_live_engine()) return false;
  runner_.say(fmt::format("cycle {}: {} operations, fault {} (aim {}, field {})", cycle + 1, plan.ops.size(),
                          fault_kind_name(fault_.kind), to_string(fault_.aim), to_string(fault_.field)));
  const auto* run = fault_run(cycle, plan);
  if (!run) return false;
  const auto p = locate(*run, plan);
  if (!p) return false;
  runner_.say(fmt::format("  {} {} at {} offset {} (record {} at {}+{}, {}, operation #{})",
                          plan.armed ? "fault fired:" : "aimed:", fault_kind_name(fault_.kind), p->file, p->offset,
                          p->record, p->record_off, p->record_len, p->field, p->op));
  record_coverage(*run, *p, plan.ops.size());
  if (!judge_run(*run)) return false;
  if (!apply_storage_faults(*run, *p, plan.rest)) return false;
  const Expectation e = expected_outcome(*run, *p);
  result_.expected = e.report();
  runner_.say(fmt::format("  expected: {} ({})", e.outcome(), e.reason));
  keep_evidence(*run, *p);
  if (fault_.during_recovery && cycle == 0 && !crash_during_recovery()) return false;
  return recover_and_judge(cycle, *run, *p, e, plan.rest);
}

// Where the fault landed, for the report's coverage: a write made at start-up has no operation.
void TrialRun::record_coverage(const RunRecord& run, const Placement& p, std::size_t operations) {
  auto& c = result_.coverage;
  c = {};
  c.kind = fault_kind_name(fault_.kind);
  c.aim = to_string(fault_.aim);
  c.field = p.field;
  c.offset = p.offset;
  c.record = p.record;
  if (p.op < operations) c.op = p.op;
  c.operations = operations;
  c.record_from_end = p.op < operations ? operations - 1 - p.op : 0;
  c.offset_in_record = p.offset - std::min(p.offset, p.record_off);
  c.file = p.file;
  c.write = write_position(run.records, p, operations);
  c.region = p.offset < kHeadRegionBytes ? "head" : "body";
  std::uint64_t written = 0;  // the file's end before the hit write, as far as this run's writes show
  for (const auto& r : run.records)
    if (r.file == p.file && r.journal_index < p.journal_index) written = std::max(written, r.off + r.len);
  c.rewrite = p.record_off + std::max<std::uint64_t>(p.record_len, 1) <= written ? "overwrite" : "append";
}

bool TrialRun::crash_during_recovery() {
  faults::FaultSpec crash;
  crash.kind = FaultKind::kCrash;
  crash.nth = 1;
  auto rec = runner_.recover(data_, "recovery-crash", {crash}, true);
  const auto fired = faults::fired_faults(rec.record.events);
  if (fired.empty()) {
    violate("fault-not-fired", "recovery wrote nothing, so the crash planned during recovery never fired");
    return false;
  }
  result_.faults.push_back(fired_entry("recovery", fired.front()));
  runner_.say(fmt::format("  crashed during recovery at {}", fired.front().raw.dump()));
  return true;
}

namespace {

// The faults armed for recovery: a read fault at the aimed byte, drawn from the cycle's stream.
std::vector<faults::FaultSpec> read_faults(const scenarios::FaultSpec& fault, const Placement& p, Rng& rng) {
  faults::FaultSpec f;
  f.file = p.file;
  f.kind = fault.kind;
  f.offset = p.offset;
  switch (fault.kind) {
    case FaultKind::kBitflipRead: f.bit = static_cast<int>(rng.below(8)); return {f};
    case FaultKind::kReadError: f.err = fault.err; return {f};
    case FaultKind::kCrash:
    case FaultKind::kShortWrite:
    case FaultKind::kBitflipWrite:
    case FaultKind::kWriteError:
    case FaultKind::kFsyncError:
    case FaultKind::kLostWrite:
    case FaultKind::kMisdirectedWrite:
    case FaultKind::kPowerLoss:
    case FaultKind::kAtRest: return {};
  }
  return {};
}

// Why a read fault at p.offset never fired, from what the shim saw the engine read during recovery.
std::string unread_offset(const std::vector<faults::Event>& events, const Placement& p) {
  std::size_t reads = 0;
  std::uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& e : events)
    if (e.ev == "read" && e.file == p.file && e.ret > 0 && e.off >= 0) {
      ++reads;
      lo = std::min(lo, static_cast<std::uint64_t>(e.off));
      hi = std::max(hi, static_cast<std::uint64_t>(e.off + e.ret));
    }
  if (reads == 0)
    return fmt::format("the shim saw no read() of {} during recovery: the engine did not read it, or read it only "
                       "through calls the shim cannot see (stdio fread, a mapping), so the read fault at offset {} "
                       "never fired", p.file, p.offset);
  return fmt::format("the shim saw {} read{} of {} during recovery, of bytes {}..{}, none of offset {}", reads,
                     reads == 1 ? "" : "s", p.file, lo, hi, p.offset);
}

}  // namespace

bool TrialRun::recover_and_judge(std::uint32_t cycle, const RunRecord& run, const Placement& p, const Expectation& e,
                                 Rng& rng) {
  const auto armed = read_faults(fault_, p, rng);
  auto recovery = runner_.recover(data_, fmt::format("recovery{}", cycle), armed);
  if (!armed.empty()) {
    const auto fired = faults::fired_faults(recovery.record.events);
    if (fired.empty()) {
      violate("fault-not-fired", unread_offset(recovery.record.events, p));
      return false;
    }
    for (const auto& f : fired)
      result_.faults.push_back(fired_entry("recovery", f));
  }
  result_.engine_log = recovery.record.stderr_tail;
  const auto& start = recovery.record.start;
  const bool ready = start.kind == StartOutcome::Kind::kReady;
  if (start.kind == StartOutcome::Kind::kExited) runner_.say(fmt::format("  recovery: {}", start.status.describe()));
  if (ready) runner_.say("  recovery: READY");
  const auto j = judge_recovery({start, e, config_.profile, fault_.kind,
                                 start.kind == StartOutcome::Kind::kExited ? evidence_changes() : std::string(),
                                 &recovery.dump, ready && recovery.session->hung(), p.file,
                                 ready ? file_size(e.file.empty() ? p.file : e.file) : 0, base_, run.issued});
  violate_all(j.violations);
  if (j.observed) result_.observed = *j.observed;
  switch (j.next) {
    case RecoveryJudgement::Next::kStop:
    case RecoveryJudgement::Next::kAccepted: return false;
    case RecoveryJudgement::Next::kRestart: return restart_after_refusal(run);
    case RecoveryJudgement::Next::kContinue: break;
  }
  runner_.say(fmt::format("  state after recovery: {} ({} bytes)", describe_state(recovery.dump.state),
                          j.observed ? j.observed->size_after_recovery.value_or(0) : 0));
  base_ = recovery.dump.state;
  keep_live(recovery);
  return true;
}

bool TrialRun::restart_after_refusal(const RunRecord& run) {
  // The fault was transient (it was in what the engine read, not in the file): a fault-free start recovers everything.
  auto again = runner_.recover(data_, "restart", {});
  result_.engine_log = again.record.stderr_tail;
  if (!violate_all(judge_restart(again.record.start, again.dump, base_, run.issued))) return false;
  base_ = again.dump.state;
  keep_live(again);
  return true;
}

void TrialRun::health_check(const std::vector<Op>& ops) {
  if (!live_) return;
  KvState expected = base_;
  for (const auto& op : ops) {
    if (const auto v = judge_health_reply(op.brief(), live_->request(op.wire(live_->protocol_version())))) {
      violate(*v);
      return;
    }
    apply(expected, op);
  }
  if (const auto v = judge_quit(live_->quit())) {
    violate(*v);
    return;
  }
  auto again = runner_.recover(data_, "healthy", {});
  result_.engine_log = again.record.stderr_tail;
  if (const auto v = judge_health_restart(again.record.start, again.dump, expected, ops.size())) violate(*v);
  else runner_.say(fmt::format("  healthy: {} more writes and a restart kept everything", ops.size()));
  // Its exit is not judged: the session's destructor kills it, which is cheaper than waiting for a QUIT.
}

}  // namespace faultline::harness::detail
