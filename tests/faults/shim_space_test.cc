// Integration tests of the shim on a full file system (faults/shim/backing.cc): the journal's and the history's shared
// windows never touch a page the file system has not allocated, so a full tmpfs ends the engine with
// FAULTFS_EXIT_NO_SPACE (88) and one line on stderr, never with SIGBUS. Each test mounts a tiny tmpfs in a mount
// namespace of its own (root, or an unprivileged user namespace) and fills it but for one page.
#include <unistd.h>

#include <gtest/gtest.h>

#include "faultline/journal.h"
#include "faultline/plan.h"
#include "faultline/shim_exit.h"
#include "test_support.h"

namespace faultline::faults {
namespace {

using testing::env_or;
using testing::ProcessResult;
using testing::TempDir;

const std::string kLib = env_or("FAULTFS_LIB", FAULTFS_LIB_PATH);
const std::string kProbe = env_or("FAULTFS_PROBE", FAULTFS_PROBE_PATH);

// How this process gets a mount namespace: `unshare -m` as root, `unshare -rm` (a user namespace) otherwise; empty
// when neither works here.
std::string namespace_prefix() {
  const std::string prefix = ::geteuid() == 0 ? "unshare -m" : "unshare -rm";
  return std::system((prefix + " true >/dev/null 2>&1").c_str()) == 0 ? prefix : "";
}

class ShimSpaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = namespace_prefix();
    if (prefix_.empty()) GTEST_SKIP() << "no mount namespace here (not root, and unprivileged user namespaces are off)";
    std::filesystem::create_directories(tiny());
    std::filesystem::create_directories(tmp_.path() / "data");
  }
  std::filesystem::path tiny() const { return tmp_.path() / "tiny"; }

  // The probe runs `ops` under plan `p` with a 16 KiB tmpfs on tiny() of which a file takes three pages: the first
  // page the shim writes (a header) fits, the next does not.
  ProcessResult run(const Plan& p, const std::vector<std::string>& ops) {
    const auto plan = tmp_.path() / "plan.txt";
    write_plan(p, plan);
    std::string cmd = "mount -t tmpfs -o size=16k tmpfs '" + tiny().string() + "' && dd if=/dev/zero of='" +
                      tiny().string() + "/fill' bs=4096 count=3 2>/dev/null && LD_PRELOAD='" + kLib +
                      "' FAULTFS_PLAN='" + plan.string() + "' exec '" + kProbe + "' '" + (tmp_.path() / "data").string() + "'";
    for (const auto& op : ops) cmd += " '" + op + "'";
    return testing::run_process({"/bin/sh", "-c", prefix_ + " sh -c \"" + cmd + "\""}, {}, tmp_.path());
  }
  Plan plan() const {
    Plan p;
    p.seed = 3;
    p.journal = tmp_.path() / "journal.jsonl";
    p.target_dir = tmp_.path() / "data";
    return p;
  }

  std::string prefix_;
  TempDir tmp_;
};

// Lines past the journal's first page need a page the full tmpfs does not have.
TEST_F(ShimSpaceTest, AJournalThatCannotGrowEndsTheEngineWithExit88NotSigbus) {
  Plan p = plan();
  p.journal = tiny() / "journal.jsonl";
  std::vector<std::string> ops = {"open wal.log wc"};
  for (int i = 0; i < 80; ++i) ops.push_back("write 4 a");  // ~80 lines of ~100 bytes: past the first page
  const auto r = run(p, ops);
  EXPECT_FALSE(r.killed_by(SIGBUS)) << "a store into an unallocated page of the journal's window";
  EXPECT_EQ(r.exit_code(), shim_exit::kNoSpace) << r.err;
  EXPECT_NE(r.err.find(p.journal.string() + ": No space left on device: the journal cannot grow"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--work-dir"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("write ret=4"), std::string::npos) << "the lines that fitted were written: " << r.out;
}

// The same for the recorded history, whose records carry the written bytes.
TEST_F(ShimSpaceTest, AHistoryThatCannotGrowEndsTheEngineWithExit88NotSigbus) {
  Plan p = plan();
  p.record = tiny() / "history.bin";
  const auto r = run(p, {"open wal.log wc", "write 1000 a", "write 1000 b", "write 1000 c", "write 1000 d",
                         "write 1000 e", "fsync"});
  EXPECT_FALSE(r.killed_by(SIGBUS)) << "a store into an unallocated page of the history's window";
  EXPECT_EQ(r.exit_code(), shim_exit::kNoSpace) << r.err;
  EXPECT_NE(r.err.find(p.record.string() + ": No space left on device: the recorded history cannot grow"),
            std::string::npos)
      << r.err;
}

// A file that is not a target (here outside target_dir, on the full tmpfs): its failed write is journaled anyway, as
// `no_space`, so that the harness knows the work directory filled up.
TEST_F(ShimSpaceTest, AWriteThatFailsForLackOfSpaceOnAnotherFileIsJournaled) {
  const Plan p = plan();
  const std::string other = (tiny() / "other.tmp").string();
  const auto r = run(p, {"open " + other + " wc", "write 8192 a", "write 8192 b", "open wal.log wc", "write 4 c"});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_NE(r.out.find("write ret=-1 errno=ENOSPC"), std::string::npos) << r.out;
  std::vector<Event> no_space;
  for (const auto& e : read_journal(p.journal))
    if (e.ev == "no_space") no_space.push_back(e);
  ASSERT_EQ(no_space.size(), 1u) << "one write failed with ENOSPC";
  EXPECT_EQ(no_space[0].raw.value("fn", ""), "write");
  EXPECT_EQ(no_space[0].raw.value("errno", ""), "ENOSPC");
  EXPECT_GE(no_space[0].fd, 0);
}

}  // namespace
}  // namespace faultline::faults
