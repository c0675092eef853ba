// Internal: the steps of one trial (fault run, storage faults, recovery, judgement, health check).
#pragma once

#include <map>
#include <optional>

#include "faultline/storage.h"
#include "run.h"

namespace faultline::harness::detail {

// Where the fault of a cycle landed: read from the fault the shim journaled (faults placed while the engine runs), or
// drawn over the records of the fault run (damage at rest, read faults during recovery).
struct Placement {
  std::size_t record = 0;        // index among the records written to `file` (a torn write counts as the next one)
  std::string file;
  std::uint64_t record_off = 0;
  std::uint64_t record_len = 0;
  std::size_t op = SIZE_MAX;     // the operation that wrote that record
  std::uint64_t offset = 0;      // the aimed byte (file offset)
  std::string field;             // length, payload, checksum, boundary (as it fell), or record
};

std::size_t leading_acked_count(const std::vector<Issued>& issued);

class TrialRun {
 public:
  TrialRun(const TrialConfig& config, TrialResult& result);
  void execute();
  const Runner& runner() const { return runner_; }
  // Writes the data files as they were before each recovery to work_dir/evidence-N/ (for kept trials).
  void write_evidence() const;
  // Stops the engine still running after the last recovery, if any (its destructor kills and reaps it).
  void end_sessions() { live_.reset(); }

 private:
  bool run_cycle(std::uint32_t cycle, const std::vector<Op>& ops);
  // Faults placed while the engine runs: which operation the fault is armed for (by the scenario's aim), the fault
  // line with its step and span, and where it landed according to the journal.
  std::size_t choose_op(const std::vector<Op>& ops, Rng& rng) const;
  faults::Span field_span(bool at_least_one_byte) const;
  faults::FaultSpec armed_fault(std::size_t op, Rng& rng) const;
  std::optional<Placement> placement_of_fault(const RunResult& run) const;
  // Faults placed after the run, on its records.
  Placement place(const std::vector<Record>& records, std::size_t operations, Rng& rng) const;
  std::vector<faults::FaultSpec> read_faults(const Placement& p, Rng& rng) const;
  std::string field_name(std::uint64_t within, std::uint64_t len) const;
  bool check_fault_run(const RunResult& run, const Placement& p);
  bool apply_storage_faults(const RunResult& run, const Placement& p, Rng& rng);
  Expectation expect(const RunResult& run, const Placement& p) const;
  bool judge(Runner::Recovery& recovery, const Expectation& e, const RunResult& run, const Placement& p);
  bool restart_after_refusal(const Expectation& e, const RunResult& run);
  void health_check();
  void violate(const std::string& name, const std::string& detail);
  void snapshot_evidence();
  std::string evidence_changes() const;
  std::uint64_t file_size(const std::string& file) const;

  const TrialConfig& config_;
  TrialResult& result_;
  Runner runner_;
  std::filesystem::path data_;
  const scenarios::FaultSpec& fault_;
  KvState base_;
  std::uint32_t next_value_index_ = 0;
  std::uint32_t cycle_ = 0;
  std::unique_ptr<EngineSession> live_;   // the engine after the last successful recovery
  std::vector<faults::PowerLossAction> power_loss_actions_;
  std::vector<std::map<std::string, std::string>> evidence_;  // per cycle: data file name -> bytes before recovery
};

}  // namespace faultline::harness::detail
