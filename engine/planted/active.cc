// Which variant this walkv-planted process runs: set once from the command line, before anything else happens.
#include <optional>

#include "planted/manifest.h"

namespace walkv::planted {
namespace {

std::optional<Bug> g_active;

}  // namespace

void Activate(Bug bug) noexcept { g_active = bug; }
bool Active(Bug bug) noexcept { return g_active == bug; }
void Deactivate() noexcept { g_active.reset(); }

}  // namespace walkv::planted
