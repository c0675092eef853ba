// Fault plan v1 (docs/fault-plan.md): what the harness asks the shim to inject in one engine run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace faultline::faults {

// One `fault KIND key=value...` line. Exactly one trigger (offset, nth, prob) must be set.
struct FaultSpec {
  std::string kind;              // crash, short_write, bitflip_write, bitflip_read, write_error, read_error,
                                 // fsync_error, lost_write, misdirected_write
  std::string file = "*";        // glob on the path relative to target_dir
  std::optional<std::uint64_t> offset;
  std::optional<std::uint64_t> nth;
  std::optional<double> prob;
  std::uint32_t count = 1;       // 0 = unlimited
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
  std::vector<FaultSpec> faults;
};

// The plan as the text the shim reads. Throws std::invalid_argument naming the field if the plan is not valid.
std::string render_plan(const Plan& plan);
// render_plan + write to `path` (fsync not needed: the shim reads it from the page cache).
void write_plan(const Plan& plan, const std::filesystem::path& path);

// All fault kinds the shim understands, for validation and listings.
const std::vector<std::string>& shim_fault_kinds();

}  // namespace faultline::faults
