#include "subcommands.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <tuple>

#include "faultline/harness/report_build.h"
#include "faultline/reports/report.h"

namespace faultline::cli {

CLI::App* RunArgs::add(CLI::App& app) {
  auto* run = app.add_subcommand("run", "run a crash campaign and write a JSON report");
  common.add_to(run, false);
  run->add_option("--trials", trials, "number of trials (default 100)")->check(CLI::Range(1ull, 100000000ull));
  run->add_option("--seeds", seeds, "explicit trial seeds A..B instead of --trials");
  run->add_option("--seed", seed, "campaign seed (default: random, printed)");
  run->add_option("--jobs,-j", jobs, "trials in parallel (default: number of cores)")->check(CLI::Range(1u, 1024u));
  run->add_option("--shard", shard, "run shard K of N (K/N, 0-based); also from GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS "
                                    "or JOB_COMPLETION_INDEX+FAULTLINE_SHARDS");
  run->add_option("--report", report, "where to write the JSON report")->capture_default_str();
  run->add_option("--time-budget", budget, "stop starting trials after this many seconds (report marked incomplete)");
  run->add_flag("--keep", keep, "keep every trial directory, not only failing ones");
  run->add_flag("--quiet,-q", quiet, "no progress line and no summary on stdout");
  run->add_option("--check-determinism", determinism, "rerun N sampled trials and compare trace hashes");
  run->add_option("--corpus", corpus, "file of \"<scenario> <seed>\" lines to run first (known failures)");
  run->add_option("--all-trials", all_trials, "also write one JSON line per trial to this file");
  add_ci_options(run);
  return run;
}

int RunArgs::execute() {
  CampaignConfig config = common.campaign_base("run");
  config.seed = seed ? *seed : std::random_device{}() * 0x100000000ULL + std::random_device{}();
  if (!seeds.empty() && trials) throw UsageError("--trials and --seeds exclude each other: give one");
  if (!seeds.empty()) config.seed_range = parse_seed_range(seeds);
  config.trials = trials;
  config.jobs = jobs;
  if (!shard.empty()) {
    std::tie(config.shard_index, config.shard_count) = parse_shard(shard);
  } else if (auto env = shard_from_env()) {
    std::tie(config.shard_index, config.shard_count) = *env;
  }
  config.time_budget_s = budget;
  config.keep_all = keep;
  config.determinism_sample = determinism;
  if (!corpus.empty()) config.corpus = load_corpus(corpus);
  config.all_trials_jsonl = all_trials;
  config.progress = !quiet && ::isatty(2) && !std::getenv("CI");
  if (!common.engine.empty()) config.repro_extra = {"--engine", common.engine};
  if (!common.profile.empty()) config.repro_extra = {"--profile", common.profile};
  if (!common.scenario_dir.empty())
    config.repro_extra.insert(config.repro_extra.end(), {"--scenario-dir", common.scenario_dir});
  return run_command(std::move(config), report, quiet);
}

CLI::App* ReproArgs::add(CLI::App& app) {
  auto* repro = app.add_subcommand("repro", "replay one trial step by step and keep its artifacts");
  common.add_to(repro, false);
  repro->add_option("--seed", seed, "the trial seed from the report");
  repro->add_option("--bundle", bundle, "replay a bundle written by `faultline shrink`");
  repro->add_option("--expect-trace", hash, "the trace hash from the report: say so if the replay differs");
  repro->add_option("--from-report", report, "take the trial from this report's failures (with --failure)");
  repro->add_option("--failure", failure, "which failure of --from-report, 1 = the first")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  return repro;
}

int ReproArgs::execute() {
  common.apply_log_format();
  if (report.empty()) return repro_command(common, seed, bundle, common.work_dir, hash);
  if (seed || !bundle.empty()) throw UsageError("--from-report excludes --seed and --bundle: the report names the trial");
  const auto entry = failure_from_report(report, failure);
  common.scenario = entry.scenario;
  if (common.engine.empty() && common.profile.empty()) {
    common.profile = entry.profile;
    common.engine = entry.profile.empty() ? entry.command : "";
  }
  return repro_command(common, entry.seed, "", common.work_dir, entry.trace_hash);
}

CLI::App* SelftestArgs::add(CLI::App& app) {
  auto* self = app.add_subcommand("selftest", "run the default campaign against walkv and every planted-bug variant");
  common.add_to(self, false);
  self->add_option("--trials", trials, "trials per engine")->capture_default_str();
  self->add_option("--seed", seed, "campaign seed")->capture_default_str();
  self->add_option("--jobs,-j", jobs, "trials in parallel");
  self->add_option("--output", output, "directory for the table and profiles")->capture_default_str();
  return self;
}

int SelftestArgs::execute() {
  CampaignConfig config = common.campaign_base("selftest");
  config.seed = seed;
  config.trials = trials;
  config.jobs = jobs;
  config.keep_failed_max = 0;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  ::sigaction(SIGINT, &sa, nullptr);
  const int code = selftest(config, output, g_interrupted);
  std::error_code ec;
  fs::remove_all(config.work_root, ec);
  return code;
}

CLI::App* ShrinkArgs::add(CLI::App& app) {
  auto* shrink = app.add_subcommand("shrink", "minimise a failing trial and write a replayable bundle");
  common.add_to(shrink, true);
  shrink->add_option("--seed", seed, "the failing trial's seed")->required();
  shrink->add_option("--output,-o", output, "bundle file (default faultline-bundle-<scenario>-<seed>.json)");
  return shrink;
}

int ShrinkArgs::execute() {
  common.apply_log_format();
  return shrink_command(common, seed, output);
}

int run_command(CampaignConfig config, const std::string& report_path, bool quiet) {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  const auto started = std::chrono::system_clock::now();
  std::vector<std::string> names;
  for (const auto& s : config.scenarios) names.push_back(s.name);
  harness::log::info("campaign starting",
                     {{"seed", std::to_string(config.seed)}, {"scenarios", fmt::format("{}", fmt::join(names, ","))},
                      {"trials", config.seed_range ? config.seed_range->second - config.seed_range->first + 1
                                                   : config.trials.value_or(100)},
                      {"jobs", config.jobs}, {"shard", fmt::format("{}/{}", config.shard_index, config.shard_count)},
                      {"engine", config.profile.command}, {"work_dir", config.work_root.string()}});
  fs::create_directories(config.work_root);
  auto result = harness::run_campaign(config, g_interrupted);
  // The argv in the report must replay the trial: repro takes the scenario and the seed.
  const auto doc = harness::build_report(config, result, started);
  reports::write_atomic(report_path, reports::dump(doc));
  std::error_code ec;
  if (fs::is_empty(config.work_root, ec)) fs::remove(config.work_root, ec);
  if (!quiet) std::cout << reports::render_summary(doc, color_stdout());
  write_ci_outputs(doc);
  harness::log::info("report written", {{"path", fs::absolute(report_path).string()}, {"status", doc["status"]}});
  if (result.voided > 0)
    harness::log::warn("some trials were void: their fault never fired", {{"void", result.voided}});
  for (const auto& m : result.determinism_mismatches)
    harness::log::error("trial is not deterministic", m);
  return harness::campaign_exit_code(result);
}

}  // namespace faultline::cli
