// Merging shard reports. A shard K/N ran the trials whose campaign index i has i % N == K (harness/campaign.h), so
// the shards of one campaign partition its trials: the merged counts are sums, the merged failures the union (their
// indices are campaign-wide), and the merged report equals the unsharded one except for timing, host and jobs.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "faultline/reports/merge.h"
#include "faultline/reports/model.h"
#include "faultline/reports/report_model.h"
#include "faultline/reports/report.h"
#include "text.h"

namespace faultline::reports {

namespace {

using nlohmann::ordered_json;

// What shards of one campaign share, read from the typed report and compared as values (so key order does not
// matter). Anything else (jobs, time budget, host, timing) may differ.
struct SharedField {
  const char* pointer;                   // where it is in the document: it must be there
  ordered_json (*value)(const Report&);  // its value, as JSON for the message that names a difference
};
constexpr SharedField kSharedFields[] = {
    {"/tool/version", [](const Report& r) { return ordered_json(r.tool.version); }},
    {"/tool/git_revision", [](const Report& r) { return ordered_json(r.tool.git_revision); }},
    {"/configuration/engine", [](const Report& r) { return to_json(r.configuration.engine); }},
    {"/configuration/scenarios", [](const Report& r) { return ordered_json(r.configuration.scenarios); }},
    {"/configuration/seed", [](const Report& r) { return ordered_json(r.configuration.seed); }},
    {"/configuration/trials", [](const Report& r) { return to_json(r.configuration)["trials"]; }},
    {"/configuration/seed_range", [](const Report& r) { return to_json(r.configuration)["seed_range"]; }},
    {"/configuration/corpus_entries", [](const Report& r) { return ordered_json(r.configuration.corpus_entries); }},
    {"/configuration/timeouts", [](const Report& r) { return to_json(r.configuration)["timeouts"]; }},
    {"/configuration/shard/count", [](const Report& r) { return ordered_json(r.configuration.shard.count); }}};

struct Input {
  Report report;
  std::string source;
  std::size_t shard = 0;
};

std::string dotted(std::string_view pointer) {
  std::string out(pointer.substr(1));
  std::replace(out.begin(), out.end(), '/', '.');
  return out;
}

const ordered_json& at(const ordered_json& doc, const char* pointer, const std::string& source) {
  const ordered_json::json_pointer p(pointer);
  if (!doc.contains(p)) throw MergeError(fmt::format("{}: field '{}' is missing", source, dotted(pointer)));
  return doc.at(p);
}

std::string brief(const ordered_json& v) {
  return detail::shorten(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 200);
}

// A shard's document has what merging needs, as the schema types it; then it is read into the typed report.
Input read_input(const ordered_json& doc, const std::string& source) {
  if (!doc.is_object()) throw MergeError(fmt::format("{}: not a report (expected a JSON object)", source));
  for (const char* field : {"/summary", "/failures", "/run", "/configuration/shard/index"}) at(doc, field, source);
  for (const auto& field : kSharedFields) at(doc, field.pointer, source);
  const auto& index = at(doc, "/configuration/shard/index", source);
  if (!index.is_number_unsigned() && !(index.is_number_integer() && index.get<std::int64_t>() >= 0))
    throw MergeError(fmt::format("{}: field 'configuration.shard.index' is {}, expected a shard number", source,
                                 brief(index)));
  Input in{report_from_json(doc), source};
  in.shard = in.report.configuration.shard.index;
  return in;
}

std::vector<Input> check_inputs(const std::vector<ordered_json>& reports, const std::vector<std::string>& sources) {
  if (reports.empty()) throw MergeError("nothing to merge: give at least one report");
  std::vector<Input> inputs;
  for (std::size_t i = 0; i < reports.size(); ++i)
    inputs.push_back(read_input(reports[i], i < sources.size() ? sources[i] : fmt::format("report #{}", i + 1)));
  const Input& first = inputs.front();
  for (const auto& in : inputs) {
    for (const auto& field : kSharedFields) {
      const auto a = field.value(first.report), b = field.value(in.report);
      if (a != b)
        throw MergeError(fmt::format("{}: field '{}' is {} but {} in {}: only shards of one campaign can be merged "
                                     "(same engine, scenarios, seed, trials or seeds, corpus, timeouts, shard count "
                                     "and faultline version)", in.source, dotted(field.pointer), brief(b), brief(a),
                                     first.source));
    }
  }
  const auto count = first.report.configuration.shard.count;
  std::map<std::size_t, const Input*> seen;
  for (const auto& in : inputs) {
    if (in.shard >= std::max<std::size_t>(1, count))
      throw MergeError(fmt::format("{}: field 'configuration.shard.index' is {} but the shard count is {}", in.source,
                                   in.shard, count));
    const auto [it, fresh] = seen.emplace(in.shard, &in);
    if (!fresh)
      throw MergeError(fmt::format("{}: shard {}/{} is also in {}: give each shard once", in.source, in.shard, count,
                                   it->second->source));
  }
  std::stable_sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.shard < b.shard; });
  return inputs;
}

void add_counts(Counts& into, const Counts& from) {
  for (const auto& [key, n] : from) entry(into, key) += n;
}

