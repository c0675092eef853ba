// The planted compaction mistakes (engine/planted/patches/compaction.cc.patch) really make their mistake. Killing the
// engine never shows them (every step reaches the page cache); only a power loss that keeps some directory operations
// and drops others does, which `faultline explore` builds. So this test runs the patched compaction in-process against
// a recording Env and checks the order of the calls that decides what a power loss can undo.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "crashing_env.h"
#include "planted/manifest.h"
#include "test_util.h"
#include "walkv/compaction.h"
#include "walkv/data_dir.h"

namespace walkv::test {
namespace {

using planted::Bug;

// The three orderings compaction promises (compaction.h), checked on a list of calls.
struct Ordering {
  bool snapshot_fsynced_before_rename = false;       // step 1 before step 2
  bool snapshot_rename_durable_before_log_replaced = false;  // a directory fsync between step 2 and step 4
  bool log_replacement_durable = false;                // a directory fsync after step 4
  bool operator==(const Ordering&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Ordering& o) {
  return os << "{fsync before rename " << o.snapshot_fsynced_before_rename << ", rename durable before the log is "
            << "replaced " << o.snapshot_rename_durable_before_log_replaced << ", replacement durable "
            << o.log_replacement_durable << "}";
}

Ordering OrderingOf(const std::vector<std::string>& calls) {
  const auto at = [&](const std::string& call) {
    return static_cast<size_t>(std::find(calls.begin(), calls.end(), call) - calls.begin());
  };
  const auto dir_fsync_between = [&](size_t from, size_t to) {
    for (size_t i = from + 1; i < std::min(to, calls.size()); ++i) {
      if (calls[i].starts_with("SyncDir ")) return true;
    }
    return false;
  };
  const size_t rename = at("RenameFile snapshot.tmp snapshot");
  const size_t replace = at("RenameFile wal.log.new wal.log");
  Ordering o;
  o.snapshot_fsynced_before_rename = at("Sync snapshot.tmp") < rename;
  o.snapshot_rename_durable_before_log_replaced = rename < calls.size() && dir_fsync_between(rename, replace);
  o.log_replacement_durable = replace < calls.size() && dir_fsync_between(replace, calls.size());
  return o;
}

std::vector<std::string> CompactionCalls(std::optional<Bug> bug) {
  TempDir dir;
  WriteRecords(dir.path(), 3);
  if (bug) planted::Activate(*bug);
  CrashingEnv env(0);
  std::unique_ptr<WritableFile> log;
  const Status s = Compact(&env, dir.path(), KvMap{{"key0", "value0"}}, 3, &log);
  planted::Deactivate();
  EXPECT_TRUE(s.ok()) << s.ToString();
  // Without a power loss the mistake shows nothing: the state recovers whole.
  log.reset();
  const RecoverOutcome out = RecoverDir(dir.path(), RecoveryMode::kStrict);
  EXPECT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.state, (std::map<std::string, std::string>{{"key0", "value0"}}));
  return env.calls();
}

TEST(PlantedCompaction, WithoutABugEveryStepIsDurableBeforeTheNext) {
  EXPECT_EQ(OrderingOf(CompactionCalls(std::nullopt)), (Ordering{true, true, true}));
}

TEST(PlantedCompaction, RenameBeforeFsyncRenamesTheSnapshotBeforeItsBytesAreDurable) {
  const std::vector<std::string> calls = CompactionCalls(Bug::kCompactRenameBeforeFsync);
  EXPECT_EQ(OrderingOf(calls), (Ordering{false, true, true}));
  // The fsync comes, but only once the old log is gone.
  const auto sync = std::find(calls.begin(), calls.end(), "Sync snapshot");
  EXPECT_GT(sync - std::find(calls.begin(), calls.end(), "RenameFile wal.log.new wal.log"), 0);
}

TEST(PlantedCompaction, NoDirFsyncNeverFsyncsTheDirectory) {
  const std::vector<std::string> calls = CompactionCalls(Bug::kCompactNoDirFsync);
  EXPECT_EQ(OrderingOf(calls), (Ordering{true, false, false}));
  EXPECT_EQ(std::count_if(calls.begin(), calls.end(), [](const std::string& c) { return c.starts_with("SyncDir"); }),
            0);
}

TEST(PlantedCompaction, RemoveLogEarlyReplacesTheLogBeforeTheSnapshotsRenameIsDurable) {
  EXPECT_EQ(OrderingOf(CompactionCalls(Bug::kCompactRemoveLogEarly)), (Ordering{true, false, true}));
}

TEST(PlantedCompaction, EveryCompactionVariantIsCaughtByExploreAndCompacts) {
  int found = 0;
  for (const auto& v : planted::kVariants) {
    if (v.caught_by != "explore") continue;
    ++found;
    EXPECT_TRUE(v.name.starts_with("compact-")) << v.name;
    EXPECT_NE(v.serve_args.find("--compact-after"), std::string_view::npos) << v.name;
    EXPECT_NE(OrderingOf(CompactionCalls(v.bug)), (Ordering{true, true, true})) << v.name << " makes no mistake";
  }
  EXPECT_EQ(found, 3);
}

}  // namespace
}  // namespace walkv::test
