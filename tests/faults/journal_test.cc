// Reading the event journal and summarizing it per file (faults/src/journal.cc).
#include "faultline/journal.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "test_support.h"

namespace faultline::faults {
namespace {

using Range = std::pair<std::uint64_t, std::uint64_t>;

// Events from JSON lines, through the real reader.
std::vector<Event> parse(const std::string& lines) {
  testing::TempDir tmp;
  testing::write_file(tmp.path() / "j.jsonl", lines);
  return read_journal(tmp.path() / "j.jsonl");
}

std::string error_of(const std::string& lines) {
  try {
    parse(lines);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Journal, ReadsEveryFieldOfAnEvent) {
  const auto ev = parse(
      R"({"ev":"start","pid":9,"plan_version":1,"seed":"18446744073709551615","exe":"/bin/x"})"
      "\n"
      R"({"ev":"write","pid":9,"fd":3,"file":"wal.log","off":10,"len":5,"ret":5})"
      "\n"
      R"({"ev":"fault","pid":9,"kind":"crash","file":"wal.log","off":15,"len":8,"fd":3,"index":0,"wrote":2})"
      "\n");
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].ev, "start");
  EXPECT_EQ(ev[0].raw["seed"], "18446744073709551615");
  EXPECT_EQ(ev[1].pid, 9);
  EXPECT_EQ(ev[1].fd, 3);
  EXPECT_EQ(ev[1].file, "wal.log");
  EXPECT_EQ(ev[1].off, 10);
  EXPECT_EQ(ev[1].len, 5);
  EXPECT_EQ(ev[1].ret, 5);
  EXPECT_EQ(ev[1].size, -1);
  EXPECT_STREQ(fault_kind_name(ev[2].kind), "crash");
  EXPECT_EQ(ev[2].raw["wrote"], 2);
}

TEST(Journal, MissingFileReadsAsNoEvents) {
  EXPECT_TRUE(read_journal("/nonexistent/faultline/journal.jsonl").empty());
}

TEST(Journal, BlankLinesAreSkipped) { EXPECT_EQ(parse("\n{\"ev\":\"close\",\"pid\":1}\n\n").size(), 1u); }

TEST(Journal, MalformedLineNamesFileAndLine) {
  const std::string err = error_of("{\"ev\":\"start\",\"pid\":1}\n{\"ev\":\"write\",\"pid\n");
  EXPECT_NE(err.find("j.jsonl:2: malformed journal line: not JSON"), std::string::npos) << err;
}

TEST(Journal, LineWithoutEvIsMalformed) {
  EXPECT_NE(error_of("{\"pid\":1}\n").find("j.jsonl:1: malformed journal line: missing string field 'ev'"),
            std::string::npos);
}

TEST(Journal, FaultOfAnUnknownKindIsMalformed) {
  const auto err = error_of("{\"ev\":\"fault\",\"pid\":1,\"kind\":\"meteor\"}\n");
  EXPECT_NE(err.find("j.jsonl:1: malformed journal line: fault event of unknown kind 'meteor'"), std::string::npos)
      << err;
  EXPECT_NE(error_of("{\"ev\":\"fault\",\"pid\":1,\"kind\":\"at_rest\"}\n").find("unknown kind 'at_rest'"),
            std::string::npos) << "the harness applies at-rest damage; the shim never journals it";
}

TEST(Journal, LineWithoutPidIsMalformed) {
  EXPECT_NE(error_of("{\"ev\":\"close\"}\n").find(":1: malformed journal line: missing field 'pid'"), std::string::npos);
}

TEST(Journal, FieldOfTheWrongTypeIsMalformed) {
  EXPECT_NE(error_of("{\"ev\":\"write\",\"pid\":1,\"off\":\"7\"}\n").find("field 'off' must be an integer"),
            std::string::npos);
}

TEST(Journal, NonObjectLineIsMalformed) { EXPECT_NE(error_of("[1,2]\n").find("not a JSON object"), std::string::npos); }

TEST(Journal, FiredFaultsListsFaultEventsInOrder) {
  const auto ev = parse(
      "{\"ev\":\"fault\",\"pid\":1,\"kind\":\"short_write\",\"file\":\"a\",\"off\":0,\"len\":4}\n"
      "{\"ev\":\"write\",\"pid\":1,\"file\":\"a\",\"off\":0,\"len\":4,\"ret\":2}\n"
      "{\"ev\":\"fault\",\"pid\":1,\"kind\":\"read_error\",\"file\":\"a\",\"off\":0,\"len\":4}\n");
  const auto faults = fired_faults(ev);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_STREQ(fault_kind_name(faults[0].kind), "short_write");
  EXPECT_STREQ(fault_kind_name(faults[1].kind), "read_error");
}

// ---- summarize -------------------------------------------------------------------------------------------------------

TEST(Summarize, WritesGrowTheSizeAndSyncsMakeItDurable) {
  const auto h = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"wal","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"write","pid":1,"fd":3,"file":"wal","off":0,"len":10,"ret":10})" "\n"
      R"({"ev":"sync","pid":1,"fd":3,"file":"wal","size":10,"ret":0,"fn":"fsync"})" "\n"
      R"({"ev":"write","pid":1,"fd":3,"file":"wal","off":10,"len":6,"ret":6})" "\n"))
                     .at("wal");
  EXPECT_TRUE(h.created);
  EXPECT_FALSE(h.dir_synced_after_create);
  EXPECT_EQ(h.size, 16u);
  EXPECT_EQ(h.synced_size, 10u);
  EXPECT_EQ(h.bytes_written, 16u);
  EXPECT_EQ(h.write_calls, 2u);
  EXPECT_EQ(h.writes, (std::vector<Range>{{0, 10}, {10, 6}}));
  EXPECT_TRUE(h.anomalies.empty());
}

