// The request loop: protocol v1 replies, and when an OK may be sent relative to fsync in each --sync mode.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "crashing_env.h"
#include "test_util.h"
#include "walkv/data_dir.h"
#include "faultline/engine_protocol.h"
#include "walkv/kv_server.h"

namespace walkv::test {
namespace {

struct Served {
  int exit_code = -1;
  std::vector<std::string> replies;
};

// Feeds input (all of it already buffered, as a harness that pipelines would) and collects the reply lines.
Served Serve(const std::string& input, SyncMode mode, FakeLog* log, KvMap* map, CompactionConfig compaction = {},
             int protocol = 1) {
  TempDir dir;
  WriteFile(dir.path() + "/in", input);
  const int in_fd = ::open((dir.path() + "/in").c_str(), O_RDONLY);
  const int out_fd = ::open((dir.path() + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  wal::WalWriter writer(std::make_unique<FakeLogFile>(log), 0);
  KvServer server(&writer, map, mode, std::move(compaction), protocol);
  Served served;
  served.exit_code = server.Serve(in_fd, out_fd);
  ::close(in_fd);
  ::close(out_fd);
  std::istringstream out(ReadFile(dir.path() + "/out"));
  for (std::string line; std::getline(out, line);) served.replies.push_back(line);
  return served;
}

using Lines = std::vector<std::string>;

TEST(KvServer, PutGetDelDumpRoundTrip) {
  FakeLog log;
  KvMap map;
  const Served s = Serve("PUT a 1\nPUT b 2\nGET a\nDEL a\nGET a\nDEL nothing\nDUMP\nQUIT\n", SyncMode::kAlways, &log, &map);
  EXPECT_EQ(s.exit_code, kExitOk);
  EXPECT_EQ(s.replies, (Lines{"OK", "OK", "VALUE 1", "OK", "NOTFOUND", "OK", "ENTRY b 2", "END"}));
  EXPECT_EQ(log.appends, 4);  // the DEL of a missing key is logged too: it is acknowledged as durable
}

TEST(KvServer, MalformedRequestsGetErrAndChangeNothing) {
  FakeLog log;
  KvMap map;
  const std::string long_key(65, 'k');
  const Served s = Serve("PUT a\nPUT a b c\nPUT a  b\nPUT k\xff v\nPUT " + long_key + " v\nGET\nDUMP x\nFLY away\n\nDUMP\n",
                         SyncMode::kAlways, &log, &map);
  ASSERT_EQ(s.replies.size(), 10u);
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(s.replies[i].rfind("ERR ", 0), 0u) << s.replies[i];
  EXPECT_EQ(s.replies[9], "END");
  EXPECT_EQ(log.appends, 0);
}

TEST(KvServer, ProtocolV2ValuesTravelInHexAndHoldAnyByte) {
  FakeLog log;
  KvMap map;
  const std::string big(60000, '\n');  // 60000 newlines: one value, one line in hex
  const Served s = Serve("PUT a 00ff0a20\nPUT b " + faultline::protocol::to_hex(big) + "\nGET a\nPUT c zz\nPUT c abc\n"
                         "PUT c " + std::string(2 * 65536, '0') + "\nDUMP\n",
                         SyncMode::kAlways, &log, &map, {}, 2);
  ASSERT_EQ(s.replies.size(), 9u);
  EXPECT_EQ(s.replies[0], "OK");
  EXPECT_EQ(s.replies[1], "OK");
  EXPECT_EQ(s.replies[2], "VALUE 00ff0a20");
  for (size_t i = 3; i < 6; ++i) EXPECT_EQ(s.replies[i].rfind("ERR ", 0), 0u) << "not hex, odd, or no log record holds it";
  const std::set<std::string> entries{s.replies[6], s.replies[7]};  // DUMP lists keys in any order
  EXPECT_TRUE(entries.count("ENTRY a 00ff0a20"));
  EXPECT_TRUE(entries.count("ENTRY b " + faultline::protocol::to_hex(big))) << "the 60000-byte value comes back whole";
  EXPECT_EQ(s.replies[8], "END");
  EXPECT_EQ(map.at("a"), std::string("\x00\xff\n ", 4)) << "stored as bytes, not as hex";
  EXPECT_EQ(log.appends, 2);
}

TEST(KvServer, LastLineWithoutNewlineIsServedAtEndOfInput) {
  FakeLog log;
  KvMap map;
  EXPECT_EQ(Serve("PUT a 1\nGET a", SyncMode::kAlways, &log, &map).replies, (Lines{"OK", "VALUE 1"}));
}

TEST(KvServer, OverlongLineGetsOneErrAndTheNextLineIsServed) {
  FakeLog log;
  KvMap map;
  const Served s = Serve("PUT a " + std::string(10000, 'v') + "\nGET a\n", SyncMode::kAlways, &log, &map);
  ASSERT_EQ(s.replies.size(), 2u);
  EXPECT_EQ(s.replies[0].rfind("ERR ", 0), 0u);
  EXPECT_EQ(s.replies[1], "NOTFOUND");
}

TEST(KvServer, OverlongLastLineWithoutNewlineGetsExactlyOneErr) {
  FakeLog log;
  KvMap map;
  const Served s = Serve("GET a\nPUT a " + std::string(10000, 'v'), SyncMode::kAlways, &log, &map);
  ASSERT_EQ(s.replies.size(), 2u);
  EXPECT_EQ(s.replies[1].rfind("ERR ", 0), 0u);
}

TEST(KvServer, SyncAlwaysFsyncsEachWriteBeforeItsOk) {
  FakeLog log;
  KvMap map;
  EXPECT_EQ(Serve("PUT a 1\nPUT b 2\nDEL a\n", SyncMode::kAlways, &log, &map).replies, (Lines{"OK", "OK", "OK"}));
  EXPECT_EQ(log.syncs, 3);
}

TEST(KvServer, SyncBatchCoversEveryBufferedRequestWithOneFsync) {
  FakeLog log;
  KvMap map;
  std::string input;
  for (int i = 0; i < 50; ++i) input += "PUT k" + std::to_string(i) + " v\n";
  const Served s = Serve(input + "GET k7\n", SyncMode::kBatch, &log, &map);
  EXPECT_EQ(s.replies.size(), 51u);
  EXPECT_EQ(s.replies.back(), "VALUE v");
  EXPECT_EQ(log.appends, 50);
  EXPECT_EQ(log.syncs, 1);
}

TEST(KvServer, SyncNoneNeverFsyncs) {
  FakeLog log;
  KvMap map;
  EXPECT_EQ(Serve("PUT a 1\nPUT b 2\n", SyncMode::kNone, &log, &map).replies, (Lines{"OK", "OK"}));
  EXPECT_EQ(log.syncs, 0);
}

TEST(KvServer, FailedFsyncInABatchAcknowledgesNoneOfItsWrites) {
  FakeLog log;
  log.fail_sync_at = 1;
  KvMap map;
  const Served s = Serve("PUT a 1\nGET a\nPUT b 2\n", SyncMode::kBatch, &log, &map);
  EXPECT_EQ(s.exit_code, kExitIOError);
  ASSERT_EQ(s.replies.size(), 3u);
  EXPECT_EQ(s.replies[0].rfind("ERR ", 0), 0u);
  EXPECT_EQ(s.replies[2].rfind("ERR ", 0), 0u);
}

TEST(KvServer, FailedWriteIsFailStop) {
  FakeLog log;
  log.fail_append_at = 2;
  KvMap map;
  const Served s = Serve("PUT a 1\nPUT b 2\nPUT c 3\nGET a\n", SyncMode::kAlways, &log, &map);
  EXPECT_EQ(s.exit_code, kExitIOError);
  ASSERT_EQ(s.replies.size(), 2u);  // nothing is answered after the failure
  EXPECT_EQ(s.replies[0], "OK");
  EXPECT_EQ(s.replies[1].rfind("ERR ", 0), 0u);
  EXPECT_EQ(log.appends, 2);
}

TEST(KvServer, FailedFsyncInSyncAlwaysIsFailStop) {
  FakeLog log;
  log.fail_sync_at = 2;
  KvMap map;
  const Served s = Serve("PUT a 1\nPUT b 2\nPUT c 3\n", SyncMode::kAlways, &log, &map);
  EXPECT_EQ(s.exit_code, kExitIOError);
  ASSERT_EQ(s.replies.size(), 2u);
  EXPECT_EQ(s.replies[0], "OK");
  EXPECT_EQ(s.replies[1].rfind("ERR ", 0), 0u);
  EXPECT_EQ(log.syncs, 2);
}

TEST(KvServer, QuitEndsTheLoopWithoutAReply) {
  FakeLog log;
  KvMap map;
  const Served s = Serve("PUT a 1\nQUIT\nPUT b 2\n", SyncMode::kAlways, &log, &map);
  EXPECT_EQ(s.exit_code, kExitOk);
  EXPECT_EQ(s.replies, (Lines{"OK"}));
  EXPECT_EQ(log.appends, 1);
}

TEST(KvServer, CompactWithoutADataDirectoryIsAnErrorThatChangesNothing) {
  FakeLog log;
  KvMap map;
  const Served s = Serve("PUT a 1\nCOMPACT\nPUT b 2\n", SyncMode::kAlways, &log, &map);
  EXPECT_EQ(s.exit_code, kExitOk);
  EXPECT_EQ(s.replies, (Lines{"OK", "ERR compaction is not available: this server has no data directory", "OK"}));
  EXPECT_EQ(log.appends, 2);
}

TEST(KvServer, CompactInABatchAnswersInOrderAndLaterWritesGoToTheNewLog) {
  TempDir dir;
  FakeLog log;
  KvMap map;
  const Served s = Serve("PUT a 1\nCOMPACT\nPUT b 2\n", SyncMode::kBatch, &log, &map,
                         CompactionConfig{Env::Default(), dir.path(), 0});
  EXPECT_EQ(s.exit_code, kExitOk);
  EXPECT_EQ(s.replies, (Lines{"OK", "OK", "OK"}));
  EXPECT_EQ(log.appends, 1);  // "PUT b 2" went to the new wal.log
  const RecoverOutcome out = RecoverDir(dir.path(), RecoveryMode::kStrict);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.state, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
}

TEST(KvServer, FailedCompactionIsFailStop) {
  TempDir dir;
  FakeLog log;
  KvMap map;
  CrashingEnv env(3);  // the snapshot's fsync fails
  const Served s = Serve("PUT a 1\nCOMPACT\nPUT b 2\n", SyncMode::kAlways, &log, &map,
                         CompactionConfig{&env, dir.path(), 0});
  EXPECT_EQ(s.exit_code, kExitIOError);
  ASSERT_EQ(s.replies.size(), 2u);
  EXPECT_EQ(s.replies[0], "OK");
  EXPECT_EQ(s.replies[1].rfind("ERR compaction failed: ", 0), 0u) << s.replies[1];
}

TEST(KvServer, CompactAfterCompactsWithoutAReplyOfItsOwn) {
  TempDir dir;
  FakeLog log;
  KvMap map;
  const Served s = Serve("PUT a 1\nPUT b 2\nPUT c 3\n", SyncMode::kAlways, &log, &map,
                         CompactionConfig{Env::Default(), dir.path(), 2});
  EXPECT_EQ(s.replies, (Lines{"OK", "OK", "OK"}));
  EXPECT_EQ(log.appends, 2);
  EXPECT_EQ(dir.Files(), (Lines{"snapshot", "wal.log"}));
}

}  // namespace
}  // namespace walkv::test
