#include "faultline/harness/report_build.h"

#include <unistd.h>

#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "faultline/harness/layout.h"
#include "faultline/harness/log.h"
#include "faultline/reports/report.h"


namespace faultline::harness {

namespace {

nlohmann::ordered_json ci_info() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (!env("GITHUB_ACTIONS").empty())
    return {{"provider", "github-actions"}, {"run_id", env("GITHUB_RUN_ID")}, {"job", env("GITHUB_JOB")}};
  if (!env("GITLAB_CI").empty()) return {{"provider", "gitlab"}, {"run_id", env("CI_PIPELINE_ID")}, {"job", env("CI_JOB_ID")}};
  if (!env("JENKINS_URL").empty()) return {{"provider", "jenkins"}, {"run_id", env("BUILD_ID")}, {"job", env("JOB_NAME")}};
  if (!env("JOB_COMPLETION_INDEX").empty())
    return {{"provider", "kubernetes"}, {"run_id", env("HOSTNAME")}, {"job", env("JOB_COMPLETION_INDEX")}};
  if (!env("CI").empty()) return {{"provider", "generic"}, {"run_id", ""}, {"job", ""}};
  return nullptr;
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

}  // namespace

int campaign_exit_code(const CampaignResult& result) {
  if (result.incomplete && result.incomplete_reason == "interrupted") return 130;
  if (result.failed > 0) return 1;
  if (result.errors > 0 || !result.determinism_mismatches.empty()) return 3;
  return 0;
}

nlohmann::ordered_json failure_entry(const CampaignConfig& config, std::size_t index, const TrialResult& t) {
  nlohmann::ordered_json f;
  f["index"] = index;
  f["scenario"] = t.scenario;
  f["seed"] = std::to_string(t.seed);
  f["verdict"] = to_string(t.verdict);
  f["violations"] = nlohmann::ordered_json::array();
  for (const auto& v : t.violations) f["violations"].push_back({{"name", v.name}, {"detail", v.detail}});
  if (!t.error.empty()) f["error"] = t.error;
  f["faults"] = t.faults;
  f["expected"] = t.expected;
  f["observed"] = t.observed;
  f["coverage"] = t.coverage;
  f["engine_log"] = t.engine_log;
  f["hexdump"] = t.hexdump;
  f["artifacts"] = t.artifacts.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(t.artifacts.string());
  f["trace_hash"] = t.trace_hash;
  f["seconds"] = t.seconds;
  auto argv = repro_argv(config, t.scenario, t.seed);
  argv.insert(argv.end(), {"--expect-trace", t.trace_hash});
  f["repro"] = {{"argv", argv}, {"command", shell_join(argv)}};
  return f;
}

nlohmann::ordered_json build_report(const CampaignConfig& config, const CampaignResult& result,
                                    std::chrono::system_clock::time_point started) {
  nlohmann::ordered_json r;
  r["format_version"] = reports::kFormatVersion;
  r["tool"] = {{"name", "faultline"}, {"version", version()}, {"git_revision", git_revision()}};
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  r["run"] = {{"started_at", iso_time(started)}, {"duration_s", result.seconds}, {"host", host},
              {"ci", ci_info()}, {"incomplete", result.incomplete}, {"incomplete_reason", result.incomplete_reason}};
  nlohmann::ordered_json scen = nlohmann::ordered_json::array();
  for (const auto& s : config.scenarios) scen.push_back(s.name);
  r["configuration"] = {
      {"engine", {{"name", config.profile.name}, {"command", config.profile.command},
                  {"profile", config.profile.source.string()}, {"sync", scenarios::to_string(config.profile.sync)},
                  {"torn_tail", scenarios::to_string(config.profile.torn_tail)},
                  {"corrupt_exit_code", config.profile.corrupt_exit_code}}},
      {"scenarios", scen},
      {"seed", std::to_string(config.seed)},
      {"trials", config.trials ? nlohmann::ordered_json(*config.trials) : nlohmann::ordered_json(nullptr)},
      {"seed_range", config.seed_range ? nlohmann::ordered_json({std::to_string(config.seed_range->first),
                                                                 std::to_string(config.seed_range->second)})
                                       : nlohmann::ordered_json(nullptr)},
      {"corpus_entries", config.corpus.size()},
      {"shard", {{"index", config.shard_index}, {"count", config.shard_count}}},
      {"jobs", config.jobs},
      {"timeouts", {{"start_ms", config.profile.start_timeout_ms}, {"request_ms", config.profile.request_timeout_ms}}},
      {"time_budget_s", config.time_budget_s ? nlohmann::ordered_json(*config.time_budget_s) : nlohmann::ordered_json(nullptr)}};
  r["status"] = result.failed > 0 ? "fail" : (result.errors > 0 || !result.determinism_mismatches.empty()) ? "error" : "pass";
  nlohmann::ordered_json per_scenario = nlohmann::ordered_json::object();
  for (const auto& [name, counts] : result.per_scenario) {
    nlohmann::ordered_json c{{"pass", 0}, {"fail", 0}, {"void", 0}, {"error", 0}};
    for (const auto& [verdict, n] : counts) c[verdict] = n;
    per_scenario[name] = c;
  }
  nlohmann::ordered_json per_violation = nlohmann::ordered_json::object();
  for (const auto& [name, n] : result.per_violation) per_violation[name] = n;
  r["summary"] = {{"planned", result.planned}, {"total", result.total}, {"passed", result.passed},
                  {"failed", result.failed}, {"void", result.voided}, {"errors", result.errors},
                  {"per_scenario", per_scenario}, {"per_violation", per_violation}};
  r["coverage"] = result.coverage;
  r["determinism"] = {{"checked", config.determinism_sample}, {"mismatches", result.determinism_mismatches}};
  r["failures"] = nlohmann::ordered_json::array();
  for (const auto& [index, trial] : result.failures) r["failures"].push_back(failure_entry(config, index, trial));
  return r;
}

}  // namespace faultline::harness
