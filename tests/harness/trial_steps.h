// Records, profiles and faults built by hand for the tests of the trial's pure steps (harness/src/trial/).
#pragma once

#include "trial/expect.h"
#include "trial/judge.h"

namespace faultline::harness::detail::steps_testing {

using scenarios::EngineProfile;
using scenarios::FaultSpec;

inline EngineProfile walkv_like() {
  EngineProfile p;
  p.record_per_write = true;
  p.frame = scenarios::Frame{4, 4};
  p.torn_tail = scenarios::TornTailPolicy::kTruncate;
  p.sync = scenarios::SyncPromise::kAlways;
  p.corrupt_exit_code = 3;
  return p;
}

inline FaultSpec fault(FaultKind kind, AtRestDamage damage = AtRestDamage::kBitflip) {
  FaultSpec f;
  f.kind = kind;
  f.damage = damage;
  return f;
}

// `n` records of 20 bytes in wal.log, record i written for operation i.
inline std::vector<Record> log_of(std::size_t n) {
  std::vector<Record> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back({"wal.log", 20 * i, 20, i, 2 * i + 1});
  return out;
}

// A black box (docs/profiles.md: no `record_per_write`, `torn_tail: either`).
inline EngineProfile black_box_like() {
  EngineProfile p;
  p.torn_tail = scenarios::TornTailPolicy::kEither;
  p.sync = scenarios::SyncPromise::kAlways;
  p.corrupt_exit_code = 3;
  return p;
}

// A black box's log: a 16-byte file header written at start-up (no operation), then for each of `n` operations a
// 4-byte frame header and a 16-byte page, two writes (SQLite's WAL frames have this shape).
inline std::vector<Record> framed_log_of(std::size_t n) {
  std::vector<Record> out{{"wal.log", 0, 16, SIZE_MAX, 1}};
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({"wal.log", 16 + 20 * i, 4, i, 3 + 3 * i});
    out.push_back({"wal.log", 20 + 20 * i, 16, i, 4 + 3 * i});
  }
  return out;
}

inline Placement at_record(std::size_t i, std::uint64_t within = 7) {
  return {i, "wal.log", 20 * i, 20, i, 20 * i + within, "payload"};
}

}  // namespace faultline::harness::detail::steps_testing
