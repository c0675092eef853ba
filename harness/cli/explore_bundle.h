// Explore bundles (docs/report.md, "Explore bundles"): one finding of `faultline explore` written down with its
// recorded history, so `faultline repro --bundle` rebuilds that crash state byte for byte (no second recording: an
// engine such as SQLite writes random nonces) and judges it with one engine start.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "explore/explore_run.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::cli {

inline constexpr const char* kExploreBundleKind = "faultline-explore-state";

// The calls a finding's state lost, tore or kept only the size of, as the report and the bundle list them.
nlohmann::ordered_json undone_json(const faults::History& history, const harness::explore::Finding& finding);

// Writes finding `index` (0-based) of `run` as dir/finding-<index+1>.json beside its history,
// dir/finding-<index+1>.history; returns the bundle's path.
std::filesystem::path write_explore_bundle(const std::filesystem::path& dir, std::size_t index,
                                           const scenarios::EngineProfile& profile, std::uint64_t seed,
                                           const harness::explore::ExploreRun& run);

// True when `file` is a JSON object whose "kind" is the explore bundle's (anything else goes to load_bundle).
bool is_explore_bundle(const std::filesystem::path& file);

// `repro --bundle` on an explore bundle: rebuilds the state, starts `engine` (the bundle's with nullopt) once,
// judges, prints; 0 when it reproduced (same violations, same state hash), 1 when not. ConfigError on a bad bundle.
int repro_explore_bundle(const std::filesystem::path& file, const std::optional<scenarios::EngineProfile>& engine,
                         const std::filesystem::path& shim, const std::filesystem::path& bindir,
                         const std::filesystem::path& work_dir);

// `shrink --bundle` on an explore bundle: records the bundle's first k operations and explores them under its model,
// for the smallest k (bisected, within `budget_s` seconds) whose finding has the bundle's violation names and the same
// kinds of undone calls; writes it as a new explore bundle at `output` (default <stem>-shrunk.json beside `file`).
// 0 when written; 1 when the finding does not come back with all operations (not-reproduced) or no time was left.
int shrink_explore_bundle(const std::filesystem::path& file, const std::optional<scenarios::EngineProfile>& engine,
                          const std::filesystem::path& shim, const std::filesystem::path& bindir,
                          const std::filesystem::path& work_dir, const std::filesystem::path& output, double budget_s);

}  // namespace faultline::cli
