// `faultline` as a careless user, an unlucky environment and a hostile engine drive it: every probe of issue 19 ends
// with the documented exit code, a report (marked incomplete when it is partial), and nothing of Faultline's left.
#include "cli_fixture.h"

TEST_F(Cli, OutputsAreCheckedBeforeTheFirstTrial) {
  fs::create_directories(dir_ / "adir");
  for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
           {"--report adir", "--report"},
           {"--report missing/r.json", "--report"},
           {"--all-trials /proc/faultline.jsonl", "--all-trials"},
           {"--junit missing/j.xml", "--junit"}}) {
    const auto r = faultline("run --trials 1 -q " + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(option), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("campaign starting"), std::string::npos) << "a trial ran: " << r.out;
  }
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
}

TEST_F(Cli, NumbersOutOfRangeExitTwoNamingTheOption) {
  for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
           {"--shard 99999999999999999999/3", "--shard"},
           {"--shard 4294967297/4294967298", "--shard"},
           {"--seeds 1..99999999999999999999999", "--seeds"},
           {"--seed -1", "--seed"},
           {"--time-budget -1", "--time-budget"},
           {"--trials 2 --check-determinism 100000", "--check-determinism"},
           // CLI11 alone read these as 2^64 - 1, hex and NaN (issue 19): decimal only, within range.
           {"--check-determinism -1", "--check-determinism"},
           {"--jobs 0x2", "--jobs"},
           {"--jobs -1", "--jobs"},
           {"--trials 1e3", "--trials"},
           {"--time-budget nan", "--time-budget"}}) {
    const auto r = faultline("run -q " + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(option), std::string::npos) << r.out;
  }
}

