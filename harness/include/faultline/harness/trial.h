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
#include "faultline/harness/trial_plan.h"
#include "faultline/harness/workload.h"
#include "faultline/reports/model.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::harness {

struct TrialConfig {
  scenarios::Scenario scenario;
  scenarios::EngineProfile profile;
  std::uint64_t seed = 0;
  std::filesystem::path work_dir;   // created by the trial; the caller removes it (or keeps it as artifacts)
  std::filesystem::path shim;       // libfaultfs.so
  std::filesystem::path bindir;     // replaces {bindir} in the engine command
  std::function<void(const std::string&)> narrate;  // step-by-step story for `repro`; may be empty
  // The plan to run instead of the seed's (a bundle's, a shrink candidate); the seed still names the shim's plans.
  std::optional<TrialPlan> plan;
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
  // The parts of the report's failure entry, typed (reports/include/faultline/reports/model.h): the fault ledger (what
  // fired, where), the expected and observed outcome of recovery and where the fault was aimed.
  std::vector<reports::FaultEntry> faults;
  reports::Expected expected;
  reports::Observed observed;
  reports::TrialCoverage coverage;
  std::vector<std::string> engine_log;  // last stderr lines of the last engine run
  std::string hexdump;                  // around the damaged offset, after the damage, before recovery
  std::string hexdump_before;           // the same bytes before the damage, when known (bit flips, damage at rest)
  // Each fault run's requests and replies, bounded (docs/report.md, `transcript`).
  std::vector<reports::TranscriptRun> transcript;
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
