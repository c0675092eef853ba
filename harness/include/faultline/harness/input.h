// What a user types, checked before anything runs: numbers with their ranges, and the files a command will write.
// Every check throws scenarios::ConfigError (exit 2) with a message that names the option, says what is wrong and
// what to give instead. Pure functions of their arguments and the file system, unit-tested on hand-made inputs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "faultline/scenarios/scenario.h"

namespace faultline::harness {

// A decimal integer in [min, max]: digits only (no sign, no spaces, no "0x"), no overflow.
std::uint64_t parse_uint(const std::string& option, const std::string& text, std::uint64_t min = 0,
                         std::uint64_t max = UINT64_MAX);
// "K/N" with 0 <= K < N <= 2^32 - 1.
std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& option, const std::string& text);
// "A..B" with A <= B.
std::pair<std::uint64_t, std::uint64_t> parse_seed_range(const std::string& option, const std::string& text);

// A file the command will write later (the report, JUnit XML, the per-trial lines): it is not a directory, its
// directory exists (nothing is created on the user's behalf) and files can be created there now (a probe file is
// created and removed, which also catches read-only mounts and holds for root). `replace_only_regular`: the file is
// written by rename, so an existing special file (/dev/null) is refused rather than replaced.
void check_output_file(const std::string& option, const std::filesystem::path& path, bool replace_only_regular = true);
// A directory the command will create or fill: not a file, and its parent exists and is writable.
void check_output_dir(const std::string& option, const std::filesystem::path& path);

// The engine profile is runnable before any trial starts: its command splits into words (no unterminated quote), its
// program (after {bindir}) exists and is executable, and every data_files glob stays inside {dir} (not absolute, no
// ".." part). `where` names the source in messages ("--engine", or the profile file and its field).
void check_engine_profile(const scenarios::EngineProfile& profile, const std::filesystem::path& bindir);

}  // namespace faultline::harness
