#include "faultline/harness/trial.h"

#include <chrono>
#include <fstream>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "trial_run.h"

namespace faultline::harness {

namespace fs = std::filesystem;
using detail::TrialRun;

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kVoid: return "void";
    case Verdict::kError: return "error";
  }
  return "?";
}

namespace detail {

bool TrialRun::judge(Runner::Recovery& recovery, const Expectation& e, const RunResult& run, const Placement& p) {
  const auto& start = recovery.start;
  nlohmann::ordered_json observed;
  switch (start.kind) {
    case StartOutcome::Kind::kHang:
      violate("hang", fmt::format("recovery: {}", start.detail));
      result_.observed = {{"outcome", "hang"}, {"detail", start.detail}};
      return false;
    case StartOutcome::Kind::kProtocolError:
      violate("protocol-error", fmt::format("recovery: {}", start.detail));
      result_.observed = {{"outcome", "protocol-error"}, {"detail", start.detail}};
      return false;
    case StartOutcome::Kind::kExited: {
      const bool refusal = start.status.exited && (start.status.code == config_.profile.corrupt_exit_code ||
                                                   (e.any_exit_allowed && start.status.code != 0));
      result_.observed = {{"outcome", refusal ? "abort" : "exit"}, {"status", start.status.describe()}};
      runner_.say(fmt::format("  recovery: {}", start.status.describe()));
      if (!refusal) {
        violate("engine-crash", fmt::format("recovery ended with {} (the corrupt-log exit code is {})",
                                            start.status.describe(), config_.profile.corrupt_exit_code));
        return false;
      }
      const auto changes = evidence_changes();
      if (!changes.empty()) violate("evidence-modified", fmt::format("while refusing to start: {}", changes));
      if (!e.allow_abort) {
        const bool promised = config_.profile.sync != scenarios::SyncPromise::kNone;
        if (fault_.kind == "power_loss" && promised)
          violate("lost-acked-write", fmt::format("after power loss the engine refused to start, so acknowledged "
                                                  "writes that sync {} promised are not available",
                                                  scenarios::to_string(config_.profile.sync)));
        else
          violate("false-abort", fmt::format("refused to start ({}), but {}", start.status.describe(), e.reason));
        return false;
      }
      if (!result_.violations.empty()) return false;
      return e.transient && restart_after_refusal(e, run);
    }
    case StartOutcome::Kind::kReady:
      break;
  }
  runner_.say("  recovery: READY");
  if (!e.allow_start) violate("missed-corruption", fmt::format("started although {}", e.reason));
  if (!recovery.dump.ok) {
    violate(recovery.session->hung() ? "hang" : "protocol-error", recovery.dump.error);
    return false;
  }
  const auto size = file_size(e.file.empty() ? p.file : e.file);
  observed["outcome"] = "started";
  observed["file"] = p.file;
  observed["size_after_recovery"] = size;
  observed["state"] = describe_state(recovery.dump.state);
  const auto check = check_state(base_, run.issued, e.keep_min, recovery.dump.state);
  for (const auto& v : check.violations) violate(v.name, v.detail);
  if (check.matched_prefix) observed["operations_reflected"] = *check.matched_prefix;
  if (e.size_after && config_.profile.record_per_write && size != *e.size_after && e.allow_start)
    violate("wrong-truncation-offset", fmt::format("{} is {} bytes after recovery; the torn record started at {}",
                                                   p.file, size, *e.size_after));
  result_.observed = observed;
  runner_.say(fmt::format("  state after recovery: {} ({} bytes)", describe_state(recovery.dump.state), size));
  if (!result_.violations.empty()) return false;
  base_ = recovery.dump.state;
  live_ = std::move(recovery.session);
  return true;
}

bool TrialRun::restart_after_refusal(const Expectation& e, const RunResult& run) {
  // The fault was transient (it was in what the engine read, not in the file): a fault-free start recovers everything.
  auto again = runner_.recover(data_, "restart", {});
  result_.engine_log = tail_lines(again.stderr_path, 20);
  if (again.start.kind != StartOutcome::Kind::kReady) {
    violate(again.start.kind == StartOutcome::Kind::kHang ? "hang" : "false-abort",
            fmt::format("after a transient read fault, a fault-free start failed too: {}", again.start.detail));
    return false;
  }
  if (!again.dump.ok) {
    violate("protocol-error", again.dump.error);
    return false;
  }
  const auto check = check_state(base_, run.issued, leading_acked_count(run.issued), again.dump.state);
  for (const auto& v : check.violations) violate(v.name, "after a transient read fault: " + v.detail);
  if (!result_.violations.empty()) return false;
  (void)e;
  base_ = again.dump.state;
  live_ = std::move(again.session);
  return true;
}

void TrialRun::health_check() {
  if (!live_) return;
  Rng rng(derive_seed(config_.seed, "after"));
  auto ops = generate_ops(config_.scenario.workload, config_.scenario.after_operations, next_value_index_, rng);
  KvState expected = base_;
  for (const auto& op : ops) {
    const auto reply = live_->request(op.request());
    if (!reply || *reply != "OK") {
      violate("unhealthy-after-recovery", fmt::format("after recovery, {} got {}", op.request(),
                                                      reply ? "\"" + *reply + "\"" : "no reply"));
      return;
    }
    apply(expected, op);
  }
  const auto status = live_->quit();
  if (!status || !status->exited || status->code != 0) {
    violate("unhealthy-after-recovery",
            fmt::format("QUIT after recovery ended with {}", status ? status->describe() : "no exit (hang)"));
    return;
  }
  auto again = runner_.recover(data_, "healthy", {});
  result_.engine_log = tail_lines(again.stderr_path, 20);
  if (again.start.kind != StartOutcome::Kind::kReady || !again.dump.ok) {
    violate("unhealthy-after-recovery",
            fmt::format("restart after recovery and {} more writes failed: {}{}", ops.size(), again.start.detail,
                        again.dump.error));
    return;
  }
  if (again.dump.state != expected)
    violate("unhealthy-after-recovery",
            fmt::format("after recovery, {} more writes and a clean restart the state is {}, expected {}", ops.size(),
                        describe_state(again.dump.state), describe_state(expected)));
  else
    runner_.say(fmt::format("  healthy: {} more writes and a restart kept everything", ops.size()));
  // Its exit is not judged: the session's destructor kills it, which is cheaper than waiting for a QUIT.
}

}  // namespace detail

