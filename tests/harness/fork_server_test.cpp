// End to end: the fork server (docs/fork-server.md). Campaigns run with it and with --no-fork-server give the same
// verdicts and trace hashes; the harness falls back to exec, with one notice, where a server cannot work; a server
// killed mid-campaign costs at most harness errors, never a verdict, and leaves no process behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run_cli.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kPlaceholder = "/dev/null/faultline-fork-server";

using faultline::testing::Ran;
using faultline::testing::sh;

// Processes whose command line contains `needle` (fork servers carry the placeholder in their argv) and whose working
// directory is `cwd`: the harness runs in the test's directory, and its servers and engines inherit it, so tests that
// run in parallel (ctest -j) never see, or kill, each other's servers.
std::vector<int> processes_with(const std::string& needle, const fs::path& cwd) {
  std::vector<int> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    if (fs::read_symlink(e.path() / "cwd", ec) != cwd || ec) continue;
    std::string cmdline;
    try {  // the process can end between the open and the read (ESRCH, thrown by the stream buffer)
      std::ifstream in(e.path() / "cmdline");
      cmdline.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
      continue;
    }
    if (cmdline.find(needle) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

int parent_of(int pid) {
  std::string stat;
  try {  // as in processes_with: the process may be gone
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    stat.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure&) {
    return -1;
  }
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string state;
  int ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

// The fork servers: processes with the placeholder in their command line whose parent has not. (A forked engine shows
// its server's command line too: the kernel's copy of the argv strings is not what the child's argv points to.)
std::vector<int> fork_servers(const fs::path& cwd) {
  const auto all = processes_with(kPlaceholder, cwd);
  std::vector<int> out;
  for (int pid : all)
    if (std::find(all.begin(), all.end(), parent_of(pid)) == all.end()) out.push_back(pid);
  return out;
}

struct Trial {
  std::string verdict, trace_hash;
  bool operator==(const Trial&) const = default;
};

class ForkServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("faultline-fs-{}-{}", ::getpid(),
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string profile(const std::string& name, const std::string& command, const std::string& fork_server = "main",
                      int start_timeout_ms = 10000) {
    std::ifstream in(fs::path(FAULTLINE_SCENARIO_DIR) / "profiles" / "walkv.json");
    json p = json::parse(in);
    p["name"] = name;
    p["command"] = command;
    p["fork_server"] = fork_server;
    p["start_timeout_ms"] = start_timeout_ms;
    const auto path = dir_ / (name + ".json");
    std::ofstream(path) << p.dump(2);
    return path.string();
  }

  // A text-log engine's black-box profile (fork_engine.c and fork_engine.py keep one line per record).
  std::string text_engine_profile(const std::string& name, const std::string& command,
                                  const std::string& fork_server = "main", int start_timeout_ms = 10000) {
    json p;
    p["format_version"] = 1;
    p["name"] = name;
    p["command"] = command;
    p["data_files"] = json::array({"wal.log"});
    p["torn_tail"] = "truncate";
    p["fork_server"] = fork_server;
    p["start_timeout_ms"] = start_timeout_ms;
    const auto path = dir_ / (name + ".json");
    std::ofstream(path) << p.dump(2);
    return path.string();
  }

  Ran faultline(const std::string& args) {
    return sh(fmt::format("cd {} && {} {} --log-format json --work-dir {}", dir_.string(), FAULTLINE_BIN, args,
                          (dir_ / "work").string()));
  }

  std::map<std::string, Trial> trials(const std::string& file) {
    std::map<std::string, Trial> out;
    std::ifstream in(dir_ / file);
    for (std::string line; std::getline(in, line);) {
      const auto j = json::parse(line);
      out[j["scenario"].get<std::string>() + "/" + j["seed"].get<std::string>()] =
          Trial{j["verdict"].get<std::string>(), j["trace_hash"].get<std::string>()};
    }
    return out;
  }

  json report(const std::string& name) {
    std::ifstream in(dir_ / name);
    return json::parse(in);
  }

  // The "report written" log line's count of engine starts of one kind.
  static long starts(const Ran& r, const std::string& kind) {
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      // stdout's summary and stderr's log lines share the pipe: a log line may start in the middle of a line.
      const auto at = line.find("{\"time\"");
      if (at == std::string::npos || line.find("\"report written\"", at) == std::string::npos) continue;
      return json::parse(line.substr(at)).value("engine_starts_" + kind, -1L);
    }
    return -1;
  }

  static int notices(const Ran& r) {
    int n = 0;
    for (std::size_t at = 0; (at = r.out.find("the fork server cannot be used", at)) != std::string::npos; ++at) ++n;
    return n;
  }

  // Runs the same campaign with the fork server and with --no-fork-server; expects the same trials and summary and
  // that the first really forked (or, with `expect_fallback`, fell back with one notice).
  void same_with_and_without(const std::string& args, bool expect_fallback = false) {
    const auto forked = faultline(fmt::format("run {} --report fork.json --all-trials fork.jsonl", args));
    const auto execd = faultline(fmt::format("run {} --no-fork-server --report exec.json --all-trials exec.jsonl", args));
    ASSERT_EQ(forked.code, execd.code) << forked.out << "\n----\n" << execd.out;
    ASSERT_LE(forked.code, 1) << forked.out;
    const auto a = trials("fork.jsonl"), b = trials("exec.jsonl");
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a.size(), b.size());
    for (const auto& [id, t] : b) {
      ASSERT_TRUE(a.count(id)) << id;
      EXPECT_EQ(a.at(id).verdict, t.verdict) << id;
      EXPECT_EQ(a.at(id).trace_hash, t.trace_hash) << id;
    }
    EXPECT_EQ(report("fork.json")["summary"], report("exec.json")["summary"]);
    EXPECT_EQ(starts(execd, "forked"), 0) << execd.out;
    EXPECT_EQ(notices(execd), 0) << execd.out;
    if (expect_fallback) {
      EXPECT_EQ(starts(forked, "forked"), 0) << forked.out;
      EXPECT_EQ(notices(forked), 1) << forked.out;
    } else {
      EXPECT_GT(starts(forked, "forked"), 0) << forked.out;
      EXPECT_EQ(starts(forked, "exec"), 0) << forked.out;
      EXPECT_EQ(notices(forked), 0) << forked.out;
    }
    EXPECT_TRUE(processes_with(kPlaceholder, dir_).empty()) << "a fork server outlived its campaign";
  }

  fs::path dir_;
};

TEST_F(ForkServer, WalkvGivesTheSameVerdictsAndTraceHashesOnEveryScenario) {
  same_with_and_without("--scenario all --trials 56 --seed 11 --jobs 2");
}

TEST_F(ForkServer, APlantedBugIsCaughtTheSameWay) {
  const auto p = profile("planted", fmt::format("{} serve --dir {{dir}} --planted-bug drop-last-record", WALKV_PLANTED_BIN));
  same_with_and_without(fmt::format("--profile {} --scenario all --trials 28 --seed 5 --jobs 2", p));
  EXPECT_GT(report("fork.json")["summary"]["failed"].get<int>(), 0) << report("fork.json")["summary"].dump();
}

TEST_F(ForkServer, ABlackBoxShellScriptEngineGivesTheSameResults) {
  const auto script = dir_ / "engine.sh";
  std::ofstream(script) << "#!/bin/sh\n"
                           "printf 'hdr' >> \"$1/wal.log\"\n"
                           "echo READY\n"
                           "while read -r line; do\n"
                           "  case \"$line\" in QUIT) exit 0 ;; DUMP) echo END ;; *) echo OK ;; esac\n"
                           "done\n";
  fs::permissions(script, fs::perms::owner_all);
  const auto p = profile("script", fmt::format("{} {{dir}}", script.string()));
  same_with_and_without(fmt::format("--profile {} --scenario torn-tail,fsync-eio --trials 8 --seed 2", p));
}

// harness/src/placement.h: a campaign's workers are pinned one per CPU and every engine they start, forked or exec'd,
// runs on its worker's CPU; --no-cpu-pinning leaves the engines on every allowed CPU.
TEST_F(ForkServer, EachEngineRunsOnItsWorkersCpuUnlessPinningIsOff) {
  const auto allowed = sh("grep Cpus_allowed_list /proc/self/status").out;
  if (allowed.find_first_of(",-") == std::string::npos) GTEST_SKIP() << "one CPU allowed: " << allowed;
  const auto script = dir_ / "engine.sh";
  std::ofstream(script) << "#!/bin/sh\n"
                           "grep Cpus_allowed_list /proc/self/status >> \"$(dirname \"$0\")/cpus-$FAULTLINE_MODE\"\n"
                           "printf 'hdr' >> \"$1/wal.log\"\n"
                           "echo READY\n"
                           "while read -r line; do\n"
                           "  case \"$line\" in QUIT) exit 0 ;; DUMP) echo END ;; *) echo OK ;; esac\n"
                           "done\n";
  fs::permissions(script, fs::perms::owner_all);
  const auto p = profile("script", fmt::format("{} {{dir}}", script.string()));
  const auto lines = [&](const std::string& mode) {
    std::vector<std::string> out;
    std::ifstream in(dir_ / ("cpus-" + mode));
    for (std::string line; std::getline(in, line);) out.push_back(line.substr(line.find_first_not_of(" \t", 18)));
    return out;
  };
  for (const auto& [mode, flags] : std::map<std::string, std::string>{
           {"fork", ""}, {"exec", "--no-fork-server"}, {"free", "--no-cpu-pinning"}}) {
    ::setenv("FAULTLINE_MODE", mode.c_str(), 1);  // the engines inherit the harness's environment
    const auto r = faultline(fmt::format("run --profile {} --scenario torn-tail --trials 20 --jobs 2 --seed 2 {} "
                                         "--report {}.json", p, flags, mode));
    ::unsetenv("FAULTLINE_MODE");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto seen = lines(mode);
    ASSERT_GE(seen.size(), 21u) << mode;  // the preflight's start and at least one per trial
    const std::set<std::string> cpus(seen.begin(), seen.end());
    if (mode == "free") {
      EXPECT_EQ(cpus.size(), 1u) << mode;
      EXPECT_NE(cpus.begin()->find_first_of(",-"), std::string::npos) << "--no-cpu-pinning left an engine pinned: "
                                                                       << *cpus.begin();
      continue;
    }
    for (const auto& c : cpus) EXPECT_EQ(c.find_first_of(",-"), std::string::npos) << mode << ": " << c;
    EXPECT_GE(cpus.size(), 2u) << mode << ": two workers, two CPUs";
  }
}

TEST_F(ForkServer, CpuPinningChangesNoVerdictOrTraceHash) {
  const auto pinned = faultline("run --scenario all --trials 28 --seed 13 --jobs 2 --report pinned.json "
                                "--all-trials pinned.jsonl");
  const auto free = faultline("run --scenario all --trials 28 --seed 13 --jobs 2 --no-cpu-pinning --report free.json "
                              "--all-trials free.jsonl");
  ASSERT_EQ(pinned.code, 0) << pinned.out;
  ASSERT_EQ(free.code, 0) << free.out;
  const auto a = trials("pinned.jsonl"), b = trials("free.jsonl");
  EXPECT_EQ(a.size(), 28u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(report("pinned.json")["summary"], report("free.json")["summary"]);
}

TEST_F(ForkServer, ACEngineWithADeferredForkPointGivesTheSameResults) {
  const auto p = text_engine_profile("c-deferred", fmt::format("{} --fork-point {{dir}}", FORK_ENGINE_BIN), "deferred");
  same_with_and_without(fmt::format("--profile {} --scenario all --trials 28 --seed 3 --jobs 2", p));
}

TEST_F(ForkServer, APythonEngineForkedAtItsDeferredForkPointThroughCtypesGivesTheSameResults) {
  const auto p = text_engine_profile("py-deferred", fmt::format("{} {} {{dir}}", PYTHON3, FORK_ENGINE_PY), "deferred");
  same_with_and_without(fmt::format("--profile {} --scenario torn-tail,fsync-eio --trials 12 --seed 4 --jobs 2", p));
}

TEST_F(ForkServer, AStaticEngineFallsBackToExecWithOneNotice) {
  const auto p = text_engine_profile("static", fmt::format("{} {{dir}}", FORK_ENGINE_STATIC_BIN), "main", 1000);
  // The shim never runs in a static engine: its trials are harness errors (a data file changed without the shim
  // seeing it) with and without the fork server alike.
  const auto forked = faultline(fmt::format("run --profile {} --scenario torn-tail --trials 4 --seed 1 --jobs 2 "
                                            "--report fork.json --all-trials fork.jsonl", p));
  const auto execd = faultline(fmt::format("run --profile {} --scenario torn-tail --trials 4 --seed 1 --jobs 2 "
                                           "--no-fork-server --report exec.json --all-trials exec.jsonl", p));
  EXPECT_EQ(forked.code, execd.code) << forked.out;
  EXPECT_EQ(trials("fork.jsonl").size(), 4u);
  for (const auto& [id, t] : trials("exec.jsonl")) EXPECT_EQ(trials("fork.jsonl").at(id), t) << id;
  EXPECT_EQ(notices(forked), 1) << forked.out;
  EXPECT_NE(forked.out.find("static binary"), std::string::npos) << forked.out;
  EXPECT_EQ(starts(forked, "forked"), 0) << forked.out;
  EXPECT_TRUE(processes_with(kPlaceholder, dir_).empty());
}

TEST_F(ForkServer, AnEngineThatRunsAThreadAtItsForkPointFallsBackToExecWithOneNotice) {
  const auto p = text_engine_profile("threaded", fmt::format("{} --thread --fork-point {{dir}}", FORK_ENGINE_BIN),
                                     "deferred");
  same_with_and_without(fmt::format("--profile {} --scenario torn-tail --trials 6 --seed 8 --jobs 2", p), true);
  const auto r = faultline(fmt::format("run --profile {} --scenario torn-tail --trials 2 --seed 8 --report x.json", p));
  EXPECT_NE(r.out.find("threads at its fork point"), std::string::npos) << r.out;
}

// The preflight's fork server dies when the preflight's engine ends (the engine kills its first server, once): the
// engine's exit status is lost, which says nothing about the engine. The preflight runs again by exec, with one
// notice, and the campaign goes on, with new fork servers. (It used to stop before any trial.)
TEST_F(ForkServer, APreflightWhoseForkServerDiesRunsAgainByExecAndTheCampaignGoesOn) {
  const auto marker = dir_ / "server-died";
  const auto p = text_engine_profile(
      "dies-once", fmt::format("{} --fork-point --server-dies-once={} {{dir}}", FORK_ENGINE_BIN, marker.string()),
      "deferred");
  const auto r = faultline(fmt::format("run --profile {} --scenario torn-tail --trials 6 --seed 3 --jobs 1 "
                                       "--report r.json", p));
  EXPECT_TRUE(fs::exists(marker)) << "the engine never served as a fork server";
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(report("r.json")["summary"]["passed"], 6) << r.out;
  int retries = 0;
  for (std::size_t at = 0; (at = r.out.find("the preflight runs again by exec", at)) != std::string::npos; ++at)
    ++retries;
  EXPECT_EQ(retries, 1) << r.out;
  EXPECT_NE(r.out.find("fork server"), std::string::npos) << r.out;
  EXPECT_EQ(notices(r), 0) << r.out;  // the campaign itself keeps the fork server
  EXPECT_GT(starts(r, "forked"), 0) << r.out;
  EXPECT_TRUE(processes_with(kPlaceholder, dir_).empty());
}

// Kills every fork server it sees, repeatedly, while a campaign runs: trials whose engine lost its server are harness
// errors naming the fork server, never a pass or fail of the engine; the others are as without the fork server; no
// server or engine outlives the campaign.
TEST_F(ForkServer, ServersKilledMidCampaignCostHarnessErrorsNeverVerdictsAndLeaveNoProcessBehind) {
  const std::string args = "--scenario torn-tail --trials 150 --seed 21 --jobs 2";
  std::atomic<bool> done{false};
  std::atomic<int> kills{0};
  std::thread killer([&] {
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      for (int pid : fork_servers(dir_)) {
        if (::kill(pid, SIGKILL) == 0) ++kills;
      }
    }
  });
  // --no-preflight: the killer may kill the preflight's own fork server, which is not what this test is about.
  const auto forked = faultline(fmt::format("run {} --no-preflight --report fork.json --all-trials fork.jsonl", args));
  done = true;
  killer.join();
  const auto execd = faultline(fmt::format("run {} --no-fork-server --report exec.json --all-trials exec.jsonl", args));
  ASSERT_EQ(execd.code, 0) << execd.out;
  EXPECT_GT(kills.load(), 0);
  EXPECT_TRUE(forked.code == 0 || forked.code == 3) << forked.out;
  const auto a = trials("fork.jsonl"), b = trials("exec.jsonl");
  ASSERT_EQ(a.size(), b.size());
  int errors = 0;
  for (const auto& [id, t] : b) {
    if (a.at(id).verdict == "error") {
      ++errors;
      continue;
    }
    EXPECT_EQ(a.at(id), t) << id;
  }
  const auto fork_report = report("fork.json");  // the loops must not range over a part of a temporary
  for (const auto& f : fork_report["failures"])
    EXPECT_EQ(f["verdict"], "error") << f.dump();
  if (errors > 0) {
    EXPECT_EQ(forked.code, 3);
    for (const auto& f : fork_report["failures"])
      EXPECT_NE(f.dump().find("fork server"), std::string::npos) << f.dump();
  }
  EXPECT_GT(starts(forked, "forked"), 0) << forked.out;
  EXPECT_TRUE(processes_with(kPlaceholder, dir_).empty());
  EXPECT_TRUE(processes_with((dir_ / "work").string(), dir_).empty()) << "an engine outlived its campaign";
}

}  // namespace
