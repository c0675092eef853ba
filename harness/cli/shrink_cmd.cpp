// `faultline shrink` and `faultline repro --bundle`: from a failing seed to the smallest case, written down.
#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "faultline/harness/input.h"
#include "faultline/harness/log.h"
#include "faultline/harness/shrink.h"
#include "faultline/reports/model.h"
#include "faultline/reports/report.h"

namespace faultline::cli {

namespace fs = std::filesystem;

namespace {

void write_bundle(const harness::ShrinkResult& result, const fs::path& bundle_path) {
  const nlohmann::ordered_json original{{"operations", result.original_ops},
                                        {"request_bytes", result.original_bytes},
                                        {"crashes", result.original_crashes}};
  const auto doc = harness::bundle_to_json(result.shrunk, result.violation, result.last.trace_hash, original);
  reports::write_atomic(bundle_path, reports::dump(doc) + "\n");
}

using Clock = std::chrono::steady_clock;

// The smallest trial of one fail group, shrunk until `deadline` (or a stop signal) into dir/<signature>.json.
reports::GroupShrink shrink_group(const harness::CampaignConfig& campaign, reports::Group& group, const fs::path& dir,
                                  Clock::time_point deadline) {
  const auto started = Clock::now();
  harness::TrialConfig config;
  for (const auto& s : campaign.scenarios)
    if (s.name == group.smallest.scenario) config.scenario = s;
  config.profile = campaign.profile;
  config.seed = harness::parse_uint("groups[].smallest.seed", group.smallest.seed);
  config.shim = campaign.shim;
  config.bindir = campaign.bindir;
  const fs::path work = campaign.work_root / fmt::format("shrink-{}", group.signature);
  config.work_dir = work / "base";
  fs::create_directories(config.work_dir);
  auto stop = [&] { return interrupted().load() || Clock::now() >= deadline; };
  const auto result = harness::shrink(config, [](const std::string&) {}, stop);
  std::error_code ec;
  fs::remove_all(work, ec);
  reports::GroupShrink out;
  out.trials = result.trials_run;
  out.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const char* stopped = interrupted().load() ? "interrupted" : "out-of-time";
  if (!result.reproduced || !result.replayed) {
    // Stopped before the trial (or its explicit form) was checked, or it did not fail again: nothing to write.
    out.status = result.stopped ? stopped : "not-reproduced";
  } else {
    const fs::path file = dir / fmt::format("{}.json", group.signature);
    write_bundle(result, file);
    group.bundle = file.string();
    out.status = !result.stopped ? "shrunk" : interrupted().load() ? "interrupted" : "partial";
    out.operations = result.shrunk_ops;
    out.original_operations = result.original_ops;
  }
  return out;
}

}  // namespace

void shrink_groups(const harness::CampaignConfig& campaign, reports::Report& report, const fs::path& dir,
                   const ShrinkBudget& budget) {
  auto groups = reports::groups_of(report);
  const auto started = Clock::now();
  const auto total_end = started + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(budget.total_s));
  for (auto& g : groups) {
    if (g.verdict != "fail") continue;  // void and error trials have no violation to keep
    reports::GroupShrink s;
    if (interrupted().load()) {
      s.status = "interrupted";
    } else if (Clock::now() >= total_end) {
      s.status = "out-of-time";
    } else {
      fs::create_directories(dir);
      const auto group_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(budget.per_group_s));
      s = shrink_group(campaign, g, dir, std::min(group_end, total_end));
    }
    harness::log::info("group shrunk", {{"signature", g.signature}, {"status", s.status}, {"trials", s.trials},
                                        {"bundle", g.bundle.value_or("")}});
    g.shrink = std::move(s);
  }
  report.groups = std::move(groups);
}

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
  if (!result.replayed) {
    std::cout << fmt::format("the trial fails from its seed ({}) but not when replayed from its explicit plan: the "
                             "engine does not behave the same way twice (state outside its data directory, time, "
                             "randomness), so no bundle would replay; none written\n", result.violation);
    return 1;
  }
  write_bundle(result, bundle_path);
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
