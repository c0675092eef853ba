// Internal: the expected outcome of recovery after one fault (docs/violations.md, "Expected outcomes").
//
// A pure function of what the run recorded and where the fault landed: the records written, the acknowledgements,
// the damaged file's size when recovery starts, what a power loss did, and the engine's declared promises. Each fault
// maps to one rule (outcome_rule); kExpectedOutcomes states each rule in the sentence docs/violations.md prints, and a
// test checks that the document carries exactly these rows.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "faultline/harness/oracle.h"
#include "faultline/scenarios/scenario.h"
#include "faultline/storage.h"
#include "landing.h"

namespace faultline::harness::detail {

enum class OutcomeRule : std::uint8_t {
  kTornWrite,
  kContinuedWrite,
  kDamagedRecord,
  kFlippedRead,
  kFailedRead,
  kFailedWrite,
  kFailedSync,
  kTruncatedAtRest,
  kZeroTail,
  kGarbageTail,
  kPowerLoss,
};

struct ExpectedOutcomeRow {
  OutcomeRule rule;
  std::string_view fault;     // the "fault" column of docs/violations.md
  std::string_view expected;  // the "expected" column
  std::string_view black_box; // the "black box" column: what changes without `record_per_write`
};
extern const std::vector<ExpectedOutcomeRow> kExpectedOutcomes;  // one row per rule, in enum order

OutcomeRule outcome_rule(const scenarios::FaultSpec& fault);

struct ExpectInput {
  const scenarios::FaultSpec& fault;
  const scenarios::EngineProfile& profile;
  const Placement& placement;
  const std::vector<Record>& records;            // the fault run's writes to data files, in order
  std::size_t acked_prefix = 0;                  // leading_acked_count of the fault run
  std::size_t operations = 0;                    // operations issued in the fault run
  std::uint64_t size_now = 0;                    // the damaged file's size once every fault was applied
  std::uint64_t synced_size = 0;                 // of that file, according to the journal
  const std::vector<faults::PowerLossAction>& power_loss;  // what a power loss did (empty without one)
  bool base_empty = true;                        // nothing survives from earlier cycles (the state before this one)
};

// A black box (no `record_per_write`): the writes of a run are not records, so damage is judged by the operations
// whose writes it touched and by what operations wrote after it, never by write calls (docs/violations.md).
inline bool black_box(const scenarios::EngineProfile& profile) { return !profile.record_per_write; }

Expectation expect(const ExpectInput& in);

}  // namespace faultline::harness::detail
