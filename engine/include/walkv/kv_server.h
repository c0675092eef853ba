// The request loop: engine protocol v1 (docs/engine-protocol.md) over stdin/stdout.
//
// Durability model: a write's OK is sent only after the fsync its --sync mode promises. `always` fsyncs each record
// before its reply; `batch` reads every request already buffered on stdin, writes them, fsyncs once, then replies;
// `none` never fsyncs (OK survives SIGKILL, not power loss). COMPACT is answered OK only once the snapshot and the new
// log are durable (compaction.h), whatever the mode. Any write or fsync failure is fail-stop: the requests
// not yet covered by a successful fsync get ERR, nothing is acknowledged afterwards, and Serve returns kExitIOError.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "walkv/wal_format.h"
#include "walkv/wal_writer.h"

namespace walkv {

enum class SyncMode { kAlways, kBatch, kNone };
std::optional<SyncMode> ParseSyncMode(std::string_view name);
std::string_view SyncModeName(SyncMode mode);

// Looks keys up by string_view, so replaying a record allocates only when it adds a key.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
};
using KvMap = std::unordered_map<std::string, std::string, KeyHash, std::equal_to<>>;
void ApplyRecord(const wal::RecordView& record, KvMap* map);

class Env;

// Log compaction from the request loop (compaction.h): COMPACT, and automatically after every after_records writes.
struct CompactionConfig {
  Env* env = nullptr;  // nullptr: COMPACT answers ERR and changes nothing (a server without a data directory)
  std::string dir;
  uint64_t after_records = 0;  // 0: only on request
};

class KvServer {
 public:
  // writer and map are not owned; map holds the recovered state.
  // `protocol`: engine protocol version 1 or 2 (faultline/engine_protocol.h): in v2 values travel in hex.
  KvServer(wal::WalWriter* writer, KvMap* map, SyncMode sync, CompactionConfig compaction = {}, int protocol = 1);

  // Serves requests from in_fd until QUIT or end of input; returns the process exit status.
  int Serve(int in_fd, int out_fd);

 private:
  struct Reply {
    std::string text;     // without the newline
    bool awaits_sync;     // an OK that the next fsync makes true
  };

  void HandleLine(std::string_view line);
  void HandleWrite(wal::Op op, std::string_view key, std::string_view value);
  bool Compact();                          // fail-stop on error
  bool SyncBatch();                        // fsync covering the pending OKs (batch mode)
  void FailStop(const Status& error);
  bool Flush(int out_fd);

  wal::WalWriter* writer_;
  KvMap* map_;
  SyncMode sync_;
  CompactionConfig compaction_;
  int protocol_ = 1;
  uint64_t writes_since_compaction_ = 0;
  std::vector<Reply> replies_;  // in request order, sent after the batch's fsync
  bool failed_ = false;
  bool quit_ = false;
};

}  // namespace walkv
