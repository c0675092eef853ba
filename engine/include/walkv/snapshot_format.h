// The snapshot format, shared by compaction (the writer), recovery and the tools (the readers), and the tests.
// docs/wal-format.md ("Snapshot") explains the choices; this header is the single source of the numbers.
//
//   snapshot := magic[8] = "WALKVSN1"  last_sequence:u64le  entry_count:u64le  entry*  checksum:u32le
//   entry    := key_length:u16le  value_length:u32le  key  value        (entries sorted by key, bytewise)
//   checksum  = CRC-32 (the log's, wal_format.h) over every byte before it
//
// A snapshot is the whole state after the log record last_sequence; the log after it continues at last_sequence + 1.
// Compaction puts a snapshot under its name only once it is complete and fsynced (compaction.h), so a snapshot that
// does not decode is corruption, never a crash artefact.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "walkv/env.h"
#include "walkv/kv_server.h"
#include "walkv/status.h"

namespace walkv::snapshot {

inline constexpr std::string_view kMagic = "WALKVSN1";
inline constexpr size_t kHeaderBytes = 8 + 8 + 8;  // magic, last_sequence, entry_count
inline constexpr size_t kEntryHeaderBytes = 2 + 4;  // key_length, value_length
inline constexpr size_t kChecksumBytes = 4;
// The reader loads a snapshot whole; a larger file is refused before anything is allocated.
inline constexpr uint64_t kMaxSnapshotBytes = uint64_t{1} << 30;

// The snapshot of map, the state after record last_sequence.
std::string Encode(uint64_t last_sequence, const KvMap& map);

// Decodes a whole snapshot file. Corruption, saying what and at which offset, unless bytes are exactly one
// complete snapshot with a matching checksum.
Status Decode(std::string_view bytes, uint64_t* last_sequence, KvMap* map);

// Reads and decodes the snapshot at path. NotFound if there is none; Corruption as Decode (the file is not touched);
// IOError if it cannot be read.
Status Read(Env* env, const std::string& path, uint64_t* last_sequence, KvMap* map);

// The last sequence of the snapshot in dir (SnapshotPath), 0 if there is none: what a reader of the log there must
// be told (wal_reader.h). Corruption or IOError as Read.
Status SequenceIn(Env* env, const std::string& dir, uint64_t* last_sequence);

}  // namespace walkv::snapshot
