// Explore bundles (explore_bundle.h; docs/report.md, "Explore bundles").
#include "explore_bundle.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli.h"
#include "faultline/harness/input.h"
#include "faultline/harness/shrink.h"
#include "faultline/persistence.h"
#include "faultline/reports/report.h"

namespace faultline::cli {

namespace fs = std::filesystem;
namespace ex = harness::explore;
using nlohmann::json;
using nlohmann::ordered_json;
using harness::Ack;
using harness::Issued;
using harness::Violation;

namespace {

constexpr int kFormatVersion = 1;
constexpr const char* kAckNames[] = {"ok", "err", "no-reply"};  // harness::Ack, in order

// FNV-1a 64 of the history's bytes: a bundle whose history file was swapped or damaged is refused before anything runs.
std::string bytes_hash(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return fmt::format("{:016x}", h);
}

struct ExploreBundle {
  scenarios::EngineProfile profile;
  std::uint64_t seed = 0;
  ex::StateId state;
  ex::Recorded recorded;
  std::vector<std::string> violations;  // the expected violations' names, in order
  std::string state_hash;
};

scenarios::ConfigError bad(const fs::path& file, const std::string& field, const std::string& expected) {
  return scenarios::ConfigError(fmt::format("{}: field '{}': expected {}", file.string(), field, expected));
}

const json& field_of(const fs::path& file, const json& doc, const char* key, bool (json::*is)() const,
                     const char* expected) {
  if (!doc.contains(key) || !(doc[key].*is)()) throw bad(file, key, expected);
  return doc[key];
}

std::vector<Issued> read_operations(const fs::path& file, const json& list) {
  if (!list.is_array()) throw bad(file, "operations", "an array of {request, ack, reply}");
  json requests = json::array();
  for (const auto& o : list) requests.push_back(o.is_object() ? o.value("request", json()) : json());
  const auto ops = harness::read_bundle_ops(file, requests, "operations[].request");
  std::vector<Issued> out(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const std::string at = fmt::format("operations[{}]", i);
    out[i].op = ops[i];
    const std::string ack = list[i].value("ack", "");
    std::size_t a = 0;
    while (a < 3 && ack != kAckNames[a]) ++a;
    if (a == 3) throw bad(file, at + ".ack", "\"ok\", \"err\" or \"no-reply\"");
    out[i].ack = static_cast<Ack>(a);
    if (!list[i].contains("reply") || !list[i]["reply"].is_string()) throw bad(file, at + ".reply", "a string");
    out[i].reply = list[i]["reply"].get<std::string>();
  }
  return out;
}

std::string read_history_beside(const fs::path& file, const json& doc) {
  const std::string name = field_of(file, doc, "history", &json::is_string, "the history file's name").get<std::string>();
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw bad(file, "history", "a file name beside the bundle (no directory part)");
  const fs::path path = file.parent_path() / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad(file, "history", fmt::format("a readable file; {} cannot be opened", path.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string want = field_of(file, doc, "history_hash", &json::is_string, "a 16-digit hex string").get<std::string>();
  if (bytes_hash(bytes) != want)
    throw bad(file, "history_hash", fmt::format("the hash of {} ({}), got {}: the history is not the one recorded",
                                                path.string(), bytes_hash(bytes), want));
  try {
    (void)faults::parse_history(bytes);
  } catch (const std::invalid_argument& e) {
    throw bad(file, "history", fmt::format("a recorded history ({})", e.what()));
  }
  return bytes;
}

// Every field checked before anything runs: a bundle comes from anywhere.
ExploreBundle load_explore_bundle(const fs::path& file) {
  const auto doc = scenarios::read_json_file(file);
  if (!doc.is_object() || doc.value("kind", "") != kExploreBundleKind) throw bad(file, "kind", "\"faultline-explore-state\"");
  if (doc.value("format_version", 0) != kFormatVersion) throw bad(file, "format_version", "1");
  ExploreBundle b;
  b.profile = scenarios::parse_profile(field_of(file, doc, "profile", &json::is_object, "the engine profile"),
                                       file.string() + ": profile");
  b.seed = harness::parse_uint(file.string() + ": field 'seed'",
                               field_of(file, doc, "seed", &json::is_string, "a decimal string").get<std::string>());
  const std::string id = field_of(file, doc, "state", &json::is_string, "MODEL:CRASH:INDEX").get<std::string>();
  const auto state = ex::parse_state_id(id);
  bool known = false;
  for (const auto& m : faults::persistence_models()) known |= state && state->model == m.name;
  if (!known) throw bad(file, "state", fmt::format("MODEL:CRASH:INDEX with a known persistence model, got \"{}\"", id));
  b.state = *state;
  b.recorded.issued = read_operations(file, doc.value("operations", json()));
  b.recorded.history_bytes = read_history_beside(file, doc);
  for (const auto& v : field_of(file, doc, "expected_violations", &json::is_array, "an array of violation names")) {
    if (!v.is_string()) throw bad(file, "expected_violations[]", "a violation name");
    b.violations.push_back(v.get<std::string>());
  }
  b.state_hash = field_of(file, doc, "state_hash", &json::is_string, "a 16-digit hex string").get<std::string>();
  return b;
}

std::vector<std::string> names_of(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const auto& v : violations) out.push_back(v.name);
  return out;
}

// What repro and shrink of a bundle share: its engine (the local one unless --engine-from-bundle), model and seed.
ex::ExploreConfig config_for(const ExploreBundle& b, const std::optional<scenarios::EngineProfile>& engine,
                             const fs::path& shim, const fs::path& bindir) {
  ex::ExploreConfig config;
  config.profile = engine ? *engine : b.profile;
  config.models = {b.state.model};
  config.seed = b.seed;
  config.shim = shim;
  config.bindir = bindir;
  harness::check_engine_profile(config.profile, bindir);
  return config;
}

}  // namespace

ordered_json undone_json(const faults::History& history, const ex::Finding& finding) {
  auto undone = ordered_json::array();
  for (const auto& u : finding.undone) {
    const auto& e = history.events[u.event];
    ordered_json entry{{"event", u.event}, {"call", faults::describe_event(history, u.event)},
                       {"fate", faults::to_string(u.fate)}};
    entry["operation"] = e.step == 0 ? ordered_json() : ordered_json(e.step - 1);
    if (u.fate == faults::Fate::kTorn) entry["kept_bytes"] = u.kept;
    undone.push_back(std::move(entry));
  }
  return undone;
}

namespace {

// Finding `f` of `run` as the bundle `out` beside its history, <stem>.history.
void write_bundle_at(const fs::path& out, const ex::Finding& f, const scenarios::EngineProfile& profile,
                     std::uint64_t seed, const ex::ExploreRun& run) {
  if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
  const std::string history = out.stem().string() + ".history";
  reports::write_atomic(out.parent_path() / history, run.history_bytes);
  auto operations = ordered_json::array();
  for (const auto& i : run.issued)
    operations.push_back({{"request", i.op.request()}, {"ack", kAckNames[static_cast<int>(i.ack)]}, {"reply", i.reply}});
  const ordered_json doc{{"kind", kExploreBundleKind},     {"format_version", kFormatVersion},
                         {"profile", profile.document},    {"seed", std::to_string(seed)},
                         {"state", ex::to_string(f.state)}, {"models", f.models},
                         {"operations", operations},       {"history", history},
                         {"history_hash", bytes_hash(run.history_bytes)},
                         {"expected_violations", names_of(f.violations)},
                         {"state_hash", fmt::format("{:016x}", f.hash)}, {"explanation", f.explanation},
                         {"undone", undone_json(run.history, f)}};
  reports::write_atomic(out, reports::dump(doc) + "\n");
}

}  // namespace

fs::path write_explore_bundle(const fs::path& dir, std::size_t index, const scenarios::EngineProfile& profile,
                              std::uint64_t seed, const ex::ExploreRun& run) {
  const fs::path out = dir / fmt::format("finding-{}.json", index + 1);
  write_bundle_at(out, run.outcome.findings.at(index), profile, seed, run);
  return out;
}

bool is_explore_bundle(const fs::path& file) {
  const auto doc = scenarios::read_json_file(file);
  return doc.is_object() && doc.value("kind", "") == kExploreBundleKind;
}

int repro_explore_bundle(const fs::path& file, const std::optional<scenarios::EngineProfile>& engine,
                         const fs::path& shim, const fs::path& bindir, const fs::path& work_dir) {
  const auto b = load_explore_bundle(file);
  std::cout << fmt::format("explore bundle {}: state {}, expects {} (state hash {})\n", file.string(),
                           ex::to_string(b.state), fmt::join(b.violations, ", "), b.state_hash);
  if (engine)
    std::cout << fmt::format("engine: \"{}\" ({}; the bundle's own engine runs only with --engine-from-bundle)\n",
                             engine->command, engine->source.empty() ? "--engine" : engine->source.string());
  else
    std::cout << fmt::format("engine: \"{}\" (from the bundle, --engine-from-bundle)\n", b.profile.command);
  ex::ExploreConfig config = config_for(b, engine, shim, bindir);
  config.only = b.state;
  config.recorded = &b.recorded;
  config.work_dir = fs::absolute(work_dir) / "explore";
  ex::ExploreRun run;
  try {
    run = ex::run_explore(config);
  } catch (const ex::NoSuchState& e) {
    throw bad(file, "state", fmt::format("a state of the bundled history ({})", e.what()));
  }
  std::error_code ec;
  fs::remove_all(config.work_dir, ec);
  if (run.outcome.findings.empty()) {
    std::cout << "verdict: pass (the engine recovered the state correctly)\nreproduced: no\n";
    return 0;
  }
  const auto& f = run.outcome.findings.front();
  std::cout << fmt::format("verdict: fail, crash after event {}, {}\n", f.crash, f.how);
  for (const auto& v : f.violations) std::cout << fmt::format("  {}: {}\n", v.name, v.detail);
  std::cout << fmt::format("  {}\n", f.explanation);
  for (const auto& u : undone_json(run.history, f))
    std::cout << fmt::format("  undone: {} ({})\n", u["call"].get<std::string>(), u["fate"].get<std::string>());
  const std::string hash = fmt::format("{:016x}", f.hash);
  const bool same = names_of(f.violations) == b.violations && hash == b.state_hash;
  std::cout << fmt::format("state hash {}{}\nreproduced: {}\n", hash, hash == b.state_hash ? "" : " (bundle: " + b.state_hash + ")",
                           same ? "yes (same violations, same state hash)" : "no (the violations or the state differ)");
  return 1;
}


namespace {

// What a shorter workload must give again: a finding with the bundle's violation names and the same kinds of undone
// calls (call type and fate; their offsets and event numbers move with the workload).
std::set<std::string> undone_kinds(const faults::History& history, const ex::Finding& f) {
  std::set<std::string> out;
  for (const auto& u : f.undone)
    out.insert(fmt::format("{} ({})", faults::to_string(history.events[u.event].type), faults::to_string(u.fate)));
  return out;
}

struct Attempt {
  ex::ExploreRun run;
  std::optional<std::size_t> finding;  // the index of the matching finding
};

// Records the first `k` operations of the bundle under its model, explores every state, and looks for the finding.
Attempt explore_prefix(ex::ExploreConfig config, const ExploreBundle& b, std::size_t k,
                       const std::optional<std::set<std::string>>& kinds, const fs::path& work) {
  std::vector<harness::Op> ops;
  for (std::size_t i = 0; i < k; ++i) ops.push_back(b.recorded.issued[i].op);
  config.workload = &ops;
  config.work_dir = work / fmt::format("ops-{}", k);
  Attempt a;
  a.run = ex::run_explore(config);
  std::error_code ec;
  fs::remove_all(config.work_dir, ec);
  if (!a.run.workload_problem.empty()) return a;
  const auto& findings = a.run.outcome.findings;
  for (std::size_t i = 0; i < findings.size() && !a.finding; ++i)
    if (names_of(findings[i].violations) == b.violations &&
        (!kinds || undone_kinds(a.run.history, findings[i]) == *kinds))
      a.finding = i;
  return a;
}

}  // namespace

int shrink_explore_bundle(const fs::path& file, const std::optional<scenarios::EngineProfile>& engine,
                          const fs::path& shim, const fs::path& bindir, const fs::path& work_dir,
                          const fs::path& output, double budget_s) {
  const auto b = load_explore_bundle(file);
  const fs::path out = output.empty() ? file.parent_path() / (file.stem().string() + "-shrunk.json") : output;
  harness::check_output_file("--output", out);
  const ex::ExploreConfig config = config_for(b, engine, shim, bindir);
  const std::size_t n = b.recorded.issued.size();
  std::cout << fmt::format("faultline shrink: explore bundle {}, {} operations, model {}, expects {}\n", file.string(),
                           n, b.state.model, fmt::join(b.violations, ", "));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                std::chrono::duration<double>(budget_s));
  auto out_of_time = [&] { return std::chrono::steady_clock::now() >= deadline; };
  const fs::path work = fs::absolute(work_dir) / "shrink";
  if (out_of_time()) {
    std::cout << "status: out-of-time (before the first attempt; raise --shrink-budget)\n";
    return 1;
  }
  // First all n operations: the finding must come back before anything shorter means something.
  Attempt best = explore_prefix(config, b, n, std::nullopt, work);
  std::size_t attempts = 1;
  if (!best.finding) {
    std::cout << fmt::format("status: not-reproduced: all {} operations explored again under {} give no finding with "
                             "{}{}; nothing written\n", n, b.state.model, fmt::join(b.violations, ", "),
                             best.run.workload_problem.empty() ? "" : " (" + best.run.workload_problem + ")");
    return 1;
  }
  const auto kinds = undone_kinds(best.run.history, best.run.outcome.findings[*best.finding]);
  std::size_t lo = 1, hi = n;  // hi: the smallest k known to give the finding
  bool stopped = false;
  while (lo < hi) {
    if (out_of_time()) {
      stopped = true;
      break;
    }
    const std::size_t mid = lo + (hi - lo) / 2;
    Attempt a = explore_prefix(config, b, mid, kinds, work);
    ++attempts;
    std::cout << fmt::format("  {} operations: {}\n", mid, a.finding ? "finding again" : "no such finding") << std::flush;
    if (a.finding) {
      hi = mid;
      best = std::move(a);
    } else {
      lo = mid + 1;
    }
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  const auto& f = best.run.outcome.findings[*best.finding];
  write_bundle_at(out, f, config.profile, b.seed, best.run);
  std::cout << fmt::format("status: {}\nshrunk in {} explores:\n  operations {} → {}\n  finding: state {}, {}\n",
                           stopped ? "out-of-time (the best so far is written)" : "shrunk", attempts, n, hi,
                           ex::to_string(f.state), fmt::join(names_of(f.violations), ", "));
  for (const auto& k : kinds) std::cout << fmt::format("  undone: {}\n", k);
  std::cout << fmt::format("bundle: {}\nreplay: faultline repro --bundle {}{}\n", out.string(), out.string(),
                           engine ? "" : " --engine-from-bundle");
  return 0;
}

}  // namespace faultline::cli
