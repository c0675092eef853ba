// render_junit: the JUnit XML that GitLab and Jenkins read. xmllint checks it against tests/reports/data/junit.xsd
// when xmllint is installed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "faultline/reports/ci.h"
#include "faultline/reports/model.h"
#include "fixtures.h"
#include "text.h"

namespace fs = std::filesystem;
using namespace faultline::reports;
using namespace faultline::reports::testing;

namespace {

std::vector<std::string> testcase_names(const std::string& xml) {
  std::vector<std::string> out;
  const std::regex re("<testcase classname=\"[^\"]*\" name=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// xmllint's verdict on `xml` against the test XSD: "" when valid, its output otherwise.
std::string xmllint_problems(const std::string& xml, const std::string& name) {
  const auto dir = temp_dir("junit-" + name);
  const auto file = dir / "junit.xml";
  std::ofstream(file) << xml;
  const auto cmd = fmt::format("{} --noout --schema {}/junit.xsd {} 2>&1", XMLLINT, REPORTS_TEST_DATA, file.string());
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  fs::remove_all(dir);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "" : out;
}

bool have_xmllint() { return std::string(XMLLINT).find("NOTFOUND") == std::string::npos && fs::exists(XMLLINT); }

}  // namespace

TEST(Junit, HasOneTestcasePerCauseAndOnePerScenarioWithoutFailures) {
  const auto xml = render_junit(example_report());
  const auto names = testcase_names(xml);
  ASSERT_EQ(names.size(), 4u) << xml;
  EXPECT_EQ(names[0].rfind("lost-acked-write · crash in wal.log (payload) · started, cut short; expected truncate [", 0),
            0u) << names[0];
  EXPECT_EQ(names[1].rfind("harness error: ", 0), 0u) << names[1];
  EXPECT_EQ(names[2].rfind("fault-not-fired · bitflip_read", 0), 0u) << names[2];
  EXPECT_EQ(names[3], "bitflip-read") << "passed and void trials, no failure: a passing case of its own";
  EXPECT_EQ(occurrences(xml, "classname=\"faultline.walkv\""), 4u);
}

TEST(Junit, CountsMatchTheTestcases) {
  const auto xml = render_junit(example_report());
  // One cause failed (torn-tail), one was a harness error (power loss), one void; bitflip-read passed.
  EXPECT_NE(xml.find("<testsuite name=\"faultline.walkv\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" "
                     "time=\"12.750\""), std::string::npos) << xml;
  EXPECT_EQ(occurrences(xml, "<failure "), 1u);
  EXPECT_EQ(occurrences(xml, "<error "), 1u);
  EXPECT_EQ(occurrences(xml, "<skipped "), 1u);
}

// The campaign: 46 failing trials must not be counted 54 times. Each failing trial is in exactly one failing
// case, which says how many trials it stands for; a scenario with failures is not counted again.
TEST(Junit, FailuresAreCountedOncePerCause) {
  const auto report = campaign_report(fake_trials(150));
  const auto xml = render_junit(report);
  std::size_t fail_groups = 0, failed_trials = 0;
  for (const auto& g : report["groups"])
    if (g["verdict"] == "fail") ++fail_groups, failed_trials += g["count"].get<std::size_t>();
  EXPECT_EQ(failed_trials, report["summary"]["failed"].get<std::size_t>());
  EXPECT_EQ(occurrences(xml, "<failure "), fail_groups);
  EXPECT_NE(xml.find(fmt::format("failures=\"{}\"", fail_groups)), std::string::npos);
  std::size_t counted = 0;
  const std::regex re("<failure message=\"([0-9]+) trials? ");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), re); it != std::sregex_iterator(); ++it)
    counted += std::stoul((*it)[1]);
  EXPECT_EQ(counted, failed_trials) << "the counts in the failure messages add up to the failing trials";
}

TEST(Junit, XmllintAcceptsItAgainstTheJunitSchema) {
  if (!have_xmllint()) GTEST_SKIP() << "xmllint is not installed (Debian: libxml2-utils)";
  EXPECT_EQ(xmllint_problems(render_junit(example_report()), "example"), "");
  EXPECT_EQ(xmllint_problems(render_junit(campaign_report(fake_trials(60), 1, 3)), "campaign"), "");
  auto odd = example_report();
  odd["failures"][0]["engine_log"] = {std::string("invalid \xff\xfe utf-8 \xc0\xaf and ]]> and \x1b]0;title\x07 done")};
  odd["configuration"]["engine"]["name"] = "my\"engine<&>";
  EXPECT_EQ(xmllint_problems(render_junit(odd), "odd"), "");
}

