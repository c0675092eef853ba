// Internal: running an engine under a fault plan and reading back what the journal saw.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "faultline/harness/session.h"
#include "faultline/harness/trial.h"
#include "faultline/journal.h"
#include "faultline/plan.h"
#include "trial/landing.h"

namespace faultline::harness::detail {


struct RunResult {
  std::vector<Issued> issued;
  std::vector<faults::Event> events;
  std::vector<Record> records;       // successful writes to data files, in order
  std::map<std::string, faults::FileHistory> histories;  // per file, from the events (summarized once)
  StartOutcome start;
  bool died = false;                 // the engine died during the workload
  ExitStatus status;
  bool hung = false;
  std::vector<std::string> protocol_errors;
  std::filesystem::path stderr_path;
};

class Runner {
 public:
  explicit Runner(const TrialConfig& config);

  // Starts the engine on `data_dir` under `plan` (faults may be empty), sends `ops` one by one, stops at the first
  // operation without a reply, and leaves the engine as `ending` says. When a fault has a `step` trigger, the plan
  // gets a step counter that is raised to i + 1 before operation i is sent.
  enum class Ending { kKill, kQuit };
  RunResult run(const std::filesystem::path& data_dir, const std::string& label,
                std::vector<faults::FaultSpec> faults, const std::vector<Op>& ops, Ending ending,
                bool all_files_targets = false);

  // Starts the engine for recovery; on READY, dumps its state and keeps it running in `session`.
  struct Recovery {
    StartOutcome start;
    DumpResult dump;
    std::unique_ptr<EngineSession> session;
    std::vector<faults::Event> events;
    std::filesystem::path stderr_path;
  };
  Recovery recover(const std::filesystem::path& data_dir, const std::string& label,
                   std::vector<faults::FaultSpec> faults, bool all_files_targets = false);

  // From now on every plan records the history (`record`, faultline/history.h) to `file`, and run() raises the step
  // counter so each record names the operation in flight (`faultline explore`). Empty: stop recording.
  void record_to(const std::filesystem::path& file) { record_ = file; }

  const std::vector<std::string>& plans() const { return plans_; }
  const std::vector<std::filesystem::path>& journals() const { return journals_; }
  // Per journal: the length within which its lines are free of races with the harness (EngineSession::track_journal).
  std::size_t stable_bytes(std::size_t journal) const { return *marks_.at(journal); }
  void say(const std::string& line) const;

 private:
  std::unique_ptr<EngineSession> make_session(const std::filesystem::path& data_dir, const std::string& label,
                                              std::vector<faults::FaultSpec> faults, bool all_files_targets,
                                              std::filesystem::path& journal, std::filesystem::path& stderr_path,
                                              bool stepped = false);
  const TrialConfig& config_;
  std::vector<std::string> command_;
  std::vector<std::string> plans_;
  std::vector<std::filesystem::path> journals_;
  std::vector<std::shared_ptr<std::size_t>> marks_;
  std::uint64_t plan_counter_ = 0;
  std::filesystem::path record_;
};

// Issued::journal_events_* are recorded as journal lengths during a run; this turns them into event indices.
void bytes_to_event_indices(const faults::JournalText& journal, std::vector<Issued>& issued);
std::vector<Record> records_of(const std::vector<faults::Event>& events, const std::vector<Issued>& issued,
                               const std::vector<std::string>& data_globs);
bool matches_any(const std::string& file, const std::vector<std::string>& globs);

// A hex dump of `file` around `offset`, record fields labelled when the frame is known.
std::string hexdump_around(const std::filesystem::path& file, std::uint64_t offset,
                           const std::vector<Record>& records, const scenarios::EngineProfile& profile);

}  // namespace faultline::harness::detail
