// Crash states from a recorded history (docs/persistence.md, "Crash states"): a pure builder that lists the states a
// persistence model allows at a crash point, and a pure function that materializes one state as a file tree.
//
// A state is a description: for every pending event (a data or metadata event before the crash point that no
// barrier made durable, faultline/persistence.h) whether it persisted, was lost, or (a write) persisted only its
// first sectors, or (posix, an append) persisted its size but not its bytes. Durable events always persisted. The
// builder lists, per crash point: the durable prefix (every pending event lost); everything persisted; each pending
// write lost alone; each pending metadata event undone (with the ones after it, where the model keeps metadata in
// order); per fsync epoch, every subset of at most two of its pending writes (sampled from the seed beyond a bound);
// torn splits of the last pending write; and (posix) the appends' sizes without their bytes. Each state is then made
// to obey the model's ordering constraints, and duplicates are dropped.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "faultline/history.h"
#include "faultline/persistence.h"

namespace faultline::faults {

enum class Fate : std::uint8_t { kPersisted, kLost, kTorn, kSizeOnly };
const char* to_string(Fate fate);

struct PendingFate {
  std::size_t event = 0;  // index into the history
  Fate fate = Fate::kPersisted;
  std::uint64_t kept = 0;  // kTorn: bytes of the write that persisted (from its start, whole sectors)
  bool operator==(const PendingFate&) const = default;
  auto operator<=>(const PendingFate&) const = default;
};

struct CrashState {
  std::size_t crash = 0;            // the events [0, crash) happened
  std::vector<PendingFate> fates;   // one per pending event, in history order
  std::string how;                  // how the builder chose it ("durable prefix", "write #12 lost", ...)
};

struct CrashBounds {
  std::size_t max_pairs = 32;   // subsets of two pending writes per epoch beyond this are sampled
  std::size_t max_tears = 4;    // torn splits of the last pending write
  std::size_t max_states = 256; // per crash point (the first ones in the order above)
};

// Every state `model` allows at `crash`, deterministic for (history, crash, model, seed, bounds).
std::vector<CrashState> build_crash_states(const History& history, const std::vector<ResolvedEvent>& resolved,
                                           const std::vector<std::size_t>& durable, std::size_t crash,
                                           const PersistenceModel& model, std::uint64_t seed,
                                           const CrashBounds& bounds = {});

// The files and directories a state leaves, relative to target_dir.
struct FileTree {
  std::map<std::string, std::string> files;
  std::set<std::string> dirs;
  bool operator==(const FileTree&) const = default;
};
FileTree materialize(const History& history, const std::vector<ResolvedEvent>& resolved, const CrashState& state);
std::uint64_t content_hash(const FileTree& tree);  // FNV-1a over names and bytes: equal trees, equal hashes
// Writes `tree` under `dir` (created; it must not exist yet). Throws std::runtime_error naming the path.
void write_tree(const FileTree& tree, const std::filesystem::path& dir);

// One event as explanations name it: "write wal.log [0,4096) #3", "rename snap.tmp -> snap #9", "unlink a #4".
std::string describe_event(const History& history, std::size_t event);

// "persisted: write wal.log [0,4096) #3, create wal.log #1; lost: rename snap.tmp -> snap #9" for a report.
std::string explain(const History& history, const CrashState& state);

}  // namespace faultline::faults
