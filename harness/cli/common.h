// Internal to the faultline command: what its subcommands share (options, paths, errors, the interrupt flag).
#pragma once

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "faultline/harness/campaign.h"
#include "faultline/harness/layout.h"
#include "faultline/harness/log.h"

namespace faultline::cli {

namespace fs = std::filesystem;
using harness::CampaignConfig;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::atomic<bool> g_interrupted{false};
inline void on_sigint(int) { g_interrupted = true; }

// Where this faultline's programs, shim, scenarios and profiles are (harness/include/faultline/harness/layout.h).
inline const harness::Layout& layout() {
  static const harness::Layout l = harness::find_layout();
  return l;
}
inline fs::path self_dir() { return layout().bindir; }

inline fs::path default_work_root(const std::string& requested, const std::string& what) {
  if (!requested.empty()) return fs::absolute(requested);
  const fs::path base = (fs::is_directory("/dev/shm") && ::access("/dev/shm", W_OK) == 0) ? fs::path("/dev/shm")
                                                                                         : fs::temp_directory_path();
  return base / fmt::format("faultline-{}-{}", what, ::getpid());
}

struct Common {
  std::string scenario = "all";
  std::string engine;
  std::string profile;
  std::string scenario_dir;
  std::string shim;
  std::string log_format = "text";
  std::string work_dir;

  void add_to(CLI::App* app, bool scenario_required) {
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
  }

  fs::path scenarios_path() const {
    return scenario_dir.empty() ? harness::require_scenarios(layout()) : fs::path(scenario_dir);
  }

  scenarios::EngineProfile load_profile() const {
    if (!engine.empty() && !profile.empty()) throw UsageError("--engine and --profile exclude each other: give one");
    if (!engine.empty()) return scenarios::command_profile(engine);
    return scenarios::load_profile(profile.empty() ? harness::require_profiles(layout()) / "walkv.json"
                                                   : fs::path(profile));
  }

  fs::path shim_path() const {
    fs::path p = shim.empty() ? harness::require_shim(layout()) : fs::path(shim);
    if (!fs::exists(p))
      throw std::runtime_error(fmt::format("--shim {}: the file does not exist: pass the path of libfaultfs.so",
                                           p.string()));
    return fs::absolute(p);
  }

  // What every campaign-running command shares: scenarios, engine, shim, where the programs are.
  CampaignConfig campaign_base(const std::string& what) const {
    apply_log_format();
    CampaignConfig config;
    config.scenarios = scenarios::resolve_scenarios(scenario, scenarios_path());
    config.profile = load_profile();
    config.shim = shim_path();
    config.bindir = self_dir();
    config.work_root = default_work_root(work_dir, what);
    config.argv_prefix = {"faultline"};
    return config;
  }

  void apply_log_format() const {
    harness::log::set_format(log_format == "json" ? harness::log::Format::kJson : harness::log::Format::kText);
  }
};

std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& text);
// Shard from the environment when --shard is absent: GoogleTest's variables, then Kubernetes Indexed Jobs.
std::optional<std::pair<std::uint32_t, std::uint32_t>> shard_from_env();
std::pair<std::uint64_t, std::uint64_t> parse_seed_range(const std::string& text);
std::vector<std::pair<std::string, std::uint64_t>> load_corpus(const fs::path& file);
int cmd_scenarios(const Common& common);
int repro_command(const Common& common, std::optional<std::uint64_t> seed, const std::string& bundle,
                  const std::string& work_dir, const std::string& expected_hash);
struct ReportedFailure {
  std::string scenario, trace_hash, profile, command;
  std::uint64_t seed = 0;
};
// Failure K (1-based) of a report, with the engine the campaign ran, so `repro --from-report` needs nothing else.
ReportedFailure failure_from_report(const std::string& file, std::size_t k);
int shrink_command(const Common& common, std::uint64_t seed, const std::string& output);
int run_command(CampaignConfig config, const std::string& report_path, bool quiet);
bool color_stdout();
int repro_trial(const scenarios::Scenario& scenario, const scenarios::EngineProfile& profile, std::uint64_t seed,
                const fs::path& shim, const fs::path& bindir, const fs::path& work_dir,
                const harness::TrialOverrides& overrides, const std::string& expected_hash);
int repro_bundle(const fs::path& file, const std::optional<scenarios::EngineProfile>& engine, const fs::path& shim,
                 const fs::path& bindir, const fs::path& work_dir);
int shrink_trial(harness::TrialConfig config, const fs::path& bundle_path);
int selftest(harness::CampaignConfig base, const fs::path& report_dir, const std::atomic<bool>& interrupted);
// report_cmd.cpp: `faultline report show|merge|corpus` and `run --junit/--github`.
void add_ci_options(CLI::App* run);
void write_ci_outputs(const nlohmann::ordered_json& report);
CLI::App* add_report_command(CLI::App& app);
int report_command();

}  // namespace faultline::cli
