// GitHub Actions outputs (docs/design-notes.md §4): Markdown for $GITHUB_STEP_SUMMARY, capped at 1 MiB per step, and
// workflow commands, of which GitHub shows at most 10 error annotations per step. Engine output is untrusted text: it is
// cleaned, escaped in prose, and fenced with a fence longer than any backtick run inside it.
#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "faultline/reports/ci.h"
#include "faultline/reports/model.h"
#include "faultline/reports/report_model.h"
#include "text.h"

namespace faultline::reports {

namespace {

using nlohmann::ordered_json;
using namespace detail;

constexpr std::size_t kFailuresShown = 20;
constexpr std::size_t kProseMaxBytes = 2000;
constexpr std::size_t kBlockMaxBytes = 6000;
constexpr std::size_t kAnnotationMaxBytes = 4000;
constexpr std::size_t kTailReserveBytes = 1000;

// Inline Markdown: one line, with the characters that start emphasis, code, links, HTML, tables or headings escaped.
std::string md(std::string_view text, std::size_t max_bytes = kProseMaxBytes) {
  return escape_markdown(shorten(one_line(clean_text(text)), max_bytes));
}

std::string fenced(std::string_view text, const char* lang) {
  const std::string clean = shorten(clean_text(text), kBlockMaxBytes);
  std::size_t longest = 0, run = 0;
  for (char c : clean) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  std::string out = fence + lang + "\n" + clean;
  if (!clean.empty() && clean.back() != '\n') out += '\n';
  return out + fence + "\n";
}

const char* status_heading(Status status) {
  return status == Status::kPass ? "✅ Faultline: PASS" : status == Status::kFail ? "❌ Faultline: FAIL" : "⚠️ Faultline: ERROR";
}

std::string overview(const Report& report) {
  const auto& s = report.summary;
  const auto& run = report.run;
  const auto& shard = report.configuration.shard;
  std::string out = fmt::format("## {}\n\n", status_heading(report.status));
  out += fmt::format("**{} trials**: {} passed, {} failed, {} void, {} errors in {:.1f} s\n\n", s.total, s.passed,
                     s.failed, s.voided, s.errors, run.duration_s);
  std::string where = fmt::format("engine {} · campaign seed {}", md(report.configuration.engine.name),
                                  md(report.configuration.seed));
  if (run.merged_from && !run.merged_from->empty())
    where += fmt::format(" · merged from {} shards", run.merged_from->size());
  else if (shard.count > 1)
    where += fmt::format(" · shard {}/{}", shard.index, shard.count);
  out += where + "\n\n";
  if (run.incomplete) out += fmt::format("> ⚠️ **Incomplete**: {}\n\n", md(run.incomplete_reason));
  return out;
}

std::string scenario_table(const Report& report) {
  const auto& per_scenario = report.summary.per_scenario;
  if (per_scenario.empty()) return "";
  std::string out = "| scenario | | pass | fail | void | error |\n|---|---|--:|--:|--:|--:|\n";
  for (const auto& [name, c] : per_scenario) {
    const bool bad = c.fail + c.error > 0;
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", md(name), bad ? "❌" : "✅", c.pass, c.fail, c.void_, c.error);
  }
  return out + "\n";
}

std::string violation_table(const Report& report) {
  const auto& per_violation = report.summary.per_violation;
  if (per_violation.empty()) return "";
  std::string out = "### Violations\n\n| violation | trials |\n|---|--:|\n";
  for (const auto& [name, n] : per_violation) out += fmt::format("| {} | {} |\n", md(name), n);
  return out + "\nWhat each name means: docs/violations.md\n\n";
}

std::string determinism_block(const Report& report) {
  const auto& mismatches = report.determinism.mismatches;
  if (mismatches.empty()) return "";
  std::string out = fmt::format("### ⚠️ {} trials are not deterministic\n\n", mismatches.size());
  for (const auto& m : mismatches)
    out += fmt::format("- {} seed {}: trace {} ({}) then {} ({})\n", md(m.scenario), md(m.seed), md(m.first),
                       md(m.first_verdict), md(m.second), md(m.second_verdict));
  return out + "\n";
}

std::string failure_block(const Failure& f) {
  std::string out = fmt::format("#### {} {} seed {}\n\n", f.verdict == "fail" ? "❌" : "⚠️", md(f.scenario), md(f.seed));
  for (const auto& v : f.violations) out += fmt::format("- **{}**: {}\n", md(v.name), md(v.detail));
  if (f.error && !f.error->empty()) out += fmt::format("- **harness error**: {}\n", md(*f.error));
  out += "\nReproduce:\n\n" + fenced(f.repro.command, "sh") + "\n";
  std::string more;
  const std::pair<const char*, ordered_json> parts[] = {
      {"expected", to_json(f.expected)}, {"observed", to_json(f.observed)}, {"faults", to_json(f.faults)}};
  for (const auto& [key, part] : parts)
    if (!part.empty()) more += fmt::format("{}:\n\n{}\n", key, fenced(part_json(part), "json"));
  if (!f.engine_log.empty()) {
    std::string lines;
    for (const auto& l : f.engine_log) lines += l + "\n";
    more += "engine log:\n\n" + fenced(lines, "text") + "\n";
  }
  if (!f.hexdump.empty()) more += "hexdump before recovery:\n\n" + fenced(f.hexdump, "text") + "\n";
  if (!more.empty()) out += "<details><summary>details</summary>\n\n" + more + "</details>\n\n";
  return out;
}

// The causes of failing and erroring trials, largest first (void groups are counted, not shown), each with the
// entry of its smallest trial.
struct Cause {
  Group group;
  std::optional<Failure> smallest;
};

std::vector<Cause> shown_causes(const Report& report) {
  std::vector<Cause> out;
  const auto failures = signed_failures(report);
  for (auto& g : groups_of(report)) {
    if (g.verdict == "void") continue;
    const Failure* smallest = failure_at(failures, g.smallest.index);
    out.push_back({std::move(g), smallest ? std::optional<Failure>(*smallest) : std::nullopt});
  }
  return out;
}

std::string scenario_counts(const Group& g) {
  std::string out;
  for (const auto& [name, n] : g.scenarios) out += fmt::format("{}{} ×{}", out.empty() ? "" : ", ", name, n);
  return out;
}

std::string cause_table(const std::vector<Cause>& causes) {
  if (causes.empty()) return "";
  std::string out = fmt::format("### {} cause{} (failures grouped by signature)\n\n| | trials | cause | scenarios | "
                                "smallest trial | shrink |\n|---|--:|---|---|---|---|\n", causes.size(), causes.size() == 1 ? "" : "s");
  std::size_t rows = 0;
  for (const auto& c : causes) {
    if (rows++ == kFailuresShown) {
      out += fmt::format("| | | _… and {} more causes in the JSON report_ | | | |\n", causes.size() - kFailuresShown);
      break;
    }
    const auto& g = c.group;
    out += fmt::format("| {} | {} | {} `{}` | {} | {} seed {} | {} |\n", g.verdict == "fail" ? "❌" : "⚠️", g.count,
                       md(g.title), g.signature.substr(0, 8), md(scenario_counts(g)), md(g.smallest.scenario),
                       md(g.smallest.seed), g.shrink ? md(g.shrink->status) : "");
  }
  return out + "\n";
}

std::string cause_block(const Cause& c) {
  const auto& g = c.group;
  std::string out = fmt::format("#### {} {}× {}\n\nsignature `{}` · {} · first: {} seed {} · smallest: {} seed {}{}\n\n",
                                g.verdict == "fail" ? "❌" : "⚠️", g.count, md(g.title), g.signature,
                                md(scenario_counts(g)), md(g.first.scenario), md(g.first.seed), md(g.smallest.scenario),
                                md(g.smallest.seed),
                                g.smallest.operations ? fmt::format(" ({} operations)", *g.smallest.operations) : "");
  if (c.smallest) {
    std::string block = failure_block(*c.smallest);
    out += block.substr(block.find('\n') + 1);  // the trial's own heading is replaced by the cause's
  } else {
    out += "Reproduce:\n\n" + fenced(g.repro.command, "sh") + "\n";
  }
  if (g.bundle) out += fmt::format("Shrunk bundle: `{}`\n\n", md(*g.bundle));
  if (g.shrink) out += fmt::format("Shrink: {}\n\n", md(describe_shrink(*g.shrink)));
  return out;
}

// Workflow-command escaping: data escapes %, CR and LF; a property value also ':' and ','.
std::string command_escape(std::string_view text, bool property) {
  std::string out;
  for (char c : clean_text(text)) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      case ':': out += property ? "%3A" : ":"; break;
      case ',': out += property ? "%2C" : ","; break;
      default: out += c;
    }
  }
  return out;
}

