// Event journal v1 (docs/fault-plan.md): what the shim saw and did, read back by the harness.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/fault_kinds.h"

namespace faultline::faults {

struct Event {
  std::string ev;                 // start, open, write, read, sync, dirsync, truncate, rename, unlink, close, fault, untracked
  std::int64_t pid = 0;
  std::string file;               // relative to target_dir ("" when not applicable)
  std::int64_t fd = -1;
  std::int64_t off = -1;
  std::int64_t len = -1;
  std::int64_t ret = 0;
  std::int64_t size = -1;
  FaultKind kind = FaultKind::kCrash;  // for ev == "fault" (parsed once, here)
  nlohmann::ordered_json raw;     // the whole line, for kind-specific fields and for reports
};

// The complete lines of a journal, in order. The shim's shared journal starts with a header line
// (`{"ev":"journal", "end":"XXXXXXXX"}`) whose `end` is the journal's length; the bytes after it are zero until the
// harness seals the file. A line whose writer was killed before it finished copying it is cut short by zero bytes (or
// by `end`) and is not a line. A journal without the header (written by hand, or with write() per line) is plain JSON
// lines, and an unterminated last line is not a line either.
struct JournalLine {
  std::string_view text;     // without the newline
  std::size_t raw_end = 0;   // offset in the file just past the newline
  std::size_t number = 0;    // 1-based line number in the file, for error messages
};
struct JournalText {
  std::string raw;           // the file's bytes up to its length (`end`, or the file size without a header)
  std::vector<JournalLine> lines;
};
// A missing file reads as empty (the engine may have died before the shim wrote anything).
JournalText read_journal_text(const std::filesystem::path& path);
// The length of a journal that engines are writing, read as often as after every request: `end` from the header
// through a read-only mapping of its first page (no system call), else the file size (one fstat). Opens the file
// on first use, since the shim creates it when the engine starts.
class JournalWatch {
 public:
  explicit JournalWatch(std::filesystem::path path) : path_(std::move(path)) {}
  JournalWatch(const JournalWatch&) = delete;
  JournalWatch& operator=(const JournalWatch&) = delete;
  ~JournalWatch();
  std::size_t length();

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  const char* head_ = nullptr;  // the mapped header, when the journal has one
};
// Cuts the zero bytes after `end` off a journal whose writers are gone, so that a kept journal is plain JSON lines.
void seal_journal(const std::filesystem::path& path);

// Reads a journal. Throws std::runtime_error naming the file and line on a malformed line. A missing file reads as
// no events (the engine may have died before the shim wrote anything).
std::vector<Event> read_journal(const std::filesystem::path& path);
std::vector<Event> parse_journal(const JournalText& text, const std::filesystem::path& path);

// What one file went through according to the journal, in order of events.
struct FileHistory {
  std::string file;
  bool created = false;            // created by a run covered by this journal
  bool dir_synced_after_create = false;
  std::uint64_t size = 0;          // size implied by writes and truncates
  std::uint64_t synced_size = 0;   // size that the last successful sync made durable
  std::uint64_t bytes_written = 0; // total bytes reported written
  std::uint64_t write_calls = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> writes;  // (off, ret) of each successful write, in order
  std::vector<std::pair<std::uint64_t, std::uint64_t>> lost;    // [from, to) lost by fsync errors
  bool untracked = false;          // the shim saw a call it cannot follow (mmap for writing, stdio)
  // Added after v1 of this header:
  bool exists = true;              // false after an unlink, or after it was renamed away
  std::vector<std::string> untracked_calls;  // "fopen: stdio writes (fwrite, fprintf) bypass the shim", ...
  std::vector<std::string> anomalies;        // sizes the shim observed that the journal's writes cannot explain
};
//
// Rules (docs/faults.md, "Reading the journal"): a file first seen opened without being created existed before the
// journal and counts as durable as found; `created` resets its history. Writes grow `size` (a fault event changes
// what the following write event of the same pid and fd did to the file: lost, misdirected, partial); a successful
// fsync/fdatasync (not sync_file_range, which promises nothing) sets `synced_size`; truncates shrink both; an fsync
// error adds its [lost_from, lost_to) to `lost`, and later writes of those bytes remove them again; a dirsync of the
// file's directory sets `dir_synced_after_create`; rename moves a history, unlink clears `exists`.
std::map<std::string, FileHistory> summarize(const std::vector<Event>& events);
// The same, starting from the histories of files that existed before the journal began (the files an earlier run of
// the trial left on disk: `existing_files`), so that a file no call of this journal touches, or one it only renames or
// unlinks, keeps the history it had.
std::map<std::string, FileHistory> summarize(const std::vector<Event>& events,
                                             std::map<std::string, FileHistory> initial);

// Faults that fired, in journal order.
std::vector<Event> fired_faults(const std::vector<Event>& events);

}  // namespace faultline::faults
