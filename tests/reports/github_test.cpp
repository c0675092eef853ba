// render_github_summary and github_annotations: Markdown for $GITHUB_STEP_SUMMARY (1 MiB cap) and workflow commands
// (at most 10 error annotations per step).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "faultline/reports/ci.h"
#include "faultline/reports/model.h"
#include "fixtures.h"

using namespace faultline::reports;
using namespace faultline::reports::testing;

namespace {

std::size_t errors_in(const std::vector<std::string>& lines) {
  std::size_t n = 0;
  for (const auto& l : lines) n += l.rfind("::error ", 0) == 0;
  return n;
}

std::vector<FakeTrial> failing_trials(std::size_t count) {
  auto trials = fake_trials(count);
  for (auto& t : trials) {
    t.verdict = "fail";
    t.violations = {"lost-acked-write"};
  }
  return trials;
}

}  // namespace

TEST(GithubSummary, ShowsStatusScenarioTableViolationsAndReproInCodeBlocks) {
  const auto md = render_github_summary(example_report());
  EXPECT_EQ(md.rfind("## ❌ Faultline: FAIL\n", 0), 0u) << md;
  EXPECT_NE(md.find("**12 trials**: 9 passed, 1 failed, 1 void, 1 errors"), std::string::npos) << md;
  EXPECT_NE(md.find("| torn-tail | ❌ | 3 | 1 | 0 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| bitflip-read | ✅ | 3 | 0 | 1 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| lost-acked-write | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("### 2 causes (failures grouped by signature)"), std::string::npos) << md;
  EXPECT_NE(md.find("| ❌ | 1 | lost-acked-write · crash in wal.log (payload) · started, cut short; expected truncate `"),
            std::string::npos) << md;
  EXPECT_LT(md.find("### 2 causes"), md.find("| scenario |")) << "the causes come before the scenario table";
  EXPECT_NE(md.find("```sh\nfaultline repro --scenario torn-tail --seed 9007199254740993\n```"), std::string::npos) << md;
  EXPECT_NE(md.find("```sh\nfaultline repro --scenario power-loss-drop-unsynced --seed 12345678901234567890 "
                    "--profile 'my engine.json'\n```"), std::string::npos) << md;
  EXPECT_EQ(md.find("faultline repro --scenario bitflip-read --seed 77"), std::string::npos)
      << "void trials are counted, not listed: " << md;
}

TEST(GithubSummary, PassingReportSaysPass) {
  auto trials = fake_trials(5);
  for (auto& t : trials) t.verdict = "pass", t.violations.clear();
  const auto md = render_github_summary(campaign_report(trials));
  EXPECT_EQ(md.rfind("## ✅ Faultline: PASS\n", 0), 0u) << md;
  EXPECT_EQ(md.find("### Failures"), std::string::npos) << md;
}

TEST(GithubSummary, EngineTextCannotBreakOutOfItsBlocksOrStartMarkup) {
  auto report = example_report();
  report["failures"][0]["hexdump"] = "````\n# heading\n````";
  report["failures"][0]["violations"][0]["detail"] = "<script>alert(1)</script> | *bold* [link](x)\n# not a heading";
  const auto md = render_github_summary(report);
  EXPECT_NE(md.find("`````text\n````\n# heading\n````\n`````"), std::string::npos) << "a longer fence: " << md;
  EXPECT_NE(md.find("\\<script\\>alert(1)\\</script\\> \\| \\*bold\\* \\[link\\](x) \\# not a heading"),
            std::string::npos) << md;
  EXPECT_EQ(md.find("<script>"), std::string::npos);
}

TEST(GithubSummary, StaysUnderOneMebibyteAndSaysWhatWasLeftOut) {
  auto trials = failing_trials(3000);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    trials[i].engine_log = std::string(50000, 'x');
    trials[i].violations = {fmt::format("violation-{}", i)};  // 3000 causes
  }
  const auto report = campaign_report(trials);
  const auto md = render_github_summary(report);
  EXPECT_LT(md.size(), kGithubSummaryMaxBytes);
  EXPECT_LT(md.size(), 1024u * 1024u);
  EXPECT_NE(md.find("more causes: see the JSON report"), std::string::npos) << md.substr(md.size() - 500);
}

TEST(GithubSummary, StaysUnderTheCapEvenWithThousandsOfScenarios) {
  std::vector<FakeTrial> trials;
  for (std::size_t i = 0; i < 40000; ++i) {
    FakeTrial t;
    t.index = i;
    t.scenario = fmt::format("scenario-with-a-long-name-{:06}", i);
    trials.push_back(t);
  }
  const auto md = render_github_summary(campaign_report(trials));
  EXPECT_LT(md.size(), kGithubSummaryMaxBytes);
}

TEST(GithubAnnotations, AtMostTenErrorsEachWithTheReproCommand) {
  const auto lines = github_annotations(campaign_report(failing_trials(50)));
  EXPECT_EQ(errors_in(lines), kGithubMaxAnnotations);
  for (const auto& l : lines) {
    if (l.rfind("::error ", 0) != 0) continue;
    EXPECT_NE(l.find("%0Areproduce: faultline repro --scenario "), std::string::npos) << l;
    EXPECT_EQ(l.find('\n'), std::string::npos);
  }
}

TEST(GithubAnnotations, OneErrorPerFailingOrErroringTrialAndWarningsForVoidAndIncomplete) {
  auto report = example_report();
  report["run"]["incomplete"] = true;
  report["run"]["incomplete_reason"] = "time budget of 60 s reached";
  const auto lines = github_annotations(report);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].rfind("::error title=faultline%3A 1× lost-acked-write · crash in wal.log (payload) · started%2C cut "
                           "short; expected truncate (failed)::lost-acked-write: k2=v7", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("%0A1 trials: torn-tail ×1; smallest: torn-tail seed 9007199254740993%0Areproduce: "
                          "faultline repro --scenario torn-tail --seed 9007199254740993"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1].rfind("::error title=faultline%3A 1× harness error", 0), 0u) << lines[1];
  EXPECT_NE(lines[1].find("(harness error)::harness error: the fault shim was bypassed"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2], "::warning title=faultline%3A incomplete campaign::time budget of 60 s reached");
  EXPECT_EQ(lines[3], "::warning title=faultline%3A void trials::1 trials were void: their fault never fired");
}

