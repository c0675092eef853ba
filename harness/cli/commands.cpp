#include "commands.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "faultline/harness/campaign.h"
#include "faultline/harness/input.h"
#include "faultline/harness/layout.h"
#include "faultline/harness/log.h"
#include "faultline/harness/preflight.h"
#include "faultline/harness/process.h"
#include "faultline/harness/report_build.h"
#include "faultline/reports/model.h"
#include "faultline/harness/supervisor.h"
#include "faultline/reports/report.h"
#include "select.h"


namespace faultline::cli {

namespace fs = std::filesystem;
using harness::CampaignConfig;

namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
void on_signal(int sig) {
  g_signal = sig;
  g_interrupted = true;
}

// SIGINT, SIGTERM and SIGHUP all stop the campaign the same way: no new trial starts, the running ones end within
// their deadlines, and the partial report is written marked incomplete (exit 130).
void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

std::string stop_signal_name() {
  const char* name = sigabbrev_np(g_signal.load());
  return name ? fmt::format("SIG{}", name) : "a signal";
}

using UsageError = scenarios::ConfigError;

// Where this faultline's programs, shim, scenarios and profiles are (harness/include/faultline/harness/layout.h).
const harness::Layout& layout() {
  static const harness::Layout l = harness::find_layout();
  return l;
}
fs::path self_dir() { return layout().bindir; }

fs::path default_work_base() {
  return (fs::is_directory("/dev/shm") && ::access("/dev/shm", W_OK) == 0) ? fs::path("/dev/shm")
                                                                           : fs::temp_directory_path();
}

fs::path default_work_root(const std::string& requested, const std::string& what) {
  if (!requested.empty()) return fs::absolute(requested);
  return default_work_base() / fmt::format("faultline-{}-{}", what, ::getpid());
}

// The work root of this command, locked for its life (supervisor.h). In the default place, the roots of runs that were
// killed are cleaned up first.
std::unique_ptr<harness::supervisor::WorkRoot> hold_work_root(const fs::path& root, const std::string& requested) {
  if (requested.empty()) harness::supervisor::clean_stale_roots(default_work_base());
  return std::make_unique<harness::supervisor::WorkRoot>(root, "--work-dir");
}

struct Common {
  std::string scenario = "all";
  std::string engine;
  std::string profile;
  std::string scenario_dir;
  std::string shim;
  std::string log_format = "text";
  std::string work_dir;
  bool no_fork_server = false;
  bool no_preflight = false;

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
    app->add_flag("--no-fork-server", no_fork_server,
                  "exec the engine for every start instead of forking it from a fork server (docs/fork-server.md)");
    app->add_flag("--no-preflight", no_preflight,
                  "skip the engine's preflight (one start on an empty directory, READY, QUIT) before the trials");
  }

  // The engine starts once on an empty directory before any trial (faultline/harness/preflight.h); exit 2 if not.
  void preflight(const scenarios::EngineProfile& engine_profile, const fs::path& check_dir) const {
    if (!no_preflight) harness::preflight(engine_profile, shim_path(), self_dir(), check_dir);
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
    apply_process_options();
    CampaignConfig config;
    config.scenarios =
        scenarios::resolve_scenarios(expand_scenario_spec(scenario, scenarios_path()), scenarios_path());
    config.profile = load_profile();
    config.shim = shim_path();
    config.bindir = self_dir();
    harness::check_engine_profile(config.profile, config.bindir);
    config.work_root = default_work_root(work_dir, what);
    config.argv_prefix = {"faultline"};
    return config;
  }

  // Options that hold for the whole process: the log format, the fork server.
  void apply_process_options() const {
    harness::set_fork_server(!no_fork_server);
    harness::log::set_format(log_format == "json" ? harness::log::Format::kJson : harness::log::Format::kText);
  }
};


