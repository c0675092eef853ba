// The fault kinds: one table read by the shim's plan parser, the harness's plan checker, the journal reader, the
// scenario loader and the trial (docs/faults.md, docs/fault-plan.md).
//
// Model: a kind is one way storage misbehaves. Nine kinds are injected by the shim inside one call of the engine
// (their names appear in `fault KIND` plan lines and in the journal's `fault` events); two are scenario kinds the
// harness builds on them: `power_loss` (a crash armed in the shim, then the unsynced data dropped while the engine is
// down) and `at_rest` (damage written into the files while the engine is down). A kind is placed either while the
// engine runs the workload (aimed at one operation through the step counter, its landing read from the journal) or
// while the engine is down (on the records the fault run wrote: at-rest damage, and the read faults armed for the
// recovery that reads them).
//
// Names become FaultKind once, where text enters (scenario loader, plan parsers, journal reader). Code that acts on a
// kind switches over the enum without a default, so that -Wswitch-enum lists every place a new kind must touch.
//
// Libc-only and constexpr, like rng.h: the shim (no C++ runtime) includes it as well as the C++ libraries.
#pragma once

#include <stdint.h>

namespace faultline {

enum class FaultKind : uint8_t {
  kCrash,
  kShortWrite,
  kBitflipWrite,
  kBitflipRead,
  kWriteError,
  kReadError,
  kFsyncError,
  kLostWrite,
  kMisdirectedWrite,
  kPowerLoss,
  kAtRest,
};
inline constexpr int kFaultKindCount = 11;

// The call in which the shim evaluates a kind; kNone: the shim never sees it (a plan line naming it is invalid).
enum class FaultCall : uint8_t { kWrite, kReadBefore, kReadAfter, kSync, kNone };
// When the harness places a kind.
enum class FaultPlacement : uint8_t { kWhileRunning, kWhileDown };

// Parameters of a `fault` plan line and their ranges, besides the trigger (exactly one of offset= byte, nth= >= 1,
// prob= in (0, 1], step= >= 1) and file= and count=, which every kind takes. span= never goes with offset= (the
// offset already names the byte), nor with keep= (both say where the write stops).
inline constexpr int kBitMax = 7;  // bit= 0..kBitMax
struct FaultKindInfo {
  FaultKind kind;
  const char* name;            // the spelling in scenarios, plans and journals
  FaultCall call;
  FaultPlacement placement;
  FaultKind shim_kind;         // the kind the shim is armed with for it (itself, or crash for power_loss)
  const char* errnos;          // errno= values allowed, blank-separated; nullptr: no errno=
  bool keep;                   // keep=N bytes written first
  bool keep_with_offset;       // keep= together with offset= (crash and short_write keep the bytes before the offset)
  bool bit;                    // bit=0..kBitMax
  bool shift;                  // shift=N, nonzero
  bool span;                   // span=FROM:TO
};

inline constexpr FaultKindInfo kFaultKinds[kFaultKindCount] = {
    // kind                        name                 call                    placement                      shim kind
    {FaultKind::kCrash, "crash", FaultCall::kWrite, FaultPlacement::kWhileRunning, FaultKind::kCrash,
     nullptr, true, false, false, false, true},
    {FaultKind::kShortWrite, "short_write", FaultCall::kWrite, FaultPlacement::kWhileRunning, FaultKind::kShortWrite,
     nullptr, true, false, false, false, true},
    {FaultKind::kBitflipWrite, "bitflip_write", FaultCall::kWrite, FaultPlacement::kWhileRunning,
     FaultKind::kBitflipWrite, nullptr, false, false, true, false, true},
    {FaultKind::kBitflipRead, "bitflip_read", FaultCall::kReadAfter, FaultPlacement::kWhileDown,
     FaultKind::kBitflipRead, nullptr, false, false, true, false, false},
    {FaultKind::kWriteError, "write_error", FaultCall::kWrite, FaultPlacement::kWhileRunning, FaultKind::kWriteError,
     "EIO ENOSPC EDQUOT EFBIG", true, true, false, false, true},
    {FaultKind::kReadError, "read_error", FaultCall::kReadBefore, FaultPlacement::kWhileDown, FaultKind::kReadError,
     "EIO", false, false, false, false, false},
    {FaultKind::kFsyncError, "fsync_error", FaultCall::kSync, FaultPlacement::kWhileRunning, FaultKind::kFsyncError,
     "EIO ENOSPC EDQUOT", false, false, false, false, false},
    {FaultKind::kLostWrite, "lost_write", FaultCall::kWrite, FaultPlacement::kWhileRunning, FaultKind::kLostWrite,
     nullptr, false, false, false, false, false},
    {FaultKind::kMisdirectedWrite, "misdirected_write", FaultCall::kWrite, FaultPlacement::kWhileRunning,
     FaultKind::kMisdirectedWrite, nullptr, false, false, false, true, false},
    {FaultKind::kPowerLoss, "power_loss", FaultCall::kNone, FaultPlacement::kWhileRunning, FaultKind::kCrash,
     nullptr, false, false, false, false, false},
    {FaultKind::kAtRest, "at_rest", FaultCall::kNone, FaultPlacement::kWhileDown, FaultKind::kAtRest,
     nullptr, false, false, false, false, false},
};

constexpr const FaultKindInfo& fault_kind_info(FaultKind kind) { return kFaultKinds[static_cast<int>(kind)]; }
constexpr const char* fault_kind_name(FaultKind kind) { return fault_kind_info(kind).name; }
// Whether a plan may name the kind (the shim injects it).
constexpr bool shim_injects(FaultKind kind) { return fault_kind_info(kind).call != FaultCall::kNone; }

namespace fault_kinds_detail {
constexpr bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}
}  // namespace fault_kinds_detail

