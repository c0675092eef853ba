// Scenario and profile files: every shipped file loads, and bad files name the file and the field.
#include <gtest/gtest.h>

#include <set>

#include <filesystem>
#include <fstream>

#include "faultline/engine_protocol.h"
#include "faultline/harness/preflight.h"
#include "faultline/harness/process.h"
#include "faultline/harness/workload.h"
#include "faultline/scenarios/scenario.h"

namespace fs = std::filesystem;
using namespace faultline;

namespace {

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("faultline-test-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p) << text;
  return p;
}

std::string load_error(const std::string& text) {
  const auto p = write_temp("bad.json", text);
  try {
    scenarios::load_scenario(p);
  } catch (const scenarios::ConfigError& e) {
    fs::remove(p);
    return e.what();
  }
  fs::remove(p);
  return "";
}

}  // namespace

TEST(ScenarioFiles, EveryShippedScenarioLoads) {
  const auto all = scenarios::load_scenario_dir(FAULTLINE_SCENARIO_DIR);
  EXPECT_GE(all.size(), 20u);
  for (const auto& s : all) {
    EXPECT_EQ(s.source.stem().string(), s.name) << "a scenario's file is named after it";
    EXPECT_FALSE(s.summary.empty());
  }
}

TEST(ScenarioFiles, ShippedWalkvProfileLoads) {
  const auto p = scenarios::load_profile(fs::path(FAULTLINE_SCENARIO_DIR) / "profiles" / "walkv.json");
  EXPECT_EQ(p.corrupt_exit_code, 3);
  EXPECT_TRUE(p.record_per_write);
  ASSERT_TRUE(p.frame.has_value());
}

TEST(ScenarioFiles, UnknownFaultKindNamesFileAndField) {
  const auto err = load_error(R"({"format_version":1,"name":"x","summary":"s","fault":{"kind":"meteor"}})");
  EXPECT_NE(err.find("bad.json"), std::string::npos) << err;
  EXPECT_NE(err.find("'fault.kind'"), std::string::npos) << err;
  EXPECT_NE(err.find("crash"), std::string::npos) << "lists what is allowed: " << err;
}

TEST(ScenarioFiles, MisspeltFieldIsAnErrorNotADefault) {
  const auto err = load_error(R"({"format_version":1,"name":"x","summary":"s","fault":{"kind":"crash"},"crashs":2})");
  EXPECT_NE(err.find("'crashs'"), std::string::npos) << err;
}

TEST(ScenarioFiles, InvalidJsonSaysWhere) {
  const auto err = load_error("{\"format_version\": 1,");
  EXPECT_NE(err.find("not valid JSON"), std::string::npos) << err;
}

TEST(ScenarioFiles, ValueLengthOutsideProtocolIsRejected) {
  const auto err = load_error(
      R"({"format_version":1,"name":"x","summary":"s","fault":{"kind":"crash"},"workload":{"value_length":[1,65]}})");
  EXPECT_NE(err.find("'workload.value_length'"), std::string::npos) << err;
}

TEST(ScenarioFiles, UnknownScenarioNameSaysHowToList) {
  try {
    scenarios::resolve_scenarios("no-such-scenario", FAULTLINE_SCENARIO_DIR);
    FAIL() << "expected an error";
  } catch (const scenarios::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("faultline scenarios"), std::string::npos) << e.what();
  }
}

TEST(ProfileFiles, CommandWithoutDirPlaceholderIsRejected) {
  const auto p = write_temp("profile.json", R"({"format_version":1,"name":"x","command":"/bin/db"})");
  EXPECT_THROW(scenarios::load_profile(p), scenarios::ConfigError);
  fs::remove(p);
}

TEST(CommandSplit, QuotesGroupWords) {
  EXPECT_EQ(harness::split_command(R"(a "b c" 'd e' f\ g)"),
            (std::vector<std::string>{"a", "b c", "d e", "f g"}));
  EXPECT_THROW(harness::split_command("a 'b"), std::invalid_argument);
}

