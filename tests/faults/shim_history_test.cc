// Integration tests of the recorded history (faults/shim/history.cc, faultline/history_format.h): the probe runs
// file operations under the shim with `record PATH`; the history read back holds each change with its bytes.
#include <gtest/gtest.h>

#include "faultline/history.h"
#include "shim_fixture.h"

namespace faultline::faults::shim_testing {
namespace {

class ShimHistoryTest : public ShimTest {
 protected:
  std::filesystem::path history_path() const { return tmp_.path() / "history.bin"; }
  Plan recording(std::vector<FaultSpec> faults = {}) const {
    Plan p = plan(std::move(faults));
    p.record = history_path();
    return p;
  }
  std::vector<HistoryType> types() const {
    std::vector<HistoryType> out;
    for (const HistoryEvent& e : read_history(history_path()).events) out.push_back(e.type);
    return out;
  }
};

using T = HistoryType;

TEST_F(ShimHistoryTest, RecordsEveryChangeWithItsBytesInOrder) {
  const auto r = run(recording(), {"mkdir sub", "open sub/a.log wc", "write 3 x", "pwrite 2 y 1", "fsync",
                                   "fdatasync", "ftruncate 2", "close", "fsyncdir sub", "rename sub/a.log b.log",
                                   "link b.log c.log", "unlink c.log", "sync"});
  ASSERT_EQ(r.exit_code(), 0) << r.out << r.err;
  const History h = read_history(history_path());
  EXPECT_EQ(types(), (std::vector<T>{T::kMkdir, T::kCreate, T::kWrite, T::kWrite, T::kFsync, T::kFdatasync,
                                     T::kTruncate, T::kDirsync, T::kRename, T::kLink, T::kUnlink, T::kSync}));
  ASSERT_EQ(h.events.size(), 12u);
  EXPECT_EQ(h.events[0].name, "sub");
  EXPECT_EQ(h.events[1].name, "sub/a.log");
  EXPECT_NE(h.events[1].ino, 0u);
  EXPECT_EQ(h.events[2].data, "xxx");
  EXPECT_EQ(h.events[2].off, 0u);
  EXPECT_EQ(h.events[3].data, "yy");
  EXPECT_EQ(h.events[3].off, 1u);
  EXPECT_EQ(h.events[3].ino, h.events[1].ino);
  EXPECT_EQ(h.events[4].off, 3u);  // the size an fsync made durable
  EXPECT_EQ(h.events[6].off, 2u);
  EXPECT_EQ(h.events[7].name, "sub");
  EXPECT_EQ(h.events[8].name, "sub/a.log");
  EXPECT_EQ(h.events[8].name2, "b.log");
  EXPECT_EQ(h.events[9].name2, "c.log");
  EXPECT_EQ(h.events[10].name, "c.log");
  EXPECT_EQ(h.dropped, 0u);
  EXPECT_EQ(h.cut_records, 0u);
}

TEST_F(ShimHistoryTest, AFaultedWriteIsRecordedAsWhatTheFileReceived) {
  FaultSpec flip = at_offset("bitflip_write", 1);
  flip.bit = 0;
  const auto r = run(recording({flip, at_nth("lost_write", 2)}), {"open a.log wc", "write 3 b", "write 2 z",
                                                                  "open b.log wct", "write 5 q"});
  ASSERT_EQ(r.exit_code(), 0) << r.out << r.err;
  const History h = read_history(history_path());
  ASSERT_EQ(types(), (std::vector<T>{T::kCreate, T::kWrite, T::kTruncate, T::kCreate, T::kWrite}));
  EXPECT_EQ(h.events[1].data, "bcb");             // 'b' ^ 1 == 'c', as the file has it
  EXPECT_EQ(file("a.log").substr(0, 3), "bcb");
  EXPECT_EQ(h.events[2].off, 5u);                  // the lost write still extended the file (zeros)
  EXPECT_EQ(file("a.log").size(), 5u);
}

TEST_F(ShimHistoryTest, ACrashFaultRecordsTheBytesWrittenBeforeTheKill) {
  FaultSpec crash = at_offset("crash", 4);
  const auto r = run(recording({crash}), {"open a.log wc", "write 6 k"});
  EXPECT_TRUE(r.killed_by(SIGKILL));
  const History h = read_history(history_path());
  ASSERT_EQ(h.events.size(), 2u);
  EXPECT_EQ(h.events[1].data, "kkkk");
}

TEST_F(ShimHistoryTest, OpeningAnExistingFileWithTruncIsATruncateAndRecordsCarryTheStep) {
  testing::write_file(data() / "a.log", "old bytes");
  Plan p = recording();
  testing::write_file(step_path(), std::string(4096, '\0'));
  p.step_file = step_path();
  const auto r = run(p, {step_op(7), "open a.log wt", "write 1 n"});
  ASSERT_EQ(r.exit_code(), 0) << r.out << r.err;
  const History h = read_history(history_path());
  ASSERT_EQ(types(), (std::vector<T>{T::kTruncate, T::kWrite}));
  EXPECT_EQ(h.events[0].off, 0u);
  EXPECT_EQ(h.events[1].step, 7u);
}

TEST_F(ShimHistoryTest, ARecordPathThatIsNotAHistoryIsABadPlan) {
  testing::write_file(history_path(), std::string(100, 'x'));
  const auto r = run(recording(), {"open a.log wc"});
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("field 'record'"), std::string::npos) << r.err;
}

TEST_F(ShimHistoryTest, UnderAFileSizeLimitRecordsAreWrittenAtTheirReservedOffsets) {
  write_plan(recording(), plan_path());
  // 100000 blocks of 512 bytes: below the 1 GiB window, so the file is not grown and records go to pwrite().
  const std::string cmd = "ulimit -f 100000; LD_PRELOAD='" + kLib + "' FAULTFS_PLAN='" + plan_path().string() +
                          "' exec '" + kProbe + "' '" + data().string() + "' 'open a.log wc' 'write 5000 q' 'fsync'";
  const auto r = testing::run_process({"/bin/sh", "-c", cmd}, {}, tmp_.path());
  ASSERT_EQ(r.exit_code(), 0) << r.out << r.err;
  EXPECT_LT(std::filesystem::file_size(history_path()), std::uint64_t{1} << 20);
  const History h = read_history(history_path());
  ASSERT_EQ(types(), (std::vector<T>{T::kCreate, T::kWrite, T::kFsync}));
  EXPECT_EQ(h.events[1].data, std::string(5000, 'q'));
}

TEST_F(ShimHistoryTest, WithoutRecordNoHistoryIsWritten) {
  const auto r = run(plan(), {"open a.log wc", "write 3 x"});
  ASSERT_EQ(r.exit_code(), 0) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(history_path()));
}

}  // namespace
}  // namespace faultline::faults::shim_testing
