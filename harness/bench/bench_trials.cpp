// Trial rate of a campaign against walkv, next to the floor of a crash trial measured in the same run: a bare loop
// that spawns the same engine under the same shim, reads READY, kills and reaps it, twice. Prints trials/s of both,
// the ratio, and the campaign's scaling from 1 to 2 jobs. Usage: bench_trials [trials] [scenario]
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "faultline/harness/campaign.h"
#include "faultline/harness/layout.h"
#include "faultline/harness/process.h"

namespace fs = std::filesystem;
using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

double bare_loop(const fs::path& bindir, const fs::path& work, int iterations) {
  const fs::path plan = work / "bare.plan";
  const fs::path data = work / "bare-data";
  fs::create_directories(data);
  std::FILE* f = std::fopen(plan.c_str(), "w");
  std::fprintf(f, "faultfs-plan 1\nseed 1\njournal %s\ntarget_dir %s\ntarget wal.log\n", (work / "bare.jsonl").c_str(),
               data.c_str());
  std::fclose(f);
  harness::SpawnOptions options;
  options.argv = {(bindir / "walkv").string(), "serve", "--dir", data.string()};
  options.env_set = {{"LD_PRELOAD", (bindir / "libfaultfs.so").string()}, {"FAULTFS_PLAN", plan.string()}};
  options.stderr_path = work / "bare.stderr";
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) {
    for (int run = 0; run < 2; ++run) {
      harness::ChildProcess child(options);
      std::string line;
      if (child.read_line(line, std::chrono::seconds(10)) != harness::ReadResult::kLine || line != "READY") {
        std::fprintf(stderr, "bare loop: walkv did not say READY\n");
        std::exit(1);
      }
      child.kill();
    }
  }
  return iterations / std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_ms(int who) {
  rusage u {};
  ::getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

struct Cpu {
  double harness_ms = 0, engines_ms = 0;  // CPU time per trial: the harness's own threads, the engines it reaped
};

double campaign(const fs::path& bindir, const fs::path& work, std::uint64_t trials, std::uint32_t jobs,
                const std::string& scenario, Cpu* cpu = nullptr) {
  harness::CampaignConfig config;
  const auto layout = harness::find_layout();
  config.scenarios = scenarios::resolve_scenarios(scenario, harness::require_scenarios(layout));
  config.profile = scenarios::load_profile(harness::require_profiles(layout) / "walkv.json");
  config.seed = 1;
  config.trials = trials;
  config.jobs = jobs;
  config.shim = bindir / "libfaultfs.so";
  config.bindir = bindir;
  config.work_root = work / fmt::format("campaign-{}", jobs);
  config.keep_failed_max = 0;
  std::atomic<bool> stop{false};
  const double self0 = cpu_ms(RUSAGE_SELF), children0 = cpu_ms(RUSAGE_CHILDREN);
  const auto result = harness::run_campaign(config, stop);
  if (cpu != nullptr && result.total > 0) {
    cpu->harness_ms = (cpu_ms(RUSAGE_SELF) - self0) / static_cast<double>(result.total);
    cpu->engines_ms = (cpu_ms(RUSAGE_CHILDREN) - children0) / static_cast<double>(result.total);
  }
  if (result.failed + result.errors > 0) std::fprintf(stderr, "warning: %zu trials failed\n", result.failed + result.errors);
  return static_cast<double>(result.total) / result.seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t trials = argc > 1 ? std::stoull(argv[1]) : 400;
  const std::string scenario = argc > 2 ? argv[2] : "torn-tail";
  const fs::path bindir = fs::read_symlink("/proc/self/exe").parent_path();
  const fs::path work = fs::path(fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp") / fmt::format("bench-trials-{}", ::getpid());
  fs::create_directories(work);
  const double children0 = cpu_ms(RUSAGE_CHILDREN);
  const double bare = bare_loop(bindir, work, static_cast<int>(trials / 2));
  const double bare_engine_ms = (cpu_ms(RUSAGE_CHILDREN) - children0) / static_cast<double>(trials / 2 * 2);
  Cpu cpu;
  const double one = campaign(bindir, work, trials, 1, scenario, &cpu);
  const double two = campaign(bindir, work, trials, 2, scenario);
  fs::remove_all(work);
  std::printf("bare loop (spawn, READY, SIGKILL, reap; twice)   %8.1f iterations/s (1 core)\n", bare);
  std::printf("campaign '%s', --jobs 1                          %8.1f trials/s\n", scenario.c_str(), one);
  std::printf("campaign '%s', --jobs 2                          %8.1f trials/s\n", scenario.c_str(), two);
  std::printf("ratio campaign/bare (jobs 1)                      %8.2f   (goal >= 0.5)\n", one / bare);
  std::printf("scaling jobs 2 / jobs 1                           %8.2f   (cores: %ld)\n", two / one, ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("CPU per engine start, bare loop                   %8.3f ms\n", bare_engine_ms);
  std::printf("CPU per trial (jobs 1): engines %.3f ms, harness %.3f ms\n", cpu.engines_ms, cpu.harness_ms);
  return 0;
}
