// What the subcommands share (cli.h): the common options, the work root, the stop signals, `faultline scenarios`.
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <mutex>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "faultline/harness/preflight.h"
#include "cli.h"
#include "faultline/harness/input.h"
#include "faultline/harness/log.h"
#include "faultline/harness/process.h"
#include "select.h"

namespace faultline::cli {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
// Posted by the handler at the second signal (sem_post is async-signal-safe), waited for by a thread. No descriptor:
// under a tight RLIMIT_NOFILE every one counts (Cli.TightDescriptorLimitLosesNoReport).
sem_t g_second_signal;

// The first signal stops the campaign gently; a second one kills the running engines at once (hard_stop_on_second).
void on_signal(int sig) {
  if (!g_interrupted.exchange(true)) {
    g_signal = sig;
    return;
  }
  ::sem_post(&g_second_signal);  // killing needs the registry lock: not here
}

// Waits for the second signal, then kills every engine (supervisor::hard_stop): the trials in flight end at once,
// uncounted, and the partial report is written as after one signal.
void hard_stop_on_second() {
  ::sem_init(&g_second_signal, 0, 0);
  try {
    std::thread([] {
      while (::sem_wait(&g_second_signal) != 0 && errno == EINTR) {
      }
      harness::log::warn("a second stop signal: killing the running engines; their trials are not counted");
      harness::supervisor::hard_stop();
    }).detach();
  } catch (const std::system_error&) {  // no thread (no memory for its stack): a second signal is like the first
  }
}

fs::path default_work_base() {
  return (fs::is_directory("/dev/shm") && ::access("/dev/shm", W_OK) == 0) ? fs::path("/dev/shm")
                                                                           : fs::temp_directory_path();
}

}  // namespace

const harness::Layout& layout() {
  static const harness::Layout l = harness::find_layout();
  return l;
}

fs::path default_work_root(const std::string& requested, const std::string& what) {
  if (!requested.empty()) return fs::absolute(requested);
  return default_work_base() / fmt::format("faultline-{}-{}", what, ::getpid());
}

std::unique_ptr<harness::supervisor::WorkRoot> hold_work_root(const fs::path& root, const std::string& requested) {
  if (requested.empty()) harness::supervisor::clean_stale_roots(default_work_base());
  return std::make_unique<harness::supervisor::WorkRoot>(root, "--work-dir");
}

void catch_stop_signals() {
  static std::once_flag watcher;
  std::call_once(watcher, hard_stop_on_second);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

const std::atomic<bool>& interrupted() { return g_interrupted; }

std::string stop_signal_name() {
  const char* name = sigabbrev_np(g_signal.load());
  return name ? fmt::format("SIG{}", name) : "a signal";
}

void Common::add_to(CLI::App* app, bool scenario_required) {
  auto* s = app->add_option("--scenario", scenario,
                            "scenario name, comma-separated names, 'all', or a path to a scenario .json");
  if (scenario_required) s->required();
  app->add_option("--engine", engine, "engine command with {dir} (black-box profile), e.g. \"./mydb --data {dir}\"");
  app->add_option("--profile", profile, "engine profile .json (default: the built-in walkv profile)");
  app->add_option("--scenario-dir", scenario_dir, "where scenario files live (default: the shipped scenarios/)");
  app->add_option("--shim", shim, "path to libfaultfs.so (default: beside the faultline binary)");
  app->add_option("--log-format", log_format, "text or json (slog-style JSON lines on stderr)")
      ->check(CLI::IsMember({"text", "json"}));
  app->add_option("--work-dir", work_dir, "where trial directories are made (default: /dev/shm when available)");
  app->add_flag("--no-fork-server", no_fork_server,
                "exec the engine for every start instead of forking it from a fork server (docs/fork-server.md)");
  app->add_flag("--no-cpu-pinning", no_cpu_pinning,
                "let engines run on any CPU instead of the CPU of the worker that starts them (docs/PERFORMANCE.md)");
  app->add_flag("--no-preflight", no_preflight,
                "skip the engine's preflight (one start on an empty directory, READY, QUIT) before the trials");
}

void Common::preflight(const scenarios::EngineProfile& engine_profile, const fs::path& check_dir,
                       const std::vector<scenarios::Scenario>& scenarios) const {
  if (no_preflight) return;
  harness::require_protocol(scenarios, harness::preflight(engine_profile, shim_path(), layout().bindir, check_dir));
}

fs::path Common::scenarios_path() const {
  return scenario_dir.empty() ? harness::require_scenarios(layout()) : fs::path(scenario_dir);
}

scenarios::EngineProfile Common::load_profile() const {
  if (!engine.empty() && !profile.empty()) throw UsageError("--engine and --profile exclude each other: give one");
  if (!engine.empty()) return scenarios::command_profile(engine);
  return scenarios::load_profile(profile.empty() ? harness::require_profiles(layout()) / "walkv.json"
                                                 : fs::path(profile));
}

fs::path Common::shim_path() const {
  fs::path p = shim.empty() ? harness::require_shim(layout()) : fs::path(shim);
  if (!fs::exists(p))
    throw std::runtime_error(fmt::format("--shim {}: the file does not exist: pass the path of libfaultfs.so",
                                         p.string()));
  return fs::absolute(p);
}

harness::CampaignConfig Common::campaign_base(const std::string& what) const {
  apply_process_options();
  harness::CampaignConfig config;
  config.scenarios =
      scenarios::resolve_scenarios(expand_scenario_spec(scenario, scenarios_path()), scenarios_path());
  config.profile = load_profile();
  config.shim = shim_path();
  config.bindir = layout().bindir;
  harness::check_engine_profile(config.profile, config.bindir);
  config.work_root = default_work_root(work_dir, what);
  config.argv_prefix = {"faultline"};
  return config;
}

void Common::apply_process_options() const {
  harness::set_fork_server(!no_fork_server);
  harness::set_cpu_pinning(!no_cpu_pinning);
  harness::log::set_format(log_format == "json" ? harness::log::Format::kJson : harness::log::Format::kText);
}

Command add_scenarios_command(CLI::App& app) {
  auto opts = std::make_shared<Common>();
  auto* list = app.add_subcommand("scenarios", "list the scenarios");
  opts->add_to(list, false);
  return {list, [opts] {
            for (const auto& s : scenarios::load_scenario_dir(opts->scenarios_path()))
              std::cout << fmt::format("{:<28} {}\n", s.name, s.summary);
            return 0;
          }};
}

}  // namespace faultline::cli
