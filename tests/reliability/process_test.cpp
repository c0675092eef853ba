// ChildProcess and EngineSession against hostile children: bounds and deadlines that hold, no descriptor leaked, no
// orphan left (faultline/harness/process.h, session.h, supervisor.h).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "faultline/harness/process.h"
#include "faultline/harness/session.h"
#include "faultline/harness/supervisor.h"

namespace fs = std::filesystem;
using namespace faultline::harness;
using Clock = std::chrono::steady_clock;

namespace {

SpawnOptions shell(const std::string& script) {
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", script};
  o.stderr_path = fs::temp_directory_path() / ("faultline-process-test-" + std::to_string(::getpid()) + ".stderr");
  return o;
}

int open_fds() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

// A child that floods stdout without a newline: the read stops at the line bound, long before the child ends (it
// would run 20 s; the old loop read until EOF, growing without bound and rescanning the whole buffer per chunk).
TEST(HostileChild, FloodWithoutNewlineIsTooLongNotAnEndlessRead) {
  ChildProcess child(shell("exec timeout 20 cat /dev/zero"));
  std::string line;
  EXPECT_EQ(child.read_line(line, std::chrono::milliseconds(15000)), ReadResult::kTooLong);
  EXPECT_TRUE(child.running());
  child.kill();
}

// With the bound out of the way the deadline alone must hold, though poll() always reports data.
TEST(HostileChild, DeadlineHoldsWhileBytesKeepArriving) {
  auto options = shell("exec timeout 20 cat /dev/zero");
  options.max_line_bytes = std::size_t{1} << 40;  // never reached: memory is bounded by the deadline below
  ChildProcess child(options);
  std::string line;
  const auto started = Clock::now();
  EXPECT_EQ(child.read_line(line, std::chrono::milliseconds(50)), ReadResult::kTimeout);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));  // the child runs 20 s: far from it either way
  child.kill();
}

TEST(HostileChild, LinesAreSplitWhateverTheChunksAndALastLineWithoutNewlineCounts) {
  ChildProcess child(shell("printf 'a\\r\\nbb\\n'; printf 'c'; sleep 0.05; printf 'c\\nlast'"));
  std::string line;
  ASSERT_EQ(child.read_line(line, std::chrono::milliseconds(5000)), ReadResult::kLine);
  EXPECT_EQ(line, "a");
  ASSERT_EQ(child.read_line(line, std::chrono::milliseconds(5000)), ReadResult::kLine);
  EXPECT_EQ(line, "bb");
  ASSERT_EQ(child.read_line(line, std::chrono::milliseconds(5000)), ReadResult::kLine);
  EXPECT_EQ(line, "cc");
  ASSERT_EQ(child.read_line(line, std::chrono::milliseconds(5000)), ReadResult::kLine);
  EXPECT_EQ(line, "last");
  EXPECT_EQ(child.read_line(line, std::chrono::milliseconds(5000)), ReadResult::kEof);
}

// A child that never reads its stdin: once the pipe is full, send_line gives up at its deadline instead of blocking.
TEST(HostileChild, SendingToAChildThatNeverReadsEndsAtTheDeadline) {
  ChildProcess child(shell("exec sleep 600"));
  const std::string big(4096, 'x');
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i)  // 256 KiB: more than any pipe buffer
    refused = !child.send_line(big, Clock::now() + std::chrono::milliseconds(100));
  EXPECT_TRUE(refused);
  child.kill();
}

// When the second pipe2 fails (EMFILE), the first pair is closed: the count of open descriptors is unchanged.
TEST(HostileEnvironment, PipeFailureLeaksNoDescriptor) {
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  const int before = open_fds();
  const int lowest = ::dup(0);  // the lowest free number: the first pipe gets it and the next
  ::close(lowest);
  rlimit tight = old;
  tight.rlim_cur = static_cast<rlim_t>(lowest + 2);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  bool threw = false;
  try {
    ChildProcess child(shell("true"));
  } catch (const std::runtime_error&) {
    threw = true;
  }
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  EXPECT_TRUE(threw);
  EXPECT_EQ(open_fds(), before);
}

TEST(HostileEngine, EndlessDumpIsAnErrorWithinTheRequestTimeout) {
  SpawnOptions o;
  o.argv = {FAULTLINE_ENGINES "/endless-dump.sh"};
  o.stderr_path = fs::temp_directory_path() / ("faultline-dump-test-" + std::to_string(::getpid()) + ".stderr");
  EngineSession session(o, std::chrono::milliseconds(5000), std::chrono::milliseconds(300));
  ASSERT_EQ(session.start().kind, StartOutcome::Kind::kReady);
  const auto dump = session.dump();  // before: one 300 ms timeout per line, so forever
  EXPECT_FALSE(dump.ok);
  EXPECT_NE(dump.error.find("DUMP"), std::string::npos);
  session.kill();
}

// A setsid daemon leaves the engine's process group, so killing the group misses it; as a subreaper the harness
// inherits it and kills it once the engine it came from is reaped.
TEST(Supervisor, DaemonOfAnEngineDiesWithIt) {
  ASSERT_TRUE(supervisor::become_subreaper());
  const std::string tag = "FAULTLINE_TEST_TAG=" + std::to_string(::getpid()) + "-daemon";
  auto options = shell("setsid sleep 600 </dev/null >/dev/null 2>&1 & (sleep 600 </dev/null >/dev/null 2>&1 &) ; "
                       "echo READY; exec sleep 600");
  options.env_set["FAULTLINE_TEST_TAG"] = tag.substr(tag.find('=') + 1);
  options.tag = tag;
  {
    ChildProcess child(options);
    std::string line;
    ASSERT_EQ(child.read_line(line, std::chrono::milliseconds(5000)), ReadResult::kLine);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the daemon detach
    EXPECT_GE(supervisor::processes_with_environment(tag + '\0').size(), 3u);
    child.kill();
  }
  EXPECT_EQ(supervisor::processes_with_environment(tag + '\0').size(), 0u);
}

// Stale work roots (issue 19: more than 80 had piled up in /dev/shm): a `faultline-*` root whose .lock nobody holds
// is a killed run's and is removed with what it holds; a live run's (its .lock held), a finished run's kept evidence
// (no .lock) and a directory that is not Faultline's are left alone.
TEST(Supervisor, StaleWorkRootsOfKilledRunsAreRemovedAndNoOthers) {
  const fs::path base = fs::temp_directory_path() / ("faultline-stale-test-" + std::to_string(::getpid()));
  fs::remove_all(base);
  auto root = [&](const std::string& name, bool lock) {
    fs::create_directories(base / name / "torn-tail-1" / "data");
    if (lock) std::ofstream(base / name / ".lock") << "1\n";
    return base / name;
  };
  const auto killed = root("faultline-run-1", true);
  const auto live = root("faultline-run-2", true);
  const auto evidence = root("faultline-run-3", false);
  const auto other = root("other-run-4", true);
  const int held = ::open((live / ".lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
  const auto removed = supervisor::clean_stale_roots(base);
  EXPECT_EQ(removed, std::vector<fs::path>{killed});
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_TRUE(fs::exists(live / "torn-tail-1")) << "a live run's work root";
  EXPECT_TRUE(fs::exists(evidence / "torn-tail-1")) << "kept evidence of a finished run";
  EXPECT_TRUE(fs::exists(other / "torn-tail-1")) << "not Faultline's";
  ::close(held);
  fs::remove_all(base);
}
