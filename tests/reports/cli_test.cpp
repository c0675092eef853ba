// `faultline report show|merge|corpus` and the CI options, run as a user would, on committed and synthetic reports.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "faultline/reports/report.h"
#include "fixtures.h"

namespace fs = std::filesystem;
using namespace faultline::reports;
using namespace faultline::reports::testing;

namespace {

struct Ran {
  int code = -1;
  std::string out;  // stdout and stderr
};

class ReportCommand : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name()); }
  void TearDown() override { fs::remove_all(dir_); }

  Ran faultline(const std::string& args, const std::string& env = "env -u GITHUB_ACTIONS -u GITHUB_STEP_SUMMARY") {
    Ran r;
    const auto cmd = fmt::format("cd {} && {} {} {} 2>&1", dir_.string(), env, FAULTLINE_BIN, args);
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
  }

  std::string write(const std::string& name, const ordered_json& report) {
    write_atomic(dir_ / name, dump(report));
    return name;
  }

  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
};

std::string example() { return (fs::path(REPORTS_TEST_DATA) / "example-report.json").string(); }

ordered_json with_status(const std::string& status) {
  auto trials = fake_trials(6);
  for (auto& t : trials) t.verdict = "pass", t.violations.clear();
  if (status == "fail") trials[1].verdict = "fail", trials[1].violations = {"phantom-value"};
  if (status == "error") trials[1].verdict = "error";
  return campaign_report(trials);
}

}  // namespace

TEST_F(ReportCommand, ShowPrintsTheSummaryAndExitsWithTheReportsStatus) {
  const auto fail = faultline("report show " + example());
  EXPECT_EQ(fail.code, 1) << fail.out;
  EXPECT_NE(fail.out.find("faultline: FAIL — 12 trials"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("reproduce: faultline repro --scenario torn-tail --seed 9007199254740993"), std::string::npos);
  EXPECT_EQ(fail.out.find('\x1b'), std::string::npos) << "no colour when stdout is not a terminal";
  EXPECT_EQ(faultline("report show " + write("pass.json", with_status("pass"))).code, 0);
  EXPECT_EQ(faultline("report show " + write("error.json", with_status("error"))).code, 3);
}

TEST_F(ReportCommand, ShowOfAnUnreadableReportExitsTwoNamingTheFile) {
  std::ofstream(dir_ / "broken.json") << "{\"format_version\": \"2.0\"}";
  const auto r = faultline("report show broken.json");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("broken.json: field 'format_version'"), std::string::npos) << r.out;
  EXPECT_EQ(faultline("report show missing.json").code, 2);
}

