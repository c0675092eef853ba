// `faultline selftest`: the harness is worth the bugs it finds. Runs the default campaign against the correct walkv
// and against every planted-bug variant of it (walkv-planted --planted-bug NAME), and prints which were caught, by
// which violation, after how many trials. The correct engine must pass; every variant must be caught. The variants
// and the violation each must produce come from `walkv-planted manifest` (engine/planted/manifest.h).
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "numbers.h"
#include "faultline/harness/campaign.h"
#include "faultline/harness/input.h"
#include "faultline/harness/process.h"
#include "faultline/reports/report.h"

namespace faultline::cli {

namespace fs = std::filesystem;

namespace {

struct PlantedBug {
  std::string name;
  std::string mistake;
  std::string expected;  // the violation that must be among those reported ("harness-error": the shim was bypassed)
  std::string caught_by;   // "run": by this campaign; "explore": by `faultline explore` only (not run here)
  std::string serve_args;  // added to walkv-planted serve's command line
};

// Runs `{libexecdir}/walkv-planted manifest` ({libexecdir}: the shim's directory): one JSON object per variant.
std::vector<PlantedBug> planted_bugs(const fs::path& libexecdir, const fs::path& report_dir) {
  const fs::path program = libexecdir / "walkv-planted";
  const std::string command = program.string() + " manifest";
  if (!fs::exists(program))
    throw std::runtime_error(fmt::format("{} not found: selftest needs walkv-planted beside the shim",
                                         program.string()));
  harness::SpawnOptions options;
  options.argv = {program.string(), "manifest"};
  options.stderr_path = report_dir / "walkv-planted-manifest.err";
  harness::ChildProcess child(options);
  std::vector<PlantedBug> bugs;
  for (std::string line; child.read_line(line, std::chrono::seconds(10)) == harness::ReadResult::kLine;) {
    try {
      const auto j = nlohmann::json::parse(line);
      bugs.push_back({j.at("name").get<std::string>(), j.at("mistake").get<std::string>(),
                      j.at("expected").get<std::string>(), j.value("caught_by", "run"), j.value("serve_args", "")});
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(
          fmt::format("`{}` printed a line that is not a variant ({}): {}", command, e.what(), line));
    }
  }
  const auto status = child.wait(std::chrono::seconds(10));
  if (!status || !status->exited || status->code != 0 || bugs.empty())
    throw std::runtime_error(fmt::format("`{}` did not list the planted variants ({}); build the walkv-planted target",
                                         command, status ? status->describe() : "still running after 10 s"));
  return bugs;
}

struct Row {
  std::string engine, caught, violations, first;
  double seconds = 0;
  bool ok = false;
};

// The campaign for one engine of the selftest: `base` with this engine, its hang limits cut to 2 s, its profile
// written beside the table (the repro commands of its report point there).
harness::CampaignConfig engine_campaign(const harness::CampaignConfig& base, const fs::path& report_dir,
                                        const std::string& name, const std::string& command) {
  auto config = base;
  config.profile.command = command;
  config.profile.name = name;
  // A hang is a hang after 2 s as well as after 10: keep the hanging variants from dominating the run.
  config.profile.start_timeout_ms = std::min<std::uint32_t>(config.profile.start_timeout_ms, 2000);
  config.profile.request_timeout_ms = std::min<std::uint32_t>(config.profile.request_timeout_ms, 2000);
  config.profile.document["start_timeout_ms"] = config.profile.start_timeout_ms;
  config.profile.document["request_timeout_ms"] = config.profile.request_timeout_ms;
  config.profile.document["command"] = command;
  config.profile.document["name"] = name;
  config.work_root = base.work_root / name;
  config.repro_extra = {"--profile", (report_dir / (name + ".profile.json")).string()};
  reports::write_atomic(report_dir / (name + ".profile.json"), config.profile.document.dump(2) + "\n");
  return config;
}

// One row of the table: the correct engine must pass; a variant must be caught, by the expected violation.
Row judge_engine(const std::string& name, const harness::CampaignResult& result, bool must_pass,
                 const std::string& expected) {
  Row row{name, "", "", "-", result.seconds, false};
  std::map<std::string, std::size_t> v = result.per_violation;
  v.erase("fault-not-fired");
  for (const auto& [k, n] : v) row.violations += fmt::format("{}{} ({})", row.violations.empty() ? "" : ", ", k, n);
  if (result.errors > 0) row.violations += fmt::format("{}harness error ({})", row.violations.empty() ? "" : ", ",
                                                       result.errors);
  std::optional<std::size_t> first;
  for (const auto& [index, trial] : result.failures)
    if (trial.verdict == harness::Verdict::kFail || trial.verdict == harness::Verdict::kError)
      first = first ? std::min(*first, index) : index;
  if (first) row.first = std::to_string(*first + 1);
  const bool detected = result.failed > 0 || result.errors > 0;
  const bool as_expected = expected == "harness-error" ? result.errors > 0 : v.count(expected) > 0;
  row.ok = must_pass ? !detected : detected && as_expected;
  row.caught = must_pass ? (detected ? "FALSE ALARM" : "passes")
             : !detected ? "MISSED" : as_expected ? "caught" : "caught, but not as " + expected;
  if (result.incomplete && (must_pass ? !detected : !row.ok)) {  // a partial campaign proves a catch, never a miss or a pass
    row.ok = false;
    row.caught = fmt::format("incomplete ({}, {} of {} trials)", result.incomplete_reason, result.total,
                             result.planned);
  }
  return row;
}

// The Markdown table of selftest.md; `all_ok` is whether every row is as it must be.
std::string selftest_table(const std::vector<Row>& rows, const std::vector<PlantedBug>& bugs, bool& all_ok) {
  std::string table = "| engine | planted mistake | expected | result | violations reported (trials) | first failing trial | seconds |\n"
                      "|---|---|---|---|---|---|---|\n";
  all_ok = true;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string mistake = i == 0 ? "none (the correct engine)" : bugs[i - 1].mistake;
    const std::string expected = i == 0 ? "pass" : bugs[i - 1].expected;
    table += fmt::format("| {} | {} | {} | {} | {} | {} | {:.1f} |\n", r.engine, mistake, expected, r.caught,
                         r.violations.empty() ? "-" : r.violations, r.first, r.seconds);
    all_ok = all_ok && r.ok;
  }
  return table;
}

int selftest(harness::CampaignConfig base, const fs::path& report_dir, const std::atomic<bool>& interrupted) {
  std::vector<Row> rows;
  fs::create_directories(report_dir);
  const std::vector<PlantedBug> bugs = planted_bugs(base.shim.parent_path(), report_dir);
  auto run_one = [&](const std::string& name, const std::string& command, bool must_pass, const std::string& expected) {
    // After a stop signal the remaining engines are not run, and the table says so: never "MISSED" for them.
    if (interrupted.load()) {
      rows.push_back(Row{name, "not run (interrupted)", "", "-", 0, false});
      return;
    }
    const auto result = harness::run_campaign(engine_campaign(base, report_dir, name, command), interrupted);
    rows.push_back(judge_engine(name, result, must_pass, expected));
    std::cout << fmt::format("  {:<22} {:<12} {}\n", name, rows.back().caught, rows.back().violations) << std::flush;
  };
  std::cout << fmt::format("selftest: {} trials per engine over {} scenarios, seed {}\n", base.trials.value_or(0),
                           base.scenarios.size(), base.seed);
  run_one("walkv", "{bindir}/walkv serve --dir {dir}", true, "");
  for (const auto& bug : bugs) {
    if (bug.caught_by != "run") {  // a mistake only a persistence model shows (docs/selftest.md): not this campaign's
      rows.push_back(Row{bug.name, "not run: caught by " + bug.caught_by, "", "-", 0, true});
      std::cout << fmt::format("  {:<22} {}\n", bug.name, rows.back().caught) << std::flush;
      continue;
    }
    run_one(bug.name,
            fmt::format("{{libexecdir}}/walkv-planted serve --dir {{dir}} --planted-bug {}{}{}", bug.name,
                        bug.serve_args.empty() ? "" : " ", bug.serve_args),
            false, bug.expected);
  }

  bool all_ok = true;
  std::string table = selftest_table(rows, bugs, all_ok);
  if (interrupted.load())
    table = "**Interrupted**: engines marked \"not run\" or \"incomplete\" were not fully tested.\n\n" + table;
  reports::write_atomic(report_dir / "selftest.md", table);
  std::cout << '\n' << table << fmt::format("\nselftest {}; table written to {}\n",
                                            interrupted.load() ? "INTERRUPTED" : all_ok ? "passed" : "FAILED",
                                            (report_dir / "selftest.md").string());
  return interrupted.load() ? 130 : all_ok ? 0 : 1;
}

struct SelftestOptions {
  Common common;
  std::uint64_t trials = 140;
  std::string seed = "1";
  std::string output = "faultline-selftest";
  std::uint32_t jobs = std::max(1u, std::thread::hardware_concurrency());
};

int selftest_command(const SelftestOptions& o) {
  harness::CampaignConfig config = o.common.campaign_base("selftest");
  config.seed = harness::parse_uint("--seed", o.seed);
  // Trial i runs scenario i % S: with fewer trials than scenarios a variant only one scenario can catch would be
  // "missed" for want of a trial. Every engine gets whole rounds of the scenarios.
  const std::uint64_t rounds = std::max<std::uint64_t>(1, (o.trials + config.scenarios.size() - 1) /
                                                              std::max<std::size_t>(1, config.scenarios.size()));
  if (rounds * config.scenarios.size() != o.trials)
    std::cerr << fmt::format("faultline: selftest: --trials {} raised to {} ({} round{} of the {} scenarios), so "
                             "that every scenario runs for every engine\n", o.trials,
                             rounds * config.scenarios.size(), rounds, rounds == 1 ? "" : "s",
                             config.scenarios.size());
  config.trials = rounds * config.scenarios.size();
  config.jobs = o.jobs;
  config.keep_failed_max = 0;
  harness::check_output_dir("--output", o.output);
  catch_stop_signals();
  const auto root = hold_work_root(config.work_root, o.common.work_dir);
  const int code = selftest(config, o.output, interrupted());
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(config.work_root, ec))
    if (entry.path().filename() != ".lock") fs::remove_all(entry.path(), ec);
  return code;
}

}  // namespace

Command add_selftest_command(CLI::App& app) {
  auto o = std::make_shared<SelftestOptions>();
  auto* self = app.add_subcommand("selftest", "run the default campaign against walkv and every planted-bug variant");
  o->common.add_to(self, false);
  self->add_option("--trials", o->trials, "trials per engine")->capture_default_str()
      ->transform(decimal_range(1, 100000000));
  self->add_option("--seed", o->seed, "campaign seed")->capture_default_str();
  self->add_option("--jobs,-j", o->jobs, "trials in parallel")->transform(decimal_range(1, 1024));
  self->add_option("--output", o->output, "directory for the table and profiles")->capture_default_str();
  return {self, [o] { return selftest_command(*o); }};
}

}  // namespace faultline::cli
