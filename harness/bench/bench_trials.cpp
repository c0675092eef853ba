// Trial rate of a campaign against walkv, next to the floor of a crash trial measured in the same run: a bare loop
// that execs the same engine, reads READY, kills and reaps it, twice, without the shim (the floor the operating system
// sets for two starts) and under it, and with each engine on the loop's CPU (as the harness places its engines,
// harness/src/placement.h). Prints trials/s of the whole `faultline run` command (fork server, exec, no CPU pinning),
// of the campaign loop in this process with every start exec'd and with the fork server
// (docs/fork-server.md), the ratios, the campaign's scaling from 1 to 2 jobs, and the same exec/fork comparison for a
// Python engine behind a deferred fork point (tests/harness/fork_engine.py).
// Usage: bench_trials [trials] [scenario] [python-trials]
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultline/harness/campaign.h"
#include "faultline/harness/layout.h"
#include "faultline/harness/process.h"

namespace fs = std::filesystem;
using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

// `pinned`: each engine runs on the CPU the loop runs on, as the harness places its engines (harness/src/placement.h).
double bare_loop(const fs::path& bindir, const fs::path& work, int iterations, bool shim, bool pinned = false) {
  const fs::path plan = work / "bare.plan";
  const fs::path data = work / "bare-data";
  fs::create_directories(data);
  std::FILE* f = std::fopen(plan.c_str(), "w");
  std::fprintf(f, "faultfs-plan 1\nseed 1\njournal %s\ntarget_dir %s\ntarget wal.log\n", (work / "bare.jsonl").c_str(),
               data.c_str());
  std::fclose(f);
  harness::SpawnOptions options;
  options.argv = {(bindir / "walkv").string(), "serve", "--dir", data.string()};
  if (shim) options.env_set = {{"LD_PRELOAD", (bindir / "libfaultfs.so").string()}, {"FAULTFS_PLAN", plan.string()}};
  options.stderr_path = work / "bare.stderr";
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) {
    for (int run = 0; run < 2; ++run) {
      harness::ChildProcess child(options, pinned ? ::sched_getcpu() : -1);
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

scenarios::EngineProfile walkv_profile() {
  return scenarios::load_profile(harness::require_profiles(harness::find_layout()) / "walkv.json");
}

scenarios::EngineProfile python_profile() {
  const auto p = nlohmann::json::parse(fmt::format(
      R"({{"format_version": 1, "name": "fork_engine.py", "command": "{} {} {{dir}}", "data_files": ["wal.log"],
           "fork_server": "deferred"}})",
      PYTHON3, FORK_ENGINE_PY));
  return scenarios::parse_profile(p, "fork_engine.py profile");
}

