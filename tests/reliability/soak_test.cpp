// A bounded soak: a few hundred trials against a rotation of hostile engines. Each campaign must end with its
// documented exit code and a complete, valid report, and leave no process and no work directory behind.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "faultline/harness/supervisor.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int run(const std::string& command, std::string& out) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST(Soak, RotationOfHostileEnginesEndsCleanEveryTime) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("faultline-soak-{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct Case {
    std::string engine, args;
    int trials, exit_code;
  };
  const std::vector<Case> cases{
      {"hang", "", 30, 1},         {"flood", "", 40, 1},         {"garbage", "", 40, 1},
      {"instant-exit", "", 60, 1}, {"daemon", WALKV_BIN, 60, 0}, {"fork-flood", "", 30, 1},
      {"endless-dump", "", 40, 1},
  };
  int total = 0;
  // Hostile on purpose: --no-preflight, or the preflight would stop most of them before any trial (exit 2).
  for (const auto& c : cases) {
    const fs::path work = dir / ("work-" + c.engine);
    json profile{{"format_version", 1}, {"name", c.engine},
                 {"command", fmt::format("{}/{}.sh {{dir}} {}", FAULTLINE_ENGINES, c.engine, c.args)},
                 {"start_timeout_ms", 300}, {"request_timeout_ms", 300}};
    if (c.engine == "daemon") {  // a correct engine with a daemon: walkv's profile, so the campaign must pass
      profile = json::parse(std::ifstream(fs::path(FAULTLINE_SOURCE) / "scenarios" / "profiles" / "walkv.json"));
      profile["command"] = fmt::format("{}/daemon.sh {{dir}} {}", FAULTLINE_ENGINES, WALKV_BIN);
    }
    std::ofstream(dir / (c.engine + ".json")) << profile.dump();
    std::string out;
    const int code = run(fmt::format("{} run --profile {}/{}.json --trials {} --jobs 2 --seed 7 --report {}/{}.report.json "
                                     "-q --no-preflight --work-dir {}",
                                     FAULTLINE_BIN, dir.string(), c.engine, c.trials, dir.string(), c.engine,
                                     work.string()),
                         out);
    EXPECT_EQ(code, c.exit_code) << c.engine << "\n" << out.substr(0, 2000);
    const auto doc = json::parse(std::ifstream(dir / (c.engine + ".report.json")));
    EXPECT_FALSE(doc["run"]["incomplete"].get<bool>()) << c.engine;
    EXPECT_EQ(doc["summary"]["total"], c.trials) << c.engine;
    EXPECT_EQ(doc["summary"]["errors"], 0) << c.engine << ": " << doc["failures"][0].dump().substr(0, 500);
    std::string shown;
    EXPECT_EQ(run(fmt::format("{} report show {}/{}.report.json", FAULTLINE_BIN, dir.string(), c.engine), shown),
              c.exit_code)
        << shown;
    EXPECT_EQ(faultline::harness::supervisor::processes_with_environment("FAULTFS_PLAN=" + work.string() + "/").size(),
              0u)
        << c.engine;
    // Failing trials are kept as evidence (up to 20) with no lock: the run finished; nothing else is left.
    EXPECT_FALSE(fs::exists(work / ".lock")) << c.engine;
    total += c.trials;
  }
  EXPECT_EQ(total, 300);
  fs::remove_all(dir);
}
