// Scenario files (scenarios/*.json) and engine profiles (scenarios/profiles/*.json): the two inputs that say what a
// campaign does. Both are validated when loaded; a bad file raises ConfigError naming the file, the field and what
// was expected, which the CLI turns into exit code 2.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/fault_kinds.h"

namespace faultline::scenarios {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WorkloadSpec {
  std::uint32_t operations = 16;      // mutating operations before the fault
  std::uint32_t keys = 6;             // size of the key space
  std::uint32_t value_min = 1;        // value length range in bytes: 1..64 (`value_length`), 1..65536 (`value_bytes`)
  std::uint32_t value_max = 24;
  bool any_byte = false;              // `value_bytes`: values of any byte, sent in hex: needs engine protocol v2
  std::uint32_t delete_percent = 15;  // share of DEL among operations
  std::uint32_t preload = 0;          // operations sent first, outside the fault window (they fill the engine's files)
  bool fresh_keys = false;            // every PUT a key never used before (overwrites would hide lost writes); the
                                      // default when the scenario gives no `keys`
};

// Where a fault is aimed in the engine's write stream.
enum class Aim { kUniform, kAnyRecord, kLastRecord, kMidLog };
// Which part of the aimed record (needs the profile's frame declaration; otherwise any byte of the record).
enum class Field { kAny, kLength, kPayload, kChecksum, kBoundary };

// The names in a scenario file are parsed here, once: the trial sees only the enums of faultline/fault_kinds.h.
struct FaultSpec {
  FaultKind kind = FaultKind::kCrash;
  Aim aim = Aim::kUniform;
  Field field = Field::kAny;
  std::string err = "EIO";            // write_error / read_error / fsync_error
  std::optional<std::uint64_t> keep;  // write_error / short_write: bytes written first
  AtRestDamage damage = AtRestDamage::kBitflip;  // at_rest only
  std::optional<PowerLossModel> power_loss;      // power_loss (default drop-unsynced), or a power loss after another kind
  bool during_recovery = false;       // crash again during the first recovery (nth write of recovery)
  // Which write of the armed operation a fault placed while the engine runs hits (docs/faults.md, "How a trial aims a
  // fault"): its first (the default), its last, any one, or the n-th (1-based); `kSpread` draws one of first, last
  // and any per trial, with a head region one time in four (the default campaign of a black box).
  enum class Write : std::uint8_t { kFirst, kLast, kAny, kNth, kSpread } write = Write::kFirst;
  std::uint32_t write_nth = 1;
  std::string file;                   // a glob among the data files ("" = any data file)
  std::optional<std::uint64_t> head_bytes;  // only writes that touch the first N bytes of the file (headers)
  enum class Rewrite : std::uint8_t { kAny, kOverwrite, kAppend } rewrite = Rewrite::kAny;
  bool explicit_write_aim = false;    // the scenario names write, file, head_bytes or rewrite
};

struct Scenario {
  std::string name;
  std::string summary;                // one line, for `faultline scenarios`
  std::string description;
  WorkloadSpec workload;
  FaultSpec fault;
  std::uint32_t crashes = 1;          // fault + recovery cycles in one trial
  std::uint32_t after_operations = 4; // operations written after recovery to prove the log healthy
  std::filesystem::path source;       // file it was loaded from
  nlohmann::json document;            // the document it was parsed from (embedded in bundles)
};

const std::vector<std::string>& fault_kinds();  // every kind's name, in table order
const char* to_string(Aim aim);
const char* to_string(Field field);

Scenario load_scenario(const std::filesystem::path& file);
// The same from a parsed document; `origin` names it in errors (a file, or "bundle.json: scenario").
Scenario parse_scenario(const nlohmann::json& doc, const std::filesystem::path& origin);
// All *.json files of a directory, sorted by name. Throws ConfigError on the first bad file.
std::vector<Scenario> load_scenario_dir(const std::filesystem::path& dir);
// `name` is a scenario name in `dir`, "all", a comma-separated list of names, or a path to a .json file.
std::vector<Scenario> resolve_scenarios(const std::string& name, const std::filesystem::path& dir);

enum class SyncPromise { kAlways, kBatch, kNone };
enum class TornTailPolicy { kTruncate, kAbort, kEither };
const char* to_string(SyncPromise sync);
const char* to_string(TornTailPolicy policy);

struct Frame {
  std::uint32_t header_bytes = 4;     // length field(s) before the payload
  std::uint32_t trailer_bytes = 4;    // checksum after the payload
};

// Where a fork server (docs/fork-server.md) stops the engine: before main, in faultline_fork_point(), or never.
enum class ForkPoint { kMain, kDeferred, kOff };

struct EngineProfile {
  std::string name;
  std::string command;                // with {dir} and {bindir}
  std::vector<std::string> data_files{"*"};  // globs relative to the data directory: the shim's targets
  int corrupt_exit_code = 3;
  SyncPromise sync = SyncPromise::kAlways;
  bool record_per_write = false;      // one record per write() call: enables exact truncation checks
  std::optional<Frame> frame;         // length-prefixed frame: enables aiming at record fields
  TornTailPolicy torn_tail = TornTailPolicy::kTruncate;
  std::uint32_t start_timeout_ms = 10000;
  std::uint32_t request_timeout_ms = 5000;
  ForkPoint fork_server = ForkPoint::kMain;
  std::filesystem::path source;
  nlohmann::json document;
};

EngineProfile load_profile(const std::filesystem::path& file);
EngineProfile parse_profile(const nlohmann::json& doc, const std::filesystem::path& origin);
// The raw document of a scenario or profile file (for embedding in bundles). Throws ConfigError.
nlohmann::json read_json_file(const std::filesystem::path& file);
// A profile for `--engine "CMD {dir}"` without a profile file: black-box defaults, nothing about the format assumed.
EngineProfile command_profile(const std::string& command);

}  // namespace faultline::scenarios
