// What the files of the command line share: the subcommands' wiring, the options every campaign-running command takes,
// the work root, the stop signals, the trial-running entry points of repro.cpp and shrink_cmd.cpp, and the CI outputs
// of report_cmd.cpp. Internal to the faultline executable.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "faultline/harness/campaign.h"
#include "faultline/harness/layout.h"
#include "faultline/harness/supervisor.h"
#include "faultline/harness/trial.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::cli {

// A mistake of the user's (an option, an input file): exit code 2.
using UsageError = scenarios::ConfigError;

// One subcommand: its CLI11 node and what runs when it was the one parsed. Its options live in state the handler owns.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Each adds its subcommand to `app` (in this order in `faultline --help`).
Command add_run_command(CLI::App& app);        // run_cmd.cpp
Command add_repro_command(CLI::App& app);      // repro_cmd.cpp
Command add_shrink_command(CLI::App& app);     // repro_cmd.cpp
Command add_selftest_command(CLI::App& app);   // selftest_cmd.cpp
Command add_scenarios_command(CLI::App& app);  // common.cpp
Command add_report_command(CLI::App& app);     // report_cmd.cpp
Command add_explore_command(CLI::App& app);    // explore_cmd.cpp
Command add_profile_command(CLI::App& app);    // profile_cmd.cpp

// Where this faultline's programs, shim, scenarios and profiles are (harness/include/faultline/harness/layout.h).
const harness::Layout& layout();

// `--work-dir` when given, else `<default base>/faultline-<what>-<pid>` (the default base: /dev/shm when writable).
std::filesystem::path default_work_root(const std::string& requested, const std::string& what);

// The work root of this command, locked for its life (supervisor.h). In the default place, the roots of runs that were
// killed are cleaned up first.
std::unique_ptr<harness::supervisor::WorkRoot> hold_work_root(const std::filesystem::path& root,
                                                              const std::string& requested);

// SIGINT, SIGTERM and SIGHUP all stop a campaign the same way: no new trial starts, the running ones end within their
// deadlines, and the partial report is written marked incomplete (exit 130).
void catch_stop_signals();
const std::atomic<bool>& interrupted();
std::string stop_signal_name();  // "SIGINT", ...

// The options of every command that runs trials: scenarios, engine, shim, log format, work directory.
struct Common {
  std::string scenario = "all";
  std::string engine;
  std::string profile;
  std::string scenario_dir;
  std::string shim;
  std::string log_format = "text";
  std::string work_dir;
  bool no_fork_server = false;
  bool no_cpu_pinning = false;
  bool no_preflight = false;

  void add_to(CLI::App* app, bool scenario_required);
  // The engine starts once on an empty directory before any trial (faultline/harness/preflight.h); exit 2 if not.
  // With `scenarios`, also that the engine speaks the protocol they need (value_bytes: v2).
  void preflight(const scenarios::EngineProfile& engine_profile, const std::filesystem::path& check_dir,
                 const std::vector<scenarios::Scenario>& scenarios = {}) const;
  std::filesystem::path scenarios_path() const;
  scenarios::EngineProfile load_profile() const;
  std::filesystem::path shim_path() const;
  // What every campaign-running command shares: scenarios, engine, shim, where the programs are.
  harness::CampaignConfig campaign_base(const std::string& what) const;
  // Options that hold for the whole process: the log format, the fork server.
  void apply_process_options() const;
};

// repro.cpp, shrink_cmd.cpp: one trial told step by step; a bundle replayed; a failing trial minimised.
int repro_trial(const scenarios::Scenario& scenario, const scenarios::EngineProfile& profile, std::uint64_t seed,
                const std::filesystem::path& shim, const std::filesystem::path& bindir,
                const std::filesystem::path& work_dir, const std::optional<harness::TrialPlan>& plan,
                const std::string& expected_hash);
int repro_bundle(const std::filesystem::path& file, const std::optional<scenarios::EngineProfile>& engine,
                 const std::filesystem::path& shim, const std::filesystem::path& bindir,
                 const std::filesystem::path& work_dir);
int shrink_trial(harness::TrialConfig config, const std::filesystem::path& bundle_path);

// `run --shrink`: the smallest trial of each fail group of `report`, in the groups' order, shrunk one after another
// into dir/<signature>.json; each group gets `bundle` and `shrink` (docs/report.md). Bounded per group and in total.
struct ShrinkBudget {
  double total_s = 300;     // --shrink-budget
  double per_group_s = 60;  // --shrink-group-budget
};
void shrink_groups(const harness::CampaignConfig& campaign, reports::Report& report,
                   const std::filesystem::path& dir, const ShrinkBudget& budget);

// report_cmd.cpp: what `run --junit/--html/--github` writes.
void add_ci_options(CLI::App* run);
void write_ci_outputs(const reports::Report& report);
void check_ci_outputs();  // --junit: before the first trial
bool color_stdout();      // colour only on a terminal, and never with NO_COLOR set and not empty

}  // namespace faultline::cli
