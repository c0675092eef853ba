// `faultline profile init` (docs/profiles.md, "Writing a profile with profile init"): a probe of a black-box engine
// and the starting profile written from what the shim saw. The probe is one fault-free run on an empty directory
// (a short workload, QUIT) and one restart; the analysis is a pure step on the probe's journal events.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/harness/workload.h"
#include "faultline/journal.h"

namespace faultline::harness {

// What the probe saw, the input of the analysis.
struct ProbeRuns {
  std::string command;
  std::vector<faults::Event> run_events;      // the first run (the workload)
  std::vector<Issued> issued;                 // its operations, with the journal events around each
  std::vector<faults::Event> restart_events;  // the restart (recovery, DUMP, QUIT)
  std::map<std::string, std::string> left_out;  // files written only around the shim -> why
};

// The starting profile (format_version 1, docs/profiles.md) with `notes` saying what was seen and why each value was
// chosen. Pure: the same runs give the same document.
nlohmann::ordered_json suggest_profile(const ProbeRuns& runs);

// A data file's name as a glob that also matches the engine's later files of the same kind: every run of digits
// becomes `*` ("db/000003.log" -> "db/*.log").
std::string file_glob(const std::string& file);

// Runs the probe (under the shim, in `work_dir`, removed after) and returns its profile. Throws
// scenarios::ConfigError (exit 2) naming what failed: no READY, a write not acknowledged, a restart that does not
// give back every acknowledged write, no data file written through the shim.
nlohmann::ordered_json probe_profile(const std::string& command, const std::filesystem::path& shim,
                                     const std::filesystem::path& bindir, const std::filesystem::path& work_dir);

}  // namespace faultline::harness
