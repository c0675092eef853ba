// The real walkv binary: protocol, restarts, recovery outcomes and exit codes, logs, and the operator tools.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.h"
#include "test_util.h"

namespace walkv::test {
namespace {

using Json = nlohmann::json;
using Lines = std::vector<std::string>;

class Walkv : public ::testing::Test {
 protected:
  RunResult Serve(const std::string& input, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{kWalkv, "serve", "--dir", dir_.path()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv, input);
  }
  RunResult Tool(const std::string& command, const std::vector<std::string>& extra = {}, const std::string& in = "") {
    std::vector<std::string> argv{kWalkv, command, "--dir", dir_.path()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv, in);
  }
  // Five records through the engine; each frame is kFrame bytes.
  void FiveRecords() {
    ASSERT_EQ(Serve("PUT k1 v1\nPUT k2 v2\nPUT k3 v3\nPUT k4 v4\nPUT k5 v5\n").exit_code, 0);
  }
  static Json LastLog(const RunResult& r) { return Json::parse(r.ErrLines().back()); }

  TempDir dir_;
};

constexpr uint64_t kFrame = 8 + 15 + 2 + 2;  // "k1" -> "v1"

TEST_F(Walkv, PrintsReadyBeforeAnythingElse) {
  const RunResult r = Serve("QUIT\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "READY\n");
}

TEST_F(Walkv, ProtocolRoundTrip) {
  const RunResult r = Serve("PUT a 1\nGET a\nDEL a\nGET a\nPUT b 2\nDUMP\nNONSENSE\nQUIT\n");
  EXPECT_EQ(r.exit_code, 0);
  const Lines out = r.OutLines();
  ASSERT_EQ(out.size(), 9u);
  EXPECT_EQ(Lines(out.begin(), out.begin() + 8),
            (Lines{"READY", "OK", "VALUE 1", "OK", "NOTFOUND", "OK", "ENTRY b 2", "END"}));
  EXPECT_EQ(out[8].rfind("ERR ", 0), 0u);
}

TEST_F(Walkv, LogsAreSlogJsonLines) {
  const RunResult r = Serve("QUIT\n");
  ASSERT_FALSE(r.ErrLines().empty());
  for (const std::string& line : r.ErrLines()) {
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(line);
    auto it = j.begin();
    EXPECT_EQ(it.key(), "time");
    EXPECT_EQ((++it).key(), "level");
    EXPECT_EQ((++it).key(), "msg");
    EXPECT_EQ(j["time"].get<std::string>().back(), 'Z');
  }
  EXPECT_EQ(LastLog(r)["msg"], "recovered");
}

TEST_F(Walkv, RestartKeepsAcknowledgedData) {
  for (const char* sync : {"always", "batch", "none"}) {
    TempDir dir;
    ASSERT_EQ(RunProgram({kWalkv, "serve", "--dir", dir.path(), "--sync", sync}, "PUT a 1\nPUT b 2\nDEL a\n").exit_code, 0);
    EXPECT_EQ(RunProgram({kWalkv, "serve", "--dir", dir.path()}, "DUMP\n").OutLines(), (Lines{"READY", "ENTRY b 2", "END"}))
        << sync;
  }
}

TEST_F(Walkv, TornTailIsTruncatedAndItsBytesSaved) {
  FiveRecords();
  TruncateTo(dir_.log(), 5 * kFrame - 3);
  const std::string torn = ReadFile(dir_.log()).substr(4 * kFrame);
  const RunResult r = Serve("GET k4\nGET k5\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.OutLines(), (Lines{"READY", "VALUE v4", "NOTFOUND"}));
  EXPECT_EQ(FileSize(dir_.log()), 4 * kFrame);
  EXPECT_EQ(ReadFile(dir_.log() + ".torn-" + std::to_string(4 * kFrame)), torn);
  const Json warn = Json::parse(r.ErrLines().at(0));
  EXPECT_EQ(warn["level"], "WARN");
  EXPECT_EQ(warn["offset"], 4 * kFrame);
  EXPECT_EQ(warn["dropped_bytes"], kFrame - 3);
}

TEST_F(Walkv, MidLogCorruptionExitsThreeAndLeavesTheFileUntouched) {
  FiveRecords();
  FlipBit(dir_.log(), kFrame + 20);
  const std::string before = ReadFile(dir_.log());
  const RunResult r = Serve("PUT x 1\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(ReadFile(dir_.log()), before);
  const Json error = LastLog(r);
  EXPECT_EQ(error["level"], "ERROR");
  EXPECT_EQ(error["offset"], kFrame);
  EXPECT_EQ(error["next_valid_offset"], 2 * kFrame);
  EXPECT_EQ(error["reason"], "checksum-mismatch");
  EXPECT_NE(error["next_step"].get<std::string>().find("walkv check --dir " + dir_.path()), std::string::npos);
}

TEST_F(Walkv, StrictModeRefusesATornTailAndPointInTimeCutsMidLogDamage) {
  FiveRecords();
  TruncateTo(dir_.log(), 5 * kFrame - 3);
  EXPECT_EQ(Serve("QUIT\n", {"--recovery", "strict"}).exit_code, 3);
  FlipBit(dir_.log(), kFrame + 20);
  EXPECT_EQ(Serve("DUMP\n", {"--recovery", "point-in-time"}).OutLines(), (Lines{"READY", "ENTRY k1 v1", "END"}));
}

TEST_F(Walkv, SecondEngineOnTheSameDirectoryExitsFive) {
  RunningEngine first({kWalkv, "serve", "--dir", dir_.path()});
  std::string line;
  ASSERT_TRUE(first.ReadLine(&line));
  ASSERT_EQ(line, "READY");
  const RunResult second = Serve("QUIT\n");
  EXPECT_EQ(second.exit_code, 5);
  EXPECT_EQ(second.out, "");
  EXPECT_EQ(Tool("check").exit_code, 5);  // the checker will not judge a log that is being written
  EXPECT_EQ(first.CloseAndWait(), 0);
  EXPECT_EQ(Serve("QUIT\n").exit_code, 0);
}

TEST_F(Walkv, BadCommandLinesExitTwoWithAClearMessage) {
  EXPECT_EQ(RunProgram({kWalkv}).exit_code, 2);
  EXPECT_EQ(RunProgram({kWalkv, "serve"}).exit_code, 2);
  EXPECT_EQ(Serve("", {"--sync", "sometimes"}).exit_code, 2);
  EXPECT_EQ(Serve("", {"--bogus"}).exit_code, 2);
  const RunResult salvage = Serve("", {"--recovery", "salvage"});
  EXPECT_EQ(salvage.exit_code, 2);
  EXPECT_NE(salvage.err.find("walkv repair --dir"), std::string::npos);
  EXPECT_EQ(RunProgram({kWalkv, "--help"}).exit_code, 0);
}

TEST_F(Walkv, CheckGivesCleanTornAndCorruptVerdicts) {
  FiveRecords();
  RunResult r = Tool("check");
  EXPECT_EQ(r.exit_code, 0);
  Json j = Json::parse(r.out);
  EXPECT_EQ(j["verdict"], "clean");
  EXPECT_EQ(j["records"], 5);
  EXPECT_EQ(j["last_sequence"], 5);

  TruncateTo(dir_.log(), 5 * kFrame - 3);
  r = Tool("check");
  EXPECT_EQ(r.exit_code, 1);
  j = Json::parse(r.out);
  EXPECT_EQ(j["verdict"], "torn-tail");
  EXPECT_EQ(j["damage"]["offset"], 4 * kFrame);

  FlipBit(dir_.log(), kFrame + 20);
  const std::string before = ReadFile(dir_.log());
  r = Tool("check");
  EXPECT_EQ(r.exit_code, 1);
  j = Json::parse(r.out);
  EXPECT_EQ(j["verdict"], "corrupt");
  EXPECT_EQ(j["damage"]["offset"], kFrame);
  EXPECT_EQ(j["damage"]["next_valid_offset"], 2 * kFrame);
  EXPECT_EQ(j["records_after_damage"], 2);  // frames 3 and 4; frame 5 is torn
  EXPECT_EQ(j["startup"]["torn-tail"], "refuse");
  EXPECT_EQ(ReadFile(dir_.log()), before);
}

TEST_F(Walkv, DumpPrintsEveryRecordAndEveryDamagedSpan) {
  FiveRecords();
  FlipBit(dir_.log(), 2 * kFrame + 20);
  const RunResult r = Tool("dump");
  EXPECT_EQ(r.exit_code, 1);
  const Lines lines = r.OutLines();
  ASSERT_EQ(lines.size(), 5u);
  const Json first = Json::parse(lines[0]);
  EXPECT_EQ(first["offset"], 0);
  EXPECT_EQ(first["sequence"], 1);
  EXPECT_EQ(first["op"], "PUT");
  EXPECT_EQ(first["key"], "k1");
  EXPECT_EQ(first["value"], "v1");
  EXPECT_EQ(first["checksum"], "ok");
  const Json damaged = Json::parse(lines[2]);
  EXPECT_EQ(damaged["offset"], 2 * kFrame);
  EXPECT_EQ(damaged["checksum"], "mismatch");
  EXPECT_EQ(Json::parse(lines[4])["sequence"], 5);
}

TEST_F(Walkv, RepairAsksFirstAndChangesNothingOnNo) {
  FiveRecords();
  FlipBit(dir_.log(), kFrame + 20);
  const std::string before = ReadFile(dir_.log());
  const RunResult r = Tool("repair", {"--mode", "truncate"}, "n\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(ReadFile(dir_.log()), before);
  EXPECT_NE(r.err.find("[y/N]"), std::string::npos);
}

TEST_F(Walkv, RepairTruncateKeepsABackupAndReportsTheLoss) {
  FiveRecords();
  FlipBit(dir_.log(), kFrame + 20);
  const std::string cut = ReadFile(dir_.log()).substr(kFrame);
  const RunResult r = Tool("repair", {"--mode", "truncate"}, "y\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["lost_records"], 3);
  EXPECT_EQ(j["lost_bytes"], 4 * kFrame);
  EXPECT_EQ(j["lost_keys"], (Json{"k3", "k4", "k5"}));
  EXPECT_EQ(ReadFile(j["backup"].get<std::string>()), cut);
  EXPECT_EQ(Serve("DUMP\n").OutLines(), (Lines{"READY", "ENTRY k1 v1", "END"}));
}

TEST_F(Walkv, RepairSalvageKeepsTheValidRecordsAfterTheDamage) {
  FiveRecords();
  FlipBit(dir_.log(), kFrame + 20);
  const std::string original = ReadFile(dir_.log());
  const RunResult r = Tool("repair", {"--mode", "salvage", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["kept_records"], 4);
  EXPECT_EQ(j["damaged_spans"], 1);
  EXPECT_EQ(ReadFile(j["backup"].get<std::string>()), original);
  EXPECT_EQ(Tool("check").exit_code, 0);
  const RunResult after = Serve("GET k1\nGET k2\nGET k5\n");
  EXPECT_EQ(after.OutLines(), (Lines{"READY", "VALUE v1", "NOTFOUND", "VALUE v5"}));
}

TEST_F(Walkv, RepairSalvageSkipsEveryDamagedSpanAndATornTail) {
  FiveRecords();
  FlipBit(dir_.log(), kFrame + 20);
  FlipBit(dir_.log(), 3 * kFrame + 20);
  AppendToFile(dir_.log(), std::string("\x1b\x00", 2));  // the start of a sixth frame
  const RunResult r = Tool("repair", {"--mode", "salvage", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["kept_records"], 3);
  EXPECT_EQ(j["damaged_spans"], 3);
  EXPECT_EQ(j["lost_bytes"], 2 * kFrame + 2);
  EXPECT_EQ(Tool("dump").OutLines().size(), 3u);
  EXPECT_EQ(Serve("DUMP\n").OutLines().size(), 5u);  // READY, 3 entries, END
}

}  // namespace
}  // namespace walkv::test
