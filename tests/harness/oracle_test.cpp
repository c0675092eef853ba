// The oracle's state check, shown catching each kind of planted state bug.
#include <gtest/gtest.h>

#include "faultline/harness/oracle.h"

namespace faultline::harness {
namespace {

Issued put(const std::string& k, const std::string& v, Ack ack = Ack::kOk) {
  return {Op{Op::Kind::kPut, k, v}, ack, ack == Ack::kOk ? "OK" : "", 0, 0};
}
Issued del(const std::string& k, Ack ack = Ack::kOk) { return {Op{Op::Kind::kDel, k, ""}, ack, "OK", 0, 0}; }

std::vector<std::string> names(const StateCheck& c) {
  std::vector<std::string> out;
  for (const auto& v : c.violations) out.push_back(v.name);
  return out;
}

TEST(OracleState, StateAfterEveryAcknowledgedWritePasses) {
  const std::vector<Issued> issued{put("a", "1"), put("b", "2"), del("a")};
  const auto c = check_state({}, issued, 3, {{"b", "2"}});
  EXPECT_TRUE(c.violations.empty());
  EXPECT_EQ(c.matched_prefix, 3u);
}

TEST(OracleState, UnacknowledgedInFlightWriteMayBeMissingOrPresent) {
  const std::vector<Issued> issued{put("a", "1"), put("b", "2", Ack::kNoReply)};
  EXPECT_TRUE(check_state({}, issued, 1, {{"a", "1"}}).violations.empty());
  EXPECT_TRUE(check_state({}, issued, 1, {{"a", "1"}, {"b", "2"}}).violations.empty());
}

TEST(OracleState, MissingAcknowledgedWriteIsLostAckedWrite) {
  const std::vector<Issued> issued{put("a", "1"), put("b", "2"), put("c", "3", Ack::kNoReply)};
  const auto c = check_state({}, issued, 2, {{"a", "1"}});
  EXPECT_EQ(names(c), std::vector<std::string>{"lost-acked-write"});
  EXPECT_EQ(c.matched_prefix, 1u);
}

TEST(OracleState, ValueNeverWrittenIsPhantom) {
  const std::vector<Issued> issued{put("a", "v0.abc")};
  const auto c = check_state({}, issued, 1, {{"a", "v0.abd"}});
  ASSERT_FALSE(c.violations.empty());
  EXPECT_EQ(c.violations.front().name, "phantom-value");
}

TEST(OracleState, SkippedMiddleOperationIsNotAPrefix) {
  // a=1 acknowledged; b=2 and c=3 in flight: a state with c but not b skipped the middle operation.
  const std::vector<Issued> issued{put("a", "1"), put("b", "2", Ack::kNoReply), put("c", "3", Ack::kNoReply)};
  const auto c = check_state({}, issued, 1, {{"a", "1"}, {"c", "3"}});
  EXPECT_EQ(names(c), std::vector<std::string>{"not-a-prefix"});
}

TEST(OracleState, BaseStateFromEarlierCycleIsKept) {
  const std::vector<Issued> issued{put("b", "2")};
  EXPECT_TRUE(check_state({{"a", "0"}}, issued, 1, {{"a", "0"}, {"b", "2"}}).violations.empty());
  EXPECT_EQ(names(check_state({{"a", "0"}}, issued, 1, {{"b", "2"}})),
            std::vector<std::string>{"lost-acked-write"});
}

TEST(OracleNames, EveryViolationNameHasAMeaning) {
  for (const auto& [name, meaning] : violation_names()) {
    EXPECT_FALSE(name.empty());
    EXPECT_GT(meaning.size(), 20u) << name;
  }
}

}  // namespace
}  // namespace faultline::harness
