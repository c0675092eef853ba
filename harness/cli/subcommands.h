// Internal to the faultline command: one options struct per subcommand that runs trials (run, repro, shrink,
// selftest); main() only parses and dispatches.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>

#include "common.h"

namespace faultline::cli {

// `faultline run`: its options, and the campaign they describe.
struct RunArgs {
  Common common;
  std::optional<std::uint64_t> trials, seed;
  std::string seeds, shard, report = "faultline-report.json", corpus, all_trials;
  std::uint32_t jobs = std::max(1u, std::thread::hardware_concurrency());
  std::optional<double> budget;
  bool keep = false, quiet = false;
  std::uint32_t determinism = 0;

  CLI::App* add(CLI::App& app);  // the subcommand and its options
  int execute();
};

// `faultline repro`: one trial by seed, from a report, or from a bundle.
struct ReproArgs {
  Common common;
  std::optional<std::uint64_t> seed;
  std::string bundle, hash, report;
  std::size_t failure = 1;

  CLI::App* add(CLI::App& app);  // the subcommand and its options
  int execute();
};

// `faultline selftest`: the default campaign against walkv and every planted-bug variant.
struct SelftestArgs {
  Common common;
  std::uint64_t trials = 140, seed = 1;
  std::uint32_t jobs = std::max(1u, std::thread::hardware_concurrency());
  std::string output = "faultline-selftest";

  CLI::App* add(CLI::App& app);  // the subcommand and its options
  int execute();
};

// `faultline shrink`: a failing trial made small, written as a bundle.
struct ShrinkArgs {
  Common common;
  std::uint64_t seed = 0;
  std::string output;

  CLI::App* add(CLI::App& app);  // the subcommand and its options
  int execute();
};

}  // namespace faultline::cli