// Shard from the environment when --shard is absent: GoogleTest's variables, then Kubernetes Indexed Jobs.
std::optional<std::pair<std::uint32_t, std::uint32_t>> shard_from_env() {
  const char* idx = std::getenv("GTEST_SHARD_INDEX");
  const char* total = std::getenv("GTEST_TOTAL_SHARDS");
  if (idx && total) return harness::parse_shard("GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS", fmt::format("{}/{}", idx, total));
  const char* k8s = std::getenv("JOB_COMPLETION_INDEX");
  const char* count = std::getenv("FAULTLINE_SHARDS");
  if (k8s && count) return harness::parse_shard("JOB_COMPLETION_INDEX/FAULTLINE_SHARDS", fmt::format("{}/{}", k8s, count));
  if (k8s) throw UsageError("JOB_COMPLETION_INDEX is set but FAULTLINE_SHARDS (the job's completions) is not");
  return std::nullopt;
}

std::vector<std::pair<std::string, std::uint64_t>> load_corpus(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw UsageError(fmt::format("--corpus {}: cannot open the file", file.string()));
  std::vector<std::pair<std::string, std::uint64_t>> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    if (!std::regex_match(line, m, std::regex(R"(\s*([A-Za-z0-9_.-]+)\s+(\d+)\s*(#.*)?)")))
      throw UsageError(fmt::format("{}:{}: expected \"<scenario> <seed>\", got \"{}\"", file.string(), n, line));
    out.emplace_back(m[1], harness::parse_uint(fmt::format("{}:{}: seed", file.string(), n), m[2]));
  }
  return out;
}

int cmd_scenarios(const Common& common) {
  const auto all = scenarios::load_scenario_dir(common.scenarios_path());
  for (const auto& s : all) std::cout << fmt::format("{:<28} {}\n", s.name, s.summary);
  return 0;
}


}  // namespace

int run_command(CampaignConfig config, const std::string& report_path, bool quiet, const std::string& artifacts,
                const Common& options);
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
void check_ci_outputs();  // --junit: before the first trial
CLI::App* add_report_command(CLI::App& app);
int report_command();

int repro_command(const Common& common, std::optional<std::uint64_t> seed, const std::string& bundle,
                  const std::string& work_dir, const std::string& expected_hash, bool engine_from_bundle) {
  if (!bundle.empty()) {
    if (seed) throw UsageError("--bundle and --seed exclude each other: a bundle carries its own seed");
    // A bundle is input from anywhere: its engine command runs only when asked for (--engine-from-bundle); otherwise
    // the local --engine, --profile or the shipped walkv profile.
    if (engine_from_bundle && (!common.engine.empty() || !common.profile.empty()))
      throw UsageError("--engine-from-bundle excludes --engine and --profile: give one");
    std::optional<scenarios::EngineProfile> engine;
    if (!engine_from_bundle) engine = common.load_profile();
    const fs::path dir = work_dir.empty() ? fs::path("faultline-repro") / fs::path(bundle).stem() : fs::path(work_dir);
    if (engine) common.preflight(*engine, fs::absolute(dir) / "preflight");
    return repro_bundle(bundle, engine, common.shim_path(), self_dir(), dir);
  }
  if (!seed) throw UsageError("repro needs --seed (with --scenario) or --bundle");
  const auto list = scenarios::resolve_scenarios(expand_scenario_spec(common.scenario, common.scenarios_path()),
                                                 common.scenarios_path());
  if (list.size() != 1) throw UsageError("repro replays one trial: give --scenario exactly one scenario");
  const fs::path dir = work_dir.empty() ? fs::path("faultline-repro") / fmt::format("{}-{}", list[0].name, *seed)
                                        : fs::path(work_dir);
  const auto profile = common.load_profile();
  common.preflight(profile, fs::absolute(dir) / "preflight");
  return repro_trial(list[0], profile, *seed, common.shim_path(), self_dir(), dir, {}, expected_hash);
}

struct ReportedFailure {
  std::string scenario, trace_hash, profile, command;
  std::uint64_t seed = 0;
};

