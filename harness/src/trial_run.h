// Internal: the steps of one trial (record run, fault run, storage faults, recovery, judgement, health check).
#pragma once

#include <optional>

#include "faultline/storage.h"
#include "run.h"

namespace faultline::harness::detail {

// Where the fault of a cycle is aimed, resolved against the record run's writes.
struct Placement {
  std::size_t record = 0;        // index among the record run's records
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

 private:
  bool run_cycle(std::uint32_t cycle, const std::vector<Op>& ops);
  std::optional<RunResult> record_run(std::uint32_t cycle, const std::vector<Op>& ops);
  Placement place(const std::vector<Record>& records, Rng& rng) const;
  std::vector<faults::FaultSpec> shim_faults(const Placement& p, Rng& rng, bool recovery_run) const;
  bool check_fault_run(const RunResult& run, const Placement& p);
  bool apply_storage_faults(const RunResult& run, const Placement& p, Rng& rng);
  Expectation expect(const RunResult& run, const Placement& p) const;
  bool judge(Runner::Recovery& recovery, const Expectation& e, const RunResult& run, const Placement& p);
  bool restart_after_refusal(const Expectation& e, const RunResult& run);
  void health_check();
  void violate(const std::string& name, const std::string& detail);
  void snapshot_evidence(const std::filesystem::path& to) const;
  std::string evidence_changes(const std::filesystem::path& snapshot) const;
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
};

}  // namespace faultline::harness::detail
