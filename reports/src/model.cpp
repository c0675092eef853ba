// The status rules, failure signatures and groups of the typed report model (model.h); its JSON side is
// model_json.cpp.
#include "faultline/reports/model.h"
#include "faultline/reports/report_model.h"

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "text.h"

namespace faultline::reports {

using nlohmann::ordered_json;
using detail::member;
using detail::text_of;

// ---- Status -------------------------------------------------------------------------------------------------------

Status status_from_counts(std::size_t failed, std::size_t errors, std::size_t determinism_mismatches,
                          bool harness_error) {
  if (failed > 0) return Status::kFail;
  if (errors > 0 || determinism_mismatches > 0 || harness_error) return Status::kError;
  return Status::kPass;
}

bool status_admits(Status status, std::size_t failed, std::size_t errors, std::size_t determinism_mismatches) {
  return status == status_from_counts(failed, errors, determinism_mismatches, false) ||
         status == status_from_counts(failed, errors, determinism_mismatches, true);
}

const char* to_string(Status status) {
  switch (status) {
    case Status::kPass: return "pass";
    case Status::kFail: return "fail";
    case Status::kError: return "error";
  }
  return "error";
}

Status parse_status(const std::string& text) {
  if (text == "pass") return Status::kPass;
  if (text == "fail") return Status::kFail;
  return Status::kError;
}

int exit_code(Status status, bool interrupted, bool harness_error) {
  if (interrupted) return 130;
  if (harness_error) return 3;  // the campaign could not go on: what it found is partial
  switch (status) {
    case Status::kPass: return 0;
    case Status::kFail: return 1;
    case Status::kError: return 3;
  }
  return 3;
}

namespace {

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// FNV-1a, 64 bits: stable across platforms and versions, which std::hash is not.
std::string fnv1a_hex(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

// A harness error's message without what varies between trials: digits (seeds, offsets, pids) and paths.
std::string error_class(const std::string& error) {
  std::string out;
  bool in_digits = false;
  for (std::size_t i = 0; i < error.size() && out.size() < 120; ++i) {
    const char c = error[i];
    if (c >= '0' && c <= '9') {
      if (!in_digits) out += '#';
      in_digits = true;
      continue;
    }
    in_digits = false;
    if (c == '/') {  // a path: keep its last component only
      while (!out.empty() && out.back() != ' ') out.pop_back();
      continue;
    }
    out += c;
  }
  return detail::one_line(detail::clean_text(out));
}

// What recovery did, in words, against what it should have done.
std::string recovery_of(const Failure& f) {
  const auto& o = f.observed;
  std::string did;
  if (o.outcome.empty()) {
    did = "no recovery";  // the trial ended before it: the engine died or hung during the workload
  } else if (o.outcome == "started") {
    did = "started";
    const auto& e = f.expected;
    if (e.size_after_recovery && o.size_after_recovery && *e.size_after_recovery != *o.size_after_recovery)
      did += *o.size_after_recovery < *e.size_after_recovery ? ", cut short" : ", cut long";
  } else if (o.outcome == "abort") {
    did = "refused";
  } else if (o.outcome == "exit") {
    did = "exited";
  } else {
    did = o.outcome;
  }
  if (!f.expected.outcome.empty()) did += "; expected " + f.expected.outcome;
  return did;
}

int verdict_rank(const std::string& verdict) { return verdict == "fail" ? 0 : verdict == "error" ? 1 : 2; }

}  // namespace

std::string FaultEntry::file() const {
  if (!text_of(event, "file").empty()) return text_of(event, "file");
  return files.empty() ? "" : files.front().file;
}

// ---- Signatures ---------------------------------------------------------------------------------------------------

Signature signature_of(const Failure& f) {
  Signature s;
  std::set<std::string> names;
  for (const auto& v : f.violations) names.insert(v.name);
  s.violations.assign(names.begin(), names.end());
  s.kind = f.coverage.kind;
  if (s.kind.empty() && !f.faults.empty()) s.kind = f.faults.front().kind;
  std::string file = f.expected.file.empty() ? f.observed.file : f.expected.file;
  for (std::size_t i = 0; file.empty() && i < f.faults.size(); ++i) file = f.faults[i].file();
  s.file = basename_of(file);
  s.field = f.coverage.field;
  s.recovery = recovery_of(f);
  const std::string what = s.violations.empty()
                               ? (f.verdict == "error" ? "harness error: " + error_class(f.error.value_or(""))
                                                       : f.verdict)
                               : fmt::format("{}", fmt::join(s.violations, "+"));
  s.key = fmt::format("v1|{}|{}|{}|{}|{}|{}", f.verdict, what, s.kind, s.file, s.field, s.recovery);
  s.id = fnv1a_hex(s.key);
  std::string fault = s.kind.empty() ? "no fault placed" : s.kind;
  if (!s.file.empty()) fault += " in " + s.file;
  if (!s.field.empty() && s.field != "any") fault += " (" + s.field + ")";
  s.title = fmt::format("{} · {} · {}", what, fault, s.recovery);
  return s;
}

std::vector<Group> group_failures(const std::vector<Failure>& failures) {
  std::map<std::string, Group> by_id;
  auto smaller = [](const TrialPointer& a, const TrialPointer& b) {
    const auto ops = [](const TrialPointer& t) { return t.operations.value_or(UINT64_MAX); };
    return std::tuple(ops(a), a.index) < std::tuple(ops(b), b.index);
  };
  for (const auto& f : failures) {
    const Signature s = signature_of(f);
    const TrialPointer here{f.index, f.scenario, f.seed, f.coverage.operations};
    auto [it, fresh] = by_id.try_emplace(s.id);
    Group& g = it->second;
    if (fresh) {
      g.signature = s.id;
      g.title = s.title;
      g.verdict = f.verdict;
      g.kind = s.kind;
      g.file = s.file;
      g.field = s.field;
      g.recovery = s.recovery;
      g.violations = s.violations;
      g.first = g.smallest = here;
      g.repro = f.repro;
    }
    ++g.count;
    ++g.scenarios[f.scenario];
    if (here.index < g.first.index) g.first = here;
    if (smaller(here, g.smallest)) {
      g.smallest = here;
      g.repro = f.repro;
    }
  }
  std::vector<Group> out;
  for (auto& [id, g] : by_id) out.push_back(std::move(g));
  std::sort(out.begin(), out.end(), [](const Group& a, const Group& b) {
    return std::tuple(verdict_rank(a.verdict), -static_cast<long long>(a.count), a.first.index, a.signature) <
           std::tuple(verdict_rank(b.verdict), -static_cast<long long>(b.count), b.first.index, b.signature);
  });
  return out;
}

// ---- Whole reports ------------------------------------------------------------------------------------------------

std::vector<Failure> signed_failures(const Report& report) {
  std::vector<Failure> out = report.failures;
  for (auto& f : out) f.signature = signature_of(f).id;  // a report's own value is never trusted over its fields
  return out;
}

std::vector<Group> groups_of(const Report& report) {
  auto groups = group_failures(signed_failures(report));
  if (report.groups) {
    // What only `run --shrink` knows (the bundle and how the shrink went) is kept from the written groups.
    std::map<std::string, const Group*> shrunk;
    for (const auto& g : *report.groups)
      if (g.bundle || g.shrink) shrunk[g.signature] = &g;
    for (auto& g : groups)
      if (const auto it = shrunk.find(g.signature); it != shrunk.end()) {
        g.bundle = it->second->bundle;
        g.shrink = it->second->shrink;
      }
  }
  return groups;
}

void add_groups(Report& report) {
  report.groups = groups_of(report);
  report.failures = signed_failures(report);
}

std::vector<Group> groups_of(const ordered_json& report) { return groups_of(report_from_json(report)); }

void add_groups(ordered_json& report) {
  auto typed = report_from_json(report);
  add_groups(typed);
  report = to_json(typed);
}

// ---- Shrink status ------------------------------------------------------------------------------------------------

std::string describe_shrink(const GroupShrink& s) {
  std::string out = s.status;
  if (s.status == "out-of-time") out = "out of time (--shrink-budget or --shrink-group-budget), no bundle";
  if (s.status == "partial") out = "out of time mid-way (--shrink-group-budget): the bundle is the smallest found";
  if (s.status == "not-reproduced")
    out = "not reproduced (the trial did not fail again from its seed or from its explicit plan), no bundle";
  if (s.status == "interrupted") out = "interrupted";
  if (s.operations && s.original_operations)
    out += fmt::format(", operations {} → {}", *s.original_operations, *s.operations);
  return out + fmt::format(", {} trials in {:.1f} s", s.trials, s.seconds);
}

// ---- Operation transcript -----------------------------------------------------------------------------------------

TranscriptRun bounded_transcript(std::string run, std::vector<TranscriptOp> operations) {
  TranscriptRun out{std::move(run), {}, 0};
  const std::size_t n = operations.size(), half = kTranscriptOpsPerRun / 2;
  for (std::size_t i = 0; i < n; ++i) {
    if (n > kTranscriptOpsPerRun && i >= half && i < n - half) {
      ++out.omitted;  // the middle of a long run: its first and last operations are the ones a reader looks at
      continue;
    }
    auto& op = operations[i];
    op.request = detail::shorten(detail::clean_text(op.request), kTranscriptTextBytes);
    op.reply = detail::shorten(detail::clean_text(op.reply), kTranscriptTextBytes);
    out.operations.push_back(std::move(op));
  }
  return out;
}

}  // namespace faultline::reports
