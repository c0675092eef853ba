// `faultline run`: a crash campaign, its JSON report, and the CI outputs beside it.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "cli.h"
#include "faultline/harness/input.h"
#include "faultline/harness/log.h"
#include "faultline/harness/process.h"
#include "faultline/harness/report_build.h"
#include "faultline/reports/model.h"
#include "faultline/reports/report.h"
#include "numbers.h"
#include "select.h"

namespace faultline::cli {

namespace fs = std::filesystem;
using harness::CampaignConfig;

namespace {

struct RunOptions {
  Common common;
  std::optional<std::uint64_t> trials;
  std::string seed, seeds, shard, report = "faultline-report.json", corpus, all_trials;
  std::uint32_t jobs = std::max(1u, std::thread::hardware_concurrency());
  std::optional<double> budget;
  bool keep = false, quiet = false;
  std::uint32_t determinism = 0;
  bool exit_first = false;
  std::string last_failed, artifacts;
  bool shrink = false;
  ShrinkBudget shrink_budget;
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

void add_run_options(CLI::App* run, RunOptions& o) {
  o.common.add_to(run, false);
  const auto count = [run](const char* name, auto& field, const char* help, std::uint64_t lo, std::uint64_t hi) {
    run->add_option(name, field, help)->transform(decimal_range(lo, hi));  // a whole number in [lo, hi]
  };
  count("--trials", o.trials, "number of trials (default 100)", 1, 100000000);
  run->add_option("--seeds", o.seeds, "explicit trial seeds A..B instead of --trials");
  run->add_option("--seed", o.seed, "campaign seed (default: random, printed)");
  count("--jobs,-j", o.jobs, "trials in parallel (default: number of cores)", 1, 1024);
  run->add_option("--shard", o.shard, "run shard K of N (K/N, 0-based); also from GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS "
                                      "or JOB_COMPLETION_INDEX+FAULTLINE_SHARDS");
  run->add_option("--report", o.report, "where to write the JSON report")->capture_default_str();
  run->add_option("--time-budget", o.budget, "stop starting trials after this many seconds (report marked incomplete)")
      ->check(decimal_real_range(0.001, 1e9));
  run->add_flag("--keep", o.keep, "keep every trial directory, not only failing ones");
  run->add_flag("--quiet,-q", o.quiet, "no progress line and no summary on stdout");
  count("--check-determinism", o.determinism, "rerun N sampled trials and compare trace hashes", 0, 100000000);
  run->add_option("--corpus", o.corpus, "file of \"<scenario> <seed>\" lines to run first (known failures)");
  run->add_option("--all-trials", o.all_trials, "also write one JSON line per trial to this file");
  run->add_flag("--exitfirst,-x", o.exit_first, "stop starting trials at the first failing one (the report is marked "
                                                "incomplete)");
  run->add_option("--last-failed", o.last_failed, "rerun this report's failing trials first (then the campaign)");
  run->add_option("--artifacts", o.artifacts, "where failing trials are kept (default: <report>-artifacts/ beside "
                                              "the report)");
  run->add_flag("--shrink", o.shrink, "after the campaign, shrink each fail group's smallest trial into a bundle "
                                      "(<artifacts>/bundles/<signature>.json)");
  run->add_option("--shrink-budget", o.shrink_budget.total_s, "seconds for all of --shrink; groups not reached say "
                                                               "out-of-time (0: none, every group says out-of-time)")
      ->capture_default_str()->check(CLI::Range(0.0, 1e9));
  run->add_option("--shrink-group-budget", o.shrink_budget.per_group_s, "seconds of --shrink for one group (0: none)")
      ->capture_default_str()->check(CLI::Range(0.0, 1e9));
  add_ci_options(run);
}

// Which trials: seeds, counts, shard, corpus and reruns, each checked before the campaign starts.
void select_trials(const RunOptions& o, CampaignConfig& config) {
  config.seed = !o.seed.empty() ? harness::parse_uint("--seed", o.seed)
                                : std::random_device{}() * 0x100000000ULL + std::random_device{}();
  if (!o.seeds.empty() && o.trials) throw UsageError("--trials and --seeds exclude each other: give one");
  if (!o.seeds.empty()) config.seed_range = harness::parse_seed_range("--seeds", o.seeds);
  config.trials = o.trials;
  config.jobs = o.jobs;
  if (!o.shard.empty()) {
    std::tie(config.shard_index, config.shard_count) = harness::parse_shard("--shard", o.shard);
  } else if (auto env = shard_from_env()) {
    std::tie(config.shard_index, config.shard_count) = *env;
  }
  config.time_budget_s = o.budget;
  config.keep_all = o.keep;
  config.determinism_sample = o.determinism;
  if (!o.corpus.empty()) config.corpus = load_corpus(o.corpus);
  if (!o.last_failed.empty()) add_last_failed(config, o.last_failed);
  config.exit_first = o.exit_first;
}

// Everything the user typed is checked before the campaign starts: a mistake costs no trial and loses no report.
CampaignConfig run_config(const RunOptions& o) {
  harness::check_output_file("--report", o.report);
  if (!o.all_trials.empty()) harness::check_output_file("--all-trials", o.all_trials, false);
  check_ci_outputs();
  CampaignConfig config = o.common.campaign_base("run");
  select_trials(o, config);
  warn_about_scenarios_without_trials(config);
  const auto planned = harness::plan_trials(config).size();
  if (o.determinism > planned)
    throw UsageError(fmt::format("--check-determinism {}: this {}campaign has only {} trials; give at most {}",
                                 o.determinism, config.shard_count > 1 ? "shard of the " : "", planned, planned));
  config.all_trials_jsonl = o.all_trials;
  config.progress = !o.quiet && ::isatty(2) && !std::getenv("CI");
  const Common& c = o.common;
  if (!c.engine.empty()) config.repro_extra = {"--engine", c.engine};
  if (!c.profile.empty()) config.repro_extra = {"--profile", c.profile};
  if (!c.scenario_dir.empty()) config.repro_extra.insert(config.repro_extra.end(), {"--scenario-dir", c.scenario_dir});
  return config;
}

void log_campaign_start(const CampaignConfig& config) {
  std::vector<std::string> names;
  for (const auto& s : config.scenarios) names.push_back(s.name);
  harness::log::info("campaign starting",
                     {{"seed", std::to_string(config.seed)}, {"scenarios", fmt::format("{}", fmt::join(names, ","))},
                      {"trials", config.seed_range ? config.seed_range->second - config.seed_range->first + 1
                                                   : config.trials.value_or(100)},
                      {"jobs", config.jobs}, {"shard", fmt::format("{}/{}", config.shard_index, config.shard_count)},
                      {"engine", config.profile.command}, {"work_dir", config.work_root.string()}});
}

void log_campaign_end(const harness::CampaignResult& result, const std::string& report_path,
                      const reports::Report& report) {
  const auto starts = harness::launch_counts();
  harness::log::info("report written", {{"path", fs::absolute(report_path).string()}, {"status", reports::to_string(report.status)},
                                        {"engine_starts_forked", starts.forked}, {"engine_starts_exec", starts.execd}});
  if (result.voided > 0)
    harness::log::warn("some trials were void: their fault never fired", {{"void", result.voided}});
  for (const auto& [file, entry] : result.untracked_files)
    harness::log::warn("a file the engine wrote only around the shim was left out of the fault and durability model",
                       {{"file", file}, {"why", entry.first}, {"trials", entry.second}});
  for (const auto& m : result.determinism_mismatches)
    harness::log::error("trial is not deterministic", reports::to_json(m));
}

int run_command(const RunOptions& o) {
  CampaignConfig config = run_config(o);
  catch_stop_signals();
  // One descriptor held back for the report: under a tight RLIMIT_NOFILE (or a leak) the report can still be written.
  int reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const auto started = std::chrono::system_clock::now();
  log_campaign_start(config);
  const auto root = hold_work_root(config.work_root, o.common.work_dir);
  o.common.preflight(config.profile, config.work_root / "preflight", config.scenarios);
  auto result = harness::run_campaign(config, interrupted());
  const fs::path artifacts = o.artifacts.empty() ? default_artifacts_dir(o.report) : fs::path(o.artifacts);
  keep_artifacts(result, artifacts);
  if (result.interrupted)
    result.incomplete_reason = fmt::format("{} by {}{}", result.incomplete_reason, stop_signal_name(),
                                           harness::supervisor::stopping()
                                               ? "; a second signal killed the running engines (their trials are "
                                                 "not counted)"
                                               : "");
  // The argv in the report must replay the trial: repro takes the scenario and the seed.
  auto report = harness::build_report(config, result, started);
  if (reserve >= 0) ::close(reserve);
  reserve = -1;
  reports::write_atomic(o.report, reports::dump(reports::to_json(report)));
  if (o.shrink) {  // the report is on disk first: a shrink cut short by a signal still leaves it
    shrink_groups(config, report, artifacts / "bundles", o.shrink_budget);
    reports::write_atomic(o.report, reports::dump(reports::to_json(report)));
  }
  if (!o.quiet) std::cout << reports::render_summary(report, color_stdout());
  write_ci_outputs(report);
  log_campaign_end(result, o.report, report);
  return harness::campaign_exit_code(result);
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  auto* run = app.add_subcommand("run", "run a crash campaign and write a JSON report");
  add_run_options(run, *opts);
  return {run, [opts] { return run_command(*opts); }};
}

}  // namespace faultline::cli
