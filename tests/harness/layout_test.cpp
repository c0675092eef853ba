// find_layout on hand-made trees: a build tree, an install tree, overrides, and a tree with a part missing.
#include "faultline/harness/layout.h"

#include <unistd.h>

#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace faultline::harness {
namespace {

namespace fs = std::filesystem;

class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("faultline-layout-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void touch(const fs::path& rel) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << "x";
  }
  EnvLookup env(std::map<std::string, std::string> vars = {}) {
    return [vars](const char* name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
  fs::path root_;
};

TEST_F(LayoutTest, BuildTreeFindsTheShimBesideTheExecutable) {
  touch("bin/faultline");
  touch("bin/libfaultfs.so");
  touch("share/faultline/scenarios/torn-tail.json");
  touch("share/faultline/profiles/walkv.json");
  const Layout l = find_layout(root_ / "bin" / "faultline", env());
  EXPECT_EQ(l.bindir, root_ / "bin");
  EXPECT_EQ(l.shim, root_ / "bin" / "libfaultfs.so");
  EXPECT_EQ(require_scenarios(l), root_ / "share" / "faultline" / "scenarios");
  EXPECT_EQ(require_profiles(l), root_ / "share" / "faultline" / "profiles");
}

TEST_F(LayoutTest, InstallTreeFindsTheShimInLibFaultline) {
  touch("bin/faultline");
  touch("lib/faultline/libfaultfs.so");
  const Layout l = find_layout(root_ / "bin" / "faultline", env());
  EXPECT_EQ(require_shim(l), root_ / "lib" / "faultline" / "libfaultfs.so");
}

TEST_F(LayoutTest, EnvironmentOverridesEachPart) {
  touch("bin/faultline");
  touch("bin/libfaultfs.so");
  const Layout l = find_layout(root_ / "bin" / "faultline",
                               env({{"FAULTLINE_SHIM", "/x/shim.so"}, {"FAULTLINE_SCENARIOS", "/x/scenarios"},
                                    {"FAULTLINE_PROFILES", "/x/profiles"}}));
  EXPECT_EQ(l.shim, fs::path("/x/shim.so"));
  EXPECT_EQ(l.scenarios, fs::path("/x/scenarios"));
  EXPECT_EQ(l.profiles, fs::path("/x/profiles"));
}

TEST_F(LayoutTest, MissingPartNamesWhereItLookedAndWhatToSet) {
  touch("bin/faultline");
  const Layout l = find_layout(root_ / "bin" / "faultline", env());
  try {
    require_shim(l);
    FAIL() << "a missing shim was accepted";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((root_ / "bin" / "libfaultfs.so").string()), std::string::npos) << what;
    EXPECT_NE(what.find("FAULTLINE_SHIM"), std::string::npos) << what;
    EXPECT_NE(what.find("--shim"), std::string::npos) << what;
  }
  EXPECT_THROW(require_scenarios(l), std::runtime_error);
}

TEST(Version, NamesAVersionAndARevision) {
  EXPECT_STRNE(version(), "");
  EXPECT_STRNE(git_revision(), "");
}

}  // namespace
}  // namespace faultline::harness