// The sums of the shards' counts; per-name tables come out sorted, as the campaign's own maps write them.
Summary merged_summary(const std::vector<Input>& inputs) {
  Summary s;
  s.extra = inputs.front().report.summary.extra;
  std::map<std::string, VerdictCounts> per_scenario;
  std::map<std::string, std::uint64_t> per_violation;
  for (const auto& in : inputs) {
    const auto& part = in.report.summary;
    s.planned += part.planned;
    s.total += part.total;
    s.passed += part.passed;
    s.failed += part.failed;
    s.voided += part.voided;
    s.errors += part.errors;
    for (const auto& [name, c] : part.per_scenario) {
      auto& sum = per_scenario[name];
      sum = {sum.pass + c.pass, sum.fail + c.fail, sum.void_ + c.void_, sum.error + c.error};
    }
    for (const auto& [name, n] : part.per_violation) per_violation[name] += n;
  }
  s.per_scenario.assign(per_scenario.begin(), per_scenario.end());
  s.per_violation.assign(per_violation.begin(), per_violation.end());
  return s;
}

// Coverage summed kind by kind, in the lowest shard's order with kinds and keys only later shards met after it.
CampaignCoverage merged_coverage(const std::vector<Input>& inputs) {
  CampaignCoverage out;
  for (const auto& in : inputs)
    for (const auto& [kind, c] : in.report.coverage) {
      auto& sum = entry(out, kind);
      sum.trials += c.trials;
      sum.fired += c.fired;
      add_counts(sum.fields, c.fields);
      add_counts(sum.record_position, c.record_position);
      add_counts(sum.files, c.files);
      add_counts(sum.writes, c.writes);
      add_counts(sum.regions, c.regions);
      add_counts(sum.rewrites, c.rewrites);
    }
  return out;
}

RunInfo merged_run(const std::vector<Input>& inputs, std::size_t shard_count) {
  RunInfo run = inputs.front().report.run;
  std::vector<std::string> reasons;
  std::vector<MergedShard> from;
  std::set<std::size_t> present;
  run.duration_s = 0;
  for (const auto& in : inputs) {
    const auto& r = in.report.run;
    const auto& s = r.started_at;
    if (!s.empty() && (run.started_at.empty() || s < run.started_at)) run.started_at = s;  // RFC 3339 UTC sorts by time
    run.duration_s = std::max(run.duration_s, r.duration_s);
    if (r.incomplete) reasons.push_back(fmt::format("shard {}/{}: {}", in.shard, shard_count, r.incomplete_reason));
    present.insert(in.shard);
    from.push_back({in.source, in.shard, r.host, r.started_at, r.duration_s, to_string(in.report.status),
                    r.incomplete});
  }
  std::vector<std::string> missing;
  for (std::size_t k = 0; k < shard_count; ++k)
    if (!present.count(k)) missing.push_back(std::to_string(k));
  if (!missing.empty())
    reasons.push_back(fmt::format("shard{} {} of {} missing", missing.size() > 1 ? "s" : "", fmt::join(missing, ", "),
                                  shard_count));
  run.incomplete = !reasons.empty();
  run.incomplete_reason = fmt::format("{}", fmt::join(reasons, "; "));
  run.merged_from = std::move(from);
  return run;
}

// Files left out of the model (docs/faults.md, "Files the shim cannot follow"): each shard names those its own trials
// met, so the merged list is their union, sorted by file, with the trials summed and the reason of the lowest shard.
std::vector<UntrackedFile> merged_untracked(const std::vector<Input>& inputs) {
  std::map<std::string, UntrackedFile> files;
  for (const auto& in : inputs) {
    if (!in.report.untracked_files) continue;
    for (const auto& f : *in.report.untracked_files) {
      const auto [it, fresh] = files.emplace(f.file, f);
      if (!fresh) it->second.trials += f.trials;
    }
  }
  std::vector<UntrackedFile> out;
  for (auto& [file, entry] : files) out.push_back(std::move(entry));
  return out;
}

}  // namespace

ordered_json merge_reports(const std::vector<ordered_json>& reports, const std::vector<std::string>& sources) {
  const auto inputs = check_inputs(reports, sources);
  const auto shard_count = std::max<std::size_t>(1, inputs.front().report.configuration.shard.count);
  Report merged = inputs.front().report;  // fields this version does not know come from the lowest shard
  merged.format_version = kFormatVersion;
  merged.run = merged_run(inputs, shard_count);
  merged.configuration.shard = {0, 1};
  merged.summary = merged_summary(inputs);
  merged.coverage = merged_coverage(inputs);
  merged.determinism = {};
  merged.failures.clear();
  for (const auto& in : inputs) {
    merged.determinism.checked += in.report.determinism.checked;
    for (const auto& m : in.report.determinism.mismatches) merged.determinism.mismatches.push_back(m);
    for (auto& f : signed_failures(in.report)) merged.failures.push_back(std::move(f));
  }
  std::stable_sort(merged.failures.begin(), merged.failures.end(),
                   [](const Failure& a, const Failure& b) { return a.index < b.index; });
  if (std::any_of(inputs.begin(), inputs.end(), [](const Input& in) { return in.report.untracked_files.has_value(); }))
    merged.untracked_files = merged_untracked(inputs);
  merged.status = status_from_counts(merged.summary.failed, merged.summary.errors,
                                     merged.determinism.mismatches.size());
  add_groups(merged);  // from the merged failures: the groups the unsharded campaign would have written
  return to_json(merged);
}

}  // namespace faultline::reports