TEST(Workload, SameSeedGivesSameOperations) {
  scenarios::WorkloadSpec spec;
  Rng a(42), b(42), c(43);
  const auto x = harness::generate_ops(spec, 50, 0, a);
  const auto y = harness::generate_ops(spec, 50, 0, b);
  const auto z = harness::generate_ops(spec, 50, 0, c);
  ASSERT_EQ(x.size(), 50u);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].request(), y[i].request());
  bool differs = false;
  for (std::size_t i = 0; i < x.size(); ++i) differs = differs || x[i].request() != z[i].request();
  EXPECT_TRUE(differs);
}

TEST(Workload, RequestsStayInsideTheProtocolAlphabet) {
  scenarios::WorkloadSpec spec;
  spec.value_min = 1;
  spec.value_max = 64;
  Rng rng(7);
  for (const auto& op : harness::generate_ops(spec, 500, 0, rng)) {
    const auto& v = op.value;
    if (op.kind == harness::Op::Kind::kDel) continue;
    EXPECT_GE(v.size(), 1u);
    EXPECT_LE(v.size(), 64u);
    EXPECT_EQ(v.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"),
              std::string::npos) << v;
  }
}

TEST(Workload, FreshKeysPutEachKeyOnceSoNoOverwriteHidesALoss) {
  scenarios::WorkloadSpec spec;
  spec.fresh_keys = true;
  Rng rng(9);
  std::set<std::string> put;
  std::size_t dels = 0;
  for (const auto& op : harness::generate_ops(spec, 400, 100, rng)) {
    if (op.kind == harness::Op::Kind::kDel) {
      ++dels;
      continue;
    }
    EXPECT_TRUE(put.insert(op.key).second) << op.key << " was put twice";
  }
  EXPECT_GT(dels, 0u);
  EXPECT_GT(put.size(), 300u);
}

TEST(ScenarioFiles, ValueBytesIsCheckedAndNeedsProtocolV2) {
  auto error = [](const std::string& workload) {
    return load_error(R"({"format_version":1,"name":"x","summary":"s","fault":{"kind":"crash"},"workload":)" +
                        workload + "}");
  };
  EXPECT_NE(error(R"({"value_bytes":{"min":1,"max":65537}})").find("'workload.value_bytes.max': expected an integer "
                                                                   "from 1 to 65536"), std::string::npos);
  EXPECT_NE(error(R"({"value_bytes":{"min":9,"max":8}})").find("'workload.value_bytes.min': expected at most max (8)"),
            std::string::npos);
  EXPECT_NE(error(R"({"value_bytes":{"max":8}})").find("'workload.value_bytes'"), std::string::npos);
  EXPECT_NE(error(R"({"value_bytes":{"min":1,"max":8},"value_length":[1,8]})").find("not both"), std::string::npos);
  EXPECT_NE(error(R"({"operations":2000,"value_bytes":{"min":1,"max":65536}})").find("one DUMP answer of 64 MiB"),
            std::string::npos) << "2000 values of 64 KiB in hex do not fit in one DUMP answer";
  const auto s = scenarios::parse_scenario(nlohmann::json::parse(
      R"({"format_version":1,"name":"x","summary":"s","fault":{"kind":"crash"},"workload":{"value_bytes":{"min":3,"max":65536}}})"),
      "x.json");
  EXPECT_TRUE(s.workload.any_byte);
  EXPECT_EQ(s.workload.value_max, 65536u);
  EXPECT_THROW(harness::require_protocol({s}, 1), scenarios::ConfigError);
  EXPECT_NO_THROW(harness::require_protocol({s}, 2));
  auto plain = s;
  plain.workload.any_byte = false;
  EXPECT_NO_THROW(harness::require_protocol({plain}, 1)) << "v1 engines keep running scenarios without value_bytes";
}

