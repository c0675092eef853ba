// render_html: one self-contained page, bounded in size, engine text escaped, the causes first. (The page in a real
// browser: tests/reports/html_browser.sh.)
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "faultline/reports/html.h"
#include "faultline/reports/model.h"
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

// The timeline lays each operation of a fault run under the journal events between its request and its reply, with
// its acknowledgement; the transcript table lists each request, its reply and whether it was acknowledged.
TEST(Html, TimelineAndTranscriptShowEachOperationAndItsAcknowledgement) {
  const auto page = render_html(example_report());
  EXPECT_EQ(occurrences(page, "class=\"op op-ok\""), 9u) << "nine acknowledged operations in the lane";
  EXPECT_EQ(occurrences(page, "class=\"op op-no-reply\""), 1u) << "the crashed operation has no reply";
  EXPECT_EQ(occurrences(page, "<tr class=\"ack-ok\">"), 9u);
  EXPECT_EQ(occurrences(page, "<tr class=\"ack-no-reply\">"), 1u);
  EXPECT_NE(page.find("<code>PUT k2 v9.hhhh</code></td><td><code></code></td><td>no reply (not acknowledged)"),
            std::string::npos);
  EXPECT_NE(page.find("operations of <code>01-fault0</code>: 10 sent, 9 acknowledged"), std::string::npos);
  // Operation 8 spans the timeline's events 4 and 5 (journal 4..6): it starts where the second write is drawn.
  const auto second_write = page.find("class=\"ev-write\" x=\"", page.find("class=\"ev-write\"") + 1);
  ASSERT_NE(second_write, std::string::npos);
  const auto x = page.substr(second_write + 20, page.find('"', second_write + 20) - second_write - 20);
  EXPECT_NE(page.find("class=\"op op-ok\" x=\"" + x + "\""), std::string::npos) << x;
}

TEST(Html, HexViewShowsTheBytesBeforeTheDamageWhenKnown) {
  auto report = example_report();
  EXPECT_NE(render_html(report).find("<b>before the damage</b><p class=\"note\">not known"), std::string::npos);
  report["failures"][0]["hexdump_before"] = "000000d0  00 00 00 25 6b 32 3d 76 [36] ff |...%k2=v6.|\n";
  const auto page = render_html(report);
  EXPECT_NE(page.find("<b>before the damage</b><pre class=\"hex\">"), std::string::npos);
  EXPECT_NE(page.find("<mark>[36]</mark>"), std::string::npos) << "the aimed byte before the damage";
  EXPECT_LT(page.find("<b>before the damage</b>"), page.find("<b>after the damage, before recovery</b>"));
}

TEST(Html, ShowsEachGroupsShrink) {
  auto report = example_report();
  add_groups(report);
  report["groups"][0]["shrink"] = {{"status", "not-reproduced"}, {"trials", 2}, {"seconds", 0.5}};
  const auto page = render_html(report);
  EXPECT_NE(page.find("<p class=\"shrink shrink-not-reproduced\">shrink: <b>not-reproduced</b>"), std::string::npos);
  EXPECT_NE(page.find("<td>not-reproduced</td></tr>"), std::string::npos) << "and in the causes table";
}
