// The files of a walkv data directory, and the exit statuses every walkv command documents (docs/recovery.md).
#pragma once

#include <string>

namespace walkv {

inline constexpr const char* kLogFileName = "wal.log";
inline constexpr const char* kLockFileName = "LOCK";
// Compaction's files (compaction.h, docs/recovery.md "Compaction"): the snapshot, and the two names that only an
// interrupted compaction leaves behind.
inline constexpr const char* kSnapshotFileName = "snapshot";
inline constexpr const char* kSnapshotTempFileName = "snapshot.tmp";
inline constexpr const char* kNewLogFileName = "wal.log.new";

inline std::string LogPath(const std::string& dir) { return dir + "/" + kLogFileName; }
inline std::string LockPath(const std::string& dir) { return dir + "/" + kLockFileName; }
inline std::string SnapshotPath(const std::string& dir) { return dir + "/" + kSnapshotFileName; }
inline std::string SnapshotTempPath(const std::string& dir) { return dir + "/" + kSnapshotTempFileName; }
inline std::string NewLogPath(const std::string& dir) { return dir + "/" + kNewLogFileName; }

// Exit statuses. Each fatal condition has its own, so a harness can tell them apart without parsing logs.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDamaged = 1;    // check: the log is damaged; repair: the operator declined
inline constexpr int kExitUsage = 2;      // bad command line (also --recovery salvage at start-up)
inline constexpr int kExitCorrupt = 3;    // the log is damaged in a way this mode refuses; the file is untouched
inline constexpr int kExitIOError = 4;    // an I/O error (read, write or fsync): fail-stop
inline constexpr int kExitLocked = 5;     // another walkv holds the data directory

}  // namespace walkv
