// Persistence models as data (docs/persistence.md): what a file system may have made durable when the power fails,
// given the recorded history (faultline/history.h) up to the crash point.
//
// Model: the history's events fall into three classes. Data: the bytes of a write. Metadata: create, truncate,
// rename, unlink, link, mkdir (names and sizes). Barriers: fsync/fdatasync of a file, fsync of a directory,
// sync/syncfs. An event is durable when a later barrier (before the crash point) covers it under the model's rules;
// every other data or metadata event is pending and may or may not have persisted, within the model's constraints
// (metadata persisted in issue order, a rename over a file ordered after the renamed file's data, tearing at the
// model's sector size). sync_file_range promises nothing and is no barrier. Each rule is a field of the table
// below; docs/persistence.md states each with its source.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/history.h"

namespace faultline::faults {

struct PersistenceModel {
  std::string_view name;
  std::string_view summary;
  // An fsync/fdatasync of a file with metadata not yet durable (created, truncated or grown since its last sync)
  // commits the file system's journal: every earlier metadata event becomes durable, its own name included.
  bool file_sync_commits_metadata = false;
  // An fsync of a directory with a pending entry commits every earlier metadata event (the journal), not only the
  // entries of that directory.
  bool dir_sync_commits_metadata = false;
  // Pending metadata events persist as a prefix in issue order (one journal); otherwise each independently.
  bool metadata_in_order = false;
  // A rename that replaces an existing file persists only together with the renamed file's earlier writes
  // (ext4's auto_da_alloc replace-via-rename heuristic).
  bool rename_replace_orders_data = false;
  // A pending append may persist its new size without its bytes (the range reads back as zeros).
  bool size_without_data = false;
  std::uint32_t sector = 512;  // a pending write persists in whole sectors; it may tear between them
};

// The models, in the order `--model all` runs them: posix, ext4-ordered (the default), xfs.
const std::vector<PersistenceModel>& persistence_models();
inline constexpr std::string_view kDefaultPersistenceModel = "ext4-ordered";
// Throws std::invalid_argument naming the model and listing the known ones.
const PersistenceModel& persistence_model(std::string_view name);

enum class EventClass : std::uint8_t { kData, kMetadata, kBarrier, kNone };
EventClass event_class(HistoryType type);

// The history with every event resolved to a model inode (creates allocate one; writes, syncs and truncates name
// theirs by st_ino or by name), the directory each metadata event changes, and facts the rules need.
struct ResolvedEvent {
  int inode = -1;                   // the file the event is about (-1: none, or a name that did not exist)
  std::vector<std::string> dirs;    // metadata: the parent directories whose entries it changes ("." = top)
  bool replaces = false;            // rename: the new name existed (rename over a file)
  bool grows = false;               // write: ended past the file's size before it (an append)
};
std::vector<ResolvedEvent> resolve_history(const History& history);
// A rename in a name -> inode map: the name `from`, or a directory with every name below it, moves to `to`.
void move_names(std::map<std::string, int>& names, const std::string& from, const std::string& to);

// For each event, the index of the barrier that made it durable under `model` (a barrier: its own index; an event
// that no barrier covers: kNeverDurable). At crash point c (the events [0, c) happened) event i is durable iff
// durable_by[i] < c; the other data and metadata events before c are pending.
inline constexpr std::size_t kNeverDurable = static_cast<std::size_t>(-1);
std::vector<std::size_t> durable_by(const History& history, const std::vector<ResolvedEvent>& resolved,
                                    const PersistenceModel& model);

}  // namespace faultline::faults