TEST(Summarize, AFileFromBeforeTheJournalIsDurableAsFound) {
  const auto h = summarize(parse(R"({"ev":"open","pid":1,"fd":3,"file":"old","created":false,"trunc":false,"size":77})" "\n"))
                     .at("old");
  EXPECT_FALSE(h.created);
  EXPECT_EQ(h.size, 77u);
  EXPECT_EQ(h.synced_size, 77u);
}

TEST(Summarize, DirsyncOfTheParentMakesACreatedFileDurable) {
  const auto files = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"a","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"open","pid":1,"fd":4,"file":"sub/b","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"dirsync","pid":1,"path":"/d","ret":0,"file":"."})" "\n"
      R"({"ev":"open","pid":1,"fd":5,"file":"c","created":true,"trunc":false,"size":0})" "\n"));
  EXPECT_TRUE(files.at("a").dir_synced_after_create);
  EXPECT_FALSE(files.at("sub/b").dir_synced_after_create);
  EXPECT_FALSE(files.at("c").dir_synced_after_create);
}

TEST(Summarize, FsyncErrorAddsALostRangeAndRewritingRemovesIt) {
  const std::string prefix =
      R"({"ev":"open","pid":1,"fd":3,"file":"wal","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"write","pid":1,"fd":3,"file":"wal","off":0,"len":20,"ret":20})" "\n"
      R"({"ev":"fault","pid":1,"kind":"fsync_error","file":"wal","off":0,"len":20,"fd":3,"errno":"EIO","lost_from":0,"lost_to":20})" "\n"
      R"({"ev":"sync","pid":1,"fd":3,"file":"wal","size":20,"ret":-1})" "\n"
      R"({"ev":"sync","pid":1,"fd":3,"file":"wal","size":20,"ret":0})" "\n";
  auto h = summarize(parse(prefix)).at("wal");
  EXPECT_EQ(h.synced_size, 20u);
  EXPECT_EQ(h.lost, (std::vector<Range>{{0, 20}}));
  h = summarize(parse(prefix + R"({"ev":"write","pid":1,"fd":3,"file":"wal","off":5,"len":5,"ret":5})" "\n")).at("wal");
  EXPECT_EQ(h.lost, (std::vector<Range>{{0, 5}, {10, 20}}));
}

TEST(Summarize, CrashPrefixCountsInTheSize) {
  const auto h = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"wal","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"fault","pid":1,"kind":"crash","file":"wal","off":0,"len":8,"fd":3,"wrote":3})" "\n"))
                     .at("wal");
  EXPECT_EQ(h.size, 3u);
  EXPECT_EQ(h.write_calls, 0u);
}

