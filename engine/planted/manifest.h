// The planted-bug manifest: the one list of walkv's planted variants. Everything else reads it: walkv-planted's
// --planted-bug names, `walkv-planted manifest` (which `faultline selftest` runs to learn the variants and the
// violation each must produce), tests/engine/planted_test.cc, and the variant table in docs/selftest.md (a test
// checks the table against this one).
//
// A variant is production walkv with exactly one realistic mistake. Where the mistake lives (`planted_in`):
//   - a mistake in how the engine talks to the OS is a wrapper on the walkv/env.h seam (planted_env.cc);
//   - a mistake in the engine's own logic is a hunk of a patch against the production source (patches/*.patch),
//     applied at build time to a copy of that file that only walkv-planted compiles.
// walkv itself contains none of this: engine/src and engine/include have no planted code.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace walkv::planted {

enum class Bug {
  kNoTruncate,
  kDropLastRecord,
  kNoChecksum,
  kSkipCorrupt,
  kMidlogAsTail,
  kTrustLength,
  kAckBeforeFsync,
  kIgnoreShortWrite,
  kRetryFsync,
  kNoDirFsync,
  kAcceptZeroRecord,
  kModifyEvidence,
  kHangOnTornTail,
  kCrashOnTornTail,
  kGarbledReply,
  kStdioWriter,
  kCompactRenameBeforeFsync,
  kCompactNoDirFsync,
  kCompactRemoveLogEarly,
};

struct Variant {
  Bug bug;
  std::string_view name;        // as given to --planted-bug
  std::string_view mistake;     // the mistake, in one sentence
  std::string_view expected;    // the violation Faultline must report ("harness-error": the shim was bypassed)
  std::string_view origin;      // where the mistake comes from ("design-notes §N": docs/design-notes.md)
  std::string_view planted_in;  // the file that holds it, relative to engine/planted/
  // Which command must catch it: "run" (the crash campaigns of `faultline run`, which `selftest` runs) or "explore"
  // (crash states built from a recorded history under a persistence model, `faultline explore`: a mistake in the
  // order in which names and data become durable, which killing the engine never shows).
  std::string_view caught_by = "run";
  std::string_view serve_args = "";  // what walkv-planted serve needs besides --dir and --planted-bug to show it
};

