#include "judge.h"

#include <algorithm>
#include <csignal>

#include <fmt/format.h>

namespace faultline::harness::detail {

DuringRun during_run(FaultKind kind) {
  switch (kind) {
    case FaultKind::kCrash:
    case FaultKind::kPowerLoss: return DuringRun::kKilled;
    case FaultKind::kWriteError:
    case FaultKind::kFsyncError: return DuringRun::kMayFailStop;
    case FaultKind::kShortWrite:
    case FaultKind::kBitflipWrite:
    case FaultKind::kBitflipRead:
    case FaultKind::kReadError:
    case FaultKind::kLostWrite:
    case FaultKind::kMisdirectedWrite:
    case FaultKind::kAtRest: return DuringRun::kCarriesOn;
  }
  return DuringRun::kCarriesOn;
}

std::size_t leading_acked_count(const std::vector<Issued>& issued) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < issued.size(); ++i)
    if (issued[i].ack == Ack::kOk) n = i + 1;
  return n;
}

FaultRunJudgement judge_fault_run(const FaultRunFacts& f) {
  FaultRunJudgement j;
  for (const auto& e : f.protocol_errors) j.violations.push_back({"protocol-error", e});
  if (f.hung) {
    j.violations.push_back({"hang", "the engine stopped answering during the workload"});
    j.stop = true;
    return j;
  }
  const auto rule = during_run(f.kind);
  if (rule == DuringRun::kKilled && !(f.died && !f.status.exited && f.status.signal == SIGKILL))
    j.violations.push_back({"engine-crash", fmt::format("the planned crash should have killed the engine with "
                                                        "SIGKILL; it ended: {}",
                                                        f.died ? f.status.describe() : "still running")});
  if (rule == DuringRun::kCarriesOn && f.died)
    j.violations.push_back({"engine-crash", fmt::format("the engine died during the workload ({}) although the fault "
                                                        "({}) asks it to carry on",
                                                        f.status.describe(), fault_kind_name(f.kind))});
  if (rule == DuringRun::kMayFailStop) {
    // Fail-stop: after the engine saw the error, no further acknowledgement.
    for (std::size_t i = 0; i < f.issued.size(); ++i)
      if (f.issued[i].ack == Ack::kOk && f.issued[i].journal_events_after > f.fault_event)
        j.violations.push_back({"acked-failed-write",
                                fmt::format("operation #{} ({}) was acknowledged after the engine got {} from {}", i,
                                            f.issued[i].op.brief(), f.err,
                                            f.kind == FaultKind::kWriteError ? "write()" : "fsync()")});
  }
  j.stop = !j.violations.empty();
  return j;
}

namespace {

reports::Observed observed_with_detail(const char* outcome, const std::string& detail) {
  reports::Observed o;
  o.outcome = outcome;
  o.detail = detail;
  return o;
}

RecoveryJudgement judge_refusal(const RecoveryFacts& f) {
  RecoveryJudgement j;
  const auto& status = f.start.status;
  const bool refusal = status.exited && (status.code == f.profile.corrupt_exit_code ||
                                         (f.expected.any_exit_allowed && status.code != 0));
  j.observed = reports::Observed{};
  j.observed->outcome = refusal ? "abort" : "exit";
  j.observed->status = status.describe();
  if (!refusal) {
    j.violations.push_back({"engine-crash", fmt::format("recovery ended with {} (the corrupt-log exit code is {})",
                                                        status.describe(), f.profile.corrupt_exit_code)});
    return j;
  }
  if (!f.evidence_changes.empty())
    j.violations.push_back({"evidence-modified", fmt::format("while refusing to start: {}", f.evidence_changes)});
  if (!f.expected.allow_abort) {
    const bool promised = f.profile.sync != scenarios::SyncPromise::kNone;
    if (f.kind == FaultKind::kPowerLoss && promised)
      j.violations.push_back({"lost-acked-write", fmt::format("after power loss the engine refused to start, so "
                                                              "acknowledged writes that sync {} promised are not "
                                                              "available", scenarios::to_string(f.profile.sync))});
    else
      j.violations.push_back({"false-abort", fmt::format("refused to start ({}), but {}", status.describe(),
                                                         f.expected.reason)});
    return j;
  }
  if (j.violations.empty()) j.next = f.expected.transient ? RecoveryJudgement::Next::kRestart
                                                          : RecoveryJudgement::Next::kAccepted;
  return j;
}

RecoveryJudgement judge_start(const RecoveryFacts& f) {
  RecoveryJudgement j;
  const auto& e = f.expected;
  if (!f.dump->ok) {
    if (!e.allow_start) j.violations.push_back({"missed-corruption", fmt::format("started although {}", e.reason)});
    j.violations.push_back({f.dump_hung ? "hang" : "protocol-error", f.dump->error});
    return j;
  }
  const auto check = check_state(f.base, f.issued, e.keep_min, f.dump->state);
  // A black box that started with every acknowledged write and nothing invented did no harm (start_if_complete).
  if (!e.allow_start && !(e.start_if_complete && check.violations.empty()))
    j.violations.push_back({"missed-corruption", fmt::format("started although {}", e.reason)});
  reports::Observed observed;
  observed.outcome = "started";
  observed.file = f.file;
  observed.size_after_recovery = f.size_after;
  observed.state = describe_state(f.dump->state);
  j.violations.insert(j.violations.end(), check.violations.begin(), check.violations.end());
  if (check.matched_prefix) observed.operations_reflected = *check.matched_prefix;
  if (e.size_after && f.profile.record_per_write && f.size_after != *e.size_after && e.allow_start)
    j.violations.push_back({"wrong-truncation-offset", fmt::format("{} is {} bytes after recovery; the torn record "
                                                                   "started at {}",
                                                                   f.file, f.size_after, *e.size_after)});
  j.observed = std::move(observed);
  if (j.violations.empty()) j.next = RecoveryJudgement::Next::kContinue;
  return j;
}

}  // namespace