TEST(Summarize, MisdirectedWriteGrowsTheFileToWhereTheDataLanded) {
  const auto h = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"wal","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"fault","pid":1,"kind":"misdirected_write","file":"wal","off":0,"len":8,"fd":3,"shift":100})" "\n"
      R"({"ev":"write","pid":1,"fd":3,"file":"wal","off":0,"len":8,"ret":8})" "\n"))
                     .at("wal");
  EXPECT_EQ(h.size, 108u);
}

TEST(Summarize, WriteErrorCountsTheKeptBytes) {
  const auto h = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"wal","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"fault","pid":1,"kind":"write_error","file":"wal","off":0,"len":8,"fd":3,"wrote":5,"errno":"EIO"})" "\n"
      R"({"ev":"write","pid":1,"fd":3,"file":"wal","off":0,"len":8,"ret":-1,"errno":"EIO"})" "\n"))
                     .at("wal");
  EXPECT_EQ(h.size, 5u);
  EXPECT_EQ(h.bytes_written, 0u);
  EXPECT_EQ(h.write_calls, 1u);
}

TEST(Summarize, TruncateShrinksSizeAndSyncedSize) {
  const auto h = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"wal","created":false,"trunc":false,"size":100})" "\n"
      R"({"ev":"truncate","pid":1,"fd":3,"file":"wal","size":40,"ret":0})" "\n"))
                     .at("wal");
  EXPECT_EQ(h.size, 40u);
  EXPECT_EQ(h.synced_size, 40u);
}

TEST(Summarize, SyncFileRangeMakesNothingDurable) {
  const auto h = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"wal","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"write","pid":1,"fd":3,"file":"wal","off":0,"len":8,"ret":8})" "\n"
      R"({"ev":"sync","pid":1,"fd":3,"file":"wal","size":8,"ret":0,"fn":"sync_file_range"})" "\n"))
                     .at("wal");
  EXPECT_EQ(h.synced_size, 0u);
}

TEST(Summarize, RenameMovesTheHistoryAndUnlinkEndsIt) {
  const auto files = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"tmp","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"write","pid":1,"fd":3,"file":"tmp","off":0,"len":4,"ret":4})" "\n"
      R"({"ev":"rename","pid":1,"from":"tmp","to":"CURRENT","ret":0})" "\n"
      R"({"ev":"unlink","pid":1,"file":"old","ret":0})" "\n"));
  EXPECT_FALSE(files.at("tmp").exists);
  EXPECT_TRUE(files.at("CURRENT").exists);
  EXPECT_EQ(files.at("CURRENT").size, 4u);
  EXPECT_TRUE(files.at("CURRENT").created);
  EXPECT_FALSE(files.at("old").exists);
}

TEST(Summarize, RenameOverADurableFileKeepsTheNameDurable) {
  const auto files = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"CURRENT","created":false,"trunc":false,"size":4})" "\n"
      R"({"ev":"open","pid":1,"fd":4,"file":"tmp","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"rename","pid":1,"from":"tmp","to":"CURRENT","ret":0})" "\n"));
  EXPECT_FALSE(files.at("CURRENT").created);
}

TEST(Summarize, SizesTheWritesCannotExplainAreAnomalies) {
  const auto h = summarize(parse(
      R"({"ev":"open","pid":1,"fd":3,"file":"wal","created":true,"trunc":false,"size":0})" "\n"
      R"({"ev":"sync","pid":1,"fd":3,"file":"wal","size":300,"ret":0,"fn":"fsync"})" "\n"))
                     .at("wal");
  ASSERT_EQ(h.anomalies.size(), 1u);
  EXPECT_EQ(h.anomalies[0], "fsync by pid 1 saw 300 bytes, the journal explains 0");
}

TEST(Summarize, UntrackedCallsAreRecorded) {
  const auto h = summarize(parse(R"({"ev":"untracked","pid":1,"fn":"mmap","file":"db","why":"shared mapping"})" "\n"))
                     .at("db");
  EXPECT_TRUE(h.untracked);
  EXPECT_EQ(h.untracked_calls, (std::vector<std::string>{"mmap: shared mapping"}));
}


// ---- the shim's shared journal: a header with `end`, then lines, then zeros ------------------------------------------

std::string header(std::size_t end) { return fmt::format("{{\"ev\":\"journal\", \"end\":\"{:08x}\"}}\n", end); }
std::string shared(const std::string& lines, std::size_t zeros = 64) {
  return header(35 + lines.size()) + lines + std::string(zeros, '\0');
}