// Failure K (1-based) of a report, with the engine the campaign ran, so `repro --from-report` needs nothing else.
ReportedFailure failure_from_report(const std::string& file, std::size_t k) {
  nlohmann::ordered_json doc;
  try {
    doc = reports::load_report(file);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());  // a bad input file is a usage error (exit 2), not a harness error
  }
  const auto& failures = doc.value("failures", nlohmann::ordered_json::array());
  if (k == 0 || k > failures.size())
    throw UsageError(fmt::format("{}: --failure {}: the report lists {} failures (1 to {})", file, k, failures.size(),
                                 failures.size()));
  const auto& f = failures[k - 1];
  ReportedFailure out;
  out.scenario = f.value("scenario", "");
  out.trace_hash = f.value("trace_hash", "");
  out.seed = harness::parse_uint(fmt::format("{}: field 'failures[{}].seed'", file, k - 1), f.value("seed", ""));
  const auto& engine = doc["configuration"]["engine"];
  out.profile = engine.value("profile", "");
  out.command = engine.value("command", "");
  if (!out.profile.empty() && !fs::exists(out.profile))
    throw UsageError(fmt::format("{}: the campaign's engine profile {} is not on this machine: pass --profile or --engine",
                                 file, out.profile));
  return out;
}

int shrink_command(const Common& common, std::uint64_t seed, const std::string& output) {
  const auto list = scenarios::resolve_scenarios(expand_scenario_spec(common.scenario, common.scenarios_path()),
                                                 common.scenarios_path());
  if (list.size() != 1) throw UsageError("shrink works on one trial: give --scenario exactly one scenario");
  harness::TrialConfig config;
  config.scenario = list[0];
  config.profile = common.load_profile();
  config.seed = seed;
  config.shim = common.shim_path();
  config.bindir = self_dir();
  const fs::path out = output.empty() ? fs::path(fmt::format("faultline-bundle-{}-{}.json", list[0].name, seed))
                                      : fs::path(output);
  harness::check_output_file("--output", out);
  const auto root = hold_work_root(default_work_root(common.work_dir, "shrink"), common.work_dir);
  config.work_dir = root->dir() / "base";
  common.preflight(config.profile, root->dir() / "preflight");
  return shrink_trial(config, out);
}

