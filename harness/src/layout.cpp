#include "faultline/harness/layout.h"

#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "faultline/revision.h"  // generated at build time: FAULTLINE_VERSION, FAULTLINE_GIT_REVISION

namespace faultline::harness {

namespace fs = std::filesystem;

namespace {

// The first candidate that exists, else the first one (so the error names where we looked first).
fs::path first_existing(std::initializer_list<fs::path> candidates) {
  std::error_code ec;
  for (const auto& c : candidates)
    if (fs::exists(c, ec)) return c.lexically_normal();
  return candidates.begin()->lexically_normal();
}

const fs::path& require(const fs::path& p, const char* what, const char* env, const char* option) {
  std::error_code ec;
  if (!fs::exists(p, ec))
    throw std::runtime_error(fmt::format(
        "cannot find the {} at {} (looked beside the faultline executable, then in its install tree): set {} or "
        "pass {}, or reinstall Faultline",
        what, p.string(), env, option));
  return p;
}

}  // namespace

EnvLookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

Layout find_layout(const fs::path& executable, const EnvLookup& env) {
  Layout l;
  l.bindir = executable.parent_path();
  const fs::path prefix = l.bindir.parent_path();
  const fs::path share = prefix / "share" / "faultline";
  auto from_env = [&](const char* name) -> std::optional<fs::path> {
    if (auto v = env(name)) return fs::path(*v);
    return std::nullopt;
  };
  l.shim = from_env("FAULTLINE_SHIM").value_or(
      first_existing({l.bindir / "libfaultfs.so", prefix / "lib" / "faultline" / "libfaultfs.so"}));
  l.scenarios = from_env("FAULTLINE_SCENARIOS").value_or(share / "scenarios");
  l.profiles = from_env("FAULTLINE_PROFILES").value_or(share / "profiles");
  return l;
}

Layout find_layout() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error(fmt::format("cannot read /proc/self/exe ({}): is /proc mounted?", ec.message()));
  return find_layout(exe, process_env());
}

const fs::path& require_shim(const Layout& l) { return require(l.shim, "fault shim libfaultfs.so", "FAULTLINE_SHIM", "--shim"); }
const fs::path& require_scenarios(const Layout& l) {
  return require(l.scenarios, "scenario directory", "FAULTLINE_SCENARIOS", "--scenario-dir");
}
const fs::path& require_profiles(const Layout& l) {
  return require(l.profiles, "engine profile directory", "FAULTLINE_PROFILES", "--profile");
}

std::string Layout::describe() const {
  std::error_code ec;
  auto line = [&](const char* what, const fs::path& p) {
    return fmt::format("  {:<10} {}{}\n", what, p.string(), fs::exists(p, ec) ? "" : "  (missing)");
  };
  return line("programs", bindir) + line("shim", shim) + line("scenarios", scenarios) + line("profiles", profiles);
}

const char* version() { return FAULTLINE_VERSION; }
const char* git_revision() { return FAULTLINE_GIT_REVISION; }

}  // namespace faultline::harness
