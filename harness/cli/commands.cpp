#include "commands.h"

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
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "faultline/harness/campaign.h"
#include "faultline/harness/layout.h"
#include "faultline/harness/log.h"
#include "faultline/harness/report_build.h"
#include "faultline/reports/report.h"
#include "subcommands.h"

namespace faultline::cli {

std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& text) {
  std::smatch m;
  const std::regex re(R"((\d+)/(\d+))");
  if (!std::regex_match(text, m, re) || std::stoul(m[2]) == 0 || std::stoul(m[1]) >= std::stoul(m[2]))
    throw UsageError(fmt::format("--shard {}: expected K/N with 0 <= K < N, e.g. 0/4", text));
  return {static_cast<std::uint32_t>(std::stoul(m[1])), static_cast<std::uint32_t>(std::stoul(m[2]))};
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> shard_from_env() {
  const char* idx = std::getenv("GTEST_SHARD_INDEX");
  const char* total = std::getenv("GTEST_TOTAL_SHARDS");
  if (idx && total) return parse_shard(fmt::format("{}/{}", idx, total));
  const char* k8s = std::getenv("JOB_COMPLETION_INDEX");
  const char* count = std::getenv("FAULTLINE_SHARDS");
  if (k8s && count) return parse_shard(fmt::format("{}/{}", k8s, count));
  if (k8s) throw UsageError("JOB_COMPLETION_INDEX is set but FAULTLINE_SHARDS (the job's completions) is not");
  return std::nullopt;
}

std::pair<std::uint64_t, std::uint64_t> parse_seed_range(const std::string& text) {
  std::smatch m;
  if (!std::regex_match(text, m, std::regex(R"((\d+)\.\.(\d+))")) || std::stoull(m[1]) > std::stoull(m[2]))
    throw UsageError(fmt::format("--seeds {}: expected A..B with A <= B, e.g. 1..500", text));
  return {std::stoull(m[1]), std::stoull(m[2])};
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
    out.emplace_back(m[1], std::stoull(m[2]));
  }
  return out;
}

int cmd_scenarios(const Common& common) {
  const auto all = scenarios::load_scenario_dir(common.scenarios_path());
  for (const auto& s : all) std::cout << fmt::format("{:<28} {}\n", s.name, s.summary);
  return 0;
}

int repro_command(const Common& common, std::optional<std::uint64_t> seed, const std::string& bundle,
                  const std::string& work_dir, const std::string& expected_hash) {
  if (!bundle.empty()) {
    if (seed) throw UsageError("--bundle and --seed exclude each other: a bundle carries its own seed");
    std::optional<scenarios::EngineProfile> engine;
    if (!common.engine.empty() || !common.profile.empty()) engine = common.load_profile();
    const fs::path dir = work_dir.empty() ? fs::path("faultline-repro") / fs::path(bundle).stem() : fs::path(work_dir);
    return repro_bundle(bundle, engine, common.shim_path(), self_dir(), dir);
  }
  if (!seed) throw UsageError("repro needs --seed (with --scenario) or --bundle");
  const auto list = scenarios::resolve_scenarios(common.scenario, common.scenarios_path());
  if (list.size() != 1) throw UsageError("repro replays one trial: give --scenario exactly one scenario");
  const fs::path dir = work_dir.empty() ? fs::path("faultline-repro") / fmt::format("{}-{}", list[0].name, *seed)
                                        : fs::path(work_dir);
  return repro_trial(list[0], common.load_profile(), *seed, common.shim_path(), self_dir(), dir, {}, expected_hash);
}

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
  try {
    out.seed = std::stoull(f.value("seed", ""));
  } catch (const std::exception&) {
    throw UsageError(fmt::format("{}: failures[{}].seed: expected a decimal string", file, k - 1));
  }
  const auto& engine = doc["configuration"]["engine"];
  out.profile = engine.value("profile", "");
  out.command = engine.value("command", "");
  if (!out.profile.empty() && !fs::exists(out.profile))
    throw UsageError(fmt::format("{}: the campaign's engine profile {} is not on this machine: pass --profile or --engine",
                                 file, out.profile));
  return out;
}

int shrink_command(const Common& common, std::uint64_t seed, const std::string& output) {
  const auto list = scenarios::resolve_scenarios(common.scenario, common.scenarios_path());
  if (list.size() != 1) throw UsageError("shrink works on one trial: give --scenario exactly one scenario");
  harness::TrialConfig config;
  config.scenario = list[0];
  config.profile = common.load_profile();
  config.seed = seed;
  config.shim = common.shim_path();
  config.bindir = self_dir();
  config.work_dir = default_work_root(common.work_dir, "shrink") / "base";
  const fs::path out = output.empty() ? fs::path(fmt::format("faultline-bundle-{}-{}.json", list[0].name, seed))
                                      : fs::path(output);
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
  RunArgs run;
  ReproArgs repro;
  ShrinkArgs shrink;
  SelftestArgs self;
  Common list_opts;
  auto* run_cmd = run.add(app);
  auto* repro_cmd = repro.add(app);
  auto* shrink_cmd = shrink.add(app);
  auto* self_cmd = self.add(app);
  auto* list = app.add_subcommand("scenarios", "list the scenarios");
  list_opts.add_to(list, false);
  auto* report_cmd = add_report_command(app);

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
    if (repro_cmd->parsed()) return repro.execute();
    if (self_cmd->parsed()) return self.execute();
    if (shrink_cmd->parsed()) return shrink.execute();
    if (run_cmd->parsed()) return run.execute();
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "faultline: " << e.what() << '\n';
    return 2;
  } catch (const scenarios::ConfigError& e) {
    std::cerr << "faultline: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "faultline: error: " << e.what() << '\n';
    return 3;
  }
}

}  // namespace faultline::cli