TEST(Workload, ValueBytesGiveValuesOfAnyByteThatTravelInHex) {
  scenarios::WorkloadSpec spec;
  spec.any_byte = true;
  spec.value_min = 1000;
  spec.value_max = 65536;
  Rng rng(11);
  std::set<char> seen;
  for (const auto& op : harness::generate_ops(spec, 200, 0, rng)) {
    if (op.kind == harness::Op::Kind::kDel) continue;
    EXPECT_GE(op.value.size(), 1000u);
    EXPECT_LE(op.value.size(), 65536u);
    seen.insert(op.value.begin(), op.value.end());
    const auto wire = op.wire(2);
    ASSERT_EQ(wire.find('\n'), std::string::npos);
    EXPECT_EQ(wire, "PUT " + op.key + " " + protocol::to_hex(op.value));
    EXPECT_EQ(protocol::from_hex(wire.substr(wire.rfind(' ') + 1)), op.value);
    // The exact text (bundles) reads back; the brief one (messages) stays short.
    const auto text = op.request();
    EXPECT_EQ(harness::value_from_text(text.substr(text.rfind(' ') + 1)), op.value);
    EXPECT_LT(op.brief().size(), 80u) << op.brief();
  }
  EXPECT_EQ(seen.size(), 256u) << "every byte value occurs, newline and zero among them";
  harness::Op word{harness::Op::Kind::kPut, "k1", "v1.abc"};
  EXPECT_EQ(word.wire(1), "PUT k1 v1.abc") << "v1 sends words as they are";
  EXPECT_EQ(word.wire(2), "PUT k1 76312e616263");
  EXPECT_EQ(word.request(), "PUT k1 v1.abc") << "word values keep their v1 text (bundles, verdict baselines)";
}

TEST(Protocol, ReadyLinesAndHex) {
  EXPECT_EQ(protocol::ready_version("READY"), 1);
  EXPECT_EQ(protocol::ready_version("READY v2"), 2);
  EXPECT_FALSE(protocol::ready_version("READY v3"));
  EXPECT_FALSE(protocol::ready_version("ready"));
  EXPECT_EQ(protocol::to_hex(std::string("\x00\xff\n", 3)), "00ff0a");
  EXPECT_EQ(protocol::from_hex("00FF0a"), std::string("\x00\xff\n", 3));
  EXPECT_FALSE(protocol::from_hex(""));
  EXPECT_FALSE(protocol::from_hex("abc"));
  EXPECT_FALSE(protocol::from_hex("zz"));
  EXPECT_FALSE(protocol::from_hex(std::string(2 * protocol::kMaxValueBytes + 2, 'a')));
  EXPECT_TRUE(protocol::from_hex(std::string(2 * protocol::kMaxValueBytes, 'a')));
}

TEST(ScenarioFiles, WorkloadFieldsForLargeScenarios) {
  const auto all = scenarios::load_scenario_dir(fs::path(FAULTLINE_SCENARIO_DIR) / "large");
  ASSERT_GE(all.size(), 4u);
  for (const auto& s : all) {
    EXPECT_GE(s.workload.preload, 300u) << s.name;
    EXPECT_TRUE(s.workload.fresh_keys) << s.name << ": no keys given, so fresh keys by default";
  }
  for (const auto& s : scenarios::load_scenario_dir(FAULTLINE_SCENARIO_DIR))
    EXPECT_FALSE(s.workload.fresh_keys) << s.name << ": names its keys";
}

TEST(Rng, KnownSeedGivesKnownSequence) {
  // Pinned values: a seed must mean the same trial on every machine and standard library.
  Rng rng(1);
  const auto first = rng.next();
  Rng again(1);
  EXPECT_EQ(again.next(), first);
  EXPECT_EQ(trial_seed(1, 0), trial_seed(1, 0));
  EXPECT_NE(trial_seed(1, 0), trial_seed(1, 1));
  EXPECT_NE(derive_seed(5, "workload"), derive_seed(5, "fault"));
  Rng bounded(3);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(bounded.below(7), 7u);
}
