#include "walkv/slog.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "walkv/env.h"

namespace walkv::slog {
namespace {

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarn: return "WARN";
    case Level::kError: return "ERROR";
  }
  return "INFO";
}

}  // namespace

std::string FormatTime(const timespec& now) {
  struct tm utc;
  gmtime_r(&now.tv_sec, &utc);
  char text[64];
  std::string out(text, std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc));
  if (now.tv_nsec != 0) {
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%09ld", static_cast<long>(now.tv_nsec));
    std::string_view f(fraction);
    while (f.back() == '0') f.remove_suffix(1);  // Go trims trailing zeros of the fraction
    out += f;
  }
  out += 'Z';
  return out;
}

std::string FormatLine(const timespec& now, Level level, std::string_view msg, std::initializer_list<Attr> attrs) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();  // ordered: keys stay in slog's order
  line["time"] = FormatTime(now);
  line["level"] = LevelName(level);
  line["msg"] = std::string(msg);
  for (const Attr& attr : attrs) {
    std::visit([&](const auto& v) { line[std::string(attr.key)] = v; }, attr.value);
  }
  // replace: a message may carry bytes from a damaged log that are not valid UTF-8; dump() would throw on them.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void Log(Level level, std::string_view msg, std::initializer_list<Attr> attrs) {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  (void)io::WriteAll(2, FormatLine(now, level, msg, attrs));
}

}  // namespace walkv::slog
