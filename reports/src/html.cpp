// The self-contained HTML report (html.h). Everything engine-chosen (violation details, logs, states, file names)
// goes through clean_text and HTML escaping; nothing is fetched, nothing runs.
#include "faultline/reports/html.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "faultline/reports/model.h"
#include "html_parts.h"
#include "html_style.h"
#include "text.h"

namespace faultline::reports {

namespace {

using nlohmann::ordered_json;
using namespace detail;

const char* status_word(const std::string& status) {
  return status == "pass" ? "PASS" : status == "fail" ? "FAIL" : "ERROR";
}

std::string scenario_counts(const Group& g) {
  std::string out;
  for (const auto& [name, n] : g.scenarios) out += fmt::format("{}{} ×{}", out.empty() ? "" : ", ", name, n);
  return out;
}

std::string header(const Report& report) {
  const auto& s = report.summary;
  const auto& run = report.run;
  const std::string status = to_string(report.status);
  std::string out = fmt::format("<header class=\"{}\"><h1>Faultline: {}</h1>", esc(status), status_word(status));
  out += fmt::format("<p><b>{} trials</b>: {} passed, {} failed, {} void, {} errors in {:.1f} s</p>", s.total, s.passed,
                     s.failed, s.voided, s.errors, run.duration_s);
  out += fmt::format("<p>engine <code>{}</code> · campaign seed <code>{}</code> · started {} on {} · faultline {} ({})"
                     "</p>", esc(report.configuration.engine.name), esc(report.configuration.seed),
                     esc(run.started_at), esc(run.host), esc(report.tool.version), esc(report.tool.git_revision));
  if (run.incomplete) out += fmt::format("<p><b>Incomplete</b>: {}</p>", esc(run.incomplete_reason));
  return out + "</header>\n<nav><a href=\"#causes\">Causes</a><a href=\"#scenarios\">Scenarios</a>"
               "<a href=\"#coverage\">Coverage</a><a href=\"#trials\">Trials</a></nav>\n";
}

std::string cause_table(const std::vector<Group>& groups) {
  std::string out = "<section id=\"causes\"><h2>Causes</h2>\n";
  if (groups.empty()) return out + "<p>No trial failed.</p></section>\n";
  out += "<p class=\"meta\">Failing trials grouped by signature: the violations, the fault kind, the file and field "
         "hit and what recovery did (docs/report.md, Signatures). One reproducer each: the smallest trial.</p>\n"
         "<table class=\"groups\"><tr><th></th><th>trials</th><th>cause</th><th>signature</th><th>scenarios</th>"
         "<th>first</th><th>smallest</th><th>reproduce</th><th>shrink</th></tr>\n";
  for (const auto& g : groups) {
    out += fmt::format("<tr class=\"group-row\"><td class=\"v-{0}\">{0}</td><td class=\"n\">{1}</td><td><a href=\"#g-{2}\">"
                       "{3}</a></td><td><code>{2}</code></td><td>{4}</td><td>{5} seed {6}</td><td>{7} seed {8}{9}</td>"
                       "<td><code>{10}</code></td><td>{11}</td></tr>\n",
                       esc(g.verdict), g.count, esc(g.signature), esc(g.title), esc(scenario_counts(g)),
                       esc(g.first.scenario), esc(g.first.seed), esc(g.smallest.scenario), esc(g.smallest.seed),
                       g.smallest.operations ? fmt::format(" ({} ops)", *g.smallest.operations) : "",
                       esc(g.repro.command), g.shrink ? esc(g.shrink->status) : std::string());
  }
  return out + "</table>\n";
}

// A horizontal stacked bar: pass, fail, void, error.
std::string verdict_bar(std::size_t pass, std::size_t fail, std::size_t void_, std::size_t error) {
  const double total = static_cast<double>(pass + fail + void_ + error);
  if (total == 0) return "";
  std::string out = "<svg width=\"200\" height=\"12\" role=\"img\">";
  double x = 0;
  const std::pair<std::size_t, const char*> parts[] = {{pass, "#2e7d32"}, {fail, "#c62828"}, {void_, "#90a4ae"},
                                                       {error, "#ef6c00"}};
  for (const auto& [n, color] : parts) {
    const double w = 200.0 * static_cast<double>(n) / total;
    if (w > 0) out += fmt::format("<rect x=\"{:.1f}\" y=\"0\" width=\"{:.1f}\" height=\"12\" fill=\"{}\"/>", x, w, color);
    x += w;
  }
  return out + "</svg>";
}

std::string scenario_table(const Report& report) {
  std::string out = "<section id=\"scenarios\"><h2>Scenarios</h2>\n<table><tr><th>scenario</th><th></th><th>pass</th>"
                    "<th>fail</th><th>void</th><th>error</th><th>verdicts</th></tr>\n";
  const auto& per = report.summary.per_scenario;
  std::size_t rows = 0;
  for (const auto& [name, c] : per) {
    if (rows++ == kHtmlTableRows) {
      out += fmt::format("<tr><td colspan=\"7\" class=\"note\">… and {} more scenarios in the JSON report</td></tr>\n",
                         per.size() - kHtmlTableRows);
      break;
    }
    const bool bad = c.fail + c.error > 0;
    out += fmt::format("<tr><td>{}</td><td class=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                       "<td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
                       esc(name), bad ? "v-fail" : "v-pass", bad ? "✗" : "✓", c.pass, c.fail, c.void_, c.error,
                       verdict_bar(c.pass, c.fail, c.void_, c.error));
  }
  return out + "</table></section>\n";
}

// Bars of counts by key, one SVG: how the faults of one kind spread over fields or over the workload.
std::uint64_t count_in(const Counts& counts, const std::string& key) {
  const auto* n = find_entry(counts, key);
  return n ? *n : 0;
}

std::string count_bars(const Counts& counts, const std::vector<std::string>& keys, const char* label) {
  std::uint64_t max = 1;
  for (const auto& k : keys) max = std::max(max, count_in(counts, k));
  const std::size_t bar_w = 46, h = 80, width = keys.size() * (bar_w + 6) + 10;
  std::string out = fmt::format("<svg width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">", width, h + 34, label);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto n = count_in(counts, keys[i]);
    const double bh = static_cast<double>(h) * static_cast<double>(n) / static_cast<double>(max);
    const auto x = 5 + i * (bar_w + 6);
    out += fmt::format("<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"#5c6bc0\"><title>{}: {}"
                       "</title></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>"
                       "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       x, static_cast<double>(12 + h) - bh, bar_w, bh, esc(keys[i]), n, x + bar_w / 2,
                       static_cast<double>(10 + h) - bh, n, x + bar_w / 2,
                       h + 26, esc(keys[i], 9));
  }
  return out + "</svg>";
}

std::string coverage_section(const Report& report) {
  std::string out = "<section id=\"coverage\"><h2>Coverage</h2>\n<p class=\"meta\">Per fault kind: which record field "
                    "the faults were aimed at, and which eighth of the workload's operations was in flight when they "
                    "landed (in an append-only log, where in the file).</p>\n<div class=\"cov\">\n";
  const auto& cov = report.coverage;
  if (cov.empty()) return out + "<p>No fault was placed.</p></div></section>\n";
  std::size_t kinds = 0;
  for (const auto& [kind, c] : cov) {
    if (kinds++ == 40) break;
    std::vector<std::string> fields;
    for (const auto& [f, n] : c.fields) fields.push_back(f);
    if (fields.size() > 12) fields.resize(12);
    std::vector<std::string> eighths;
    for (int i = 0; i < 8; ++i) eighths.push_back(fmt::format("{}/8", i));
    out += fmt::format("<figure><figcaption>{} — {} trials, {} fired</figcaption><div class=\"bars\"><div>"
                       "<small>field aimed at</small><br>{}</div><div><small>position in the workload</small><br>{}"
                       "</div></div></figure>\n", esc(kind), c.trials, c.fired, count_bars(c.fields, fields, "fields"),
                       count_bars(c.record_position, eighths, "position in the workload"));
  }
  return out + "</div></section>\n";
}

std::string group_block(const Group& g) {
  std::string out = fmt::format("<article class=\"group {0}\" id=\"g-{1}\"><h3>{2}× {3}</h3><p class=\"meta\">signature "
                                "<code>{1}</code> · {4} · first: <a href=\"#t-{5}\">{6} seed {7}</a> · smallest: "
                                "<a href=\"#t-{8}\">{9} seed {10}</a></p><p>reproduce: <code>{11}</code></p>",
                                esc(g.verdict), esc(g.signature), g.count, esc(g.title), esc(scenario_counts(g)),
                                g.first.index, esc(g.first.scenario), esc(g.first.seed), g.smallest.index,
                                esc(g.smallest.scenario), esc(g.smallest.seed), esc(g.repro.command));
  if (g.shrink)
    out += fmt::format("<p class=\"shrink shrink-{}\">shrink: <b>{}</b> — {}</p>", esc(g.shrink->status),
                       esc(g.shrink->status), esc(describe_shrink(*g.shrink)));
  if (g.bundle) out += fmt::format("<p>shrunk bundle: <code>{}</code></p>", esc(*g.bundle));
  return out + "</article>\n";
}

}  // namespace

std::string render_html(const Report& report) {
  const auto failures = signed_failures(report);
  const auto groups = groups_of(report);
  const std::string status = to_string(report.status);
  std::string out = fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                                "content=\"width=device-width, initial-scale=1\"><title>Faultline {} — {}</title>"
                                "<style>{}</style></head>\n<body>\n",
                                status_word(status), esc(report.configuration.engine.name),
                                kStyle);
  out += header(report) + "<main>\n" + cause_table(groups);
  for (const auto& g : groups) out += group_block(g);
  out += "</section>\n" + scenario_table(report) + coverage_section(report);

