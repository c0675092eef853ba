// What a campaign runs and keeps, from the command line: `--scenario` takes names, globs ('torn-*'), comma-separated
// lists of either, `all`, or a .json path (a name that matches nothing gets the nearest names as suggestions);
// `--last-failed`; the warning for scenarios without trials; where failing trials are kept (`--artifacts`).
#include "select.h"

#include <fnmatch.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "faultline/reports/model.h"
#include "faultline/reports/report.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::cli {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> scenario_names(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json" && entry.is_regular_file(ec)) out.push_back(entry.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool is_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

}  // namespace

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> nearest_names(const std::string& name, const std::vector<std::string>& known) {
  std::size_t best = std::max<std::size_t>(2, name.size() / 3) + 1;  // farther than this is no suggestion
  std::vector<std::string> out;
  for (const auto& k : known) {
    std::size_t d = edit_distance(name, k);
    if (k.find(name) != std::string::npos && !name.empty()) d = std::min<std::size_t>(d, 1);  // a prefix or a part
    if (d < best) {
      best = d;
      out = {k};
    } else if (d == best) {
      out.push_back(k);
    }
  }
  if (out.size() > 3) out.resize(3);
  return out;
}

std::string expand_scenario_spec(const std::string& spec, const fs::path& dir) {
  if (spec == "all" || spec.ends_with(".json")) return spec;
  const auto known = scenario_names(dir);
  std::vector<std::string> chosen;
  std::set<std::string> seen;
  std::stringstream items(spec);
  for (std::string item; std::getline(items, item, ',');) {
    if (item.empty()) continue;
    std::vector<std::string> matched;
    if (is_glob(item)) {
      for (const auto& k : known)
        if (::fnmatch(item.c_str(), k.c_str(), 0) == 0) matched.push_back(k);
      if (matched.empty())
        throw scenarios::ConfigError(fmt::format("--scenario '{}': no scenario in {} matches the pattern (run "
                                                 "`faultline scenarios` to list them)", item, dir.string()));
    } else if (std::find(known.begin(), known.end(), item) != known.end()) {
      matched.push_back(item);
    } else {
      const auto near = nearest_names(item, known);
      throw scenarios::ConfigError(fmt::format(
          "--scenario: no scenario named '{}' in {}{} (run `faultline scenarios` to list them)", item, dir.string(),
          near.empty() ? "" : fmt::format("; did you mean {}?", fmt::format("'{}'", fmt::join(near, "' or '")))));
    }
    for (auto& m : matched)
      if (seen.insert(m).second) chosen.push_back(std::move(m));
  }
  if (chosen.empty()) return spec;  // let the loader say what is wrong with it
  return fmt::format("{}", fmt::join(chosen, ","));
}

std::vector<std::string> scenarios_without_trials(const std::vector<std::string>& scenarios, std::uint64_t trials) {
  std::vector<std::string> out;
  for (std::size_t i = static_cast<std::size_t>(std::min<std::uint64_t>(trials, scenarios.size())); i < scenarios.size();
       ++i)
    out.push_back(scenarios[i]);
  return out;
}

// `run --last-failed REPORT`: the report's failing trials of this campaign's scenarios run first, as corpus entries.
void add_last_failed(harness::CampaignConfig& config, const std::string& file) {
  reports::Report doc;
  try {
    doc = reports::report_from_json(reports::load_report(file));
  } catch (const std::runtime_error& e) {
    throw scenarios::ConfigError(fmt::format("--last-failed: {}", e.what()));
  }
  std::set<std::string> names;
  for (const auto& s : config.scenarios) names.insert(s.name);
  std::size_t added = 0, elsewhere = 0;
  std::vector<std::pair<std::string, std::uint64_t>> first;
  for (const auto& f : doc.failures) {
    if (f.verdict != "fail") continue;
    if (!names.count(f.scenario)) {
      ++elsewhere;
      continue;
    }
    try {
      first.emplace_back(f.scenario, std::stoull(f.seed));
      ++added;
    } catch (const std::exception&) {
      throw scenarios::ConfigError(fmt::format("--last-failed {}: failure #{} has seed '{}', expected a decimal string", file,
                                   f.index, f.seed));
    }
  }
  config.corpus.insert(config.corpus.begin(), first.begin(), first.end());
  std::cerr << fmt::format("faultline: --last-failed: {} failing trials of {} run first{}\n", added, file,
                           elsewhere ? fmt::format(" ({} of scenarios outside this campaign skipped)", elsewhere) : "");
}

// Trial i runs scenarios[i % S]: fewer trials than scenarios leave some scenarios without any. Say which.
void warn_about_scenarios_without_trials(const harness::CampaignConfig& config) {
  std::uint64_t trials = config.trials.value_or(100);
  if (config.seed_range) {
    const auto [a, b] = *config.seed_range;
    trials = b - a == UINT64_MAX ? UINT64_MAX : b - a + 1;
  }
  std::vector<std::string> names;
  for (const auto& s : config.scenarios) names.push_back(s.name);
  const auto none = scenarios_without_trials(names, trials);
  if (none.empty()) return;
  std::cerr << fmt::format("faultline: warning: {} trials for {} scenarios: {} scenario{} get no trial and are not "
                           "tested: {} (give --trials {} or more, or choose scenarios with --scenario)\n",
                           trials, names.size(), none.size(), none.size() == 1 ? "" : "s",
                           fmt::join(none, ", "), names.size());
}

// Failing trials are kept on disk beside the report, not in the work directory (memory, when it is /dev/shm).
fs::path default_artifacts_dir(const std::string& report_path) {
  const fs::path report(report_path);
  return report.parent_path() / (report.stem().string() + "-artifacts");
}

// Moves the kept trial directories of failing trials into `dir` and points the results at their new place.
void keep_artifacts(harness::CampaignResult& result, const fs::path& dir) {
  for (auto& [index, trial] : result.failures) {
    if (trial.artifacts.empty()) continue;
    std::error_code ec;
    if (!fs::exists(trial.artifacts, ec)) continue;
    fs::create_directories(dir, ec);
    const fs::path dest = dir / trial.artifacts.filename();
    fs::remove_all(dest, ec);
    fs::rename(trial.artifacts, dest, ec);
    if (ec) {  // another file system: copy, then remove
      ec.clear();
      fs::copy(trial.artifacts, dest, fs::copy_options::recursive, ec);
      if (ec) {
        std::cerr << fmt::format("faultline: warning: cannot keep {} in {}: {} (left where it was)\n",
                                 trial.artifacts.string(), dir.string(), ec.message());
        continue;
      }
      fs::remove_all(trial.artifacts, ec);
    }
    trial.artifacts = fs::absolute(dest, ec);
  }
}

}  // namespace faultline::cli
