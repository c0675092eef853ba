// The typed report model: failure entries round-trip through to_json/from_json, signatures name causes (not seeds,
// offsets or details), groups are a pure function of the failures, and the status and exit-code rules.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "faultline/reports/model.h"
#include "faultline/reports/report.h"
#include "fixtures.h"

using namespace faultline::reports;
using namespace faultline::reports::testing;

namespace {

ordered_json torn_tail_failure() { return example_report()["failures"][0]; }

Failure with_seed_and_offsets(Failure f, const std::string& seed, std::uint64_t offset) {
  f.seed = seed;
  f.coverage.offset = offset;
  f.expected.size_after_recovery = offset;
  f.observed.size_after_recovery = offset - 37;
  for (auto& v : f.violations) v.detail = "k9=v" + seed + " was acknowledged but is missing";
  f.trace_hash = seed;
  return f;
}

}  // namespace

TEST(Model, FailureEntryRoundTripsThroughTheTypedModel) {
  const auto report = example_report();  // the loop must not range over a part of a temporary
  for (const auto& entry : report["failures"]) {
    ordered_json copy = entry;
    copy.erase("signature");
    EXPECT_EQ(nlohmann::json(to_json(failure_from_json(copy))), nlohmann::json(copy)) << entry.dump();
  }
}

TEST(Model, GroupRoundTrips) {
  const auto groups = groups_of(example_report());
  ASSERT_FALSE(groups.empty());
  for (const auto& g : groups) EXPECT_EQ(to_json(group_from_json(to_json(g))).dump(), to_json(g).dump());
}

TEST(Model, TolerantOfMissingAndMistypedFields) {
  const Failure f = failure_from_json({{"index", -3}, {"seed", 42}, {"violations", "not an array"}});
  EXPECT_EQ(f.index, 0u);
  EXPECT_EQ(f.seed, "42") << "older hand-made reports may hold numbers";
  EXPECT_TRUE(f.violations.empty());
  EXPECT_FALSE(f.error.has_value());
}

TEST(Signature, IgnoresSeedsOffsetsSizesAndDetails) {
  const Failure f = failure_from_json(torn_tail_failure());
  const auto a = signature_of(with_seed_and_offsets(f, "1", 300));
  const auto b = signature_of(with_seed_and_offsets(f, "18446744073709551557", 9000));
  EXPECT_EQ(a.id, b.id) << a.key << " vs " << b.key;
  EXPECT_EQ(a.id.size(), 16u);
}

TEST(Signature, NamesViolationKindFileFieldAndWhatRecoveryDid) {
  const auto s = signature_of(failure_from_json(torn_tail_failure()));
  EXPECT_EQ(s.violations, std::vector<std::string>{"lost-acked-write"});
  EXPECT_EQ(s.kind, "crash");
  EXPECT_EQ(s.file, "wal.log");
  EXPECT_EQ(s.field, "payload");
  EXPECT_EQ(s.recovery, "started, cut short; expected truncate") << "175 bytes kept where 212 were expected";
  EXPECT_EQ(s.title, "lost-acked-write · crash in wal.log (payload) · started, cut short; expected truncate");
}

TEST(Signature, DiffersWhenTheCauseDiffers) {
  const Failure base = failure_from_json(torn_tail_failure());
  const auto id = signature_of(base).id;
  Failure other_field = base;
  other_field.coverage.field = "length";
  Failure other_violation = base;
  other_violation.violations.push_back({"not-a-prefix", "x"});
  Failure refused = base;
  refused.observed = {};
  refused.observed.outcome = "abort";
  Failure other_kind = base;
  other_kind.coverage.kind = "short_write";
  Failure cut_long = base;
  cut_long.observed.size_after_recovery = 400;
  for (const auto* f : {&other_field, &other_violation, &refused, &other_kind, &cut_long})
    EXPECT_NE(signature_of(*f).id, id) << signature_of(*f).key;
  EXPECT_EQ(signature_of(refused).recovery, "refused; expected truncate");
  EXPECT_EQ(signature_of(cut_long).recovery, "started, cut long; expected truncate");
}

TEST(Signature, ViolationOrderDoesNotMatter) {
  Failure a = failure_from_json(torn_tail_failure()), b = a;
  a.violations = {{"not-a-prefix", ""}, {"lost-acked-write", ""}};
  b.violations = {{"lost-acked-write", ""}, {"not-a-prefix", ""}, {"lost-acked-write", "twice"}};
  EXPECT_EQ(signature_of(a).id, signature_of(b).id);
}

TEST(Signature, HarnessErrorsAreClassedWithoutTheirNumbersAndPaths) {
  Failure a = failure_from_json(example_report()["failures"][2]), b = a;
  a.error = "cannot read /dev/shm/faultline-run-4242/torn-tail-77/wal.log: offset 123";
  b.error = "cannot read /tmp/x/torn-tail-9/wal.log: offset 99999";
  EXPECT_EQ(signature_of(a).id, signature_of(b).id) << signature_of(a).key << " vs " << signature_of(b).key;
  Failure c = a;
  c.error = "the shim was bypassed";
  EXPECT_NE(signature_of(c).id, signature_of(a).id);
}