TEST(Junit, FailureCarriesTheViolationAndTheReproCommand) {
  const auto xml = render_junit(example_report());
  const auto start = xml.find("<failure message=\"1 trial (torn-tail ×1): lost-acked-write: k2=v7");
  ASSERT_NE(start, std::string::npos) << xml;
  const auto end = xml.find("</failure>", start);
  const auto failure = xml.substr(start, end - start);
  EXPECT_NE(failure.find("type=\"lost-acked-write\""), std::string::npos) << failure;
  EXPECT_NE(failure.find("faultline repro --scenario torn-tail --seed 9007199254740993"), std::string::npos) << failure;
  EXPECT_NE(failure.find("\"size_after_recovery\": 175"), std::string::npos) << "observed outcome: " << failure;
}

TEST(Junit, HarnessErrorIsAnErrorWithTheQuotedReproCommand) {
  const auto xml = render_junit(example_report());
  EXPECT_NE(xml.find("<error message=\"1 trial (power-loss-drop-unsynced ×1): harness error: the fault shim was bypassed"),
            std::string::npos) << xml;
  EXPECT_NE(xml.find("reproduce:\n  faultline repro --scenario power-loss-drop-unsynced --seed 12345678901234567890 "
                     "--profile 'my engine.json'\n"), std::string::npos) << "text keeps quotes as they are: " << xml;
}

TEST(Junit, VoidTrialIsSkipped) {
  const auto xml = render_junit(example_report());
  EXPECT_NE(xml.find("<skipped message=\"1 void trial: the fault never fired (fault-not-fired: "), std::string::npos)
      << xml;
}

TEST(Junit, ScenarioWhoseTrialsWereAllVoidIsSkipped) {
  std::vector<FakeTrial> trials(2);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    trials[i].index = i;
    trials[i].scenario = "torn-tail";
    trials[i].verdict = "void";
    trials[i].violations = {"fault-not-fired"};
  }
  const auto xml = render_junit(campaign_report(trials));
  EXPECT_NE(xml.find("name=\"torn-tail\">\n      <skipped message=\"all 2 trials were void"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"bitflip-read\">\n      <skipped message=\"no trial of this scenario ran"),
            std::string::npos) << "configured scenario without trials: " << xml;
}

TEST(Junit, AnsiEscapesAndControlCharactersAreStripped) {
  const auto xml = render_junit(example_report());
  for (unsigned char c : xml) ASSERT_TRUE(c >= 0x20 || c == '\n' || c == '\t') << "control byte " << int(c);
  EXPECT_NE(xml.find("WARN recovery: torn record at 212, truncating"), std::string::npos) << xml;
  EXPECT_NE(xml.find("progress 10%50%100%"), std::string::npos) << xml;
  EXPECT_NE(xml.find("bell nul vertical-tab form-feed end"), std::string::npos) << xml;
}

TEST(Junit, SpecialCharactersAreEscapedInAttributesAndText) {
  const auto xml = render_junit(example_report());
  EXPECT_NE(xml.find("missing after recovery; &lt;state&gt; &amp; &quot;quotes&quot;\" type="), std::string::npos)
      << "in the message attribute: " << xml;
  EXPECT_NE(xml.find("missing after recovery; &lt;state&gt; &amp; \"quotes\"\n"), std::string::npos)
      << "in the failure text: " << xml;
}

TEST(Junit, TheSameCauseInManyTrialsIsOneCaseWithTheirCount) {
  auto trials = fake_trials(3);
  for (auto& t : trials) {  // a corpus entry and a planned trial with the same scenario and seed, twice over
    t.scenario = "torn-tail";
    t.seed = 42;
    t.field = "payload";
    t.kind = "crash";
    t.verdict = "fail";
    t.violations = {"lost-acked-write"};
  }
  const auto xml = render_junit(campaign_report(trials));
  const auto names = testcase_names(xml);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  EXPECT_EQ(occurrences(xml, "<failure "), 1u) << xml;
  EXPECT_NE(xml.find("<failure message=\"3 trials (torn-tail ×3): lost-acked-write"), std::string::npos) << xml;
  EXPECT_NE(xml.find("other trials with this signature:\ntorn-tail seed 42: reproduce: "), std::string::npos) << xml;
}

