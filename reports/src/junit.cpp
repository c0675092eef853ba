// JUnit XML as GitLab and Jenkins read it (docs/design-notes.md §4): GitLab reads testsuite@name,time and
// testcase@classname,name,time with <failure>/<error>/<skipped>/<system-out>; Jenkins requires testsuite@name,tests.
// Every piece of text goes through clean_text: XML 1.0 has no escape for most control characters.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "faultline/reports/ci.h"
#include "faultline/reports/model.h"
#include "faultline/reports/report_model.h"
#include "text.h"

namespace faultline::reports {

namespace {

using nlohmann::ordered_json;
using namespace detail;

constexpr std::size_t kMessageMaxBytes = 1024;
constexpr std::size_t kScenarioSeedsListed = 20;

std::string xml(std::string_view text, bool attribute) {
  const std::string clean = clean_text(text);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;  // also keeps "]]>" out of character data
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&apos;" : "'"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;  // attribute values would be normalised to spaces
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: out += c;
    }
  }
  return out;
}

std::string attr(std::string_view text) { return xml(text, true); }
std::string body(std::string_view text) { return xml(text, false); }

struct Case {
  std::string name;
  std::string time;     // empty: no time attribute
  std::string outcome;  // "", "failure", "error", "skipped"
  std::string message, type, details;
  std::string system_out;
};

std::string failure_details(const Failure& f) {
  std::string out = fmt::format("{} seed {} (trial #{}): {}\n", f.scenario, f.seed, f.index, f.verdict);
  if (!f.violations.empty()) {
    out += "violations:\n";
    for (const auto& v : f.violations) out += fmt::format("  - {}: {}\n", v.name, v.detail);
  }
  if (f.error && !f.error->empty()) out += fmt::format("harness error: {}\n", *f.error);
  out += fmt::format("reproduce:\n  {}\n", f.repro.command);
  const std::pair<const char*, ordered_json> parts[] = {{"expected", to_json(f.expected)},
                                                        {"observed", to_json(f.observed)},
                                                        {"faults", to_json(f.faults)},
                                                        {"coverage", to_json(f.coverage)}};
  for (const auto& [key, part] : parts)
    if (!part.empty()) out += fmt::format("{}: {}\n", key, part_json(part));
  if (!f.trace_hash.empty()) out += fmt::format("trace hash: {}\n", f.trace_hash);
  if (f.artifacts && !f.artifacts->empty()) out += fmt::format("artifacts: {}\n", *f.artifacts);
  if (!f.hexdump.empty()) out += fmt::format("hexdump before recovery:\n{}\n", f.hexdump);
  return out;
}

std::string engine_log(const Failure& f) {
  std::string out;
  for (const auto& line : f.engine_log) out += line + "\n";
  return out;
}

std::string scenario_counts(const Group& g) {
  std::string out;
  for (const auto& [name, n] : g.scenarios) out += fmt::format("{}{} ×{}", out.empty() ? "" : ", ", name, n);
  return out;
}

std::string pointer_text(const TrialPointer& t) {
  std::string out = fmt::format("{} seed {} (trial #{}", t.scenario, t.seed, t.index);
  if (t.operations) out += fmt::format(", {} operations", *t.operations);
  return out + ")";
}

// One test case per cause: failure (fail), error (harness error) or skipped (void), counted once however many
// trials share the signature.
Case group_case(const Group& g, const std::vector<Failure>& failures) {
  Case c;
  c.name = fmt::format("{} [{}]", g.title, g.signature.substr(0, 8));
  const Failure* smallest = failure_at(failures, g.smallest.index);
  const std::string headline = smallest ? failure_headline(*smallest) : g.title;
  const char* plural = g.count == 1 ? "" : "s";
  if (g.verdict == "void") {
    c.outcome = "skipped";
    c.message = shorten(one_line(fmt::format("{} void trial{}: the fault never fired ({})", g.count, plural, headline)),
                        kMessageMaxBytes);
    return c;
  }
  c.message = shorten(one_line(fmt::format("{} trial{} ({}): {}", g.count, plural, scenario_counts(g), headline)),
                      kMessageMaxBytes);
  c.outcome = g.verdict == "fail" ? "failure" : "error";
  c.type = g.verdict == "fail" ? (g.violations.empty() ? "fail" : g.violations.front()) : "harness-error";
  double seconds = 0;
  std::string others;
  std::size_t listed = 0, more = 0;
  for (const auto& f : failures) {
    if (f.signature != g.signature) continue;
    seconds += f.seconds;
    if (f.index == g.smallest.index) continue;
    if (listed == kScenarioSeedsListed) {
      ++more;
      continue;
    }
    ++listed;
    others += fmt::format("{} seed {}: reproduce: {}\n", f.scenario, f.seed, f.repro.command);
  }
  if (more) others += fmt::format("… and {} more in the JSON report\n", more);
  c.time = fmt::format("{:.3f}", seconds);
  c.details = fmt::format("cause: {}\nsignature: {}\n{} trial{}: {}\nfirst: {}\nsmallest: {}\nreproduce (smallest):\n  {}\n",
                          g.title, g.signature, g.count, plural, scenario_counts(g), pointer_text(g.first),
                          pointer_text(g.smallest), g.repro.command);
  if (g.bundle) c.details += fmt::format("shrunk bundle: {}\n", *g.bundle);
  if (g.shrink) c.details += fmt::format("shrink: {}\n", describe_shrink(*g.shrink));
  if (smallest) c.details += "\nthe smallest trial:\n" + failure_details(*smallest);
  if (!others.empty()) c.details += "\nother trials with this signature:\n" + others;
  if (smallest) c.system_out = engine_log(*smallest);
  return c;
}

