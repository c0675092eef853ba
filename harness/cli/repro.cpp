// `faultline repro`: one trial, told step by step, with its artifacts kept.
#include <iostream>

#include <fmt/format.h>

#include "faultline/harness/campaign.h"
#include "faultline/harness/trial.h"
#include "faultline/reports/report.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::cli {

namespace fs = std::filesystem;

int repro_trial(const scenarios::Scenario& scenario, const scenarios::EngineProfile& profile, std::uint64_t seed,
                const fs::path& shim, const fs::path& bindir, const fs::path& work_dir,
                const harness::TrialOverrides& overrides, const std::string& expected_hash) {
  harness::TrialConfig t;
  t.scenario = scenario;
  t.profile = profile;
  t.seed = seed;
  t.work_dir = fs::absolute(work_dir);
  t.shim = shim;
  t.bindir = bindir;
  t.overrides = overrides;
  t.keep_evidence = true;
  t.narrate = [](const std::string& line) { std::cout << line << '\n' << std::flush; };
  if (fs::exists(t.work_dir)) fs::remove_all(t.work_dir);
  std::cout << fmt::format("faultline repro: scenario {} seed {} engine \"{}\"\n", scenario.name, seed, profile.command);
  const auto result = harness::run_trial(t);
  if (!result.faults.empty()) std::cout << "faults injected:\n";
  for (const auto& f : result.faults) std::cout << "  " << reports::dump(f, -1) << '\n';
  if (!result.hexdump.empty()) std::cout << "log around the aimed offset, before recovery:\n" << result.hexdump;
  if (!result.engine_log.empty()) {
    std::cout << "engine log (last lines):\n";
    for (const auto& line : result.engine_log) std::cout << "  " << line << '\n';
  }
  std::cout << fmt::format("verdict: {}", to_string(result.verdict));
  for (const auto& v : result.violations) std::cout << fmt::format("\n  {}: {}", v.name, v.detail);
  if (!result.error.empty()) std::cout << "\n  error: " << result.error;
  std::cout << fmt::format("\ntrace hash: {}\nartifacts: {}\n", result.trace_hash, t.work_dir.string());
  if (!expected_hash.empty() && expected_hash != result.trace_hash)
    std::cout << fmt::format("note: the trace hash differs from the recorded one ({}): the engine binary, the shim or the "
                             "scenario changed since it was recorded, so the replay is not byte for byte\n",
                             expected_hash);
  switch (result.verdict) {
    case harness::Verdict::kPass: return 0;
    case harness::Verdict::kFail: return 1;
    case harness::Verdict::kVoid: return 1;
    case harness::Verdict::kError: return 3;
  }
  return 3;
}

}  // namespace faultline::cli
