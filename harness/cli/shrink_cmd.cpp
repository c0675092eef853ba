// `faultline shrink` and `faultline repro --bundle`: from a failing seed to the smallest case, written down.
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "faultline/harness/shrink.h"
#include "faultline/reports/report.h"

namespace faultline::cli {

namespace fs = std::filesystem;

int shrink_trial(harness::TrialConfig config, const fs::path& bundle_path) {
  fs::create_directories(config.work_dir);
  std::cout << fmt::format("faultline shrink: scenario {} seed {}\n", config.scenario.name, config.seed);
  auto progress = [](const std::string& line) { std::cout << line << '\n' << std::flush; };
  const auto result = harness::shrink(config, progress);
  std::error_code ec;
  fs::remove_all(config.work_dir, ec);
  if (!result.reproduced) {
    std::cout << fmt::format("the trial does not fail (verdict {}): nothing to shrink\n",
                             harness::to_string(result.last.verdict));
    return 1;
  }
  const nlohmann::ordered_json original{{"operations", result.original_ops},
                                        {"request_bytes", result.original_bytes},
                                        {"crashes", result.original_crashes}};
  const auto doc = harness::bundle_to_json(result.shrunk, result.violation, result.last.trace_hash, original);
  reports::write_atomic(bundle_path, reports::dump(doc) + "\n");
  std::cout << fmt::format(
      "shrunk {} in {} trials:\n  operations {} → {}\n  request bytes {} → {}\n  crash cycles {} → {}\n"
      "  fault: operation {} from the end, byte {} of its write\nbundle: {}\nreplay: faultline repro --bundle {}\n",
      result.violation, result.trials_run, result.original_ops, result.shrunk_ops, result.original_bytes,
      result.shrunk_bytes, result.original_crashes, result.shrunk_crashes,
      result.aim.record_from_end, result.aim.offset_in_record,
      bundle_path.string(), bundle_path.string());
  return 0;
}

int repro_bundle(const fs::path& file, const std::optional<scenarios::EngineProfile>& engine, const fs::path& shim,
                 const fs::path& bindir, const fs::path& work_dir) {
  const auto bundle = harness::load_bundle(file);
  std::cout << fmt::format("bundle {}: expects {}\n", file.string(),
                           bundle.violation.empty() ? "nothing in particular" : bundle.violation);
  if (engine)
    std::cout << fmt::format("engine: \"{}\" ({}; the bundle's own engine runs only with --engine-from-bundle)\n",
                             engine->command, engine->source.empty() ? "--engine" : engine->source.string());
  else
    std::cout << fmt::format("engine: \"{}\" (from the bundle, --engine-from-bundle)\n", bundle.config.profile.command);
  // With another engine (the fixed one, say) the trace differs by design: only compare hashes for the bundled engine.
  return repro_trial(bundle.config.scenario, engine ? *engine : bundle.config.profile, bundle.config.seed, shim, bindir,
                     work_dir, bundle.config.plan, engine ? "" : bundle.trace_hash);
}

}  // namespace faultline::cli