double campaign(const fs::path& bindir, const fs::path& work, std::uint64_t trials, std::uint32_t jobs,
                const std::string& scenario, bool fork_server, Cpu* cpu = nullptr,
                const scenarios::EngineProfile& profile = walkv_profile()) {
  harness::set_fork_server(fork_server);
  harness::CampaignConfig config;
  const auto layout = harness::find_layout();
  config.scenarios = scenarios::resolve_scenarios(scenario, harness::require_scenarios(layout));
  config.profile = profile;
  config.seed = 1;
  config.trials = trials;
  config.jobs = jobs;
  config.shim = bindir / "libfaultfs.so";
  config.bindir = bindir;
  config.work_root = work / fmt::format("campaign-{}-{}", jobs, fork_server ? "fork" : "exec");
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

// The whole `faultline run` command (start-up, preflight, trials, report), timed from spawn to exit: trials/s.
double whole_command(const fs::path& bindir, const fs::path& work, std::uint64_t trials, const std::string& scenario,
                     const std::vector<std::string>& extra) {
  const fs::path report = work / "whole.json";
  std::vector<std::string> args = {(bindir / "faultline").string(), "run", "--scenario", scenario, "--trials",
                                   std::to_string(trials), "--jobs", "1", "--seed", "1", "-q", "--report",
                                   report.string(), "--work-dir", (work / "whole").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  fs::create_directories(work / "whole");
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::freopen("/dev/null", "w", stdout);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    std::fprintf(stderr, "warning: faultline run exited with status %d\n", status);
  return static_cast<double>(trials) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t trials = argc > 1 ? std::stoull(argv[1]) : 400;
  const std::string scenario = argc > 2 ? argv[2] : "torn-tail";
  const std::uint64_t py_trials = argc > 3 ? std::stoull(argv[3]) : 0;
  const fs::path bindir = fs::read_symlink("/proc/self/exe").parent_path();
  const fs::path work = fs::path(fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp") / fmt::format("bench-trials-{}", ::getpid());
  fs::create_directories(work);
  const int iterations = static_cast<int>(trials / 2);
  const double bare_plain = bare_loop(bindir, work, iterations, false);
  const double children0 = cpu_ms(RUSAGE_CHILDREN);
  const double bare = bare_loop(bindir, work, iterations, true);
  const double bare_engine_ms = (cpu_ms(RUSAGE_CHILDREN) - children0) / static_cast<double>(iterations * 2);
  const double bare_pinned = bare_loop(bindir, work, iterations, false, true);
  const double whole_fork = whole_command(bindir, work, trials, scenario, {});
  const double whole_exec = whole_command(bindir, work, trials, scenario, {"--no-fork-server"});
  const double whole_free = whole_command(bindir, work, trials, scenario, {"--no-cpu-pinning"});
  Cpu cpu_exec, cpu_fork;
  const double exec1 = campaign(bindir, work, trials, 1, scenario, false, &cpu_exec);
  const double fork1 = campaign(bindir, work, trials, 1, scenario, true, &cpu_fork);
  const double fork2 = campaign(bindir, work, trials, 2, scenario, true);
  double py_exec = 0, py_fork = 0;
  if (py_trials > 0) {
    py_exec = campaign(bindir, work, py_trials, 1, scenario, false, nullptr, python_profile());
    py_fork = campaign(bindir, work, py_trials, 1, scenario, true, nullptr, python_profile());
  }
  fs::remove_all(work);
  const auto starts = harness::launch_counts();
  std::printf("bare exec loop without shim (spawn, READY, SIGKILL, reap; twice) %8.1f iterations/s (1 core)\n", bare_plain);
  std::printf("bare exec loop under the shim                                    %8.1f iterations/s\n", bare);
  std::printf("bare exec loop without shim, engine on the loop's CPU             %8.1f iterations/s\n", bare_pinned);
  std::printf("whole command 'faultline run --scenario %s --jobs 1'          %8.1f trials/s\n", scenario.c_str(), whole_fork);
  std::printf("  the same with --no-fork-server                                 %8.1f trials/s\n", whole_exec);
  std::printf("  the same with --no-cpu-pinning                                 %8.1f trials/s\n", whole_free);
  std::printf("ratio whole command / bare loop without shim                     %8.2f   (goal >= 1.0)\n", whole_fork / bare_plain);
  std::printf("ratio whole command / bare loop, engine on the loop's CPU        %8.2f\n", whole_fork / bare_pinned);
  std::printf("ratio whole command, --no-cpu-pinning / bare loop without shim   %8.2f\n", whole_free / bare_plain);
  std::printf("campaign '%s', --jobs 1, exec                              %8.1f trials/s\n", scenario.c_str(), exec1);
  std::printf("campaign '%s', --jobs 1, fork server                       %8.1f trials/s\n", scenario.c_str(), fork1);
  std::printf("campaign '%s', --jobs 2, fork server                       %8.1f trials/s\n", scenario.c_str(), fork2);
  std::printf("ratio campaign (fork server) / bare loop without shim            %8.2f\n", fork1 / bare_plain);
  std::printf("ratio campaign (exec) / bare loop without shim                   %8.2f\n", exec1 / bare_plain);
  std::printf("ratio campaign (exec) / bare loop under the shim                 %8.2f\n", exec1 / bare);
  std::printf("fork server / exec (jobs 1)                                      %8.2f\n", fork1 / exec1);
  std::printf("scaling jobs 2 / jobs 1 (fork server)                            %8.2f   (cores: %ld)\n", fork2 / fork1,
              ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("CPU per engine start, bare loop under the shim                   %8.3f ms\n", bare_engine_ms);
  std::printf("CPU per trial (jobs 1), exec: engines %.3f ms, harness %.3f ms\n", cpu_exec.engines_ms, cpu_exec.harness_ms);
  std::printf("CPU per trial (jobs 1), fork server: engines %.3f ms, harness %.3f ms\n", cpu_fork.engines_ms,
              cpu_fork.harness_ms);
  if (py_trials > 0) {
    std::printf("python engine (deferred fork point) '%s', --jobs 1, exec        %8.1f trials/s\n", scenario.c_str(), py_exec);
    std::printf("python engine (deferred fork point) '%s', --jobs 1, fork server %8.1f trials/s\n", scenario.c_str(), py_fork);
    std::printf("python fork server / exec                                        %8.2f   (goal >= 4)\n", py_fork / py_exec);
  }
  std::printf("engine starts: %llu forked, %llu exec'd\n", static_cast<unsigned long long>(starts.forked),
              static_cast<unsigned long long>(starts.execd));
  return 0;
}
