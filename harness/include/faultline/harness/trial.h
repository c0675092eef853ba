// One trial: a seeded workload, one or more fault + recovery cycles, and the oracle's verdict.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/harness/oracle.h"
#include "faultline/harness/workload.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::harness {

// Explicit choices that replace the seed's, so a shrunk trial can be replayed anywhere from a bundle.
struct TrialOverrides {
  std::optional<std::vector<Op>> ops;                // the first cycle's operations
  // Aim at the operation this many from the last (0 = last): a fault placed while the engine runs fires in the first
  // write (sync) made for it; damage at rest and read faults hit the record it wrote.
  std::optional<std::uint64_t> record_from_end;
  std::optional<std::uint64_t> offset_in_record;     // and this byte of that write (clamped to it)
  bool empty() const { return !ops && !record_from_end && !offset_in_record; }
};

struct TrialConfig {
  scenarios::Scenario scenario;
  scenarios::EngineProfile profile;
  std::uint64_t seed = 0;
  std::filesystem::path work_dir;   // created by the trial; the caller removes it (or keeps it as artifacts)
  std::filesystem::path shim;       // libfaultfs.so
  std::filesystem::path bindir;     // replaces {bindir} in the engine command
  std::function<void(const std::string&)> narrate;  // step-by-step story for `repro`; may be empty
  TrialOverrides overrides;
  // Write evidence-N/ (the data files before each recovery) even when the trial passes; failing trials always get it.
  bool keep_evidence = false;
};

enum class Verdict { kPass, kFail, kVoid, kError };
const char* to_string(Verdict verdict);

struct TrialResult {
  std::string scenario;
  std::uint64_t seed = 0;
  Verdict verdict = Verdict::kPass;
  std::vector<Violation> violations;
  nlohmann::ordered_json faults = nlohmann::ordered_json::array();    // the fault ledger: what fired, where
  nlohmann::ordered_json expected = nlohmann::ordered_json::object();
  nlohmann::ordered_json observed = nlohmann::ordered_json::object();
  nlohmann::ordered_json coverage = nlohmann::ordered_json::object(); // kind, field, offset class
  std::vector<std::string> engine_log;  // last stderr lines of the last engine run
  std::string hexdump;                  // around the damaged offset, before recovery
  std::string error;                    // harness-side problem (verdict error)
  // Files the engine wrote only around the shim (mapped, stdio-only): left out of the model, file -> why.
  std::map<std::string, std::string> untracked_files;
  std::string trace_hash;               // plan + journal + verdict
  std::filesystem::path artifacts;
  double seconds = 0;
};

// Runs the trial. Never throws for engine behaviour; harness-side problems give verdict kError with `error` set.
TrialResult run_trial(const TrialConfig& config);

}  // namespace faultline::harness
