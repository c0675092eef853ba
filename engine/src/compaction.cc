#include "walkv/compaction.h"

#include "walkv/data_dir.h"
#include "walkv/snapshot_format.h"

namespace walkv {
namespace {

// Step 1: the snapshot's bytes, durable under the temporary name.
Status WriteSnapshot(Env* env, const std::string& dir, const KvMap& map, uint64_t last_sequence) {
  std::unique_ptr<WritableFile> file;
  Status s = env->NewWritableFile(SnapshotTempPath(dir), &file);
  if (s.ok()) s = file->Append(snapshot::Encode(last_sequence, map));
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  return s;
}

}  // namespace

Status Compact(Env* env, const std::string& dir, const KvMap& map, uint64_t last_sequence,
               std::unique_ptr<WritableFile>* new_log) {
  Status s = WriteSnapshot(env, dir, map, last_sequence);
  // Step 2: the snapshot under its name. The old log still holds everything, so a crash before the directory fsync
  // loses nothing: recovery replays the old log and removes snapshot.tmp.
  if (s.ok()) s = env->RenameFile(SnapshotTempPath(dir), SnapshotPath(dir));
  if (s.ok()) s = env->SyncDir(dir);
  // Step 3: the new log, empty and durable under its temporary name.
  if (s.ok()) s = env->NewWritableFile(NewLogPath(dir), new_log);
  if (s.ok()) s = (*new_log)->Sync();
  if (s.ok()) s = env->SyncDir(dir);
  // Step 4: the new log replaces the old one; the snapshot is durable, so the old log's records are no longer needed.
  if (s.ok()) s = env->RenameFile(NewLogPath(dir), LogPath(dir));
  if (s.ok()) s = env->SyncDir(dir);
  return s;
}

}  // namespace walkv
