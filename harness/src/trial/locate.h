// Internal: where a fault landed, by file, record and operation (the `locate` step of a trial).
//
// A fault placed while the engine runs is located from the `fault` event the shim journaled: its file, the write it
// hit, the byte it aimed at, the operation in flight. A fault placed while the engine is down is aimed at one of the
// records the fault run wrote, by the scenario's aim and field, with draws from the cycle's stream.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "faultline/harness/trial.h"
#include "faultline/harness/trial_plan.h"
#include "faultline/journal.h"
#include "faultline/rng.h"
#include "landing.h"

namespace faultline::harness::detail {

// Which field of a record of `len` bytes the byte `within` it falls in: boundary (its first byte), length, payload,
// checksum (with a frame), or record (without one).
std::string field_name(std::uint64_t within, std::uint64_t len, const std::optional<scenarios::Frame>& frame);

// The landing of the first fault event in `events`, or nullopt when no fault fired.
std::optional<Placement> locate_fired(FaultKind kind, const std::vector<faults::Event>& events,
                                      const std::vector<Record>& records, const std::vector<Issued>& issued,
                                      const std::optional<scenarios::Frame>& frame);

// The records whose bytes are still in a file when the engine is down: each follows its file through the renames
// after it (a record of a file renamed over is gone), unlinked files lose theirs, and what lies past a file's size on
// disk now (`size_now`: nullopt when the file does not exist) is cut off. Damage is aimed only at these.
std::vector<Record> live_records(std::vector<Record> records, const std::vector<faults::Event>& events,
                                 const std::function<std::optional<std::uint64_t>(const std::string&)>& size_now);

// A record of `records` (not empty) and a byte of it, for a fault placed while the engine is down. The plan's
// explicit placement (`aim`, CyclePlan::aim) replaces the draws.
Placement locate_on_records(const scenarios::FaultSpec& fault, const std::vector<Record>& records,
                            std::size_t operations, const std::optional<scenarios::Frame>& frame,
                            const std::optional<RecordAim>& aim, Rng& rng);

}  // namespace faultline::harness::detail