// The kind spelled `name`; false if there is none.
constexpr bool parse_fault_kind(const char* name, FaultKind* out) {
  for (const FaultKindInfo& k : kFaultKinds) {
    if (fault_kinds_detail::same(k.name, name)) {
      *out = k.kind;
      return true;
    }
  }
  return false;
}

// Whether `word` is one of the blank-separated words of `list` (a kind's errnos).
constexpr bool word_in_list(const char* word, const char* list) {
  if (list == nullptr) return false;
  for (const char* p = list; *p != '\0';) {
    const char* w = word;
    while (*p != '\0' && *p != ' ' && *p == *w) ++p, ++w;
    if (*w == '\0' && (*p == '\0' || *p == ' ')) return true;
    while (*p != '\0' && *p != ' ') ++p;
    if (*p == ' ') ++p;
  }
  return false;
}

// At-rest damage (scenario `damage`), written into a data file while the engine is down.
enum class AtRestDamage : uint8_t { kBitflip, kZero, kGarbage, kTruncate, kZeroTail, kGarbageTail };
inline constexpr int kAtRestDamageCount = 6;
inline constexpr const char* kAtRestDamageNames[kAtRestDamageCount] = {"bitflip",  "zero",      "garbage",
                                                                       "truncate", "zero-tail", "garbage-tail"};
constexpr const char* damage_name(AtRestDamage d) { return kAtRestDamageNames[static_cast<int>(d)]; }

// Power-loss models (docs/faults.md): spelled with dashes in scenarios, with underscores in the fault ledger.
enum class PowerLossModel : uint8_t { kDropUnsynced, kRandomPrefix, kSectorTear512, kSectorTear4096 };
inline constexpr int kPowerLossModelCount = 4;
struct PowerLossModelInfo {
  PowerLossModel model;
  const char* scenario_name;
  const char* name;
};
inline constexpr PowerLossModelInfo kPowerLossModels[kPowerLossModelCount] = {
    {PowerLossModel::kDropUnsynced, "drop-unsynced", "drop_unsynced"},
    {PowerLossModel::kRandomPrefix, "random-prefix", "random_prefix"},
    {PowerLossModel::kSectorTear512, "sector-512", "sector_tear_512"},
    {PowerLossModel::kSectorTear4096, "sector-4096", "sector_tear_4096"},
};
constexpr const PowerLossModelInfo& power_loss_model_info(PowerLossModel m) {
  return kPowerLossModels[static_cast<int>(m)];
}

// Each table is in enum order, so that looking a value up is indexing.
constexpr bool fault_kind_tables_in_order() {
  for (int i = 0; i < kFaultKindCount; ++i)
    if (static_cast<int>(kFaultKinds[i].kind) != i) return false;
  for (int i = 0; i < kPowerLossModelCount; ++i)
    if (static_cast<int>(kPowerLossModels[i].model) != i) return false;
  return true;
}
static_assert(fault_kind_tables_in_order(), "fault_kinds.h: a table is out of enum order");

}  // namespace faultline
