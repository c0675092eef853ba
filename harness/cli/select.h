// What a campaign runs and keeps, from the command line (select.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "faultline/harness/campaign.h"

namespace faultline::cli {

// `--scenario` as the scenario loader reads it: globs are expanded against the scenario files of `dir` (sorted,
// duplicates dropped, the order of the items kept); `all` and .json paths are passed through. Throws
// scenarios::ConfigError naming the item, with the nearest names as suggestions, when an item matches nothing.
std::string expand_scenario_spec(const std::string& spec, const std::filesystem::path& dir);

// Levenshtein distance, and the known names nearest to `name` (at most 3; none when nothing is close).
std::size_t edit_distance(const std::string& a, const std::string& b);
std::vector<std::string> nearest_names(const std::string& name, const std::vector<std::string>& known);

// Trial i runs scenarios[i % S]: with fewer trials than scenarios the last ones get none. Those, in order.
std::vector<std::string> scenarios_without_trials(const std::vector<std::string>& scenarios, std::uint64_t trials);

// `run --last-failed REPORT`: the report's failing trials of this campaign's scenarios go first, as corpus entries.
// Throws scenarios::ConfigError naming the report when it cannot be read.
void add_last_failed(harness::CampaignConfig& config, const std::string& report_file);

// Prints a warning on stderr naming the scenarios that get no trial (fewer trials than scenarios).
void warn_about_scenarios_without_trials(const harness::CampaignConfig& config);

// `--artifacts` by default: `<report stem>-artifacts/` beside the report, on disk.
std::filesystem::path default_artifacts_dir(const std::string& report_path);

// Moves the kept trial directories of failing trials into `dir` (renamed, or copied across file systems) and points
// the results at their new place; a directory that cannot be moved stays where it was, with a warning.
void keep_artifacts(harness::CampaignResult& result, const std::filesystem::path& dir);

}  // namespace faultline::cli
