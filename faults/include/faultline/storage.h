// Storage faults applied by the harness to files while the engine is down: power loss and at-rest damage.
//
// Model (power loss): SIGKILL loses nothing from the page cache, so after a kill every written byte is still in the
// file. A power loss additionally loses what was never made durable. For each target file we keep the prefix that
// the last successful sync covered ([0, synced_size)), minus ranges lost by failed fsyncs, and replace the unsynced
// suffix according to the model: dropped whole, kept as a random prefix, or torn per sector (each sector old, new,
// zeros or garbage). A file created but never made durable by an fsync of its directory may vanish. Writes that
// overwrote bytes below synced_size after the last sync are kept as written (the journal does not hold old bytes):
// the model is exact for append-only files and truncation, approximate for in-place overwrites.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faultline/fault_kinds.h"
#include "faultline/journal.h"
#include "faultline/rng.h"

namespace faultline::faults {

using faultline::PowerLossModel;  // faultline/fault_kinds.h
const char* to_string(PowerLossModel model);   // the ledger's spelling: drop_unsynced, sector_tear_512, ...
PowerLossModel power_loss_model_from_string(const std::string& name);  // throws std::invalid_argument

struct PowerLossAction {
  std::string file;
  std::string action;                 // kept, truncated, torn, vanished, lost_range_zeroed
  std::uint64_t size_before = 0;
  std::uint64_t size_after = 0;
  std::uint64_t synced_size = 0;
  std::string detail;                 // per-sector choices etc., human readable
  // What survives past synced_size is a prefix of what was written: no garbage sector, and no sector that is not new
  // (old, zeros) before one that is (out-of-order writeback). False only for some sector tears.
  bool clean_prefix = true;
};

// Rewrites every file in `histories` (paths relative to `data_dir`) into a state a real disk could leave.
// Every choice is drawn from `rng`. Returns what it did, per file, for the fault ledger.
std::vector<PowerLossAction> apply_power_loss(const std::filesystem::path& data_dir,
                                              const std::map<std::string, FileHistory>& histories,
                                              PowerLossModel model, Rng& rng);

// At-rest damage. Each throws std::runtime_error naming the file on I/O failure, and fsyncs the file.
void flip_bit(const std::filesystem::path& file, std::uint64_t offset, int bit);
void zero_range(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t length);
void garbage_range(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t length, Rng& rng);
void truncate_to(const std::filesystem::path& file, std::uint64_t size);

// Bypass detection: a target file that exists with a size the journal cannot explain (bytes written without the
// shim seeing them: static binary, stdio's internal writes, mmap, io_uring). Returns a message per file, empty when
// everything is explained.
// Files in `left_out` (leave_out_untracked) are not data files: their presence on disk is no message.
std::vector<std::string> detect_bypass(const std::filesystem::path& data_dir,
                                       const std::map<std::string, FileHistory>& histories,
                                       const std::vector<std::string>& target_globs,
                                       const std::map<std::string, std::string>& left_out = {});

// The histories of the target files on disk now, before a run: each existed before its journal, durable as found
// (summarize's rule for a file first seen opened without being created). Files in `left_out` are skipped.
std::map<std::string, FileHistory> existing_files(const std::filesystem::path& data_dir,
                                                  const std::vector<std::string>& target_globs,
                                                  const std::map<std::string, std::string>& left_out);

// Files written only around the shim (faults/src/untracked.cc, docs/faults.md "Files the shim cannot follow"): a
// file mapped shared and writable, or written only through stdio, with why; nullopt for a file the shim follows (or
// one whose untracked calls make it a bypass).
std::optional<std::string> left_out_reason(const FileHistory& history);
// Removes from `histories` every file left out, by its own calls or because an earlier run of the trial left it out
// (`earlier`, followed through the renames in `events`), and returns them all (file -> why).
std::map<std::string, std::string> leave_out_untracked(std::map<std::string, FileHistory>& histories,
                                                       const std::vector<Event>& events,
                                                       const std::map<std::string, std::string>& earlier);

}  // namespace faultline::faults