int main(int argc, char** argv) {
  CLI::App app{"faultline: crash-testing harness for storage engines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    std::string parts = layout().describe();
    if (!parts.empty() && parts.back() == '\n') parts.pop_back();
    return fmt::format("faultline {} (git {})\n{}", harness::version(), harness::git_revision(), parts);
  });

  Common run_opts, repro_opts, list_opts;
  auto* run = app.add_subcommand("run", "run a crash campaign and write a JSON report");
  run_opts.add_to(run, false);
  std::optional<std::uint64_t> trials;
  std::string seed, seeds, shard, report = "faultline-report.json", corpus, all_trials;
  std::uint32_t jobs = std::max(1u, std::thread::hardware_concurrency());
  std::optional<double> budget;
  bool keep = false, quiet = false;
  std::uint32_t determinism = 0;
  run->add_option("--trials", trials, "number of trials (default 100)")->check(CLI::Range(1ull, 100000000ull));
  run->add_option("--seeds", seeds, "explicit trial seeds A..B instead of --trials");
  run->add_option("--seed", seed, "campaign seed (default: random, printed)");
  run->add_option("--jobs,-j", jobs, "trials in parallel (default: number of cores)")->check(CLI::Range(1u, 1024u));
  run->add_option("--shard", shard, "run shard K of N (K/N, 0-based); also from GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS or "
                                    "JOB_COMPLETION_INDEX+FAULTLINE_SHARDS");
  run->add_option("--report", report, "where to write the JSON report")->capture_default_str();
  run->add_option("--time-budget", budget, "stop starting trials after this many seconds (report marked incomplete)")
      ->check(CLI::Range(0.001, 1e9));
  run->add_flag("--keep", keep, "keep every trial directory, not only failing ones");
  run->add_flag("--quiet,-q", quiet, "no progress line and no summary on stdout");
  run->add_option("--check-determinism", determinism, "rerun N sampled trials and compare trace hashes");
  run->add_option("--corpus", corpus, "file of \"<scenario> <seed>\" lines to run first (known failures)");
  run->add_option("--all-trials", all_trials, "also write one JSON line per trial to this file");
  bool exit_first = false;
  std::string last_failed, artifacts;
  run->add_flag("--exitfirst,-x", exit_first, "stop starting trials at the first failing one (the report is marked "
                                              "incomplete)");
  run->add_option("--last-failed", last_failed, "rerun this report's failing trials first (then the campaign)");
  run->add_option("--artifacts", artifacts, "where failing trials are kept (default: <report>-artifacts/ beside "
                                            "the report)");
  add_ci_options(run);

  auto* repro = app.add_subcommand("repro", "replay one trial step by step and keep its artifacts");
  repro_opts.add_to(repro, false);
  std::string repro_seed_text, repro_bundle_path, repro_hash;
  bool engine_from_bundle = false;
  repro->add_option("--seed", repro_seed_text, "the trial seed from the report");
  repro->add_option("--bundle", repro_bundle_path, "replay a bundle written by `faultline shrink`");
  repro->add_flag("--engine-from-bundle", engine_from_bundle,
                  "run the engine command recorded in the bundle (only for bundles you trust: it is arbitrary code)");
  repro->add_option("--expect-trace", repro_hash, "the trace hash from the report: say so if the replay differs");
  std::string repro_report;
  std::size_t repro_failure = 1;
  repro->add_option("--from-report", repro_report, "take the trial from this report's failures (with --failure)");
  repro->add_option("--failure", repro_failure, "which failure of --from-report, 1 = the first")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));

  Common shrink_opts;
  auto* shrink = app.add_subcommand("shrink", "minimise a failing trial and write a replayable bundle");
  shrink_opts.add_to(shrink, false);
  std::string shrink_seed;  // parsed with a range check: CLI11 reads "-1" as 2^64 - 1
  std::string shrink_out, shrink_report;
  std::size_t shrink_failure = 1;
  shrink->add_option("--seed", shrink_seed, "the failing trial's seed (with --scenario)");
  shrink->add_option("--from-report", shrink_report, "take the trial from this report's failures (with --failure)");
  shrink->add_option("--failure", shrink_failure, "which failure of --from-report, 1 = the first")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  shrink->add_option("--output,-o", shrink_out, "bundle file (default faultline-bundle-<scenario>-<seed>.json)");

  Common self_opts;
  auto* self = app.add_subcommand("selftest", "run the default campaign against walkv and every planted-bug variant");
  self_opts.add_to(self, false);
  std::uint64_t self_trials = 140;
  std::string self_seed = "1";
  std::string self_dir_out = "faultline-selftest";
  self->add_option("--trials", self_trials, "trials per engine")->capture_default_str()->check(CLI::Range(1ull, 100000000ull));
  self->add_option("--seed", self_seed, "campaign seed")->capture_default_str();
  self->add_option("--jobs,-j", jobs, "trials in parallel")->check(CLI::Range(1u, 1024u));
  self->add_option("--output", self_dir_out, "directory for the table and profiles")->capture_default_str();

  auto* list = app.add_subcommand("scenarios", "list the scenarios");
  list_opts.add_to(list, false);
  auto* report_cmd = add_report_command(app);

  // Before any engine starts: the orphans of engines (daemons, double forks) become ours to find and kill.
  harness::supervisor::become_subreaper();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "faultline: " << e.what() << "\n(run `faultline --help` or `faultline <command> --help`)\n";
    return 2;
  }

  try {
    if (list->parsed()) return cmd_scenarios(list_opts);
    if (report_cmd->parsed()) return report_command();
    if (repro->parsed()) {
      repro_opts.apply_process_options();
      if (!repro_report.empty()) {
        if (!repro_seed_text.empty() || !repro_bundle_path.empty())
          throw UsageError("--from-report excludes --seed and --bundle: the report names the trial");
        const auto entry = failure_from_report(repro_report, repro_failure);
        repro_opts.scenario = entry.scenario;
        if (repro_opts.engine.empty() && repro_opts.profile.empty()) {
          repro_opts.profile = entry.profile;
          repro_opts.engine = entry.profile.empty() ? entry.command : "";
        }
        return repro_command(repro_opts, entry.seed, "", repro_opts.work_dir, entry.trace_hash, false);
      }
      std::optional<std::uint64_t> repro_seed;
      if (!repro_seed_text.empty()) repro_seed = harness::parse_uint("--seed", repro_seed_text);
      if (engine_from_bundle && repro_bundle_path.empty()) throw UsageError("--engine-from-bundle goes with --bundle");
      return repro_command(repro_opts, repro_seed, repro_bundle_path, repro_opts.work_dir, repro_hash,
                           engine_from_bundle);
    }
    if (self->parsed()) {
      CampaignConfig config = self_opts.campaign_base("selftest");
      config.seed = harness::parse_uint("--seed", self_seed);
      // Trial i runs scenario i % S: with fewer trials than scenarios a variant only one scenario can catch would be
      // "missed" for want of a trial. Every engine gets whole rounds of the scenarios.
      const std::uint64_t rounds = std::max<std::uint64_t>(1, (self_trials + config.scenarios.size() - 1) /
                                                                  std::max<std::size_t>(1, config.scenarios.size()));
      if (rounds * config.scenarios.size() != self_trials)
        std::cerr << fmt::format("faultline: selftest: --trials {} raised to {} ({} round{} of the {} scenarios), so "
                                 "that every scenario runs for every engine\n", self_trials,
                                 rounds * config.scenarios.size(), rounds, rounds == 1 ? "" : "s",
                                 config.scenarios.size());
      config.trials = rounds * config.scenarios.size();
      config.jobs = jobs;
      config.keep_failed_max = 0;
      harness::check_output_dir("--output", self_dir_out);
      catch_stop_signals();
      const auto root = hold_work_root(config.work_root, self_opts.work_dir);
      const int code = selftest(config, self_dir_out, g_interrupted);
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(config.work_root, ec))
        if (entry.path().filename() != ".lock") fs::remove_all(entry.path(), ec);
      return code;
    }
    if (shrink->parsed()) {
      shrink_opts.apply_process_options();
      if (!shrink_report.empty()) {
        if (!shrink_seed.empty()) throw UsageError("--from-report excludes --seed: the report names the trial");
        const auto entry = failure_from_report(shrink_report, shrink_failure);
        shrink_opts.scenario = entry.scenario;
        if (shrink_opts.engine.empty() && shrink_opts.profile.empty()) {
          shrink_opts.profile = entry.profile;
          shrink_opts.engine = entry.profile.empty() ? entry.command : "";
        }
        return shrink_command(shrink_opts, entry.seed, shrink_out);
      }
      if (shrink_seed.empty() || shrink->count("--scenario") == 0)
        throw UsageError("shrink needs --scenario and --seed, or --from-report FILE --failure K");
      return shrink_command(shrink_opts, harness::parse_uint("--seed", shrink_seed), shrink_out);
    }
    // Everything the user typed is checked before the campaign starts: a mistake costs no trial and loses no report.
    harness::check_output_file("--report", report);
    if (!all_trials.empty()) harness::check_output_file("--all-trials", all_trials, false);
    check_ci_outputs();
    CampaignConfig config = run_opts.campaign_base("run");
    config.seed = !seed.empty() ? harness::parse_uint("--seed", seed)
                                : std::random_device{}() * 0x100000000ULL + std::random_device{}();
    if (!seeds.empty() && trials) throw UsageError("--trials and --seeds exclude each other: give one");
    if (!seeds.empty()) config.seed_range = harness::parse_seed_range("--seeds", seeds);
    config.trials = trials;
    config.jobs = jobs;
    if (!shard.empty()) {
      std::tie(config.shard_index, config.shard_count) = harness::parse_shard("--shard", shard);
    } else if (auto env = shard_from_env()) {
      std::tie(config.shard_index, config.shard_count) = *env;
    }
    config.time_budget_s = budget;
    config.keep_all = keep;
    config.determinism_sample = determinism;
    if (!corpus.empty()) config.corpus = load_corpus(corpus);
    if (!last_failed.empty()) add_last_failed(config, last_failed);
    config.exit_first = exit_first;
    warn_about_scenarios_without_trials(config);
    const auto planned = harness::plan_trials(config).size();
    if (determinism > planned)
      throw UsageError(fmt::format("--check-determinism {}: this {}campaign has only {} trials; give at most {}",
                                   determinism, config.shard_count > 1 ? "shard of the " : "", planned, planned));
    config.all_trials_jsonl = all_trials;
    config.progress = !quiet && ::isatty(2) && !std::getenv("CI");
    if (!run_opts.engine.empty()) config.repro_extra = {"--engine", run_opts.engine};
    if (!run_opts.profile.empty()) config.repro_extra = {"--profile", run_opts.profile};
    if (!run_opts.scenario_dir.empty())
      config.repro_extra.insert(config.repro_extra.end(), {"--scenario-dir", run_opts.scenario_dir});
    return run_command(std::move(config), report, quiet, artifacts, run_opts);
  } catch (const scenarios::ConfigError& e) {  // UsageError too
    std::cerr << "faultline: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "faultline: error: " << e.what() << '\n';
    return 3;
  }
}

