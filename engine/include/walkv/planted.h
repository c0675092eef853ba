// Planted bugs: realistic recovery and durability mistakes, compiled only into the test-only `walkv-planted`
// (WALKV_PLANTED_BUGS). Faultline's own tests use them to show that each checker catches the bug it exists for.
// In the real `walkv`, planted() is constexpr false, so every `if (planted(...))` branch is dead code the compiler
// removes, and neither the --planted-bug option nor the bug names exist in the binary.
#pragma once

#include <string>
#include <string_view>

namespace walkv {

enum class Bug {
  kNoTruncate,        // recovery stops at a torn tail but does not truncate; appends after the garbage
  kDropLastRecord,    // cutting a torn tail also drops the last complete record
  kNoChecksum,        // checksums are never verified
  kSkipCorrupt,       // a damaged record is skipped and replay keeps going
  kMidlogAsTail,      // any damage is treated as a torn tail, even with valid records after it
  kTrustLength,       // a frame running past EOF is accepted with whatever bytes are there
  kAckBeforeFsync,    // replies OK before (instead of) fsync while claiming --sync always
  kIgnoreShortWrite,  // a short write is not finished: the record is acknowledged anyway
  kRetryFsync,        // a failed fsync is retried and acknowledging carries on
  kNoDirFsync,        // the directory is not fsynced after creating the log
  kAcceptZeroRecord,  // checksum omits the length and length 0 is legal: zero tails parse as records
  kModifyEvidence,    // mid-log corruption: truncates the log, then exits 3
  kHangOnTornTail,    // sleeps forever on finding a torn tail
  kCrashOnTornTail,   // abort() on finding a torn tail
  kGarbledReply,      // replies "OK!" to the 5th PUT
  kStdioWriter,       // writes records with fwrite/fflush, invisible to a write() shim
};

#if defined(WALKV_PLANTED_BUGS)
inline constexpr bool kPlantedBuild = true;
bool planted(Bug bug) noexcept;
// Activates the bug named as on the command line (e.g. "no-truncate"); false for an unknown name.
bool ActivatePlantedBug(std::string_view name) noexcept;
// Every name, comma-separated, for --help.
std::string PlantedBugNames();
#else
inline constexpr bool kPlantedBuild = false;
constexpr bool planted(Bug) noexcept { return false; }
#endif

}  // namespace walkv
