// Persistence models and the crash-state builder (faults/src/persistence.cc, crash_states.cc, crash_tree.cc) on
// hand-made histories: one test per rule of each model, the builder's families of states, the materializer.
#include "faultline/persistence.h"

#include <functional>
#include <stdexcept>

#include <gtest/gtest.h>

#include "faultline/crash_states.h"

namespace faultline::faults {
namespace {

using T = HistoryType;

HistoryEvent ev(T type, std::string name, std::uint64_t ino = 0, std::uint64_t off = 0, std::string data = {},
                std::string name2 = {}) {
  HistoryEvent e;
  e.type = type;
  e.name = std::move(name);
  e.name2 = std::move(name2);
  e.ino = ino;
  e.off = off;
  e.len = data.size();
  e.data = std::move(data);
  return e;
}
HistoryEvent create(std::string name, std::uint64_t ino) { return ev(T::kCreate, std::move(name), ino); }
HistoryEvent write(std::string name, std::uint64_t ino, std::uint64_t off, std::string data) {
  return ev(T::kWrite, std::move(name), ino, off, std::move(data));
}
HistoryEvent fsync(std::string name, std::uint64_t ino) { return ev(T::kFsync, std::move(name), ino); }
HistoryEvent dirsync(std::string dir) { return ev(T::kDirsync, std::move(dir)); }
HistoryEvent rename(std::string from, std::string to) { return ev(T::kRename, std::move(from), 0, 0, {}, std::move(to)); }

struct Model {
  History h;
  std::vector<ResolvedEvent> resolved;
  std::vector<std::size_t> durable;
  const PersistenceModel& model;
  Model(std::vector<HistoryEvent> events, std::string_view model_name)
      : h{std::move(events)}, resolved(resolve_history(h)), model(persistence_model(model_name)) {
    durable = durable_by(h, resolved, model);
  }
  bool durable_at(std::size_t event, std::size_t crash) const { return durable[event] < crash; }
  std::vector<CrashState> states(std::size_t crash, CrashBounds bounds = {}) const {
    return build_crash_states(h, resolved, durable, crash, model, 42, bounds);
  }
  std::vector<FileTree> trees(std::size_t crash) const {
    std::vector<FileTree> out;
    for (const CrashState& s : states(crash)) out.push_back(materialize(h, resolved, s));
    return out;
  }
  bool some_tree(std::size_t crash, const std::function<bool(const FileTree&)>& pred) const {
    for (const FileTree& t : trees(crash))
      if (pred(t)) return true;
    return false;
  }
};

bool lacks(const FileTree& t, const std::string& name) { return !t.files.contains(name); }

// ---- the rules, per model -------------------------------------------------------------------------------------

TEST(Persistence, PosixAFileFsyncMakesItsDataDurableNotItsName) {
  const Model posix({create("a", 1), write("a", 1, 0, "x"), fsync("a", 1)}, "posix");
  EXPECT_TRUE(posix.durable_at(1, 3));
  EXPECT_FALSE(posix.durable_at(0, 3));
  EXPECT_TRUE(posix.some_tree(3, [](const FileTree& t) { return lacks(t, "a"); }));
}

TEST(Persistence, Ext4AndXfsAFileFsyncCommitsTheNewFilesName) {
  for (const char* m : {"ext4-ordered", "xfs"}) {
    const Model run({create("a", 1), write("a", 1, 0, "x"), fsync("a", 1)}, m);
    EXPECT_TRUE(run.durable_at(0, 3)) << m;
    for (const FileTree& t : run.trees(3)) EXPECT_EQ(t.files.at("a"), "x") << m;
  }
}

TEST(Persistence, PosixADirectoryFsyncMakesTheNamesOfThatDirectoryDurableOnly) {
  const Model posix({create("d/a", 1), create("b", 2), dirsync(".")}, "posix");
  EXPECT_FALSE(posix.durable_at(0, 3));
  EXPECT_TRUE(posix.durable_at(1, 3));
}

TEST(Persistence, Ext4ADirectoryFsyncWithAPendingEntryCommitsEveryName) {
  const Model dirty({create("d/a", 1), create("b", 2), dirsync(".")}, "ext4-ordered");
  EXPECT_TRUE(dirty.durable_at(0, 3));
  const Model clean({create("d/a", 1), dirsync(".")}, "ext4-ordered");  // "." has no pending entry: no commit
  EXPECT_FALSE(clean.durable_at(0, 2));
}

TEST(Persistence, PosixARenameBetweenDirectoriesNeedsBothFsyncs) {
  const Model posix({rename("d1/a", "d2/a"), dirsync("d1"), dirsync("d2")}, "posix");
  EXPECT_FALSE(posix.durable_at(0, 2));
  EXPECT_TRUE(posix.durable_at(0, 3));
}

TEST(Persistence, Ext4AnFsyncOfAFileWithCleanMetadataCommitsNothingElse) {
  const std::vector<HistoryEvent> base = {create("a", 1), write("a", 1, 0, "xx"), fsync("a", 1), create("b", 2)};
  auto overwrite = base;
  overwrite.push_back(write("a", 1, 0, "yy"));  // in place: no metadata change
  overwrite.push_back(fsync("a", 1));
  EXPECT_FALSE(Model(overwrite, "ext4-ordered").durable_at(3, 6));
  auto append = base;
  append.push_back(write("a", 1, 2, "yy"));  // grows the file: its fsync commits the journal
  append.push_back(fsync("a", 1));
  EXPECT_TRUE(Model(append, "ext4-ordered").durable_at(3, 6));
}

TEST(Persistence, SyncMakesEverythingDurableUnderEveryModel) {
  for (const PersistenceModel& m : persistence_models()) {
    const Model run({create("d/a", 1), write("d/a", 1, 0, "x"), rename("d/a", "b"), ev(T::kSync, "")}, m.name);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(run.durable_at(i, 4)) << m.name << " event " << i;
    EXPECT_EQ(run.states(4).size(), 1u) << m.name;
  }
}

TEST(Persistence, SyncFileRangeIsNoBarrier) {
  const Model run({create("a", 1), write("a", 1, 0, "x"), ev(T::kSyncFileRange, "a", 1)}, "ext4-ordered");
  EXPECT_FALSE(run.durable_at(1, 3));
}

TEST(Persistence, Ext4AndXfsKeepPendingMetadataInOrderPosixDoesNot) {
  const std::vector<HistoryEvent> events = {create("a", 1), create("b", 2)};
  auto b_without_a = [](const FileTree& t) { return t.files.contains("b") && lacks(t, "a"); };
  EXPECT_TRUE(Model(events, "posix").some_tree(2, b_without_a));
  EXPECT_FALSE(Model(events, "ext4-ordered").some_tree(2, b_without_a));
  EXPECT_FALSE(Model(events, "xfs").some_tree(2, b_without_a));
}

TEST(Persistence, Ext4OrdersARenameOverAFileAfterTheRenamedFilesDataXfsDoesNot) {
  const std::vector<HistoryEvent> events = {create("a", 1), write("a", 1, 0, "old"), fsync("a", 1),
                                            create("a.tmp", 2), write("a.tmp", 2, 0, "new"), rename("a.tmp", "a")};
  auto empty_a = [](const FileTree& t) { return t.files.contains("a") && t.files.at("a").empty(); };
  EXPECT_FALSE(Model(events, "ext4-ordered").some_tree(6, empty_a));
  EXPECT_TRUE(Model(events, "xfs").some_tree(6, empty_a));  // the zero-length file after a crash
}

TEST(Persistence, Ext4ARenameOverAFileMadeDurableCarriesTheRenamedFilesData) {
  const std::vector<HistoryEvent> events = {create("a", 1), write("a", 1, 0, "old"), fsync("a", 1),
                                            create("a.tmp", 2), write("a.tmp", 2, 0, "new"), rename("a.tmp", "a"),
                                            dirsync(".")};
  EXPECT_TRUE(Model(events, "ext4-ordered").durable_at(4, 7));
  EXPECT_FALSE(Model(events, "xfs").durable_at(4, 7));
}

TEST(Persistence, PosixMayPersistAnAppendsSizeWithoutItsBytes) {
  const std::vector<HistoryEvent> events = {create("a", 1), dirsync("."), write("a", 1, 0, "abc")};
  auto zeros = [](const FileTree& t) { return t.files.contains("a") && t.files.at("a") == std::string(3, '\0'); };
  EXPECT_TRUE(Model(events, "posix").some_tree(3, zeros));
  EXPECT_FALSE(Model(events, "ext4-ordered").some_tree(3, zeros));
}

TEST(Persistence, AWriteTearsAtTheModelsSectorSize) {
  const std::vector<HistoryEvent> events = {create("a", 1), dirsync("."), write("a", 1, 0, std::string(8192, 'w'))};
  for (const auto& [model, sector] : {std::pair{"posix", 512u}, std::pair{"ext4-ordered", 4096u}}) {
    bool torn = false;
    for (const CrashState& s : Model(events, model).states(3)) {
      for (const PendingFate& f : s.fates) {
        if (f.fate != Fate::kTorn) continue;
        torn = true;
        EXPECT_EQ(f.kept % sector, 0u) << model;
        EXPECT_GT(f.kept, 0u);
        EXPECT_LT(f.kept, 8192u);
      }
    }
    EXPECT_TRUE(torn) << model;
  }
}

// ---- the builder -------------------------------------------------------------------------------------------------

TEST(CrashStates, EveryPairOfPendingWritesOfAnEpochAndSampledBeyondTheBound) {
  const Model run({create("a", 1), dirsync("."), write("a", 1, 0, "1"), write("a", 1, 1, "2"), write("a", 1, 2, "3"),
                  write("a", 1, 3, "4")},
                 "ext4-ordered");
  auto contents = [&](CrashBounds b) {
    std::set<std::string> out;
    for (const CrashState& s : run.states(6, b)) out.insert(materialize(run.h, run.resolved, s).files.at("a"));
    return out;
  };
  const auto all = contents({});
  EXPECT_TRUE(all.contains(std::string("1\0" "3", 3)));  // writes 1 and 3 only
  EXPECT_TRUE(all.contains(std::string("\0\0\0" "4", 4)));  // write 4 only
  EXPECT_TRUE(all.contains(std::string("\0" "2\0" "4", 4)));
  CrashBounds one;
  one.max_pairs = 1;
  EXPECT_LT(run.states(6, one).size(), run.states(6).size());
  const auto a = run.states(6, one), b = run.states(6, one);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].fates, b[i].fates);  // the same seed, the same sample
}

