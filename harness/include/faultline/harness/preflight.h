// Before a campaign (run, repro, shrink): the engine starts once on an empty directory under the shim, with a plan
// that injects nothing, says READY and exits 0 after QUIT. A mistake in the command (a misplaced option, a wrong
// program, an adapter that prints something else first) is then one configuration error with the engine's own
// message, not a failure of every trial (README, "Exit codes": 2).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "faultline/scenarios/scenario.h"

namespace faultline::harness {

// Throws scenarios::ConfigError naming the command as it was split into words, what went wrong and the last lines of
// the engine's stderr. `work_dir` is created for the check and removed after it. The engine starts as a trial's
// would (through the fork server when it is on), in a thread of its own, so that no fork server outlives the check.
// Returns the protocol version the engine's READY line announced (docs/engine-protocol.md).
int preflight(const scenarios::EngineProfile& profile, const std::filesystem::path& shim,
              const std::filesystem::path& bindir, const std::filesystem::path& work_dir);

// Throws scenarios::ConfigError if a scenario needs a newer protocol than the engine speaks (`value_bytes` needs v2),
// naming the scenario, the field and the way out.
void require_protocol(const std::vector<scenarios::Scenario>& scenarios, int version);

// The message of a failed preflight (pure, for tests): the problem, the words, the stderr lines.
std::string preflight_message(const std::string& source, const std::string& problem,
                              const std::vector<std::string>& words, const std::vector<std::string>& stderr_tail);

}  // namespace faultline::harness
