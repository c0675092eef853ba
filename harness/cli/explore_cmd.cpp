// `faultline explore`: crash states from one recorded run under persistence models (docs/persistence.md, "Explore"),
// a text summary with each finding's explanation and models, and the JSON report (docs/report.md, "Explore report").
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli.h"
#include "explore/explore_run.h"
#include "explore_bundle.h"
#include "faultline/harness/input.h"
#include "faultline/persistence.h"
#include "faultline/reports/report.h"

namespace faultline::cli {

namespace fs = std::filesystem;
namespace ex = harness::explore;

namespace {

struct ExploreOptions {
  Common common;
  std::string model = "ext4-ordered";
  std::uint64_t seed = 1;
  std::uint32_t ops = 12;
  std::string report;
  std::string bundles;
  std::string state;
};

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./:,@{}") ==
                           std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command that rebuilds one state of the same recorded workload and runs recovery on it alone.
std::string reproducer(const ExploreOptions& o, const ex::StateId& id) {
  std::string cmd = "faultline explore";
  if (!o.common.profile.empty()) cmd += " --profile " + shell_quote(o.common.profile);
  if (!o.common.engine.empty()) cmd += " --engine " + shell_quote(o.common.engine);
  return cmd + fmt::format(" --seed {} --ops {} --state {}", o.seed, o.ops, ex::to_string(id));
}

// `option`: how the error names where the model came from ("--model ext5", "--state ext5:3:0").
std::vector<std::string> chosen_models(const std::string& spec, const std::string& option) {
  std::vector<std::string> names;
  for (const auto& m : faults::persistence_models())
    if (spec == "all" || spec == m.name) names.emplace_back(m.name);
  if (names.empty()) {
    std::vector<std::string> known;
    for (const auto& m : faults::persistence_models()) known.emplace_back(m.name);
    throw UsageError(fmt::format("{}: no such persistence model '{}'; give one of {} or 'all'", option, spec,
                                 fmt::join(known, ", ")));
  }
  return names;
}

nlohmann::ordered_json report_json(const ExploreOptions& o, const scenarios::EngineProfile& profile,
                                   const std::vector<std::string>& models, const ex::ExploreRun& run,
                                   const std::vector<fs::path>& bundles) {
  nlohmann::ordered_json doc{{"format", "faultline-explore"}, {"format_version", 1},
                             {"engine", profile.command},     {"seed", o.seed},
                             {"operations", run.issued.size()}, {"models", models},
                             {"verdict", run.outcome.findings.empty() ? "pass" : "fail"},
                             {"engine_starts", run.outcome.engine_starts}, {"seconds", run.seconds}};
  auto& cov = doc["coverage"] = nlohmann::ordered_json::array();
  for (const auto& c : run.outcome.coverage) {
    auto epochs = nlohmann::ordered_json::array();
    for (const auto& [e, ec] : c.epochs)
      epochs.push_back({{"epoch", e}, {"crash_points", ec.crash_points}, {"states_built", ec.states_built},
                        {"duplicates", ec.duplicates}});
    cov.push_back({{"model", c.model}, {"crash_points", c.crash_points}, {"states_built", c.states_built},
                   {"duplicates", c.duplicates}, {"epochs", epochs}});
  }
  auto& findings = doc["findings"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < run.outcome.findings.size(); ++i) {
    const auto& f = run.outcome.findings[i];
    auto violations = nlohmann::ordered_json::array();
    for (const auto& v : f.violations) violations.push_back({{"name", v.name}, {"detail", v.detail}});
    findings.push_back({{"state", ex::to_string(f.state)}, {"models", f.models}, {"crash_event", f.crash},
                        {"how", f.how}, {"explanation", f.explanation}, {"violations", violations},
                        {"undone", undone_json(run.history, f)}, {"state_hash", fmt::format("{:016x}", f.hash)},
                        {"reproduce", reproducer(o, f.state)}});
    if (i < bundles.size()) findings.back()["bundle"] = bundles[i].string();
  }
  return doc;
}

void print_summary(const ExploreOptions& o, const ex::ExploreRun& run, const std::vector<fs::path>& bundles) {
  for (const auto& c : run.outcome.coverage)
    std::cout << fmt::format("model {}: {} crash points in {} fsync epochs, {} states built, {} duplicates\n", c.model,
                             c.crash_points, c.epochs.size(), c.states_built, c.duplicates);
  std::cout << fmt::format("{} engine starts in {:.1f} s\n", run.outcome.engine_starts, run.seconds);
  for (std::size_t i = 0; i < run.outcome.findings.size(); ++i) {
    const auto& f = run.outcome.findings[i];
    std::cout << fmt::format("finding {} (state {}, holds under {}), crash after event {}, {}:\n", i + 1,
                             ex::to_string(f.state), fmt::join(f.models, ", "), f.crash, f.how);
    for (const auto& v : f.violations) std::cout << fmt::format("  {}: {}\n", v.name, v.detail);
    std::cout << fmt::format("  {}\n  reproduce: {}\n", f.explanation, reproducer(o, f.state));
    if (i < bundles.size()) std::cout << fmt::format("  bundle: faultline repro --bundle {}\n", bundles[i].string());
  }
  std::cout << (run.outcome.findings.empty() ? "PASS: no finding\n"
                                             : fmt::format("FAIL: {} findings\n", run.outcome.findings.size()));
}

int explore_command(const ExploreOptions& o) {
  o.common.apply_process_options();
  auto models = chosen_models(o.model, "--model " + o.model);
  std::optional<ex::StateId> only;
  if (!o.state.empty()) {
    only = ex::parse_state_id(o.state);
    if (!only || only->model == "all")
      throw UsageError(fmt::format("--state {}: not a state ID; give MODEL:CRASH:INDEX as a finding's \"reproduce\" "
                                   "line prints it (ext4-ordered:52:0)", o.state));
    models = chosen_models(only->model, "--state " + o.state);
  }
  ex::ExploreConfig config;
  config.profile = o.common.load_profile();
  config.models = models;
  config.seed = o.seed;
  config.ops = o.ops;
  config.only = only;
  config.shim = o.common.shim_path();
  config.bindir = layout().bindir;
  harness::check_engine_profile(config.profile, config.bindir);
  const fs::path root = default_work_root(o.common.work_dir, "explore");
  const auto held = hold_work_root(root, o.common.work_dir);
  config.work_dir = root / "explore";
  ex::ExploreRun run;
  try {
    run = ex::run_explore(config);
  } catch (const ex::NoSuchState& e) {
    std::error_code ec;
    fs::remove_all(config.work_dir, ec);
    throw UsageError(fmt::format("{}; run the same workload (--seed, --ops, engine) that printed the ID", e.what()));
  }
  std::error_code ec;
  fs::remove_all(config.work_dir, ec);
  if (!run.workload_problem.empty()) throw std::runtime_error(run.workload_problem);
  std::vector<fs::path> bundles;
  if (!o.bundles.empty())
    for (std::size_t i = 0; i < run.outcome.findings.size(); ++i)
      bundles.push_back(write_explore_bundle(o.bundles, i, config.profile, o.seed, run));
  print_summary(o, run, bundles);
  if (!o.report.empty())
    reports::write_atomic(o.report, reports::dump(report_json(o, config.profile, models, run, bundles)) + "\n");
  return run.outcome.findings.empty() ? 0 : 1;
}

}  // namespace

Command add_explore_command(CLI::App& app) {
  auto o = std::make_shared<ExploreOptions>();
  auto* cmd = app.add_subcommand("explore", "run a workload once recording, then judge the crash states a persistence "
                                            "model allows (docs/persistence.md)");
  cmd->add_option("--engine", o->common.engine, "engine command with {dir} (black-box profile)");
  cmd->add_option("--profile", o->common.profile, "engine profile .json (default: the built-in walkv profile)");
  cmd->add_option("--model", o->model, "persistence model: posix, ext4-ordered (default), xfs, or all");
  cmd->add_option("--seed", o->seed, "seed of the workload and of sampled crash states (default 1)");
  cmd->add_option("--ops", o->ops, "operations in the recorded workload (default 12)")->check(CLI::Range(1u, 10000u));
  cmd->add_option("--state", o->state, "judge one crash state alone, MODEL:CRASH:INDEX as a finding names it "
                                       "(its \"reproduce\" command)");
  cmd->add_option("--report", o->report, "write the JSON report here (docs/report.md, \"Explore report\")");
  cmd->add_option("--bundles", o->bundles, "write each finding as DIR/finding-N.json (with its recorded history "
                                           "beside it) for `faultline repro --bundle` (docs/report.md)");
  cmd->add_option("--shim", o->common.shim, "path to libfaultfs.so (default: beside the faultline binary)");
  cmd->add_option("--work-dir", o->common.work_dir, "where state directories are made (default: /dev/shm)");
  cmd->add_flag("--no-fork-server", o->common.no_fork_server, "exec the engine for every start");
  cmd->add_flag("--no-cpu-pinning", o->common.no_cpu_pinning, "let engines run on any CPU (docs/PERFORMANCE.md)");
  return {cmd, [o] { return explore_command(*o); }};
}

}  // namespace faultline::cli
