// A report read back (`report show`, `report merge`, `repro --from-report`) is input from anywhere: every field the
// readers use is checked against reports/report.schema.json's types before any of them looks at it, so a bad report is
// an error that names the field (exit 2), never a bare JSON type error, a wrapped-around count or a wrong status.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "faultline/reports/model.h"
#include "faultline/reports/report.h"
#include "faultline/reports/report_model.h"

namespace faultline::reports {

namespace {

using nlohmann::ordered_json;

class Checker {
 public:
  explicit Checker(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& field, const std::string& expected, const ordered_json* got) const {
    std::string shown = got ? got->dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) : "nothing";
    if (shown.size() > 80) shown = shown.substr(0, 80) + "…";
    throw std::runtime_error(fmt::format("{}: field '{}': expected {}, got {}", source_, field, expected, shown));
  }
  const ordered_json& object(const ordered_json& parent, const std::string& path, const char* key) const {
    if (!parent.contains(key) || !parent[key].is_object()) fail(path, "an object", parent.contains(key) ? &parent[key] : nullptr);
    return parent[key];
  }
  void count(const ordered_json& parent, const std::string& path, const char* key, bool required = true) const {
    if (!parent.contains(key)) {
      if (required) fail(path, "a non-negative integer", nullptr);
      return;
    }
    if (!parent[key].is_number_unsigned()) fail(path, "a non-negative integer", &parent[key]);
  }
  void boolean(const ordered_json& parent, const std::string& path, const char* key) const {
    if (parent.contains(key) && !parent[key].is_boolean()) fail(path, "true or false", &parent[key]);
  }
  void string(const ordered_json& parent, const std::string& path, const char* key, bool required = false) const {
    if (!parent.contains(key)) {
      if (required) fail(path, "a string", nullptr);
      return;
    }
    if (!parent[key].is_string()) fail(path, "a string", &parent[key]);
  }
  void decimal(const ordered_json& parent, const std::string& path, const char* key) const {
    string(parent, path, key, true);
    const auto& s = parent[key].get_ref<const std::string&>();
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos ||
        (s.size() == 20 && s > "18446744073709551615"))
      fail(path, "a decimal string (a 64-bit seed)", &parent[key]);
  }

 private:
  const std::string& source_;
};

}  // namespace

void validate_report(const ordered_json& doc, const std::string& source) {
  const Checker c(source);
  c.string(doc, "status", "status", true);
  const auto status = doc["status"].get<std::string>();
  if (status != "pass" && status != "fail" && status != "error") c.fail("status", "\"pass\", \"fail\" or \"error\"", &doc["status"]);
  const auto& summary = c.object(doc, "summary", "summary");
  for (const char* key : {"planned", "total", "passed", "failed", "void", "errors"})
    c.count(summary, fmt::format("summary.{}", key), key, false);  // absent reads as 0
  for (const char* group : {"per_scenario", "per_violation"}) {
    if (!summary.contains(group)) continue;
    if (!summary[group].is_object()) c.fail(fmt::format("summary.{}", group), "an object", &summary[group]);
    for (const auto& [name, value] : summary[group].items()) {
      const auto path = fmt::format("summary.{}.{}", group, name);
      if (std::string(group) == "per_violation") {
        if (!value.is_number_unsigned()) c.fail(path, "a non-negative integer", &value);
        continue;
      }
      if (!value.is_object()) c.fail(path, "an object of verdict counts", &value);
      for (const auto& [verdict, n] : value.items())
        if (!n.is_number_unsigned()) c.fail(fmt::format("{}.{}", path, verdict), "a non-negative integer", &n);
    }
  }
  if (doc.contains("run")) {
    const auto& run = c.object(doc, "run", "run");
    c.boolean(run, "run.incomplete", "incomplete");
    c.string(run, "run.incomplete_reason", "incomplete_reason");
    if (run.contains("duration_s") && (!run["duration_s"].is_number() || run["duration_s"].get<double>() < 0))
      c.fail("run.duration_s", "a non-negative number", &run["duration_s"]);
  }
  const auto& config = c.object(doc, "configuration", "configuration");
  if (config.contains("seed")) c.decimal(config, "configuration.seed", "seed");
  if (config.contains("shard")) {
    const auto& shard = c.object(config, "configuration.shard", "shard");
    c.count(shard, "configuration.shard.index", "index");
    c.count(shard, "configuration.shard.count", "count");
    if (shard["count"].get<std::uint64_t>() == 0 || shard["index"].get<std::uint64_t>() >= shard["count"].get<std::uint64_t>())
      c.fail("configuration.shard", "index < count", &shard);
  }
  if (doc.contains("determinism")) {
    const auto& det = c.object(doc, "determinism", "determinism");
    c.count(det, "determinism.checked", "checked", false);
    if (det.contains("mismatches") && !det["mismatches"].is_array())
      c.fail("determinism.mismatches", "an array", &det["mismatches"]);
  }
  if (doc.contains("failures")) {
    if (!doc["failures"].is_array()) c.fail("failures", "an array", &doc["failures"]);
    for (std::size_t i = 0; i < doc["failures"].size(); ++i) {
      const auto& f = doc["failures"][i];
      const auto path = fmt::format("failures[{}]", i);
      if (!f.is_object()) c.fail(path, "an object", &f);
      c.string(f, path + ".scenario", "scenario", true);
      c.decimal(f, path + ".seed", "seed");
      c.string(f, path + ".verdict", "verdict", true);
      const auto verdict = f["verdict"].get<std::string>();
      if (verdict != "fail" && verdict != "void" && verdict != "error")
        c.fail(path + ".verdict", "\"fail\", \"void\" or \"error\"", &f["verdict"]);
      c.string(f, path + ".error", "error");
      c.string(f, path + ".trace_hash", "trace_hash");
      if (f.contains("violations")) {
        if (!f["violations"].is_array()) c.fail(path + ".violations", "an array", &f["violations"]);
        for (std::size_t j = 0; j < f["violations"].size(); ++j) {
          const auto& v = f["violations"][j];
          const auto vpath = fmt::format("{}.violations[{}]", path, j);
          if (!v.is_object()) c.fail(vpath, "an object with name and detail", &v);
          c.string(v, vpath + ".name", "name", true);
          c.string(v, vpath + ".detail", "detail");
        }
      }
      if (f.contains("repro") && !f["repro"].is_object()) c.fail(path + ".repro", "an object", &f["repro"]);
      if (f.contains("repro")) c.string(f["repro"], path + ".repro.command", "command");
    }
  }
  // The status must follow from the counts by the rule (model.h): a report that says pass next to a failure, or
  // fail without one, is not to be believed.
  const Report typed = report_from_json(doc);
  const auto listed_failures = static_cast<std::size_t>(std::count_if(
      typed.failures.begin(), typed.failures.end(), [](const Failure& f) { return f.verdict == "fail"; }));
  const auto failed = std::max<std::size_t>(typed.summary.failed, listed_failures);
  if (!status_admits(typed.status, failed, typed.summary.errors, typed.determinism.mismatches.size()))
    c.fail("status",
           fmt::format("\"{}\" (summary.failed is {}, summary.errors {}, {} failing trials listed, {} determinism "
                       "mismatches)", to_string(status_from_counts(failed, typed.summary.errors,
                                                                   typed.determinism.mismatches.size())),
                       typed.summary.failed, typed.summary.errors, listed_failures,
                       typed.determinism.mismatches.size()),
           &doc["status"]);
}

}  // namespace faultline::reports
