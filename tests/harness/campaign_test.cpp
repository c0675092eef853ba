// End to end: the real `faultline` against the real `walkv` and its planted-bug twin, through the shim.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultline/reports/model.h"
#include "faultline/reports/report.h"
#include "faultline/reports/report_model.h"
#include "run_cli.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using faultline::testing::Ran;
using faultline::testing::sh;

class Campaign : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("faultline-it-{}-{}", ::getpid(),
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A walkv profile whose engine is walkv-planted with one planted bug.
  std::string planted_profile(const std::string& bug) {
    std::ifstream in(fs::path(FAULTLINE_SCENARIO_DIR) / "profiles" / "walkv.json");
    json p = json::parse(in);
    p["name"] = "walkv-" + bug;
    p["command"] = fmt::format("{} serve --dir {{dir}} --planted-bug {}", WALKV_PLANTED_BIN, bug);
    p["start_timeout_ms"] = 1500;  // the hanging variants cost seconds, not minutes
    p["request_timeout_ms"] = 1500;
    const auto path = dir_ / (bug + ".json");
    std::ofstream(path) << p.dump(2);
    return path.string();
  }

  // A black-box engine written as a shell script (`body` runs with the data directory as $1), and a walkv-shaped
  // profile that runs it; returns the profile's path.
  std::string shell_engine_profile(const std::string& name, const std::string& body) {
    const auto script = dir_ / (name + ".sh");
    std::ofstream(script) << "#!/bin/sh\n" << body;
    fs::permissions(script, fs::perms::owner_all);
    std::ifstream in(fs::path(FAULTLINE_SCENARIO_DIR) / "profiles" / "walkv.json");
    json p = json::parse(in);
    p["name"] = name;
    p["command"] = fmt::format("{} {{dir}}", script.string());
    const auto path = dir_ / (name + ".json");
    std::ofstream(path) << p.dump(2);
    return path.string();
  }

  Ran faultline(const std::string& args) {
    return sh(fmt::format("cd {} && {} {} --work-dir {}", dir_.string(), FAULTLINE_BIN, args, (dir_ / "work").string()));
  }

  json report(const std::string& name = "report.json") {
    std::ifstream in(dir_ / name);
    return json::parse(in);
  }

  std::map<std::string, int> violations(const json& r) {
    std::map<std::string, int> out;
    for (const auto& [k, v] : r["summary"]["per_violation"].items()) out[k] = v.get<int>();
    return out;
  }

  fs::path dir_;
};

