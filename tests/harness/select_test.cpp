// Scenario selection on the command line (harness/cli/select.cpp): globs, suggestions for typos, and the scenarios a
// campaign with too few trials leaves out.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "faultline/scenarios/scenario.h"
#include "select.h"

namespace fs = std::filesystem;
using namespace faultline::cli;

namespace {

class Selection : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("faultline-select-{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* name : {"torn-tail", "torn-mid", "zero-tail", "bitflip-read", "power-loss-drop-unsynced"})
      std::ofstream(dir_ / (std::string(name) + ".json")) << "{}";
    std::ofstream(dir_ / "README.md") << "not a scenario";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string error_of(const std::string& spec) {
    try {
      expand_scenario_spec(spec, dir_);
    } catch (const faultline::scenarios::ConfigError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

}  // namespace

TEST_F(Selection, GlobsExpandToTheMatchingScenariosSorted) {
  EXPECT_EQ(expand_scenario_spec("torn-*", dir_), "torn-mid,torn-tail");
  EXPECT_EQ(expand_scenario_spec("*-tail", dir_), "torn-tail,zero-tail");
  EXPECT_EQ(expand_scenario_spec("zero-tail,torn-*", dir_), "zero-tail,torn-mid,torn-tail") << "item order is kept";
  EXPECT_EQ(expand_scenario_spec("torn-tail,torn-*", dir_), "torn-tail,torn-mid") << "no scenario twice";
  EXPECT_EQ(expand_scenario_spec("bitflip-rea?", dir_), "bitflip-read");
}

TEST_F(Selection, AllAndJsonPathsPassThrough) {
  EXPECT_EQ(expand_scenario_spec("all", dir_), "all");
  EXPECT_EQ(expand_scenario_spec("my/own.json", dir_), "my/own.json");
}

TEST_F(Selection, ATypoGetsTheNearestNames) {
  EXPECT_NE(error_of("torn-tial").find("no scenario named 'torn-tial'"), std::string::npos);
  EXPECT_NE(error_of("torn-tial").find("did you mean 'torn-tail'?"), std::string::npos) << error_of("torn-tial");
  EXPECT_NE(error_of("power-loss").find("did you mean 'power-loss-drop-unsynced'?"), std::string::npos)
      << "a prefix counts as near: " << error_of("power-loss");
  EXPECT_EQ(error_of("completely-different-thing").find("did you mean"), std::string::npos)
      << "nothing near, no suggestion: " << error_of("completely-different-thing");
  EXPECT_NE(error_of("README").find("no scenario named 'README'"), std::string::npos) << "only .json files are scenarios";
}

TEST_F(Selection, AGlobThatMatchesNothingIsNamed) {
  EXPECT_NE(error_of("nothing-*").find("--scenario 'nothing-*': no scenario in"), std::string::npos);
}

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("torn-tail", "torn-tail"), 0u);
  EXPECT_EQ(edit_distance("torn-tial", "torn-tail"), 2u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ScenariosWithoutTrials, AreTheOnesPastTheTrialCount) {
  const std::vector<std::string> s{"a", "b", "c", "d"};
  EXPECT_EQ(scenarios_without_trials(s, 2), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(scenarios_without_trials(s, 4).empty());
  EXPECT_TRUE(scenarios_without_trials(s, 1000).empty());
}
