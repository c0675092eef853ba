// Integration tests of the shim's shared journal (faults/shim/journal_line.cc, docs/fault-plan.md "Event journal"):
// the header and its `end`, lines from several processes at once, the pwrite() path when the window cannot be
// mapped, and journals without the header that are appended to line by line.
#include <sys/resource.h>

#include <cstring>
#include <fstream>
#include <future>
#include <set>

#include <gtest/gtest.h>

#include "faultline/journal.h"
#include "faultline/plan.h"
#include "test_support.h"

namespace faultline::faults {
namespace {

using testing::env_or;
using testing::ProcessResult;
using testing::read_file;
using testing::TempDir;

const std::string kLib = env_or("FAULTFS_LIB", FAULTFS_LIB_PATH);
const std::string kProbe = env_or("FAULTFS_PROBE", FAULTFS_PROBE_PATH);
constexpr std::string_view kHeaderPrefix = "{\"ev\":\"journal\", \"end\":\"";

class ShimJournalTest : public ::testing::Test {
 protected:
  std::filesystem::path journal() const { return tmp_.path() / "journal.jsonl"; }

  // The probe in its own target directory `name`, journaling to the shared journal.
  ProcessResult run(const std::string& name, const std::vector<std::string>& ops, const std::string& prefix = "") {
    const auto dir = tmp_.path() / name;
    std::filesystem::create_directories(dir);
    Plan p;
    p.seed = 7;
    p.journal = journal();
    p.target_dir = dir;
    const auto plan = tmp_.path() / (name + ".plan");
    write_plan(p, plan);
    std::vector<std::string> argv = {kProbe, dir.string()};
    argv.insert(argv.end(), ops.begin(), ops.end());
    if (!prefix.empty()) {  // through a shell that sets a limit first; the shim is preloaded into the probe only
      std::string cmd = prefix + "; LD_PRELOAD='" + kLib + "' FAULTFS_PLAN='" + plan.string() + "' exec";
      for (const auto& a : argv) cmd += " '" + a + "'";
      return testing::run_process({"/bin/sh", "-c", cmd}, {}, tmp_.path());
    }
    return testing::run_process(argv, {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", plan.string()}}, tmp_.path());
  }

  // The first `n` bytes of the journal (the shared window is 256 MiB of mostly zeros).
  std::string head(std::size_t n = 1 << 20) const {
    std::ifstream in(journal(), std::ios::binary);
    std::string out(n, '\0');
    in.read(out.data(), static_cast<std::streamsize>(n));
    out.resize(static_cast<std::size_t>(in.gcount()));
    return out;
  }

  std::size_t header_end() const {
    const std::string raw = head(64);
    EXPECT_EQ(raw.substr(0, kHeaderPrefix.size()), kHeaderPrefix);
    return std::stoul(raw.substr(kHeaderPrefix.size(), 8), nullptr, 16);
  }

  TempDir tmp_;
};

TEST_F(ShimJournalTest, TheHeaderSaysHowLongTheJournalIsAndTheRestIsZero) {
  const auto r = run("a", {"open wal.log wc", "write 8 a", "fsync", "close"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  const std::string raw = head();
  const std::size_t end = header_end();
  ASSERT_LE(end, raw.size());
  EXPECT_GT(std::filesystem::file_size(journal()), end) << "the shared window is larger than what was written";
  EXPECT_EQ(raw.find_first_not_of('\0', end), std::string::npos) << "nothing may lie past `end`";
  EXPECT_EQ(raw[end - 1], '\n');
  std::vector<std::string> kinds;
  for (const auto& e : read_journal(journal())) kinds.push_back(e.ev);
  EXPECT_EQ(kinds, (std::vector<std::string>{"start", "open", "write", "sync", "close"}));

  seal_journal(journal());
  const std::string sealed = read_file(journal());
  EXPECT_EQ(sealed, raw.substr(0, end)) << "sealing keeps every line and drops the zeros";
  EXPECT_EQ(read_journal(journal()).size(), kinds.size());
}

TEST_F(ShimJournalTest, ASealedJournalIsReopenedAndContinued) {
  ASSERT_EQ(run("a", {"open wal.log wc", "write 4 a"}).exit_code(), 0);
  seal_journal(journal());
  ASSERT_EQ(run("a", {"open wal.log w", "write 4 b"}).exit_code(), 0);
  std::size_t starts = 0, writes = 0;
  for (const auto& e : read_journal(journal())) {
    starts += e.ev == "start";
    writes += e.ev == "write";
  }
  EXPECT_EQ(starts, 2u);
  EXPECT_EQ(writes, 2u);
}

// Two processes start together and journal from 4 threads each: the one that creates the journal writes the header
// under a lock, and every line of both lands once, whole.
TEST_F(ShimJournalTest, ProcessesStartingTogetherShareOneJournal) {
  auto a = std::async(std::launch::async, [&] { return run("a", {"threads 4 300"}); });
  auto b = std::async(std::launch::async, [&] { return run("b", {"threads 4 300"}); });
  ASSERT_EQ(a.get().exit_code(), 0);
  ASSERT_EQ(b.get().exit_code(), 0);
  const auto text = read_journal_text(journal());
  std::size_t bytes = kHeaderPrefix.size() + 8 + 3;
  for (const auto& line : text.lines) bytes += line.text.size() + 1;
  EXPECT_EQ(bytes, header_end()) << "no reserved byte was left unwritten";
  std::set<std::int64_t> pids;
  std::size_t writes = 0;
  for (const auto& e : parse_journal(text, journal())) {
    pids.insert(e.pid);
    writes += e.ev == "write";
  }
  EXPECT_EQ(pids.size(), 2u);
  EXPECT_EQ(writes, 2u * 4 * 300);
}

// With too little address space for the window, the header page alone is mapped and lines go to pwrite() at their
// reserved offsets: the journal reads the same.
TEST_F(ShimJournalTest, WithoutRoomForTheWindowLinesAreWrittenAtTheirReservedOffsets) {
  const auto r = run("a", {"open wal.log wc", "write 8 a", "fsync", "fork write 2 c", "close"}, "ulimit -v 120000");
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  const std::string raw = read_file(journal());
  EXPECT_EQ(raw.size(), header_end()) << "no window: the file is exactly as long as its lines";
  std::vector<std::string> kinds;
  for (const auto& e : read_journal(journal())) kinds.push_back(e.ev);
  EXPECT_EQ(kinds, (std::vector<std::string>{"start", "open", "write", "sync", "write", "close"}));
}

// A file size limit below the window: growing the journal would kill the engine with SIGXFSZ, so it is not grown.
TEST_F(ShimJournalTest, UnderAFileSizeLimitTheJournalIsNotGrown) {
  const auto r = run("a", {"open wal.log wc", "write 8 a", "fsync"}, "ulimit -f 1024");
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(read_file(journal()).size(), header_end());
  EXPECT_EQ(read_journal(journal()).size(), 4u);  // start, open, write, sync
}

TEST_F(ShimJournalTest, AJournalWithoutTheHeaderIsAppendedToLineByLine) {
  const std::string earlier = "{\"ev\":\"close\",\"pid\":1,\"fd\":3,\"file\":\"x\"}\n";
  testing::write_file(journal(), earlier);
  ASSERT_EQ(run("a", {"open wal.log wc", "write 4 a"}).exit_code(), 0);
  const std::string raw = read_file(journal());
  EXPECT_EQ(raw.substr(0, earlier.size()), earlier);
  EXPECT_EQ(raw.find('\0'), std::string::npos);
  const auto events = read_journal(journal());
  ASSERT_EQ(events.size(), 4u);  // the earlier line, start, open, write
  EXPECT_EQ(events[1].ev, "start");
  EXPECT_EQ(events[3].ev, "write");
}

}  // namespace
}  // namespace faultline::faults