TEST_F(Campaign, CorrectEnginePassesTornTailCampaignWithOffsetsInEveryField) {
  const auto r = faultline("run --scenario torn-tail --trials 200 --seed 11 --jobs 2 --report report.json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto rep = report();
  EXPECT_EQ(rep["status"], "pass");
  EXPECT_EQ(rep["summary"]["total"], 200);
  EXPECT_EQ(rep["summary"]["passed"], 200);
  const auto& fields = rep["coverage"]["crash"]["fields"];
  for (const char* f : {"length", "payload", "checksum", "boundary"})
    EXPECT_TRUE(fields.contains(f)) << "no crash landed in a record's " << f << ": " << fields.dump();
}

TEST_F(Campaign, EngineThatForgetsToTruncateTheTornTailIsCaught) {
  const auto r = faultline(fmt::format("run --profile {} --scenario torn-tail --trials 40 --seed 3 --jobs 2 "
                                       "--report report.json", planted_profile("no-truncate")));
  ASSERT_EQ(r.code, 1) << r.out;
  const auto v = violations(report());
  EXPECT_TRUE(v.count("wrong-truncation-offset") || v.count("unhealthy-after-recovery")) << report()["summary"].dump();
}

TEST_F(Campaign, EngineThatDropsTheLastCompleteRecordIsCaughtAndReproFailsTheSameWay) {
  const auto r = faultline(fmt::format("run --profile {} --scenario torn-tail --trials 40 --seed 5 --jobs 2 "
                                       "--report report.json", planted_profile("drop-last-record")));
  ASSERT_EQ(r.code, 1) << r.out;
  const auto rep = report();
  const auto v = violations(rep);
  EXPECT_TRUE(v.count("lost-acked-write") || v.count("wrong-truncation-offset")) << rep["summary"].dump();
  ASSERT_FALSE(rep["failures"].empty());
  const auto& failure = rep["failures"][0];
  // The report's repro line, run as printed (with the same work-dir option appended).
  const auto repro = faultline(failure["repro"]["command"].get<std::string>().substr(std::string("faultline ").size()));
  EXPECT_EQ(repro.code, 1) << repro.out;
  EXPECT_NE(repro.out.find(failure["violations"][0]["name"].get<std::string>()), std::string::npos) << repro.out;
  EXPECT_NE(repro.out.find(failure["trace_hash"].get<std::string>()), std::string::npos)
      << "repro must replay the trial byte for byte (same trace hash)\n" << repro.out;
  // The same trial, named by its place in the report; the report's engine (a planted profile) runs only when asked.
  const auto refused = faultline("repro --from-report report.json --failure 1");
  EXPECT_EQ(refused.code, 2) << refused.out;
  EXPECT_NE(refused.out.find("--engine-from-report"), std::string::npos) << refused.out;
  const auto from_report = faultline("repro --from-report report.json --failure 1 --engine-from-report");
  EXPECT_EQ(from_report.code, 1) << from_report.out;
  EXPECT_NE(from_report.out.find(failure["trace_hash"].get<std::string>()), std::string::npos) << from_report.out;
  EXPECT_EQ(from_report.out.find("trace hash differs"), std::string::npos) << from_report.out;
  EXPECT_EQ(faultline("repro --from-report report.json --failure 999 --engine-from-report").code, 2);
}

TEST_F(Campaign, ShrinkingAPlantedBugEndsAtAHandfulOfOperationsWithTheSameViolation) {
  const auto profile = planted_profile("drop-last-record");
  ASSERT_EQ(faultline(fmt::format("run --profile {} --scenario torn-tail --trials 20 --seed 5 --report report.json",
                                  profile)).code, 1);
  const auto failure = report()["failures"][0];
  const auto violation = failure["violations"][0]["name"].get<std::string>();
  const auto shrunk = faultline(fmt::format("shrink --profile {} --scenario torn-tail --seed {} -o bundle.json", profile,
                                            failure["seed"].get<std::string>()));
  ASSERT_EQ(shrunk.code, 0) << shrunk.out;
  std::ifstream in(dir_ / "bundle.json");
  const auto bundle = json::parse(in);
  EXPECT_EQ(bundle["expected_violation"], violation);
  const auto& ops = bundle["plan"]["cycles"][0]["operations"];
  EXPECT_LE(ops.size(), 4u) << "documented bound: a handful of operations\n" << shrunk.out;
  EXPECT_LT(ops.size(), bundle["original"]["operations"].get<std::size_t>());
  // The bundle replays anywhere: same violation, same trace hash, against the recorded engine...
  const auto replay = faultline("repro --bundle bundle.json --engine-from-bundle");
  EXPECT_EQ(replay.code, 1) << replay.out;
  EXPECT_NE(replay.out.find(violation + ":"), std::string::npos) << replay.out;
  EXPECT_NE(replay.out.find(bundle["trace_hash"].get<std::string>()), std::string::npos) << replay.out;
  // ...and passes against the correct engine.
  const auto fixed = faultline(fmt::format("repro --bundle bundle.json --profile {}/profiles/walkv.json",
                                           FAULTLINE_SCENARIO_DIR));
  EXPECT_EQ(fixed.code, 0) << fixed.out;
}

TEST_F(Campaign, EveryViolationOfThePlantedSuiteReplaysWithTheSameVerdictAndTrace) {
  for (const char* bug : {"no-checksum", "midlog-as-tail", "modify-evidence", "hang-on-torn-tail", "garbled-reply"}) {
    const auto profile = planted_profile(bug);
    const auto r = faultline(fmt::format("run --profile {} --scenario all --trials 56 --seed 2 --jobs 2 "
                                         "--report {}-report.json", profile, bug));
    ASSERT_EQ(r.code, 1) << bug << "\n" << r.out;
    const auto failure = report(std::string(bug) + "-report.json")["failures"][0];
    const auto replay = faultline(failure["repro"]["command"].get<std::string>().substr(std::string("faultline ").size()));
    EXPECT_EQ(replay.code, 1) << bug << "\n" << replay.out;
    EXPECT_NE(replay.out.find(failure["violations"][0]["name"].get<std::string>() + ":"), std::string::npos) << replay.out;
    EXPECT_EQ(replay.out.find("trace hash differs"), std::string::npos) << bug << "\n" << replay.out;
  }
}

TEST_F(Campaign, ResultsAreTheSameForAnyNumberOfJobs) {
  ASSERT_EQ(faultline("run --scenario all --trials 30 --seed 9 --jobs 1 --report a.json --all-trials a.jsonl").code, 0);
  ASSERT_EQ(faultline("run --scenario all --trials 30 --seed 9 --jobs 2 --report b.json --all-trials b.jsonl").code, 0);
  auto hashes = [&](const std::string& name) {
    std::map<int, std::string> out;
    std::ifstream in(dir_ / name);
    for (std::string line; std::getline(in, line);) {
      const auto j = json::parse(line);
      out[j["index"].get<int>()] = j["trace_hash"].get<std::string>() + j["verdict"].get<std::string>();
    }
    return out;
  };
  const auto a = hashes("a.jsonl");
  EXPECT_EQ(a.size(), 30u);
  EXPECT_EQ(a, hashes("b.jsonl"));
}

// The kept failing trials are the 20 of the smallest trial index (the order-independent choice is unit-tested in
// kept_trials_test.cpp), and the directories of the others, kept for a while and then evicted, are removed.
TEST_F(Campaign, KeepsTheTwentyFailingTrialsOfSmallestIndexAndRemovesTheRest) {
  const auto profile = planted_profile("drop-last-record");
  const auto ran = faultline(fmt::format("run --profile {} --scenario all --trials 150 --seed 7 --jobs 2 "
                                         "--report report.json", profile));
  ASSERT_EQ(ran.code, 1) << ran.out;
  std::vector<std::size_t> failing, kept;
  const auto doc = report();
  for (const auto& f : doc["failures"]) {
    failing.push_back(f["index"].get<std::size_t>());
    if (!f["artifacts"].is_null()) kept.push_back(f["index"].get<std::size_t>());
  }
  std::sort(failing.begin(), failing.end());
  std::sort(kept.begin(), kept.end());
  ASSERT_GT(failing.size(), 20u) << "the planted bug must fail more trials than are kept";
  EXPECT_EQ(kept, std::vector<std::size_t>(failing.begin(), failing.begin() + 20));
  std::size_t dirs = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_ / "report-artifacts")) ++dirs;
  EXPECT_EQ(dirs, 20u) << "an evicted trial's directory must be removed";
}

