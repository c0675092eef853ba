// walkv-planted: walkv with one planted mistake, for Faultline's own tests and `faultline selftest` only.
//
//   walkv-planted manifest                            every variant as one JSON object per line (manifest.h)
//   walkv-planted serve --dir D --planted-bug NAME    walkv serve with the mistake NAME switched on
//   walkv-planted COMMAND ...                         anything else: exactly walkv's command line (walkv/cli.h)
//
// Without --planted-bug it behaves as walkv: the patched sources it is built from only differ when a bug is active.
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "planted/manifest.h"
#include "planted/planted_env.h"
#include "walkv/cli.h"
#include "walkv/data_dir.h"

namespace {

using walkv::planted::kVariants;

std::string Names() {
  std::string names;
  for (const auto& v : kVariants) names += (names.empty() ? "" : ", ") + std::string(v.name);
  return names;
}

int PrintManifest() {
  for (const auto& v : kVariants) {
    std::cout << nlohmann::ordered_json{{"name", v.name},
                                        {"mistake", v.mistake},
                                        {"expected", v.expected},
                                        {"origin", v.origin},
                                        {"planted_in", v.planted_in},
                                        {"caught_by", v.caught_by},
                                        {"serve_args", v.serve_args}}
                     .dump()
              << '\n';
  }
  return std::cout.flush() ? walkv::kExitOk : walkv::kExitIOError;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "manifest") return PrintManifest();
  // Take --planted-bug NAME (or --planted-bug=NAME) out of the command line; the rest is walkv's.
  std::vector<char*> args;
  std::string bug_name;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--planted-bug" && i + 1 < argc) {
      bug_name = argv[++i];
    } else if (arg.starts_with("--planted-bug=")) {
      bug_name = arg.substr(std::strlen("--planted-bug="));
    } else {
      args.push_back(argv[i]);
    }
  }
  walkv::Env* env = walkv::Env::Default();
  std::unique_ptr<walkv::planted::PlantedEnv> planted_env;
  if (!bug_name.empty()) {
    const auto bug = walkv::planted::FindBug(bug_name);
    if (!bug) {
      std::cerr << "walkv-planted: unknown --planted-bug " << bug_name << "; one of: " << Names()
                << " (walkv-planted manifest lists them)\n";
      return walkv::kExitUsage;
    }
    walkv::planted::Activate(*bug);
    if (walkv::planted::IsEnvBug(*bug)) {
      planted_env = std::make_unique<walkv::planted::PlantedEnv>(env, *bug);
      env = planted_env.get();
    }
  }
  args.push_back(nullptr);
  return walkv::Main(env, static_cast<int>(args.size() - 1), args.data());
}