TEST(Junit, DeterminismMismatchIsAnError) {
  auto report = campaign_report(fake_trials(6));
  report["determinism"] = {{"checked", 4}, {"mismatches", {{{"scenario", "torn-tail"}, {"seed", "1"}, {"first", "aa"},
                                                             {"second", "bb"}, {"first_verdict", "pass"},
                                                             {"second_verdict", "fail"}}}}};
  const auto xml = render_junit(report);
  EXPECT_NE(xml.find("name=\"determinism\">\n      <error message=\"1 of 4 rerun trials gave a different trace hash\""),
            std::string::npos) << xml;
}

TEST(Junit, IncompleteRunIsStated) {
  auto report = example_report();
  report["run"]["incomplete"] = true;
  report["run"]["incomplete_reason"] = "interrupted";
  const auto xml = render_junit(report);
  EXPECT_NE(xml.find("<property name=\"incomplete\" value=\"interrupted\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<system-out>campaign incomplete: interrupted</system-out>"), std::string::npos) << xml;
}

TEST(Junit, RendersAMinimalReport) {
  const nlohmann::ordered_json minimal{{"format_version", "1.0"}, {"status", "pass"}, {"summary", {{"total", 0}}},
                                       {"configuration", nlohmann::ordered_json::object()}};
  const auto xml = render_junit(minimal);
  EXPECT_NE(xml.find("<testsuite name=\"faultline.engine\" tests=\"0\""), std::string::npos) << xml;
  if (have_xmllint()) {
    EXPECT_EQ(xmllint_problems(xml, "minimal"), "");
  }
}

TEST(CleanText, RemovesAnsiSequencesOfEveryKind) {
  using faultline::reports::detail::clean_text;
  EXPECT_EQ(clean_text("\x1b[1;31mred\x1b[0m"), "red");
  EXPECT_EQ(clean_text("\x1b]0;window title\x07text"), "text");
  EXPECT_EQ(clean_text("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
  EXPECT_EQ(clean_text("a\x1b(Bb\x1b" "7c"), "abc");
  EXPECT_EQ(clean_text("cut at the end\x1b["), "cut at the end");
}

TEST(CleanText, KeepsTabNewlineAndUnicodeDropsOtherControls) {
  using faultline::reports::detail::clean_text;
  EXPECT_EQ(clean_text("a\tb\nc\r\n"), "a\tb\nc\n");
  EXPECT_EQ(clean_text(std::string("x\0y\x7f\x01z", 6)), "xyz");
  EXPECT_EQ(clean_text("ünïcödé ✓ 𝄞"), "ünïcödé ✓ 𝄞");
  EXPECT_EQ(clean_text("c1\xc2\x85here"), "c1here") << "U+0085 is a C1 control";
  EXPECT_EQ(clean_text("\xef\xbf\xbe"), "") << "U+FFFE is not an XML character";
}

TEST(CleanText, ReplacesInvalidUtf8) {
  using faultline::reports::detail::clean_text;
  EXPECT_EQ(clean_text("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(clean_text("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "overlong encoding of '/'";
  EXPECT_EQ(clean_text("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate";
  EXPECT_EQ(clean_text("\xe2\x9c"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "truncated sequence";
}

// run --shrink's outcome for a group is in that group's test case, with the bundle it wrote.
TEST(Junit, TheGroupsCaseSaysHowItsShrinkWent) {
  auto report = example_report();
  add_groups(report);
  report["groups"][0]["bundle"] = "artifacts/bundles/x.json";
  report["groups"][0]["shrink"] = {{"status", "shrunk"}, {"trials", 42}, {"seconds", 12.34}, {"operations", 3},
                                   {"original_operations", 16}};
  const auto xml = render_junit(report);
  const auto at = xml.find("shrink: shrunk, operations 16 → 3, 42 trials in 12.3 s");
  ASSERT_NE(at, std::string::npos) << xml;
  EXPECT_NE(xml.find("shrunk bundle: artifacts/bundles/x.json"), std::string::npos) << xml;
  EXPECT_GT(at, xml.find(report["groups"][0]["signature"].get<std::string>().substr(0, 8)))
      << "in the group's own test case";
}
