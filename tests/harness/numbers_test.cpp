// Numeric options as the user writes them (harness/cli/numbers.cpp): decimal only, within range, or an error that
// names the option.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

#include <CLI/CLI.hpp>

#include "numbers.h"

using faultline::cli::decimal_range;
using faultline::cli::decimal_real_range;
using faultline::cli::parse_decimal;
using faultline::cli::parse_decimal_real;

TEST(Numbers, DecimalTakesDigitsOnlyWithinTheRange) {
  EXPECT_EQ(parse_decimal("1", 1, 1024), 1u);
  EXPECT_EQ(parse_decimal("1024", 1, 1024), 1024u);
  EXPECT_EQ(parse_decimal("010", 1, 1024), 10u);  // decimal, not octal
  EXPECT_EQ(parse_decimal("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
  for (const char* bad : {"", "0", "1025", "-1", "+1", "0x2", "1e3", " 5", "5 ", "1.0", "18446744073709551616"})
    EXPECT_EQ(parse_decimal(bad, 1, 1024), std::nullopt) << bad;
  EXPECT_EQ(parse_decimal("99999999999999999999", 0, UINT64_MAX), std::nullopt);
}

TEST(Numbers, RealsAreFiniteDecimalWithinTheRange) {
  EXPECT_EQ(parse_decimal_real("0.5", 0.001, 1e9), 0.5);
  EXPECT_EQ(parse_decimal_real("10", 0.001, 1e9), 10.0);
  EXPECT_EQ(parse_decimal_real(".25", 0.001, 1e9), 0.25);
  EXPECT_EQ(parse_decimal_real("1e3", 0.001, 1e9), 1000.0);
  for (const char* bad : {"", "nan", "NaN", "inf", "-1", "0", "0x1p3", "1e400", "2e9", "1,5", " 1"})
    EXPECT_EQ(parse_decimal_real(bad, 0.001, 1e9), std::nullopt) << bad;
}

// Through CLI11, as the subcommands use them: the value CLI11 stores is the decimal one, and a bad value is a
// ValidationError naming the option.
TEST(Numbers, CliOptionsStoreTheDecimalValueAndNameTheOptionOnError) {
  auto parse = [](const std::string& value) {
    CLI::App app;
    std::uint32_t jobs = 0;
    app.add_option("--jobs", jobs)->transform(decimal_range(1, 1024));
    app.parse("--jobs " + value, false);
    return jobs;
  };
  EXPECT_EQ(parse("010"), 10u);
  EXPECT_EQ(parse("7"), 7u);
  for (const char* bad : {"-1", "0x2", "0", "4294967297"}) {
    try {
      parse(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const CLI::ValidationError& e) {
      EXPECT_NE(std::string(e.what()).find("--jobs"), std::string::npos) << e.what();
    }
  }
  CLI::App app;
  double budget = 0;
  app.add_option("--time-budget", budget)->check(decimal_real_range(0.001, 1e9));
  EXPECT_THROW(app.parse("--time-budget nan", false), CLI::ValidationError);
}
