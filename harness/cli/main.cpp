// faultline: the command line. It only parses arguments and calls into the harness library; every error is caught
// here and mapped to the documented exit codes (README: 0 pass, 1 failures, 2 usage/configuration, 3 harness error,
// 130 interrupted). Each subcommand is one add_*_command (cli.h); main only wires them.
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli.h"
#include "faultline/harness/process.h"
#include "faultline/harness/supervisor.h"

namespace cli = faultline::cli;

int main(int argc, char** argv) {
  CLI::App app{"faultline: crash-testing harness for storage engines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    std::string parts = cli::layout().describe();
    if (!parts.empty() && parts.back() == '\n') parts.pop_back();
    return fmt::format("faultline {} (git {})\n{}", faultline::harness::version(), faultline::harness::git_revision(),
                       parts);
  });
  const std::vector<cli::Command> commands = {cli::add_run_command(app),      cli::add_repro_command(app),
                                              cli::add_shrink_command(app),   cli::add_selftest_command(app),
                                              cli::add_scenarios_command(app), cli::add_report_command(app),
                                              cli::add_explore_command(app),  cli::add_profile_command(app)};

  // Before any engine starts: the orphans of engines (daemons, double forks) become ours to find and kill.
  faultline::harness::supervisor::become_subreaper();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "faultline: " << e.what() << "\n(run `faultline --help` or `faultline <command> --help`)\n";
    return 2;
  }

  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
    std::cerr << "faultline: no command given (run `faultline --help`)\n";
    return 2;
  } catch (const faultline::scenarios::ConfigError& e) {  // cli::UsageError too
    std::cerr << "faultline: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "faultline: error: " << e.what() << '\n';
    return 3;
  }
}
