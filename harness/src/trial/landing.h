// Internal: the plain values a trial passes between its steps: the records a run wrote and where a fault landed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace faultline::harness::detail {

// One write call the engine made to a data file: a record, for engines that write one record per call.
struct Record {
  std::string file;
  std::uint64_t off = 0;
  std::uint64_t len = 0;
  std::size_t op = SIZE_MAX;         // index of the operation during whose request it was written
  std::size_t journal_index = 0;     // index of its write event in the run's journal
};

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
  std::size_t journal_index = 0; // the fault event (faults placed while the engine runs) or the hit write's event
  bool completed = true;         // the hit write reached the file (a crash or a failed write stops it: no record)
};

}  // namespace faultline::harness::detail
