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
  ExploreInput input{history, issued, true, {"posix", "ext4-ordered", "xfs"}, 5, {}, 512, std::nullopt};
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
  EXPECT_TRUE(judge_state(refused, issued, 1, 0, {true, ""}).empty());
  const auto v = judge_state(refused, issued, 1, 0, {false, ""});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].name, "false-abort");
}

// A refusal on a state that lost a write the engine's ordering made necessary is the acknowledged operations lost,
// whatever recovery does (docs/violations.md, lost-acked-write: "the engine refused to start while such writes were
// unsynced"): a write of an acknowledged operation (lost or torn), or a write to a file renamed into place before
// it was durable (the planted compact-rename-before-fsync). A lost write of the unanswered operation alone, with no
// rename after it, leaves a refusal a false abort.
TEST(Explore, ARefusalAfterTheWriterLostWhatItNeededIsALostAckedWrite) {
  using F = faults::Fate;
  const faults::History h{{ev(T::kCreate, "db", 1, 1), ev(T::kWrite, "db", 1, 1, std::string(8192, 'x')),
                           ev(T::kWrite, "db", 1, 2, "b=2\n"), ev(T::kCreate, "snap.tmp", 2, 2),
                           ev(T::kWrite, "snap.tmp", 2, 2, "a=1\n"), ev(T::kRename, "snap.tmp", 0, 2, {}, "snap")}};
  const auto resolved = faults::resolve_history(h);
  const auto state = [](std::size_t crash, std::vector<F> fates) {
    faults::CrashState s{crash, {}, ""};
    for (std::size_t i = 0; i < fates.size(); ++i) s.fates.push_back({i, fates[i], fates[i] == F::kTorn ? 4096u : 0u});
    return s;
  };
  const StateObservation refused{false, {}, "exit 3"};
  const std::vector<Issued> issued = {put("a", "1"), put("b", "2")};
  const auto P = F::kPersisted, L = F::kLost;
  for (const auto& s : {state(3, {P, L, L}), state(3, {P, F::kTorn, P})}) {
    const StateDamage d = state_damage(h, resolved, s, 1);
    EXPECT_NE(d.writer_loss.find("write db [0,8192) #1"), std::string::npos) << d.writer_loss;
    EXPECT_EQ(judge_state(refused, issued, 2, 1, d).at(0).name, "lost-acked-write");
  }
  const StateDamage renamed = state_damage(h, resolved, state(6, {P, P, P, P, L, P}), 1);
  EXPECT_NE(renamed.writer_loss.find("moved into place by rename snap.tmp -> snap #5"), std::string::npos)
      << renamed.writer_loss;
  EXPECT_EQ(judge_state(refused, issued, 2, 1, renamed).at(0).name, "lost-acked-write");
  const StateDamage undone = state_damage(h, resolved, state(6, {P, P, P, P, L, L}), 1);  // the rename undone too
  EXPECT_TRUE(undone.writer_loss.empty()) << undone.writer_loss;
  const StateDamage in_flight = state_damage(h, resolved, state(3, {P, P, L}), 1);
  EXPECT_TRUE(in_flight.writer_loss.empty()) << in_flight.writer_loss;
  EXPECT_EQ(judge_state(refused, issued, 2, 1, in_flight).at(0).name, "false-abort");
  EXPECT_TRUE(state_damage(h, resolved, state(3, {P, L, L}), 0).writer_loss.empty());  // nothing promised yet
}

// Coverage per fsync epoch: the crash points before the file's fsync are epoch 0, the one after it epoch 1, and the
// epochs add up to the model's totals.
TEST(Explore, CoverageIsCountedPerFsyncEpochAndAddsUpToTheTotals) {
  const auto out = explore({ev(T::kCreate, "db", 1, 1), ev(T::kWrite, "db", 1, 1, "a=1\n"), ev(T::kFsync, "db", 1, 1),
                            ev(T::kDirsync, ".", 0, 1), ev(T::kWrite, "db", 1, 2, "b=2\n"), ev(T::kFsync, "db", 1, 2)},
                           {put("a", "1"), put("b", "2")});
  ASSERT_EQ(out.coverage.size(), 3u);
  for (const ModelCoverage& c : out.coverage) {
    std::vector<std::size_t> epochs;
    Coverage sum;
    for (const auto& [e, ec] : c.epochs) {
      epochs.push_back(e);
      sum.crash_points += ec.crash_points;
      sum.states_built += ec.states_built;
      sum.duplicates += ec.duplicates;
    }
    EXPECT_EQ(epochs, (std::vector<std::size_t>{0, 1, 2, 3})) << c.model;  // after create, write | fsync | dirsync, write | fsync
    EXPECT_EQ(c.epochs.at(0).crash_points, 2u) << c.model;
    EXPECT_EQ(sum.crash_points, c.crash_points) << c.model;
    EXPECT_EQ(sum.states_built, c.states_built) << c.model;
    EXPECT_EQ(sum.duplicates, c.duplicates) << c.model;
  }
}

TEST(Explore, AStateIdIsModelCrashIndexAndRoundTrips) {
  const StateId id{"ext4-ordered", 52, 3};
  EXPECT_EQ(to_string(id), "ext4-ordered:52:3");
  EXPECT_EQ(parse_state_id("ext4-ordered:52:3"), id);
  for (const char* bad : {"", "posix", "posix:1", ":1:2", "posix::2", "posix:1:", "posix:x:2", "posix:1:2x", "posix:-1:2"})
    EXPECT_FALSE(parse_state_id(bad).has_value()) << bad;
}

// The reproducer: judging the one state a finding names gives the same verdict on the same files.
TEST(Explore, JudgingOneFindingsStateAloneGivesTheSameFinding) {
  const std::vector<faults::HistoryEvent> events = {ev(T::kCreate, "db", 1, 1), ev(T::kWrite, "db", 1, 1, "a=1\n"),
                                                    ev(T::kFsync, "db", 1, 1)};
  const std::vector<Issued> issued = {put("a", "1")};
  const auto all = explore(events, issued);
  ASSERT_EQ(all.findings.size(), 1u);
  const Finding& f = all.findings[0];
  EXPECT_EQ(f.state.model, "posix");
  ASSERT_EQ(f.undone.size(), 1u);
  EXPECT_EQ(f.undone[0].event, 0u);  // the create
  const faults::History history{events};
  ExploreInput input{history, issued, true, {}, 5, {}, 512, f.state};
  const auto one = explore_history(input, fake_engine);
  ASSERT_EQ(one.findings.size(), 1u);
  EXPECT_EQ(one.findings[0].state, f.state);
  EXPECT_EQ(one.findings[0].hash, f.hash);
  EXPECT_EQ(one.findings[0].violations.at(0).name, f.violations.at(0).name);
  EXPECT_EQ(one.engine_starts, 1u);
  input.only = StateId{"posix", f.crash, 999};
  EXPECT_THROW(explore_history(input, fake_engine), NoSuchState);
  input.only = StateId{"posix", 99, 0};
  EXPECT_THROW(explore_history(input, fake_engine), NoSuchState);
}

TEST(Explore, AnUnacknowledgedOperationMayBeLostButNothingElse) {
  StateObservation empty{true, {}, ""};
  StateObservation other{true, {{"a", "9"}}, ""};
  const std::vector<Issued> issued = {put("a", "1")};
  EXPECT_TRUE(judge_state(empty, issued, 1, 0, {}).empty());
  EXPECT_FALSE(judge_state(other, issued, 1, 0, {}).empty());  // a value never written
}

}  // namespace
}  // namespace faultline::harness::explore