// A scenario none of whose trials failed or erred: passed, or skipped when all were void or none ran. A scenario
// with failures has no case of its own: its trials are counted in the cases of their causes.
std::optional<Case> scenario_case(const std::string& name, const VerdictCounts& counts) {
  Case c;
  c.name = name;
  const auto total = counts.pass + counts.fail + counts.void_ + counts.error;
  if (counts.fail > 0 || counts.error > 0) return std::nullopt;
  if (total == 0) {
    c.outcome = "skipped";
    c.message = "no trial of this scenario ran (sharding, time budget or interruption)";
  } else if (counts.pass == 0) {
    c.outcome = "skipped";
    c.message = fmt::format("all {} trials were void: the fault never fired", counts.void_);
  } else {
    c.system_out = fmt::format("{} trials: {} passed, {} void\n", total, counts.pass, counts.void_);
  }
  return c;
}

Case determinism_case(const Determinism& determinism) {
  Case c;
  c.name = "determinism";
  if (!determinism.mismatches.empty()) {
    c.outcome = "error";
    c.type = "nondeterministic-trial";
    c.message = fmt::format("{} of {} rerun trials gave a different trace hash", determinism.mismatches.size(),
                            determinism.checked);
    for (const auto& m : determinism.mismatches)
      c.details += fmt::format("{} seed {}: {} ({}) then {} ({})\n", m.scenario, m.seed, m.first, m.first_verdict,
                               m.second, m.second_verdict);
  }
  return c;
}

std::vector<Case> all_cases(const Report& report) {
  std::vector<Case> cases;
  std::set<std::string> names;
  auto add = [&](Case c) {
    const std::string base = c.name;
    for (int n = 2; names.count(c.name); ++n) c.name = fmt::format("{} ({})", base, n);
    names.insert(c.name);
    cases.push_back(std::move(c));
  };
  const auto failures = signed_failures(report);
  for (const auto& g : groups_of(report)) add(group_case(g, failures));  // with run --shrink's bundles
  const auto& per_scenario = report.summary.per_scenario;
  std::vector<std::string> scenarios = report.configuration.scenarios;
  for (const auto& [name, counts] : per_scenario)
    if (std::find(scenarios.begin(), scenarios.end(), name) == scenarios.end()) scenarios.push_back(name);
  std::set<std::string> seen;
  for (const auto& s : scenarios) {
    if (!seen.insert(s).second) continue;
    const auto* counts = find_entry(per_scenario, s);
    if (auto c = scenario_case(s, counts ? *counts : VerdictCounts{})) add(std::move(*c));
  }
  if (report.determinism.checked > 0 || !report.determinism.mismatches.empty())
    add(determinism_case(report.determinism));
  return cases;
}

std::string render_case(const std::string& classname, const Case& c) {
  std::string out = fmt::format("    <testcase classname=\"{}\" name=\"{}\"", attr(classname), attr(c.name));
  if (!c.time.empty()) out += fmt::format(" time=\"{}\"", c.time);
  if (c.outcome.empty() && c.system_out.empty()) return out + "/>\n";
  out += ">\n";
  if (c.outcome == "skipped") {
    out += fmt::format("      <skipped message=\"{}\"/>\n", attr(c.message));
  } else if (!c.outcome.empty()) {
    out += fmt::format("      <{0} message=\"{1}\" type=\"{2}\">{3}</{0}>\n", c.outcome, attr(c.message), attr(c.type),
                       body(c.details));
  }
  if (!c.system_out.empty()) out += fmt::format("      <system-out>{}</system-out>\n", body(c.system_out));
  return out + "    </testcase>\n";
}

std::string property(const char* name, const std::string& value) {
  return fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, attr(value));
}

}  // namespace

std::string render_junit(const Report& report) {
  const auto cases = all_cases(report);
  std::size_t failures = 0, errors = 0, skipped = 0;
  for (const auto& c : cases) {
    failures += c.outcome == "failure";
    errors += c.outcome == "error";
    skipped += c.outcome == "skipped";
  }
  const auto& config = report.configuration;
  const auto& run = report.run;
  const std::string suite = "faultline." + (config.engine.name.empty() ? std::string("engine") : config.engine.name);
  const std::string time = fmt::format("{:.3f}", run.duration_s);
  std::string timestamp = run.started_at;
  if (!timestamp.empty() && timestamp.back() == 'Z') timestamp.pop_back();  // Ant's format: UTC without a zone

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"faultline\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
                     "time=\"{}\">\n", cases.size(), failures, errors, skipped, time);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"",
                     attr(suite), cases.size(), failures, errors, skipped, time);
  if (!timestamp.empty()) out += fmt::format(" timestamp=\"{}\"", attr(timestamp));
  if (!run.host.empty()) out += fmt::format(" hostname=\"{}\"", attr(run.host));
  out += ">\n    <properties>\n";
  out += property("status", to_string(report.status));
  out += property("format_version", report.format_version);
  out += property("seed", config.seed);
  out += property("engine", config.engine.command);
  out += property("shard", fmt::format("{}/{}", config.shard.index, std::max<std::size_t>(1, config.shard.count)));
  out += property("faultline", fmt::format("{} ({})", report.tool.version, report.tool.git_revision));
  if (run.incomplete) out += property("incomplete", run.incomplete_reason);
  out += "    </properties>\n";
  for (const auto& c : cases) out += render_case(suite, c);
  if (run.incomplete)
    out += fmt::format("    <system-out>campaign incomplete: {}</system-out>\n", body(run.incomplete_reason));
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string render_junit(const ordered_json& report) { return render_junit(report_from_json(report)); }

}  // namespace faultline::reports
