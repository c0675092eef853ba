// Logs in the exact shape of Go's log/slog JSON handler.
#include <gtest/gtest.h>

#include "walkv/slog.h"

namespace walkv::slog {
namespace {

TEST(Slog, TimeIsRfc3339NanoWithTrailingZerosTrimmed) {
  EXPECT_EQ(FormatTime({1700000000, 123450000}), "2023-11-14T22:13:20.12345Z");
  EXPECT_EQ(FormatTime({1700000000, 1}), "2023-11-14T22:13:20.000000001Z");
  EXPECT_EQ(FormatTime({1700000000, 0}), "2023-11-14T22:13:20Z");  // Go prints no fraction on a whole second
}

TEST(Slog, KeysAreTimeLevelMsgThenAttributesInCallOrder) {
  const std::string line = FormatLine({0, 500000000}, Level::kWarn, "torn tail truncated",
                                      {{"offset", uint64_t{132}}, {"dropped_bytes", 20}, {"backup", "x"}});
  EXPECT_EQ(line,
            "{\"time\":\"1970-01-01T00:00:00.5Z\",\"level\":\"WARN\",\"msg\":\"torn tail truncated\","
            "\"offset\":132,\"dropped_bytes\":20,\"backup\":\"x\"}\n");
}

TEST(Slog, StringsAreEscapedAndInvalidUtf8IsReplaced) {
  const std::string line = FormatLine({0, 0}, Level::kError, "a \"quote\"\n", {{"bytes", std::string("\x01\xff")}});
  EXPECT_EQ(line,
            "{\"time\":\"1970-01-01T00:00:00Z\",\"level\":\"ERROR\",\"msg\":\"a \\\"quote\\\"\\n\","
            "\"bytes\":\"\\u0001\xef\xbf\xbd\"}\n");
}

TEST(Slog, AbsentOptionalIsNullAndBoolIsBool) {
  const std::string line = FormatLine({0, 0}, Level::kInfo, "m",
                                      {{"next_valid_offset", std::optional<uint64_t>()}, {"ok", true}});
  EXPECT_NE(line.find("\"next_valid_offset\":null,\"ok\":true"), std::string::npos) << line;
}

}  // namespace
}  // namespace walkv::slog
