// `faultline explore` against a real engine (explore_run.h).
#include "explore/explore_run.h"

#include <chrono>
#include <exception>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "faultline/rng.h"
#include "run.h"

namespace faultline::harness::explore {

namespace fs = std::filesystem;

namespace {

// One engine start on a materialized state: recover, DUMP, stop.
StateObservation start_on(detail::Runner& runner, const fs::path& states_dir, const faults::FileTree& tree,
                          std::uint64_t hash) {
  const fs::path dir = states_dir / fmt::format("{:016x}", hash);
  faults::write_tree(tree, dir);
  auto rec = runner.recover(dir, "state", {}, true);
  StateObservation seen;
  if (rec.record.start.kind == StartOutcome::Kind::kReady) {
    seen.started = rec.dump.ok;
    seen.state = rec.dump.state;
    if (!rec.dump.ok) seen.detail = "DUMP failed: " + rec.dump.error;
    rec.session->kill();
  } else {
    seen.detail = rec.record.start.kind == StartOutcome::Kind::kExited ? rec.record.start.status.describe() : rec.record.start.detail;
    if (seen.detail.empty()) seen.detail = "no READY";
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return seen;
}

// Runs the workload once on an empty directory with the shim recording its history; fills issued and history.
void record_workload(const ExploreConfig& config, detail::Runner& runner, ExploreRun& out) {
  scenarios::WorkloadSpec spec;
  spec.operations = config.ops;
  Rng rng(derive_seed(config.seed, "workload"));
  const std::vector<Op> ops = config.workload ? *config.workload : generate_ops(spec, config.ops, 0, rng);
  const fs::path data = config.work_dir / "recorded";
  fs::create_directories(data);
  const fs::path history_file = config.work_dir / "history.bin";
  runner.record_to(history_file);
  const auto recorded = runner.run(data, "record", {}, ops, detail::Runner::Ending::kKill, true);
  runner.record_to({});
  out.issued = recorded.issued;
  if (recorded.start.kind != StartOutcome::Kind::kReady)
    out.workload_problem = fmt::format("the engine did not start on an empty directory: {}", recorded.start.detail);
  else if (!recorded.protocol_errors.empty())
    out.workload_problem = "protocol error during the recorded workload: " + recorded.protocol_errors.front();
  else if (recorded.issued.size() < ops.size())
    out.workload_problem = fmt::format("the engine stopped answering at operation {} of the recorded workload",
                                       recorded.issued.size());
  if (!out.workload_problem.empty()) return;
  // The shim's file is a reserved region far larger than what it holds: keep the recorded events, encoded again.
  out.history = faults::read_history(history_file);
  out.history_bytes = faults::encode_history(out.history.events);
}

ExploreRun explore_here(const ExploreConfig& config) {
  const auto began = std::chrono::steady_clock::now();
  TrialConfig trial;
  trial.profile = config.profile;
  trial.seed = config.seed;
  trial.work_dir = config.work_dir;
  trial.shim = config.shim;
  trial.bindir = config.bindir;
  fs::create_directories(config.work_dir);
  detail::Runner runner(trial);

  ExploreRun out;
  if (config.recorded) {
    out.issued = config.recorded->issued;
    out.history_bytes = config.recorded->history_bytes;
    out.history = faults::parse_history(out.history_bytes);
  } else {
    record_workload(config, runner, out);
    if (!out.workload_problem.empty()) return out;
  }

  const fs::path states_dir = config.work_dir / "states";
  fs::create_directories(states_dir);
  const ExploreInput input{out.history, out.issued, config.profile.sync == scenarios::SyncPromise::kAlways,
                           config.models, config.seed, {}, 512, config.only};
  out.outcome = explore_history(input, [&](const faults::FileTree& tree, std::uint64_t hash) {
    return start_on(runner, states_dir, tree, hash);
  });
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return out;
}

}  // namespace

// On a thread of its own, as a campaign's worker: the fork server is the thread's (launch(), fork_server.cpp), so it
// ends with the thread instead of living on until the caller's work root sweeps it up as a leftover engine. When no
// thread can start (address space, process limit), on the calling thread.
ExploreRun run_explore(const ExploreConfig& config) {
  ExploreRun out;
  std::exception_ptr failed;
  try {
    std::thread worker([&] {
      try {
        out = explore_here(config);
      } catch (...) {
        failed = std::current_exception();
      }
    });
    worker.join();
  } catch (const std::system_error&) {
    return explore_here(config);
  }
  if (failed) std::rethrow_exception(failed);
  return out;
}

}  // namespace faultline::harness::explore
