// End to end: the oracle's black-box rules (docs/violations.md, "Black boxes") against an engine with the shapes real
// engines have (tests/harness/blackbox_engine.py): two writes per record, a file header written at start-up, a refusal
// when that header is torn, a second read after a bad frame. Each test pins a verdict that was wrong before
// (issue 15): the engine behaves correctly, so every trial must pass, and each test also checks that its trials
// reached the shape (an operation cut with its frame, a cut into the start-up header, a refusal, a full start).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

class BlackBox : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("faultline-bb-{}-{}", ::getpid(),
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `faultline run --engine` on the engine with `flags` and returns one JSON object per trial; fails the test
  // unless the campaign exited 0 (every trial passed or was void).
  std::vector<json> campaign(const std::string& scenario, const std::string& seeds, const std::string& flags = "") {
    const auto report = dir_ / "report.json", trials = dir_ / "trials.jsonl";
    const auto command = fmt::format("{} run --engine '{} {} {{dir}} {}' --scenario {} --seeds {} --seed 1 --jobs 2 "
                                     "--work-dir {} --report {} --all-trials {} 2>&1",
                                     FAULTLINE_BIN, PYTHON3, BLACKBOX_ENGINE_PY, flags, scenario, seeds,
                                     (dir_ / "work").string(), report.string(), trials.string());
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = ::pclose(p);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << "\n" << out;
    std::vector<json> all;
    std::ifstream in(trials);
    for (std::string line; std::getline(in, line);) all.push_back(json::parse(line));
    EXPECT_FALSE(all.empty()) << out;
    for (const auto& t : all) {
      EXPECT_NE(t["verdict"], "fail") << t.dump();
      EXPECT_NE(t["verdict"], "error") << t.dump();
      // An operation index is never the "no operation" value of a write made at start-up.
      if (t["coverage"].contains("op")) {
        EXPECT_LT(t["coverage"]["op"], t["coverage"]["operations"]) << t.dump();
      }
    }
    return all;
  }

  static std::string scenario(const std::string& name) {
    return (fs::path(BLACKBOX_SCENARIO_DIR) / (name + ".json")).string();
  }

  fs::path dir_;
};

std::size_t count_if(const std::vector<json>& trials, bool (*pred)(const json&)) {
  std::size_t n = 0;
  for (const auto& t : trials) n += pred(t) ? 1 : 0;
  return n;
}

// A flip in the last frame's header: the engine cuts that frame with its operation, which the page written after the
// header (the same operation's second write) does not make mid-log corruption.
TEST_F(BlackBox, TwoWritesPerRecordMayLoseTheLastOperationWithItsFrame) {
  const auto trials = campaign(FAULTLINE_SCENARIO_DIR "/bitflip-last-record.json", "1..6");
  EXPECT_GT(count_if(trials, [](const json& t) {
              return t["observed"].value("operations_reflected", 99) + 1 == t["coverage"].value("operations", 0);
            }), 0u) << "no trial cut the last operation";
}

// A cut inside the header written at start-up takes every operation with it: none of them is demanded.
TEST_F(BlackBox, TruncationIntoStartUpWritesDemandsNoOperation) {
  const auto trials = campaign(scenario("bb-truncate-few"), "1..16");
  EXPECT_GT(count_if(trials, [](const json& t) { return t["coverage"].value("write", "") == "start-up"; }), 0u)
      << "no trial cut the start-up header";
}

// Power loss during the first operation: a refusal on the torn, unsynced start-up loses nothing acknowledged.
TEST_F(BlackBox, RefusalAfterPowerLossWithNothingAcknowledgedIsAllowed) {
  const auto trials = campaign(scenario("bb-power-loss-at-start"), "1..12", "--refuse-bad-header");
  EXPECT_GT(count_if(trials, [](const json& t) { return t["observed"].value("outcome", "") == "abort"; }), 0u)
      << "no trial refused to start";
}

// A flipped bit in what recovery reads, which a second read does not see: starting with everything is allowed.
TEST_F(BlackBox, CleanStartAfterAReadFaultIsAllowed) {
  const auto trials = campaign(FAULTLINE_SCENARIO_DIR "/bitflip-read.json", "1..6", "--reread");
  EXPECT_GT(count_if(trials, [](const json& t) {
              return t["observed"].value("outcome", "") == "started" &&
                     t["observed"].value("operations_reflected", 0) == t["coverage"].value("operations", 99);
            }), 0u) << "no trial started with everything";
}

// Aiming (docs/faults.md, "How a trial aims a fault"): at the last write of an operation, and at in-place rewrites of
// a file's first 16 bytes; the coverage of every trial and of the campaign shows where the faults landed.
TEST_F(BlackBox, FaultsAimAtTheLastWriteAndAtTheHeaderRegion) {
  for (const auto& t : campaign(scenario("bb-bitflip-last-write"), "1..4")) {
    EXPECT_EQ(t["coverage"]["write"], "last") << t.dump();  // the frame's page, written after its header
    EXPECT_EQ(t["coverage"]["rewrite"], "append") << t.dump();
  }
  for (const auto& t : campaign(scenario("bb-crash-header-last"), "1..4", "--meta")) {
    EXPECT_EQ(t["coverage"]["write"], "last") << t.dump();
    EXPECT_EQ(t["coverage"]["region"], "head") << t.dump();
    EXPECT_EQ(t["coverage"]["rewrite"], "overwrite") << t.dump();
    EXPECT_LT(t["coverage"]["offset"], 16) << t.dump();
  }
  std::ifstream in(dir_ / "report.json");
  const auto crash = json::parse(in)["coverage"]["crash"];
  EXPECT_EQ(crash["writes"]["last"], 4) << crash.dump();
  EXPECT_EQ(crash["regions"]["head"], 4) << crash.dump();
  EXPECT_EQ(crash["files"]["kv.log"], 4) << crash.dump();
}

}  // namespace
