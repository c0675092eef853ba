// merge_reports: shards of one campaign merge into the report of the unsharded campaign; anything else is refused
// with a message naming the report and the field.
#include <gtest/gtest.h>

#include "faultline/reports/merge.h"
#include "faultline/reports/report.h"
#include "fixtures.h"

using namespace faultline::reports;
using namespace faultline::reports::testing;
using nlohmann::json;

namespace {

std::vector<ordered_json> shards(const std::vector<FakeTrial>& trials, std::uint32_t count) {
  std::vector<ordered_json> out;
  for (std::uint32_t k = 0; k < count; ++k) out.push_back(campaign_report(trials, k, count));
  return out;
}

std::string merge_error(const std::vector<ordered_json>& reports, const std::vector<std::string>& sources) {
  try {
    merge_reports(reports, sources);
  } catch (const MergeError& e) {
    return e.what();
  }
  return "";
}

// Everything but the run section, which holds timing and hosts.
json comparable(ordered_json report) {
  report.erase("run");
  return json(report);  // plain json: key order does not matter
}

}  // namespace

class MergeShards : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(MergeShards, MergedShardsEqualTheUnshardedCampaign) {
  const auto trials = fake_trials(97);
  const auto whole = campaign_report(trials);
  const auto merged = merge_reports(shards(trials, GetParam()));
  EXPECT_EQ(comparable(merged), comparable(whole));
  EXPECT_EQ(merged["summary"].dump(), whole["summary"].dump()) << "same counts in the same order";
  EXPECT_EQ(merged["failures"].dump(), whole["failures"].dump()) << "failures sorted by campaign index";
  EXPECT_EQ(merged["status"], "fail");
  EXPECT_EQ(merged["run"]["incomplete"], false);
  EXPECT_EQ(merged["run"]["merged_from"].size(), GetParam());
}

TEST_P(MergeShards, MergedShardsHaveTheGroupsOfTheUnshardedCampaign) {
  const auto trials = fake_trials(97);
  const auto whole = campaign_report(trials);
  const auto parts = shards(trials, GetParam());
  const auto merged = merge_reports(parts);
  ASSERT_GT(whole["groups"].size(), 2u);
  EXPECT_EQ(merged["groups"].dump(), whole["groups"].dump());
  if (GetParam() > 1) {
    EXPECT_NE(parts[0]["groups"].dump(), whole["groups"].dump()) << "a shard alone sees fewer trials per group";
  }
  std::size_t grouped = 0;
  for (const auto& g : merged["groups"]) grouped += g["count"].get<std::size_t>();
  EXPECT_EQ(grouped, merged["failures"].size()) << "every failure is in exactly one group";
}

TEST_P(MergeShards, ShardsOfFormat1_0MergeIntoTheGroupsOfFormat1_1) {
  const auto trials = fake_trials(60);
  std::vector<ordered_json> old;
  for (std::uint32_t k = 0; k < GetParam(); ++k) old.push_back(campaign_report(trials, k, GetParam(), true));
  ASSERT_FALSE(old[0].contains("groups"));
  const auto merged = merge_reports(old);
  EXPECT_EQ(merged["format_version"], kFormatVersion);
  EXPECT_EQ(merged["groups"].dump(), campaign_report(trials)["groups"].dump());
}

INSTANTIATE_TEST_SUITE_P(ShardCounts, MergeShards, ::testing::Values(1u, 2u, 3u, 8u));

TEST(Merge, OrderOfInputsDoesNotMatter) {
  const auto trials = fake_trials(40);
  auto parts = shards(trials, 4);
  std::reverse(parts.begin(), parts.end());
  auto reversed = merge_reports(parts), in_order = merge_reports(shards(trials, 4));
  EXPECT_EQ(reversed["run"]["merged_from"][0]["source"], "report #4") << "inputs are named in the order given";
  reversed["run"].erase("merged_from");
  in_order["run"].erase("merged_from");
  EXPECT_TRUE(reversed == in_order) << "the merged report does not depend on the order of its inputs";
}

