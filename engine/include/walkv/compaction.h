// Log compaction: the state goes into a snapshot file and the log starts again, empty. Off unless asked for (the
// COMPACT request, walkv serve --compact-after N).
//
// Model (docs/recovery.md, "Compaction"): a name changes only after the bytes behind it are durable, and a file is
// removed only after what replaces it is durable. In order, each step durable before the next begins:
//   1. the snapshot is written to snapshot.tmp and fsynced;
//   2. snapshot.tmp is renamed to snapshot, and the directory fsynced: the snapshot is in place;
//   3. a new, empty log is created as wal.log.new and fsynced, and the directory fsynced;
//   4. wal.log.new is renamed over wal.log, which removes the old log in the same directory operation (there is never
//      a moment without a wal.log), and the directory fsynced. Only then is anything appended to the new log.
// A crash between any two steps leaves a state recovery reads without loss (recovery.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "walkv/env.h"
#include "walkv/kv_server.h"
#include "walkv/status.h"

namespace walkv {

// Writes the snapshot of map (the state after record last_sequence) and replaces the log in dir with an empty one,
// steps 1 to 4. Ok: everything is durable and *new_log is open on the new wal.log for appending. On error the files
// are in one of the intermediate states and the caller must stop (fail-stop, as for a failed fsync).
Status Compact(Env* env, const std::string& dir, const KvMap& map, uint64_t last_sequence,
               std::unique_ptr<WritableFile>* new_log);

}  // namespace walkv
