// `faultline profile init --engine CMD [-o FILE]`: a starting profile for a black-box engine, from a probe
// (faultline/harness/profile_init.h, docs/profiles.md "Writing a profile with profile init").
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli.h"
#include "faultline/harness/input.h"
#include "faultline/harness/profile_init.h"

namespace faultline::cli {

namespace fs = std::filesystem;

namespace {

struct ProfileInitOptions {
  Common common;
  std::string output = "faultline-profile.json";
};

int profile_init(const ProfileInitOptions& o) {
  if (o.common.engine.empty()) throw UsageError("profile init: --engine is required (the command, with {dir})");
  o.common.apply_process_options();
  const fs::path out(o.output);
  harness::check_output_file("--output", out);
  const fs::path work = o.common.work_dir.empty()
                            ? fs::temp_directory_path() / fmt::format("faultline-profile-init-{}", ::getpid())
                            : fs::path(o.common.work_dir) / "profile-init";
  const auto profile = harness::probe_profile(scenarios::command_profile(o.common.engine).command,
                                              o.common.shim_path(), layout().bindir, work);
  {
    std::ofstream file(out);
    file << profile.dump(2) << '\n';
    if (!file) throw std::runtime_error(fmt::format("--output {}: cannot write the profile", out.string()));
  }
  scenarios::load_profile(out);  // what was written loads as a profile
  std::cout << fmt::format("wrote {}: data_files {}, sync {}\n", out.string(), profile["data_files"].dump(),
                           profile["sync"].get<std::string>());
  for (const auto& note : profile["notes"]) std::cout << "  " << note.get<std::string>() << '\n';
  std::cout << fmt::format("edit it, then: faultline run --profile {}\n", out.string());
  return 0;
}

}  // namespace

Command add_profile_command(CLI::App& app) {
  auto opts = std::make_shared<ProfileInitOptions>();
  auto* profile = app.add_subcommand("profile", "write engine profiles");
  profile->require_subcommand(1);
  auto* init = profile->add_subcommand(
      "init", "probe a black-box engine (a short fault-free run under the shim, a restart) and write a starting profile");
  init->add_option("--engine", opts->common.engine, "engine command with {dir}, e.g. \"./mydb --data {dir}\"")
      ->required();
  init->add_option("-o,--output", opts->output, "where to write the profile (default: faultline-profile.json)");
  init->add_option("--shim", opts->common.shim, "path to libfaultfs.so (default: beside the faultline binary)");
  init->add_option("--work-dir", opts->common.work_dir, "where the probe's directory is made (default: the temp dir)");
  return {profile, [opts] { return profile_init(*opts); }};
}

}  // namespace faultline::cli
