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

std::optional<reports::CiInfo> ci_info() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  using reports::CiInfo;
  if (!env("GITHUB_ACTIONS").empty()) return CiInfo{"github-actions", env("GITHUB_RUN_ID"), env("GITHUB_JOB")};
  if (!env("GITLAB_CI").empty()) return CiInfo{"gitlab", env("CI_PIPELINE_ID"), env("CI_JOB_ID")};
  if (!env("JENKINS_URL").empty()) return CiInfo{"jenkins", env("BUILD_ID"), env("JOB_NAME")};
  if (!env("JOB_COMPLETION_INDEX").empty()) return CiInfo{"kubernetes", env("HOSTNAME"), env("JOB_COMPLETION_INDEX")};
  if (!env("CI").empty()) return CiInfo{"generic", "", ""};
  return std::nullopt;
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

namespace {

reports::RunInfo run_info(const CampaignResult& result, std::chrono::system_clock::time_point started) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  reports::RunInfo run;
  run.started_at = iso_time(started);
  run.duration_s = result.seconds;
  run.host = host;
  run.ci = ci_info();
  run.incomplete = result.incomplete;
  run.incomplete_reason = result.incomplete_reason;
  return run;
}

reports::Configuration configuration_of(const CampaignConfig& config) {
  const auto& profile = config.profile;
  reports::Configuration c;
  c.engine = {profile.name, profile.command, profile.source.string(), scenarios::to_string(profile.sync),
              scenarios::to_string(profile.torn_tail), profile.corrupt_exit_code};
  for (const auto& s : config.scenarios) c.scenarios.push_back(s.name);
  c.seed = std::to_string(config.seed);
  c.trials = config.trials;
  if (config.seed_range)
    c.seed_range = std::pair(std::to_string(config.seed_range->first), std::to_string(config.seed_range->second));
  c.corpus_entries = config.corpus.size();
  c.shard = {config.shard_index, config.shard_count};
  c.jobs = config.jobs;
  c.timeouts = {profile.start_timeout_ms, profile.request_timeout_ms};
  c.time_budget_s = config.time_budget_s;
  return c;
}

reports::Summary summary_of(const CampaignResult& result) {
  reports::Summary s{result.planned, result.total, result.passed, result.failed, result.voided, result.errors,
                     {}, {}, nlohmann::ordered_json::object()};
  for (const auto& [name, counts] : result.per_scenario) {
    auto& c = reports::entry(s.per_scenario, name);
    for (const auto& [verdict, n] : counts) {
      if (verdict == "pass") c.pass = n;
      if (verdict == "fail") c.fail = n;
      if (verdict == "void") c.void_ = n;
      if (verdict == "error") c.error = n;
    }
  }
  for (const auto& [name, n] : result.per_violation) s.per_violation.emplace_back(name, n);
  return s;
}

}  // namespace

reports::Report build_report(const CampaignConfig& config, const CampaignResult& result,
                             std::chrono::system_clock::time_point started) {
  reports::Report r;
  r.format_version = reports::kFormatVersion;
  r.tool = {"faultline", version(), git_revision()};
  r.run = run_info(result, started);
  r.configuration = configuration_of(config);
  r.status = status_of(result);
  r.summary = summary_of(result);
  r.coverage = result.coverage;
  r.untracked_files.emplace();
  for (const auto& [file, entry] : result.untracked_files)
    r.untracked_files->push_back({file, entry.first, entry.second});
  r.determinism = {result.determinism_checked, result.determinism_mismatches, nlohmann::ordered_json::object()};
  for (const auto& [index, trial] : result.failures) r.failures.push_back(failure_of(config, index, trial));
  reports::add_groups(r);
  return r;
}

}  // namespace faultline::harness
