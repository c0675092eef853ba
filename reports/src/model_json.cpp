// The typed report model to and from JSON (model.h). Readers are tolerant in the way report 1.x promises: a field
// that is missing or of another type reads as empty, and fields this version does not know are ignored.
#include "faultline/reports/model.h"
#include "faultline/reports/report_model.h"

#include "text.h"

namespace faultline::reports {

using nlohmann::ordered_json;
using detail::member;
using detail::opt_bool;
using detail::opt_count;
using detail::opt_text;
using detail::put;
using detail::strings;
using detail::text_of;

// ---- JSON helpers -------------------------------------------------------------------------------------------------

namespace {

Repro repro_from_json(const ordered_json& j) { return {strings(member(j, "argv")), text_of(j, "command")}; }
ordered_json to_json(const Repro& r) { return {{"argv", r.argv}, {"command", r.command}}; }

}  // namespace

// ---- The parts of a failure entry (declared in model.h: the harness and the renderers write them too) -------------

static Expected expected_from_json(const ordered_json& j) {
  return {text_of(j, "outcome"), opt_bool(j, "may_start"), opt_bool(j, "may_refuse"), text_of(j, "file"),
          opt_count(j, "size_after_recovery"), opt_count(j, "must_keep_operations"), text_of(j, "reason")};
}

ordered_json to_json(const Expected& e) {
  ordered_json j = ordered_json::object();
  put(j, "outcome", e.outcome);
  put(j, "may_start", e.may_start);
  put(j, "may_refuse", e.may_refuse);
  put(j, "file", e.file);
  put(j, "size_after_recovery", e.size_after_recovery);
  put(j, "must_keep_operations", e.must_keep_operations);
  put(j, "reason", e.reason);
  return j;
}

static Observed observed_from_json(const ordered_json& j) {
  return {text_of(j, "outcome"), text_of(j, "detail"), text_of(j, "status"), text_of(j, "file"), text_of(j, "state"),
          opt_count(j, "size_after_recovery"), opt_count(j, "operations_reflected")};
}

ordered_json to_json(const Observed& o) {
  ordered_json j = ordered_json::object();
  put(j, "outcome", o.outcome);
  put(j, "detail", o.detail);
  put(j, "status", o.status);
  put(j, "file", o.file);
  put(j, "size_after_recovery", o.size_after_recovery);
  put(j, "state", o.state);
  put(j, "operations_reflected", o.operations_reflected);
  return j;
}

static TrialCoverage coverage_from_json(const ordered_json& j) {
  return {text_of(j, "kind"), text_of(j, "aim"), text_of(j, "field"), opt_count(j, "offset"), opt_count(j, "record"),
          opt_count(j, "op"), opt_count(j, "records"), opt_count(j, "record_from_end"),
          opt_count(j, "offset_in_record"), opt_count(j, "operations"), text_of(j, "file"), text_of(j, "write"),
          text_of(j, "region"), text_of(j, "rewrite")};
}

ordered_json to_json(const TrialCoverage& c) {
  ordered_json j = ordered_json::object();
  put(j, "kind", c.kind);
  put(j, "aim", c.aim);
  put(j, "field", c.field);
  put(j, "offset", c.offset);
  put(j, "record", c.record);
  put(j, "op", c.op);
  put(j, "records", c.records);
  put(j, "operations", c.operations);
  put(j, "record_from_end", c.record_from_end);
  put(j, "offset_in_record", c.offset_in_record);
  put(j, "file", c.file);
  put(j, "write", c.write);
  put(j, "region", c.region);
  put(j, "rewrite", c.rewrite);
  return j;
}

ordered_json to_json(const FaultEntry& e) {
  ordered_json j{{"phase", e.phase}, {"kind", e.kind}};
  if (!e.event.is_null()) j["event"] = e.event;
  put(j, "damage", e.damage);
  put(j, "offset", e.offset);
  put(j, "bit", e.bit);
  put(j, "length", e.length);
  put(j, "size", e.size);
  put(j, "model", e.model);
  if (!e.model.empty() || !e.files.empty()) {
    j["files"] = ordered_json::array();
    for (const auto& f : e.files)
      j["files"].push_back({{"file", f.file}, {"action", f.action}, {"size_before", f.size_before},
                            {"size_after", f.size_after}, {"synced_size", f.synced_size}, {"detail", f.detail}});
  }
  return j;
}

ordered_json to_json(const std::vector<FaultEntry>& ledger) {
  ordered_json out = ordered_json::array();
  for (const auto& e : ledger) out.push_back(to_json(e));
  return out;
}

namespace {

std::vector<PowerLossFile> power_loss_files(const ordered_json& j) {
  std::vector<PowerLossFile> out;
  if (!j.is_array()) return out;
  for (const auto& f : j)
    out.push_back({text_of(f, "file"), text_of(f, "action"), opt_count(f, "size_before").value_or(0),
                   opt_count(f, "size_after").value_or(0), opt_count(f, "synced_size").value_or(0),
                   text_of(f, "detail")});
  return out;
}

FaultEntry fault_from_json(const ordered_json& j) {
  FaultEntry e;
  e.phase = text_of(j, "phase");
  e.kind = text_of(j, "kind");
  if (const auto& event = member(j, "event"); event.is_object()) e.event = event;
  e.damage = text_of(j, "damage");
  e.offset = opt_count(j, "offset");
  e.bit = opt_count(j, "bit");
  e.length = opt_count(j, "length");
  e.size = opt_count(j, "size");
  e.model = text_of(j, "model");
  e.files = power_loss_files(member(j, "files"));
  return e;
}

ordered_json to_json(const TrialPointer& t) {
  ordered_json j{{"index", t.index}, {"scenario", t.scenario}, {"seed", t.seed}};
  j["operations"] = t.operations ? ordered_json(*t.operations) : ordered_json(nullptr);
  return j;
}

TrialPointer pointer_from_json(const ordered_json& j) {
  return {static_cast<std::size_t>(opt_count(j, "index").value_or(0)), text_of(j, "scenario"), text_of(j, "seed"),
          opt_count(j, "operations")};
}

std::optional<std::int64_t> opt_int(const ordered_json& object, const char* key) {
  const auto& v = member(object, key);
  return v.is_number_integer() ? std::optional<std::int64_t>(v.get<std::int64_t>()) : std::nullopt;
}

std::vector<TimelineRun> timeline_from_json(const ordered_json& j) {
  std::vector<TimelineRun> out;
  if (!j.is_array()) return out;
  for (const auto& r : j) {
    TimelineRun run{text_of(r, "run"), {}, static_cast<std::size_t>(opt_count(r, "omitted").value_or(0)),
                    text_of(r, "error")};
    if (member(r, "events").is_array())
      for (const auto& e : r["events"])
        run.events.push_back({text_of(e, "ev"), text_of(e, "file"), text_of(e, "kind"), opt_int(e, "off"),
                              opt_int(e, "len"), opt_int(e, "size"), opt_int(e, "ret"), opt_int(e, "seq")});
    out.push_back(std::move(run));
  }
  return out;
}

ordered_json to_json(const std::vector<TimelineRun>& timeline) {
  ordered_json out = ordered_json::array();
  for (const auto& r : timeline) {
    ordered_json run{{"run", r.run}, {"events", ordered_json::array()}, {"omitted", r.omitted}};
    for (const auto& e : r.events) {
      ordered_json j{{"ev", e.ev}};
      put(j, "file", e.file);
      put(j, "kind", e.kind);
      put(j, "off", e.off);
      put(j, "len", e.len);
      put(j, "size", e.size);
      put(j, "ret", e.ret);
      put(j, "seq", e.seq);
      run["events"].push_back(std::move(j));
    }
    put(run, "error", r.error);
    out.push_back(std::move(run));
  }
  return out;
}

std::vector<TranscriptRun> transcript_from_json(const ordered_json& j) {
  std::vector<TranscriptRun> out;
  if (!j.is_array()) return out;
  for (const auto& r : j) {
    TranscriptRun run{text_of(r, "run"), {}, static_cast<std::size_t>(opt_count(r, "omitted").value_or(0))};
    if (member(r, "operations").is_array())
      for (const auto& o : r["operations"]) {
        TranscriptOp op{static_cast<std::size_t>(opt_count(o, "op").value_or(0)), text_of(o, "request"),
                        text_of(o, "reply"), text_of(o, "ack"), std::nullopt, std::nullopt};
        if (const auto from = opt_count(o, "journal_from")) op.journal_from = static_cast<std::size_t>(*from);
        if (const auto to = opt_count(o, "journal_to")) op.journal_to = static_cast<std::size_t>(*to);
        run.operations.push_back(std::move(op));
      }
    out.push_back(std::move(run));
  }
  return out;
}

}  // namespace

ordered_json to_json(const std::vector<TranscriptRun>& transcript) {
  ordered_json out = ordered_json::array();
  for (const auto& r : transcript) {
    ordered_json run{{"run", r.run}, {"operations", ordered_json::array()}, {"omitted", r.omitted}};
    for (const auto& o : r.operations) {
      ordered_json j{{"op", o.op}, {"request", o.request}, {"reply", o.reply}, {"ack", o.ack}};
      put(j, "journal_from", o.journal_from);
      put(j, "journal_to", o.journal_to);
      run["operations"].push_back(std::move(j));
    }
    out.push_back(std::move(run));
  }
  return out;
}

// ---- Failure <-> JSON ---------------------------------------------------------------------------------------------

ordered_json to_json(const Failure& f) {
  ordered_json j;
  j["index"] = f.index;
  j["scenario"] = f.scenario;
  j["seed"] = f.seed;
  j["verdict"] = f.verdict;
  j["violations"] = ordered_json::array();
  for (const auto& v : f.violations) j["violations"].push_back({{"name", v.name}, {"detail", v.detail}});
  if (f.error) j["error"] = *f.error;
  j["faults"] = to_json(f.faults);
  j["expected"] = to_json(f.expected);
  j["observed"] = to_json(f.observed);
  j["coverage"] = to_json(f.coverage);
  j["engine_log"] = f.engine_log;
  j["hexdump"] = f.hexdump;
  if (f.hexdump_before) j["hexdump_before"] = *f.hexdump_before;
  if (f.hexdump_after) j["hexdump_after"] = *f.hexdump_after;
  if (!f.timeline.empty()) j["timeline"] = to_json(f.timeline);
  if (!f.transcript.empty()) j["transcript"] = to_json(f.transcript);
  j["artifacts"] = f.artifacts ? ordered_json(*f.artifacts) : ordered_json(nullptr);
  j["trace_hash"] = f.trace_hash;
  j["seconds"] = f.seconds;
  j["repro"] = to_json(f.repro);
  if (!f.signature.empty()) j["signature"] = f.signature;
  return j;
}

Failure failure_from_json(const ordered_json& j) {
  Failure f;
  f.index = static_cast<std::size_t>(opt_count(j, "index").value_or(0));
  f.scenario = text_of(j, "scenario");
  f.seed = text_of(j, "seed");
  f.verdict = text_of(j, "verdict");
  if (member(j, "violations").is_array())
    for (const auto& v : j["violations"]) f.violations.push_back({text_of(v, "name"), text_of(v, "detail")});
  f.error = opt_text(j, "error");
  if (member(j, "faults").is_array())
    for (const auto& e : j["faults"]) f.faults.push_back(fault_from_json(e));
  f.expected = expected_from_json(member(j, "expected"));
  f.observed = observed_from_json(member(j, "observed"));
  f.coverage = coverage_from_json(member(j, "coverage"));
  f.engine_log = strings(member(j, "engine_log"));
  f.hexdump = text_of(j, "hexdump");
  f.hexdump_before = opt_text(j, "hexdump_before");
  f.hexdump_after = opt_text(j, "hexdump_after");
  f.timeline = timeline_from_json(member(j, "timeline"));
  f.transcript = transcript_from_json(member(j, "transcript"));
  f.artifacts = opt_text(j, "artifacts");
  f.trace_hash = text_of(j, "trace_hash");
  f.seconds = detail::seconds_of(j, "seconds");
  f.repro = repro_from_json(member(j, "repro"));
  f.signature = text_of(j, "signature");
  return f;
}

ordered_json to_json(const Group& g) {
  ordered_json j;
  j["signature"] = g.signature;
  j["title"] = g.title;
  j["verdict"] = g.verdict;
  j["violations"] = g.violations;
  j["kind"] = g.kind;
  j["file"] = g.file;
  j["field"] = g.field;
  j["recovery"] = g.recovery;
  j["count"] = g.count;
  j["scenarios"] = ordered_json::object();
  for (const auto& [name, n] : g.scenarios) j["scenarios"][name] = n;
  j["first"] = to_json(g.first);
  j["smallest"] = to_json(g.smallest);
  j["repro"] = to_json(g.repro);
  j["bundle"] = g.bundle ? ordered_json(*g.bundle) : ordered_json(nullptr);
  if (g.shrink) {
    ordered_json s{{"status", g.shrink->status}, {"trials", g.shrink->trials}, {"seconds", g.shrink->seconds}};
    if (g.shrink->operations) s["operations"] = *g.shrink->operations;
    if (g.shrink->original_operations) s["original_operations"] = *g.shrink->original_operations;
    j["shrink"] = std::move(s);
  }
  return j;
}

Group group_from_json(const ordered_json& j) {
  Group g;
  g.signature = text_of(j, "signature");
  g.title = text_of(j, "title");
  g.verdict = text_of(j, "verdict");
  g.violations = strings(member(j, "violations"));
  g.kind = text_of(j, "kind");
  g.file = text_of(j, "file");
  g.field = text_of(j, "field");
  g.recovery = text_of(j, "recovery");
  g.count = static_cast<std::size_t>(opt_count(j, "count").value_or(0));
  if (member(j, "scenarios").is_object())
    for (const auto& [name, n] : j["scenarios"].items())
      g.scenarios[name] = static_cast<std::size_t>(n.is_number_unsigned() ? n.get<std::uint64_t>() : 0);
  g.first = pointer_from_json(member(j, "first"));
  g.smallest = pointer_from_json(member(j, "smallest"));
  g.repro = repro_from_json(member(j, "repro"));
  g.bundle = opt_text(j, "bundle");
  if (const auto& s = member(j, "shrink"); s.is_object()) {
    GroupShrink out;
    out.status = text_of(s, "status");
    out.operations = opt_count(s, "operations");
    out.original_operations = opt_count(s, "original_operations");
    out.trials = static_cast<std::size_t>(opt_count(s, "trials").value_or(0));
    out.seconds = member(s, "seconds").is_number() ? s["seconds"].get<double>() : 0.0;
    g.shrink = std::move(out);
  }
  return g;
}

std::vector<Failure> failures_of(const ordered_json& report) { return signed_failures(report_from_json(report)); }

}  // namespace faultline::reports
