// Internal: the judgement of one cycle, as pure functions of what the run and the recovery recorded
// (docs/violations.md). The trial gathers the facts (it reads files and talks to the engine); these only decide.
#pragma once

#include <optional>
#include <string>
#include <vector>


#include "faultline/fault_kinds.h"
#include "faultline/harness/oracle.h"
#include "faultline/harness/process.h"
#include "faultline/harness/session.h"
#include "faultline/harness/trial.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::harness::detail {

// How the engine must behave while the fault of a kind fires during the workload.
enum class DuringRun : std::uint8_t {
  kKilled,        // the shim kills it (crash, and the crash of a power loss)
  kMayFailStop,   // it may stop after the error (write and fsync errors) but must not acknowledge after it
  kCarriesOn,     // it must keep running
};
DuringRun during_run(FaultKind kind);

struct FaultRunFacts {
  FaultKind kind = FaultKind::kCrash;
  std::string err;                        // the errno name of a write or fsync error
  const std::vector<Issued>& issued;      // journal_events_after as event indices
  std::size_t fault_event = 0;            // index of the first fault event in the journal (0 when none)
  bool hung = false;
  bool died = false;
  ExitStatus status;
  const std::vector<std::string>& protocol_errors;
};
// The violations of the fault run; `stop` when the trial cannot go on to recovery (the engine hung).
struct FaultRunJudgement {
  std::vector<Violation> violations;
  bool stop = false;
};
FaultRunJudgement judge_fault_run(const FaultRunFacts& facts);

struct RecoveryFacts {
  const StartOutcome& start;
  const Expectation& expected;
  const scenarios::EngineProfile& profile;
  FaultKind kind = FaultKind::kCrash;
  std::string evidence_changes;           // for a refusal: what changed in the data files ("" = nothing)
  // For a start: the dump, whether the engine hung during it, the recovered file and its size.
  const DumpResult* dump = nullptr;
  bool dump_hung = false;
  std::string file;
  std::uint64_t size_after = 0;
  const KvState& base;                    // the state before this cycle
  const std::vector<Issued>& issued;      // this cycle's operations
};
struct RecoveryJudgement {
  enum class Next : std::uint8_t {
    kStop,        // a violation (or the trial cannot continue)
    kRestart,     // an accepted refusal of a transient fault: a fault-free start must recover everything
    kAccepted,    // an accepted refusal with nothing more to check
    kContinue,    // started and judged correct: the dumped state is the next cycle's base
  } next = Next::kStop;
  std::vector<Violation> violations;
  std::optional<reports::Observed> observed;  // what recovery did (none when the dump failed)
};
RecoveryJudgement judge_recovery(const RecoveryFacts& facts);

// The fault-free start after a refused transient fault.
std::vector<Violation> judge_restart(const StartOutcome& start, const DumpResult& dump, const KvState& base,
                                     const std::vector<Issued>& issued);

// A fault placed while the engine runs that the journal shows never fired. Without a hang or a death the trial is
// void (fault-not-fired); nullopt when the engine wrote nothing at all to its data files (a harness error: the
// profile's data_files are wrong).
struct UnfiredFacts {
  FaultKind kind = FaultKind::kCrash;
  bool hung = false;
  bool died = false;
  ExitStatus status;
  bool wrote_records = false;
  std::size_t armed_op = 0;
  std::string armed_request;
};
std::optional<Violation> judge_unfired(const UnfiredFacts& facts);

// The health check after the last recovery: a write refused, a QUIT that failed, a clean restart that lost writes.
std::optional<Violation> judge_health_reply(const std::string& request, const std::optional<std::string>& reply);
std::optional<Violation> judge_quit(const std::optional<ExitStatus>& status);
std::optional<Violation> judge_health_restart(const StartOutcome& start, const DumpResult& dump,
                                              const KvState& expected, std::size_t more_writes);

// kError with an error, kPass without violations, kVoid when every violation is fault-not-fired, else kFail.
Verdict verdict_of(const std::vector<Violation>& violations, const std::string& error);

std::size_t leading_acked_count(const std::vector<Issued>& issued);

}  // namespace faultline::harness::detail
