// Internal: the `run` step of a trial: an engine under a fault plan, and what it left behind as a RunRecord.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/harness/session.h"
#include "faultline/harness/trial.h"
#include "faultline/journal.h"
#include "faultline/plan.h"
#include "trial/landing.h"

namespace faultline::harness::detail {


// What one engine run left behind (the `run` step's value): its acknowledgements, its journal parsed once, the records
// and per-file histories computed from it once, its exit, its stderr tail and the journal lines the trace hash covers.
// Indices are plain event indices of `events`; nothing here is read from disk again.
struct RunRecord {
  std::string label;                 // fault0, recovery0, restart, healthy, ... (the journal's name)
  std::filesystem::path journal;
  std::filesystem::path stderr_path;
  std::vector<Issued> issued;        // the workload's operations and what became of them (empty for recoveries)
  std::vector<faults::Event> events;
  std::vector<Record> records;       // successful writes to data files, in order
  std::map<std::string, faults::FileHistory> histories;  // per file, from the events (summarized once)
  // Target files the run found on disk and never touched (their histories come from existing_files).
  std::set<std::string> untouched;
  // Files written only around the shim, in this run or an earlier one of the trial (faults::leave_out_untracked):
  // not in `histories` or `records`.
  std::map<std::string, std::string> left_out;
  StartOutcome start;
  bool died = false;                 // the engine died during the workload
  ExitStatus status;
  bool hung = false;
  std::vector<std::string> protocol_errors;
  std::vector<std::string> stderr_tail;  // the last lines of the engine's stderr when the run ended
  // The journal lines free of races with the harness (EngineSession::stable_journal_bytes), as the shim wrote them:
  // what the trace hash covers. Taken when the run ends; an engine kept running (the recovered one) is settled later.
  std::vector<std::string> trace;
};

class Runner {
 public:
  explicit Runner(const TrialConfig& config);

  // Starts the engine on `data_dir` under `plan` (faults may be empty), sends `ops` one by one, stops at the first
  // operation without a reply, and leaves the engine as `ending` says. When a fault has a `step` trigger, the plan
  // gets a step counter that is raised to i + 1 before operation i is sent.
  enum class Ending { kKill, kQuit };
  const RunRecord& run(const std::filesystem::path& data_dir, const std::string& label,
                       std::vector<faults::FaultSpec> faults, const std::vector<Op>& ops, Ending ending,
                       bool all_files_targets = false);

  // Starts the engine for recovery; on READY, dumps its state and keeps it running in `session`.
  struct Recovery {
    RunRecord& record;
    DumpResult dump;
    std::unique_ptr<EngineSession> session;
  };
  Recovery recover(const std::filesystem::path& data_dir, const std::string& label,
                   std::vector<faults::FaultSpec> faults, bool all_files_targets = false);

  // From now on every plan records the history (`record`, faultline/history.h) to `file`, and run() raises the step
  // counter so each record names the operation in flight (`faultline explore`). Empty: stop recording.
  void record_to(const std::filesystem::path& file) { record_ = file; }

  // Takes `record`'s trace again once `session`, which outlived the call that started it, has ended or the trial ends.
  void settle(RunRecord& record, const EngineSession& session) const;

  // Every run of the trial, in the order the engines started (the trace hash covers them in that order).
  const std::deque<RunRecord>& records() const { return records_; }
  // The engine's command as split into words, with `data_dir` for {dir} (what a start runs).
  std::vector<std::string> argv(const std::filesystem::path& data_dir) const;
  void say(const std::string& line) const;

 private:
  std::unique_ptr<EngineSession> make_session(const std::filesystem::path& data_dir, const std::string& label,
                                              std::vector<faults::FaultSpec> faults, bool all_files_targets,
                                              RunRecord& record, bool stepped = false);
  const TrialConfig& config_;
  std::vector<std::string> command_;
  std::deque<RunRecord> records_;    // a deque: references handed out stay valid as runs are added
  std::uint64_t plan_counter_ = 0;
  std::filesystem::path record_;
  std::map<std::string, std::string> left_out_;  // trial-wide: files written only around the shim
};

// Journal lengths in bytes, taken before each request and when its reply arrived.
struct JournalSpan {
  std::size_t before = 0, after = 0;
};
// Fills Issued::journal_events_* (event indices) from the journal lengths `spans` (one per operation) measured during
// the run: an event belongs before a length when its line ends within it.
void set_event_indices(const faults::JournalText& journal, const std::vector<JournalSpan>& spans,
                       std::vector<Issued>& issued);
// The lines of `journal` ending within `stable_bytes`, for the trace.
std::vector<std::string> stable_lines(const faults::JournalText& journal, std::size_t stable_bytes);
std::vector<Record> records_of(const std::vector<faults::Event>& events, const std::vector<Issued>& issued,
                               const std::vector<std::string>& data_globs);
bool matches_any(const std::string& file, const std::vector<std::string>& globs);

// A hex dump of `file` around `offset` (kHexdumpBytes from hexdump_start), record fields labelled when the frame is
// known; hexdump_of_bytes the same of a file's bytes held in memory (what a file held before its damage).
inline constexpr std::size_t kHexdumpBytes = 128;
std::uint64_t hexdump_start(std::uint64_t offset);  // 48 bytes before `offset`, on a 16-byte row
std::string hexdump_around(const std::filesystem::path& file, std::uint64_t offset,
                           const std::vector<Record>& records, const scenarios::EngineProfile& profile);
std::string hexdump_of_bytes(std::string_view bytes, std::uint64_t offset, const std::vector<Record>& records,
                             const scenarios::EngineProfile& profile);
// The rows of a dump of `buf`, the bytes from hexdump_start(offset) on.
std::string hexdump_rows(std::string_view buf, std::uint64_t offset, const std::vector<Record>& records,
                         const scenarios::EngineProfile& profile);

}  // namespace faultline::harness::detail
