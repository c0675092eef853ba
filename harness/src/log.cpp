#include "faultline/harness/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <fmt/format.h>

namespace faultline::harness::log {
namespace {
Format g_format = Format::kText;
Level g_min = Level::kInfo;
std::mutex g_mutex;

const char* name(Level level) {
  switch (level) {
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarn: return "WARN";
    case Level::kError: return "ERROR";
  }
  return "INFO";
}
}  // namespace

void set_format(Format format) { g_format = format; }
void set_min_level(Level level) { g_min = level; }

std::string slog_time() {
  const auto now = std::chrono::system_clock::now();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string frac = fmt::format("{:09}", ns % 1000000000);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, frac.empty() ? "" : ".", frac);
}

void write(Level level, const std::string& msg, const nlohmann::ordered_json& attrs) {
  if (level < g_min) return;
  std::string line;
  if (g_format == Format::kJson) {
    nlohmann::ordered_json j;
    j["time"] = slog_time();
    j["level"] = name(level);
    j["msg"] = msg;
    for (const auto& [k, v] : attrs.items()) j[k] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = fmt::format("{}: {}", level == Level::kInfo ? "faultline" : name(level), msg);
    for (const auto& [k, v] : attrs.items())
      line += fmt::format(" {}={}", k, v.is_string() ? v.get<std::string>()
                                                     : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace faultline::harness::log
