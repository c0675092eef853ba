#include "faultline/harness/shrink.h"

#include "faultline/harness/input.h"

#include <fmt/format.h>

#include <fstream>

#include "trial/plan.h"

namespace faultline::harness {

namespace fs = std::filesystem;

std::vector<Op> seeded_ops(const TrialConfig& config) {
  auto seeded = config;
  seeded.overrides = {};
  return detail::plan_trial(seeded).cycles.front().ops;  // the trial's own plan, so both draw the same workload
}

namespace {

std::size_t request_bytes(const std::vector<Op>& ops) {
  std::size_t n = 0;
  for (const auto& op : ops) n += op.request().size() + 1;
  return n;
}

class Shrinker {
 public:
  Shrinker(const TrialConfig& config, const std::function<void(const std::string&)>& progress,
           const std::function<bool()>& stop)
      : best_(config), progress_(progress), stop_(stop) {}

  bool fails(TrialConfig candidate) {
    if (stopped_ || (stop_ && stop_())) {
      stopped_ = true;
      return false;
    }
    candidate.work_dir = best_.work_dir.parent_path() / fmt::format("shrink-{}", runs_++);
    candidate.narrate = nullptr;
    auto result = run_trial(candidate);
    std::error_code ec;
    fs::remove_all(candidate.work_dir, ec);
    for (const auto& v : result.violations)
      if (result.verdict == Verdict::kFail && v.name == violation_) {
        last_ = std::move(result);
        return true;
      }
    return false;
  }

  // Delta debugging: try removing chunks of the operations, from halves down to single operations.
  void shrink_ops() {
    for (std::size_t chunk = ops().size() / 2; chunk >= 1; chunk /= 2) {
      for (std::size_t start = 0; start < ops().size();) {
        auto candidate = best_;
        auto& list = *candidate.overrides.ops;
        if (list.size() <= 1) return;
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(start),
                   list.begin() + static_cast<std::ptrdiff_t>(std::min(start + chunk, list.size())));
        if (fails(candidate)) {
          accept(candidate, fmt::format("{} operations", list.size()));
        } else {
          start += chunk;
        }
      }
    }
  }

  void shrink_values() {
    for (std::size_t i = 0; i < ops().size(); ++i) {
      if (ops()[i].kind != Op::Kind::kPut) continue;
      // The shortest value that still names its write: "v<i>" (values stay unique, so phantoms stay visible).
      const std::string shorter = ops()[i].value.substr(0, ops()[i].value.find('.'));
      if (shorter.empty() || shorter == ops()[i].value) continue;
      auto candidate = best_;
      (*candidate.overrides.ops)[i].value = shorter;
      if (fails(candidate)) accept(candidate, fmt::format("value of operation {} shortened", i));
    }
  }

  void shrink_fault() {
    for (std::uint64_t from_end = 0; from_end < best_.overrides.record_from_end.value_or(0); ++from_end) {
      auto candidate = best_;
      candidate.overrides.record_from_end = from_end;
      if (fails(candidate)) {
        accept(candidate, fmt::format("fault moved to operation {} from the end", from_end));
        break;
      }
    }
    std::vector<std::uint64_t> simple{0, 1};
    if (const auto& frame = best_.profile.frame) simple = {0, 1, frame->header_bytes, frame->header_bytes + 1};
    for (auto off : simple) {
      if (off >= best_.overrides.offset_in_record.value_or(0)) break;
      auto candidate = best_;
      candidate.overrides.offset_in_record = off;
      if (fails(candidate)) {
        accept(candidate, fmt::format("fault moved to byte {} of its record", off));
        break;
      }
    }
  }

  void shrink_crashes() {
    for (std::uint32_t c = 1; c < best_.scenario.crashes; ++c) {
      auto candidate = best_;
      candidate.scenario.crashes = c;
      candidate.scenario.document["crashes"] = c;
      if (fails(candidate)) {
        accept(candidate, fmt::format("{} crash cycles", c));
        break;
      }
    }
  }

  ShrinkResult run() {
    ShrinkResult result;
    auto first = run_trial(best_);
    result.trials_run = 1;
    result.original_crashes = best_.scenario.crashes;
    if (first.verdict != Verdict::kFail) {
      result.last = std::move(first);
      return result;
    }
    result.reproduced = true;
    violation_ = first.violations.front().name;
    result.violation = violation_;
    if (!best_.overrides.ops) best_.overrides.ops = seeded_ops(best_);
    best_.overrides.record_from_end = first.coverage.value("record_from_end", std::uint64_t{0});
    best_.overrides.offset_in_record = first.coverage.value("offset_in_record", std::uint64_t{0});
    result.original_ops = ops().size();
    result.original_bytes = request_bytes(ops());
    last_ = std::move(first);
    if (!fails(best_)) {  // the explicit form must fail like the seeded one before anything is removed
      progress_("the trial does not fail the same way when replayed from explicit choices; nothing shrunk");
    } else {
      for (int round = 0; round < 4; ++round) {
        const auto before = changes_;
        shrink_crashes();
        shrink_ops();
        shrink_values();
        shrink_fault();
        if (changes_ == before) break;
      }
    }
    result.shrunk = best_;
    result.last = std::move(last_);
    result.shrunk_ops = ops().size();
    result.shrunk_bytes = request_bytes(ops());
    result.shrunk_crashes = best_.scenario.crashes;
    result.trials_run = runs_ + 1;
    result.stopped = stopped_;
    return result;
  }

