// Bundles (harness/src/bundle.cpp) on documents built by hand: format 1 reads into the plan it stood for, format 2
// is the plan written down and read back exactly, and bad fields are named.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "faultline/harness/shrink.h"
#include "faultline/scenarios/scenario.h"
#include "trial/plan.h"

namespace faultline::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

// Parsed from text, as files are (numbers unsigned).
json scenario_doc(const std::string& kind) {
  const std::string damage = kind == "at_rest" ? R"(, "damage": "bitflip")" : "";
  return json::parse(fmt::format(R"({{"format_version": 1, "name": "x", "summary": "s", "crashes": 2,
    "fault": {{"kind": "{}"{}}}, "workload": {{"operations": 6, "keys": 3}}}})", kind, damage));
}

json profile_doc() {
  return json::parse(R"({"format_version": 1, "name": "p", "command": "/bin/db {dir}", "data_files": ["wal.log"],
    "record_per_write": true, "frame": {"header_bytes": 4, "trailer_bytes": 4}})");
}

TrialConfig config_of(const std::string& kind, std::uint64_t seed) {
  TrialConfig c;
  c.scenario = scenarios::parse_scenario(scenario_doc(kind), "scenario");
  c.profile = scenarios::parse_profile(profile_doc(), "profile");
  c.seed = seed;
  return c;
}

class Bundles : public ::testing::Test {
 protected:
  fs::path write(const json& doc) {
    const auto file = fs::temp_directory_path() / fmt::format("faultline-bundle-test-{}.json", ::getpid());
    std::ofstream(file) << doc.dump(2);
    files_.push_back(file);
    return file;
  }
  std::string load_error(const json& doc) {
    try {
      load_bundle(write(doc));
    } catch (const scenarios::ConfigError& e) {
      return e.what();
    }
    return "";
  }
  void TearDown() override {
    for (const auto& f : files_) fs::remove(f);
  }
  std::vector<fs::path> files_;
};

json v1_bundle(const std::string& kind, const std::vector<std::string>& ops, std::uint64_t from_end,
               std::uint64_t offset) {
  return {{"format_version", 1}, {"kind", "faultline-bundle"}, {"scenario", scenario_doc(kind)},
          {"profile", profile_doc()}, {"seed", "77"}, {"operations", ops},
          {"fault", {{"record_from_end", from_end}, {"offset_in_record", offset}}}, {"expected_violation", "v"},
          {"trace_hash", "h"}};
}

TEST_F(Bundles, FormatOneReadsIntoTheSeedsPlanWithItsOperationsAndEveryCycleAimed) {
  const auto b = load_bundle(write(v1_bundle("crash", {"PUT k1 a", "DEL k1", "PUT k2 b"}, 1, 5)));
  ASSERT_TRUE(b.config.plan);
  const auto seeded = detail::plan_trial(config_of("crash", 77));
  const auto& plan = *b.config.plan;
  ASSERT_EQ(plan.cycles.size(), 2u);
  ASSERT_EQ(plan.cycles[0].ops.size(), 3u);
  EXPECT_EQ(plan.cycles[0].ops[1].request(), "DEL k1");
  EXPECT_EQ(plan.cycles[0].armed_op, 1u);  // one from the end of three
  EXPECT_EQ(plan.cycles[0].armed->step, 2u);
  EXPECT_EQ(plan.cycles[0].armed->span, (faults::Span{5, 6}));
  // The other cycles keep the seed's operations but are aimed the same way (as format 1 overrides were).
  EXPECT_EQ(plan.cycles[1].ops.size(), seeded.cycles[1].ops.size());
  EXPECT_EQ(plan.cycles[1].armed_op, seeded.cycles[1].ops.size() - 2);
  EXPECT_EQ(plan.cycles[1].aim, (RecordAim{1, 5}));
  EXPECT_EQ(plan.after_ops.size(), seeded.after_ops.size());
  EXPECT_EQ(b.violation, "v");
  EXPECT_EQ(b.trace_hash, "h");
}

TEST_F(Bundles, FormatOneOfAFaultAtRestAimsTheRecordsNotAnArmedLine) {
  const auto b = load_bundle(write(v1_bundle("at_rest", {"PUT k1 a"}, 0, 2)));
  for (const auto& c : b.config.plan->cycles) {
    EXPECT_FALSE(c.armed);
    EXPECT_EQ(c.aim, (RecordAim{0, 2}));
  }
}

