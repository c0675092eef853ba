#include "faultline/harness/preflight.h"

#include <exception>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "faultline/harness/log.h"
#include "run.h"

namespace faultline::harness {

namespace fs = std::filesystem;

std::string preflight_message(const std::string& source, const std::string& problem,
                              const std::vector<std::string>& words, const std::vector<std::string>& stderr_tail) {
  std::string quoted;
  for (const auto& w : words) quoted += fmt::format("{}\"{}\"", quoted.empty() ? "" : ", ", w);
  std::string out = fmt::format("{}: the engine failed its preflight (one start on an empty directory, READY, QUIT): "
                                "{}\n  the command as split into words: [{}]\n", source, problem, quoted);
  if (stderr_tail.empty()) {
    out += "  the engine wrote nothing on stderr\n";
  } else {
    out += "  the engine's stderr (last lines):\n";
    for (const auto& line : stderr_tail) out += "    " + line + "\n";
  }
  return out + "  fix the command (or the profile) and run again; no trial was run";
}

namespace {

bool is_config_error(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const scenarios::ConfigError&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string what(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown error";
  }
}

int check(const scenarios::EngineProfile& profile, const fs::path& shim, const fs::path& bindir,
           const fs::path& work_dir) {
  TrialConfig config;
  config.profile = profile;
  config.shim = shim;
  config.bindir = bindir;
  config.work_dir = work_dir;
  const fs::path data = work_dir / "data";
  fs::create_directories(data);
  detail::Runner runner(config);
  auto rec = runner.recover(data, "preflight", {});
  std::optional<std::string> problem;
  const int version = rec.session ? rec.session->protocol_version() : 1;
  if (rec.record.start.kind == StartOutcome::Kind::kReady) {
    const auto status = rec.session->quit();
    if (!status)
      problem = fmt::format("it said READY but did not exit within {} ms of QUIT (request_timeout_ms)",
                            profile.request_timeout_ms);
    else if (!status->exited || status->code != 0)
      problem = fmt::format("it said READY, but after QUIT it ended with {} (expected exit 0)", status->describe());
  } else {
    problem = rec.record.start.kind == StartOutcome::Kind::kExited
                  ? fmt::format("it ended before READY ({})", rec.record.start.status.describe())
                  : rec.record.start.detail;
  }
  rec.session.reset();
  if (!problem) return version;
  const std::string source = profile.source.empty() ? "--engine" : profile.source.string() + ": field 'command'";
  throw scenarios::ConfigError(preflight_message(source, *problem, runner.argv(data), tail_lines(rec.record.stderr_path, 12)));
}

}  // namespace

void require_protocol(const std::vector<scenarios::Scenario>& scenarios, int version) {
  if (version >= 2) return;
  for (const auto& s : scenarios) {
    if (!s.workload.any_byte) continue;
    throw scenarios::ConfigError(fmt::format(
        "{}: field 'workload.value_bytes': the scenario '{}' sends values of any byte (up to {} bytes), which needs "
        "engine protocol v2, but the engine's first line was READY (v1): make the engine answer READY v2 "
        "(docs/engine-protocol.md) or leave the scenario out", s.source.empty() ? s.name : s.source.string(), s.name,
        s.workload.value_max));
  }
}

int preflight(const scenarios::EngineProfile& profile, const fs::path& shim, const fs::path& bindir,
              const fs::path& work_dir) {
  std::exception_ptr failure;
  int version = 1;
  auto run_check = [&](const scenarios::EngineProfile& p) {
    failure = nullptr;
    std::error_code ec;
    fs::remove_all(work_dir, ec);  // a new start on an empty directory
    try {
      version = check(p, shim, bindir, work_dir);
    } catch (...) {
      failure = std::current_exception();
    }
  };
  auto by_exec = profile;
  by_exec.fork_server = scenarios::ForkPoint::kOff;
  // In its own thread, so that the fork server it may start (one per thread) ends with it. A thread that cannot start
  // (no address space for its stack, RLIMIT_NPROC) must not end the campaign before it has a report: then the check
  // runs here, by exec, and the campaign meets the limit where it can say so in its report.
  try {
    std::thread([&] { run_check(profile); }).join();
  } catch (const std::system_error&) {
    run_check(by_exec);
  }
  // A fork server that failed (killed, died while the engine ran) is a harness error, not the engine's: the check runs
  // again by exec, and only what that start says about the engine counts. The campaign keeps its fork servers.
  if (failure && profile.fork_server != scenarios::ForkPoint::kOff && !is_config_error(failure)) {
    log::warn("the preflight's engine start through the fork server failed; the preflight runs again by exec",
              {{"reason", what(failure)}});
    run_check(by_exec);
  }
  std::error_code ec;
  fs::remove_all(work_dir, ec);
  if (failure) std::rethrow_exception(failure);
  return version;
}

}  // namespace faultline::harness
