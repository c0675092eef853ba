// The self-contained HTML report (html.h). Everything engine-chosen (violation details, logs, states, file names)
// goes through clean_text and HTML escaping; nothing is fetched, nothing runs.
#include "faultline/reports/html.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "faultline/reports/model.h"
#include "html_style.h"
#include "text.h"

namespace faultline::reports {

namespace {

using nlohmann::ordered_json;
using namespace detail;

constexpr std::size_t kTextMaxBytes = 4000;
constexpr std::size_t kHexMaxBytes = 8000;
constexpr std::size_t kTimelineWidth = 900;

std::string esc(std::string_view text, std::size_t max_bytes = kTextMaxBytes) {
  return escape_html(shorten(clean_text(text), max_bytes));
}

const char* status_word(const std::string& status) {
  return status == "pass" ? "PASS" : status == "fail" ? "FAIL" : "ERROR";
}

std::string scenario_counts(const Group& g) {
  std::string out;
  for (const auto& [name, n] : g.scenarios) out += fmt::format("{}{} ×{}", out.empty() ? "" : ", ", name, n);
  return out;
}

std::string header(const ordered_json& report) {
  const auto& s = member(report, "summary");
  const auto& config = member(report, "configuration");
  const auto& run = member(report, "run");
  const auto& tool = member(report, "tool");
  const std::string status = text_of(report, "status");
  std::string out = fmt::format("<header class=\"{}\"><h1>Faultline: {}</h1>", esc(status), status_word(status));
  out += fmt::format("<p><b>{} trials</b>: {} passed, {} failed, {} void, {} errors in {:.1f} s</p>",
                     count_of(s, "total"), count_of(s, "passed"), count_of(s, "failed"), count_of(s, "void"),
                     count_of(s, "errors"), seconds_of(run, "duration_s"));
  out += fmt::format("<p>engine <code>{}</code> · campaign seed <code>{}</code> · started {} on {} · faultline {} ({})"
                     "</p>", esc(text_of(member(config, "engine"), "name")), esc(text_of(config, "seed")),
                     esc(text_of(run, "started_at")), esc(text_of(run, "host")), esc(text_of(tool, "version")),
                     esc(text_of(tool, "git_revision")));
  if (member(run, "incomplete").is_boolean() && member(run, "incomplete").get<bool>())
    out += fmt::format("<p><b>Incomplete</b>: {}</p>", esc(text_of(run, "incomplete_reason")));
  return out + "</header>\n<nav><a href=\"#causes\">Causes</a><a href=\"#scenarios\">Scenarios</a>"
               "<a href=\"#coverage\">Coverage</a><a href=\"#trials\">Trials</a></nav>\n";
}

std::string cause_table(const std::vector<Group>& groups) {
  std::string out = "<section id=\"causes\"><h2>Causes</h2>\n";
  if (groups.empty()) return out + "<p>No trial failed.</p></section>\n";
  out += "<p class=\"meta\">Failing trials grouped by signature: the violations, the fault kind, the file and field "
         "hit and what recovery did (docs/report.md, Signatures). One reproducer each: the smallest trial.</p>\n"
         "<table class=\"groups\"><tr><th></th><th>trials</th><th>cause</th><th>signature</th><th>scenarios</th>"
         "<th>first</th><th>smallest</th><th>reproduce</th></tr>\n";
  for (const auto& g : groups) {
    out += fmt::format("<tr class=\"group-row\"><td class=\"v-{0}\">{0}</td><td class=\"n\">{1}</td><td><a href=\"#g-{2}\">"
                       "{3}</a></td><td><code>{2}</code></td><td>{4}</td><td>{5} seed {6}</td><td>{7} seed {8}{9}</td>"
                       "<td><code>{10}</code></td></tr>\n",
                       esc(g.verdict), g.count, esc(g.signature), esc(g.title), esc(scenario_counts(g)),
                       esc(g.first.scenario), esc(g.first.seed), esc(g.smallest.scenario), esc(g.smallest.seed),
                       g.smallest.operations ? fmt::format(" ({} ops)", *g.smallest.operations) : "",
                       esc(g.repro.command));
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

std::string scenario_table(const ordered_json& report) {
  std::string out = "<section id=\"scenarios\"><h2>Scenarios</h2>\n<table><tr><th>scenario</th><th></th><th>pass</th>"
                    "<th>fail</th><th>void</th><th>error</th><th>verdicts</th></tr>\n";
  const auto& per = member(member(report, "summary"), "per_scenario");
  std::size_t rows = 0;
  if (per.is_object()) {
    for (const auto& [name, c] : per.items()) {
      if (rows++ == kHtmlTableRows) {
        out += fmt::format("<tr><td colspan=\"7\" class=\"note\">… and {} more scenarios in the JSON report</td></tr>\n",
                           per.size() - kHtmlTableRows);
        break;
      }
      const auto pass = count_of(c, "pass"), fail = count_of(c, "fail"), void_ = count_of(c, "void"),
                 error = count_of(c, "error");
      const bool bad = fail + error > 0;
      out += fmt::format("<tr><td>{}</td><td class=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                         "<td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
                         esc(name), bad ? "v-fail" : "v-pass", bad ? "✗" : "✓", pass, fail, void_, error,
                         verdict_bar(pass, fail, void_, error));
    }
  }
  return out + "</table></section>\n";
}

// Bars of counts by key, one SVG: how the faults of one kind spread over fields or over the workload.
std::string count_bars(const ordered_json& counts, const std::vector<std::string>& keys, const char* label) {
  std::size_t max = 1;
  for (const auto& k : keys) max = std::max(max, count_of(counts, k.c_str()));
  const std::size_t bar_w = 46, h = 80, width = keys.size() * (bar_w + 6) + 10;
  std::string out = fmt::format("<svg width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">", width, h + 34, label);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto n = count_of(counts, keys[i].c_str());
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

std::string coverage_section(const ordered_json& report) {
  std::string out = "<section id=\"coverage\"><h2>Coverage</h2>\n<p class=\"meta\">Per fault kind: which record field "
                    "the faults were aimed at, and which eighth of the workload's operations was in flight when they "
                    "landed (in an append-only log, where in the file).</p>\n<div class=\"cov\">\n";
  const auto& cov = member(report, "coverage");
  if (!cov.is_object() || cov.empty()) return out + "<p>No fault was placed.</p></div></section>\n";
  std::size_t kinds = 0;
  for (const auto& [kind, c] : cov.items()) {
    if (kinds++ == 40) break;
    std::vector<std::string> fields;
    if (member(c, "fields").is_object())
      for (const auto& [f, n] : c["fields"].items()) fields.push_back(f);
    if (fields.size() > 12) fields.resize(12);
    std::vector<std::string> eighths;
    for (int i = 0; i < 8; ++i) eighths.push_back(fmt::format("{}/8", i));
    out += fmt::format("<figure><figcaption>{} — {} trials, {} fired</figcaption><div class=\"bars\"><div>"
                       "<small>field aimed at</small><br>{}</div><div><small>position in the workload</small><br>{}"
                       "</div></div></figure>\n", esc(kind), count_of(c, "trials"), count_of(c, "fired"),
                       count_bars(member(c, "fields"), fields, "fields"),
                       count_bars(member(c, "record_position"), eighths, "position in the workload"));
  }
  return out + "</div></section>\n";
}

// The trial as steps: the workload, the fault, what happened while the engine was down, recovery, the final state.
std::string steps(const Failure& f) {
  std::string out = "<ol class=\"steps\">";
  const auto& c = f.coverage;
  if (c.operations)
    out += fmt::format("<li>workload: <b>{}</b> operations sent{}</li>", *c.operations,
                       f.expected.must_keep_operations
                           ? fmt::format(", {} acknowledged that must survive", *f.expected.must_keep_operations)
                           : "");
  for (const auto& e : f.faults) {
    std::string where = e.file().empty() ? "" : " in " + esc(e.file());
    if (e.phase == "workload") {
      const auto& ev = e.event;
      out += fmt::format("<li class=\"fault\">fault <b>{}</b>{}{}{}</li>", esc(e.kind), where,
                         member(ev, "off").is_null() ? "" : fmt::format(" at offset {}", text_of(ev, "off")),
                         c.op ? fmt::format(", during operation {}", *c.op) : "");
    } else {
      out += fmt::format("<li class=\"fault\">{}: <b>{}</b>{}{}</li>", esc(e.phase), esc(e.kind), where,
                         e.model.empty() ? "" : " (" + esc(e.model) + ")");
    }
  }
  if (f.faults.empty() && !c.kind.empty()) out += fmt::format("<li>fault {} planned (not fired)</li>", esc(c.kind));
  if (!f.expected.outcome.empty())
    out += fmt::format("<li>expected: <b>{}</b>{}</li>", esc(f.expected.outcome),
                       f.expected.reason.empty() ? "" : " — " + esc(f.expected.reason));
  const bool bad = f.verdict != "pass";
  if (!f.observed.outcome.empty()) {
    std::string what = esc(f.observed.outcome);
    if (f.observed.size_after_recovery)
      what += fmt::format(", {} is {} bytes", esc(f.observed.file), *f.observed.size_after_recovery);
    if (!f.observed.status.empty()) what += " (" + esc(f.observed.status) + ")";
    out += fmt::format("<li class=\"{}\">recovery: <b>{}</b></li>", bad ? "bad" : "", what);
  } else {
    out += "<li class=\"bad\">no recovery (the trial ended before it)</li>";
  }
  if (!f.observed.state.empty())
    out += fmt::format("<li>final DUMP: <code>{}</code>{}</li>", esc(f.observed.state, 600),
                       f.observed.operations_reflected
                           ? fmt::format(" — reflects {} operations", *f.observed.operations_reflected) : "");
  for (const auto& v : f.violations)
    out += fmt::format("<li class=\"bad\"><b>{}</b>: {}</li>", esc(v.name), esc(v.detail, 800));
  if (f.error) out += fmt::format("<li class=\"bad\">harness error: {}</li>", esc(*f.error, 800));
  return out + "</ol>";
}

// The journal of each engine run as a lane of events in order: writes (blue, height by size), syncs (green),
// truncates (orange), renames and unlinks (purple), faults (red).
std::string timeline_svg(const Failure& f) {
  if (f.timeline.empty())
    return "<p class=\"note\">No journal timeline: the trial directory was not kept (failing trials beyond the first "
           "20 are removed; rerun with <code>repro</code> to see every step).</p>";
  const std::size_t lane_h = 46, label_w = 120, width = kTimelineWidth;
  std::string out = fmt::format("<svg class=\"timeline\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"timeline\">",
                                width, f.timeline.size() * lane_h + 24);
  for (std::size_t r = 0; r < f.timeline.size(); ++r) {
    const auto& run = f.timeline[r];
    const auto y = r * lane_h;
    out += fmt::format("<text x=\"0\" y=\"{}\">{}</text><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#b0bec5\"/>",
                       y + 26, esc(run.run, 40), label_w, y + 34, width - 4, y + 34);
    const std::size_t n = std::max<std::size_t>(1, run.events.size());
    const double step = static_cast<double>(width - label_w - 10) / static_cast<double>(n);
    for (std::size_t i = 0; i < run.events.size(); ++i) {
      const auto& e = run.events[i];
      const double x = static_cast<double>(label_w) + 4 + step * static_cast<double>(i);
      const double w = std::max(1.5, step * 0.7);
      std::string tip = e.ev;
      if (!e.kind.empty()) tip += " " + e.kind;
      if (!e.file.empty()) tip += " " + e.file;
      if (e.off) tip += fmt::format(" off {}", *e.off);
      if (e.len) tip += fmt::format(" len {}", *e.len);
      if (e.size) tip += fmt::format(" size {}", *e.size);
      if (e.ret) tip += fmt::format(" ret {}", *e.ret);
      const std::string title = "<title>" + esc(tip, 200) + "</title>";
      if (e.ev == "write") {
        const double bh = std::min(28.0, 4 + 3 * std::log2(1.0 + static_cast<double>(e.len.value_or(1))));
        out += fmt::format("<rect class=\"ev-write\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                           "fill=\"#42a5f5\">{}</rect>", x, static_cast<double>(y + 34) - bh, w, bh, title);
      } else if (e.ev == "fault") {
        out += fmt::format("<polygon class=\"ev-fault\" points=\"{0:.1f},{1} {2:.1f},{3} {0:.1f},{4} {5:.1f},{3}\" "
                           "fill=\"#c62828\">{6}</polygon>", x + w / 2, y + 8, x + w / 2 + 7, y + 20, y + 32,
                           x + w / 2 - 7, title);
      } else {
        const char* color = e.ev == "sync" || e.ev == "dirsync" ? "#2e7d32" : e.ev == "truncate" ? "#ef6c00" : "#8e24aa";
        out += fmt::format("<rect class=\"ev-{}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"30\" fill=\"{}\">{}"
                           "</rect>", esc(e.ev), x, y + 4, std::max(1.5, w / 2), color, title);
      }
    }
    if (run.omitted)
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">+{} events not shown</text>", width - 4, y + 44,
                         run.omitted);
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\"><tspan fill=\"#42a5f5\">■</tspan> write (height: size)  "
                     "<tspan fill=\"#2e7d32\">■</tspan> sync  <tspan fill=\"#ef6c00\">■</tspan> truncate  "
                     "<tspan fill=\"#8e24aa\">■</tspan> rename/unlink  <tspan fill=\"#c62828\">◆</tspan> fault</text>",
                     label_w, f.timeline.size() * lane_h + 18);
  return out + "</svg>";
}

// A hex dump with the aimed byte ("[xx]") marked.
std::string hex_block(const std::string& dump) {
  std::string text = esc(dump, kHexMaxBytes), out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[' && i + 3 < text.size() && text[i + 3] == ']') {
      out += "<mark>" + text.substr(i, 4) + "</mark>";
      i += 3;
    } else {
      out += text[i];
    }
  }
  return "<pre class=\"hex\">" + out + "</pre>";
}

std::string trial_block(const Failure& f, const std::string& anchor_group) {
  std::string out = fmt::format("<article class=\"trial {0}\" id=\"t-{1}\"><h3><span class=\"v-{0}\">{0}</span> {2} seed "
                                "{3} <span class=\"meta\">(trial #{1}{4})</span></h3>",
                                esc(f.verdict), f.index, esc(f.scenario), esc(f.seed),
                                anchor_group.empty() ? "" : ", cause <a href=\"#g-" + esc(anchor_group) + "\">" +
                                                                esc(anchor_group.substr(0, 8)) + "</a>");
  out += fmt::format("<p>reproduce: <code>{}</code></p>", esc(f.repro.command));
  out += "<h4>What happened</h4>" + steps(f);
  out += "<h4>Timeline</h4>" + timeline_svg(f);
  out += "<h4>Damaged region</h4><div class=\"hexes\">";
  out += "<div><b>before recovery</b>" + (f.hexdump.empty() ? std::string("<p class=\"note\">no hex dump</p>")
                                                              : hex_block(f.hexdump)) + "</div>";
  out += "<div><b>after recovery</b>" +
         (f.hexdump_after ? hex_block(*f.hexdump_after)
                          : std::string("<p class=\"note\">not kept (the engine did not start, or the trial directory "
                                        "was removed)</p>")) + "</div></div>";
  if (!f.engine_log.empty()) {
    std::string log;
    for (const auto& l : f.engine_log) log += l + "\n";
    out += "<details><summary>engine log</summary><pre>" + esc(log) + "</pre></details>";
  }
  if (f.artifacts) out += fmt::format("<p class=\"meta\">artifacts: <code>{}</code></p>", esc(*f.artifacts));
  return out + "</article>\n";
}

std::string group_block(const Group& g) {
  std::string out = fmt::format("<article class=\"group {0}\" id=\"g-{1}\"><h3>{2}× {3}</h3><p class=\"meta\">signature "
                                "<code>{1}</code> · {4} · first: <a href=\"#t-{5}\">{6} seed {7}</a> · smallest: "
                                "<a href=\"#t-{8}\">{9} seed {10}</a></p><p>reproduce: <code>{11}</code></p>",
                                esc(g.verdict), esc(g.signature), g.count, esc(g.title), esc(scenario_counts(g)),
                                g.first.index, esc(g.first.scenario), esc(g.first.seed), g.smallest.index,
                                esc(g.smallest.scenario), esc(g.smallest.seed), esc(g.repro.command));
  if (g.bundle) out += fmt::format("<p>shrunk bundle: <code>{}</code></p>", esc(*g.bundle));
  return out + "</article>\n";
}

}  // namespace

std::string render_html(const ordered_json& report) {
  const auto failures = failures_of(report);
  const auto groups = groups_of(report);
  const std::string status = text_of(report, "status");
  std::string out = fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                                "content=\"width=device-width, initial-scale=1\"><title>Faultline {} — {}</title>"
                                "<style>{}</style></head>\n<body>\n",
                                status_word(status), esc(text_of(member(member(report, "configuration"), "engine"), "name")),
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
         "of format " + esc(text_of(report, "format_version")) + " (docs/report.md).</footer>\n</body></html>\n";
  return out;
}

}  // namespace faultline::reports
