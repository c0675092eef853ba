// Fault plan v1 (docs/fault-plan.md): what the harness asks the shim to inject in one engine run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "faultline/fault_kinds.h"

namespace faultline::faults {

// `span=FROM:TO`: where inside the firing write call the fault's byte is drawn (see docs/fault-plan.md). FROM and TO
// count from the call's first byte when >= 0 (TO > 0) and from its end when negative (TO = 0 is the end itself).
struct Span {
  std::int64_t from = 0;
  std::int64_t to = 0;
  bool operator==(const Span&) const = default;
};

// One `fault KIND key=value...` line. Exactly one trigger (offset, nth, prob, step) must be set.
struct FaultSpec {
  FaultKind kind = FaultKind::kCrash;  // one the shim injects (shim_injects)
  std::string file = "*";        // glob on the path relative to target_dir
  std::optional<std::uint64_t> offset;
  std::optional<std::uint64_t> nth;
  std::optional<double> prob;
  std::optional<std::uint64_t> step;  // the first call once the plan's step counter reached this value (>= 1)
  std::uint32_t count = 1;       // 0 = unlimited
  std::optional<Span> span;      // crash, short_write, bitflip_write, write_error with nth/prob/step
  std::optional<std::uint64_t> keep;
  std::optional<int> bit;        // 0..7
  std::optional<std::string> err;  // errno name: EIO, ENOSPC, EDQUOT, EFBIG
  std::optional<std::int64_t> shift;
};

struct Plan {
  std::uint64_t seed = 0;
  std::filesystem::path journal;     // absolute
  std::filesystem::path target_dir;  // absolute
  std::vector<std::string> targets;  // globs; empty = every file under target_dir
  bool exec_inherit = true;
  std::filesystem::path step_file;   // absolute; empty = none. A counter the harness raises while the engine runs
  std::filesystem::path record;      // absolute; empty = none. The recorded history (`record`, faultline/history.h)
  std::vector<FaultSpec> faults;
};

// The plan as the text the shim reads. Throws std::invalid_argument naming the field if the plan is not valid.
std::string render_plan(const Plan& plan);
// render_plan + write to `path` (fsync not needed: the shim reads it from the page cache).
void write_plan(const Plan& plan, const std::filesystem::path& path);

// One `fault KIND key=value...` line, without its newline (not validated: render_plan does that).
std::string render_fault_line(const FaultSpec& fault);

}  // namespace faultline::faults
