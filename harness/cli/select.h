// Scenario selection for the command line (select.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

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

}  // namespace faultline::cli
