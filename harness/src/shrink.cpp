#include "faultline/harness/shrink.h"

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
  Shrinker(const TrialConfig& config, const std::function<void(const std::string&)>& progress)
      : best_(config), progress_(progress) {}

  bool fails(TrialConfig candidate) {
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
  std::string violation_;
  TrialResult last_;
  std::size_t runs_ = 0;
  std::size_t changes_ = 0;
};

}  // namespace

ShrinkResult shrink(const TrialConfig& config, const std::function<void(const std::string&)>& progress) {
  return Shrinker(config, progress).run();
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
  try {
    b.config.seed = std::stoull(doc.at("seed").get<std::string>());
  } catch (const std::exception&) {
    throw fail("seed", "a decimal string");
  }
  if (!doc.contains("operations") || !doc["operations"].is_array()) throw fail("operations", "an array of requests");
  std::vector<Op> ops;
  for (const auto& line : doc["operations"]) {
    const std::string text = line.is_string() ? line.get<std::string>() : "";
    Op op;
    if (text.rfind("PUT ", 0) == 0 && text.find(' ', 4) != std::string::npos) {
      op.key = text.substr(4, text.find(' ', 4) - 4);
      op.value = text.substr(text.find(' ', 4) + 1);
    } else if (text.rfind("DEL ", 0) == 0) {
      op.kind = Op::Kind::kDel;
      op.key = text.substr(4);
    } else {
      throw fail("operations", fmt::format("\"PUT k v\" or \"DEL k\", got {}", line.dump()));
    }
    ops.push_back(op);
  }
  b.config.overrides.ops = ops;
  const auto& f = doc.value("fault", nlohmann::json::object());
  b.config.overrides.record_from_end = f.value("record_from_end", std::uint64_t{0});
  b.config.overrides.offset_in_record = f.value("offset_in_record", std::uint64_t{0});
  b.violation = doc.value("expected_violation", "");
  b.trace_hash = doc.value("trace_hash", "");
  return b;
}

}  // namespace faultline::harness
