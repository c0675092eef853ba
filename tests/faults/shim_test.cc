// Integration tests of libfaultfs.so, one fault kind or feature at a time (the fixture is in shim_fixture.h; the step
// counter and span= are in shim_step_test.cc, the shared journal in shim_journal_test.cc).
#include <signal.h>

#include <iterator>
#include <set>

#include "faultline/rng.h"
#include "faultline/storage.h"
#include "shim_fixture.h"

namespace faultline::faults {
namespace {

using namespace shim_testing;

// ---- crash ---------------------------------------------------------------------------------------------------------

TEST_F(ShimTest, CrashAtOffsetWritesThePrefixJournalsAndKillsTheProcess) {
  const auto r = run(plan({[] { auto f = at_offset("crash", 10); f.file = "wal.log"; return f; }()}),
                     {"open wal.log wc", "write 8 a", "write 8 b", "write 8 c"});
  EXPECT_TRUE(r.killed_by(SIGKILL)) << r.status << r.err;
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"open ret=3 errno=0 fd=3", "write ret=8 errno=0"}));
  EXPECT_EQ(file("wal.log"), "aaaaaaaabb");
  const auto ev = events();
  ASSERT_FALSE(ev.empty());
  const Event& last = ev.back();
  EXPECT_EQ(last.ev, "fault");
  EXPECT_STREQ(fault_kind_name(last.kind), "crash");
  EXPECT_EQ(last.file, "wal.log");
  EXPECT_EQ(last.off, 8);
  EXPECT_EQ(last.len, 8);
  EXPECT_EQ(last.raw["wrote"], 2);
  EXPECT_EQ(last.raw["index"], 0);
  EXPECT_EQ(ev.front().ev, "start");
  EXPECT_EQ(ev.front().raw["seed"], "42");
  const auto files = summarize(ev);
  EXPECT_EQ(files.at("wal.log").size, 10u);
  EXPECT_TRUE(detect_bypass(data(), files, {}).empty());
}

TEST_F(ShimTest, CrashOnNthWriteKeepsKeepBytes) {
  auto f = at_nth("crash", 2);
  f.keep = 3;
  const auto r = run(plan({f}), {"open wal.log wc", "write 8 a", "write 8 b"});
  EXPECT_TRUE(r.killed_by(SIGKILL));
  EXPECT_EQ(file("wal.log"), "aaaaaaaabbb");
  EXPECT_EQ(events().back().raw["wrote"], 3);
}

TEST_F(ShimTest, CrashOnAnAppendDescriptorCountsFromTheEndOfFile) {
  const auto r = run(plan({at_offset("crash", 7)}), {"open wal.log wca", "write 5 a", "write 5 b"});
  EXPECT_TRUE(r.killed_by(SIGKILL));
  EXPECT_EQ(file("wal.log"), "aaaaabb");
  EXPECT_EQ(events().back().off, 5);
}

TEST_F(ShimTest, CrashInsideAWritevKeepsTheGatheredPrefix) {
  const auto r = run(plan({at_offset("crash", 4)}), {"open wal.log wc", "writev 3,3,3 x"});
  EXPECT_TRUE(r.killed_by(SIGKILL));
  EXPECT_EQ(file("wal.log"), "xxxx");
}

// ---- short_write ---------------------------------------------------------------------------------------------------

TEST_F(ShimTest, ShortWriteReturnsTheCountBeforeTheOffset) {
  const auto r = run(plan({at_offset("short_write", 4)}), {"open wal.log wc", "write 8 a", "write 8 b"});
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"open ret=3 errno=0 fd=3", "write ret=4 errno=0", "write ret=8 errno=0"}));
  EXPECT_EQ(file("wal.log"), "aaaabbbbbbbb");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_STREQ(fault_kind_name(faults[0].kind), "short_write");
  EXPECT_EQ(faults[0].raw["wrote"], 4);
  const auto writes = events_of("write");
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_EQ(writes[0].ret, 4);
  EXPECT_EQ(summarize(events()).at("wal.log").size, 12u);
}

TEST_F(ShimTest, ShortWriteByDefaultWritesHalf) {
  const auto r = run(plan({at_nth("short_write", 1)}), {"open wal.log wc", "pwrite 10 a 0"});
  EXPECT_EQ(r.lines().back(), "pwrite ret=5 errno=0");
  EXPECT_EQ(file("wal.log"), "aaaaa");
}

// ---- bitflip_write -------------------------------------------------------------------------------------------------

