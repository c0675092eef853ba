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

inline Placement at_record(std::size_t i, std::uint64_t within = 7) {
  return {i, "wal.log", 20 * i, 20, i, 20 * i + within, "payload"};
}

}  // namespace faultline::harness::detail::steps_testing
