// Merging shard reports. A shard K/N ran the trials whose campaign index i has i % N == K (harness/campaign.h), so
// the shards of one campaign partition its trials: the merged counts are sums, the merged failures the union (their
// indices are campaign-wide), and the merged report equals the unsharded one except for timing, host and jobs.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "faultline/reports/merge.h"
#include "faultline/reports/model.h"
#include "faultline/reports/report.h"
#include "text.h"

namespace faultline::reports {

namespace {

using nlohmann::ordered_json;
using detail::count_of;
using detail::member;
using detail::text_of;

// What shards of one campaign share. Anything else (jobs, time budget, host, timing) may differ.
constexpr const char* kSharedFields[] = {
    "/tool/version",           "/tool/git_revision",         "/configuration/engine",
    "/configuration/scenarios", "/configuration/seed",        "/configuration/trials",
    "/configuration/seed_range", "/configuration/corpus_entries", "/configuration/timeouts",
    "/configuration/shard/count"};

struct Input {
  const ordered_json* doc;
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

std::vector<Input> check_inputs(const std::vector<ordered_json>& reports, const std::vector<std::string>& sources) {
  if (reports.empty()) throw MergeError("nothing to merge: give at least one report");
  std::vector<Input> inputs;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    Input in{&reports[i], i < sources.size() ? sources[i] : fmt::format("report #{}", i + 1)};
    if (!reports[i].is_object()) throw MergeError(fmt::format("{}: not a report (expected a JSON object)", in.source));
    for (const char* field : {"/summary", "/failures", "/run", "/configuration/shard/index"}) at(reports[i], field, in.source);
    const auto& index = at(reports[i], "/configuration/shard/index", in.source);
    if (!index.is_number_unsigned() && !(index.is_number_integer() && index.get<std::int64_t>() >= 0))
      throw MergeError(fmt::format("{}: field 'configuration.shard.index' is {}, expected a shard number",
                                   in.source, brief(index)));
    in.shard = index.get<std::size_t>();
    inputs.push_back(std::move(in));
  }
  const Input& first = inputs.front();
  for (const auto& in : inputs) {
    for (const char* field : kSharedFields) {
      // Compared as plain JSON, so key order does not matter.
      const nlohmann::json a = at(*first.doc, field, first.source), b = at(*in.doc, field, in.source);
      if (a != b)
        throw MergeError(fmt::format("{}: field '{}' is {} but {} in {}: only shards of one campaign can be merged "
                                     "(same engine, scenarios, seed, trials or seeds, corpus, timeouts, shard count "
                                     "and faultline version)", in.source, dotted(field), brief(b), brief(a), first.source));
    }
  }
  const auto count = count_of(member(member(*first.doc, "configuration"), "shard"), "count");
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

// Adds `from` into `into`: numbers are summed, objects merged key by key, anything else kept from the first.
void add_counts(ordered_json& into, const ordered_json& from) {
  if (into.is_null()) {
    into = from;
  } else if (into.is_object() && from.is_object()) {
    for (const auto& [key, value] : from.items()) add_counts(into[key], value);
  } else if (into.is_number_integer() && from.is_number_integer() && !into.is_number_float()) {
    into = into.get<std::uint64_t>() + from.get<std::uint64_t>();
  } else if (into.is_number() && from.is_number()) {
    into = into.get<double>() + from.get<double>();
  }
}

// Sums per-name counts into a std::map, so that keys come out sorted as the campaign's own maps write them.
ordered_json sorted_sum(const std::vector<Input>& inputs, const char* field) {
  std::map<std::string, ordered_json> sums;
  for (const auto& in : inputs) {
    const auto& part = member(member(*in.doc, "summary"), field);
    if (!part.is_object()) continue;
    for (const auto& [key, value] : part.items()) add_counts(sums[key], value);
  }
  ordered_json out = ordered_json::object();
  for (auto& [key, value] : sums) out[key] = std::move(value);
  return out;
}

ordered_json merged_summary(const std::vector<Input>& inputs) {
  ordered_json s = ordered_json::object();
  for (const char* key : {"planned", "total", "passed", "failed", "void", "errors"}) {
    std::size_t sum = 0;
    for (const auto& in : inputs) sum += count_of(member(*in.doc, "summary"), key);
    s[key] = sum;
  }
  s["per_scenario"] = sorted_sum(inputs, "per_scenario");
  for (auto& [name, counts] : s["per_scenario"].items())  // the campaign writes all four verdicts, in this order
    counts = ordered_json{{"pass", counts.value("pass", 0)}, {"fail", counts.value("fail", 0)},
                          {"void", counts.value("void", 0)}, {"error", counts.value("error", 0)}};
  s["per_violation"] = sorted_sum(inputs, "per_violation");
  return s;
}

std::string status_of(const ordered_json& summary, const ordered_json& determinism) {
  const auto& mismatches = member(determinism, "mismatches");
  return to_string(status_from_counts(count_of(summary, "failed"), count_of(summary, "errors"),
                                      mismatches.is_array() ? mismatches.size() : 0));
}

ordered_json merged_run(const std::vector<Input>& inputs, std::size_t shard_count) {
  ordered_json run = member(*inputs.front().doc, "run");
  std::string started = text_of(run, "started_at");
  double duration = 0;
  std::vector<std::string> reasons;
  ordered_json from = ordered_json::array();
  std::set<std::size_t> present;
  for (const auto& in : inputs) {
    const auto& r = member(*in.doc, "run");
    const auto s = text_of(r, "started_at");
    if (!s.empty() && (started.empty() || s < started)) started = s;  // RFC 3339 UTC strings sort by time
    duration = std::max(duration, detail::seconds_of(r, "duration_s"));
    const bool incomplete = member(r, "incomplete").is_boolean() && member(r, "incomplete").get<bool>();
    if (incomplete)
      reasons.push_back(fmt::format("shard {}/{}: {}", in.shard, shard_count, text_of(r, "incomplete_reason")));
    present.insert(in.shard);
    from.push_back({{"source", in.source}, {"shard", in.shard}, {"host", text_of(r, "host")},
                    {"started_at", text_of(r, "started_at")}, {"duration_s", detail::seconds_of(r, "duration_s")},
                    {"status", text_of(*in.doc, "status")}, {"incomplete", incomplete}});
  }
  std::vector<std::string> missing;
  for (std::size_t k = 0; k < shard_count; ++k)
    if (!present.count(k)) missing.push_back(std::to_string(k));
  if (!missing.empty())
    reasons.push_back(fmt::format("shard{} {} of {} missing", missing.size() > 1 ? "s" : "", fmt::join(missing, ", "),
                                  shard_count));
  run["started_at"] = started;
  run["duration_s"] = duration;
  run["incomplete"] = !reasons.empty();
  run["incomplete_reason"] = fmt::format("{}", fmt::join(reasons, "; "));
  run["merged_from"] = from;
  return run;
}

// Files left out of the model (docs/faults.md, "Files the shim cannot follow"): each shard names those its own trials
// met, so the merged list is their union, sorted by file, with the trials summed and the reason of the lowest shard.
ordered_json merged_untracked(const std::vector<Input>& inputs) {
  std::map<std::string, ordered_json> files;
  for (const auto& in : inputs) {
    const auto& list = member(*in.doc, "untracked_files");
    if (!list.is_array()) continue;
    for (const auto& entry : list) {
      if (!entry.is_object()) continue;
      const auto file = text_of(entry, "file");
      auto& into = files[file];
      if (into.is_null())
        into = ordered_json{{"file", file}, {"why", text_of(entry, "why")}, {"trials", count_of(entry, "trials")}};
      else
        into["trials"] = into["trials"].get<std::size_t>() + count_of(entry, "trials");
    }
  }
  ordered_json out = ordered_json::array();
  for (auto& [file, entry] : files) out.push_back(std::move(entry));
  return out;
}

}  // namespace

ordered_json merge_reports(const std::vector<ordered_json>& reports, const std::vector<std::string>& sources) {
  const auto inputs = check_inputs(reports, sources);
  const auto& first = *inputs.front().doc;
  const auto shard_count = std::max<std::size_t>(1, count_of(member(member(first, "configuration"), "shard"), "count"));

  ordered_json merged = first;  // fields this version does not know come from the lowest shard
  merged["format_version"] = kFormatVersion;
  merged["run"] = merged_run(inputs, shard_count);
  merged["configuration"]["shard"] = {{"index", 0}, {"count", 1}};
  merged["summary"] = merged_summary(inputs);

  ordered_json coverage = ordered_json::object();
  ordered_json determinism{{"checked", 0}, {"mismatches", ordered_json::array()}};
  std::vector<Failure> failures;
  for (const auto& in : inputs) {
    const auto& cov = member(*in.doc, "coverage");
    if (cov.is_object()) add_counts(coverage, cov);
    const auto& det = member(*in.doc, "determinism");
    determinism["checked"] = determinism["checked"].get<std::size_t>() + count_of(det, "checked");
    if (member(det, "mismatches").is_array())
      for (const auto& m : det["mismatches"]) determinism["mismatches"].push_back(m);
    for (auto& f : failures_of(*in.doc)) failures.push_back(std::move(f));
  }
  std::stable_sort(failures.begin(), failures.end(),
                   [](const Failure& a, const Failure& b) { return a.index < b.index; });
  merged["coverage"] = coverage;
  merged["determinism"] = determinism;
  merged["failures"] = ordered_json::array();
  for (const auto& f : failures) merged["failures"].push_back(to_json(f));
  if (std::any_of(inputs.begin(), inputs.end(), [](const Input& in) { return in.doc->contains("untracked_files"); }))
    merged["untracked_files"] = merged_untracked(inputs);
  merged["status"] = status_of(merged["summary"], determinism);
  add_groups(merged);  // from the merged failures: the groups the unsharded campaign would have written
  return merged;
}

}  // namespace faultline::reports
