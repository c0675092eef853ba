// walkv-planted: each planted bug of the manifest (engine/planted/manifest.h) exists under its exact name, misbehaves
// the way it claims, and the real walkv has neither the option nor the behaviour. Bugs only a write()/fsync()
// observer can see (stdio-writer, ignore-short-write, retry-fsync) are shown by the harness's tests with the fault
// shim; here, where strace is installed, the fsync ones are shown with strace.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "planted/manifest.h"
#include "process.h"
#include "test_util.h"

namespace walkv::test {
namespace {

using Lines = std::vector<std::string>;
constexpr uint64_t kFrame = 27;  // "PUT kN vN"

Lines BugNames() {
  Lines names;
  for (const auto& v : planted::kVariants) names.emplace_back(v.name);
  return names;
}
const Lines kBugNames = BugNames();

class PlantedBug : public ::testing::Test {
 protected:
  RunResult Planted(const std::string& bug, const std::string& input, int timeout_ms = 10000) {
    return RunProgram({kWalkvPlanted, "serve", "--dir", dir_.path(), "--planted-bug", bug}, input, timeout_ms);
  }
  RunResult Real(const std::string& input) { return RunProgram({kWalkv, "serve", "--dir", dir_.path()}, input); }
  void FiveRecords(const std::string& bug = "") {
    const std::string input = "PUT k1 v1\nPUT k2 v2\nPUT k3 v3\nPUT k4 v4\nPUT k5 v5\n";
    ASSERT_EQ((bug.empty() ? Real(input) : Planted(bug, input)).exit_code, 0);
  }
  void TearTheLastRecord() { TruncateTo(dir_.log(), 5 * kFrame - 3); }

