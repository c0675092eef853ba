// walkv repair: the operator's decision about damage that start-up refused (or would cut).
//   truncate: cut at the first damage, like point-in-time recovery; later valid records are lost.
//   salvage:  keep every valid record, skipping each damaged span; the kept records are renumbered into a new log.
// Both hold the exclusive lock, ask before changing anything (unless --yes), keep a backup of what they remove, and
// print what was lost. Both are crash-safe: until the final rename (salvage) or truncate (truncate), the original
// log is in place, and the backup is durable before either.
#include <nlohmann/json.hpp>

#include <set>

#include "walkv/backup.h"
#include "walkv/data_dir.h"
#include "walkv/snapshot_format.h"
#include "walkv/tools.h"
#include "walkv/wal_writer.h"

namespace walkv {
namespace {

using Json = nlohmann::ordered_json;
constexpr size_t kMaxKeysListed = 100;

struct Plan {
  wal::Damage first_damage;
  uint64_t kept_records = 0;
  uint64_t lost_records = 0;     // valid records the repair drops (truncate only)
  uint64_t lost_bytes = 0;
  uint64_t damaged_spans = 0;
  std::set<std::string> lost_keys;  // keys whose dropped records were readable
};

// One salvage walk over the whole log, collecting what each mode keeps and loses.
Status MakePlan(ReadableFile* file, uint64_t snapshot_sequence, RepairMode mode, Plan* plan, bool* clean) {
  wal::WalReader reader(file, snapshot_sequence);
  wal::WalReader::Event event;
  bool past_damage = false;
  for (;;) {
    Status s = reader.Next(&event);
    if (!s.ok()) return s;
    if (event == wal::WalReader::Event::kEnd) break;
    if (event == wal::WalReader::Event::kDamage) {
      const wal::Damage& d = reader.damage();
      if (!past_damage) plan->first_damage = d;
      past_damage = true;
      ++plan->damaged_spans;
      if (mode == RepairMode::kSalvage) plan->lost_bytes += d.next_valid_offset.value_or(d.file_bytes) - d.offset;
      if (!reader.ResumeAfterDamage()) break;
      continue;
    }
    const wal::RecordView& r = reader.record();
    if (mode == RepairMode::kTruncate && past_damage) {
      ++plan->lost_records;
      if (plan->lost_keys.size() < kMaxKeysListed) plan->lost_keys.insert(std::string(r.key));
      continue;
    }
    ++plan->kept_records;
  }
  *clean = !past_damage;
  if (mode == RepairMode::kTruncate && past_damage) {
    plan->lost_bytes = plan->first_damage.file_bytes - plan->first_damage.offset;
  }
  return Status::Ok();
}

bool Confirm(int in_fd, const std::string& question) {
  (void)io::WriteAll(2, question + " [y/N] ");
  std::string answer;
  char c;
  size_t got = 0;
  while (io::ReadSome(in_fd, &c, 1, &got).ok() && got == 1 && c != '\n') answer += c;
  return answer == "y" || answer == "Y" || answer == "yes";
}

std::string FreeName(Env* env, const std::string& base) {
  std::string name = base;
  for (int i = 1; env->FileExists(name).ok(); ++i) name = base + "." + std::to_string(i);
  return name;
}

// Every valid record of a salvage walk, renumbered from 1 (after a snapshot: from the first record's own sequence, so
// the log still continues the snapshot), appended to out in batches (this is a new file, not the engine's log, so
// records need not be one write each).
Status CopyValidRecords(ReadableFile* file, uint64_t snapshot_sequence, WritableFile* out) {
  constexpr size_t kBatchBytes = 1 << 20;
  wal::WalReader reader(file, snapshot_sequence);
  wal::WalReader::Event event;
  std::string batch;
  uint64_t sequence = 0;
  for (;;) {
    Status s = reader.Next(&event);
    if (s.ok() && event == wal::WalReader::Event::kRecord) {
      const wal::RecordView& r = reader.record();
      if (sequence == 0 && snapshot_sequence != 0) sequence = r.sequence - 1;
      s = wal::AppendFrame(wal::RecordView{++sequence, r.op, r.key, r.value}, &batch);
    }
    if (s.ok() && (batch.size() >= kBatchBytes || event != wal::WalReader::Event::kRecord)) {
      s = out->Append(batch);
      batch.clear();
    }
    if (!s.ok()) return s;
    if (event == wal::WalReader::Event::kEnd) return Status::Ok();
    if (event == wal::WalReader::Event::kDamage && !reader.ResumeAfterDamage()) return Status::Ok();
  }
}

// Salvage: hard-link the original as the backup, write the kept records to a new file, fsync, rename over the log.
Status WriteSalvagedLog(Env* env, const std::string& dir, ReadableFile* original, uint64_t snapshot_sequence,
                        std::string* backup) {
  const std::string log = LogPath(dir);
  *backup = FreeName(env, log + ".before-salvage");
  Status s = env->LinkFile(log, *backup);
  if (s.ok()) s = env->SyncDir(dir);
  const std::string tmp = log + ".salvage.tmp";
  std::unique_ptr<WritableFile> out;
  if (s.ok()) s = env->NewWritableFile(tmp, &out);
  if (s.ok()) s = CopyValidRecords(original, snapshot_sequence, out.get());
  if (s.ok()) s = out->Sync();
  if (s.ok()) s = out->Close();
  if (s.ok()) s = env->RenameFile(tmp, log);
  if (s.ok()) s = env->SyncDir(dir);
  return s;
}

}  // namespace

int RunRepair(Env* env, const RepairOptions& options, int in_fd, int out_fd) {
  const auto fail = [](const Status& s) {
    (void)io::WriteAll(2, "walkv repair: " + s.ToString() + "\n");
    return ExitCodeFor(s);
  };
  std::unique_ptr<FileLock> lock;
  Status s = env->LockExclusive(LockPath(options.dir), &lock);
  std::unique_ptr<ReadableFile> file;
  if (s.ok()) s = env->NewReadableFile(LogPath(options.dir), &file);
  Plan plan;
  bool clean = false;
  uint64_t snapshot_sequence = 0;
  if (s.ok()) s = snapshot::SequenceIn(env, options.dir, &snapshot_sequence);
  if (s.ok()) s = MakePlan(file.get(), snapshot_sequence, options.mode, &plan, &clean);
  if (!s.ok()) return fail(s);

  const bool salvage = options.mode == RepairMode::kSalvage;
  Json out;
  out["mode"] = salvage ? "salvage" : "truncate";
  if (clean) {
    out["repaired"] = false;
    out["verdict"] = "clean";
    out["records"] = plan.kept_records;
    return io::WriteAll(out_fd, out.dump() + "\n").ok() ? kExitOk : kExitIOError;
  }
  const wal::Damage& d = plan.first_damage;
  const std::string what = salvage ? "Rewrite " + LogPath(options.dir) + " keeping " +
                                         std::to_string(plan.kept_records) + " valid records and dropping " +
                                         std::to_string(plan.damaged_spans) + " damaged span(s) (" +
                                         std::to_string(plan.lost_bytes) + " bytes)?"
                                   : "Cut " + LogPath(options.dir) + " at offset " + std::to_string(d.offset) +
                                         ", dropping " + std::to_string(plan.lost_bytes) + " bytes and " +
                                         std::to_string(plan.lost_records) + " valid records after the damage?";
  if (!options.yes && !Confirm(in_fd, what + " A backup is kept.")) {
    (void)io::WriteAll(2, "walkv repair: nothing changed\n");
    return kExitDamaged;
  }
  std::string backup;
  s = salvage ? WriteSalvagedLog(env, options.dir, file.get(), snapshot_sequence, &backup)
              : CutTail(env, LogPath(options.dir), d.offset, CutBackupPath(options.dir, d, d.offset), &backup);
  if (!s.ok()) return fail(s);

  out["repaired"] = true;
  out["first_damage_offset"] = d.offset;
  out["reason"] = wal::DamageKindName(d.kind);
  out["kept_records"] = plan.kept_records;
  out["damaged_spans"] = plan.damaged_spans;
  out["lost_bytes"] = plan.lost_bytes;
  out["lost_records"] = plan.lost_records;  // valid records dropped; records inside damaged spans are unreadable
  out["lost_keys"] = plan.lost_keys;
  out["backup"] = backup;
  return io::WriteAll(out_fd, out.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n").ok() ? kExitOk
                                                                                                    : kExitIOError;
}

}  // namespace walkv
