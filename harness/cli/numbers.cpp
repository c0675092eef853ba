#include "numbers.h"

#include <charconv>
#include <cmath>
#include <regex>

#include <fmt/format.h>

namespace faultline::cli {

std::optional<std::uint64_t> parse_decimal(const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi) return std::nullopt;
  return value;
}

std::optional<double> parse_decimal_real(const std::string& text, double lo, double hi) {
  static const std::regex real(R"(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  if (!std::regex_match(text, real)) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < lo || value > hi)
    return std::nullopt;
  return value;
}

CLI::Validator decimal_range(std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        const auto value = parse_decimal(text, lo, hi);
        if (!value)
          return fmt::format("expected a whole number from {} to {} in decimal digits, got '{}'", lo, hi, text);
        text = std::to_string(*value);
        return {};
      },
      fmt::format("[{} - {}]", lo, hi));
}

CLI::Validator decimal_real_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        if (!parse_decimal_real(text, lo, hi))
          return fmt::format("expected a decimal number from {} to {}, got '{}'", lo, hi, text);
        return {};
      },
      fmt::format("[{} - {}]", lo, hi));
}

}  // namespace faultline::cli