TEST(Groups, CountScenariosFirstAndSmallest) {
  Failure f = failure_from_json(torn_tail_failure());
  std::vector<Failure> failures;
  for (std::size_t i = 0; i < 5; ++i) {
    Failure g = with_seed_and_offsets(f, std::to_string(100 + i), 200 + i);
    g.index = 10 + i;
    g.scenario = i < 3 ? "torn-tail" : "torn-mid";
    g.coverage.operations = i == 3 ? 4 : 10;  // index 13 is the smallest
    g.repro.command = "repro " + g.seed;
    failures.push_back(g);
  }
  Failure other = f;
  other.index = 2;
  other.coverage.field = "checksum";
  failures.push_back(other);
  const auto groups = group_failures(failures);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].count, 5u) << "the largest group first";
  EXPECT_EQ(groups[0].first.index, 10u);
  EXPECT_EQ(groups[0].smallest.index, 13u);
  EXPECT_EQ(groups[0].smallest.operations, 4u);
  EXPECT_EQ(groups[0].repro.command, "repro 103") << "one repro per group: the smallest trial's";
  EXPECT_EQ(groups[0].scenarios, (std::map<std::string, std::size_t>{{"torn-mid", 2}, {"torn-tail", 3}}));
  EXPECT_EQ(groups[1].count, 1u);
}

TEST(Groups, FailuresComeBeforeErrorsAndVoid) {
  const auto groups = groups_of(example_report());
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].verdict, "fail");
  EXPECT_EQ(groups[1].verdict, "error");
  EXPECT_EQ(groups[2].verdict, "void");
}

TEST(Groups, DoNotDependOnTheOrderOfTheFailures) {
  auto failures = failures_of(campaign_report(fake_trials(200)));
  const auto forward = group_failures(failures);
  std::reverse(failures.begin(), failures.end());
  const auto backward = group_failures(failures);
  ASSERT_EQ(forward.size(), backward.size());
  for (std::size_t i = 0; i < forward.size(); ++i) EXPECT_EQ(to_json(forward[i]).dump(), to_json(backward[i]).dump());
}

TEST(Groups, AddGroupsPutsThemBeforeTheFailuresAndSignsEachFailure) {
  auto report = campaign_report(fake_trials(50), 0, 1, true);
  add_groups(report);
  std::vector<std::string> keys;
  for (const auto& [key, value] : report.items()) keys.push_back(key);
  ASSERT_GE(keys.size(), 2u);
  EXPECT_EQ(keys[keys.size() - 2], "groups");
  EXPECT_EQ(keys.back(), "failures");
  for (const auto& f : report["failures"]) EXPECT_EQ(f["signature"].get<std::string>().size(), 16u);
}

TEST(Groups, KeepTheBundlesTheReportNamed) {
  auto report = example_report();
  add_groups(report);
  report["groups"][0]["bundle"] = "bundles/torn-tail.json";
  EXPECT_EQ(groups_of(report)[0].bundle, "bundles/torn-tail.json");
  EXPECT_FALSE(groups_of(report)[1].bundle.has_value());
}

TEST(Groups, KeepHowRunShrinkWent) {
  auto report = example_report();
  add_groups(report);
  report["groups"][0]["shrink"] = {{"status", "partial"}, {"trials", 7}, {"seconds", 1.5}, {"operations", 3},
                                   {"original_operations", 16}};
  report["groups"][1]["shrink"] = {{"status", "out-of-time"}, {"trials", 0}, {"seconds", 0}};
  const auto groups = groups_of(report);
  ASSERT_TRUE(groups[0].shrink.has_value());
  EXPECT_EQ(groups[0].shrink->status, "partial");
  EXPECT_EQ(groups[0].shrink->trials, 7u);
  EXPECT_EQ(groups[0].shrink->operations, 3u);
  EXPECT_EQ(groups[0].shrink->original_operations, 16u);
  EXPECT_EQ(to_json(groups[0])["shrink"], report["groups"][0]["shrink"]);
  ASSERT_TRUE(groups[1].shrink.has_value());
  EXPECT_EQ(groups[1].shrink->status, "out-of-time");
  EXPECT_FALSE(groups[1].shrink->operations.has_value());
  EXPECT_FALSE(to_json(groups[1])["shrink"].contains("operations"));
  EXPECT_NE(render_summary(report, false).find("out of time (--shrink-budget or --shrink-group-budget), no bundle"),
            std::string::npos);
}

