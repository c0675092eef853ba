// live_records (harness/src/trial/locate.cpp): damage at rest is aimed only at bytes still on disk; and the message of
// a failed preflight (harness/src/preflight.cpp). Hand-made records and events.
#include <gtest/gtest.h>

#include <map>

#include "faultline/harness/preflight.h"
#include "trial/locate.h"

namespace faultline::harness::detail {
namespace {

faults::Event event(const std::string& ev, const std::string& file, const std::string& to = "") {
  faults::Event e;
  e.ev = ev;
  e.file = file;
  e.ret = 0;
  e.raw = {{"ev", ev}, {"file", file}};
  if (ev == "rename") e.raw = {{"ev", ev}, {"from", file}, {"to", to}, {"ret", 0}};
  return e;
}

std::function<std::optional<std::uint64_t>(const std::string&)> sizes(std::map<std::string, std::uint64_t> m) {
  return [m](const std::string& f) -> std::optional<std::uint64_t> {
    const auto it = m.find(f);
    return it == m.end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
  };
}

// Regression (issue 15, item 6): SQLite's rollback journal is unlinked after each commit, LevelDB writes CURRENT as a
// temporary file renamed over it; at-rest damage aimed at their records was "cannot open for damage" (trial error).
TEST(LiveRecords, RecordsOfUnlinkedFilesAreGone) {
  const std::vector<Record> records{{"kv.db-journal", 0, 512, 0, 0}, {"kv.db", 0, 4096, 0, 1}};
  const std::vector<faults::Event> events{event("write", "kv.db-journal"), event("write", "kv.db"),
                                          event("unlink", "kv.db-journal")};
  const auto live = live_records(records, events, sizes({{"kv.db", 4096}}));
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].file, "kv.db");
}

TEST(LiveRecords, RecordsFollowTheirFileThroughARenameAndTheReplacedFileLosesItsOwn) {
  const std::vector<Record> records{{"CURRENT", 0, 16, 0, 0}, {"000005.dbtmp", 0, 16, 1, 1}};
  const std::vector<faults::Event> events{event("write", "CURRENT"), event("write", "000005.dbtmp"),
                                          event("rename", "000005.dbtmp", "CURRENT")};
  const auto live = live_records(records, events, sizes({{"CURRENT", 16}}));
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].file, "CURRENT");
  EXPECT_EQ(live[0].op, 1u);
}

TEST(LiveRecords, WhatLiesPastTheSizeOnDiskIsCutOff) {
  const std::vector<Record> records{{"wal", 0, 10, 0, 0}, {"wal", 10, 10, 1, 1}, {"wal", 20, 10, 2, 2}};
  const auto live = live_records(records, {}, sizes({{"wal", 15}}));
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[1].len, 5u);
}

TEST(LiveRecords, ARecordWrittenAfterTheRenameStays) {
  const std::vector<Record> records{{"LOG.tmp", 0, 8, 0, 1}};
  const std::vector<faults::Event> events{event("rename", "LOG.tmp", "x"), event("write", "LOG.tmp")};
  EXPECT_EQ(live_records(records, events, sizes({{"LOG.tmp", 8}})).size(), 1u);
}

TEST(Preflight, TheMessageNamesTheProblemTheWordsAndTheEnginesStderr) {
  const auto m = preflight_message("--engine", "it ended before READY (exit 2)", {"/bin/walkv", "serve", "--dirr", "/d"},
                                   {"The following argument was not expected: --dirr"});
  EXPECT_NE(m.find("--engine: the engine failed its preflight"), std::string::npos) << m;
  EXPECT_NE(m.find("it ended before READY (exit 2)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(["/bin/walkv", "serve", "--dirr", "/d"])"), std::string::npos) << m;
  EXPECT_NE(m.find("    The following argument was not expected: --dirr"), std::string::npos) << m;
  EXPECT_NE(preflight_message("p.json", "x", {"a"}, {}).find("wrote nothing on stderr"), std::string::npos);
}

}  // namespace
}  // namespace faultline::harness::detail
