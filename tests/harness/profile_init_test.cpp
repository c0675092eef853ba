// profile init's analysis (faultline/harness/profile_init.h) on hand-made journal events: which files are data files,
// which sync promise is suggested and why, what is left out.
#include <gtest/gtest.h>

#include <functional>

#include "faultline/harness/profile_init.h"
#include "faultline/scenarios/scenario.h"

using namespace faultline;
using harness::Issued;

namespace {

faults::Event event(const std::string& ev, const std::string& file, std::int64_t off = -1, std::int64_t len = -1) {
  faults::Event e;
  e.ev = ev;
  e.file = file;
  e.off = off;
  e.len = len;
  e.ret = ev == "write" ? len : 0;
  e.raw = {{"ev", ev}, {"file", file}};
  if (ev == "sync") e.raw["fn"] = "fsync";
  return e;
}

// n operations, each writing 10 bytes to `file` and, when `synced(i)`, fsyncing it before the reply.
harness::ProbeRuns runs_of(std::size_t n, const std::function<bool(std::size_t)>& synced,
                           const std::string& file = "db/000003.log") {
  harness::ProbeRuns runs;
  runs.command = "/usr/bin/python3 /x/mydb.py {dir}";
  runs.run_events.push_back(event("open", file));
  for (std::size_t i = 0; i < n; ++i) {
    Issued issued{harness::Op{harness::Op::Kind::kPut, "k" + std::to_string(i), "v"}, harness::Ack::kOk, "OK", 0, 0};
    issued.journal_events_before = runs.run_events.size();
    runs.run_events.push_back(event("write", file, static_cast<std::int64_t>(10 * i), 10));
    if (synced(i)) runs.run_events.push_back(event("sync", file));
    issued.journal_events_after = runs.run_events.size();
    runs.issued.push_back(issued);
  }
  return runs;
}

std::string notes(const nlohmann::ordered_json& profile) { return profile["notes"].dump(); }

}  // namespace

TEST(ProfileInit, EveryOperationFsyncedBeforeItsOkSuggestsAlways) {
  const auto p = harness::suggest_profile(runs_of(5, [](std::size_t) { return true; }));
  EXPECT_EQ(p["sync"], "always");
  EXPECT_EQ(p["data_files"], nlohmann::ordered_json({"db/*.log"}));
  EXPECT_EQ(p["name"], "mydb");
  EXPECT_EQ(p["record_per_write"], false);
  EXPECT_NE(notes(p).find("each of the 5 acknowledged operations was followed by an fsync"), std::string::npos);
  EXPECT_NE(notes(p).find("5 writes through write/pwrite (0 in place, 5 appends), 5 fsyncs"), std::string::npos);
  // What it writes is a profile: it loads.
  EXPECT_NO_THROW(scenarios::parse_profile(nlohmann::json::parse(p.dump()), "p.json"));
}

TEST(ProfileInit, OneOperationWithoutFsyncSuggestsNoneAndSaysWhy) {
  const auto p = harness::suggest_profile(runs_of(5, [](std::size_t i) { return i != 3; }));
  EXPECT_EQ(p["sync"], "none");
  EXPECT_NE(notes(p).find("only 4 of the 5 acknowledged operations"), std::string::npos) << notes(p);
}

TEST(ProfileInit, ADeleteOfAMissingKeyThatWritesNothingNeedsNoSync) {
  // Regression: SQLite writes nothing for a DEL of a key that is not there, and the probe suggested `none` for it.
  auto runs = runs_of(3, [](std::size_t) { return true; });
  Issued del{harness::Op{harness::Op::Kind::kDel, "nothing", ""}, harness::Ack::kOk, "OK", runs.run_events.size(),
             runs.run_events.size()};
  runs.issued.insert(runs.issued.begin() + 1, del);
  const auto p = harness::suggest_profile(runs);
  EXPECT_EQ(p["sync"], "always") << notes(p);
  EXPECT_NE(notes(p).find("each of the 3 acknowledged operations"), std::string::npos);
  runs.issued[1].op.key = "k0";  // a DEL of a key that is there must be made durable
  EXPECT_EQ(harness::suggest_profile(runs)["sync"], "none");
}

TEST(ProfileInit, AnFsyncOfAnotherFileDoesNotCoverAWrite) {
  auto runs = runs_of(2, [](std::size_t) { return false; });
  runs.run_events.insert(runs.run_events.begin() + 2, event("sync", "other"));  // in operation 0's window, after its write
  runs.issued[0].journal_events_after = 3;
  runs.issued[1].journal_events_before = 3;
  runs.issued[1].journal_events_after = 4;
  EXPECT_EQ(harness::suggest_profile(runs)["sync"], "none");
}

TEST(ProfileInit, FilesWrittenAroundTheShimAreLeftOutAndNamed) {
  auto runs = runs_of(2, [](std::size_t) { return true; });
  runs.run_events.push_back(event("write", "db/LOG", 0, 5));
  runs.left_out["db/LOG"] = "written only through stdio (fdopen)";
  const auto p = harness::suggest_profile(runs);
  EXPECT_EQ(p["data_files"], nlohmann::ordered_json({"db/*.log"}));
  EXPECT_NE(notes(p).find("left out: db/LOG (written only through stdio (fdopen))"), std::string::npos);
}

TEST(ProfileInit, DigitRunsBecomeGlobs) {
  EXPECT_EQ(harness::file_glob("db/000003.log"), "db/*.log");
  EXPECT_EQ(harness::file_glob("MANIFEST-000001"), "MANIFEST-*");
  EXPECT_EQ(harness::file_glob("kv.db-wal"), "kv.db-wal");
}
