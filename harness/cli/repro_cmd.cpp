// `faultline repro` and `faultline shrink`: one trial, from a seed, a bundle or a report's failure, replayed or
// minimised (repro.cpp and shrink_cmd.cpp run it).
#include <fmt/format.h>

#include "cli.h"
#include "explore_bundle.h"
#include "faultline/harness/input.h"
#include "faultline/reports/report.h"
#include "numbers.h"
#include "select.h"

namespace faultline::cli {

namespace fs = std::filesystem;

namespace {

struct ReportedFailure {
  std::string scenario, trace_hash, profile, command;
  std::uint64_t seed = 0;
};

// Failure K (1-based) of a report, with the engine the campaign ran, so `--from-report` needs nothing else.
ReportedFailure failure_from_report(const std::string& file, std::size_t k) {
  reports::Report doc;
  try {
    doc = reports::report_from_json(reports::load_report(file));
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());  // a bad input file is a usage error (exit 2), not a harness error
  }
  const auto& failures = doc.failures;
  if (k == 0 || k > failures.size())
    throw UsageError(fmt::format("{}: --failure {}: the report lists {} failures (1 to {})", file, k, failures.size(),
                                 failures.size()));
  const auto& f = failures[k - 1];
  ReportedFailure out;
  out.scenario = f.scenario;
  out.trace_hash = f.trace_hash;
  out.seed = harness::parse_uint(fmt::format("{}: field 'failures[{}].seed'", file, k - 1), f.seed);
  const auto& engine = doc.configuration.engine;
  out.profile = engine.profile;
  out.command = engine.command;
  if (!out.profile.empty() && !fs::exists(out.profile))
    throw UsageError(fmt::format("{}: the campaign's engine profile {} is not on this machine: pass --profile or --engine",
                                 file, out.profile));
  return out;
}

// The shipped walkv profile: what runs anyway when no engine is given, so a report that names it needs no opt-in.
bool is_shipped_default(const std::string& profile) {
  std::error_code ec;
  return !profile.empty() && fs::equivalent(profile, harness::require_profiles(layout()) / "walkv.json", ec);
}

// The trial of `--from-report FILE --failure K` into `common`: its scenario, and its engine unless one was given. A
// report is input from anywhere (docs/reliability.md): the engine it records runs only with --engine-from-report.
ReportedFailure take_reported_failure(Common& common, const std::string& file, std::size_t k, bool engine_from_report) {
  if (engine_from_report && (!common.engine.empty() || !common.profile.empty()))
    throw UsageError("--engine-from-report excludes --engine and --profile: give one");
  auto entry = failure_from_report(file, k);
  common.scenario = entry.scenario;
  if (!common.engine.empty() || !common.profile.empty()) return entry;
  if (!engine_from_report && !is_shipped_default(entry.profile) && !(entry.profile.empty() && entry.command.empty()))
    throw UsageError(fmt::format(
        "{}: the report's campaign ran the engine \"{}\"{}: a report is input from anywhere, so the engine it records "
        "runs only with --engine-from-report (for reports you trust); or pass --engine or --profile",
        file, entry.command, entry.profile.empty() ? "" : fmt::format(" (profile {})", entry.profile)));
  common.profile = entry.profile;
  common.engine = entry.profile.empty() ? entry.command : "";
  return entry;
}

scenarios::Scenario one_scenario(const Common& common, const char* what) {
  const auto list = scenarios::resolve_scenarios(expand_scenario_spec(common.scenario, common.scenarios_path()),
                                                 common.scenarios_path());
  if (list.size() != 1) throw UsageError(fmt::format("{}: give --scenario exactly one scenario", what));
  return list[0];
}

struct ReproOptions {
  Common common;
  std::string seed, bundle, expected_hash, report;
  std::size_t failure = 1;
  bool engine_from_bundle = false, engine_from_report = false;
};

// A bundle is input from anywhere: its engine command runs only when asked for (--engine-from-bundle, nullopt here);
// otherwise the local --engine, --profile or the shipped walkv profile.
std::optional<scenarios::EngineProfile> bundle_engine(const Common& common, bool engine_from_bundle) {
  if (engine_from_bundle && (!common.engine.empty() || !common.profile.empty()))
    throw UsageError("--engine-from-bundle excludes --engine and --profile: give one");
  std::optional<scenarios::EngineProfile> engine;
  if (!engine_from_bundle) engine = common.load_profile();
  return engine;
}

int repro_from_bundle(const ReproOptions& o) {
  if (!o.seed.empty()) throw UsageError("--bundle and --seed exclude each other: a bundle carries its own seed");
  const auto engine = bundle_engine(o.common, o.engine_from_bundle);
  const fs::path dir = o.common.work_dir.empty() ? fs::path("faultline-repro") / fs::path(o.bundle).stem()
                                                 : fs::path(o.common.work_dir);
  if (engine) o.common.preflight(*engine, fs::absolute(dir) / "preflight");
  if (is_explore_bundle(o.bundle)) return repro_explore_bundle(o.bundle, engine, o.common.shim_path(), layout().bindir, dir);
  return repro_bundle(o.bundle, engine, o.common.shim_path(), layout().bindir, dir);
}

int repro_seed(const Common& common, std::uint64_t seed, const std::string& expected_hash) {
  const auto scenario = one_scenario(common, "repro replays one trial");
  const fs::path dir = common.work_dir.empty() ? fs::path("faultline-repro") / fmt::format("{}-{}", scenario.name, seed)
                                               : fs::path(common.work_dir);
  const auto profile = common.load_profile();
  common.preflight(profile, fs::absolute(dir) / "preflight", {scenario});
  return repro_trial(scenario, profile, seed, common.shim_path(), layout().bindir, dir, {}, expected_hash);
}

int repro_command(ReproOptions& o) {
  o.common.apply_process_options();
  if (!o.report.empty()) {
    if (!o.seed.empty() || !o.bundle.empty())
      throw UsageError("--from-report excludes --seed and --bundle: the report names the trial");
    const auto entry = take_reported_failure(o.common, o.report, o.failure, o.engine_from_report);
    return repro_seed(o.common, entry.seed, entry.trace_hash);
  }
  if (o.engine_from_report) throw UsageError("--engine-from-report goes with --from-report");
  std::optional<std::uint64_t> seed;
  if (!o.seed.empty()) seed = harness::parse_uint("--seed", o.seed);
  if (o.engine_from_bundle && o.bundle.empty()) throw UsageError("--engine-from-bundle goes with --bundle");
  if (!o.bundle.empty()) return repro_from_bundle(o);
  if (!seed) throw UsageError("repro needs --seed (with --scenario) or --bundle");
  return repro_seed(o.common, *seed, o.expected_hash);
}

struct ShrinkOptions {
  Common common;
  std::string seed;  // parsed with a range check: CLI11 reads "-1" as 2^64 - 1
  std::string output, report, bundle;
  std::size_t failure = 1;
  bool engine_from_report = false, engine_from_bundle = false;
  double budget_s = ShrinkBudget{}.total_s;  // --shrink-budget, for --bundle
};

int shrink_bundle(const ShrinkOptions& o) {
  if (!o.seed.empty()) throw UsageError("--bundle and --seed exclude each other: a bundle carries its own seed");
  if (!is_explore_bundle(o.bundle))
    throw UsageError(fmt::format("--bundle {}: shrink takes an explore bundle only (a trial bundle is already shrunk: "
                                 "replay it with `faultline repro --bundle {}`)", o.bundle, o.bundle));
  const auto engine = bundle_engine(o.common, o.engine_from_bundle);
  const fs::path dir = o.common.work_dir.empty() ? fs::path("faultline-shrink") / fs::path(o.bundle).stem()
                                                 : fs::path(o.common.work_dir);
  if (engine) o.common.preflight(*engine, fs::absolute(dir) / "preflight");
  const int code = shrink_explore_bundle(o.bundle, engine, o.common.shim_path(), layout().bindir, dir, o.output,
                                         o.budget_s);
  std::error_code ec;
  if (o.common.work_dir.empty()) fs::remove_all(dir, ec);
  return code;
}

int shrink_seed(const Common& common, std::uint64_t seed, const std::string& output) {
  harness::TrialConfig config;
  config.scenario = one_scenario(common, "shrink works on one trial");
  config.profile = common.load_profile();
  config.seed = seed;
  config.shim = common.shim_path();
  config.bindir = layout().bindir;
  const fs::path out = output.empty()
                           ? fs::path(fmt::format("faultline-bundle-{}-{}.json", config.scenario.name, seed))
                           : fs::path(output);
  harness::check_output_file("--output", out);
  const auto root = hold_work_root(default_work_root(common.work_dir, "shrink"), common.work_dir);
  config.work_dir = root->dir() / "base";
  common.preflight(config.profile, root->dir() / "preflight", {config.scenario});
  return shrink_trial(config, out);
}

int shrink_command(ShrinkOptions& o, const CLI::App& shrink) {
  o.common.apply_process_options();
  if (!o.report.empty()) {
    if (!o.seed.empty()) throw UsageError("--from-report excludes --seed: the report names the trial");
    const auto entry = take_reported_failure(o.common, o.report, o.failure, o.engine_from_report);
    return shrink_seed(o.common, entry.seed, o.output);
  }
  if (o.engine_from_report) throw UsageError("--engine-from-report goes with --from-report");
  if (o.engine_from_bundle && o.bundle.empty()) throw UsageError("--engine-from-bundle goes with --bundle");
  if (!o.bundle.empty()) return shrink_bundle(o);
  if (o.seed.empty() || shrink.count("--scenario") == 0)
    throw UsageError("shrink needs --scenario and --seed, or --from-report FILE --failure K");
  return shrink_seed(o.common, harness::parse_uint("--seed", o.seed), o.output);
}

void add_failure_options(CLI::App* app, std::string& report, std::size_t& failure, bool& engine_from_report) {
  app->add_option("--from-report", report, "take the trial from this report's failures (with --failure)");
  app->add_option("--failure", failure, "which failure of --from-report, 1 = the first")
      ->transform(decimal_range(1, std::uint64_t{1} << 40));
  app->add_flag("--engine-from-report", engine_from_report,
                "run the engine the report's campaign ran (only for reports you trust: it is arbitrary code)");
}

}  // namespace