namespace {

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// The trace hash covers what must be identical when a trial is replayed: the journals, the fault ledger and the
// verdict. What legitimately differs between replays is removed first: process ids, the executable's path, and the
// trial's own directory (campaigns, repro and shrink put trials in different places).
// Process ids, wherever they sit in the fault ledger.
void drop_pids(nlohmann::ordered_json& j) {
  if (j.is_object()) {
    j.erase("pid");
    for (auto& [key, value] : j.items()) drop_pids(value);
  } else if (j.is_array()) {
    for (auto& value : j) drop_pids(value);
  }
}

std::string normalise(std::string text, const std::string& work_dir) {
  for (std::size_t at; !work_dir.empty() && (at = text.find(work_dir)) != std::string::npos;)
    text.replace(at, work_dir.size(), "{trial}");
  return text;
}

// A journal line as the shim wrote it (docs/fault-plan.md: `{"ev":...,"pid":N,...}`, `exe` only in `start`), without
// its pid and exe: hashing the text directly spares parsing every line as JSON again.
std::string without_pid_and_exe(std::string_view line) {
  std::string out(line);
  if (const auto at = out.find(",\"pid\":"); at != std::string::npos) {
    auto end = at + 7;
    while (end < out.size() && out[end] >= '0' && out[end] <= '9') ++end;
    out.erase(at, end - at);
  }
  if (const auto at = out.find(",\"exe\":\""); at != std::string::npos) {
    auto end = at + 8;
    while (end < out.size() && out[end] != '"') end += out[end] == '\\' ? 2 : 1;
    out.erase(at, std::min(end + 1, out.size()) - at);
  }
  return out;
}

std::string trace_hash(const TrialResult& r, const detail::Runner& runner, const std::string& work_dir) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  h = fnv1a(h, r.scenario);
  h = fnv1a(h, std::to_string(r.seed));
  for (std::size_t j = 0; j < runner.journals().size(); ++j) {
    const auto journal = faults::read_journal_text(runner.journals()[j]);
    for (const auto& line : journal.lines) {
      if (line.raw_end > runner.stable_bytes(j)) break;  // lines written after the last reply may race
      h = fnv1a(h, normalise(without_pid_and_exe(line.text), work_dir));
    }
  }
  auto faults = r.faults;
  drop_pids(faults);
  h = fnv1a(h, normalise(faults.dump(), work_dir));
  h = fnv1a(h, to_string(r.verdict));
  for (const auto& v : r.violations) h = fnv1a(h, v.name);
  return fmt::format("{:016x}", h);
}

}  // namespace

TrialResult run_trial(const TrialConfig& config) {
  TrialResult result;
  result.scenario = config.scenario.name;
  result.seed = config.seed;
  result.artifacts = config.work_dir;
  const auto started = std::chrono::steady_clock::now();
  // A trial starts from nothing: a directory left by an earlier run (kept artifacts, a crash of the harness) must not
  // leak files into this one.
  std::error_code ec;
  fs::remove_all(config.work_dir, ec);
  fs::create_directories(config.work_dir);
  TrialRun run(config, result);
  try {
    run.execute();
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  if (!result.error.empty()) {
    result.verdict = Verdict::kError;
  } else if (result.violations.empty()) {
    result.verdict = Verdict::kPass;
  } else {
    const bool only_void = std::all_of(result.violations.begin(), result.violations.end(),
                                       [](const Violation& v) { return v.name == "fault-not-fired"; });
    result.verdict = only_void ? Verdict::kVoid : Verdict::kFail;
  }
  result.trace_hash = trace_hash(result, run.runner(), fs::absolute(config.work_dir).string());
  if (result.verdict != Verdict::kPass || config.keep_evidence) {
    run.write_evidence();
    // A kept journal is its header and plain JSON lines: cut the zero-filled window off once no engine can write to
    // it (a store past the new end would be SIGBUS in a live engine).
    run.end_sessions();
    for (const auto& journal : run.runner().journals()) faults::seal_journal(journal);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace faultline::harness
