// render_html: one self-contained page, bounded in size, engine text escaped, the causes first. (The page in a real
// browser: tests/reports/html_browser.sh.)
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "faultline/reports/html.h"
#include "fixtures.h"

using namespace faultline::reports;
using namespace faultline::reports::testing;

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST(Html, ShowsCausesScenariosCoverageTimelineAndHexView) {
  const auto page = render_html(example_report());
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(occurrences(page, "class=\"group-row\""), 3u) << "one row per cause";
  EXPECT_LT(page.find("id=\"causes\""), page.find("id=\"scenarios\""));
  EXPECT_NE(page.find("id=\"coverage\""), std::string::npos);
  EXPECT_NE(page.find("class=\"timeline\""), std::string::npos) << "the example's first failure has a timeline";
  EXPECT_NE(page.find("class=\"ev-fault\""), std::string::npos);
  EXPECT_NE(page.find("<b>after recovery</b><pre class=\"hex\">"), std::string::npos);
  EXPECT_NE(page.find("k1=v3"), std::string::npos) << "the bytes after recovery";
  EXPECT_NE(page.find("faultline repro --scenario torn-tail --seed 9007199254740993"), std::string::npos);
}

TEST(Html, LoadsNothingAndRunsNothing) {
  const auto page = render_html(example_report());
  for (const char* bad : {"<script", "<link", "<img", "src=", "url(", "@import", "http://", "https://"})
    EXPECT_EQ(page.find(bad), std::string::npos) << bad;
}

TEST(Html, EngineTextIsEscaped) {
  auto report = example_report();
  report["failures"][0]["violations"][0]["detail"] = "<script>alert(1)</script> & \"quotes\"";
  report["failures"][0]["engine_log"] = {"\x1b[31m<b>red</b>\x1b[0m"};
  const auto page = render_html(report);
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"), std::string::npos);
  EXPECT_NE(page.find("&lt;b&gt;red&lt;/b&gt;"), std::string::npos) << "escape codes removed, markup escaped";
  EXPECT_EQ(page.find('\x1b'), std::string::npos);
}

TEST(Html, StaysUnderTheBoundForALargeCampaignAndSaysWhatItLeftOut) {
  auto trials = fake_trials(6000);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    trials[i].verdict = "fail";
    trials[i].violations = {fmt::format("violation-{}", i % 300)};  // 300 causes x 20 trials
    trials[i].engine_log = std::string(5000, 'x');
  }
  const auto page = render_html(campaign_report(trials));
  EXPECT_LT(page.size(), kHtmlMaxBytes);
  EXPECT_EQ(occurrences(page, "<article class=\"trial "), kHtmlDetailedTrials);
  EXPECT_NE(page.find("more trials in the JSON report"), std::string::npos);
  EXPECT_NE(page.find(fmt::format("{} of 6000 failing or erroring trials are shown in detail", kHtmlDetailedTrials)),
            std::string::npos);
}

TEST(Html, APassingCampaignSaysSo) {
  auto trials = fake_trials(9);
  for (auto& t : trials) t.verdict = "pass", t.violations.clear();
  const auto page = render_html(campaign_report(trials));
  EXPECT_NE(page.find("<header class=\"pass\"><h1>Faultline: PASS</h1>"), std::string::npos);
  EXPECT_NE(page.find("No trial failed."), std::string::npos);
}