Command add_repro_command(CLI::App& app) {
  auto o = std::make_shared<ReproOptions>();
  auto* repro = app.add_subcommand("repro", "replay one trial step by step and keep its artifacts");
  o->common.add_to(repro, false);
  repro->add_option("--seed", o->seed, "the trial seed from the report");
  repro->add_option("--bundle", o->bundle, "replay a bundle written by `faultline shrink`, or an explore finding's (`explore --bundles`)");
  repro->add_flag("--engine-from-bundle", o->engine_from_bundle,
                  "run the engine command recorded in the bundle (only for bundles you trust: it is arbitrary code)");
  repro->add_option("--expect-trace", o->expected_hash, "the trace hash from the report: say so if the replay differs");
  add_failure_options(repro, o->report, o->failure, o->engine_from_report);
  return {repro, [o] { return repro_command(*o); }};
}

Command add_shrink_command(CLI::App& app) {
  auto o = std::make_shared<ShrinkOptions>();
  auto* shrink = app.add_subcommand("shrink", "minimise a failing trial and write a replayable bundle");
  o->common.add_to(shrink, false);
  shrink->add_option("--seed", o->seed, "the failing trial's seed (with --scenario)");
  add_failure_options(shrink, o->report, o->failure, o->engine_from_report);
  shrink->add_option("--bundle", o->bundle, "an explore bundle (`explore --bundles`): shrink its workload");
  shrink->add_flag("--engine-from-bundle", o->engine_from_bundle,
                   "run the engine command recorded in the bundle (only for bundles you trust: it is arbitrary code)");
  shrink->add_option("--shrink-budget", o->budget_s, "seconds for shrinking --bundle; when they run out the best so "
                     "far is written (out-of-time)")->capture_default_str()->check(CLI::Range(0.0, 1e9));
  shrink->add_option("--output,-o", o->output, "bundle file (default faultline-bundle-<scenario>-<seed>.json; with "
                     "--bundle: <bundle>-shrunk.json beside it)");
  return {shrink, [o, shrink] { return shrink_command(*o, *shrink); }};
}

}  // namespace faultline::cli