TEST_F(ShimTest, BitflipWriteFlipsTheNamedBitOnTheWayToTheFile) {
  auto f = at_offset("bitflip_write", 5);
  f.bit = 0;
  const auto r = run(plan({f}), {"open wal.log wc", "write 8 a"});
  EXPECT_EQ(r.lines().back(), "write ret=8 errno=0");
  EXPECT_EQ(file("wal.log"), "aaaaa`aa");  // 'a' ^ 1 == '`'
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].raw["at"], 5);
  EXPECT_EQ(faults[0].raw["bit"], 0);
}

TEST_F(ShimTest, BitflipWriteOnNthDrawsByteAndBitFromTheSeed) {
  const std::vector<std::string> ops = {"open wal.log wc", "writev 4,4 a", "writev 4,4 a"};
  run(plan({at_nth("bitflip_write", 2)}), ops);
  const std::string content = file("wal.log");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  const auto at = faults[0].raw["at"].get<std::size_t>();
  const int bit = faults[0].raw["bit"].get<int>();
  ASSERT_GE(at, 8u);
  ASSERT_LT(at, 16u);
  std::string expected(16, 'a');
  expected[at] = static_cast<char>('a' ^ (1 << bit));
  EXPECT_EQ(content, expected);
  // The same plan and calls give the same byte and bit.
  std::filesystem::remove(journal_path());
  std::filesystem::remove(data() / "wal.log");
  run(plan({at_nth("bitflip_write", 2)}), ops);
  EXPECT_EQ(file("wal.log"), expected);
}

// ---- bitflip_read, read_error --------------------------------------------------------------------------------------

TEST_F(ShimTest, BitflipReadFlipsTheCallersBufferNotTheFile) {
  auto f = at_offset("bitflip_read", 2);
  f.bit = 1;
  const auto r = run(plan({f}), {"open wal.log wc", "write 4 a", "close", "open wal.log r", "read 4", "close",
                                 "open wal.log r", "read 4"});
  const auto lines = r.lines();
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[4], "read ret=4 errno=0 data=61616361");  // 'a' ^ 2 == 'c'
  EXPECT_EQ(lines[7], "read ret=4 errno=0 data=61616161");  // count=1: the second read is clean
  EXPECT_EQ(file("wal.log"), "aaaa");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_STREQ(fault_kind_name(faults[0].kind), "bitflip_read");
  EXPECT_EQ(faults[0].raw["at"], 2);
}

TEST_F(ShimTest, ReadErrorFailsTheReadWithTheNamedErrno) {
  const auto r = run(plan({at_nth("read_error", 1)}), {"open wal.log rwc", "write 4 a", "pread 4 0", "pread 4 0"});
  const auto lines = r.lines();
  EXPECT_EQ(lines[2], "pread ret=-1 errno=EIO data=");
  EXPECT_EQ(lines[3], "pread ret=4 errno=0 data=61616161");
  const auto reads = events_of("read");
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].ret, -1);
  EXPECT_EQ(reads[0].raw["errno"], "EIO");
}

// ---- write_error ---------------------------------------------------------------------------------------------------

TEST_F(ShimTest, WriteErrorWritesKeepBytesThenFails) {
  auto f = at_nth("write_error", 2);
  f.keep = 3;
  f.err = "ENOSPC";
  const auto r = run(plan({f}), {"open wal.log wc", "write 4 a", "write 4 b", "write 4 c"});
  const auto lines = r.lines();
  EXPECT_EQ(lines[2], "write ret=-1 errno=ENOSPC");
  EXPECT_EQ(lines[3], "write ret=4 errno=0");
  EXPECT_EQ(file("wal.log"), "aaaabbbcccc");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].raw["errno"], "ENOSPC");
  EXPECT_EQ(faults[0].raw["wrote"], 3);
  EXPECT_EQ(summarize(events()).at("wal.log").size, 11u);
  EXPECT_TRUE(detect_bypass(data(), summarize(events()), {}).empty());
}

// ---- fsync_error ---------------------------------------------------------------------------------------------------

