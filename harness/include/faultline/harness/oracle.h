// The oracle: what a correct engine must do after the faults of one trial, and how the observed outcome is judged.
//
// Model: the engine's data files are a sequence of records, one per write() call of the engine (profiles declare
// `record_per_write`). From the workload, the acknowledgements and the shim's journal we know where every record
// starts and ends, which were synced, and exactly which bytes a fault touched. Damage is classified by what follows
// it (docs/design-notes.md §1.1): damage with a complete record after it is mid-log corruption, and the engine must
// refuse to start and leave its files untouched; damage with nothing after it is a tail, which the engine's declared
// torn-tail policy cuts (truncate) or refuses (abort). A complete last record that is damaged is ambiguous (torn write or bit rot):
// either outcome is accepted, and the damaged record's operation may be lost. Every acknowledged operation that the
// engine's durability promise covers must be reflected, and the state must be the result of a prefix of the
// operations issued: nothing invented, nothing reordered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faultline/harness/workload.h"
#include "faultline/reports/model.h"

namespace faultline::harness {

struct Violation {
  std::string name;    // one of violation_names()
  std::string detail;  // a sentence with offsets, keys and values
};

// Every violation name the oracle can report, with its one-line meaning (docs/violations.md says more).
const std::vector<std::pair<std::string, std::string>>& violation_names();

struct Expectation {
  bool allow_start = true;             // the engine may start (READY)
  bool allow_abort = false;            // the engine may refuse with its corrupt-log exit code
  bool any_exit_allowed = false;       // a transient I/O error: any non-zero exit is a refusal, not a crash
  bool transient = false;              // after a refusal, a fault-free restart must recover everything
  bool start_if_complete = false;      // where !allow_start: a start is accepted when no acknowledged write is lost
                                       // (a black box: the damage may have hit bytes it does not need)
  std::optional<std::uint64_t> size_after;  // exact size of the data file after a successful recovery
  std::string file;                    // that data file
  std::size_t keep_min = 0;            // operations of this cycle that must be reflected (a prefix length)
  std::string reason;                  // why, in one sentence
  std::string outcome() const;         // "clean", "truncate", "abort", "either", "start"
  reports::Expected report() const;   // for the report (docs/report.md, "expected")
};

struct StateCheck {
  std::vector<Violation> violations;
  std::optional<std::size_t> matched_prefix;  // how many operations the observed state reflects
};

// Judges an observed state against base + prefixes [keep_min, issued.size()] of the issued operations.
StateCheck check_state(const KvState& base, const std::vector<Issued>& issued, std::size_t keep_min,
                       const KvState& observed);

// At most `max_entries` entries, then "… and N more (M in all)".
std::string describe_state(const KvState& state, std::size_t max_entries = 16);

// How many items of a list a violation detail names (the rest are counted): a detail stays readable however long the
// list (a LevelDB trial once listed 27 KB of lost operations).
inline constexpr std::size_t kDetailItems = 8;
// `items` joined with "; ": at most `shown` of them, then "… and N more (M in all)"; a list that fits is unchanged.
std::string join_capped(const std::vector<std::string>& items, std::size_t shown = kDetailItems);

}  // namespace faultline::harness