RecoveryJudgement judge_recovery(const RecoveryFacts& f) {
  RecoveryJudgement j;
  switch (f.start.kind) {
    case StartOutcome::Kind::kHang:
      j.violations.push_back({"hang", fmt::format("recovery: {}", f.start.detail)});
      j.observed = observed_with_detail("hang", f.start.detail);
      return j;
    case StartOutcome::Kind::kProtocolError:
      j.violations.push_back({"protocol-error", fmt::format("recovery: {}", f.start.detail)});
      j.observed = observed_with_detail("protocol-error", f.start.detail);
      return j;
    case StartOutcome::Kind::kExited: return judge_refusal(f);
    case StartOutcome::Kind::kReady: return judge_start(f);
  }
  return j;
}

std::vector<Violation> judge_restart(const StartOutcome& start, const DumpResult& dump, const KvState& base,
                                     const std::vector<Issued>& issued) {
  if (start.kind != StartOutcome::Kind::kReady)
    return {{start.kind == StartOutcome::Kind::kHang ? "hang" : "false-abort",
             fmt::format("after a transient read fault, a fault-free start failed too: {}", start.detail)}};
  if (!dump.ok) return {{"protocol-error", dump.error}};
  std::vector<Violation> out;
  for (const auto& v : check_state(base, issued, leading_acked_count(issued), dump.state).violations)
    out.push_back({v.name, "after a transient read fault: " + v.detail});
  return out;
}

std::optional<Violation> judge_unfired(const UnfiredFacts& f) {
  if (f.hung) return Violation{"hang", "the engine stopped answering during the workload"};
  if (f.died)
    return Violation{"engine-crash", fmt::format("the engine died during the workload ({}) before the fault armed for "
                                                 "operation #{} fired", f.status.describe(), f.armed_op)};
  if (!f.wrote_records) return std::nullopt;
  return Violation{"fault-not-fired", fmt::format("the engine made no {} on its data files once operation #{} ({}) "
                                                  "was sent", f.kind == FaultKind::kFsyncError ? "sync" : "write",
                                                  f.armed_op, f.armed_request)};
}

std::optional<Violation> judge_health_reply(const std::string& request, const std::optional<std::string>& reply) {
  if (reply && *reply == "OK") return std::nullopt;
  return Violation{"unhealthy-after-recovery",
                   fmt::format("after recovery, {} got {}", request, reply ? "\"" + *reply + "\"" : "no reply")};
}

std::optional<Violation> judge_quit(const std::optional<ExitStatus>& status) {
  if (status && status->exited && status->code == 0) return std::nullopt;
  return Violation{"unhealthy-after-recovery",
                   fmt::format("QUIT after recovery ended with {}", status ? status->describe() : "no exit (hang)")};
}

std::optional<Violation> judge_health_restart(const StartOutcome& start, const DumpResult& dump,
                                              const KvState& expected, std::size_t more_writes) {
  if (start.kind != StartOutcome::Kind::kReady || !dump.ok)
    return Violation{"unhealthy-after-recovery", fmt::format("restart after recovery and {} more writes failed: {}{}",
                                                             more_writes, start.detail, dump.error)};
  if (dump.state != expected)
    return Violation{"unhealthy-after-recovery",
                     fmt::format("after recovery, {} more writes and a clean restart the state is {}, expected {}",
                                 more_writes, describe_state(dump.state), describe_state(expected))};
  return std::nullopt;
}

Verdict verdict_of(const std::vector<Violation>& violations, const std::string& error) {
  if (!error.empty()) return Verdict::kError;
  if (violations.empty()) return Verdict::kPass;
  const bool only_void = std::all_of(violations.begin(), violations.end(),
                                     [](const Violation& v) { return v.name == "fault-not-fired"; });
  return only_void ? Verdict::kVoid : Verdict::kFail;
}

}  // namespace faultline::harness::detail