int run_command(CampaignConfig config, const std::string& report_path, bool quiet, const std::string& artifacts,
                const Common& options) {
  catch_stop_signals();
  // One descriptor held back for the report: under a tight RLIMIT_NOFILE (or a leak) the report can still be written.
  int reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const auto started = std::chrono::system_clock::now();
  std::vector<std::string> names;
  for (const auto& s : config.scenarios) names.push_back(s.name);
  harness::log::info("campaign starting",
                     {{"seed", std::to_string(config.seed)}, {"scenarios", fmt::format("{}", fmt::join(names, ","))},
                      {"trials", config.seed_range ? config.seed_range->second - config.seed_range->first + 1
                                                   : config.trials.value_or(100)},
                      {"jobs", config.jobs}, {"shard", fmt::format("{}/{}", config.shard_index, config.shard_count)},
                      {"engine", config.profile.command}, {"work_dir", config.work_root.string()}});
  const auto root = hold_work_root(config.work_root, options.work_dir);
  options.preflight(config.profile, config.work_root / "preflight");
  auto result = harness::run_campaign(config, g_interrupted);
  keep_artifacts(result, artifacts.empty() ? default_artifacts_dir(report_path) : fs::path(artifacts));
  if (result.interrupted) result.incomplete_reason = fmt::format("{} by {}", result.incomplete_reason, stop_signal_name());
  // The argv in the report must replay the trial: repro takes the scenario and the seed.
  const auto doc = harness::build_report(config, result, started);
  if (reserve >= 0) ::close(reserve);
  reserve = -1;
  reports::write_atomic(report_path, reports::dump(doc));
  if (!quiet) std::cout << reports::render_summary(doc, color_stdout());
  write_ci_outputs(doc);
  const auto starts = harness::launch_counts();
  harness::log::info("report written", {{"path", fs::absolute(report_path).string()}, {"status", doc["status"]},
                                        {"engine_starts_forked", starts.forked}, {"engine_starts_exec", starts.execd}});
  if (result.voided > 0)
    harness::log::warn("some trials were void: their fault never fired", {{"void", result.voided}});
  for (const auto& [file, entry] : result.untracked_files)
    harness::log::warn("a file the engine wrote only around the shim was left out of the fault and durability model",
                       {{"file", file}, {"why", entry.first}, {"trials", entry.second}});
  for (const auto& m : result.determinism_mismatches)
    harness::log::error("trial is not deterministic", m);
  return harness::campaign_exit_code(result);
}

}  // namespace faultline::cli
