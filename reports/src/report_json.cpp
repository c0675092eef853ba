// The typed report to and from JSON (report_model.h). The writer's key order is the order docs/report.md lists the
// fields in, which is the order `faultline run` has always written them: a report read and written back is the same
// bytes. Readers are tolerant (model_json.cpp): missing or mistyped fields read as empty, unknown ones go to `extra`.
#include <initializer_list>
#include <string_view>

#include "faultline/reports/report.h"
#include "faultline/reports/report_model.h"
#include "text.h"

namespace faultline::reports {

using nlohmann::ordered_json;
using detail::count_of;
using detail::member;
using detail::opt_count;
using detail::seconds_of;
using detail::strings;
using detail::text_of;

namespace {

// The fields of `j` not named in `known`, in their order: what a later 1.x added.
ordered_json extra_of(const ordered_json& j, std::initializer_list<std::string_view> known) {
  ordered_json out = ordered_json::object();
  if (!j.is_object()) return out;
  for (const auto& [key, value] : j.items()) {
    bool is_known = false;
    for (const auto k : known) is_known = is_known || key == k;
    if (!is_known) out[key] = value;
  }
  return out;
}

void put_extra(ordered_json& j, const ordered_json& extra) {
  if (extra.is_object())
    for (const auto& [key, value] : extra.items()) j[key] = value;
}

bool flag_of(const ordered_json& j, const char* key) {
  const auto& v = member(j, key);
  return v.is_boolean() && v.get<bool>();
}

ordered_json null_or(const std::optional<std::uint64_t>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }
ordered_json null_or(const std::optional<double>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

ordered_json to_json(const Counts& counts) {
  ordered_json j = ordered_json::object();
  for (const auto& [key, n] : counts) j[key] = n;
  return j;
}

Counts counts_of(const ordered_json& j) {
  Counts out;
  if (j.is_object())
    for (const auto& [key, n] : j.items()) out.emplace_back(key, count_of(j, key.c_str()));
  return out;
}

// ---- tool, run ----------------------------------------------------------------------------------------------------

Tool tool_of(const ordered_json& j) { return {text_of(j, "name"), text_of(j, "version"), text_of(j, "git_revision")}; }

ordered_json to_json(const MergedShard& s) {
  return {{"source", s.source}, {"shard", s.shard},           {"host", s.host},          {"started_at", s.started_at},
          {"duration_s", s.duration_s}, {"status", s.status}, {"incomplete", s.incomplete}};
}

RunInfo run_of(const ordered_json& j) {
  RunInfo r;
  r.started_at = text_of(j, "started_at");
  r.duration_s = seconds_of(j, "duration_s");
  r.host = text_of(j, "host");
  if (const auto& ci = member(j, "ci"); ci.is_object())
    r.ci = CiInfo{text_of(ci, "provider"), text_of(ci, "run_id"), text_of(ci, "job")};
  r.incomplete = flag_of(j, "incomplete");
  r.incomplete_reason = text_of(j, "incomplete_reason");
  if (const auto& from = member(j, "merged_from"); from.is_array()) {
    r.merged_from.emplace();
    for (const auto& s : from)
      r.merged_from->push_back({text_of(s, "source"), count_of(s, "shard"), text_of(s, "host"),
                                text_of(s, "started_at"), seconds_of(s, "duration_s"), text_of(s, "status"),
                                flag_of(s, "incomplete")});
  }
  r.extra = extra_of(j, {"started_at", "duration_s", "host", "ci", "incomplete", "incomplete_reason", "merged_from"});
  return r;
}

// ---- configuration ------------------------------------------------------------------------------------------------

EngineInfo engine_of(const ordered_json& j) {
  const auto& code = member(j, "corrupt_exit_code");
  return {text_of(j, "name"), text_of(j, "command"), text_of(j, "profile"), text_of(j, "sync"),
          text_of(j, "torn_tail"), code.is_number_integer() ? code.get<std::int64_t>() : 0};
}

Configuration configuration_of(const ordered_json& j) {
  Configuration c;
  c.engine = engine_of(member(j, "engine"));
  c.scenarios = strings(member(j, "scenarios"));
  c.seed = text_of(j, "seed");
  c.trials = opt_count(j, "trials");
  if (const auto& range = member(j, "seed_range"); range.is_array() && range.size() == 2) {
    const auto seeds = strings(range);
    c.seed_range = std::pair(seeds[0], seeds[1]);
  }
  c.corpus_entries = count_of(j, "corpus_entries");
  const auto& shard = member(j, "shard");
  c.shard = {count_of(shard, "index"), count_of(shard, "count")};
  c.jobs = count_of(j, "jobs");
  const auto& timeouts = member(j, "timeouts");
  c.timeouts = {count_of(timeouts, "start_ms"), count_of(timeouts, "request_ms")};
  if (member(j, "time_budget_s").is_number()) c.time_budget_s = seconds_of(j, "time_budget_s");
  c.extra = extra_of(j, {"engine", "scenarios", "seed", "trials", "seed_range", "corpus_entries", "shard", "jobs",
                         "timeouts", "time_budget_s"});
  return c;
}

// ---- summary, coverage, untracked files, determinism --------------------------------------------------------------

Summary summary_of(const ordered_json& j) {
  Summary s;
  s.planned = count_of(j, "planned");
  s.total = count_of(j, "total");
  s.passed = count_of(j, "passed");
  s.failed = count_of(j, "failed");
  s.voided = count_of(j, "void");
  s.errors = count_of(j, "errors");
  if (const auto& per = member(j, "per_scenario"); per.is_object())
    for (const auto& [name, c] : per.items())
      s.per_scenario.emplace_back(name, VerdictCounts{count_of(c, "pass"), count_of(c, "fail"), count_of(c, "void"),
                                                      count_of(c, "error")});
  s.per_violation = counts_of(member(j, "per_violation"));
  s.extra = extra_of(j, {"planned", "total", "passed", "failed", "void", "errors", "per_scenario", "per_violation"});
  return s;
}

CampaignCoverage coverage_of(const ordered_json& j) {
  CampaignCoverage out;
  if (!j.is_object()) return out;
  for (const auto& [kind, c] : j.items())
    out.emplace_back(kind, KindCoverage{count_of(c, "trials"), count_of(c, "fired"), counts_of(member(c, "fields")),
                                        counts_of(member(c, "record_position")), counts_of(member(c, "files")),
                                        counts_of(member(c, "writes")), counts_of(member(c, "regions")),
                                        counts_of(member(c, "rewrites"))});
  return out;
}

std::vector<UntrackedFile> untracked_of(const ordered_json& j) {
  std::vector<UntrackedFile> out;
  for (const auto& f : j)
    if (f.is_object()) out.push_back({text_of(f, "file"), text_of(f, "why"), count_of(f, "trials")});
  return out;
}

Determinism determinism_of(const ordered_json& j) {
  Determinism d;
  d.checked = count_of(j, "checked");
  if (const auto& list = member(j, "mismatches"); list.is_array())
    for (const auto& m : list)
      d.mismatches.push_back({text_of(m, "scenario"), text_of(m, "seed"), text_of(m, "first"), text_of(m, "second"),
                              text_of(m, "first_verdict"), text_of(m, "second_verdict")});
  d.extra = extra_of(j, {"checked", "mismatches"});
  return d;
}

}  // namespace

// ---- The parts ----------------------------------------------------------------------------------------------------

ordered_json to_json(const Tool& t) {
  return {{"name", t.name}, {"version", t.version}, {"git_revision", t.git_revision}};
}

ordered_json to_json(const RunInfo& r) {
  ordered_json j{{"started_at", r.started_at}, {"duration_s", r.duration_s}, {"host", r.host}};
  j["ci"] = r.ci ? ordered_json{{"provider", r.ci->provider}, {"run_id", r.ci->run_id}, {"job", r.ci->job}}
                 : ordered_json(nullptr);
  j["incomplete"] = r.incomplete;
  j["incomplete_reason"] = r.incomplete_reason;
  if (r.merged_from) {
    j["merged_from"] = ordered_json::array();
    for (const auto& s : *r.merged_from) j["merged_from"].push_back(to_json(s));
  }
  put_extra(j, r.extra);
  return j;
}

ordered_json to_json(const EngineInfo& e) {
  return {{"name", e.name}, {"command", e.command}, {"profile", e.profile}, {"sync", e.sync},
          {"torn_tail", e.torn_tail}, {"corrupt_exit_code", e.corrupt_exit_code}};
}

ordered_json to_json(const Configuration& c) {
  ordered_json j;
  j["engine"] = to_json(c.engine);
  j["scenarios"] = c.scenarios;
  j["seed"] = c.seed;
  j["trials"] = null_or(c.trials);
  j["seed_range"] = c.seed_range ? ordered_json::array({c.seed_range->first, c.seed_range->second})
                                 : ordered_json(nullptr);
  j["corpus_entries"] = c.corpus_entries;
  j["shard"] = {{"index", c.shard.index}, {"count", c.shard.count}};
  j["jobs"] = c.jobs;
  j["timeouts"] = {{"start_ms", c.timeouts.start_ms}, {"request_ms", c.timeouts.request_ms}};
  j["time_budget_s"] = null_or(c.time_budget_s);
  put_extra(j, c.extra);
  return j;
}

ordered_json to_json(const Summary& s) {
  ordered_json j{{"planned", s.planned}, {"total", s.total}, {"passed", s.passed},
                 {"failed", s.failed},   {"void", s.voided},  {"errors", s.errors}};
  j["per_scenario"] = ordered_json::object();
  for (const auto& [name, c] : s.per_scenario)
    j["per_scenario"][name] = {{"pass", c.pass}, {"fail", c.fail}, {"void", c.void_}, {"error", c.error}};
  j["per_violation"] = to_json(s.per_violation);
  put_extra(j, s.extra);
  return j;
}

ordered_json to_json(const CampaignCoverage& coverage) {
  ordered_json j = ordered_json::object();
  for (const auto& [kind, c] : coverage) {
    ordered_json k{{"trials", c.trials}, {"fired", c.fired}, {"fields", to_json(c.fields)},
                   {"record_position", to_json(c.record_position)}};
    const std::pair<const char*, const Counts*> tables[] = {
        {"files", &c.files}, {"writes", &c.writes}, {"regions", &c.regions}, {"rewrites", &c.rewrites}};
    for (const auto& [name, table] : tables)
      if (!table->empty()) k[name] = to_json(*table);
    j[kind] = std::move(k);
  }
  return j;
}

ordered_json to_json(const DeterminismMismatch& m) {
  return {{"scenario", m.scenario}, {"seed", m.seed}, {"first", m.first}, {"second", m.second},
          {"first_verdict", m.first_verdict}, {"second_verdict", m.second_verdict}};
}

ordered_json to_json(const Determinism& d) {
  ordered_json j{{"checked", d.checked}, {"mismatches", ordered_json::array()}};
  for (const auto& m : d.mismatches) j["mismatches"].push_back(to_json(m));
  put_extra(j, d.extra);
  return j;
}

// ---- The whole report ---------------------------------------------------------------------------------------------

ordered_json to_json(const Report& r) {
  ordered_json j;
  j["format_version"] = r.format_version;
  j["tool"] = to_json(r.tool);
  j["run"] = to_json(r.run);
  j["configuration"] = to_json(r.configuration);
  j["status"] = to_string(r.status);
  j["summary"] = to_json(r.summary);
  j["coverage"] = to_json(r.coverage);
  if (r.untracked_files) {
    j["untracked_files"] = ordered_json::array();
    for (const auto& f : *r.untracked_files)
      j["untracked_files"].push_back({{"file", f.file}, {"why", f.why}, {"trials", f.trials}});
  }
  j["determinism"] = to_json(r.determinism);
  if (r.groups) {
    j["groups"] = ordered_json::array();
    for (const auto& g : *r.groups) j["groups"].push_back(to_json(g));
  }
  j["failures"] = ordered_json::array();
  for (const auto& f : r.failures) j["failures"].push_back(to_json(f));
  put_extra(j, r.extra);
  return j;
}

Report report_from_json(const ordered_json& doc) {
  Report r;
  r.format_version = text_of(doc, "format_version");
  r.tool = tool_of(member(doc, "tool"));
  r.run = run_of(member(doc, "run"));
  r.configuration = configuration_of(member(doc, "configuration"));
  r.status = parse_status(text_of(doc, "status"));
  r.summary = summary_of(member(doc, "summary"));
  r.coverage = coverage_of(member(doc, "coverage"));
  if (const auto& files = member(doc, "untracked_files"); files.is_array()) r.untracked_files = untracked_of(files);
  r.determinism = determinism_of(member(doc, "determinism"));
  if (const auto& groups = member(doc, "groups"); groups.is_array()) {
    r.groups.emplace();
    for (const auto& g : groups) r.groups->push_back(group_from_json(g));
  }
  if (const auto& failures = member(doc, "failures"); failures.is_array())
    for (const auto& f : failures) r.failures.push_back(failure_from_json(f));
  r.extra = extra_of(doc, {"format_version", "tool", "run", "configuration", "status", "summary", "coverage",
                           "untracked_files", "determinism", "groups", "failures"});
  return r;
}

}  // namespace faultline::reports
