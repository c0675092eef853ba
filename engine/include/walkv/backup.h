// Keeping evidence. Bytes that recovery or repair removes from the log are first copied beside it, fsynced, and made
// durable with a directory fsync, so a cut never destroys the only copy of anything (etcd's `*.broken`).
#pragma once

#include <cstdint>
#include <string>

#include "walkv/env.h"
#include "walkv/status.h"

namespace walkv {

// Copies bytes [from, EOF) of the file at path into backup_path (through backup_path + ".tmp" and a rename, then a
// directory fsync). Idempotent: if backup_path already holds exactly those bytes nothing is written; if it holds
// something else, the first free of backup_path.1, .2, ... is used instead. *saved_as receives the name used.
Status SaveTail(Env* env, const std::string& path, uint64_t from, const std::string& backup_path,
                std::string* saved_as);

// Saves the tail from `from` as above, then truncates the file to `from` and fsyncs it. A crash at any point leaves
// either the old file (and maybe a backup) or the cut file with its backup; running it again gives the same end state.
Status CutTail(Env* env, const std::string& path, uint64_t from, const std::string& backup_path,
               std::string* saved_as);

}  // namespace walkv
