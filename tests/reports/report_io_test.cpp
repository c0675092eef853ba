// The report API of report.h: write_atomic, load_report, dump, render_summary.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "faultline/reports/report.h"
#include "fixtures.h"

namespace fs = std::filesystem;
using namespace faultline::reports;
using namespace faultline::reports::testing;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string load_error(const std::string& name, const std::string& text) {
  const auto dir = temp_dir("load-" + name);
  const auto file = dir / name;
  std::ofstream(file) << text;
  std::string err;
  try {
    load_report(file);
  } catch (const std::runtime_error& e) {
    err = e.what();
  }
  fs::remove_all(dir);
  return err;
}

}  // namespace

TEST(WriteAtomic, ReplacesTheFileAndLeavesNoTemporaryFile) {
  const auto dir = temp_dir("atomic");
  write_atomic(dir / "report.json", "old");
  write_atomic(dir / "report.json", "new content");
  EXPECT_EQ(read(dir / "report.json"), "new content");
  EXPECT_EQ(listing(dir), std::vector<std::string>{"report.json"});
  fs::remove_all(dir);
}

TEST(WriteAtomic, CreatesMissingDirectories) {
  const auto dir = temp_dir("atomic-dirs");
  write_atomic(dir / "a" / "b" / "report.json", "x");
  EXPECT_EQ(read(dir / "a" / "b" / "report.json"), "x");
  fs::remove_all(dir);
}

TEST(WriteAtomic, FailureToCreateTheTemporaryFileKeepsTheOldReportAndNamesThePath) {
  const auto dir = temp_dir("atomic-fail");
  write_atomic(dir / "report.json", "old");
  // A directory where the temporary file would go: open() fails even for root.
  fs::create_directory(dir / (".report.json.tmp-" + std::to_string(::getpid())));
  try {
    write_atomic(dir / "report.json", "new");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(read(dir / "report.json"), "old");
  fs::remove_all(dir);
}

TEST(WriteAtomic, FailedWriteKeepsTheOldReportAndRemovesTheTemporaryFile) {
  const auto dir = temp_dir("atomic-efbig");
  write_atomic(dir / "report.json", "old");
  // A file size limit makes write() fail half-way with EFBIG (SIGXFSZ ignored), as a full disk would.
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  try {
    write_atomic(dir / "report.json", std::string(100000, 'x'));
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_NE(error.find("cannot write report"), std::string::npos) << error;
  EXPECT_EQ(read(dir / "report.json"), "old");
  EXPECT_EQ(listing(dir), std::vector<std::string>{"report.json"});
  fs::remove_all(dir);
}

TEST(LoadReport, ReadsTheExampleAndKeepsSeedsAsStrings) {
  const auto r = load_report(fs::path(REPORTS_TEST_DATA) / "example-report.json");
  EXPECT_EQ(r["configuration"]["seed"], "18446744073709551557");
  EXPECT_EQ(r["failures"][0]["seed"], "9007199254740993") << "2^53 + 1, which jq would round";
}

TEST(LoadReport, MissingFileNamesIt) {
  try {
    load_report("/nonexistent/faultline/report.json");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/faultline/report.json: cannot open the report");
  }
}

TEST(LoadReport, NotJsonNamesTheFile) {
  const auto err = load_error("garbage.json", "{\"format_version\": \"1.0\", ");
  EXPECT_NE(err.find("garbage.json: not a JSON report"), std::string::npos) << err;
}

TEST(LoadReport, MissingOrNonStringFormatVersionIsNamed) {
  EXPECT_NE(load_error("a.json", "{}").find("a.json: field 'format_version': expected a string"), std::string::npos);
  EXPECT_NE(load_error("b.json", "{\"format_version\": 1}").find("b.json: field 'format_version'"), std::string::npos);
  EXPECT_NE(load_error("c.json", "[1, 2]").find("c.json: field 'format_version'"), std::string::npos);
}

TEST(LoadReport, OtherMajorVersionIsRefusedMinorVersionsAreRead) {
  const auto err = load_error("v2.json", R"({"format_version": "2.0", "status": "pass", "summary": {}, "configuration": {}})");
  EXPECT_NE(err.find("v2.json: field 'format_version': this faultline reads reports 1.x, the file is 2.0"),
            std::string::npos) << err;
  EXPECT_EQ(load_error("v1-7.json", R"({"format_version": "1.7", "status": "pass", "summary": {}, "configuration": {},
                                        "field_from_the_future": true})"), "");
}

TEST(LoadReport, MissingTopLevelFieldIsNamed) {
  EXPECT_EQ(load_error("d.json", R"({"format_version": "1.0", "status": "pass", "configuration": {}})"),
            (fs::temp_directory_path() / ("faultline-reports-" + std::to_string(::getpid()) + "-load-d.json") / "d.json")
                    .string() + ": field 'summary' is missing");
}

TEST(Dump, ReplacesInvalidUtf8InsteadOfThrowing) {
  nlohmann::ordered_json doc{{"engine_log", {std::string("bad \xff byte")}}};
  const auto text = dump(doc, -1);
  EXPECT_EQ(text, "{\"engine_log\":[\"bad \xEF\xBF\xBD byte\"]}");
}

TEST(RenderSummary, PlainWithoutColourAndPaintedWithIt) {
  const auto report = example_report();
  const auto plain = render_summary(report, false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos) << plain;
  EXPECT_EQ(plain.rfind("faultline: FAIL — 12 trials: 9 passed, 1 failed, 1 void, 1 errors", 0), 0u) << plain;
  EXPECT_NE(plain.find("reproduce: faultline repro --scenario torn-tail --seed 9007199254740993"), std::string::npos);
  EXPECT_NE(render_summary(report, true).find("\x1b[31m"), std::string::npos);
}