TEST(SharedJournal, ReadsTheLinesUpToEndAndSkipsTheHeader) {
  const std::string lines = "{\"ev\":\"start\",\"pid\":1}\n{\"ev\":\"close\",\"pid\":1}\n";
  ASSERT_EQ(header(0).size(), 35u);
  const auto ev = parse(shared(lines) + "{\"ev\":\"past-the-end\",\"pid\":1}\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].ev, "start");
  EXPECT_EQ(ev[1].ev, "close");
}

// A writer killed after reserving its bytes leaves zeros, or a line cut short by zeros: neither is an event, and the
// lines after it still are.
TEST(SharedJournal, ALineCutShortByZerosIsDroppedAndTheNextOneKept) {
  const std::string torn = std::string("{\"ev\":\"wri") + std::string(20, '\0');
  const std::string unfilled(40, '\0');
  const auto ev = parse(shared("{\"ev\":\"start\",\"pid\":1}\n" + torn + unfilled + "{\"ev\":\"close\",\"pid\":2}\n"));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].ev, "start");
  EXPECT_EQ(ev[1].pid, 2);
}

TEST(SharedJournal, AnUnterminatedLastLineIsNotAnEvent) {
  EXPECT_EQ(parse("{\"ev\":\"start\",\"pid\":1}\n{\"ev\":\"close\",\"pid\":1}").size(), 1u);
  const std::string whole = "{\"ev\":\"start\",\"pid\":1}\n";
  EXPECT_EQ(parse(header(35 + whole.size() + 6) + whole + "{\"ev\":\"cl").size(), 1u);
}

TEST(SharedJournal, LinesKnowWhereTheyEndInTheFile) {
  testing::TempDir tmp;
  const std::string first = "{\"ev\":\"start\",\"pid\":1}\n";
  const std::string lines = first + "{\"ev\":\"close\",\"pid\":1}\n";
  testing::write_file(tmp.path() / "j.jsonl", shared(lines));
  const auto text = read_journal_text(tmp.path() / "j.jsonl");
  ASSERT_EQ(text.lines.size(), 2u);
  EXPECT_EQ(text.lines[0].raw_end, 35u + first.size());
  EXPECT_EQ(text.lines[1].raw_end, 35u + lines.size());
  EXPECT_EQ(text.lines[1].number, 3u) << "line numbers count the header, for error messages";
}

TEST(SharedJournal, AWatchReadsEndWithoutReadingTheFile) {
  testing::TempDir tmp;
  const auto path = tmp.path() / "j.jsonl";
  JournalWatch missing(path);
  EXPECT_EQ(missing.length(), 0u) << "no journal yet: the engine has not started";
  const std::string lines = "{\"ev\":\"start\",\"pid\":1}\n";
  testing::write_file(path, shared(lines, 8192));  // longer than a page: the watch maps the header
  JournalWatch watch(path);
  EXPECT_EQ(watch.length(), 35u + lines.size());
  // A writer reserves more: the watch sees the new `end` through its mapping.
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(0);
  f << header(1000);
  f.flush();
  EXPECT_EQ(watch.length(), 1000u);
  // A journal without the header is as long as the file.
  testing::write_file(tmp.path() / "plain.jsonl", lines);
  JournalWatch plain(tmp.path() / "plain.jsonl");
  EXPECT_EQ(plain.length(), lines.size());
}

TEST(SharedJournal, SealingCutsTheZerosAndLeavesPlainJournalsAlone) {
  testing::TempDir tmp;
  const std::string lines = "{\"ev\":\"start\",\"pid\":1}\n";
  testing::write_file(tmp.path() / "j.jsonl", shared(lines, 4096));
  seal_journal(tmp.path() / "j.jsonl");
  EXPECT_EQ(testing::read_file(tmp.path() / "j.jsonl"), header(35 + lines.size()) + lines);
  testing::write_file(tmp.path() / "plain.jsonl", lines + std::string(5, '\0'));
  seal_journal(tmp.path() / "plain.jsonl");
  EXPECT_EQ(testing::read_file(tmp.path() / "plain.jsonl").size(), lines.size() + 5);
}

}  // namespace
}  // namespace faultline::faults