TEST_F(Cli, ConfigurationErrorsExitTwoBeforeAnyTrial) {
  write("escape.json", R"({"format_version": 1, "name": "x", "command": "/bin/true {dir}", "data_files": ["../*"]})");
  for (const auto& [args, what] : std::vector<std::pair<std::string, std::string>>{
           {"--engine 'faultline-no-such-engine {dir}'", "not found"},
           {"--engine \"sh -c 'x {dir}\"", "unterminated"},
           {"--profile escape.json", "data_files"}}) {
    const auto r = faultline("run --trials 2 -q " + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(what), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("campaign starting"), std::string::npos) << r.out;
  }
}

// The probe of issue 19: a flood of bytes without a newline took 30 s and 71 MB. Now it is a protocol error at once.
TEST_F(Cli, FloodingEngineIsAProtocolErrorNotAnEndlessRead) {
  const auto r = faultline(fmt::format("run --engine '{} {{dir}}' --scenario torn-tail --trials 1 --report r.json -q "
                                       "--no-preflight", engine("flood")));
  EXPECT_EQ(r.code, 1) << r.out;
  const auto doc = report();
  EXPECT_LT(doc["run"]["duration_s"].get<double>(), 15.0);  // the engine itself would run 20 s
  EXPECT_EQ(doc["failures"][0]["violations"][0]["name"], "protocol-error");
}

// "OKzzz…" and no write: the report says protocol error, not "check data_files".
TEST_F(Cli, GarbageRepliesAreProtocolErrorsNotAHintAboutDataFiles) {
  const auto r = faultline(fmt::format("run --engine '{} {{dir}}' --scenario torn-tail --trials 1 --report r.json -q",
                                       engine("garbage")));
  EXPECT_EQ(r.code, 1) << r.out;
  const auto doc = report();
  EXPECT_EQ(doc["failures"][0]["violations"][0]["name"], "protocol-error") << doc["failures"][0].dump();
}

TEST_F(Cli, EveryStopSignalWritesAPartialReportMarkedIncomplete) {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    const pid_t pid = start(fmt::format("run --engine '{} {{dir}}' --trials 50 --jobs 2 --report r.json -q "
                                        "--no-preflight", engine("hang")));
    wait_for_trials(work());
    ::kill(pid, sig);
    EXPECT_EQ(finish(pid), 130) << sigabbrev_np(sig);
    const auto doc = report();
    EXPECT_TRUE(doc["run"]["incomplete"].get<bool>());
    EXPECT_NE(doc["run"]["incomplete_reason"].get<std::string>().find(sigabbrev_np(sig)), std::string::npos);
    EXPECT_FALSE(fs::exists(work() / ".lock"));
    EXPECT_EQ(leftovers(), 0u);
    fs::remove(dir_ / "r.json");
    fs::remove_all(work());  // the hung trials kept as evidence: the next round waits for its own
  }
}

TEST_F(Cli, InterruptedDeterminismCheckIsIncompleteNotAPass) {
  const pid_t pid = start("run --scenario torn-tail --trials 2 --check-determinism 2 --report r.json -q");
  // The two trials take well under a second; the reruns use -det- directories.
  for (int i = 0; i < 400; ++i) {
    std::error_code ec;
    bool rerun = false;
    for (const auto& e : fs::directory_iterator(work(), ec)) rerun = rerun || e.path().filename().string().find("-det-") != std::string::npos;
    if (rerun) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGINT);
  const int code = finish(pid);
  const auto doc = report();
  if (doc["determinism"]["checked"].get<int>() == 2) GTEST_SKIP() << "the reruns finished before the signal";
  EXPECT_EQ(code, 130);
  EXPECT_TRUE(doc["run"]["incomplete"].get<bool>());
  EXPECT_NE(doc["run"]["incomplete_reason"].get<std::string>().find("determinism"), std::string::npos);
}

TEST_F(Cli, DeterminismCheckedIsWhatWasCompared) {
  const auto r = faultline("run --scenario torn-tail --trials 3 --check-determinism 2 --report r.json -q");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(report()["determinism"]["checked"], 2);
}

// A worker thread that cannot start (no address space for its stack) once meant std::terminate and no report.
TEST_F(Cli, WorkerThatCannotStartGivesAPartialReportAndExitThree) {
  if (std::getenv("FAULTLINE_PRELOAD_FIRST")) GTEST_SKIP() << "sanitizers reserve more address space than the limit";
  const auto r = faultline("run --trials 60 --jobs 2 --report r.json -q", "ulimit -v 20000;");
  ASSERT_TRUE(fs::exists(dir_ / "r.json")) << r.out;
  const auto doc = report();
  if (!doc["run"]["incomplete"].get<bool>()) GTEST_SKIP() << "both threads started under this limit";
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(doc["run"]["incomplete_reason"].get<std::string>().find("worker thread"), std::string::npos);
  EXPECT_FALSE(fs::exists(work()));
}

// Under a tight descriptor limit trials may fail, but no descriptor leaks and the report is written. With one job 16
// descriptors are enough with exec'd engines; the fork server needs two more per worker (its control socket and pidfd
// in the harness, docs/fork-server.md, 'Limits'), and no more than that.
TEST_F(Cli, TightDescriptorLimitLosesNoReport) {
  for (const auto& [mode, limit] : {std::pair{"--no-fork-server", 16}, std::pair{"", 18}}) {
    const auto r = faultline(fmt::format("run --trials 40 --jobs 1 {} --report r.json -q", mode),
                             fmt::format("ulimit -n {};", limit));
    ASSERT_TRUE(fs::exists(dir_ / "r.json")) << r.out;
    EXPECT_EQ(r.code, 0) << mode << r.out;
    EXPECT_EQ(report()["summary"]["passed"], 40) << mode;
    fs::remove(dir_ / "r.json");
  }
}

TEST_F(Cli, DaemonsAndDoubleForksOfEnginesDoNotOutliveTheCampaign) {
  const auto r = faultline(fmt::format("run --engine '{} {{dir}} {}' --scenario torn-tail --trials 4 --jobs 2 "
                                       "--report r.json -q", engine("daemon"), WALKV_BIN));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("left processes running"), std::string::npos) << r.out;  // and says so
  EXPECT_FALSE(fs::exists(work()));
}

// SIGKILL of the harness: its hung engines die with it (PR_SET_PDEATHSIG), their daemons are found by the next run in
// the same work directory, by the lock the dead run left, and killed; the dead run's trial directories are removed.
TEST_F(Cli, NextRunCleansWhatAKilledRunLeft) {
  write("hangd.sh", fmt::format("#!/bin/sh\nsetsid sleep 600 </dev/null >/dev/null 2>&1 &\nexec {} \"$1\"\n",
                                engine("hang")));
  fs::permissions(dir_ / "hangd.sh", fs::perms::owner_all);
  const pid_t pid = start(fmt::format("run --engine '{}/hangd.sh {{dir}}' --trials 20 --jobs 2 -q --no-preflight",
                                      dir_.string()));
  wait_for_trials(work());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGKILL);
  finish(pid);
  ASSERT_TRUE(fs::exists(work() / ".lock"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_GT(leftovers(), 0u);  // the daemons, reparented to init
  const auto r = faultline("run --scenario torn-tail --trials 1 --report r.json -q");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("killed earlier"), std::string::npos) << r.out;
  EXPECT_EQ(leftovers(), 0u);
  EXPECT_FALSE(fs::exists(work()));
}

TEST_F(Cli, ShrinkLeavesNoWorkDirectory) {
  const auto r = faultline("shrink --scenario torn-tail --seed 1 -o b.json");
  EXPECT_EQ(r.code, 1) << r.out;  // walkv is correct: nothing to shrink
  EXPECT_FALSE(fs::exists(work()));
}

TEST_F(Cli, InterruptedSelftestNeverClaimsMissed) {
  const pid_t pid = start("selftest --trials 4 --jobs 2 --output st");
  wait_for_trials(work() / "walkv");
  ::kill(pid, SIGTERM);
  EXPECT_EQ(finish(pid), 130);
  std::ifstream in(dir_ / "st" / "selftest.md");
  std::stringstream table;
  table << in.rdbuf();
  EXPECT_NE(table.str().find("Interrupted"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("not run"), std::string::npos) << table.str();
  EXPECT_EQ(table.str().find("MISSED"), std::string::npos) << table.str();
  EXPECT_FALSE(fs::exists(work()));
}

TEST_F(Cli, ReportsAreValidatedAsUntrustedInput) {
  ASSERT_EQ(faultline("run --scenario torn-tail --trials 2 --report good.json -q").code, 0);
  auto doc = report("good.json");
  auto variant = [&](const std::string& name, const std::function<void(json&)>& change) {
    json d = doc;
    change(d);
    write(name, d.dump());
  };
  variant("neg.json", [](json& d) { d["summary"]["passed"] = -5; });
  variant("yes.json", [](json& d) { d["run"]["incomplete"] = "yes"; });
  variant("lie.json", [](json& d) {
    d["summary"]["failed"] = 1;
    d["failures"] = json::array({{{"scenario", "torn-tail"}, {"seed", "1"}, {"verdict", "fail"}}});
  });
  for (const auto& [file, field] : std::vector<std::pair<std::string, std::string>>{
           {"neg.json", "summary.passed"}, {"yes.json", "run.incomplete"}, {"lie.json", "status"}}) {
    const auto show = report_tool("show " + file);
    EXPECT_EQ(show.code, 2) << show.out;
    EXPECT_NE(show.out.find(field), std::string::npos) << show.out;
    EXPECT_EQ(show.out.find("18446744073709551611"), std::string::npos);
    const auto merge = report_tool(fmt::format("merge {} -o m.json", file));
    EXPECT_EQ(merge.code, 2) << merge.out;
  }
}

TEST_F(Cli, BundlesAreValidatedAndTheirEngineRunsOnlyWhenAskedFor) {
  json bundle = json::parse(std::ifstream(fs::path(FAULTLINE_SOURCE) / "tests" / "regressions" / "no-checksum.json"));
  auto variant = [&](const std::string& name, const std::function<void(json&)>& change) {
    json b = bundle;
    change(b);
    write(name, b.dump());
  };
  variant("fault.json", [](json& b) { b["fault"] = "x"; });
  variant("inject.json", [](json& b) { b["operations"][0] = "PUT k0 v1\nQUIT"; });
  for (const auto& [file, field] : std::vector<std::pair<std::string, std::string>>{{"fault.json", "fault"},
                                                                                     {"inject.json", "operations[0]"}}) {
    const auto r = faultline("repro --bundle " + file);
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find(field), std::string::npos) << r.out;
  }
  // The bundle's own engine (here a planted bug) runs only with --engine-from-bundle; by default, the local walkv.
  variant("evil.json", [](json& b) { b["profile"]["command"] = "/bin/sh -c 'touch pwned' {dir}"; });
  const auto safe = faultline("repro --bundle evil.json");
  EXPECT_NE(safe.out.find("engine: "), std::string::npos) << safe.out;
  EXPECT_FALSE(fs::exists(dir_ / "pwned")) << safe.out;
  faultline("repro --bundle evil.json --engine-from-bundle");
  EXPECT_TRUE(fs::exists(dir_ / "pwned"));
}

// "010" is ten trials, not eight (CLI11 read numbers with base 0: octal).
TEST_F(Cli, NumericOptionsAreDecimal) {
  const auto r = faultline("run --scenario torn-tail --trials 010 --seed 1 --report r.json -q");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(report()["summary"]["total"], 10);
}

// A report is input from anywhere: the engine its campaign ran (any command) runs only with --engine-from-report.
TEST_F(Cli, ReportsRunTheirEngineOnlyWhenAskedFor) {
  ASSERT_EQ(faultline(fmt::format("run --no-preflight --engine '{} {{dir}}' --scenario torn-tail --trials 1 --report r.json -q",
                                  engine("garbage"))).code, 1);
  json doc = report();
  doc["configuration"]["engine"]["command"] = fmt::format("/bin/sh -c 'touch {}/pwned' {{dir}}", dir_.string());
  write("evil.json", doc.dump());
  for (const char* command : {"repro", "shrink"}) {
    const auto r = faultline(fmt::format("{} --from-report evil.json --failure 1", command));
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("--engine-from-report"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(dir_ / "pwned")) << command << " ran the report's engine\n" << r.out;
  }
  EXPECT_EQ(faultline("repro --from-report evil.json --engine-from-report --engine 'x {dir}'").code, 2);
  EXPECT_EQ(faultline("repro --scenario torn-tail --seed 1 --engine-from-report").code, 2);
  faultline("repro --from-report evil.json --failure 1 --engine-from-report");
  EXPECT_TRUE(fs::exists(dir_ / "pwned"));
}

// Issue 15, item 1: a wrong engine command is one configuration error (exit 2) with the engine's own message and the
// command's words, never a failure per trial (it was 20 engine-crash failures and exit 1; a missing program exit 3).
TEST_F(Cli, AWrongEngineCommandFailsThePreflightWithTheEnginesOwnMessage) {
  write("hello.sh", "#!/bin/sh\necho 'no protocol here' >&2\necho hello\n");
  fs::permissions(dir_ / "hello.sh", fs::perms::owner_all);
  write("stays.json", fmt::format(R"({{"format_version": 1, "name": "stays", "command": "{} {{dir}}",
                                      "request_timeout_ms": 300}})", engine("hang")));
  struct Case {
    std::string args, what;
  };
  for (const auto& [args, what] : std::vector<Case>{
           {fmt::format("run --engine '{} serve --dirr {{dir}}'", WALKV_BIN), "dirr"},
           {fmt::format("run --engine '{}/hello.sh {{dir}}'", dir_.string()), "expected READY"},
           {"run --engine '/nonexistent/faultline-engine {dir}'", "does not exist"},
           {"run --profile stays.json", "did not exit within 300 ms of QUIT"},
           {fmt::format("repro --scenario torn-tail --seed 1 --engine '{} serve --dirr {{dir}}'", WALKV_BIN), "dirr"},
           {fmt::format("shrink --scenario torn-tail --seed 1 --engine '{} serve --dirr {{dir}}'", WALKV_BIN), "dirr"}}) {
    const auto r = faultline(args.rfind("run", 0) == 0 ? args + " --report r.json -q" : args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(what), std::string::npos) << args << "\n" << r.out;
    EXPECT_FALSE(fs::exists(dir_ / "r.json")) << args;
    if (what != "does not exist") {
      EXPECT_NE(r.out.find("the engine failed its preflight"), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("the command as split into words: [\""), std::string::npos) << r.out;
    }
  }
  const auto hello = faultline(fmt::format("run --engine '{}/hello.sh {{dir}}' -q", dir_.string()));
  EXPECT_NE(hello.out.find("no protocol here"), std::string::npos) << "the engine's stderr is shown: " << hello.out;
  // The same engines, hostile on purpose, still run their trials with --no-preflight.
  EXPECT_EQ(faultline("run --profile stays.json --scenario torn-tail --trials 1 --report r.json -q --no-preflight").code,
            1);
}
