#include "fixtures.h"

#include <unistd.h>

#include <fstream>
#include <map>

#include <fmt/format.h>

#include "faultline/reports/model.h"
#include "faultline/reports/report.h"

namespace faultline::reports::testing {

namespace fs = std::filesystem;

ordered_json example_report() {
  std::ifstream in(fs::path(REPORTS_TEST_DATA) / "example-report.json");
  return ordered_json::parse(in);
}

std::vector<FakeTrial> fake_trials(std::size_t count) {
  static const char* kScenarios[] = {"torn-tail", "bitflip-read", "power-loss-drop-unsynced"};
  static const char* kKinds[] = {"crash", "bitflip_read", "power_loss"};
  static const char* kFields[] = {"length", "payload", "checksum", "boundary"};
  std::vector<FakeTrial> out;
  for (std::size_t i = 0; i < count; ++i) {
    FakeTrial t;
    t.index = i;
    t.scenario = kScenarios[i % 3];
    t.kind = kKinds[i % 3];
    t.field = kFields[(i / 3) % 4];
    t.seed = 0x9E3779B97F4A7C15ULL * (i + 1);  // above 2^53: must survive as a string
    t.records = 8 + i % 5;
    t.record = (i * 7) % t.records;
    if (i % 7 == 3) {
      t.verdict = "fail";
      t.violations = {i % 2 ? "lost-acked-write" : "wrong-truncation-offset"};
      if (i % 3 == 0) t.violations.push_back("unhealthy-after-recovery");
    } else if (i % 11 == 5) {
      t.verdict = "void";
      t.violations = {"fault-not-fired"};
    } else if (i % 13 == 12) {
      t.verdict = "error";
    }
    t.engine_log = fmt::format("walkv: trial {}", i);
    out.push_back(t);
  }
  return out;
}

ordered_json failure(const FakeTrial& t) {
  ordered_json f;
  f["index"] = t.index;
  f["scenario"] = t.scenario;
  f["seed"] = std::to_string(t.seed);
  f["verdict"] = t.verdict;
  f["violations"] = ordered_json::array();
  for (const auto& v : t.violations) f["violations"].push_back({{"name", v}, {"detail", "detail of " + v}});
  if (t.verdict == "error") f["error"] = "the engine wrote nothing to the data files named in its profile";
  f["faults"] = ordered_json::array({{{"phase", "workload"}, {"kind", t.kind}, {"event", {{"ev", "fault"}}}}});
  f["expected"] = ordered_json::object();
  f["observed"] = ordered_json::object();
  f["coverage"] = {{"kind", t.kind}, {"aim", "uniform"}, {"field", t.field}, {"offset", 10}, {"record", t.record},
                   {"records", t.records}, {"operations", t.records}, {"record_from_end", t.records - 1 - t.record},
                   {"offset_in_record", 2}};  // in the order the report's writer puts them (reports::to_json)
  f["engine_log"] = ordered_json::array({t.engine_log});
  f["hexdump"] = "";
  f["artifacts"] = nullptr;
  f["trace_hash"] = fmt::format("{:016x}", t.seed ^ 0xABCDEF);
  f["seconds"] = 0.05;
  const std::vector<std::string> argv{"faultline", "repro", "--scenario", t.scenario, "--seed", std::to_string(t.seed)};
  f["repro"] = {{"argv", argv}, {"command", fmt::format("faultline repro --scenario {} --seed {}", t.scenario, t.seed)}};
  return f;
}

ordered_json campaign_report(const std::vector<FakeTrial>& trials, std::uint32_t shard_index, std::uint32_t shard_count,
                             bool legacy) {
  std::size_t planned = 0, passed = 0, failed = 0, voided = 0, errors = 0;
  std::map<std::string, std::map<std::string, std::size_t>> per_scenario;
  std::map<std::string, std::size_t> per_violation;
  ordered_json coverage = ordered_json::object();
  ordered_json failures = ordered_json::array();
  for (const auto& t : trials) {
    if (t.index % shard_count != shard_index) continue;
    ++planned;
    ++per_scenario[t.scenario][t.verdict];
    passed += t.verdict == "pass";
    failed += t.verdict == "fail";
    voided += t.verdict == "void";
    errors += t.verdict == "error";
    for (const auto& v : t.violations) ++per_violation[v];
    auto& kind = coverage[t.kind];  // as the campaign's Aggregator::count_coverage does
    if (kind.is_null()) kind = ordered_json::object();
    kind["trials"] = kind.value("trials", 0) + 1;
    kind["fired"] = kind.value("fired", 0) + (t.verdict != "void" ? 1 : 0);
    auto& field = kind["fields"][t.field];
    field = field.is_null() ? 1 : field.get<int>() + 1;
    auto& bucket = kind["record_position"][fmt::format("{}/8", t.record * 8 / t.records)];
    bucket = bucket.is_null() ? 1 : bucket.get<int>() + 1;
    if (t.verdict != "pass") failures.push_back(failure(t));
  }
  ordered_json r;
  r["format_version"] = legacy ? "1.0" : kFormatVersion;
  r["tool"] = {{"name", "faultline"}, {"version", "0.1.0"}, {"git_revision", "a421853"}};
  r["run"] = {{"started_at", fmt::format("2024-05-02T09:14:0{}Z", shard_index % 10)}, {"duration_s", 3.5 + shard_index},
              {"host", fmt::format("runner-{}", shard_index)}, {"ci", nullptr}, {"incomplete", false},
              {"incomplete_reason", ""}};
  r["configuration"] = {
      {"engine", {{"name", "walkv"}, {"command", "{bindir}/walkv serve --dir {dir}"},
                  {"profile", "scenarios/profiles/walkv.json"}, {"sync", "always"}, {"torn_tail", "truncate"},
                  {"corrupt_exit_code", 3}}},
      {"scenarios", {"torn-tail", "bitflip-read", "power-loss-drop-unsynced"}},
      {"seed", "18446744073709551557"},
      {"trials", trials.size()},
      {"seed_range", nullptr},
      {"corpus_entries", 0},
      {"shard", {{"index", shard_index}, {"count", shard_count}}},
      {"jobs", 2},
      {"timeouts", {{"start_ms", 5000}, {"request_ms", 2000}}},
      {"time_budget_s", nullptr}};
  r["status"] = failed > 0 ? "fail" : errors > 0 ? "error" : "pass";
  ordered_json ps = ordered_json::object();
  for (const auto& [name, counts] : per_scenario) {
    ordered_json c{{"pass", 0}, {"fail", 0}, {"void", 0}, {"error", 0}};
    for (const auto& [verdict, n] : counts) c[verdict] = n;
    ps[name] = c;
  }
  ordered_json pv = ordered_json::object();
  for (const auto& [name, n] : per_violation) pv[name] = n;
  r["summary"] = {{"planned", planned}, {"total", planned}, {"passed", passed}, {"failed", failed}, {"void", voided},
                  {"errors", errors}, {"per_scenario", ps}, {"per_violation", pv}};
  r["coverage"] = coverage;
  r["determinism"] = {{"checked", 0}, {"mismatches", ordered_json::array()}};
  r["failures"] = failures;
  if (!legacy) add_groups(r);  // as harness/src/report_build.cpp does
  return r;
}

fs::path temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / fmt::format("faultline-reports-{}-{}", ::getpid(), name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace faultline::reports::testing
