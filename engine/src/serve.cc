// walkv serve: lock the directory, recover, open the log for appending, print READY, serve.
#include <csignal>
#include <ctime>

#include "walkv/data_dir.h"
#include "walkv/slog.h"
#include "walkv/tools.h"

// The protocol's words, shared with the harness (ARCHITECTURE.md: the one header the engine takes from Faultline).
#include "faultline/engine_protocol.h"

namespace walkv {
namespace {

int64_t ElapsedNs(const timespec& since) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since.tv_sec) * 1'000'000'000LL + (now.tv_nsec - since.tv_nsec);
}

int ReportRecoveryFailure(const ServeOptions& options, const Status& s, const RecoveryResult& result) {
  const int code = ExitCodeFor(s);
  if (!result.damage || s.IsIOError()) {
    slog::Error("recovery failed", {{"dir", options.dir}, {"error", s.ToString()}, {"exit_code", code}});
    return code;
  }
  const wal::Damage& d = *result.damage;
  slog::Error(d.IsMidLog() ? "log is corrupt: valid records follow the damage; refusing to start, log left untouched"
                           : "log is damaged; refusing to start in this recovery mode, log left untouched",
              {{"dir", options.dir},
               {"offset", d.offset},
               {"next_valid_offset", d.next_valid_offset},
               {"reason", wal::DamageKindName(d.kind)},
               {"recovery", RecoveryModeName(options.recovery)},
               {"records_before_damage", result.records},
               {"exit_code", code},
               {"next_step", "walkv check --dir " + options.dir + "; then walkv repair --dir " + options.dir +
                                 " --mode truncate|salvage (or restart with --recovery point-in-time)"}});
  return code;
}

void LogRecovery(const ServeOptions& options, const RecoveryResult& result, int64_t duration_ns) {
  if (result.cut) {
    const wal::Damage& d = *result.damage;
    slog::Warn(d.IsTornTail() ? "torn tail truncated" : "damaged log cut at the first damage (point-in-time)",
               {{"offset", result.log_bytes},
                {"dropped_bytes", result.dropped_bytes},
                {"dropped_records", result.dropped_records},
                {"reason", wal::DamageKindName(d.kind)},
                {"backup", result.backup_path}});
  }
  slog::Info("recovered", {{"dir", options.dir},
                           {"records", result.records},
                           {"last_sequence", result.last_sequence},
                           {"log_bytes", result.log_bytes},
                           {"recovery", RecoveryModeName(options.recovery)},
                           {"sync", SyncModeName(options.sync)},
                           {"duration_ns", duration_ns}});
}

}  // namespace

int RunServe(Env* env, const ServeOptions& options, int in_fd, int out_fd) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout becomes EPIPE, handled like any write error
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  Status s = env->CreateDir(options.dir);
  std::unique_ptr<FileLock> lock;
  // One writer per directory (docs/design-notes.md §1.17).
  if (s.ok()) s = env->LockExclusive(LockPath(options.dir), &lock);
  if (!s.ok()) {
    slog::Error(s.IsLocked() ? "data directory is in use by another walkv" : "cannot open the data directory",
                {{"dir", options.dir}, {"error", s.ToString()}, {"exit_code", ExitCodeFor(s)}});
    return ExitCodeFor(s);
  }

  KvMap map;
  RecoveryResult result;
  s = Recover(env, options.dir, options.recovery, [&](const wal::RecordView& r) { ApplyRecord(r, &map); }, &result);
  if (!s.ok()) return ReportRecoveryFailure(options, s, result);

  std::unique_ptr<WritableFile> file;
  s = env->NewAppendableFile(LogPath(options.dir), &file);
  // Always, not only when the log was just created: a crash between creating it and this fsync would otherwise leave
  // a directory entry that is never made durable (docs/design-notes.md §1.8).
  if (s.ok()) s = env->SyncDir(options.dir);
  if (!s.ok()) {
    slog::Error("cannot open the log for appending", {{"error", s.ToString()}, {"exit_code", kExitIOError}});
    return kExitIOError;
  }
  LogRecovery(options, result, ElapsedNs(start));

  wal::WalWriter writer(std::move(file), result.last_sequence);
  s = io::WriteAll(out_fd, std::string(options.protocol >= 2 ? faultline::protocol::kReadyV2
                                                             : faultline::protocol::kReadyV1) + "\n");
  if (!s.ok()) return kExitIOError;
  KvServer server(&writer, &map, options.sync, CompactionConfig{env, options.dir, options.compact_after},
                  options.protocol);
  return server.Serve(in_fd, out_fd);
}

}  // namespace walkv
