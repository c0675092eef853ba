// The operator's commands, each returning the process exit status (data_dir.h):
//   walkv check  --dir D                          read-only verdict, one JSON object on stdout; 0 clean, 1 damaged
//   walkv dump   --dir D                          every frame as a JSON line, damaged spans included; 0 clean, 1 damaged
//   walkv repair --dir D --mode truncate|salvage  asks first (unless --yes), backs up what it removes, prints the loss
//   walkv serve  --dir D ...                      the engine (engine protocol v1 on stdin/stdout)
#pragma once

#include <cstdint>
#include <string>

#include "walkv/env.h"
#include "walkv/kv_server.h"
#include "walkv/recovery.h"

namespace walkv {

// Maps a failed Status to the exit status documented for it.
int ExitCodeFor(const Status& status);

int RunCheck(Env* env, const std::string& dir, int out_fd);
int RunDump(Env* env, const std::string& dir, int out_fd);

enum class RepairMode { kTruncate, kSalvage };
struct RepairOptions {
  std::string dir;
  RepairMode mode = RepairMode::kTruncate;
  bool yes = false;  // do not ask
};
int RunRepair(Env* env, const RepairOptions& options, int in_fd, int out_fd);

struct ServeOptions {
  std::string dir;
  RecoveryMode recovery = RecoveryMode::kTornTail;
  SyncMode sync = SyncMode::kAlways;
  uint64_t compact_after = 0;  // compact after this many writes (0: only on COMPACT)
  int protocol = 1;            // engine protocol version (docs/engine-protocol.md): READY or READY v2
};
int RunServe(Env* env, const ServeOptions& options, int in_fd, int out_fd);

}  // namespace walkv
