// Internal: one trial as a pipeline of steps over values (ARCHITECTURE.md, "The trial pipeline"):
//
//   plan_trial (trial/plan.h)       every seeded choice that does not depend on the engine, drawn up front
//   Runner::run (run.h)             the engine under the fault plan: acknowledgements, journal events, records, histories
//   locate_* (trial/locate.h)       where the fault landed: file, record, byte, operation
//   storage faults (trial_storage)  what the harness does to the files while the engine is down
//   expect (trial/expect.h)         the expected outcome of recovery
//   judge_* (trial/judge.h)         the violations, from what the runs recorded
//
// TrialRun only sequences them: it owns the engine sessions, the data directory and the evidence, and appends what
// the steps decide to the TrialResult.
#pragma once

#include <map>
#include <optional>

#include "faultline/storage.h"
#include "run.h"
#include "trial/expect.h"
#include "trial/judge.h"
#include "trial/locate.h"
#include "trial/plan.h"

namespace faultline::harness::detail {

class TrialRun {
 public:
  TrialRun(const TrialConfig& config, TrialResult& result);
  void execute();
  const Runner& runner() const { return runner_; }
  // Writes the data files as they were before each recovery to work_dir/evidence-N/ (for kept trials).
  void write_evidence() const;
  // The engine still running after the last recovery, if any: settle its run's trace (before the trace hash) and
  // stop it (its destructor kills and reaps it).
  void settle_sessions() const {
    if (live_) runner_.settle(*live_run_, *live_);
  }
  void end_sessions() { live_.reset(); }

 private:
  bool run_cycle(std::uint32_t cycle, CyclePlan& plan);
  bool stop_live_engine();
  void keep_live(Runner::Recovery& recovery);
  const RunRecord* fault_run(std::uint32_t cycle, CyclePlan& plan);
  std::optional<Placement> locate(const RunRecord& run, CyclePlan& plan);
  bool judge_run(const RunRecord& run);
  bool apply_storage_faults(const RunRecord& run, const Placement& p, Rng& rng);
  void apply_at_rest(const Placement& p, Rng& rng);
  void apply_power_loss(const RunRecord& run, Rng& rng);
  Expectation expected_outcome(const RunRecord& run, const Placement& p) const;
  void keep_evidence(const RunRecord& run, const Placement& p);
  std::string hexdump_before_damage(const RunRecord& run, const Placement& p,
                                    const std::vector<Record>& labelled) const;
  void record_transcript(const RunRecord& run);
  void record_coverage(const RunRecord& run, const Placement& p, std::size_t operations);
  std::uint64_t rehearse(std::uint32_t cycle, CyclePlan& plan);
  bool crash_during_recovery();
  bool recover_and_judge(std::uint32_t cycle, const RunRecord& run, const Placement& p, const Expectation& e,
                         Rng& rng);
  bool restart_after_refusal(const RunRecord& run);
  void health_check(const std::vector<Op>& ops);
  void violate(const Violation& v);
  void violate(const std::string& name, const std::string& detail) { violate(Violation{name, detail}); }
  bool violate_all(const std::vector<Violation>& vs);  // false if there was any
  void snapshot_evidence();
  std::string evidence_changes() const;
  std::uint64_t file_size(const std::string& file) const;

  const TrialConfig& config_;
  TrialResult& result_;
  Runner runner_;
  std::filesystem::path data_;
  const scenarios::FaultSpec& fault_;
  KvState base_;                          // the state every recovery so far must have kept
  std::unique_ptr<EngineSession> live_;   // the engine after the last successful recovery
  RunRecord* live_run_ = nullptr;         // and the run that started it
  std::vector<faults::PowerLossAction> power_loss_actions_;
  std::vector<std::map<std::string, std::string>> evidence_;  // per cycle: data file name -> bytes before recovery
  std::optional<std::string> before_damage_;  // this cycle's aimed file before the harness damaged it, if it did
};

}  // namespace faultline::harness::detail