TEST(CrashStates, TheDurablePrefixIsFirstAndNothingPendingIsOneState) {
  const Model run({create("a", 1), write("a", 1, 0, "x"), fsync("a", 1)}, "ext4-ordered");
  const auto states = run.states(3);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].how, "durable prefix");
  const Model pending({create("a", 1), write("a", 1, 0, "x")}, "ext4-ordered");
  EXPECT_EQ(pending.states(2).front().how, "durable prefix");
  EXPECT_TRUE(lacks(materialize(pending.h, pending.resolved, pending.states(2).front()), "a"));
}

TEST(CrashStates, UndoneRenameUnlinkAndCreateLeaveTheOldNames) {
  const Model run({create("a", 1), create("b", 2), ev(T::kSync, ""), rename("a", "c"), ev(T::kUnlink, "b"),
                 create("d", 3)},
                "posix");
  const FileTree none = materialize(run.h, run.resolved, run.states(6).front());
  EXPECT_EQ(none.files.size(), 2u);
  EXPECT_TRUE(none.files.contains("a"));
  EXPECT_TRUE(none.files.contains("b"));
  const FileTree every = materialize(run.h, run.resolved, run.states(6)[1]);
  EXPECT_TRUE(every.files.contains("c"));
  EXPECT_TRUE(every.files.contains("d"));
  EXPECT_TRUE(lacks(every, "a"));
  EXPECT_TRUE(lacks(every, "b"));
}

TEST(CrashStates, TheExplanationNamesWhatPersistedAndWhatNot) {
  const Model run({create("a.tmp", 1), write("a.tmp", 1, 0, "new"), fsync("a.tmp", 1), rename("a.tmp", "a")}, "posix");
  std::string text;
  for (const CrashState& s : run.states(4))
    if (s.how == "durable prefix") text = explain(run.h, s);
  EXPECT_NE(text.find("lost: create a.tmp #0, rename a.tmp -> a #3"), std::string::npos) << text;
}

TEST(CrashStates, TheContentHashSeparatesNamesFromBytes) {
  FileTree a, b, c;
  a.files = {{"ab", ""}};
  b.files = {{"a", "b"}};
  c.files = {{"ab", ""}};
  EXPECT_NE(content_hash(a), content_hash(b));
  EXPECT_EQ(content_hash(a), content_hash(c));
  c.dirs = {"d"};
  EXPECT_NE(content_hash(a), content_hash(c));
}

TEST(CrashStates, AnUnknownModelIsRefusedWithTheKnownOnes) {
  try {
    persistence_model("zfs");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("posix, ext4-ordered, xfs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faultline::faults
