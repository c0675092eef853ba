// Files written only around the shim (faults/src/untracked.cc) and histories that go on across the runs of a trial
// (existing_files, summarize from them): hand-made journals and directories.
#include <gtest/gtest.h>

#include "faultline/storage.h"
#include "test_support.h"

namespace faultline::faults {
namespace {

using testing::write_file;

std::vector<Event> parse(const std::string& lines) {
  testing::TempDir tmp;
  write_file(tmp.path() / "j.jsonl", lines);
  return read_journal(tmp.path() / "j.jsonl");
}

// SQLite's WAL index: created, sized with one pwrite of a byte per page, then mapped shared and writable.
const char* kShm = R"({"ev":"open","pid":1,"fd":4,"file":"kv.db-shm","created":true,"size":0}
{"ev":"write","pid":1,"fd":4,"file":"kv.db-shm","off":4095,"len":1,"ret":1}
{"ev":"untracked","pid":1,"fn":"mmap64","file":"kv.db-shm","why":"stores through a shared writable mapping bypass the shim"}
{"ev":"open","pid":1,"fd":5,"file":"kv.db-wal","created":true,"size":0}
{"ev":"write","pid":1,"fd":5,"file":"kv.db-wal","off":0,"len":32,"ret":32}
)";

// LevelDB's info log: opened by open(), written through fdopen's stream only.
const char* kLog = R"({"ev":"open","pid":1,"fd":6,"file":"LOG","created":true,"size":0}
{"ev":"untracked","pid":1,"fn":"fdopen","file":"LOG","why":"stdio writes (fwrite, fprintf) bypass the shim"}
)";

FileHistory history(const std::string& name, std::uint64_t size = 0) {
  FileHistory h;
  h.file = name;
  h.size = h.synced_size = size;
  return h;
}

TEST(Untracked, AMappedFileIsLeftOutWhateverWritesItAlsoGot) {
  auto h = summarize(parse(kShm));
  const auto out = leave_out_untracked(h, {}, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out.at("kv.db-shm").find("mapped shared and writable (mmap64)"), std::string::npos) << out.at("kv.db-shm");
  EXPECT_FALSE(h.contains("kv.db-shm"));
  EXPECT_TRUE(h.contains("kv.db-wal"));
}

TEST(Untracked, AFileWrittenOnlyThroughStdioIsLeftOut) {
  auto h = summarize(parse(kLog));
  const auto out = leave_out_untracked(h, {}, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out.at("LOG").find("only through stdio (fdopen)"), std::string::npos);
}

TEST(Untracked, AFileWrittenThroughStdioAndThroughWriteIsStillABypass) {
  auto h = summarize(parse(std::string(kLog) + R"({"ev":"write","pid":1,"fd":6,"file":"LOG","off":0,"len":3,"ret":3})"
                                                "\n"));
  EXPECT_TRUE(leave_out_untracked(h, {}, {}).empty());
  testing::TempDir tmp;
  write_file(tmp.path() / "LOG", "abcdef");
  const auto messages = detect_bypass(tmp.path(), h, {});
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(messages[0].find("LOG: the shim saw a call it cannot follow (fdopen"), std::string::npos) << messages[0];
}

