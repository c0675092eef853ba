// The typed report (report_model.h): every report faultline writes, and the shipped examples of format 1.3 and 1.0,
// read into the model and written back are the same bytes; a report filled field by field survives the JSON; fields of
// a later 1.x are carried, not lost; and a status that does not follow from the counts is refused.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "faultline/reports/merge.h"
#include "faultline/reports/report.h"
#include "faultline/reports/report_model.h"
#include "fixtures.h"

using namespace faultline::reports;
using namespace faultline::reports::testing;

namespace {

ordered_json read_data(const char* name) {
  std::ifstream in(std::filesystem::path(REPORTS_TEST_DATA) / name);
  std::stringstream text;
  text << in.rdbuf();
  return ordered_json::parse(text.str());
}

// The document read into the model and written back, as the bytes a report file holds.
std::string rewritten(const ordered_json& doc) { return dump(to_json(report_from_json(doc))); }

// A report with every optional part set: what report_from_json must give back from to_json.
Report full_report() {
  Report r = report_from_json(campaign_report(fake_trials(40)));
  r.run.ci = CiInfo{"github-actions", "8912345678", "shard"};
  r.run.incomplete = true;
  r.run.incomplete_reason = "shard 1/2: interrupted";
  r.run.merged_from = std::vector<MergedShard>{{"a.json", 0, "runner-0", "2024-05-02T09:14:00Z", 3.5, "fail", false},
                                              {"b.json", 1, "runner-1", "2024-05-02T09:14:01Z", 4.25, "pass", true}};
  r.configuration.trials.reset();
  r.configuration.seed_range = std::pair<std::string, std::string>("1", "18446744073709551615");
  r.configuration.time_budget_s = 60.5;
  r.coverage[0].second.files = {{"wal.log", 3}, {"MANIFEST", 1}};
  r.coverage[0].second.rewrites = {{"append", 4}};
  r.untracked_files = std::vector<UntrackedFile>{{"shm", "mapped shared and writable", 2}};
  r.determinism.checked = 4;
  r.determinism.mismatches = {{"torn-tail", "42", "aaaa", "bbbb", "fail", "pass"}};
  r.status = Status::kFail;
  (*r.groups)[0].bundle = "bundles/x.json";
  (*r.groups)[0].shrink = GroupShrink{"shrunk", 3, 16, 42, 12.5};
  return r;
}

}  // namespace

TEST(ReportModel, TheShippedExampleReadsAndWritesBackToTheSameBytes) {
  const auto doc = read_data("example-report.json");
  EXPECT_EQ(rewritten(doc), dump(doc));
}

TEST(ReportModel, AFormat1_0ReportWritesBackWithoutTheFieldsItDidNotHave) {
  const auto doc = read_data("example-report-1.0.json");
  const auto report = report_from_json(doc);
  EXPECT_FALSE(report.groups.has_value());
  EXPECT_FALSE(report.untracked_files.has_value());
  EXPECT_EQ(report.format_version, "1.0");
  EXPECT_EQ(rewritten(doc), dump(doc));
}

TEST(ReportModel, SyntheticCampaignsAndTheirMergeWriteBackToTheSameBytes) {
  const auto trials = fake_trials(90);
  std::vector<ordered_json> shards;
  for (std::uint32_t k = 0; k < 3; ++k) {
    shards.push_back(campaign_report(trials, k, 3));
    EXPECT_EQ(rewritten(shards.back()), dump(shards.back())) << "shard " << k;
  }
  const auto merged = merge_reports(shards, {"a.json", "b.json", "c.json"});
  EXPECT_TRUE(merged["run"].contains("merged_from"));
  EXPECT_EQ(rewritten(merged), dump(merged));
  const auto legacy = campaign_report(trials, 0, 1, true);
  EXPECT_EQ(rewritten(legacy), dump(legacy));
}

TEST(ReportModel, AReportWithEveryOptionalPartSurvivesTheJson) {
  const Report r = full_report();
  const auto j = to_json(r);
  EXPECT_TRUE(report_from_json(j) == r) << dump(j);
  EXPECT_EQ(rewritten(j), dump(j));
  EXPECT_EQ(j["configuration"]["seed_range"], ordered_json::array({"1", "18446744073709551615"}));
  EXPECT_TRUE(j["configuration"]["trials"].is_null());
  EXPECT_EQ(j["run"]["ci"]["provider"], "github-actions");
}

