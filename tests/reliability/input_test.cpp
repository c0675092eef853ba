// Numbers, outputs and engine profiles are checked before anything runs (faultline/harness/input.h): hand-made inputs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "faultline/harness/input.h"
#include "faultline/scenarios/scenario.h"

namespace fs = std::filesystem;
using faultline::harness::check_engine_profile;
using faultline::harness::check_output_dir;
using faultline::harness::check_output_file;
using faultline::harness::parse_seed_range;
using faultline::harness::parse_shard;
using faultline::harness::parse_uint;
using faultline::scenarios::ConfigError;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

fs::path scratch() {
  const auto dir = fs::temp_directory_path() / ("faultline-input-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST(Numbers, OverflowIsAnErrorNamingTheOptionNotAWrap) {
  EXPECT_EQ(parse_uint("--seed", "18446744073709551615"), UINT64_MAX);
  EXPECT_NE(message_of([] { parse_uint("--seed", "18446744073709551616"); }).find("--seed"), std::string::npos);
  EXPECT_NE(message_of([] { parse_uint("--seed", "-1"); }).find("--seed -1"), std::string::npos);
  EXPECT_NE(message_of([] { parse_uint("--seed", "0x10"); }), "(no error)");
  EXPECT_NE(message_of([] { parse_uint("--seed", " 1"); }), "(no error)");
  EXPECT_NE(message_of([] { parse_uint("--seed", ""); }), "(no error)");
  EXPECT_NE(message_of([] { parse_uint("--n", "5", 1, 4); }).find("out of range"), std::string::npos);
}

TEST(Numbers, ShardsAreRangeChecked) {
  EXPECT_EQ(parse_shard("--shard", "3/8"), std::make_pair(3u, 8u));
  EXPECT_NE(message_of([] { parse_shard("--shard", "99999999999999999999/3"); }).find("--shard"), std::string::npos);
  // 2^32 + 1 over 2^32 + 2 once became 1/2 by truncation.
  EXPECT_NE(message_of([] { parse_shard("--shard", "4294967297/4294967298"); }), "(no error)");
  EXPECT_NE(message_of([] { parse_shard("--shard", "3/3"); }), "(no error)");
  EXPECT_NE(message_of([] { parse_shard("--shard", "0/0"); }), "(no error)");
  EXPECT_NE(message_of([] { parse_shard("--shard", "1/-2"); }), "(no error)");
}

TEST(Numbers, SeedRangesAreRangeChecked) {
  EXPECT_EQ(parse_seed_range("--seeds", "1..500"), std::make_pair(std::uint64_t{1}, std::uint64_t{500}));
  EXPECT_NE(message_of([] { parse_seed_range("--seeds", "1..99999999999999999999999"); }).find("--seeds"),
            std::string::npos);
  EXPECT_NE(message_of([] { parse_seed_range("--seeds", "5..4"); }), "(no error)");
  EXPECT_NE(message_of([] { parse_seed_range("--seeds", "1...4"); }), "(no error)");
}

TEST(Outputs, ADirectoryAMissingParentAndAnUnwritablePlaceAreRefused) {
  const auto dir = scratch();
  EXPECT_NO_THROW(check_output_file("--report", dir / "r.json"));
  EXPECT_NE(message_of([&] { check_output_file("--report", dir); }).find("is a directory"), std::string::npos);
  EXPECT_NE(message_of([&] { check_output_file("--junit", dir / "missing" / "x.xml"); }).find("does not exist"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "missing"));  // nothing is created on the user's behalf
  // /proc refuses new files even to root: the probe catches what access(W_OK) cannot.
  EXPECT_NE(message_of([] { check_output_file("--all-trials", "/proc/faultline.jsonl", false); }).find("--all-trials"),
            std::string::npos);
  EXPECT_NE(message_of([] { check_output_file("--report", "/dev/null"); }).find("not a regular file"), std::string::npos);
  EXPECT_NO_THROW(check_output_dir("--output", dir / "new"));
  EXPECT_NE(message_of([&] { check_output_dir("--output", dir / "a" / "b"); }), "(no error)");
  std::ofstream(dir / "file") << "x";
  EXPECT_NE(message_of([&] { check_output_dir("--output", dir / "file"); }).find("not a directory"), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no probe file left
  fs::remove_all(dir);
}

TEST(EngineProfile, CommandAndDataFilesAreCheckedBeforeAnyTrial) {
  auto profile = faultline::scenarios::command_profile("sh -c 'true' {dir}");
  EXPECT_NO_THROW(check_engine_profile(profile, "/"));
  profile = faultline::scenarios::command_profile("faultline-no-such-program-xyz {dir}");
  EXPECT_NE(message_of([&] { check_engine_profile(profile, "/"); }).find("not found"), std::string::npos);
  profile = faultline::scenarios::command_profile("sh -c 'x {dir}");
  EXPECT_NE(message_of([&] { check_engine_profile(profile, "/"); }).find("unterminated"), std::string::npos);
  profile = faultline::scenarios::command_profile("/nonexistent/engine {dir}");
  EXPECT_NE(message_of([&] { check_engine_profile(profile, "/"); }).find("--engine"), std::string::npos);
  profile = faultline::scenarios::command_profile("{bindir}/sh {dir}");
  EXPECT_NO_THROW(check_engine_profile(profile, "/bin"));
  profile = faultline::scenarios::command_profile("sh {dir}");
  profile.data_files = {"../*"};
  EXPECT_NE(message_of([&] { check_engine_profile(profile, "/"); }).find("data_files"), std::string::npos);
  profile.data_files = {"/etc/passwd"};
  EXPECT_NE(message_of([&] { check_engine_profile(profile, "/"); }), "(no error)");
  profile.data_files = {"wal/*.log"};
  EXPECT_NO_THROW(check_engine_profile(profile, "/"));
}
