// The typed result model of a report (docs/report.md): what a failure entry holds, its signature, the groups of
// failures that share one, and the status and exit-code rules. The harness fills these structs (a TrialResult holds
// its fault ledger, expected and observed outcome and coverage as them; report_build.cpp makes the Failure), JSON is
// written only by the to_json functions here and read only by the from_json ones, and the renderers (text, JUnit,
// GitHub, HTML, diff) and merge read failure entries through the structs: a field is written and parsed in one place.
//
// A signature names the cause of a failing trial from what the trial shows (docs/report.md, "Signatures"): its
// verdict, the names of its violations, the fault kind, the file and record field hit, and what recovery did against
// what it should have done. It never depends on seeds, offsets, sizes or timings, so the same engine mistake gives the
// same signature in every trial, on every shard and in every campaign.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faultline::reports {

// ---- Status and exit codes: the rules, once ----------------------------------------------------------------------

enum class Status { kPass, kFail, kError };

// fail when a trial failed; error when none failed but one could not be judged, a rerun was not deterministic or the
// campaign itself stopped on a harness error (`harness_error`).
Status status_from_counts(std::size_t failed, std::size_t errors, std::size_t determinism_mismatches,
                          bool harness_error = false);
// Whether a report's status can follow from its counts by the rule above: the status of those counts, or error when
// that would be pass (a harness error makes the status error, and the report does not count those).
bool status_admits(Status status, std::size_t failed, std::size_t errors, std::size_t determinism_mismatches);
const char* to_string(Status status);
// "pass", "fail", "error"; anything else is kError (a report that cannot say it passed did not).
Status parse_status(const std::string& text);
// 0 pass, 1 fail, 3 error; 130 when interrupted whatever the status; 3 when the campaign could not go on
// (`harness_error`, not interrupted) even if it had found failures (README, "Exit codes").
int exit_code(Status status, bool interrupted = false, bool harness_error = false);

// ---- One failure entry --------------------------------------------------------------------------------------------

struct Violation {
  std::string name, detail;
  bool operator==(const Violation&) const = default;
};

struct Repro {
  std::vector<std::string> argv;
  std::string command;  // argv quoted for a POSIX shell
  bool operator==(const Repro&) const = default;
};

// The oracle's expected outcome; empty (outcome "") when the trial ended before the fault.
struct Expected {
  std::string outcome;  // start, truncate, clean-or-truncate, abort, either
  std::optional<bool> may_start, may_refuse;
  std::string file;
  std::optional<std::uint64_t> size_after_recovery;
  std::optional<std::uint64_t> must_keep_operations;
  std::string reason;
  bool operator==(const Expected&) const = default;
};

// What recovery did; empty (outcome "") when the trial ended before recovery.
struct Observed {
  std::string outcome;  // started, abort, exit, hang, protocol-error
  std::string detail, status, file, state;
  std::optional<std::uint64_t> size_after_recovery, operations_reflected;
  bool operator==(const Observed&) const = default;
};

// Where this trial's fault was aimed; empty (kind "") when the trial ended before placing it.
struct TrialCoverage {
  std::string kind, aim, field;
  std::optional<std::uint64_t> offset, record, op, records, record_from_end, offset_in_record, operations;
  std::string file, write, region, rewrite;  // the file hit, which write of its operation, head/body, overwrite/append
  bool operator==(const TrialCoverage&) const = default;
};

// One file a power loss acted on (docs/faults.md, "Power loss").
struct PowerLossFile {
  std::string file, action;  // action: kept, cut, ... (faults/include/faultline/storage.h)
  std::uint64_t size_before = 0, size_after = 0, synced_size = 0;
  std::string detail;
  bool operator==(const PowerLossFile&) const = default;
};

// One entry of the fault ledger: what fired or was done to the files, in which phase. Which fields are set depends
// on the kind (docs/report.md, "faults"): a fault the shim fired carries its journal line (`event`), at-rest damage
// says what it did where, a power loss lists the files it acted on.
struct FaultEntry {
  std::string phase;  // workload, engine down, recovery
  std::string kind;   // the wire name (faults/include/faultline/fault_kinds.h)
  nlohmann::ordered_json event;  // the shim's journal line for a fault it fired, as the journal holds it; null if none
  std::string damage;            // at rest: bitflip, zero, garbage, truncate, zero-tail, garbage-tail
  std::optional<std::uint64_t> offset, bit, length, size;
  std::string model;                 // power loss: the model
  std::vector<PowerLossFile> files;  // power loss: the files it acted on
  std::string file() const;          // the data file it hit: event.file or files[0].file; "" if none
  bool operator==(const FaultEntry&) const = default;
};

// 1.1: one engine run of the trial as the shim's journal saw it (writes, syncs, truncates, renames, faults), when
// the trial directory was kept. At most a bounded number of events per run; `omitted` counts the rest.
struct TimelineEvent {
  std::string ev, file, kind;
  std::optional<std::int64_t> off, len, size, ret;
  std::optional<std::int64_t> seq;  // 1.3: the event's position in its journal (what TranscriptOp's journal_* count)
  bool operator==(const TimelineEvent&) const = default;
};
struct TimelineRun {
  std::string run;  // "01-workload", "02-recovery", ...: the journal's name
  std::vector<TimelineEvent> events;
  std::size_t omitted = 0;
  std::string error;  // the journal could not be read
  bool operator==(const TimelineRun&) const = default;
};

