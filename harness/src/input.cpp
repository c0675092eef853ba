#include "faultline/harness/input.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "faultline/harness/process.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::harness {

namespace fs = std::filesystem;
using scenarios::ConfigError;

namespace {

bool parse_digits(std::string_view text, std::uint64_t& value) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// Creates and removes a file in `dir`: the only test of writability that holds for root and read-only mounts.
void probe_directory(const std::string& option, const fs::path& shown, const fs::path& dir) {
  static std::atomic<unsigned> counter{0};
  const fs::path probe = dir / fmt::format(".faultline-probe-{}-{}", ::getpid(), counter++);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw ConfigError(fmt::format("{} {}: cannot create files in {}: {} (choose a writable directory)", option,
                                  shown.string(), dir.string(), std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
}

fs::path parent_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

}  // namespace

std::uint64_t parse_uint(const std::string& option, const std::string& text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  if (!parse_digits(text, value))
    throw ConfigError(fmt::format("{} {}: expected a decimal number from {} to {}", option, text, min, max));
  if (value < min || value > max)
    throw ConfigError(fmt::format("{} {}: out of range; expected {} to {}", option, text, min, max));
  return value;
}

std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& option, const std::string& text) {
  const auto slash = text.find('/');
  std::uint64_t k = 0, n = 0;
  if (slash == std::string::npos || !parse_digits(std::string_view(text).substr(0, slash), k) ||
      !parse_digits(std::string_view(text).substr(slash + 1), n) || n == 0 || k >= n || n > UINT32_MAX)
    throw ConfigError(fmt::format("{} {}: expected K/N with 0 <= K < N <= {}, e.g. 0/4", option, text, UINT32_MAX));
  return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(n)};
}

std::pair<std::uint64_t, std::uint64_t> parse_seed_range(const std::string& option, const std::string& text) {
  const auto dots = text.find("..");
  std::uint64_t a = 0, b = 0;
  if (dots == std::string::npos || !parse_digits(std::string_view(text).substr(0, dots), a) ||
      !parse_digits(std::string_view(text).substr(dots + 2), b) || a > b)
    throw ConfigError(fmt::format("{} {}: expected A..B with A <= B <= {}, e.g. 1..500", option, text, UINT64_MAX));
  return {a, b};
}

void check_output_file(const std::string& option, const fs::path& path, bool replace_only_regular) {
  if (path.empty()) throw ConfigError(fmt::format("{}: expected a file name", option));
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (fs::is_directory(st))
    throw ConfigError(fmt::format("{} {}: is a directory; give a file name inside it", option, path.string()));
  if (fs::exists(st) && !fs::is_regular_file(st) && replace_only_regular)
    throw ConfigError(fmt::format("{} {}: exists and is not a regular file; give another name", option, path.string()));
  const fs::path dir = parent_of(path);
  if (!fs::is_directory(dir, ec))
    throw ConfigError(fmt::format("{} {}: the directory {} does not exist (create it first)", option, path.string(),
                                  dir.string()));
  probe_directory(option, path, dir);
  if (fs::exists(st) && ::access(path.c_str(), W_OK) != 0 && !replace_only_regular)
    throw ConfigError(fmt::format("{} {}: not writable: {}", option, path.string(), std::strerror(errno)));
}

void check_output_dir(const std::string& option, const fs::path& path) {
  if (path.empty()) throw ConfigError(fmt::format("{}: expected a directory name", option));
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path, ec))
      throw ConfigError(fmt::format("{} {}: exists and is not a directory", option, path.string()));
    probe_directory(option, path, path);
    return;
  }
  const fs::path dir = parent_of(path);
  if (!fs::is_directory(dir, ec))
    throw ConfigError(fmt::format("{} {}: the directory {} does not exist (create it first)", option, path.string(),
                                  dir.string()));
  probe_directory(option, path, dir);
}

void check_engine_profile(const scenarios::EngineProfile& profile, const fs::path& bindir) {
  const std::string where = profile.source.empty() ? std::string("--engine") : profile.source.string() + ": field 'command'";
  std::string command = profile.command;
  for (std::size_t at; (at = command.find("{bindir}")) != std::string::npos;) command.replace(at, 8, bindir.string());
  std::vector<std::string> words;
  try {
    words = split_command(command);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(fmt::format("{}: {}; close the quote", where, e.what()));
  }
  if (words.empty()) throw ConfigError(fmt::format("{}: the command is empty", where));
  fs::path exe = words[0];
  if (words[0].find('/') == std::string::npos) {
    exe.clear();
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/usr/bin:/bin";
    while (exe.empty()) {
      const auto colon = dirs.find(':');
      const fs::path candidate = fs::path(std::string(dirs.substr(0, colon)).empty() ? "." : std::string(dirs.substr(0, colon))) / words[0];
      if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) exe = candidate;
      if (colon == std::string_view::npos) break;
      dirs.remove_prefix(colon + 1);
    }
    if (exe.empty())
      throw ConfigError(fmt::format("{}: program '{}' not found in PATH; give its path", where, words[0]));
  }
  if (::access(exe.c_str(), X_OK) != 0 || fs::is_directory(exe))
    throw ConfigError(fmt::format("{}: program '{}' does not exist or is not executable", where, exe.string()));
  const std::string files_where = profile.source.empty() ? std::string("data_files") : profile.source.string() + ": field 'data_files'";
  for (const auto& glob : profile.data_files) {
    const fs::path g(glob);
    bool escapes = g.is_absolute();
    for (const auto& part : g) escapes = escapes || part == "..";
    if (escapes)
      throw ConfigError(fmt::format("{}: \"{}\" reaches outside the engine's data directory; globs are relative to {{dir}} "
                                    "and have no \"..\" part", files_where, glob));
  }
}

}  // namespace faultline::harness