// The aimed byte of a hex dump ("[xx]"), and the dump's bytes without the mark.
std::pair<int, std::string> aimed_byte(const std::string& dump) {
  const auto at = dump.find('[');
  if (at == std::string::npos || at + 3 >= dump.size()) return {-1, ""};
  std::string plain = dump;
  plain[at] = ' ';
  plain[at + 3] = ' ';
  return {std::stoi(dump.substr(at + 1, 2), nullptr, 16), plain};
}

std::string section(const std::string& out, const std::string& heading) {
  const auto at = out.find(heading);
  if (at == std::string::npos) return "";
  const auto end = out.find("\nfields:", at);
  return out.substr(at + heading.size(), end == std::string::npos ? std::string::npos : end - at - heading.size());
}

// `repro` of a bit flipped on its way to disk: the bytes around it before and after the damage, labelled, differ in
// exactly that bit; the transcript of the operations is printed and kept with the artifacts.
TEST_F(Campaign, ReproShowsTheBytesBeforeAndAfterABitFlipAndKeepsTheTranscript) {
  const auto r = faultline("repro --scenario bitflip-payload-midlog --seed 7");
  ASSERT_EQ(r.code, 0) << r.out;  // walkv refuses the flipped log: a pass
  const auto before = section(r.out, "the bytes around the aimed offset before the damage:\n");
  const auto after = section(r.out, "the same bytes after the damage, before recovery:\n");
  ASSERT_FALSE(before.empty()) << r.out;
  ASSERT_FALSE(after.empty()) << r.out;
  const auto [b, plain_before] = aimed_byte(before);
  const auto [a, plain_after] = aimed_byte(after);
  ASSERT_GE(b, 0) << before;
  EXPECT_EQ(__builtin_popcount(static_cast<unsigned>(a ^ b)), 1) << "one bit flipped:\n" << before << "\n" << after;
  const auto hex_of = [](const std::string& dump) {  // the hex columns only: the text column shows the flip too
    std::string out;
    std::istringstream in(dump);
    for (std::string line; std::getline(in, line);) out += line.substr(0, std::min<std::size_t>(line.size(), 73)) + "\n";
    return out;
  };
  std::string flipped = plain_before;
  const auto mark = before.find('[');
  flipped.replace(mark + 1, 2, fmt::format("{:02x}", a));
  EXPECT_EQ(hex_of(flipped), hex_of(plain_after)) << "the same bytes but the flipped one";
  EXPECT_NE(before.find(" p  "), std::string::npos) << "record fields labelled:\n" << before;
  // The transcript: each request with its reply, acknowledged or not; the same text kept with the artifacts.
  EXPECT_NE(r.out.find("    #0   "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(acknowledged)"), std::string::npos) << r.out;
  std::ifstream kept(dir_ / "work" / "transcript.txt");
  ASSERT_TRUE(kept.good()) << "repro keeps transcript.txt with the artifacts";
  const std::string text((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("(acknowledged)"), std::string::npos) << text;
  EXPECT_NE(text.find("before the damage"), std::string::npos) << text;
  EXPECT_NE(r.out.find(text.substr(0, 200)), std::string::npos) << "what it printed";
  EXPECT_TRUE(fs::exists(dir_ / "work" / "evidence-0")) << "and the files before recovery";
}

// An engine that does not behave the same way twice: the planted bug in every run except in the shrinker's candidate
// directories (shrink-N/). The seeded trial fails, its explicit plan passes: nothing may be called shrunk, no bundle
// may be written (neither by `shrink` nor by `run --shrink`, whose group says not-reproduced).
TEST_F(Campaign, ATrialThatDoesNotFailAgainFromItsPlanIsNotReproducedAndWritesNoBundle) {
  const auto profile = shell_engine_profile(
      "flaky", fmt::format("case \"$1\" in\n"
                           "  */shrink-[0-9]/*|*/shrink-[0-9][0-9]/*) exec {0} serve --dir \"$1\" ;;\n"
                           "  *) exec {0} serve --dir \"$1\" --planted-bug drop-last-record ;;\n"
                           "esac\n", WALKV_PLANTED_BIN));
  ASSERT_EQ(faultline(fmt::format("run --profile {} --scenario torn-tail --trials 6 --seed 5 --report report.json "
                                  "--shrink --shrink-group-budget 60 --no-fork-server", profile)).code, 1);
  const auto rep = report();
  ASSERT_FALSE(rep["groups"].empty());
  for (const auto& g : rep["groups"]) {
    if (g["verdict"] != "fail") continue;
    EXPECT_EQ(g["shrink"]["status"], "not-reproduced") << g.dump();
    EXPECT_TRUE(g["bundle"].is_null()) << g.dump();
    EXPECT_EQ(g["shrink"]["trials"], 2) << "the seeded trial and its explicit plan, nothing more: " << g.dump();
  }
  const auto seed = rep["failures"][0]["seed"].get<std::string>();
  const auto shrunk = faultline(fmt::format("shrink --profile {} --scenario torn-tail --seed {} -o bundle.json "
                                            "--no-fork-server", profile, seed));
  EXPECT_EQ(shrunk.code, 1) << shrunk.out;
  EXPECT_NE(shrunk.out.find("not when replayed from its explicit plan"), std::string::npos) << shrunk.out;
  EXPECT_FALSE(fs::exists(dir_ / "bundle.json")) << shrunk.out;
}

// A per-group budget already spent costs no trial: the budget is checked before the shrinker's first run.
TEST_F(Campaign, AShrinkGroupBudgetSpentBeforeTheFirstTrialRunsNoTrial) {
  ASSERT_EQ(faultline(fmt::format("run --profile {} --scenario torn-tail --trials 6 --seed 5 --report report.json "
                                  "--shrink --shrink-group-budget 0", planted_profile("drop-last-record"))).code,
            1);
  std::size_t fail_groups = 0;
  const auto rep = report();  // not report()["groups"] in the loop: that would range over a dead temporary
  for (const auto& g : rep["groups"]) {
    if (g["verdict"] != "fail") continue;
    ++fail_groups;
    EXPECT_EQ(g["shrink"]["status"], "out-of-time") << g.dump();
    EXPECT_EQ(g["shrink"]["trials"], 0) << g.dump();
    EXPECT_TRUE(g["bundle"].is_null()) << g.dump();
  }
  EXPECT_GT(fail_groups, 0u);
}

// A black-box engine (a shell script) that writes a header when it starts and then acknowledges every request
// without writing: a fault armed for an operation never fires, and the trial must be void, never a pass.
TEST_F(Campaign, AFaultThatNeverFiresMakesTheTrialVoidNotAPass) {
  const auto profile = shell_engine_profile("no-writes", "printf 'hdr' >> \"$1/wal.log\"\n"
                                                         "echo READY\n"
                                                         "while read -r line; do\n"
                                                         "  case \"$line\" in QUIT) exit 0 ;; DUMP) echo END ;; *) echo OK ;; "
                                                         "esac\n"
                                                         "done\n");
  const auto r = faultline(fmt::format("run --profile {} --scenario torn-tail,fsync-eio --trials 6 --seed 2 "
                                       "--report report.json", profile));
  ASSERT_EQ(r.code, 0) << r.out;  // void trials are warned about, not failures (README, exit codes)
  const auto rep = report();
  EXPECT_EQ(rep["summary"]["void"], 6) << rep["summary"].dump();
  EXPECT_EQ(rep["summary"]["passed"], 0) << rep["summary"].dump();
  EXPECT_EQ(violations(rep)["fault-not-fired"], 6) << rep["summary"].dump();
}

// The same kind of engine, but it dies after its first request: that is the engine's crash, not a void trial.
TEST_F(Campaign, AnEngineThatDiesBeforeTheFaultFiresIsAnEngineCrashNotAVoidTrial) {
  const auto profile = shell_engine_profile("dies", "printf 'hdr' >> \"$1/wal.log\"\n"
                                                    "echo READY\n"
                                                    "read -r line; echo OK\n"
                                                    "kill -KILL $$\n");
  // It answers QUIT by dying too: hostile on purpose, so past the preflight (which stops it with exit 2).
  const auto r = faultline(fmt::format("run --profile {} --scenario torn-tail --trials 4 --seed 2 --report report.json "
                                       "--no-preflight", profile));
  ASSERT_EQ(r.code, 1) << r.out;
  const auto rep = report();
  EXPECT_EQ(rep["summary"]["failed"], 4) << rep["summary"].dump();
  EXPECT_EQ(violations(rep)["engine-crash"], 4) << rep["summary"].dump();
  EXPECT_EQ(violations(rep).count("fault-not-fired"), 0u) << rep["summary"].dump();
}

// The report's failure entries are the typed model written by its one to_json (reports/include/faultline/reports/
// model.h): every entry of a real campaign reads back into the same structs and writes back to the same bytes, for
// each kind of fault ledger entry (a fault the shim fired in the workload or in recovery, at-rest damage, power loss)
// and the timeline of a kept trial.
TEST_F(Campaign, EveryFailureEntryOfARealReportRoundTripsThroughTheTypedModel) {
  using faultline::reports::failure_from_json;
  using faultline::reports::to_json;
  const std::pair<const char*, const char*> campaigns[] = {
      {"no-truncate", "torn-tail,at-rest-truncate,power-loss-random-prefix,crash-during-recovery"},
      {"skip-corrupt", "bitflip-read,at-rest-zero-midlog"}};
  std::set<std::string> ledger;  // what kinds of entries the reports held: phase and the fields present
  std::size_t entries = 0, timelines = 0;
  for (const auto& [bug, scenarios] : campaigns) {
    const auto name = fmt::format("{}.json", bug);
    const auto ran = faultline(fmt::format("run --profile {} --scenario {} --trials 8 --seed 3 --jobs 2 --report {}",
                                           planted_profile(bug), scenarios, name));
    ASSERT_EQ(ran.code, 1) << ran.out;
    std::ifstream in(dir_ / name);
    const auto doc = nlohmann::ordered_json::parse(in);
    for (const auto& entry : doc["failures"]) {
      ++entries;
      const auto typed = failure_from_json(entry);
      EXPECT_EQ(to_json(typed).dump(), entry.dump()) << "written differently than read";
      EXPECT_TRUE(failure_from_json(to_json(typed)) == typed) << entry.dump();
      timelines += typed.timeline.empty() ? 0 : 1;
      for (const auto& f : entry["faults"])
        ledger.insert(f["phase"].get<std::string>() + (f.contains("event") ? " event" : "") +
                      (f.contains("damage") ? " damage" : "") + (f.contains("files") ? " files" : ""));
    }
  }
  EXPECT_GT(entries, 0u);
  EXPECT_GT(timelines, 0u) << "no failing trial was kept with its journals";
  for (const char* kind : {"workload event", "recovery event", "engine down damage", "engine down files"})
    EXPECT_TRUE(ledger.count(kind)) << "no ledger entry \"" << kind << "\" in the reports";
}

// The whole report (run, configuration, summary, coverage, determinism, groups and failures), as `run` writes it,
// sharded or not, and as `report merge` writes it, reads into the typed model (reports/.../report_model.h) and
// writes back to the same bytes.
TEST_F(Campaign, EveryReportRunAndMergeWriteReadsBackIntoTheTypedReportAndWritesTheSameBytes) {
  using faultline::reports::report_from_json;
  const auto profile = planted_profile("no-truncate");
  const auto base = fmt::format("run --profile {} --scenario torn-tail,at-rest-truncate --trials 12 --seed 5 --jobs 2 "
                                "--check-determinism 2", profile);
  ASSERT_EQ(faultline(base + " --report whole.json").code, 1);
  ASSERT_EQ(faultline(base + " --shard 0/2 --report s0.json").code, 1);
  ASSERT_EQ(faultline(base + " --shard 1/2 --report s1.json").code, 1);
  const auto merged = sh(fmt::format("cd {} && {} report merge s0.json s1.json -o merged.json", dir_.string(),
                                     FAULTLINE_BIN));
  ASSERT_EQ(merged.code, 0) << merged.out;
  for (const char* name : {"whole.json", "s0.json", "s1.json", "merged.json"}) {
    std::ifstream in(dir_ / name);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const auto doc = nlohmann::ordered_json::parse(bytes.str());
    const auto typed = report_from_json(doc);
    EXPECT_EQ(faultline::reports::dump(to_json(typed)), bytes.str()) << name << ": written differently than read";
    EXPECT_TRUE(report_from_json(to_json(typed)) == typed) << name;
    EXPECT_FALSE(typed.coverage.empty()) << name;
    EXPECT_TRUE(typed.groups && !typed.groups->empty()) << name;
    EXPECT_EQ(typed.determinism.checked, std::string(name) == "merged.json" ? 4u : 2u) << name;
  }
}

TEST_F(Campaign, BadScenarioFileExitsTwoNamingFileAndField) {
  std::ofstream(dir_ / "bad.json") << R"({"format_version": 1, "name": "bad", "summary": "s", "fault": {"kind": 7}})";
  const auto r = faultline(fmt::format("run --scenario {} --trials 1", (dir_ / "bad.json").string()));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("bad.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fault.kind"), std::string::npos) << r.out;
}

TEST_F(Campaign, UnknownOptionExitsTwo) {
  EXPECT_EQ(faultline("run --no-such-option").code, 2);
}

}  // namespace
