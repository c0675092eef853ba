// Crash states per second of `faultline explore` against walkv with compaction (docs/persistence.md, "`faultline
// explore`"), next to `run`'s trials per second on the same engine in the same process: each explore state costs one
// engine start (recover, DUMP), each trial three (workload, crash, recovery), so the goal is >= 2x. Prints states
// built and judged per second, engine starts per second, the share of states skipped as byte-identical duplicates,
// and the campaign's trials per second on the four power-loss scenarios.
// Usage: bench_explore [ops] [trials] [models: posix|ext4-ordered|xfs|all]
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "explore/explore_run.h"
#include "faultline/harness/campaign.h"
#include "faultline/harness/layout.h"
#include "faultline/persistence.h"

namespace fs = std::filesystem;
using namespace faultline;

namespace {

// walkv as a black box (`--engine`): the walkv.json profile judges by walkv's own log records, which compaction
// replaces, so both sides see the same engine through the command alone.
scenarios::EngineProfile walkv_with_compaction() {
  return scenarios::command_profile("{bindir}/walkv serve --dir {dir} --compact-after 4");
}

double campaign(const fs::path& bindir, const fs::path& work, std::uint64_t trials) {
  harness::CampaignConfig config;
  config.scenarios = scenarios::resolve_scenarios(
      "power-loss-drop-unsynced,power-loss-random-prefix,power-loss-sector-512,power-loss-sector-4096",
      harness::require_scenarios(harness::find_layout()));
  config.profile = walkv_with_compaction();
  config.seed = 1;
  config.trials = trials;
  config.jobs = 1;
  config.shim = bindir / "libfaultfs.so";
  config.bindir = bindir;
  config.work_root = work / "campaign";
  config.keep_failed_max = 0;
  std::atomic<bool> stop{false};
  const auto result = harness::run_campaign(config, stop);
  if (result.failed + result.errors > 0) std::fprintf(stderr, "warning: %zu trials failed\n", result.failed + result.errors);
  return static_cast<double>(result.total) / result.seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint32_t ops = argc > 1 ? static_cast<std::uint32_t>(std::stoul(argv[1])) : 12;
  const std::uint64_t trials = argc > 2 ? std::stoull(argv[2]) : 60;
  const std::string model = argc > 3 ? argv[3] : "all";
  const fs::path bindir = fs::read_symlink("/proc/self/exe").parent_path();
  const fs::path work =
      fs::path(fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp") / fmt::format("bench-explore-{}", ::getpid());
  harness::explore::ExploreConfig config;
  config.profile = walkv_with_compaction();
  for (const auto& m : faults::persistence_models())
    if (model == "all" || model == m.name) config.models.emplace_back(m.name);
  config.seed = 1;
  config.ops = ops;
  config.work_dir = work / "explore";
  config.shim = bindir / "libfaultfs.so";
  config.bindir = bindir;
  const auto run = harness::explore::run_explore(config);
  if (!run.workload_problem.empty()) {
    std::fprintf(stderr, "bench_explore: %s\n", run.workload_problem.c_str());
    return 3;
  }
  std::size_t built = 0, duplicates = 0, points = 0;
  for (const auto& c : run.outcome.coverage) {
    built += c.states_built;
    duplicates += c.duplicates;
    points += c.crash_points;
  }
  const double trials_per_s = campaign(bindir, work, trials);
  fs::remove_all(work);
  const double states_per_s = static_cast<double>(built) / run.seconds;
  std::printf("explore walkv --compact-after 4, %u ops, models %s: %zu crash points, %zu states, %zu engine starts, "
              "%.2f s\n", ops, model.c_str(), points, built, run.outcome.engine_starts, run.seconds);
  std::printf("crash states judged per second                                   %8.1f states/s\n", states_per_s);
  std::printf("engine starts per second (one per distinct state)                %8.1f starts/s\n",
              static_cast<double>(run.outcome.engine_starts) / run.seconds);
  std::printf("share of states skipped as duplicates                            %8.1f %%\n",
              built == 0 ? 0.0 : 100.0 * static_cast<double>(duplicates) / static_cast<double>(built));
  std::printf("run, power-loss scenarios (4), --jobs 1, %llu trials            %8.1f trials/s\n",
              static_cast<unsigned long long>(trials), trials_per_s);
  std::printf("ratio explore states/s / run trials/s                            %8.2f   (goal >= 2)\n",
              states_per_s / trials_per_s);
  std::printf("ratio explore engine starts/s / run trials/s                     %8.2f\n",
              static_cast<double>(run.outcome.engine_starts) / run.seconds / trials_per_s);
  std::printf("findings: %zu (the correct walkv: expected 0)\n", run.outcome.findings.size());
  return 0;
}
