// `faultline` under hostile limits (issue 19): a second stop signal, a process limit, a work directory that fills
// up. Each ends with the documented exit code, a report, and nothing of Faultline's left.
#include "cli_fixture.h"

// One signal lets the trials in flight end within their deadlines (here a minute: the engine never answers); a second
// one kills the engines at once (issue 19). The partial report is still written, marked incomplete, exit 130.
TEST_F(Cli, SecondStopSignalKillsTheRunningEnginesAtOnce) {
  write("hang.json", fmt::format(R"({{"format_version": 1, "name": "hang", "command": "{} {{dir}}",
                                      "start_timeout_ms": 60000, "request_timeout_ms": 60000}})", engine("hang")));
  for (const char* mode : {"", "--no-fork-server"}) {
    const pid_t pid = start(fmt::format("run --no-preflight --profile hang.json --trials 20 --jobs 2 --report r.json -q {}", mode));
    wait_for_trials(work());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the engines are up, their first request sent
    const auto signalled = std::chrono::steady_clock::now();
    ::kill(pid, SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(pid, SIGINT);
    EXPECT_EQ(finish(pid), 130) << mode;
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(30))
        << mode << ": the engines were left to their one-minute deadline";
    const auto doc = report();
    EXPECT_TRUE(doc["run"]["incomplete"].get<bool>()) << mode;
    EXPECT_NE(doc["run"]["incomplete_reason"].get<std::string>().find("second signal"), std::string::npos)
        << doc["run"].dump();
    EXPECT_EQ(doc["summary"]["errors"], 0) << "trials whose engines we killed are not results: " << doc["summary"];
    EXPECT_EQ(leftovers(), 0u) << mode;
    fs::remove(dir_ / "r.json");
    fs::remove_all(work());
  }
}

namespace {

// Runs `command` as nobody (RLIMIT_NPROC binds no root process) under a process limit of `nproc`, in the test's
// directory, which nobody may write.
std::string as_nobody_with_nproc(const fs::path& dir, int nproc, const std::string& command) {
  fs::permissions(dir, fs::perms::all);
  return fmt::format("cd {} && setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --nproc={} {}", dir.string(),
                     nproc, command);
}

}  // namespace

// `ulimit -u` small: engines cannot start. A harness error (exit 3) that says which limit, the report still written,
// nothing left.
TEST_F(Cli, ProcessLimitIsAHarnessErrorThatNamesTheLimit) {
  if (::geteuid() != 0 || faultline::testing::sh("command -v setpriv prlimit").code != 0)
    GTEST_SKIP() << "needs root (to run as nobody) and util-linux's setpriv and prlimit";
  const auto r = faultline::testing::sh(as_nobody_with_nproc(
      dir_, 3, fmt::format("{} run --no-preflight --scenario torn-tail --trials 10 --jobs 1 --no-fork-server --seed 1 --report r.json -q "
                           "--work-dir {}", FAULTLINE_BIN, work().string())));
  EXPECT_EQ(r.code, 3) << r.out;
  ASSERT_TRUE(fs::exists(dir_ / "r.json")) << r.out;
  const auto doc = report();
  EXPECT_EQ(doc["status"], "error");
  std::string errors = doc["run"].value("incomplete_reason", "");
  for (const auto& f : doc["failures"]) errors += f.value("error", "") + "\n";
  // Under 3 processes the harness runs (main, the stop-signal thread, one worker) but no engine starts.
  EXPECT_NE(errors.find("the process limit, ulimit -u, is reached"), std::string::npos)
      << "the report does not say which limit stopped the trials:\n" << errors;
  EXPECT_FALSE(fs::exists(work() / ".lock"));
}

// The same limit one process higher: the harness and the fork server run, but the server's fork() of the engine fails
// with EAGAIN. Its start error names the limit too, as an exec'd start's does.
TEST_F(Cli, ProcessLimitInsideTheForkServerNamesTheLimit) {
  if (::geteuid() != 0 || faultline::testing::sh("command -v setpriv prlimit").code != 0)
    GTEST_SKIP() << "needs root (to run as nobody) and util-linux's setpriv and prlimit";
  const auto r = faultline::testing::sh(as_nobody_with_nproc(
      dir_, 4, fmt::format("{} run --no-preflight --scenario torn-tail --trials 4 --jobs 1 --seed 1 --report r.json -q "
                           "--work-dir {}", FAULTLINE_BIN, work().string())));
  EXPECT_EQ(r.code, 3) << r.out;
  ASSERT_TRUE(fs::exists(dir_ / "r.json")) << r.out;
  const auto doc = report();
  ASSERT_FALSE(doc["failures"].empty()) << doc.dump();
  for (const auto& f : doc["failures"]) {
    const std::string error = f.value("error", "");
    EXPECT_NE(error.find("the fork server could not start the engine"), std::string::npos) << error;
    EXPECT_NE(error.find("the process limit, ulimit -u, is reached: raise it or lower --jobs"), std::string::npos)
        << error;
  }
  EXPECT_FALSE(fs::exists(work() / ".lock"));
}

// The work directory fills up (a 64 KiB tmpfs in a mount namespace): every trial that hit it is a harness error
// naming the directory and "No space left on device", never a verdict against the engine; the report (outside it) is
// written, exit 3, and nothing of Faultline's is left: no process, no work directory. Before the fix, about half the
// runs died of SIGBUS (the step counter's page, stored to by the harness, could not be allocated; the shim's journal
// and history windows the same in the engine) and others said "fail".
TEST_F(Cli, FullWorkDirectoryIsAHarnessErrorAndTheReportIsWritten) {
  const std::string unshare = ::geteuid() == 0 ? "unshare -m" : "unshare -rm";
  if (faultline::testing::sh(unshare + " true").code != 0)
    GTEST_SKIP() << "needs a mount namespace: root, or unprivileged user namespaces (" << unshare << " failed here)";
  const fs::path tiny = dir_ / "tiny";
  fs::create_directories(tiny);
  const auto r = faultline::testing::sh(fmt::format(
      "{3} sh -c 'mount -t tmpfs -o size=64k tmpfs {0} && cd {1} && {2} run --trials 10 --jobs 2 --seed 1 "
      "--work-dir {0}/work --report r.json -q; code=$?; ls -A {0} > {1}/left.txt; exit $code'", tiny.string(),
      dir_.string(), FAULTLINE_BIN, unshare));
  EXPECT_EQ(r.code, 3) << r.out;
  ASSERT_TRUE(fs::exists(dir_ / "r.json")) << r.out;
  const auto doc = report();
  EXPECT_EQ(doc["status"], "error");
  EXPECT_GT(doc["summary"]["errors"].get<int>(), 0);
  EXPECT_EQ(doc["summary"]["failed"], 0) << doc["summary"];
  for (const auto& f : doc["failures"]) {
    EXPECT_EQ(f["verdict"], "error") << "a full work directory is not the engine's fault: " << f.dump();
    const std::string error = f.value("error", "");
    EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
    EXPECT_NE(error.find("Faultline's work directory " + (tiny / "work").string() + " is full"), std::string::npos)
        << error;
    EXPECT_NE(error.find("(--work-dir DIR)"), std::string::npos) << error;
  }
  std::ifstream left(dir_ / "left.txt");
  const std::string rest((std::istreambuf_iterator<char>(left)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rest, "") << "left in the full tmpfs after the run";
  EXPECT_EQ(faultline::harness::supervisor::processes_with_environment("FAULTFS_PLAN=" + tiny.string() + "/").size(), 0u);
}
