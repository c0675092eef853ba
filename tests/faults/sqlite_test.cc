// The unmodified Debian sqlite3 shell under the shim: a real engine's WAL, faults placed by byte offset.
//
// SQLite's WAL is a 32-byte header followed by frames of a 24-byte frame header and one page (4096 bytes here), each
// written with its own pwrite. With the statements below the first transaction writes pages 1 and 2, so page 1's
// image (it starts with "SQLite format 3") occupies WAL bytes [56, 4152) and page 2's [4176, 8272).
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "faultline/journal.h"
#include "faultline/plan.h"
#include "faultline/storage.h"
#include "test_support.h"

namespace faultline::faults {
namespace {

using testing::env_or;
using testing::read_file;
using testing::TempDir;

const std::string kLib = env_or("FAULTFS_LIB", FAULTFS_LIB_PATH);
constexpr const char* kSqlite = "/usr/bin/sqlite3";

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kSqlite, X_OK) != 0) GTEST_SKIP() << kSqlite << " is not installed";
    std::filesystem::create_directories(data());
  }

  std::filesystem::path data() const { return tmp_.path() / "data"; }
  std::filesystem::path journal() const { return tmp_.path() / "journal.jsonl"; }

  testing::ProcessResult run(const FaultSpec& fault) {
    Plan p;
    p.seed = 7;
    p.journal = journal();
    p.target_dir = data();
    p.targets = {"*.db", "*.db-wal"};  // the -shm file is a shared mapping the shim cannot follow
    p.faults = {fault};
    write_plan(p, tmp_.path() / "plan.txt");
    return testing::run_process(
        {kSqlite, (data() / "t.db").string(), ".dbconfig no_ckpt_on_close on", "PRAGMA journal_mode=WAL;",
         "CREATE TABLE t(x);", "INSERT INTO t VALUES(replace(hex(zeroblob(1000)),'0','A'));"},
        {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", (tmp_.path() / "plan.txt").string()}}, tmp_.path());
  }

  TempDir tmp_;
};

TEST_F(SqliteTest, CrashAtAWalOffsetKillsSqliteWithTheWalCutThere) {
  FaultSpec crash;
  crash.kind = FaultKind::kCrash;
  crash.file = "t.db-wal";
  crash.offset = 5000;
  const auto r = run(crash);
  EXPECT_TRUE(r.killed_by(SIGKILL)) << r.status << " " << r.err;
  EXPECT_EQ(std::filesystem::file_size(data() / "t.db-wal"), 5000u);
  const auto events = read_journal(journal());
  const auto faults = fired_faults(events);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_STREQ(fault_kind_name(faults[0].kind), "crash");
  EXPECT_EQ(faults[0].file, "t.db-wal");
  EXPECT_EQ(faults[0].off, 4176);  // page 2's frame
  EXPECT_EQ(faults[0].len, 4096);
  EXPECT_EQ(faults[0].raw["wrote"], 824);
  EXPECT_EQ(events.back().ev, "fault");  // nothing after the crash
  const auto files = summarize(events);
  EXPECT_EQ(files.at("t.db-wal").size, 5000u);
  EXPECT_EQ(files.at("t.db-wal").synced_size, 32u);  // only the WAL header was synced
  EXPECT_TRUE(detect_bypass(data(), files, {"*.db", "*.db-wal"}).empty());
}

TEST_F(SqliteTest, BitflipInTheWalLandsWherePlanned) {
  FaultSpec flip;
  flip.kind = FaultKind::kBitflipWrite;
  flip.file = "t.db-wal";
  flip.offset = 56;
  flip.bit = 0;
  const auto r = run(flip);
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  const std::string wal = read_file(data() / "t.db-wal");
  ASSERT_GT(wal.size(), 100u);
  EXPECT_EQ(wal.substr(56, 15), "RQLite format 3");  // 'S' ^ 1 == 'R'
  const auto faults = fired_faults(read_journal(journal()));
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_STREQ(fault_kind_name(faults[0].kind), "bitflip_write");
  EXPECT_EQ(faults[0].off, 56);
  EXPECT_EQ(faults[0].raw["at"], 56);
  EXPECT_EQ(faults[0].raw["bit"], 0);
}

}  // namespace
}  // namespace faultline::faults
