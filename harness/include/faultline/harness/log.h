// Structured logs on stderr: JSON lines in the shape of Go's log/slog JSON handler (time, level, msg, attributes)
// with --log-format json, readable text by default.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace faultline::harness::log {

enum class Format { kText, kJson };
enum class Level { kDebug, kInfo, kWarn, kError };

void set_format(Format format);
void set_min_level(Level level);
// RFC 3339 UTC with nanoseconds, trailing zeros trimmed, as slog writes it.
std::string slog_time();
void write(Level level, const std::string& msg, const nlohmann::ordered_json& attrs = nlohmann::ordered_json::object());
inline void info(const std::string& msg, const nlohmann::ordered_json& attrs = nlohmann::ordered_json::object()) {
  write(Level::kInfo, msg, attrs);
}
inline void warn(const std::string& msg, const nlohmann::ordered_json& attrs = nlohmann::ordered_json::object()) {
  write(Level::kWarn, msg, attrs);
}
inline void error(const std::string& msg, const nlohmann::ordered_json& attrs = nlohmann::ordered_json::object()) {
  write(Level::kError, msg, attrs);
}

}  // namespace faultline::harness::log