TEST(Model, TranscriptAndTheBytesBeforeTheDamageRoundTrip) {
  auto entry = example_report()["failures"][0];
  entry.erase("signature");
  entry["hexdump_before"] = "000000d0  00 00 00 25 6b 32 3d 76  37 fe ff ff ff ff ff ff  |...%k2=v7.......|\n";
  const auto f = failure_from_json(entry);
  ASSERT_EQ(f.transcript.size(), 1u);
  EXPECT_EQ(f.transcript[0].run, "01-fault0");
  ASSERT_EQ(f.transcript[0].operations.size(), 10u);
  EXPECT_EQ(f.transcript[0].operations[9].ack, "no-reply");
  EXPECT_EQ(f.transcript[0].operations[9].journal_from, 6u);
  EXPECT_FALSE(f.transcript[0].operations[9].journal_to.has_value());
  EXPECT_EQ(f.timeline[0].events[4].seq, 6);
  EXPECT_EQ(f.hexdump_before, entry["hexdump_before"].get<std::string>());
  EXPECT_EQ(nlohmann::json(to_json(f)), nlohmann::json(entry));
}

TEST(Transcript, ALongRunKeepsItsFirstAndLastOperationsAndCountsTheMiddle) {
  std::vector<TranscriptOp> ops;
  for (std::size_t i = 0; i < 100; ++i) ops.push_back({i, fmt::format("PUT k{} v{}", i, i), "OK", "ok", i, i + 1});
  const auto run = bounded_transcript("01-fault0", ops);
  ASSERT_EQ(run.operations.size(), kTranscriptOpsPerRun);
  EXPECT_EQ(run.omitted, 100 - kTranscriptOpsPerRun);
  EXPECT_EQ(run.operations.front().op, 0u);
  EXPECT_EQ(run.operations[kTranscriptOpsPerRun / 2 - 1].op, kTranscriptOpsPerRun / 2 - 1);
  EXPECT_EQ(run.operations[kTranscriptOpsPerRun / 2].op, 100 - kTranscriptOpsPerRun / 2) << "then the last ones";
  EXPECT_EQ(run.operations.back().op, 99u);
  const auto short_run = bounded_transcript("01-fault0", {ops.begin(), ops.begin() + 5});
  EXPECT_EQ(short_run.operations.size(), 5u);
  EXPECT_EQ(short_run.omitted, 0u);
}

TEST(Transcript, RequestsAndRepliesAreCleanedAndCut) {
  const auto run = bounded_transcript(
      "01-fault0", {{0, "PUT k " + std::string(5000, 'v'), "ERR \x1b[31mdisk\x1b[0m \xff", "error", 2, 3}});
  ASSERT_EQ(run.operations.size(), 1u);
  EXPECT_LT(run.operations[0].request.size(), kTranscriptTextBytes + 64) << "cut, with a marker";
  EXPECT_EQ(run.operations[0].request.rfind("PUT k vvv", 0), 0u);
  EXPECT_EQ(run.operations[0].reply.find('\x1b'), std::string::npos) << run.operations[0].reply;
  EXPECT_NE(run.operations[0].reply.find("disk"), std::string::npos);
  EXPECT_NO_THROW((void)nlohmann::json(to_json(std::vector<TranscriptRun>{run})).dump()) << "valid UTF-8";
}

TEST(Shrink, EveryStatusInWords) {
  GroupShrink s{"shrunk", 3, 16, 42, 12.34};
  EXPECT_EQ(describe_shrink(s), "shrunk, operations 16 → 3, 42 trials in 12.3 s");
  EXPECT_EQ(describe_shrink({"not-reproduced", std::nullopt, std::nullopt, 2, 0.5}),
            "not reproduced (the trial did not fail again from its seed or from its explicit plan), no bundle, 2 "
            "trials in 0.5 s");
  EXPECT_NE(describe_shrink({"out-of-time", std::nullopt, std::nullopt, 0, 0}).find("0 trials"), std::string::npos);
}

TEST(Status, RulesAndExitCodes) {
  EXPECT_EQ(status_from_counts(0, 0, 0), Status::kPass);
  EXPECT_EQ(status_from_counts(1, 5, 5), Status::kFail) << "a failure outranks harness errors";
  EXPECT_EQ(status_from_counts(0, 1, 0), Status::kError);
  EXPECT_EQ(status_from_counts(0, 0, 1), Status::kError) << "a non-deterministic trial is a harness error";
  EXPECT_EQ(exit_code(Status::kPass), 0);
  EXPECT_EQ(exit_code(Status::kFail), 1);
  EXPECT_EQ(exit_code(Status::kError), 3);
  EXPECT_EQ(exit_code(Status::kFail, true), 130);
  EXPECT_EQ(parse_status("pass"), Status::kPass);
  EXPECT_EQ(parse_status("PASS"), Status::kError) << "a report that cannot say it passed did not";
  EXPECT_STREQ(to_string(parse_status("fail")), "fail");
}
