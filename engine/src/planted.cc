// Compiled only into walkv-planted. One bug at a time, chosen by --planted-bug NAME.
#include "walkv/planted.h"

#include <array>
#include <optional>
#include <string>
#include <utility>

namespace walkv {
namespace {

constexpr std::array<std::pair<std::string_view, Bug>, 16> kBugs{{
    {"no-truncate", Bug::kNoTruncate},
    {"drop-last-record", Bug::kDropLastRecord},
    {"no-checksum", Bug::kNoChecksum},
    {"skip-corrupt", Bug::kSkipCorrupt},
    {"midlog-as-tail", Bug::kMidlogAsTail},
    {"trust-length", Bug::kTrustLength},
    {"ack-before-fsync", Bug::kAckBeforeFsync},
    {"ignore-short-write", Bug::kIgnoreShortWrite},
    {"retry-fsync", Bug::kRetryFsync},
    {"no-dir-fsync", Bug::kNoDirFsync},
    {"accept-zero-record", Bug::kAcceptZeroRecord},
    {"modify-evidence", Bug::kModifyEvidence},
    {"hang-on-torn-tail", Bug::kHangOnTornTail},
    {"crash-on-torn-tail", Bug::kCrashOnTornTail},
    {"garbled-reply", Bug::kGarbledReply},
    {"stdio-writer", Bug::kStdioWriter},
}};

std::optional<Bug> g_active;

}  // namespace

bool planted(Bug bug) noexcept { return g_active == bug; }

bool ActivatePlantedBug(std::string_view name) noexcept {
  for (const auto& [bug_name, bug] : kBugs) {
    if (bug_name == name) {
      g_active = bug;
      return true;
    }
  }
  return false;
}

std::string PlantedBugNames() {
  std::string names;
  for (const auto& [bug_name, bug] : kBugs) {
    names += names.empty() ? "" : ", ";
    names += bug_name;
  }
  return names;
}

}  // namespace walkv