TEST(ReportModel, TheComparisonSeesAChangedField) {  // the round trips above could not pass by comparing nothing
  const Report r = full_report();
  for (const auto& change : std::vector<void (*)(Report&)>{
           [](Report& x) { x.run.host = "elsewhere"; },
           [](Report& x) { x.configuration.time_budget_s.reset(); },
           [](Report& x) { x.coverage[0].second.fields[0].second += 1; },
           [](Report& x) { x.determinism.mismatches[0].second_verdict = "fail"; },
           [](Report& x) { x.summary.per_scenario[0].second.void_ += 1; },
           [](Report& x) { x.untracked_files->clear(); }}) {
    Report other = r;
    change(other);
    EXPECT_FALSE(report_from_json(to_json(other)) == r);
    EXPECT_NE(dump(to_json(other)), dump(to_json(r)));
  }
}

TEST(ReportModel, FieldsOfALaterMinorVersionAreWrittenBackAndMergedFromTheLowestShard) {
  auto shards = std::vector<ordered_json>{campaign_report(fake_trials(20), 0, 2), campaign_report(fake_trials(20), 1, 2)};
  for (auto& s : shards) {
    s["format_version"] = "1.9";
    s["budget"] = {{"kind", "faults"}, {"left", 3}};
    s["run"]["kernel"] = "6.1";
    s["configuration"]["fault_budget"] = 12;
    s["summary"]["flaky"] = 0;
  }
  const auto report = report_from_json(shards[0]);
  EXPECT_EQ(report.extra["budget"]["left"], 3);
  EXPECT_EQ(report.run.extra["kernel"], "6.1");
  EXPECT_EQ(report.configuration.extra["fault_budget"], 12);
  EXPECT_EQ(rewritten(shards[0]), dump(shards[0])) << "after the fields this version knows, where they were added";
  const auto merged = merge_reports(shards);
  EXPECT_EQ(merged["budget"], shards[0]["budget"]);
  EXPECT_EQ(merged["run"]["kernel"], "6.1");
  EXPECT_EQ(merged["configuration"]["fault_budget"], 12);
  EXPECT_EQ(merged["summary"]["flaky"], 0);
}

TEST(ReportModel, AMistypedOrMissingFieldReadsAsEmpty) {
  ordered_json doc = campaign_report(fake_trials(10));
  doc["run"]["duration_s"] = "slow";
  doc["configuration"].erase("engine");
  doc["summary"]["per_violation"] = {1, 2};
  doc.erase("coverage");
  const auto r = report_from_json(doc);
  EXPECT_EQ(r.run.duration_s, 0.0);
  EXPECT_EQ(r.configuration.engine, EngineInfo{});
  EXPECT_TRUE(r.summary.per_violation.empty());
  EXPECT_TRUE(r.coverage.empty());
}

TEST(ReportModel, TheStatusRuleAdmitsErrorForAHarnessErrorAndNothingElse) {
  EXPECT_TRUE(status_admits(Status::kPass, 0, 0, 0));
  EXPECT_TRUE(status_admits(Status::kError, 0, 0, 0));  // a worker that did not start: not a count in the report
  EXPECT_TRUE(status_admits(Status::kFail, 1, 3, 2));
  EXPECT_FALSE(status_admits(Status::kError, 1, 0, 0));
  EXPECT_FALSE(status_admits(Status::kPass, 0, 1, 0));
  EXPECT_FALSE(status_admits(Status::kPass, 0, 0, 1));
  EXPECT_FALSE(status_admits(Status::kFail, 0, 1, 1));
}

TEST(ReportModel, ValidateRefusesAStatusThatDoesNotFollowFromTheCounts) {
  const auto check = [](const ordered_json& doc) -> std::string {
    try {
      validate_report(doc, "r.json");
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  };
  auto doc = campaign_report(fake_trials(30));
  ASSERT_EQ(doc["status"], "fail");
  EXPECT_EQ(check(doc), "");
  doc["status"] = "pass";
  EXPECT_EQ(check(doc).rfind("r.json: field 'status': expected \"fail\"", 0), 0u) << check(doc);
  std::vector<FakeTrial> passing(6);
  for (std::size_t i = 0; i < passing.size(); ++i) {
    passing[i].index = i;
    passing[i].scenario = "torn-tail";
    passing[i].seed = i + 1;
  }
  auto clean = campaign_report(passing);
  ASSERT_EQ(clean["status"], "pass");
  EXPECT_EQ(check(clean), "");
  clean["status"] = "fail";
  EXPECT_NE(check(clean), "");
  clean["status"] = "pass";
  clean["determinism"]["mismatches"] = {{{"scenario", "torn-tail"}, {"seed", "1"}}};
  EXPECT_EQ(check(clean).rfind("r.json: field 'status': expected \"error\"", 0), 0u) << check(clean);
}
