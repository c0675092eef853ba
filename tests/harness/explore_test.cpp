// The judging core of `faultline explore` (harness/src/explore/explore.cpp) with a test double for the engine: it
// "recovers" by reading the file `db` as `key=value` lines (refusing bytes it cannot parse), so each test states a
// commit protocol as a hand-made history and checks under which models explore blames it.
#include "explore/explore.h"

#include <set>

#include <gtest/gtest.h>

namespace faultline::harness::explore {
namespace {

using T = faults::HistoryType;

faults::HistoryEvent ev(T type, std::string name, std::uint64_t ino, std::uint64_t step, std::string data = {},
                        std::string name2 = {}) {
  faults::HistoryEvent e;
  e.type = type;
  e.name = std::move(name);
  e.name2 = std::move(name2);
  e.ino = ino;
  e.step = step;
  e.len = data.size();
  e.data = std::move(data);
  return e;
}

StateObservation fake_engine(const faults::FileTree& tree, std::uint64_t) {
  StateObservation seen;
  seen.started = true;
  const auto it = tree.files.find("db");
  if (it == tree.files.end()) return seen;
  std::string_view text = it->second;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto eq = text.find('=');
    if (nl == std::string_view::npos || eq == std::string_view::npos || eq > nl) {
      return {false, {}, "db holds bytes that are not key=value lines"};
    }
    seen.state[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1, nl - eq - 1));
    text.remove_prefix(nl + 1);
  }
  return seen;
}

Issued put(std::string key, std::string value) {
  Issued i;
  i.op = Op{Op::Kind::kPut, std::move(key), std::move(value)};
  i.ack = Ack::kOk;
  i.reply = "OK";
  return i;
}

ExploreOutcome explore(const std::vector<faults::HistoryEvent>& events, const std::vector<Issued>& issued) {
  const faults::History history{events};
  ExploreInput input{history, issued, true, {"posix", "ext4-ordered", "xfs"}, 5, {}, 512};
  return explore_history(input, fake_engine);
}

TEST(Explore, ANameMadeDurableOnlyByTheFilesFsyncIsAFindingUnderPosixOnly) {
  const auto out = explore({ev(T::kCreate, "db", 1, 1), ev(T::kWrite, "db", 1, 1, "a=1\n"), ev(T::kFsync, "db", 1, 1)},
                           {put("a", "1")});
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].models, std::vector<std::string>{"posix"});
  EXPECT_EQ(out.findings[0].violations.at(0).name, "lost-acked-write");
  EXPECT_NE(out.findings[0].explanation.find("lost: create db #0"), std::string::npos) << out.findings[0].explanation;
}

TEST(Explore, TheSameProtocolWithTheDirectoryFsyncPassesUnderEveryModel) {
  const auto out = explore({ev(T::kCreate, "db", 1, 1), ev(T::kWrite, "db", 1, 1, "a=1\n"), ev(T::kFsync, "db", 1, 1),
                            ev(T::kDirsync, ".", 0, 1)},
                           {put("a", "1")});
  EXPECT_TRUE(out.findings.empty()) << out.findings[0].explanation;
  ASSERT_EQ(out.coverage.size(), 3u);
  EXPECT_GT(out.coverage[0].states_built, 0u);
  EXPECT_GT(out.coverage[1].duplicates, 0u);  // ext4's states were all seen under posix already
  EXPECT_LT(out.engine_starts, out.coverage[0].states_built + out.coverage[1].states_built + out.coverage[2].states_built);
}

// Replace by rename without the new file's fsync: ext4 orders the rename after the data (auto_da_alloc), xfs and a
// strict POSIX reading do not, so the renamed file can come back empty and the first value is lost with it.
TEST(Explore, ARenameBeforeTheDataIsSyncedIsCaughtUnderXfsAndPosixNotExt4) {
  const auto out = explore({ev(T::kCreate, "db", 1, 1), ev(T::kWrite, "db", 1, 1, "a=1\n"), ev(T::kFsync, "db", 1, 1),
                            ev(T::kDirsync, ".", 0, 1), ev(T::kCreate, "db.tmp", 2, 2),
                            ev(T::kWrite, "db.tmp", 2, 2, "a=1\nb=2\n"), ev(T::kRename, "db.tmp", 0, 2, {}, "db"),
                            ev(T::kDirsync, ".", 0, 2)},
                           {put("a", "1"), put("b", "2")});
  ASSERT_FALSE(out.findings.empty());
  std::set<std::string> models;
  for (const Finding& f : out.findings) models.insert(f.models.begin(), f.models.end());
  EXPECT_TRUE(models.contains("xfs"));
  EXPECT_TRUE(models.contains("posix"));
  EXPECT_FALSE(models.contains("ext4-ordered"));
}

TEST(Explore, ARefusalIsExcusedOnlyWhenTheModelTornTheState) {
  StateObservation refused{false, {}, "checksum mismatch"};
  const std::vector<Issued> issued = {put("a", "1")};
  EXPECT_TRUE(judge_state(refused, issued, 1, 0, true).empty());
  const auto v = judge_state(refused, issued, 1, 0, false);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].name, "false-abort");
}

TEST(Explore, AnUnacknowledgedOperationMayBeLostButNothingElse) {
  StateObservation empty{true, {}, ""};
  StateObservation other{true, {{"a", "9"}}, ""};
  const std::vector<Issued> issued = {put("a", "1")};
  EXPECT_TRUE(judge_state(empty, issued, 1, 0, false).empty());
  EXPECT_FALSE(judge_state(other, issued, 1, 0, false).empty());  // a value never written
}

}  // namespace
}  // namespace faultline::harness::explore
