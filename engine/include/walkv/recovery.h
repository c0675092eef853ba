// Start-up recovery: replay the log and apply the mode's policy to the first damage (docs/recovery.md).
//
// Model: the reader first classifies the damage READ-ONLY (docs/design-notes.md §1.16). Only then, if the mode allows
// a cut, are the dropped bytes saved beside the log, the log truncated and fsynced. Nothing is appended before that
// (§1.5). A crash at any step leaves a state from which the next start reaches the same result. A mode that refuses
// the damage leaves the file byte-for-byte untouched.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "walkv/env.h"
#include "walkv/snapshot_format.h"
#include "walkv/status.h"
#include "walkv/wal_reader.h"

namespace walkv {

enum class RecoveryMode {
  kStrict,       // any damage, even a torn tail, refuses to start
  kTornTail,     // default: cut a torn tail; refuse anything else
  kPointInTime,  // keep what precedes the first damage, cut the rest (saved beside the log); never refuse damage
  kSalvage,      // skip damaged spans and keep later records: offline only (walkv repair), refused at start-up
};

std::optional<RecoveryMode> ParseRecoveryMode(std::string_view name);
std::string_view RecoveryModeName(RecoveryMode mode);

struct RecoveryResult {
  uint64_t records = 0;        // valid records replayed
  uint64_t last_sequence = 0;  // the writer continues at last_sequence + 1
  uint64_t log_bytes = 0;      // where the log ends after recovery
  std::optional<wal::Damage> damage;  // the first damage, if any
  bool cut = false;                   // the log was truncated at damage->offset (or earlier)
  std::string backup_path;            // where the cut bytes were saved
  uint64_t dropped_bytes = 0;
  uint64_t dropped_records = 0;  // valid frames inside the cut region (point-in-time after mid-log damage)
  uint64_t snapshot_sequence = 0;  // the snapshot's last sequence; 0 without a snapshot
  uint64_t snapshot_entries = 0;   // keys loaded from it
  bool snapshot_damaged = false;   // the start was refused because the snapshot does not decode
  std::vector<std::string> removed;  // leftovers of an interrupted compaction, removed after the verdict
};

using ApplyFn = std::function<void(const wal::RecordView&)>;

// Loads SnapshotPath(dir) if there is one, then replays LogPath(dir) into apply, in sequence order, skipping the
// records the snapshot holds, and applies mode's policy. A missing log is an empty one. Once the verdict is Ok, the
// leftovers of an interrupted compaction are removed (docs/recovery.md, "Compaction", K1-K4). Corruption also for a
// snapshot that does not decode (result->snapshot_damaged) and for a non-empty wal.log.new; nothing is modified then.
// Ok: the log ends at a valid frame boundary and the writer may append. Corruption: the mode refuses the damage
// (result->damage says where; the file is untouched). FormatError: an intact frame does not decode (refused in every
// mode: it is not damage). IOError: reading or cutting failed. InvalidArgument: kSalvage.
Status Recover(Env* env, const std::string& dir, RecoveryMode mode, const ApplyFn& apply, RecoveryResult* result);

// The policy alone: whether mode keeps going after cutting at this damage (true) or refuses to start (false).
bool ModeAcceptsDamage(RecoveryMode mode, const wal::Damage& damage);

// File name for bytes cut at offset: "wal.log.torn-<offset>" for a torn tail, "wal.log.damaged-<offset>" otherwise.
std::string CutBackupPath(const std::string& dir, const wal::Damage& damage, uint64_t offset);

// Continues a reader stopped at damage as a salvage walk would (skipping every damaged span), calling fn for each
// valid record after it: what a cut at the damage would lose.
Status ForEachRecordAfterDamage(wal::WalReader* reader, const std::function<void(const wal::WalReader&)>& fn);

}  // namespace walkv
