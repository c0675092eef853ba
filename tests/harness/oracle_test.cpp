// The oracle's state check, shown catching each kind of planted state bug.
#include <fmt/format.h>
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

// Puts k0=v0 .. k{n-1}=v{n-1}, every one acknowledged.
std::vector<Issued> puts(std::size_t n) {
  std::vector<Issued> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(put(fmt::format("k{}", i), fmt::format("v{}", i)));
  return out;
}

KvState state_of(const std::vector<Issued>& issued, std::size_t from, std::size_t to) {
  KvState out;
  for (std::size_t i = from; i < to; ++i) out[issued[i].op.key] = issued[i].op.value;
  return out;
}

TEST(OracleDetail, ALongLostListNamesTheFirstEightOperationsAndCountsTheRest) {
  const auto issued = puts(40);
  const auto c = check_state({}, issued, 40, state_of(issued, 0, 5));
  ASSERT_EQ(names(c), std::vector<std::string>{"lost-acked-write"});
  const std::string& d = c.violations.front().detail;
  EXPECT_NE(d.find("lost: #5 PUT k5 v5; #6 PUT k6 v6; "), std::string::npos) << d;
  EXPECT_NE(d.find("#12 PUT k12 v12; … and 27 more (35 in all)"), std::string::npos) << d;
  EXPECT_EQ(d.find("#13 PUT"), std::string::npos) << d;
  EXPECT_LT(d.size(), 400u) << d;
}

TEST(OracleDetail, AShortLostListIsNamedInFull) {
  const auto issued = puts(4);
  const auto c = check_state({}, issued, 4, state_of(issued, 0, 1));
  ASSERT_EQ(c.violations.size(), 1u);
  EXPECT_EQ(c.violations.front().detail, "the state reflects only the first 1 operations, but the first 4 must "
                                         "survive; lost: #1 PUT k1 v1; #2 PUT k2 v2; #3 PUT k3 v3");
}

TEST(OracleDetail, ALongNoPrefixDetailNamesEightKeysOfTheStateAndEightDifferencesWithTheirCounts) {
  // A hole: operations #20..#38 are gone, #39 is there (LevelDB skipping the rest of a log block).
  const auto issued = puts(40);
  KvState observed = state_of(issued, 0, 20);
  observed["k39"] = "v39";
  const auto c = check_state({}, issued, 40, observed);
  ASSERT_EQ(names(c), std::vector<std::string>{"lost-acked-write"});
  const std::string& d = c.violations.front().detail;
  EXPECT_EQ(d.rfind("the state {k0=v0, k1=v1, k10=v10, k11=v11, k12=v12, k13=v13, k14=v14, k15=v15, … and 13 more "
                    "(21 in all)} is no prefix of the 40 issued operations; k20: expected v20 got nothing; ", 0), 0u)
      << d;
  EXPECT_NE(d.find("k27: expected v27 got nothing; … and 11 more (19 in all)"), std::string::npos) << d;
  EXPECT_EQ(d.find("k28:"), std::string::npos) << d;
}

TEST(OracleDetail, AShortNoPrefixDetailIsUnchanged) {
  const auto issued = puts(3);
  const auto c = check_state({}, issued, 3, {{"k0", "v0"}, {"k2", "v2"}});
  ASSERT_EQ(c.violations.size(), 1u);
  EXPECT_EQ(c.violations.front().detail,
            "the state {k0=v0, k2=v2} is no prefix of the 3 issued operations; k1: expected v1 got nothing");
}

TEST(OracleDetail, ACappedListStatesHowManyItemsItLeftOutAndHowManyThereAre) {
  std::vector<std::string> items;
  for (int i = 0; i < 8; ++i) items.push_back(fmt::format("i{}", i));
  EXPECT_EQ(join_capped(items), "i0; i1; i2; i3; i4; i5; i6; i7");
  items.push_back("i8");
  EXPECT_EQ(join_capped(items), "i0; i1; i2; i3; i4; i5; i6; i7; … and 1 more (9 in all)");
  EXPECT_EQ(join_capped(items, 2), "i0; i1; … and 7 more (9 in all)");
  EXPECT_EQ(join_capped({}), "");
  EXPECT_EQ(describe_state({{"a", "1"}, {"b", "2"}, {"c", "3"}}, 2), "{a=1, b=2, … and 1 more (3 in all)}");
  EXPECT_EQ(describe_state({{"a", "1"}, {"b", "2"}}, 2), "{a=1, b=2}");
}

TEST(OracleNames, EveryViolationNameHasAMeaning) {
  for (const auto& [name, meaning] : violation_names()) {
    EXPECT_FALSE(name.empty());
    EXPECT_GT(meaning.size(), 20u) << name;
  }
}

}  // namespace
}  // namespace faultline::harness