TEST_F(ShimTest, FsyncErrorJournalsTheLostRangeAndLaterSyncsSucceed) {
  const auto r = run(plan({at_nth("fsync_error", 2)}),
                     {"open wal.log wc", "write 10 a", "fsync", "write 5 b", "fsync", "fsync"});
  const auto lines = r.lines();
  EXPECT_EQ(lines[2], "fsync ret=0 errno=0");
  EXPECT_EQ(lines[4], "fsync ret=-1 errno=EIO");
  EXPECT_EQ(lines[5], "fsync ret=0 errno=0");
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].raw["lost_from"], 10);
  EXPECT_EQ(faults[0].raw["lost_to"], 15);
  const auto h = summarize(events()).at("wal.log");
  EXPECT_EQ(h.synced_size, 15u);
  ASSERT_EQ(h.lost.size(), 1u);
  EXPECT_EQ(h.lost[0], (std::pair<std::uint64_t, std::uint64_t>{10, 15}));
}

// ---- lost_write, misdirected_write ---------------------------------------------------------------------------------

TEST_F(ShimTest, LostWriteReportsSuccessAndLeavesTheOldBytes) {
  const auto r = run(plan({at_nth("lost_write", 2)}), {"open wal.log wc", "write 4 a", "lseek 1", "write 2 b", "write 1 c"});
  EXPECT_EQ(r.lines()[3], "write ret=2 errno=0");
  EXPECT_EQ(file("wal.log"), "aaac");  // the lost write still moved the position to 3
}

TEST_F(ShimTest, LostWritePastTheEndExtendsTheFileWithZeros) {
  run(plan({at_nth("lost_write", 2)}), {"open wal.log wc", "write 4 a", "pwrite 4 c 6"});
  EXPECT_EQ(file("wal.log"), std::string("aaaa") + std::string(6, '\0'));
  EXPECT_EQ(summarize(events()).at("wal.log").size, 10u);
}

TEST_F(ShimTest, MisdirectedWriteLandsShiftBytesAway) {
  auto f = at_nth("misdirected_write", 2);
  f.shift = 8;
  const auto r = run(plan({f}), {"open wal.log wc", "write 8 a", "write 4 b", "write 1 c"});
  EXPECT_EQ(r.lines()[2], "write ret=4 errno=0");
  // Intended [8, 12) keeps its old bytes (zeros past the old end), the data lands at [16, 20); the position moved on
  // as if the write had happened, so "c" goes to 12.
  std::string expected = std::string(8, 'a') + std::string(4, '\0') + "c" + std::string(3, '\0') + "bbbb";
  EXPECT_EQ(file("wal.log"), expected);
  const auto faults = fired_faults(events());
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].raw["shift"], 8);
  EXPECT_EQ(summarize(events()).at("wal.log").size, 20u);
  EXPECT_TRUE(detect_bypass(data(), summarize(events()), {}).empty());
}

// ---- triggers ------------------------------------------------------------------------------------------------------

TEST_F(ShimTest, ProbabilityTriggerIsDeterministicForASeed) {
  auto f = fault("bitflip_write");
  f.prob = 0.3;
  f.count = 0;
  std::vector<std::string> ops = {"open wal.log wc"};
  for (int i = 0; i < 40; ++i) ops.push_back("write 1 a");
  run(plan({f}), ops);
  const std::string first = file("wal.log");
  const auto fired = fired_faults(events()).size();
  EXPECT_GT(fired, 0u);
  EXPECT_LT(fired, 40u);
  std::filesystem::remove(journal_path());
  run(plan({f}), ops);
  EXPECT_EQ(file("wal.log"), first);
  auto other = plan({f});
  other.seed = 43;
  std::filesystem::remove(journal_path());
  run(other, ops);
  EXPECT_NE(file("wal.log"), first);
}

TEST_F(ShimTest, CountLimitsHowOftenAFaultFires) {
  auto f = at_nth("short_write", 2);
  f.count = 2;
  const auto r = run(plan({f}), {"open wal.log wc", "write 4 a", "write 4 a", "write 4 a", "write 4 a"});
  const auto lines = r.lines();
  EXPECT_EQ(lines[1], "write ret=4 errno=0");
  EXPECT_EQ(lines[2], "write ret=2 errno=0");
  EXPECT_EQ(lines[3], "write ret=2 errno=0");
  EXPECT_EQ(lines[4], "write ret=4 errno=0");
}

TEST_F(ShimTest, FaultsOnlyHitFilesTheirGlobMatches) {
  auto f = at_nth("write_error", 1);
  f.file = "*.log";
  const auto r = run(plan({f}), {"open data.db wc", "write 4 a", "open wal.log wc", "write 4 b"});
  EXPECT_EQ(r.lines()[1], "write ret=4 errno=0");
  EXPECT_EQ(r.lines()[3], "write ret=-1 errno=EIO");
}

// ---- what the journal records --------------------------------------------------------------------------------------