 private:
  const std::vector<Op>& ops() const { return *best_.overrides.ops; }
  void accept(TrialConfig& candidate, const std::string& what) {
    best_ = candidate;
    ++changes_;
    progress_(fmt::format("  still {}: {}", violation_, what));
  }

  TrialConfig best_;
  std::function<void(const std::string&)> progress_;
  std::function<bool()> stop_;
  bool stopped_ = false;
  std::string violation_;
  TrialResult last_;
  std::size_t runs_ = 0;
  std::size_t changes_ = 0;
};

}  // namespace

ShrinkResult shrink(const TrialConfig& config, const std::function<void(const std::string&)>& progress,
                    const std::function<bool()>& stop) {
  return Shrinker(config, progress, stop).run();
}

nlohmann::ordered_json bundle_to_json(const TrialConfig& config, const std::string& violation,
                                      const std::string& trace_hash, const nlohmann::ordered_json& original) {
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();
  for (const auto& op : config.overrides.ops.value_or(seeded_ops(config))) ops.push_back(op.request());
  return {{"format_version", 1},
          {"kind", "faultline-bundle"},
          {"scenario", config.scenario.document},
          {"profile", config.profile.document},
          {"seed", std::to_string(config.seed)},
          {"operations", ops},
          {"fault", {{"record_from_end", config.overrides.record_from_end.value_or(0)},
                     {"offset_in_record", config.overrides.offset_in_record.value_or(0)}}},
          {"expected_violation", violation},
          {"trace_hash", trace_hash},
          {"original", original}};
}

Bundle load_bundle(const fs::path& file) {
  const auto doc = scenarios::read_json_file(file);
  auto fail = [&](const std::string& field, const std::string& expected) -> scenarios::ConfigError {
    return scenarios::ConfigError(fmt::format("{}: field '{}': expected {}", file.string(), field, expected));
  };
  if (!doc.is_object() || doc.value("kind", "") != "faultline-bundle") throw fail("kind", "\"faultline-bundle\"");
  if (doc.value("format_version", 0) != 1) throw fail("format_version", "1");
  Bundle b;
  if (!doc.contains("scenario") || !doc.contains("profile")) throw fail("scenario", "the embedded scenario and profile");
  b.config.scenario = scenarios::parse_scenario(doc["scenario"], file.string() + ": scenario");
  b.config.profile = scenarios::parse_profile(doc["profile"], file.string() + ": profile");
  // A bundle comes from anywhere: every field is checked against the protocol's grammar before anything runs, so an
  // operation can never smuggle a second request (a newline) or an oversized word to the engine.
  if (!doc.contains("seed") || !doc["seed"].is_string()) throw fail("seed", "a decimal string");
  b.config.seed = parse_uint(file.string() + ": field 'seed'", doc["seed"].get<std::string>());
  if (!doc.contains("operations") || !doc["operations"].is_array()) throw fail("operations", "an array of requests");
  if (doc["operations"].size() > 100000) throw fail("operations", "at most 100000 requests");
  auto word = [](const std::string& w) {  // docs/engine-protocol.md: 1 to 64 characters of [A-Za-z0-9_.-]
    return !w.empty() && w.size() <= 64 &&
           w.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string::npos;
  };
  std::vector<Op> ops;
  for (std::size_t i = 0; i < doc["operations"].size(); ++i) {
    const auto& line = doc["operations"][i];
    const std::string text = line.is_string() ? line.get<std::string>() : "";
    const auto first = text.find(' ');
    const auto second = first == std::string::npos ? first : text.find(' ', first + 1);
    Op op;
    if (text.rfind("PUT ", 0) == 0 && second != std::string::npos) {
      op.key = text.substr(4, second - 4);
      op.value = text.substr(second + 1);
    } else if (text.rfind("DEL ", 0) == 0 && second == std::string::npos) {
      op.kind = Op::Kind::kDel;
      op.key = text.substr(4);
    }
    if (op.key.empty() || !word(op.key) || (op.kind == Op::Kind::kPut && !word(op.value)))
      throw fail(fmt::format("operations[{}]", i),
                 fmt::format("\"PUT k v\" or \"DEL k\" with k and v of 1 to 64 characters of [A-Za-z0-9_.-], got {}",
                             line.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace).substr(0, 200)));
    ops.push_back(op);
  }
  b.config.overrides.ops = ops;
  nlohmann::json f = nlohmann::json::object();
  if (doc.contains("fault")) {
    f = doc["fault"];
    if (!f.is_object()) throw fail("fault", "an object with record_from_end and offset_in_record");
  }
  for (const char* key : {"record_from_end", "offset_in_record"})
    if (f.contains(key) && !f[key].is_number_unsigned())
      throw fail(fmt::format("fault.{}", key), "a non-negative integer");
  b.config.overrides.record_from_end = f.value("record_from_end", std::uint64_t{0});
  b.config.overrides.offset_in_record = f.value("offset_in_record", std::uint64_t{0});
  for (const char* key : {"expected_violation", "trace_hash"})
    if (doc.contains(key) && !doc[key].is_string()) throw fail(key, "a string");
  b.violation = doc.value("expected_violation", "");
  b.trace_hash = doc.value("trace_hash", "");
  return b;
}

}  // namespace faultline::harness