std::string command_property(std::string_view text) { return command_escape(text, true); }
std::string command_data(std::string_view text) { return command_escape(text, false); }

}  // namespace

std::string render_github_summary(const Report& report) {
  const std::size_t budget = kGithubSummaryMaxBytes - kTailReserveBytes;
  const auto causes = shown_causes(report);
  std::string out;
  for (const auto& part : {overview(report), cause_table(causes), scenario_table(report), violation_table(report),
                           determinism_block(report)}) {
    if (out.size() + part.size() > budget) break;
    out += part;
  }
  std::size_t shown = 0;
  if (!causes.empty() && out.size() + 40 < budget) {
    out += "### Causes in detail\n\n";
    for (const auto& c : causes) {
      if (shown == kFailuresShown) break;
      const auto block = cause_block(c);
      if (out.size() + block.size() > budget) break;
      out += block;
      ++shown;
    }
  }
  if (shown < causes.size())
    out += fmt::format("_… and {} more causes: see the JSON report (each group has its repro command)._\n",
                       causes.size() - shown);
  if (const auto voided = report.summary.voided; voided > 0)
    out += fmt::format("\n_{} void trials: their fault never fired, so they prove nothing either way._\n", voided);
  return out;
}

std::vector<std::string> github_annotations(const Report& report) {
  std::vector<std::string> out;
  for (const auto& c : shown_causes(report)) {
    if (out.size() == kGithubMaxAnnotations) break;
    const auto& g = c.group;
    const std::string title = fmt::format("faultline: {}× {} ({})", g.count, g.title,
                                          g.verdict == "fail" ? "failed" : "harness error");
    const std::string headline = c.smallest ? failure_headline(*c.smallest) : g.title;
    const std::string message = fmt::format("{}\n{} trials: {}; smallest: {} seed {}\nreproduce: {}",
                                            shorten(headline, kAnnotationMaxBytes), g.count, scenario_counts(g),
                                            g.smallest.scenario, g.smallest.seed, g.repro.command);
    out.push_back(fmt::format("::error title={}::{}", command_property(title), command_data(message)));
  }
  const auto& mismatches = report.determinism.mismatches;
  if (!mismatches.empty() && out.size() < kGithubMaxAnnotations)
    out.push_back(fmt::format("::error title={}::{}", command_property("faultline: non-deterministic trials"),
                              command_data(fmt::format("{} trials gave different trace hashes when rerun (first: {} seed {}); "
                                               "see the job summary", mismatches.size(),
                                               mismatches[0].scenario, mismatches[0].seed))));
  if (report.run.incomplete)
    out.push_back(fmt::format("::warning title={}::{}", command_property("faultline: incomplete campaign"),
                              command_data(report.run.incomplete_reason)));
  if (const auto voided = report.summary.voided; voided > 0)
    out.push_back(fmt::format("::warning title={}::{}", command_property("faultline: void trials"),
                              command_data(fmt::format("{} trials were void: their fault never fired", voided))));
  return out;
}

std::string render_github_summary(const ordered_json& report) { return render_github_summary(report_from_json(report)); }

std::vector<std::string> github_annotations(const ordered_json& report) {
  return github_annotations(report_from_json(report));
}

}  // namespace faultline::reports