TEST_F(Bundles, FormatTwoIsThePlanWrittenDownAndReadBackExactly) {
  auto config = config_of("bitflip_write", 5);
  config.plan = detail::plan_trial(config);
  detail::aim_plan(*config.plan, config, {2, 3});
  config.plan->cycles[0].rest.next();  // a stream mid-way resumes where it was
  const auto doc = bundle_to_json(config, "lost-acked-write", "abc", {{"operations", 6}});
  EXPECT_EQ(doc["format_version"], 2);
  const auto b = load_bundle(write(doc));
  const auto& want = *config.plan;
  const auto& got = *b.config.plan;
  ASSERT_EQ(got.cycles.size(), want.cycles.size());
  for (std::size_t i = 0; i < want.cycles.size(); ++i) {
    ASSERT_EQ(got.cycles[i].ops.size(), want.cycles[i].ops.size());
    for (std::size_t k = 0; k < want.cycles[i].ops.size(); ++k)
      EXPECT_EQ(got.cycles[i].ops[k].request(), want.cycles[i].ops[k].request());
    EXPECT_EQ(got.cycles[i].armed_op, want.cycles[i].armed_op);
    EXPECT_EQ(faults::render_fault_line(*got.cycles[i].armed), faults::render_fault_line(*want.cycles[i].armed));
    EXPECT_EQ(got.cycles[i].aim, want.cycles[i].aim);
    auto a = got.cycles[i].rest, w = want.cycles[i].rest;
    EXPECT_EQ(a.next(), w.next());
  }
  ASSERT_EQ(got.after_ops.size(), want.after_ops.size());
  EXPECT_EQ(b.config.seed, 5u);
}

TEST_F(Bundles, AimingAPlanAgainKeepsTheDrawnBitAndTheStream) {
  auto config = config_of("bitflip_write", 9);
  auto plan = detail::plan_trial(config);
  const auto bit = plan.cycles[0].armed->bit;
  auto rest = plan.cycles[0].rest;
  detail::aim_plan(plan, config, {0, 0});
  EXPECT_EQ(plan.cycles[0].armed->bit, bit);
  EXPECT_EQ(plan.cycles[0].armed_op, plan.cycles[0].ops.size() - 1);
  EXPECT_EQ(plan.cycles[0].rest.next(), rest.next());
}

TEST_F(Bundles, BadFieldsOfAFormatTwoPlanAreNamed) {
  auto config = config_of("crash", 5);
  const json good = json::parse(bundle_to_json(config, "v", "h", {}).dump());
  auto variant = [&](auto change) {
    json b = good;
    change(b);
    return load_error(b);
  };
  EXPECT_NE(variant([](json& b) { b["plan"]["cycles"][0]["rest"][0] = "xyz"; }).find("plan.cycles[0].rest"),
            std::string::npos);
  EXPECT_NE(variant([](json& b) { b["plan"]["cycles"][1]["plan_line"] = "fault crash file=*"; })
                .find("plan.cycles[1].plan_line"), std::string::npos);
  EXPECT_NE(variant([](json& b) { b["plan"]["cycles"][0]["operations"][0] = "PUT a b\nQUIT"; })
                .find("plan.cycles[0].operations[0]"), std::string::npos);
  EXPECT_NE(variant([](json& b) { b["plan"]["cycles"][0]["armed"]["bit"] = 3; }).find("plan.cycles[0].armed"),
            std::string::npos);  // crash flips no bit: the plan's own rules
  EXPECT_NE(variant([](json& b) { b["plan"]["cycles"][0]["armed_operation"] = 999; })
                .find("plan.cycles[0].armed_operation"), std::string::npos);
  EXPECT_NE(variant([](json& b) { b["plan"]["cycles"].erase(1); }).find("plan.cycles"), std::string::npos);
  EXPECT_NE(variant([](json& b) { b["format_version"] = 3; }).find("format_version"), std::string::npos);
  EXPECT_EQ(variant([](json&) {}), "");
}

}  // namespace
}  // namespace faultline::harness