  TempDir dir_;
};

TEST_F(PlantedBug, EveryNameIsAcceptedAndAnUnknownNameIsAUsageError) {
  for (const std::string& bug : kBugNames) {
    TempDir dir;
    const RunResult r = RunProgram({kWalkvPlanted, "serve", "--dir", dir.path(), "--planted-bug", bug}, "QUIT\n");
    EXPECT_EQ(r.exit_code, 0) << bug << ": " << r.err;
    EXPECT_EQ(r.out, "READY\n") << bug;
  }
  EXPECT_EQ(Planted("no-such-bug", "QUIT\n").exit_code, 2);
}

TEST_F(PlantedBug, ManifestCommandPrintsTheManifestOneVariantPerLine) {
  const RunResult r = RunProgram({kWalkvPlanted, "manifest"}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Lines lines = r.OutLines();
  ASSERT_EQ(lines.size(), planted::kVariants.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& v = planted::kVariants[i];
    const auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j.at("name"), v.name);
    EXPECT_EQ(j.at("mistake"), v.mistake);
    EXPECT_EQ(j.at("expected"), v.expected);
    EXPECT_EQ(j.at("origin"), v.origin);
    EXPECT_EQ(j.at("planted_in"), v.planted_in);
    EXPECT_EQ(j.at("caught_by"), v.caught_by);
    EXPECT_EQ(j.at("serve_args"), v.serve_args);
  }
}

// The patched copies walkv-planted is built from differ from engine/src only while a bug is switched on.
TEST_F(PlantedBug, WithoutABugItRecoversAsWalkvDoes) {
  FiveRecords();
  TearTheLastRecord();
  TempDir copy;
  WriteFile(copy.log(), ReadFile(dir_.log()));
  const RunResult planted = RunProgram({kWalkvPlanted, "serve", "--dir", dir_.path()}, "GET k4\nGET k5\n");
  const RunResult real = RunProgram({kWalkv, "serve", "--dir", copy.path()}, "GET k4\nGET k5\n");
  EXPECT_EQ(planted.exit_code, 0);
  EXPECT_EQ(planted.OutLines(), real.OutLines());
  EXPECT_EQ(planted.OutLines(), (Lines{"READY", "VALUE v4", "NOTFOUND"}));
  EXPECT_EQ(FileSize(dir_.log()), FileSize(copy.log()));
  FlipBit(dir_.log(), kFrame + 20);
  FlipBit(copy.log(), kFrame + 20);
  EXPECT_EQ(RunProgram({kWalkvPlanted, "serve", "--dir", dir_.path()}, "QUIT\n").exit_code, 3);
  EXPECT_EQ(RunProgram({kWalkv, "serve", "--dir", copy.path()}, "QUIT\n").exit_code, 3);
  EXPECT_EQ(ReadFile(dir_.log()), ReadFile(copy.log()));
}

TEST_F(PlantedBug, RealWalkvHasNeitherTheOptionNorTheNames) {
  EXPECT_EQ(RunProgram({kWalkv, "serve", "--dir", dir_.path(), "--planted-bug", "no-truncate"}, "QUIT\n").exit_code, 2);
  const std::string binary = ReadFile(kWalkv);
  for (const std::string& bug : kBugNames) EXPECT_EQ(binary.find(bug), std::string::npos) << bug;
}

TEST_F(PlantedBug, NoTruncateAppendsAfterTheTornTail) {
  FiveRecords();
  TearTheLastRecord();
  ASSERT_EQ(Planted("no-truncate", "PUT k6 v6\n").exit_code, 0);
  EXPECT_EQ(Real("QUIT\n").exit_code, 3);  // the torn tail became mid-log corruption
}

TEST_F(PlantedBug, DropLastRecordLosesTheLastCompleteRecord) {
  FiveRecords();
  TearTheLastRecord();
  ASSERT_EQ(Planted("drop-last-record", "QUIT\n").exit_code, 0);
  EXPECT_EQ(FileSize(dir_.log()), 3 * kFrame);
  EXPECT_EQ(Real("GET k4\n").OutLines(), (Lines{"READY", "NOTFOUND"}));
}

TEST_F(PlantedBug, NoChecksumServesAFlippedValue) {
  FiveRecords();
  FlipBit(dir_.log(), 5 * kFrame - 5);  // the last byte of "v5"
  EXPECT_EQ(Planted("no-checksum", "GET k5\n").OutLines(), (Lines{"READY", "VALUE v4"}));
  EXPECT_EQ(Real("QUIT\n").exit_code, 3);
}

TEST_F(PlantedBug, SkipCorruptStartsDespiteMidLogDamage) {
  FiveRecords();
  FlipBit(dir_.log(), kFrame + 20);
  EXPECT_EQ(Planted("skip-corrupt", "GET k2\nGET k3\n").OutLines(), (Lines{"READY", "NOTFOUND", "VALUE v3"}));
}

TEST_F(PlantedBug, MidlogAsTailCutsValidRecords) {
  FiveRecords();
  FlipBit(dir_.log(), kFrame + 20);
  EXPECT_EQ(Planted("midlog-as-tail", "QUIT\n").exit_code, 0);
  EXPECT_EQ(FileSize(dir_.log()), kFrame);
}

TEST_F(PlantedBug, TrustLengthServesAPartialValue) {
  ASSERT_EQ(Real("PUT key longvalue\n").exit_code, 0);
  TruncateTo(dir_.log(), FileSize(dir_.log()) - 7);  // "longvalue" loses "lue" and the checksum
  EXPECT_EQ(Planted("trust-length", "GET key\n").OutLines(), (Lines{"READY", "VALUE longva"}));
}

TEST_F(PlantedBug, AcceptZeroRecordKeepsAZeroTail) {
  FiveRecords("accept-zero-record");
  AppendToFile(dir_.log(), std::string(64, '\0'));
  EXPECT_EQ(Planted("accept-zero-record", "GET k5\n").OutLines(), (Lines{"READY", "VALUE v5"}));
  EXPECT_EQ(FileSize(dir_.log()), 5 * kFrame + 64);  // not truncated: the zeros read as records
}

TEST_F(PlantedBug, ModifyEvidenceTruncatesBeforeExitingThree) {
  FiveRecords();
  FlipBit(dir_.log(), kFrame + 20);
  EXPECT_EQ(Planted("modify-evidence", "QUIT\n").exit_code, 3);
  EXPECT_EQ(FileSize(dir_.log()), kFrame);
}

TEST_F(PlantedBug, HangOnTornTailNeverSendsReady) {
  FiveRecords();
  TearTheLastRecord();
  const RunResult r = Planted("hang-on-torn-tail", "QUIT\n", 1000);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.out, "");
}

TEST_F(PlantedBug, CrashOnTornTailAborts) {
  FiveRecords();
  TearTheLastRecord();
  EXPECT_EQ(Planted("crash-on-torn-tail", "QUIT\n").term_signal, SIGABRT);
}

TEST_F(PlantedBug, GarbledReplyAnswersTheFifthPutWithOkBang) {
  const RunResult r = Planted("garbled-reply", "PUT a 1\nPUT b 2\nDEL a\nPUT c 3\nPUT d 4\nPUT e 5\nPUT f 6\n");
  EXPECT_EQ(r.OutLines(), (Lines{"READY", "OK", "OK", "OK", "OK", "OK", "OK!", "OK"}));
}

// fsync calls on the log and on the data directory, as strace -y shows them.
struct Fsyncs {
  int log = 0, dir = 0;
};
Fsyncs StraceFsyncs(const std::vector<std::string>& argv, const std::string& input, const std::string& dir) {
  TempDir trace;
  std::vector<std::string> full{"/usr/bin/strace", "-f", "-y", "-e", "trace=fsync,fdatasync", "-o",
                                trace.path() + "/trace"};
  full.insert(full.end(), argv.begin(), argv.end());
  RunProgram(full, input);
  Fsyncs f;
  for (const std::string& line : RunResult{0, 0, false, ReadFile(trace.path() + "/trace"), ""}.OutLines()) {
    if (line.find("<" + dir + "/wal.log>") != std::string::npos) ++f.log;
    if (line.find("<" + dir + ">") != std::string::npos) ++f.dir;
  }
  return f;
}

TEST_F(PlantedBug, AckBeforeFsyncAndNoDirFsyncAreVisibleToStrace) {
  if (::access("/usr/bin/strace", X_OK) != 0) GTEST_SKIP() << "strace is not installed";
  const std::string input = "PUT a 1\nPUT b 2\nPUT c 3\n";
  const Fsyncs real = StraceFsyncs({kWalkv, "serve", "--dir", dir_.path()}, input, dir_.path());
  if (real.log == 0) GTEST_SKIP() << "strace cannot trace here (no ptrace permission?)";
  EXPECT_EQ(real.log, 3);
  EXPECT_GE(real.dir, 1);
  TempDir other;
  const Fsyncs ack = StraceFsyncs({kWalkvPlanted, "serve", "--dir", other.path(), "--planted-bug", "ack-before-fsync"},
                                  input, other.path());
  EXPECT_EQ(ack.log, 0);
  TempDir third;
  const Fsyncs nodir = StraceFsyncs({kWalkvPlanted, "serve", "--dir", third.path(), "--planted-bug", "no-dir-fsync"},
                                    input, third.path());
  EXPECT_EQ(nodir.log, 3);
  EXPECT_EQ(nodir.dir, 0);
}

}  // namespace
}  // namespace walkv::test