TEST(Merge, SumsCoverageCounts) {
  const auto merged = merge_reports(shards(fake_trials(30), 3));
  const auto& crash = merged["coverage"]["crash"];
  EXPECT_EQ(crash["trials"], 10);
  std::size_t in_fields = 0;
  for (const auto& [field, n] : crash["fields"].items()) in_fields += n.get<std::size_t>();
  EXPECT_EQ(in_fields, 10u);
}

TEST(Merge, RecomputesTheStatus) {
  std::vector<FakeTrial> trials(4);
  for (std::size_t i = 0; i < trials.size(); ++i) trials[i].index = i, trials[i].scenario = "torn-tail";
  trials[1].verdict = "error";
  auto parts = shards(trials, 2);
  EXPECT_EQ(parts[0]["status"], "pass");
  EXPECT_EQ(parts[1]["status"], "error");
  EXPECT_EQ(merge_reports(parts)["status"], "error");
  trials[2].verdict = "fail";
  trials[2].violations = {"phantom-value"};
  EXPECT_EQ(merge_reports(shards(trials, 2))["status"], "fail");
}

TEST(Merge, UntrackedFilesAreTheUnionOfTheShards) {
  // Regression: the merged report had the untracked files of the lowest shard only.
  auto parts = shards(fake_trials(20), 3);
  auto entry = [](const char* file, const char* why, int trials) {
    return ordered_json{{"file", file}, {"why", why}, {"trials", trials}};
  };
  parts[0]["untracked_files"] = {entry("kv.db-shm", "mapped shared and writable", 2)};
  parts[1]["untracked_files"] = {entry("LOG", "written only through stdio", 3), entry("kv.db-shm", "mapped", 1)};
  parts[2]["untracked_files"] = ordered_json::array();
  const auto merged = merge_reports(parts);
  EXPECT_EQ(merged["untracked_files"].dump(),
            ordered_json({entry("LOG", "written only through stdio", 3),
                          entry("kv.db-shm", "mapped shared and writable", 3)}).dump())
      << "sorted by file, once each, trials summed, the reason of the lowest shard that names it";
  parts[0].erase("untracked_files");
  EXPECT_EQ(merge_reports(parts)["untracked_files"].size(), 2u) << "also when the lowest shard met none";
}

TEST(Merge, DeterminismMismatchesAreKeptAndMakeTheStatusError) {
  std::vector<FakeTrial> trials(4);
  for (std::size_t i = 0; i < trials.size(); ++i) trials[i].index = i, trials[i].scenario = "torn-tail";
  auto parts = shards(trials, 2);
  parts[1]["determinism"] = {{"checked", 2}, {"mismatches", {{{"scenario", "torn-tail"}, {"seed", "3"}}}}};
  parts[0]["determinism"]["checked"] = 2;
  const auto merged = merge_reports(parts);
  EXPECT_EQ(merged["determinism"]["checked"], 4);
  EXPECT_EQ(merged["determinism"]["mismatches"].size(), 1u);
  EXPECT_EQ(merged["status"], "error");
}

TEST(Merge, MissingShardsMakeTheMergedReportIncomplete) {
  auto parts = shards(fake_trials(20), 4);
  parts.erase(parts.begin() + 1);
  parts.erase(parts.begin() + 2);
  const auto merged = merge_reports(parts);
  EXPECT_EQ(merged["run"]["incomplete"], true);
  EXPECT_EQ(merged["run"]["incomplete_reason"], "shards 1, 3 of 4 missing");
  EXPECT_EQ(merged["configuration"]["shard"], ordered_json({{"index", 0}, {"count", 1}}));
}

TEST(Merge, AnIncompleteShardMakesTheMergedReportIncomplete) {
  auto parts = shards(fake_trials(20), 2);
  parts[1]["run"]["incomplete"] = true;
  parts[1]["run"]["incomplete_reason"] = "interrupted";
  const auto merged = merge_reports(parts);
  EXPECT_EQ(merged["run"]["incomplete"], true);
  EXPECT_EQ(merged["run"]["incomplete_reason"], "shard 1/2: interrupted");
  EXPECT_EQ(merged["run"]["merged_from"][1]["incomplete"], true);
  EXPECT_EQ(merged["run"]["merged_from"][0]["incomplete"], false);
}

