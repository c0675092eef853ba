// `faultline repro`: one trial, told step by step, with its artifacts kept.
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "faultline/harness/campaign.h"
#include "faultline/harness/report_build.h"
#include "faultline/harness/trial.h"
#include "faultline/reports/report.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::cli {

namespace fs = std::filesystem;

int repro_trial(const scenarios::Scenario& scenario, const scenarios::EngineProfile& profile, std::uint64_t seed,
                const fs::path& shim, const fs::path& bindir, const fs::path& work_dir,
                const std::optional<harness::TrialPlan>& plan, const std::string& expected_hash) {
  harness::TrialConfig t;
  t.scenario = scenario;
  t.profile = profile;
  t.seed = seed;
  t.work_dir = fs::absolute(work_dir);
  t.shim = shim;
  t.bindir = bindir;
  t.plan = plan;
  t.keep_evidence = true;
  // Everything printed is also kept with the artifacts, as transcript.txt.
  std::string transcript;
  auto print = [&transcript](const std::string& text) {
    std::cout << text << std::flush;
    transcript += text;
  };
  t.narrate = [&print](const std::string& line) { print(line + "\n"); };
  if (fs::exists(t.work_dir)) fs::remove_all(t.work_dir);
  print(fmt::format("faultline repro: scenario {} seed {} engine \"{}\"\n", scenario.name, seed, profile.command));
  const auto result = harness::run_trial(t);
  if (!result.faults.empty()) print("faults injected:\n");
  for (const auto& f : result.faults) print("  " + reports::dump(reports::to_json(f), -1) + '\n');
  if (!result.hexdump_before.empty())
    print("the bytes around the aimed offset before the damage:\n" + result.hexdump_before);
  if (!result.hexdump.empty()) print("the same bytes after the damage, before recovery:\n" + result.hexdump);
  if (const auto after = harness::hexdump_after_recovery(result, t.work_dir, profile); !after.empty())
    print("the same bytes after recovery:\n" + after);
  if (!result.engine_log.empty()) {
    print("engine log (last lines):\n");
    for (const auto& line : result.engine_log) print("  " + line + '\n');
  }
  print(fmt::format("verdict: {}", to_string(result.verdict)));
  for (const auto& v : result.violations) print(fmt::format("\n  {}: {}", v.name, v.detail));
  if (!result.error.empty()) print("\n  error: " + result.error);
  print(fmt::format("\ntrace hash: {}\nartifacts: {} (the transcript: {})\n", result.trace_hash, t.work_dir.string(),
                    (t.work_dir / "transcript.txt").string()));
  if (!expected_hash.empty() && expected_hash != result.trace_hash)
    print(fmt::format("note: the trace hash differs from the recorded one ({}): the engine binary, the shim or the "
                      "scenario changed since it was recorded, so the replay is not byte for byte\n", expected_hash));
  std::error_code ec;
  fs::create_directories(t.work_dir, ec);
  reports::write_atomic(t.work_dir / "transcript.txt", transcript);
  switch (result.verdict) {
    case harness::Verdict::kPass: return 0;
    case harness::Verdict::kFail: return 1;
    case harness::Verdict::kVoid: return 1;
    case harness::Verdict::kError: return 3;
  }
  return 3;
}

}  // namespace faultline::cli