inline constexpr std::array<Variant, 19> kVariants{{
    {Bug::kNoTruncate, "no-truncate", "stops at a torn tail but never cuts it, then appends after the garbage",
     "wrong-truncation-offset",
     "google/leveldb#1287: appending after garbage turns a torn tail into mid-log corruption (design-notes §1.5)",
     "patches/recovery.cc.patch"},
    {Bug::kDropLastRecord, "drop-last-record", "cuts the last complete record together with the torn tail",
     "wrong-truncation-offset", "an off-by-one-record cut: truncating at the start of the last good frame, not its end",
     "patches/recovery.cc.patch"},
    {Bug::kNoChecksum, "no-checksum", "never verifies checksums", "missed-corruption",
     "checksums written but not checked on replay, to make start-up faster", "patches/wal_reader.cc.patch"},
    {Bug::kSkipCorrupt, "skip-corrupt", "skips a damaged record and keeps going", "missed-corruption",
     "RocksDB's `kSkipAnyCorruptedRecords` at start-up: later records may never have been acknowledged "
     "(design-notes §1.10)",
     "patches/recovery.cc.patch"},
    {Bug::kMidlogAsTail, "midlog-as-tail", "treats any damage as a torn tail, even with valid records after it",
     "missed-corruption", "classifying damage by its shape rather than by what follows it (design-notes §1.1)",
     "patches/recovery.cc.patch"},
    {Bug::kTrustLength, "trust-length", "trusts a length that runs past the end of the file", "phantom-value",
     "etcd-io/etcd#14114 (design-notes §1.1)", "patches/wal_reader.cc.patch"},
    {Bug::kAckBeforeFsync, "ack-before-fsync", "acknowledges before fsync while claiming sync always",
     "lost-acked-write",
     "PostgreSQL \"fsyncgate\" (design-notes §1.7); every engine whose sync setting is not what it says",
     "patches/kv_server.cc.patch"},
    {Bug::kIgnoreShortWrite, "ignore-short-write", "acknowledges after a short write without writing the rest",
     "false-abort", "assuming one write() writes everything (design-notes §1.6)", "planted_env.cc"},
    {Bug::kRetryFsync, "retry-fsync", "retries a failed fsync and carries on acknowledging", "acked-failed-write",
     "PostgreSQL \"fsyncgate\": on Linux the retry succeeds because the failed pages were marked clean "
     "(design-notes §1.7)",
     "planted_env.cc"},
    {Bug::kNoDirFsync, "no-dir-fsync", "never fsyncs the directory after creating the log", "lost-acked-write",
     "a new file's directory entry is not durable until the directory is fsynced (design-notes §1.8)",
     "patches/serve.cc.patch"},
    {Bug::kAcceptZeroRecord, "accept-zero-record", "checksum does not cover the length: an all-zero record is valid",
     "missed-corruption", "zero-filled tails after a crash; CRC-32 of empty input is 0 (design-notes §1.2, §1.3)",
     "patches/wal_format.cc.patch, patches/wal_reader.cc.patch"},
    {Bug::kModifyEvidence, "modify-evidence", "truncates the log before refusing to start on mid-log corruption",
     "evidence-modified", "what etcd's `*.broken` copy of a damaged WAL file exists to avoid (design-notes §1.16)",
     "patches/recovery.cc.patch"},
    {Bug::kHangOnTornTail, "hang-on-torn-tail", "waits forever when it finds a torn tail", "hang",
     "a recovery that waits for the rest of a frame that will never come", "patches/recovery.cc.patch"},
    {Bug::kCrashOnTornTail, "crash-on-torn-tail", "abort()s when it finds a torn tail", "engine-crash",
     "an assertion that the log always ends at a frame boundary", "patches/recovery.cc.patch"},
    {Bug::kGarbledReply, "garbled-reply", "answers the fifth PUT with \"OK!\"", "protocol-error",
     "a reply that breaks the protocol's grammar", "patches/kv_server.cc.patch"},
    {Bug::kStdioWriter, "stdio-writer", "writes its log with stdio, bypassing the shim", "harness-error",
     "stdio's internal writes are invisible to an LD_PRELOAD shim of write() (design-notes §6, §7.7)",
     "planted_env.cc"},
    {Bug::kCompactRenameBeforeFsync, "compact-rename-before-fsync",
     "renames the snapshot into place and replaces the old log before fsyncing the snapshot", "lost-acked-write",
     "a rename before the data's fsync: on ext4 with delayed allocation such a file can be empty after a power loss "
     "(the zero-length-file reports of 2009 that led to ext4's auto_da_alloc)",
     "patches/compaction.cc.patch", "explore", "--compact-after 4"},
    {Bug::kCompactNoDirFsync, "compact-no-dir-fsync",
     "never fsyncs the directory during compaction, so neither rename is durable when it is acknowledged",
     "lost-acked-write",
     "a missing directory fsync after a rename: Redis PR #10737 (fsync the directory after renaming the AOF manifest "
     "and the RDB file into place), litestream PR #1344 (design-notes §1.8)",
     "patches/compaction.cc.patch", "explore", "--compact-after 4"},
    {Bug::kCompactRemoveLogEarly, "compact-remove-log-early",
     "replaces the old log before the snapshot's rename is durable (one directory fsync after both renames)",
     "lost-acked-write",
     "removing the old file before the name of what replaces it is durable: a reordering of two directory "
     "operations, the class of RocksDB #11149 (a log and a manifest)",
     "patches/compaction.cc.patch", "explore", "--compact-after 4"},
}};

constexpr bool EveryBugHasItsRow() {
  for (size_t i = 0; i < kVariants.size(); ++i) {
    if (static_cast<size_t>(kVariants[i].bug) != i) return false;
  }
  return true;
}
static_assert(EveryBugHasItsRow(), "kVariants lists the bugs in enum order, one row each");

constexpr const Variant& VariantOf(Bug bug) { return kVariants[static_cast<size_t>(bug)]; }

constexpr std::optional<Bug> FindBug(std::string_view name) {
  for (const Variant& v : kVariants) {
    if (v.name == name) return v.bug;
  }
  return std::nullopt;
}

// The variant this process runs (walkv-planted --planted-bug NAME); none: it behaves as walkv.
void Activate(Bug bug) noexcept;
bool Active(Bug bug) noexcept;
// Back to no variant (tests that switch several on in one process).
void Deactivate() noexcept;

}  // namespace walkv::planted
