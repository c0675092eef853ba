// Numeric options, checked as the user wrote them (numbers.cpp). CLI11 alone reads "-1" into an unsigned as 2^64 - 1,
// "010" as octal and "0x10" as hex, and its Range lets "nan" through; these checks run on the text before CLI11
// converts it, so every numeric option takes plain decimal within its range or exits 2 naming the option.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace faultline::cli {

// `text` as a whole number in [lo, hi] written in decimal digits only (leading zeros allowed), else nullopt.
std::optional<std::uint64_t> parse_decimal(const std::string& text, std::uint64_t lo, std::uint64_t hi);
// `text` as a finite decimal number (digits, one point, an exponent) in [lo, hi], else nullopt.
std::optional<double> parse_decimal_real(const std::string& text, double lo, double hi);

// CLI11 checks built on them. decimal_range rewrites the accepted text without leading zeros, so that CLI11's own
// conversion (base 0) reads it as decimal.
CLI::Validator decimal_range(std::uint64_t lo, std::uint64_t hi);
CLI::Validator decimal_real_range(double lo, double hi);

}  // namespace faultline::cli
