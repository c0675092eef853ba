// One trial of the HTML report in detail (html_parts.h): the steps, the timeline of the engine runs (the shim's
// journal, with the workload's operations laid under the events they caused), the operation transcript, and the hex
// views of the damaged region. Everything engine-chosen goes through esc().
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "html_parts.h"
#include "text.h"

namespace faultline::reports::detail {

namespace {

constexpr std::size_t kTimelineWidth = 900;

}  // namespace

std::string esc(std::string_view text, std::size_t max_bytes) {
  return escape_html(shorten(clean_text(text), max_bytes));
}

namespace {

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

constexpr std::size_t kLaneHeight = 62, kLabelWidth = 120;

const char* ack_words(const std::string& ack) {
  return ack == "ok" ? "acknowledged" : ack == "error" ? "refused (error reply)" : "no reply (not acknowledged)";
}

// The timeline position of journal event `seq`: the first shown event at or after it (events.size() past the end).
std::size_t event_slot(const TimelineRun& run, std::size_t seq) {
  std::size_t i = 0;
  while (i < run.events.size() && run.events[i].seq && static_cast<std::size_t>(*run.events[i].seq) < seq) ++i;
  return i;
}

// One lane's events in order: writes (blue, height by size), syncs (green), truncates (orange), renames and unlinks
// (purple), faults (red).
std::string lane_events(const TimelineRun& run, std::size_t y, double step) {
  std::string out;
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    const auto& e = run.events[i];
    const double x = static_cast<double>(kLabelWidth) + 4 + step * static_cast<double>(i);
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
  return out;
}

// Under a lane, the workload's operations of that run: each spans the events between its request and its reply,
// green when acknowledged, orange when refused, hollow red when no reply came. Spread evenly when the report has no
// journal positions (written before 1.3).
std::string lane_operations(const TranscriptRun& ops, const TimelineRun& run, std::size_t y, double step) {
  std::string out;
  const double left = static_cast<double>(kLabelWidth) + 4, right = static_cast<double>(kTimelineWidth) - 6;
  const bool placed = !run.events.empty() && run.events.front().seq;
  const double even = (right - left) / static_cast<double>(std::max<std::size_t>(1, ops.operations.size()));
  for (std::size_t i = 0; i < ops.operations.size(); ++i) {
    const auto& o = ops.operations[i];
    double x = left + even * static_cast<double>(i), w = std::max(2.0, even - 1);
    if (placed && o.journal_from) {
      x = left + step * static_cast<double>(event_slot(run, *o.journal_from));
      const auto end = o.journal_to ? event_slot(run, *o.journal_to) : run.events.size();
      w = std::max(3.0, std::min(right, left + step * static_cast<double>(end)) - x - 1);
    }
    const char* fill = o.ack == "ok" ? "#2e7d32" : o.ack == "error" ? "#ef6c00" : "#fff";
    out += fmt::format("<rect class=\"op op-{}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"10\" fill=\"{}\" "
                       "stroke=\"{}\"><title>#{} {} → {}</title></rect>",
                       esc(o.ack), x, y + 40, w, fill, o.ack == "no-reply" ? "#c62828" : "none", o.op,
                       esc(o.request, 200), o.reply.empty() ? std::string(ack_words(o.ack))
                                                            : esc(o.reply, 200) + " (" + ack_words(o.ack) + ")");
  }
  return out;
}

// The journal of each engine run as a lane of events in order, with the operations of the fault runs beneath.
std::string timeline_svg(const Failure& f) {
  if (f.timeline.empty())
    return "<p class=\"note\">No journal timeline: the trial directory was not kept (failing trials beyond the first "
           "20 are removed; rerun with <code>repro</code> to see every step).</p>";
  const std::size_t width = kTimelineWidth;
  std::string out = fmt::format("<svg class=\"timeline\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"timeline\">",
                                width, f.timeline.size() * kLaneHeight + 24);
  for (std::size_t r = 0; r < f.timeline.size(); ++r) {
    const auto& run = f.timeline[r];
    const auto y = r * kLaneHeight;
    out += fmt::format("<text x=\"0\" y=\"{}\">{}</text><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#b0bec5\"/>",
                       y + 26, esc(run.run, 40), kLabelWidth, y + 34, width - 4, y + 34);
    const std::size_t n = std::max<std::size_t>(1, run.events.size());
    const double step = static_cast<double>(width - kLabelWidth - 10) / static_cast<double>(n);
    out += lane_events(run, y, step);
    for (const auto& ops : f.transcript)
      if (ops.run == run.run) out += lane_operations(ops, run, y, step);
    if (run.omitted)
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">+{} events not shown</text>", width - 4, y + 12,
                         run.omitted);
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\"><tspan fill=\"#42a5f5\">■</tspan> write (height: size)  "
                     "<tspan fill=\"#2e7d32\">■</tspan> sync  <tspan fill=\"#ef6c00\">■</tspan> truncate  "
                     "<tspan fill=\"#8e24aa\">■</tspan> rename/unlink  <tspan fill=\"#c62828\">◆</tspan> fault · "
                     "operations: <tspan fill=\"#2e7d32\">▬</tspan> acknowledged  <tspan fill=\"#ef6c00\">▬</tspan> "
                     "refused  <tspan fill=\"#c62828\">▭</tspan> no reply</text>",
                     kLabelWidth, f.timeline.size() * kLaneHeight + 18);
  return out + "</svg>";
}

// The transcript of each fault run as a table: each request, its reply, acknowledged or not.
std::string transcript_tables(const Failure& f) {
  if (f.transcript.empty()) return "<p class=\"note\">No operation transcript in the report (written before 1.3).</p>";
  std::string out;
  for (const auto& r : f.transcript) {
    const auto acked = std::count_if(r.operations.begin(), r.operations.end(), [](const TranscriptOp& o) {
      return o.ack == "ok";
    });
    out += fmt::format("<details class=\"transcript\" open><summary>operations of <code>{}</code>: {} sent, {} "
                       "acknowledged{}</summary><table class=\"transcript\"><tr><th>#</th><th>request</th><th>reply"
                       "</th><th>acknowledged</th></tr>", esc(r.run, 60), r.operations.size() + r.omitted, acked,
                       r.omitted ? fmt::format(" of the {} shown ({} in the middle left out)", r.operations.size(),
                                               r.omitted) : "");
    std::size_t previous = 0;
    for (const auto& o : r.operations) {
      if (o.op > previous + 1 && &o != &r.operations.front())
        out += fmt::format("<tr><td colspan=\"4\" class=\"note\">… operations {} to {} left out</td></tr>", previous + 1,
                           o.op - 1);
      previous = o.op;
      out += fmt::format("<tr class=\"ack-{}\"><td class=\"n\">{}</td><td><code>{}</code></td><td><code>{}</code></td>"
                         "<td>{}</td></tr>", esc(o.ack), o.op, esc(o.request, 400), esc(o.reply, 400),
                         ack_words(o.ack));
    }
    out += "</table></details>";
  }
  return out;
}

// A hex dump with the aimed byte ("[xx]") marked.
std::string hex_block(const std::string& dump) {
  std::string text = esc(dump, kHtmlHexMaxBytes), out;
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

}  // namespace

std::string trial_block(const Failure& f, const std::string& anchor_group) {
  std::string out = fmt::format("<article class=\"trial {0}\" id=\"t-{1}\"><h3><span class=\"v-{0}\">{0}</span> {2} seed "
                                "{3} <span class=\"meta\">(trial #{1}{4})</span></h3>",
                                esc(f.verdict), f.index, esc(f.scenario), esc(f.seed),
                                anchor_group.empty() ? "" : ", cause <a href=\"#g-" + esc(anchor_group) + "\">" +
                                                                esc(anchor_group.substr(0, 8)) + "</a>");
  out += fmt::format("<p>reproduce: <code>{}</code></p>", esc(f.repro.command));
  out += "<h4>What happened</h4>" + steps(f);
  out += "<h4>Timeline</h4>" + timeline_svg(f);
  out += "<h4>Operations</h4>" + transcript_tables(f);
  out += "<h4>Damaged region</h4><div class=\"hexes\">";
  out += "<div><b>before the damage</b>" +
         (f.hexdump_before ? hex_block(*f.hexdump_before)
                           : std::string("<p class=\"note\">not known (a torn, short, lost or misdirected write: the "
                                         "bytes the engine meant to write never reached the file)</p>")) + "</div>";
  out += "<div><b>after the damage, before recovery</b>" +
         (f.hexdump.empty() ? std::string("<p class=\"note\">no hex dump</p>") : hex_block(f.hexdump)) + "</div>";
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

}  // namespace faultline::reports::detail