TEST_F(ShimTest, NamespaceOperationsAndDirectorySyncsAreJournaled) {
  const auto r = run(plan(), {"open a.tmp wc", "write 3 a", "fsync", "close", "rename a.tmp a", "fsyncdir .",
                              "truncate a 1", "unlink a"});
  EXPECT_EQ(r.exit_code(), 0);
  std::vector<std::string> kinds;
  for (const Event& e : events()) kinds.push_back(e.ev);
  EXPECT_EQ(kinds, (std::vector<std::string>{"start", "open", "write", "sync", "close", "rename", "dirsync",
                                             "truncate", "unlink"}));
  const auto ev = events();
  EXPECT_EQ(ev[1].file, "a.tmp");
  EXPECT_EQ(ev[1].raw["created"], true);
  EXPECT_EQ(ev[3].size, 3);
  EXPECT_EQ(ev[5].raw["from"], "a.tmp");
  EXPECT_EQ(ev[5].raw["to"], "a");
  EXPECT_EQ(ev[6].raw["path"], data().string());
  EXPECT_EQ(ev[6].file, ".");
  EXPECT_EQ(ev[7].size, 1);
  EXPECT_EQ(ev[8].file, "a");
  EXPECT_FALSE(summarize(ev).at("a").exists);
}

TEST_F(ShimTest, DuplicatedDescriptorsAreFollowed) {
  run(plan(), {"open wal.log wc", "dup", "write 3 a", "dup2 50", "write 2 b", "close"});
  const auto writes = events_of("write");
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_EQ(writes[0].fd, 4);
  EXPECT_EQ(writes[1].fd, 50);
  EXPECT_EQ(writes[1].off, 3);
}

TEST_F(ShimTest, OSyncWritesAreJournaledAsSynced) {
  run(plan(), {"open wal.log wcs", "write 3 a"});
  const auto syncs = events_of("sync");
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_EQ(syncs[0].raw["fn"], "O_SYNC");
  EXPECT_EQ(summarize(events()).at("wal.log").synced_size, 3u);
}

TEST_F(ShimTest, TargetGlobsLimitWhichFilesAreFollowed) {
  auto p = plan({at_nth("write_error", 1)});
  p.targets = {"wal.log"};
  const auto r = run(p, {"open other.txt wc", "write 4 a", "open wal.log wc", "write 4 b"});
  EXPECT_EQ(r.lines()[1], "write ret=4 errno=0");
  EXPECT_EQ(r.lines()[3], "write ret=-1 errno=EIO");
  for (const Event& e : events()) EXPECT_NE(e.file, "other.txt");
}

