// walkv check and walkv dump: read-only. They take a SHARED lock when the directory has a LOCK file, so they refuse
// to judge a log that a running engine is appending to, and never create anything in the directory.
#include <nlohmann/json.hpp>

#include "walkv/data_dir.h"
#include "walkv/snapshot_format.h"
#include "walkv/tools.h"

namespace walkv {
namespace {

using Json = nlohmann::ordered_json;

// The log, and the sequence of the snapshot it continues (0 without one; a damaged snapshot is reported as such).
Status OpenForInspection(Env* env, const std::string& dir, std::unique_ptr<FileLock>* lock,
                         std::unique_ptr<ReadableFile>* file, uint64_t* snapshot_sequence) {
  Status s = env->LockShared(LockPath(dir), lock);
  if (!s.ok() && !s.IsNotFound()) return s;  // no LOCK file: no engine ever ran here, nothing to wait for
  s = snapshot::SequenceIn(env, dir, snapshot_sequence);
  if (!s.ok()) return s;
  return env->NewReadableFile(LogPath(dir), file);
}

bool Print(int out_fd, const Json& json) {
  return io::WriteAll(out_fd, json.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n").ok();
}

int Fail(const Status& s) {
  (void)io::WriteAll(2, "walkv: " + s.ToString() + "\n");
  return ExitCodeFor(s);
}

Json DamageJson(const wal::Damage& d) {
  Json j;
  j["offset"] = d.offset;
  j["reason"] = wal::DamageKindName(d.kind);
  j["length_field"] = d.length;
  j["next_valid_offset"] = d.next_valid_offset ? Json(*d.next_valid_offset) : Json(nullptr);
  j["zero_to_eof"] = d.zero_to_eof;
  j["file_bytes"] = d.file_bytes;
  return j;
}

}  // namespace

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kInvalidArgument: return kExitUsage;
    case Status::Code::kCorruption:
    case Status::Code::kFormatError: return kExitCorrupt;
    case Status::Code::kLocked: return kExitLocked;
    case Status::Code::kNotFound:
    case Status::Code::kIOError: return kExitIOError;
  }
  return kExitIOError;
}

int RunCheck(Env* env, const std::string& dir, int out_fd) {
  std::unique_ptr<FileLock> lock;
  std::unique_ptr<ReadableFile> file;
  uint64_t snapshot_sequence = 0;
  Status s = OpenForInspection(env, dir, &lock, &file, &snapshot_sequence);
  if (!s.ok()) return Fail(s);
  wal::WalReader reader(file.get(), snapshot_sequence);
  wal::WalReader::Event event;
  while ((s = reader.Next(&event)).ok() && event == wal::WalReader::Event::kRecord) {
  }
  if (!s.ok()) return Fail(s);

  Json out;
  out["log"] = LogPath(dir);
  out["snapshot_sequence"] = snapshot_sequence;
  out["records"] = reader.records();
  out["last_sequence"] = reader.last_sequence();
  out["valid_bytes"] = reader.position();
  if (event == wal::WalReader::Event::kEnd) {
    out["verdict"] = "clean";
    return Print(out_fd, out) ? kExitOk : kExitIOError;
  }
  const wal::Damage d = reader.damage();
  out["verdict"] = d.IsTornTail() ? "torn-tail" : "corrupt";
  out["damage"] = DamageJson(d);
  Json startup;  // what `walkv serve` would do with this log in each mode
  for (RecoveryMode mode : {RecoveryMode::kStrict, RecoveryMode::kTornTail, RecoveryMode::kPointInTime}) {
    startup[std::string(RecoveryModeName(mode))] = ModeAcceptsDamage(mode, d) ? "cut at offset and start" : "refuse";
  }
  out["startup"] = startup;
  uint64_t records_after = 0;
  s = ForEachRecordAfterDamage(&reader, [&](const wal::WalReader&) { ++records_after; });
  if (!s.ok()) return Fail(s);
  out["records_after_damage"] = records_after;
  out["next_step"] = "walkv repair --dir " + dir + " --mode truncate|salvage";
  return Print(out_fd, out) ? kExitDamaged : kExitIOError;
}

int RunDump(Env* env, const std::string& dir, int out_fd) {
  std::unique_ptr<FileLock> lock;
  std::unique_ptr<ReadableFile> file;
  uint64_t snapshot_sequence = 0;
  Status s = OpenForInspection(env, dir, &lock, &file, &snapshot_sequence);
  if (!s.ok()) return Fail(s);
  wal::WalReader reader(file.get(), snapshot_sequence);
  wal::WalReader::Event event;
  bool damaged = false;
  for (;;) {
    s = reader.Next(&event);
    if (!s.ok()) return Fail(s);
    if (event == wal::WalReader::Event::kEnd) break;
    Json line;
    if (event == wal::WalReader::Event::kRecord) {
      const wal::RecordView& r = reader.record();
      line["offset"] = reader.record_offset();
      line["length"] = reader.record_length();
      line["sequence"] = r.sequence;
      line["op"] = r.op == wal::Op::kPut ? "PUT" : "DEL";
      line["key"] = std::string(r.key);
      line["value"] = std::string(r.value);
      line["checksum"] = "ok";
    } else {
      damaged = true;
      const wal::Damage& d = reader.damage();
      line = DamageJson(d);
      const bool complete = d.kind == wal::DamageKind::kChecksumMismatch || d.kind == wal::DamageKind::kStaleSequence ||
                            d.kind == wal::DamageKind::kFormatError;
      line["checksum"] = d.kind == wal::DamageKind::kChecksumMismatch ? "mismatch" : complete ? "ok" : "none";
      line["damaged_bytes"] = d.next_valid_offset.value_or(d.file_bytes) - d.offset;
    }
    if (!Print(out_fd, line)) return kExitIOError;
    if (event == wal::WalReader::Event::kDamage && !reader.ResumeAfterDamage()) break;
  }
  return damaged ? kExitDamaged : kExitOk;
}

}  // namespace walkv
