// Recovery policy. The clauses, numbered as in docs/recovery.md:
//   R1 classify read-only first; R2 a torn tail is an incomplete frame or zeros to EOF with nothing valid after it;
//   R3 valid frames after the damage make it mid-log damage, whatever its shape; R4 a refused log is not modified;
//   R5 back up, truncate, fsync before any append; R6 an intact frame that does not decode is refused in every mode.
#include "walkv/recovery.h"

#include <memory>

#include "walkv/backup.h"
#include "walkv/data_dir.h"

namespace walkv {
namespace {

std::string Describe(const wal::Damage& d) {
  std::string text = std::string(wal::DamageKindName(d.kind)) + " at offset " + std::to_string(d.offset);
  if (d.next_valid_offset) text += ", next valid record at offset " + std::to_string(*d.next_valid_offset);
  return text;
}

// The damage is accepted: save what follows the cut, truncate, fsync (R5).
Status CutAtDamage(Env* env, const std::string& dir, wal::WalReader* reader, RecoveryResult* result) {
  const wal::Damage& d = *result->damage;
  const uint64_t cut_at = d.offset;
  if (d.IsMidLog()) {
    Status s = ForEachRecordAfterDamage(reader, [&](const wal::WalReader&) { ++result->dropped_records; });
    if (!s.ok()) return s;
  }
  Status s = CutTail(env, LogPath(dir), cut_at, CutBackupPath(dir, d, cut_at), &result->backup_path);
  if (!s.ok()) return s;
  result->cut = true;
  result->dropped_bytes = d.file_bytes - cut_at;
  result->log_bytes = cut_at;
  return Status::Ok();
}

// K1, K2: the snapshot, if there is one, is the state up to its sequence; a damaged one refuses the start.
Status LoadSnapshot(Env* env, const std::string& dir, const ApplyFn& apply, RecoveryResult* result) {
  KvMap state;
  uint64_t sequence = 0;
  Status s = snapshot::Read(env, SnapshotPath(dir), &sequence, &state);
  if (s.IsNotFound()) return Status::Ok();
  if (s.code() == Status::Code::kCorruption) {
    result->snapshot_damaged = true;
    return Status::Corruption(s.message() + "; a snapshot is renamed into place only once fsynced, so this is not a "
                              "crash artefact: refusing to start, every file left as it is");
  }
  if (!s.ok()) return s;
  for (const auto& [key, value] : state) apply(wal::RecordView{sequence, wal::Op::kPut, key, value});
  result->snapshot_sequence = sequence;
  result->snapshot_entries = state.size();
  return Status::Ok();
}

// K4: what an interrupted compaction leaves under its temporary names. snapshot.tmp was never renamed (or its rename
// was lost), so the log still holds everything; wal.log.new is empty until it is renamed. Anything else is refused.
Status RemoveCompactionLeftovers(Env* env, const std::string& dir, RecoveryResult* result) {
  uint64_t size = 0;
  Status s = env->GetFileSize(NewLogPath(dir), &size);
  if (s.ok() && size != 0) {
    return Status::Corruption(NewLogPath(dir) + " holds " + std::to_string(size) +
                              " bytes, but compaction never writes to it before renaming it: refusing to start, every "
                              "file left as it is");
  }
  for (const std::string& path : {SnapshotTempPath(dir), NewLogPath(dir)}) {
    s = env->FileExists(path);
    if (s.IsNotFound()) continue;
    if (s.ok()) s = env->RemoveFile(path);
    if (!s.ok()) return s;
    result->removed.push_back(path);
  }
  return Status::Ok();
}

}  // namespace

std::optional<RecoveryMode> ParseRecoveryMode(std::string_view name) {
  if (name == "strict") return RecoveryMode::kStrict;
  if (name == "torn-tail") return RecoveryMode::kTornTail;
  if (name == "point-in-time") return RecoveryMode::kPointInTime;
  if (name == "salvage") return RecoveryMode::kSalvage;
  return std::nullopt;
}

std::string_view RecoveryModeName(RecoveryMode mode) {
  switch (mode) {
    case RecoveryMode::kStrict: return "strict";
    case RecoveryMode::kTornTail: return "torn-tail";
    case RecoveryMode::kPointInTime: return "point-in-time";
    case RecoveryMode::kSalvage: return "salvage";
  }
  return "unknown";
}

bool ModeAcceptsDamage(RecoveryMode mode, const wal::Damage& damage) {
  if (damage.kind == wal::DamageKind::kFormatError) return false;  // R6
  switch (mode) {
    case RecoveryMode::kStrict: return false;
    case RecoveryMode::kTornTail: return damage.IsTornTail();  // R2, R3
    case RecoveryMode::kPointInTime: return true;
    case RecoveryMode::kSalvage: return false;  // only offline, where every damaged span is shown to the operator
  }
  return false;
}

std::string CutBackupPath(const std::string& dir, const wal::Damage& damage, uint64_t offset) {
  return LogPath(dir) + (damage.IsTornTail() ? ".torn-" : ".damaged-") + std::to_string(offset);
}

Status ForEachRecordAfterDamage(wal::WalReader* reader, const std::function<void(const wal::WalReader&)>& fn) {
  wal::WalReader::Event event = wal::WalReader::Event::kDamage;
  while (event != wal::WalReader::Event::kEnd) {
    if (event == wal::WalReader::Event::kDamage && !reader->ResumeAfterDamage()) break;
    Status s = reader->Next(&event);
    if (!s.ok()) return s;
    if (event == wal::WalReader::Event::kRecord) fn(*reader);
  }
  return Status::Ok();
}

// The log's part of recovery: replay, then the mode's policy for the first damage (R1-R6).
static Status ReplayLog(Env* env, const std::string& dir, RecoveryMode mode, uint64_t snapshot_sequence,
                        const ApplyFn& apply, RecoveryResult* result) {
  std::unique_ptr<ReadableFile> file;
  Status s = env->NewReadableFile(LogPath(dir), &file);  // R1: read-only until the verdict is in
  if (s.IsNotFound()) return Status::Ok();                 // a new data directory
  if (!s.ok()) return s;

  wal::WalReader reader(file.get(), snapshot_sequence);
  wal::WalReader::Event event;
  for (;;) {
    s = reader.Next(&event);
    if (!s.ok()) return s;  // EIO is never end-of-log
    if (event != wal::WalReader::Event::kRecord) break;
    apply(reader.record());
  }
  result->records = reader.records();
  result->last_sequence = reader.last_sequence();
  result->log_bytes = reader.position();
  if (event == wal::WalReader::Event::kEnd) return Status::Ok();

  result->damage = reader.damage();
  const wal::Damage& d = *result->damage;
  if (d.kind == wal::DamageKind::kFormatError) return Status::FormatError(Describe(d));
  if (!ModeAcceptsDamage(mode, d)) return Status::Corruption(Describe(d));  // R4: the evidence stays as it is
  return CutAtDamage(env, dir, &reader, result);
}

Status Recover(Env* env, const std::string& dir, RecoveryMode mode, const ApplyFn& apply, RecoveryResult* result) {
  *result = RecoveryResult{};
  if (mode == RecoveryMode::kSalvage) {
    return Status::InvalidArgument("salvage is offline only: run walkv repair --dir " + dir + " --mode salvage");
  }
  Status s = LoadSnapshot(env, dir, apply, result);  // K1, K2
  if (!s.ok()) return s;
  const uint64_t covered = result->snapshot_sequence;
  // K3: records the snapshot holds (a log that compaction had not yet replaced) are not applied twice.
  const ApplyFn after_snapshot = [&](const wal::RecordView& r) {
    if (r.sequence > covered) apply(r);
  };
  s = ReplayLog(env, dir, mode, covered, covered == 0 ? apply : after_snapshot, result);
  if (!s.ok()) return s;
  if (result->last_sequence < covered) result->last_sequence = covered;  // the log holds nothing after the snapshot
  return RemoveCompactionLeftovers(env, dir, result);  // K4, only once the verdict is in
}

}  // namespace walkv
