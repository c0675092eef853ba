// Bypass detection (faults/src/bypass.cc): every file on disk must be explained by the journal.
#include <gtest/gtest.h>

#include "faultline/storage.h"
#include "test_support.h"

namespace faultline::faults {
namespace {

using testing::write_file;

FileHistory explained(const std::string& name, std::uint64_t size) {
  FileHistory h;
  h.file = name;
  h.size = size;
  return h;
}

class Bypass : public ::testing::Test {
 protected:
  std::filesystem::path dir() const { return tmp_.path(); }
  testing::TempDir tmp_;
};

TEST_F(Bypass, ExplainedFilesYieldNoMessages) {
  write_file(dir() / "wal", std::string(10, 'a'));
  EXPECT_TRUE(detect_bypass(dir(), {{"wal", explained("wal", 10)}}, {}).empty());
}

TEST_F(Bypass, AFileLargerThanItsJournalIsReportedWithTheLikelyCause) {
  write_file(dir() / "wal", std::string(150, 'a'));
  const auto m = detect_bypass(dir(), {{"wal", explained("wal", 100)}}, {});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("wal: 150 bytes on disk, the journal explains 100: written without the shim"), std::string::npos)
      << m[0];
  EXPECT_NE(m[0].find("stdio"), std::string::npos);
}

TEST_F(Bypass, AFileSmallerThanItsJournalIsReported) {
  write_file(dir() / "wal", std::string(50, 'a'));
  const auto m = detect_bypass(dir(), {{"wal", explained("wal", 100)}}, {});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("shrunk without the shim"), std::string::npos);
}

TEST_F(Bypass, AFileTheJournalNeverSawIsReported) {
  std::filesystem::create_directories(dir() / "sst");
  write_file(dir() / "sst" / "1.sst", "x");
  const auto m = detect_bypass(dir(), {}, {});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("sst/1.sst: exists on disk (1 bytes) but the journal never saw it"), std::string::npos) << m[0];
}

TEST_F(Bypass, TargetGlobsLimitWhichUnseenFilesCount) {
  write_file(dir() / "LOG", "x");
  write_file(dir() / "wal.log", "x");
  const auto m = detect_bypass(dir(), {}, {"*.log"});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].rfind("wal.log:", 0), 0u);
}

TEST_F(Bypass, AMissingFileIsReported) {
  const auto m = detect_bypass(dir(), {{"wal", explained("wal", 10)}}, {});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("wal: the journal says it exists (10 bytes) but it is missing on disk"), std::string::npos);
}

TEST_F(Bypass, AnUnlinkedFileThatIsStillThereIsReported) {
  write_file(dir() / "old", "x");
  FileHistory h = explained("old", 0);
  h.exists = false;
  const auto m = detect_bypass(dir(), {{"old", h}}, {});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("old: the journal says it was unlinked or renamed away"), std::string::npos);
}

TEST_F(Bypass, UntrackedCallsAndAnomaliesAreReported) {
  write_file(dir() / "db", std::string(8, 'a'));
  FileHistory h = explained("db", 8);
  h.untracked = true;
  h.untracked_calls = {"mmap: stores through a shared writable mapping bypass the shim"};
  h.anomalies = {"fsync by pid 3 saw 8 bytes, the journal explains 0"};
  const auto m = detect_bypass(dir(), {{"db", h}}, {});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_NE(m[0].find("db: the shim saw a call it cannot follow (mmap: stores through"), std::string::npos);
  EXPECT_NE(m[1].find("db: fsync by pid 3 saw 8 bytes"), std::string::npos);
}

}  // namespace
}  // namespace faultline::faults
