// walkv-planted: each planted bug exists under its exact name, misbehaves the way it claims, and the real walkv has
// neither the option nor the behaviour. Bugs only a write()/fsync() observer can see (stdio-writer,
// ignore-short-write, retry-fsync) are shown by the harness's tests with the fault shim; here, where strace is
// installed, the fsync ones are shown with strace.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "process.h"
#include "test_util.h"

namespace walkv::test {
namespace {

using Lines = std::vector<std::string>;
constexpr uint64_t kFrame = 27;  // "PUT kN vN"

const Lines kBugNames = {"no-truncate",       "drop-last-record", "no-checksum",        "skip-corrupt",
                         "midlog-as-tail",    "trust-length",     "ack-before-fsync",   "ignore-short-write",
                         "retry-fsync",       "no-dir-fsync",     "accept-zero-record", "modify-evidence",
                         "hang-on-torn-tail", "crash-on-torn-tail", "garbled-reply",    "stdio-writer"};

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