TEST(Untracked, OtherCallsTheShimCannotFollowStayABypass) {
  auto h = summarize(parse(R"({"ev":"open","pid":1,"fd":4,"file":"db","created":true,"size":0}
{"ev":"untracked","pid":1,"fn":"copy_file_range","file":"db","why":"the kernel copies without a write() call"}
)"));
  EXPECT_TRUE(leave_out_untracked(h, {}, {}).empty());
  EXPECT_TRUE(h.contains("db"));
}

TEST(Untracked, AFileLeftOutEarlierStaysLeftOutThroughARename) {
  // Run 2 of LevelDB: LOG (left out in run 1) is renamed to LOG.old, and a new LOG is opened with fdopen.
  auto h = summarize(parse(R"({"ev":"rename","pid":1,"from":"LOG","to":"LOG.old","ret":0}
{"ev":"open","pid":1,"fd":6,"file":"LOG","created":true,"size":0}
{"ev":"untracked","pid":1,"fn":"fdopen","file":"LOG","why":"stdio"}
)"),
                     {{"LOG", history("LOG")}});
  const auto out = leave_out_untracked(h, parse(R"({"ev":"rename","pid":1,"from":"LOG","to":"LOG.old","ret":0})"
                                                "\n"),
                                       {{"LOG", "written only through stdio (fdopen)"}});
  EXPECT_TRUE(out.contains("LOG"));
  EXPECT_TRUE(out.contains("LOG.old"));
  EXPECT_TRUE(h.empty());
}

TEST(Untracked, LeftOutFilesOnDiskAreNoBypass) {
  testing::TempDir tmp;
  write_file(tmp.path() / "kv.db-shm", std::string(32768, '\0'));
  write_file(tmp.path() / "kv.db-wal", std::string(32, 'w'));
  auto h = summarize(parse(kShm));
  const auto out = leave_out_untracked(h, {}, {});
  EXPECT_TRUE(detect_bypass(tmp.path(), h, {}, out).empty());
  // Without leaving it out, the same run is a bypass (the behaviour before: every SQLite WAL trial an error).
  EXPECT_FALSE(detect_bypass(tmp.path(), summarize(parse(kShm)), {}).empty());
}

// Regression (issue 15, item 6): in repeated-crashes a file an earlier cycle created and fsynced, untouched by the next
// cycle, was "exists on disk but the journal never saw it".
TEST(Untracked, AFileAnEarlierRunLeftIsExplainedByItsHistory) {
  testing::TempDir tmp;
  write_file(tmp.path() / "wal.log", std::string(40, 'a'));
  write_file(tmp.path() / "wal.log.torn-17", std::string(5, 'b'));
  const auto existing = existing_files(tmp.path(), {"*"}, {});
  ASSERT_EQ(existing.size(), 2u);
  EXPECT_EQ(existing.at("wal.log.torn-17").synced_size, 5u);
  const auto events = parse(R"({"ev":"open","pid":1,"fd":3,"file":"wal.log","created":false,"size":40}
{"ev":"write","pid":1,"fd":3,"file":"wal.log","off":40,"len":8,"ret":8}
)");
  write_file(tmp.path() / "wal.log", std::string(48, 'a'));
  EXPECT_TRUE(detect_bypass(tmp.path(), summarize(events, existing), {}).empty());
  const auto without = detect_bypass(tmp.path(), summarize(events), {});
  ASSERT_EQ(without.size(), 1u);
  EXPECT_NE(without[0].find("wal.log.torn-17: exists on disk"), std::string::npos) << without[0];
}

TEST(Untracked, ARenameOfAFileAnEarlierRunLeftIsNoAnomaly) {
  const auto events = parse(R"({"ev":"rename","pid":1,"from":"CURRENT","to":"CURRENT.old","ret":0})"
                            "\n");
  const auto h = summarize(events, {{"CURRENT", history("CURRENT", 16)}});
  EXPECT_TRUE(h.at("CURRENT.old").anomalies.empty());
  EXPECT_EQ(h.at("CURRENT.old").size, 16u);
  EXPECT_FALSE(summarize(events).at("CURRENT.old").anomalies.empty());
}

TEST(Untracked, ExistingFilesSkipsLeftOutAndNonTargetFiles) {
  testing::TempDir tmp;
  write_file(tmp.path() / "a.log", "x");
  write_file(tmp.path() / "LOG", "y");
  write_file(tmp.path() / "other", "z");
  const auto existing = existing_files(tmp.path(), {"*.log", "LOG"}, {{"LOG", "stdio"}});
  ASSERT_EQ(existing.size(), 1u);
  EXPECT_TRUE(existing.contains("a.log"));
}

}  // namespace
}  // namespace faultline::faults