TEST_F(ShimTest, WithoutAPlanTheShimPassesEverythingThrough) {
  const auto r = run_raw({"open wal.log wc", "write 4 a"}, {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", ""}});
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(file("wal.log"), "aaaa");
  EXPECT_FALSE(std::filesystem::exists(journal_path()));
}

TEST_F(ShimTest, ConcurrentWritersAreAllJournaledExactlyOnce) {
  const auto r = run(plan(), {"threads 8 500"});
  EXPECT_EQ(r.lines(), (std::vector<std::string>{"threads ret=0 errno=0"}));
  const auto files = summarize(events());
  ASSERT_EQ(files.size(), 8u);
  for (const auto& [name, h] : files) {
    EXPECT_EQ(h.write_calls, 500u) << name;
    EXPECT_EQ(h.size, 8000u) << name;
    EXPECT_EQ(h.synced_size, 8000u) << name;
    EXPECT_EQ(std::filesystem::file_size(data() / name), 8000u);
  }
  EXPECT_TRUE(detect_bypass(data(), files, {}).empty());
}

TEST_F(ShimTest, AForkedChildJournalsUnderItsOwnPid) {
  const auto r = run(plan(), {"open wal.log wc", "write 2 p", "fork write 3 c", "write 1 p"});
  EXPECT_EQ(r.lines()[2], "write ret=3 errno=0");  // the child's line
  const auto writes = events_of("write");
  ASSERT_EQ(writes.size(), 3u);
  EXPECT_NE(writes[1].pid, writes[0].pid);
  EXPECT_EQ(writes[2].pid, writes[0].pid);
  EXPECT_EQ(writes[1].off, 2);
  EXPECT_EQ(writes[2].off, 5);  // the descriptor's position is shared with the child
  EXPECT_EQ(file("wal.log"), "ppcccp");
}

TEST_F(ShimTest, CallsFromAnotherLibrarysConstructorAreFollowed) {
  auto f = at_nth("short_write", 1);
  f.keep = 2;
  write_plan(plan({f}), plan_path());
  const auto r = testing::run_process({FAULTFS_EARLY_PROBE_PATH},
                                      {{"LD_PRELOAD", kLib},
                                       {"FAULTFS_PLAN", plan_path().string()},
                                       {"FAULTFS_EARLY_FILE", (data() / "early.log").string()}},
                                      tmp_.path());
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(file("early.log"), "ea");
  std::vector<std::string> kinds;
  for (const Event& e : events()) kinds.push_back(e.ev);
  EXPECT_EQ(kinds, (std::vector<std::string>{"start", "open", "fault", "write", "close"}));
}

// ---- exec ----------------------------------------------------------------------------------------------------------

TEST_F(ShimTest, ExecInheritKeepsTheShimInChildren) {
  const auto r = run(plan(), {"spawn open child.log wc;write 2 c;env FAULTFS_PLAN"});
  EXPECT_NE(r.out.find("env FAULTFS_PLAN=" + plan_path().string()), std::string::npos) << r.out;
  int starts = 0;
  for (const Event& e : events()) starts += e.ev == "start";
  EXPECT_EQ(starts, 2);
  EXPECT_EQ(events_of("write").size(), 1u);
}

TEST_F(ShimTest, ExecDropRemovesTheShimFromChildren) {
  auto p = plan();
  p.exec_inherit = false;
  const auto r = run(p, {"env FAULTFS_PLAN", "spawn open child.log wc;write 2 c;env LD_PRELOAD"});
  EXPECT_NE(r.out.find("env FAULTFS_PLAN=(unset)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("env LD_PRELOAD=(unset)"), std::string::npos) << r.out;
  EXPECT_EQ(events_of("start").size(), 1u);
  EXPECT_TRUE(events_of("write").empty());
  // The child's file is real but unexplained: bypass detection names it.
  const auto messages = detect_bypass(data(), summarize(events()), {});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("child.log"), std::string::npos);
}

// ---- bypass ----------------------------------------------------------------------------------------------------------

TEST_F(ShimTest, StdioWritesToATargetAreDetectedAsBypass) {
  const auto r = run(plan(), {"fwrite wal.log 100 x"});
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(file("wal.log").size(), 100u);
  const auto untracked = events_of("untracked");
  ASSERT_EQ(untracked.size(), 1u);
  EXPECT_EQ(untracked[0].raw["fn"], "fopen");
  const auto messages = detect_bypass(data(), summarize(events()), {});
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[0].find("wal.log: the shim saw a call it cannot follow (fopen"), std::string::npos) << messages[0];
  EXPECT_NE(messages[1].find("wal.log: 100 bytes on disk, the journal explains 0"), std::string::npos) << messages[1];
}

TEST_F(ShimTest, SharedWritableMappingsAreReportedUntracked) {
  run(plan(), {"open db wc", "ftruncate 8", "close", "mmapw db 8"});
  const auto untracked = events_of("untracked");
  ASSERT_EQ(untracked.size(), 1u);
  EXPECT_EQ(untracked[0].raw["fn"], "mmap");
  EXPECT_EQ(untracked[0].file, "db");
  EXPECT_EQ(file("db"), "mmmmmmmm");
}

// ---- bad plans -------------------------------------------------------------------------------------------------------

TEST_F(ShimTest, BadPlanExits87NamingTheFileLineAndField) {
  testing::write_file(plan_path(), "faultfs-plan 1\nseed 1\njournal " + journal_path().string() + "\ntarget_dir " +
                                       data().string() + "\n\nfault crash prob=1.5\n");
  const auto r = run_raw({"open wal.log wc"}, {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", plan_path().string()}});
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err, "faultfs: bad plan " + plan_path().string() +
                       ": line 6: field 'prob': expected a probability in (0, 1], got '1.5'\n");
}

TEST_F(ShimTest, BadPlanMissingRequiredDirectiveExits87) {
  testing::write_file(plan_path(), "faultfs-plan 1\nseed 1\ntarget_dir " + data().string() + "\n");
  const auto r = run_raw({}, {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", plan_path().string()}});
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("field 'journal': required"), std::string::npos) << r.err;
}

TEST_F(ShimTest, MissingPlanFileExits87) {
  const auto r = run_raw({}, {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", (tmp_.path() / "nope").string()}});
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("nope: line 0: field 'FAULTFS_PLAN': cannot open the plan"), std::string::npos) << r.err;
}

TEST_F(ShimTest, StepWithoutStepFileExits87) {
  const auto r = run_text("", "fault crash step=2");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_EQ(r.err, "faultfs: bad plan " + plan_path().string() +
                       ": line 5: field 'step': needs a step counter: add a 'step_file PATH' directive\n");
}

TEST_F(ShimTest, StepFileMayFollowTheFaultsThatUseIt) {
  testing::write_file(step_path(), std::string(4096, '\0'));
  const auto r = run_text("step_file " + step_path().string() + "\n", "fault crash step=1");
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(file("wal.log"), "aaaa");
}

TEST_F(ShimTest, MissingStepFileExits87) {
  const auto r = run_text("step_file " + step_path().string() + "\n", "fault crash step=1");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_EQ(r.err.rfind("faultfs: bad plan " + plan_path().string() + ": line 6: field 'step_file': cannot open '" +
                            step_path().string() + "': No such file or directory", 0),
            0u) << r.err;
  EXPECT_FALSE(std::filesystem::exists(data() / "wal.log"));  // before main
}

TEST_F(ShimTest, StepFileShorterThanACounterExits87) {
  testing::write_file(step_path(), "1234567");
  const auto r = run_text("step_file " + step_path().string() + "\n", "fault crash step=1");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("line 6: field 'step_file': '" + step_path().string() +
                       "' must be a regular file of at least 8 bytes"), std::string::npos) << r.err;
}

TEST_F(ShimTest, BadStepFileDirectivesExit87) {
  testing::write_file(step_path(), std::string(4096, '\0'));
  auto r = run_text("step_file step\n", "fault crash step=1");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("line 6: field 'step_file': expected an absolute path, got 'step'"), std::string::npos) << r.err;
  r = run_text("step_file " + step_path().string() + "\nstep_file " + step_path().string() + "\n", "fault crash step=1");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("line 7: field 'step_file': given twice"), std::string::npos) << r.err;
  r = run_text("step_file " + step_path().string() + "\n", "fault crash step=0");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("line 5: field 'step': expected a step counter value >= 1, got '0'"), std::string::npos) << r.err;
  r = run_text("step_file " + step_path().string() + "\n", "fault crash step=1 nth=2");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("line 5: field 'trigger': expected exactly one of offset=, nth=, prob=, step= (got 2)"),
            std::string::npos) << r.err;
}

