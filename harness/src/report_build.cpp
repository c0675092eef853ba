#include "faultline/harness/report_build.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <tuple>

#include <fmt/format.h>

#include "faultline/harness/layout.h"
#include "faultline/harness/log.h"
#include "faultline/journal.h"
#include "run.h"
#include "faultline/reports/model.h"
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

namespace {

reports::Status status_of(const CampaignResult& result) {
  return reports::status_from_counts(result.failed, result.errors, result.determinism_mismatches.size(),
                                     !result.harness_error.empty());
}

namespace fs = std::filesystem;

// Bounds on what a failure entry carries about its trial's runs, so that the report (and the HTML page made from it)
// stays light however long the trials were.
constexpr std::size_t kTimelineRuns = 8;
constexpr std::size_t kTimelineEventsPerRun = 120;

reports::TimelineEvent timeline_event(const faults::Event& e, std::size_t seq) {
  reports::TimelineEvent t;
  t.ev = e.ev;
  t.file = e.file;
  if (e.ev == "fault") t.kind = fault_kind_name(e.kind);  // the wire name (faultline/fault_kinds.h)
  if (e.off >= 0) t.off = e.off;
  if (e.len >= 0) t.len = e.len;
  if (e.size >= 0 && e.ev != "open") t.size = e.size;
  if (e.ret < 0) t.ret = e.ret;
  t.seq = static_cast<std::int64_t>(seq);  // where the transcript's journal_from/journal_to place the operations
  return t;
}

// The trial's timeline from the journals kept in its directory (docs/report.md, "timeline"): one entry per engine run
// (`NN-label.journal.jsonl`, in order), with the writes, syncs, truncates, renames and faults the shim saw. Empty when
// the directory was not kept. Reading is best effort: a journal that cannot be read is named, not fatal.
std::vector<reports::TimelineRun> timeline_of(const fs::path& artifacts) {
  std::vector<reports::TimelineRun> runs;
  std::error_code ec;
  if (artifacts.empty() || !fs::is_directory(artifacts, ec)) return runs;
  std::vector<fs::path> journals;
  for (const auto& entry : fs::directory_iterator(artifacts, ec)) {
    const auto name = entry.path().filename().string();
    if (name.size() > 14 && name.compare(name.size() - 14, 14, ".journal.jsonl") == 0) journals.push_back(entry.path());
  }
  std::sort(journals.begin(), journals.end());
  for (const auto& path : journals) {
    if (runs.size() == kTimelineRuns) break;
    const auto name = path.filename().string();
    reports::TimelineRun run;
    run.run = name.substr(0, name.size() - 14);
    try {
      const auto events = faults::read_journal(path);
      for (std::size_t seq = 0; seq < events.size(); ++seq) {
        const auto& e = events[seq];
        if (e.ev != "write" && e.ev != "sync" && e.ev != "dirsync" && e.ev != "truncate" && e.ev != "rename" &&
            e.ev != "fault" && e.ev != "unlink")
          continue;
        if (run.events.size() < kTimelineEventsPerRun || e.ev == "fault")
          run.events.push_back(timeline_event(e, seq));
        else
          ++run.omitted;
      }
    } catch (const std::exception& e) {
      run.error = e.what();
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace

std::string hexdump_after_recovery(const TrialResult& t, const fs::path& trial_dir,
                                   const scenarios::EngineProfile& profile) {
  std::error_code ec;
  if (trial_dir.empty() || t.hexdump.empty() || !t.coverage.offset || t.observed.file.empty()) return "";
  const auto file = trial_dir / "data" / t.observed.file;
  if (!fs::exists(file, ec)) return "";
  // The records of the file after recovery are not known here: keep the byte rows, drop the field labels.
  const auto dump = detail::hexdump_around(file, *t.coverage.offset, {}, profile);
  std::string out;
  std::size_t start = 0;
  while (start < dump.size()) {
    auto end = dump.find('\n', start);
    if (end == std::string::npos) end = dump.size();
    const auto line = dump.substr(start, end - start);
    if (!line.empty() && line[0] != ' ' && line.rfind("fields:", 0) != 0) out += line + "\n";
    start = end + 1;
  }
  if (out.empty())  // recovery cut the file before the region: say so rather than show nothing
    return fmt::format("({} is {} bytes after recovery: it ends before these bytes)\n", file.filename().string(),
                       fs::file_size(file, ec));
  return out + "[..] the aimed byte; fields as in the dump before recovery\n";
}

int campaign_exit_code(const CampaignResult& result) {
  return reports::exit_code(status_of(result), result.interrupted, !result.harness_error.empty());
}

reports::Failure failure_of(const CampaignConfig& config, std::size_t index, const TrialResult& t) {
  reports::Failure f;
  f.index = index;
  f.scenario = t.scenario;
  f.seed = std::to_string(t.seed);
  f.verdict = to_string(t.verdict);
  for (const auto& v : t.violations) f.violations.push_back({v.name, v.detail});
  if (!t.error.empty()) f.error = t.error;
  // The trial's typed parts as they are; the rest is what the report adds about the trial and how to replay it.
  std::tie(f.faults, f.expected, f.observed, f.coverage) = std::tie(t.faults, t.expected, t.observed, t.coverage);
  f.engine_log = t.engine_log;
  f.hexdump = t.hexdump;
  if (!t.hexdump_before.empty()) f.hexdump_before = t.hexdump_before;
  if (auto after = hexdump_after_recovery(t, t.artifacts, config.profile); !after.empty())
    f.hexdump_after = std::move(after);
  f.timeline = timeline_of(t.artifacts);
  f.transcript = t.transcript;
  if (!t.artifacts.empty()) f.artifacts = t.artifacts.string();
  f.trace_hash = t.trace_hash;
  f.seconds = t.seconds;
  f.repro.argv = repro_argv(config, t.scenario, t.seed);
  f.repro.argv.insert(f.repro.argv.end(), {"--expect-trace", t.trace_hash});
  f.repro.command = shell_join(f.repro.argv);
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
  r["status"] = reports::to_string(status_of(result));
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
  r["untracked_files"] = nlohmann::ordered_json::array();
  for (const auto& [file, entry] : result.untracked_files)
    r["untracked_files"].push_back({{"file", file}, {"why", entry.first}, {"trials", entry.second}});
  r["determinism"] = {{"checked", result.determinism_checked}, {"mismatches", result.determinism_mismatches}};
  r["failures"] = nlohmann::ordered_json::array();
  for (const auto& [index, trial] : result.failures)
    r["failures"].push_back(reports::to_json(failure_of(config, index, trial)));
  reports::add_groups(r);
  return r;
}

}  // namespace faultline::harness