TEST(Merge, RunSpansTheShards) {
  const auto merged = merge_reports(shards(fake_trials(20), 3), {"a.json", "b.json", "c.json"});
  EXPECT_EQ(merged["run"]["started_at"], "2024-05-02T09:14:00Z");
  EXPECT_EQ(merged["run"]["duration_s"], 5.5) << "the longest shard";
  EXPECT_EQ(merged["run"]["merged_from"][2]["source"], "c.json");
  EXPECT_EQ(merged["run"]["merged_from"][2]["host"], "runner-2");
}

struct Mismatch {
  const char* field;  // JSON pointer
  ordered_json value;
  const char* named;  // as the message names it
};

class MergeRefuses : public ::testing::TestWithParam<Mismatch> {};

TEST_P(MergeRefuses, ReportsOfDifferentCampaignsNamingFileAndField) {
  auto parts = shards(fake_trials(20), 2);
  parts[1][ordered_json::json_pointer(GetParam().field)] = GetParam().value;
  const auto err = merge_error(parts, {"shard-0.json", "shard-1.json"});
  EXPECT_NE(err.find("shard-1.json: field '" + std::string(GetParam().named) + "'"), std::string::npos) << err;
  EXPECT_NE(err.find("shard-0.json"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(
    Fields, MergeRefuses,
    ::testing::Values(Mismatch{"/configuration/seed", "42", "configuration.seed"},
                      Mismatch{"/configuration/engine/name", "rocksdb", "configuration.engine"},
                      Mismatch{"/configuration/engine/command", "./mydb {dir}", "configuration.engine"},
                      Mismatch{"/configuration/scenarios", {"torn-tail"}, "configuration.scenarios"},
                      Mismatch{"/configuration/trials", 1000, "configuration.trials"},
                      Mismatch{"/configuration/seed_range", {"1", "500"}, "configuration.seed_range"},
                      Mismatch{"/configuration/corpus_entries", 3, "configuration.corpus_entries"},
                      Mismatch{"/configuration/shard/count", 3, "configuration.shard.count"},
                      Mismatch{"/tool/version", "0.2.0", "tool.version"}));

TEST(Merge, RefusesTheSameShardTwice) {
  auto parts = shards(fake_trials(20), 3);
  parts[2] = parts[1];
  const auto err = merge_error(parts, {"a.json", "b.json", "c.json"});
  EXPECT_EQ(err, "c.json: shard 1/3 is also in b.json: give each shard once");
}

TEST(Merge, RefusesAShardIndexBeyondTheCount) {
  auto parts = shards(fake_trials(20), 2);
  parts[1]["configuration"]["shard"]["index"] = 5;
  EXPECT_EQ(merge_error(parts, {"a.json", "b.json"}),
            "b.json: field 'configuration.shard.index' is 5 but the shard count is 2");
}

TEST(Merge, RefusesAReportWithoutTheFieldsItNeeds) {
  auto parts = shards(fake_trials(20), 2);
  parts[0]["configuration"].erase("seed");
  EXPECT_EQ(merge_error(parts, {"a.json", "b.json"}), "a.json: field 'configuration.seed' is missing");
  parts[0].erase("summary");
  EXPECT_EQ(merge_error(parts, {"a.json", "b.json"}), "a.json: field 'summary' is missing");
}

TEST(Merge, RefusesNothing) { EXPECT_NE(merge_error({}, {}).find("nothing to merge"), std::string::npos); }

TEST(Merge, NamesUnnamedInputsByPosition) {
  auto parts = shards(fake_trials(20), 2);
  parts[1]["configuration"]["seed"] = "1";
  EXPECT_EQ(merge_error(parts, {}).rfind("report #2: field 'configuration.seed'", 0), 0u);
}

TEST(Merge, JobsAndTimeBudgetMayDiffer) {
  auto parts = shards(fake_trials(20), 2);
  parts[1]["configuration"]["jobs"] = 16;
  parts[1]["configuration"]["time_budget_s"] = 600;
  EXPECT_NO_THROW(merge_reports(parts));
}
