// The real walkv binary with compaction: COMPACT, --compact-after, restarts after it, and the tools reading a log
// that continues a snapshot.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "process.h"
#include "test_util.h"
#include "walkv/data_dir.h"

namespace walkv::test {
namespace {

using Json = nlohmann::json;
using Lines = std::vector<std::string>;

class WalkvCompaction : public ::testing::Test {
 protected:
  RunResult Serve(const std::string& input, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{kWalkv, "serve", "--dir", dir_.path()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv, input);
  }
  Lines SortedDump() {
    Lines lines = Serve("DUMP\n").OutLines();
    std::sort(lines.begin(), lines.end());
    return lines;
  }
  TempDir dir_;
};

TEST_F(WalkvCompaction, CompactIsAnsweredOkAndARestartKeepsEverything) {
  const RunResult r = Serve("PUT a 1\nPUT b 2\nCOMPACT\nPUT c 3\nDEL a\nGET b\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.OutLines(), (Lines{"READY", "OK", "OK", "OK", "OK", "OK", "VALUE 2"}));
  EXPECT_EQ(dir_.Files(), (Lines{"LOCK", "snapshot", "wal.log"}));
  EXPECT_EQ(SortedDump(), (Lines{"END", "ENTRY b 2", "ENTRY c 3", "READY"}));
  const RunResult check = RunProgram({kWalkv, "check", "--dir", dir_.path()});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  const Json j = Json::parse(check.out);
  EXPECT_EQ(j["verdict"], "clean");
  EXPECT_EQ(j["snapshot_sequence"], 2);
  EXPECT_EQ(j["records"], 2);
  EXPECT_EQ(j["last_sequence"], 4);
}

TEST_F(WalkvCompaction, CompactAfterCompactsEveryNWritesWithoutAReplyOfItsOwn) {
  const RunResult r = Serve("PUT a 1\nPUT b 2\nPUT c 3\nDUMP\n", {"--compact-after", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.OutLines().size(), 1u + 3u + 4u);  // READY, three OKs, three entries and END
  EXPECT_NE(r.err.find("\"msg\":\"compacted\""), std::string::npos);
  EXPECT_EQ(FileSize(dir_.log()), 8u + 15u + 1u + 1u);  // only "PUT c 3" after the snapshot at sequence 2
  EXPECT_EQ(SortedDump(), (Lines{"END", "ENTRY a 1", "ENTRY b 2", "ENTRY c 3", "READY"}));
}

TEST_F(WalkvCompaction, WithoutCompactionTheDirectoryHoldsOnlyTheLog) {
  ASSERT_EQ(Serve("PUT a 1\nPUT b 2\nPUT c 3\n").exit_code, 0);
  EXPECT_EQ(dir_.Files(), (Lines{"LOCK", "wal.log"}));
}

TEST_F(WalkvCompaction, CompactTakesNoArgument) {
  const RunResult r = Serve("COMPACT now\n");
  EXPECT_EQ(r.OutLines(), (Lines{"READY", "ERR COMPACT takes no argument"}));
  EXPECT_EQ(dir_.Files(), (Lines{"LOCK", "wal.log"}));
}

TEST_F(WalkvCompaction, DamagedSnapshotRefusesTheStartWithExitThree) {
  ASSERT_EQ(Serve("PUT a 1\nCOMPACT\n").exit_code, 0);
  FlipBit(SnapshotPath(dir_.path()), 20);
  const std::string before = ReadFile(SnapshotPath(dir_.path()));
  const RunResult r = Serve("DUMP\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("snapshot"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFile(SnapshotPath(dir_.path())), before);
}

}  // namespace
}  // namespace walkv::test
