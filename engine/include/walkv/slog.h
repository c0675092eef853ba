// Logs as JSON lines on stderr, in the exact shape of Go's log/slog JSON handler, so one parser reads the logs of
// every engine: {"time":"2024-05-01T10:00:00.123456789Z","level":"INFO","msg":"...", attributes in call order}.
// time is RFC 3339 in UTC with nanoseconds, trailing zeros trimmed (no fraction at all on a whole second).
#pragma once

#include <concepts>
#include <cstdint>
#include <ctime>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace walkv::slog {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Attr {
  Attr(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Attr(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  Attr(std::string_view k, const std::string& v) : key(k), value(v) {}
  Attr(std::string_view k, bool v) : key(k), value(v) {}
  // An absent optional is JSON null.
  Attr(std::string_view k, std::optional<uint64_t> v) : key(k) {
    if (v) value = *v;
  }
  template <std::signed_integral T>
  Attr(std::string_view k, T v) : key(k), value(static_cast<int64_t>(v)) {}
  template <std::unsigned_integral T>
  Attr(std::string_view k, T v) : key(k), value(static_cast<uint64_t>(v)) {}

  std::string_view key;
  std::variant<std::nullptr_t, std::string, int64_t, uint64_t, bool> value;
};

// One line (with its newline), for the given wall-clock time.
std::string FormatLine(const timespec& now, Level level, std::string_view msg, std::initializer_list<Attr> attrs);
// RFC 3339 with trimmed nanoseconds, as Go's time.RFC3339Nano.
std::string FormatTime(const timespec& now);

// Writes one line to stderr with one write() call. Never fails (a log that cannot be written is dropped).
void Log(Level level, std::string_view msg, std::initializer_list<Attr> attrs = {});
inline void Info(std::string_view msg, std::initializer_list<Attr> attrs = {}) { Log(Level::kInfo, msg, attrs); }
inline void Warn(std::string_view msg, std::initializer_list<Attr> attrs = {}) { Log(Level::kWarn, msg, attrs); }
inline void Error(std::string_view msg, std::initializer_list<Attr> attrs = {}) { Log(Level::kError, msg, attrs); }

}  // namespace walkv::slog