TEST_F(ShimTest, SpanWithOffsetExits87) {
  const auto r = run_text("", "fault bitflip_write offset=3 span=0:2");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_EQ(r.err, "faultfs: bad plan " + plan_path().string() +
                       ": line 5: field 'span': not allowed with offset= (the offset already names the byte); use "
                       "nth=, prob= or step=\n");
}

TEST_F(ShimTest, SpanWithKeepExits87) {
  for (const char* kind : {"crash", "short_write", "write_error"}) {
    const auto r = run_text("", std::string("fault ") + kind + " nth=1 keep=2 span=0:4");
    EXPECT_EQ(r.exit_code(), 87) << kind;
    EXPECT_NE(r.err.find(std::string("line 5: field 'span': not allowed with keep= (both choose where ") + kind +
                         " stops)"), std::string::npos) << r.err;
  }
}

TEST_F(ShimTest, MalformedOrMisplacedSpanExits87) {
  auto r = run_text("", "fault lost_write nth=1 span=0:4");
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("line 5: field 'span': not allowed for lost_write"), std::string::npos) << r.err;
  for (const char* bad : {"4", "1:x", "+1:2", ":3", "1:", "1:2:3", "-9223372036854775808:0"}) {
    r = run_text("", std::string("fault crash nth=1 span=") + bad);
    EXPECT_EQ(r.exit_code(), 87) << bad;
    EXPECT_NE(r.err.find("line 5: field 'span': expected FROM:TO"), std::string::npos) << bad << ": " << r.err;
  }
}

TEST_F(ShimTest, UnknownFaultKeyExits87) {
  testing::write_file(plan_path(), "faultfs-plan 1\nseed 1\njournal " + journal_path().string() + "\ntarget_dir " +
                                       data().string() + "\nfault lost_write nth=1 bit=3\n");
  const auto r = run_raw({}, {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", plan_path().string()}});
  EXPECT_EQ(r.exit_code(), 87);
  EXPECT_NE(r.err.find("line 5: field 'bit': not allowed for lost_write"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace faultline::faults
