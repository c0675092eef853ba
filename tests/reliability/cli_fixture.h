// Test-only: the fixture of the `faultline` probes of tests/reliability (cli_test.cpp, cli_limits_test.cpp). Each test
// gets its own directory and work root; its teardown asserts that no process of its engines is left.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run_cli.h"

#include "faultline/harness/supervisor.h"

namespace faultline::testing {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string engine(const std::string& name) { return fmt::format("{}/{}.sh", FAULTLINE_ENGINES, name); }

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("faultline-rel-{}-{}", ::getpid(),
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    EXPECT_EQ(leftovers(), 0u) << "processes of this test's engines are still running";
    fs::remove_all(dir_);
  }
  // Processes whose fault plan lies in this test's work directory: engines and whatever they started.
  std::size_t leftovers() const {
    return faultline::harness::supervisor::processes_with_environment("FAULTFS_PLAN=" + work().string() + "/").size();
  }
  fs::path work() const { return dir_ / "work"; }
  Ran faultline(const std::string& args, const std::string& prefix = "") {
    return sh(fmt::format("cd {} && {} {} {} --work-dir {}", dir_.string(), prefix, FAULTLINE_BIN, args,
                          work().string()));
  }
  Ran report_tool(const std::string& args) {  // `faultline report ...` has no --work-dir
    return sh(fmt::format("cd {} && {} report {}", dir_.string(), FAULTLINE_BIN, args));
  }
  // Starts faultline in the background; returns its pid.
  pid_t start(const std::string& args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::chdir(dir_.c_str());
      const std::string cmd = fmt::format("exec {} {} --work-dir {} >{}/out.txt 2>&1", FAULTLINE_BIN, args,
                                          work().string(), dir_.string());
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
      ::_exit(127);
    }
    return pid;
  }
  int finish(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  json report(const std::string& name = "r.json") {
    std::ifstream in(dir_ / name);
    return json::parse(in);
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  fs::path dir_;
};

// Waits until the work directory holds a trial directory: the campaign is running.
inline void wait_for_trials(const fs::path& work) {
  for (int i = 0; i < 200; ++i) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(work, ec))
      if (e.is_directory()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace faultline::testing

// The probes' files read as if the fixture were their own (this header is only ever included by them).
namespace fs = std::filesystem;
using faultline::testing::Cli;
using faultline::testing::engine;
using faultline::testing::wait_for_trials;
using nlohmann::json;