TEST(GithubAnnotations, EscapePercentCarriageReturnAndNewline) {
  auto report = example_report();
  report["failures"][0]["violations"][0]["detail"] = "100% of\r\nwrites, lost";
  report["failures"][0]["scenario"] = "odd:name,with%";
  const auto lines = github_annotations(report);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find("title=faultline%3A 1× lost-acked-write · crash in wal.log (payload) · started%2C cut"),
            std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("%0A1 trials: odd:name,with%25 ×1;"), std::string::npos) << "data keeps : and ,: " << lines[0];
  EXPECT_NE(lines[0].find("::lost-acked-write: 100%25 of%0Awrites, lost%0A1 trials: "), std::string::npos)
      << "the carriage return is stripped as a control character, the newline encoded: " << lines[0];
  for (const auto& l : lines) EXPECT_EQ(l.find_first_of("\r\n"), std::string::npos) << l;
}

TEST(GithubAnnotations, PassingReportHasNone) {
  auto trials = fake_trials(5);
  for (auto& t : trials) t.verdict = "pass", t.violations.clear();
  EXPECT_TRUE(github_annotations(campaign_report(trials)).empty());
}

TEST(GithubSummary, ShowsEachGroupsShrink) {
  auto report = example_report();
  add_groups(report);
  report["groups"][0]["shrink"] = {{"status", "out-of-time"}, {"trials", 0}, {"seconds", 0}};
  const auto md = render_github_summary(report);
  EXPECT_NE(md.find("| shrink |"), std::string::npos) << md;
  EXPECT_NE(md.find(" | out-of-time |\n"), std::string::npos) << "the cause table's shrink column\n" << md;
  EXPECT_NE(md.find("Shrink: out of time"), std::string::npos) << md;
}
