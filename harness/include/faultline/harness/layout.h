// Where an installed or built Faultline finds its parts, relative to its own executable (never a path baked in at
// build time), so that a tree copied or installed anywhere works:
//
//   part             environment override     build tree (build/<preset>/)       install tree (<prefix>/)
//   programs         -                        bin/                               bin/            ({bindir})
//   shim             FAULTLINE_SHIM           bin/libfaultfs.so                  lib/faultline/libfaultfs.so
//   private tools    -                        bin/ (beside the shim)             lib/faultline/  ({libexecdir})
//   scenarios        FAULTLINE_SCENARIOS      share/faultline/scenarios (link)   share/faultline/scenarios
//   engine profiles  FAULTLINE_PROFILES       share/faultline/profiles (link)    share/faultline/profiles
//
// Command-line options (--shim, --scenario-dir, --profile) override both. The build tree's share/ holds symbolic
// links into the source tree, made by the top-level CMakeLists.txt, so edits to scenarios need no rebuild.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace faultline::harness {

struct Layout {
  std::filesystem::path bindir;     // the executable's own directory: walkv lives here ({bindir})
  std::filesystem::path shim;       // libfaultfs.so; its directory is {libexecdir}
  std::filesystem::path scenarios;  // scenario *.json files
  std::filesystem::path profiles;   // engine profile *.json files

  // The lines `faultline --version` prints after the version: each part and where it was found.
  std::string describe() const;
};

// Looks up an environment variable; std::getenv in production, a map in tests.
using EnvLookup = std::function<std::optional<std::string>(const char*)>;
EnvLookup process_env();

// The layout around `executable` (normally /proc/self/exe). Parts that are not found keep the first place looked at,
// so that the error naming them (require_*) says where Faultline looked.
Layout find_layout(const std::filesystem::path& executable, const EnvLookup& env);
Layout find_layout();  // of this process

// Each throws std::runtime_error naming the path, where it came from, and what to set, if the part is missing.
const std::filesystem::path& require_shim(const Layout& layout);
const std::filesystem::path& require_scenarios(const Layout& layout);
const std::filesystem::path& require_profiles(const Layout& layout);

// "0.1.0" and the git revision the binary was built from ("unknown" outside a git checkout).
const char* version();
const char* git_revision();

}  // namespace faultline::harness