  // Trials: the smallest of each cause first, then the rest in index order, in detail up to the bound.
  std::map<std::size_t, const Failure*> by_index;
  for (const auto& f : failures) by_index[f.index] = &f;
  std::vector<const Failure*> detailed;
  std::set<std::size_t> chosen;
  for (const auto& g : groups)
    if (const auto it = by_index.find(g.smallest.index); it != by_index.end() && chosen.insert(g.smallest.index).second)
      detailed.push_back(it->second);
  for (const auto& f : failures)
    if (f.verdict != "void" && chosen.insert(f.index).second) detailed.push_back(&f);
  if (detailed.size() > kHtmlDetailedTrials) detailed.resize(kHtmlDetailedTrials);
  std::sort(detailed.begin(), detailed.end(), [](const Failure* a, const Failure* b) { return a->index < b->index; });

  out += "<section id=\"trials\"><h2>Trials that did not pass</h2>\n";
  out += "<table><tr><th>#</th><th>scenario</th><th>seed</th><th>verdict</th><th>cause</th><th>first violation</th></tr>\n";
  std::size_t rows = 0;
  for (const auto& f : failures) {
    if (rows++ == kHtmlTableRows) {
      out += fmt::format("<tr><td colspan=\"6\" class=\"note\">… and {} more trials in the JSON report</td></tr>\n",
                         failures.size() - kHtmlTableRows);
      break;
    }
    const bool has_block =
        std::any_of(detailed.begin(), detailed.end(), [&](const Failure* d) { return d->index == f.index; });
    out += fmt::format("<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"v-{}\">{}</td><td><a href=\"#g-{}\">"
                       "<code>{}</code></a></td><td>{}</td></tr>\n",
                       has_block ? fmt::format("<a href=\"#t-{0}\">{0}</a>", f.index) : std::to_string(f.index),
                       esc(f.scenario), esc(f.seed), esc(f.verdict), esc(f.verdict), esc(f.signature),
                       esc(f.signature.substr(0, 8)),
                       f.violations.empty() ? esc(f.error.value_or(""), 300)
                                            : esc(f.violations.front().name + ": " + f.violations.front().detail, 300));
  }
  out += "</table>\n";
  const std::size_t budget = kHtmlMaxBytes - 2000;
  std::size_t shown = 0;
  for (const auto* f : detailed) {
    const auto block = trial_block(*f, f->signature);
    if (out.size() + block.size() > budget) break;
    out += block;
    ++shown;
  }
  const std::size_t not_voided = static_cast<std::size_t>(
      std::count_if(failures.begin(), failures.end(), [](const Failure& f) { return f.verdict != "void"; }));
  if (shown < not_voided)
    out += fmt::format("<p class=\"note\">{} of {} failing or erroring trials are shown in detail (the smallest of each "
                       "cause first); every one is in the JSON report with its repro command.</p>\n", shown, not_voided);
  out += "</section>\n</main>\n<footer class=\"meta\" style=\"padding:0 28px 20px\">Written by faultline from a report "
         "of format " + esc(report.format_version) + " (docs/report.md).</footer>\n</body></html>\n";
  return out;
}

std::string render_html(const ordered_json& report) { return render_html(report_from_json(report)); }

}  // namespace faultline::reports