TEST_F(ReportCommand, ShowWritesJunitAndWithoutGithubActionsOnlyANotice) {
  // The directory of --junit must exist: outputs are checked before anything runs (docs/reliability.md).
  const auto r = faultline("report show " + example() + " --junit junit.xml --github");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(read("junit.xml").find("<testsuite name=\"faultline.walkv\""), std::string::npos);
  EXPECT_NE(r.out.find("GITHUB_ACTIONS is not set"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("::error"), std::string::npos) << r.out;
}

TEST_F(ReportCommand, ShowUnderGithubActionsAppendsTheStepSummaryAndPrintsAnnotations) {
  std::ofstream(dir_ / "summary.md") << "earlier step output\n";
  const auto r = faultline("report show " + example() + " --github",
                           fmt::format("env GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY={}", (dir_ / "summary.md").string()));
  EXPECT_EQ(r.code, 1) << r.out;
  const auto summary = read("summary.md");
  EXPECT_EQ(summary.rfind("earlier step output\n", 0), 0u) << "appended, not replaced";
  EXPECT_NE(summary.find("## ❌ Faultline: FAIL"), std::string::npos) << summary;
  EXPECT_NE(r.out.find("\n::error title=faultline%3A 1× lost-acked-write"), std::string::npos) << r.out;
}

TEST_F(ReportCommand, MergeWritesTheMergedReport) {
  const auto trials = fake_trials(40);
  std::string files;
  for (std::uint32_t k = 0; k < 3; ++k) files += " " + write(fmt::format("shard-{}.json", k), campaign_report(trials, k, 3));
  const auto r = faultline("report merge" + files + " -o merged.json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto merged = load_report(dir_ / "merged.json");
  const auto whole = campaign_report(trials);
  EXPECT_EQ(merged["summary"], whole["summary"]);
  EXPECT_EQ(merged["failures"], whole["failures"]);
  EXPECT_EQ(merged["status"], "fail");
  EXPECT_NE(r.out.find("merged.json"), std::string::npos) << r.out;
}

TEST_F(ReportCommand, MergeOfDifferentCampaignsExitsTwoNamingFileAndField) {
  const auto trials = fake_trials(10);
  auto other = campaign_report(trials, 1, 2);
  other["configuration"]["seed"] = "7";
  const auto r = faultline(fmt::format("report merge {} {} -o merged.json", write("a.json", campaign_report(trials, 0, 2)),
                                       write("b.json", other)));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("b.json: field 'configuration.seed'"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "merged.json"));
}

TEST_F(ReportCommand, MergeWithoutOutputIsAUsageError) {
  EXPECT_EQ(faultline("report merge " + example()).code, 2);
}

TEST_F(ReportCommand, CorpusAppendsEachFailingSeedOnce) {
  std::ofstream(dir_ / "corpus.txt") << "# known failures\ntorn-tail 9007199254740993\nzero-tail 5";  // no final newline
  const auto r = faultline("report corpus " + example() + " --append-to corpus.txt");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(read("corpus.txt"), "# known failures\ntorn-tail 9007199254740993\nzero-tail 5")
      << "the only failing trial is already there (void and error trials are not failures): file untouched";
  auto report = example_report();
  report["failures"][1]["verdict"] = "fail";
  report["failures"][1]["violations"] = {{{"name", "phantom-value"}, {"detail", "x"}}};
  const auto file = write("more.json", report);
  ASSERT_EQ(faultline("report corpus " + file + " --append-to corpus.txt").code, 0);
  ASSERT_EQ(faultline("report corpus " + file + " --append-to corpus.txt").code, 0);
  EXPECT_EQ(read("corpus.txt"),
            "# known failures\ntorn-tail 9007199254740993\nzero-tail 5\nbitflip-read 77  # phantom-value\n");
}

TEST_F(ReportCommand, CorpusCreatesTheFileInTheFormatRunReads) {
  ASSERT_EQ(faultline("report corpus " + example() + " --append-to new-corpus.txt").code, 0);
  EXPECT_EQ(read("new-corpus.txt"), "torn-tail 9007199254740993  # lost-acked-write\n");
  // `faultline run --corpus` parses it (the scenario is unknown to this campaign: exit 2 naming it, not a parse error).
  const auto r = faultline("run --scenario zero-tail --trials 1 --corpus new-corpus.txt --report r.json");
  EXPECT_EQ(r.out.find("expected \"<scenario> <seed>\""), std::string::npos) << r.out;
}

TEST_F(ReportCommand, UnknownReportSubcommandIsAUsageError) {
  EXPECT_EQ(faultline("report frobnicate x.json").code, 2);
  EXPECT_EQ(faultline("report").code, 2);
}

TEST_F(ReportCommand, HtmlWritesOneSelfContainedPage) {
  const auto r = faultline("report html " + example() + " -o out/page.html");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto page = read("out/page.html");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("id=\"causes\""), std::string::npos);
  EXPECT_NE(page.find("lost-acked-write · crash in wal.log (payload) · started, cut short; expected truncate"),
            std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(faultline("report html missing.json -o x.html").code, 2);
}

TEST_F(ReportCommand, DiffExitsOneWhenACauseIsNewAndNamesIt) {
  const auto pass = write("pass.json", with_status("pass"));
  const auto broke = faultline("report diff " + pass + " " + example());
  EXPECT_EQ(broke.code, 1) << broke.out;
  EXPECT_NE(broke.out.find("2 new, 0 gone"), std::string::npos) << "a fail and an error cause: " << broke.out;
  EXPECT_NE(broke.out.find("      reproduce: faultline repro --scenario torn-tail --seed 9007199254740993"),
            std::string::npos) << broke.out;
  const auto fixed = faultline("report diff " + example() + " " + pass);
  EXPECT_EQ(fixed.code, 0) << fixed.out;
  EXPECT_NE(fixed.out.find("0 new, 2 gone"), std::string::npos) << "a fail and an error cause: " << fixed.out;
  EXPECT_EQ(faultline("report diff " + example() + " " + example()).code, 0);
  // A 1.0 report (no signatures written) compares with its 1.1 form by the signatures computed from its failures.
  ASSERT_EQ(faultline("report merge " + example() + " -o merged.json").code, 0);
  const auto same = faultline(fmt::format("report diff {}/example-report-1.0.json merged.json", REPORTS_TEST_DATA));
  EXPECT_EQ(same.code, 0) << same.out;
  EXPECT_NE(same.out.find("0 new, 0 gone, 0 changed, 2 unchanged"), std::string::npos) << same.out;
}

TEST_F(ReportCommand, DiffWritesTheGithubSummary) {
  std::ofstream(dir_ / "summary.md") << "";
  const auto r = faultline("report diff " + write("pass.json", with_status("pass")) + " " + example() + " --github",
                           fmt::format("env GITHUB_STEP_SUMMARY={}", (dir_ / "summary.md").string()));
  EXPECT_EQ(r.code, 1) << r.out;
  const auto md = read("summary.md");
  EXPECT_EQ(md.rfind("## ❌ Faultline: 2 new causes", 0), 0u) << md;
  EXPECT_NE(md.find("### New\n\n| signature | before | after | cause | reproduce |"), std::string::npos) << md;
}

TEST_F(ReportCommand, ShowOfAFormat1_0ReportShowsItsCauses) {
  const auto r = faultline(fmt::format("report show {}/example-report-1.0.json", REPORTS_TEST_DATA));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("2 causes (2 failing or erroring trials, grouped by signature):"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("causes"), r.out.find("torn-tail                    ")) << "causes before the scenario table";
}

TEST_F(ReportCommand, ScenarioTypoSuggestsTheNearestName) {
  const auto r = faultline("run --scenario torn-tial --trials 1 --report r.json");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("no scenario named 'torn-tial'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did you mean 'torn-tail'?"), std::string::npos) << r.out;
  const auto glob = faultline("run --scenario 'nothing-*' --trials 1 --report r.json");
  EXPECT_EQ(glob.code, 2) << glob.out;
  EXPECT_NE(glob.out.find("--scenario 'nothing-*': no scenario"), std::string::npos) << glob.out;
}

TEST_F(ReportCommand, GlobSelectsScenariosAndTooFewTrialsAreNamed) {
  const auto r = faultline("run --scenario 'torn-*' --trials 1 --quiet --report r.json --work-dir " +
                           (dir_ / "work").string());
  EXPECT_LE(r.code, 1) << r.out;
  const auto report = ordered_json::parse(read("r.json"));
  const auto& names = report["configuration"]["scenarios"];
  ASSERT_GE(names.size(), 2u) << names;
  for (const auto& n : names) EXPECT_EQ(n.get<std::string>().rfind("torn-", 0), 0u) << n;
  EXPECT_NE(r.out.find(fmt::format("warning: 1 trials for {} scenarios: {} scenarios get no trial", names.size(),
                                   names.size() - 1)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(names[1].get<std::string>()), std::string::npos) << "names them: " << r.out;
}