// 1.3: the operation transcript of one engine run of the workload: each request, its reply, acknowledged or not.
// Bounded (kTranscript*): a long run keeps its first and last operations and counts the rest in `omitted`.
struct TranscriptOp {
  std::size_t op = 0;           // the operation's index in the cycle's workload
  std::string request, reply;   // reply "" when none came; both cut to kTranscriptTextBytes
  std::string ack;              // ok (acknowledged), error (an error reply: refused), no-reply
  std::optional<std::size_t> journal_from, journal_to;  // journal events before the request, and when the reply came
  bool operator==(const TranscriptOp&) const = default;
};
struct TranscriptRun {
  std::string run;  // the journal's name, as timeline[].run ("01-fault0")
  std::vector<TranscriptOp> operations;
  std::size_t omitted = 0;  // operations left out in the middle
  bool operator==(const TranscriptRun&) const = default;
};
inline constexpr std::size_t kTranscriptRuns = 8;
inline constexpr std::size_t kTranscriptOpsPerRun = 64;  // the first 32 and the last 32
inline constexpr std::size_t kTranscriptTextBytes = 160;
// The run's operations within the bounds above (requests and replies cut, the middle left out).
TranscriptRun bounded_transcript(std::string run, std::vector<TranscriptOp> operations);

struct Failure {
  std::size_t index = 0;
  std::string scenario, seed, verdict;  // seed: decimal string; verdict: fail, void, error
  std::vector<Violation> violations;
  std::optional<std::string> error;
  std::vector<FaultEntry> faults;
  Expected expected;
  Observed observed;
  TrialCoverage coverage;
  std::vector<std::string> engine_log;
  std::string hexdump;                        // after the damage, before recovery
  std::optional<std::string> hexdump_before;  // 1.3: the same bytes before the damage, when the harness knows them
  std::optional<std::string> hexdump_after;   // 1.1: the same region after recovery, when the file was kept
  std::vector<TimelineRun> timeline;          // 1.1: empty when the trial directory was not kept
  std::vector<TranscriptRun> transcript;      // 1.3: the workload's requests and replies, per fault run
  std::optional<std::string> artifacts;
  std::string trace_hash;
  double seconds = 0;
  Repro repro;
  std::string signature;  // 1.1; recomputed by failures_of() when absent
  bool operator==(const Failure&) const = default;
};

// ---- Signatures and groups ----------------------------------------------------------------------------------------

struct Signature {
  std::string id;     // 16 hex digits: FNV-1a 64 of `key`
  std::string key;    // the canonical text the id is a hash of (a stable, readable form)
  std::string title;  // for people: "lost-acked-write · crash in wal.log (payload) · started, cut short; expected truncate"
  std::vector<std::string> violations;  // sorted, unique
  std::string kind, file, field, recovery;
};

Signature signature_of(const Failure& failure);

struct TrialPointer {
  std::size_t index = 0;
  std::string scenario, seed;
  std::optional<std::uint64_t> operations;  // the workload's operations, the measure of "smallest"
  bool operator==(const TrialPointer&) const = default;
};

// What `run --shrink` did for a group (docs/report.md, "Signatures and groups").
struct GroupShrink {
  std::string status;  // shrunk, partial, out-of-time, interrupted, not-reproduced
  std::optional<std::uint64_t> operations, original_operations;  // of the bundle's first cycle; with a bundle only
  std::size_t trials = 0;  // trials the shrinker ran
  double seconds = 0;
  bool operator==(const GroupShrink&) const = default;
};

// The shrink in words, for every renderer: "shrunk, operations 16 → 3, 42 trials in 12.3 s", "not reproduced (…)".
std::string describe_shrink(const GroupShrink& shrink);

struct Group {
  std::string signature;  // Signature::id
  std::string title, verdict, kind, file, field, recovery;
  std::vector<std::string> violations;
  std::size_t count = 0;                         // trials with this signature
  std::map<std::string, std::size_t> scenarios;  // scenario -> trials
  TrialPointer first;     // the lowest campaign index
  TrialPointer smallest;  // the fewest operations (ties: the lowest index)
  Repro repro;            // replays `smallest`
  std::optional<std::string> bundle;  // a shrunk bundle of `smallest` (run --shrink), when one was written
  std::optional<GroupShrink> shrink;  // run --shrink only
  bool operator==(const Group&) const = default;
};

// Groups the failures by signature: fail groups first, then error, then void; within a verdict the largest group
// first (ties: the lowest first index). A pure function of the entries, so shards merge into the same groups.
std::vector<Group> group_failures(const std::vector<Failure>& failures);

// ---- JSON ---------------------------------------------------------------------------------------------------------

nlohmann::ordered_json to_json(const Failure& failure);
nlohmann::ordered_json to_json(const std::vector<TranscriptRun>& transcript);  // failures[].transcript
Failure failure_from_json(const nlohmann::ordered_json& entry);
// The parts of a failure entry, for the writers that hold one part (the harness's all-trials lines, the renderers).
// An empty part (outcome or kind "") is the empty object.
nlohmann::ordered_json to_json(const FaultEntry& entry);
nlohmann::ordered_json to_json(const std::vector<FaultEntry>& ledger);
nlohmann::ordered_json to_json(const Expected& expected);
nlohmann::ordered_json to_json(const Observed& observed);
nlohmann::ordered_json to_json(const TrialCoverage& coverage);
nlohmann::ordered_json to_json(const Group& group);
Group group_from_json(const nlohmann::ordered_json& entry);

// The report's failures, typed, each with its signature (computed for 1.0 reports, which have none).
std::vector<Failure> failures_of(const nlohmann::ordered_json& report);
// The report's groups: recomputed from its failures (so a 1.0 report has them too), with the bundle paths of the
// report's own `groups` kept.
std::vector<Group> groups_of(const nlohmann::ordered_json& report);
// Sets failures[].signature and `groups` of a report document from its failures (the writer and merge call it).
void add_groups(nlohmann::ordered_json& report);

}  // namespace faultline::reports
