// Shrinking a failing trial by editing its plan (shrink.h); the bundles it writes are in bundle.cpp.
#include "faultline/harness/shrink.h"

#include <fmt/format.h>

#include "trial/plan.h"

namespace faultline::harness {

namespace fs = std::filesystem;

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
        auto& list = first_ops(candidate);
        if (list.size() <= 1) return;
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(start),
                   list.begin() + static_cast<std::ptrdiff_t>(std::min(start + chunk, list.size())));
        detail::aim_plan(*candidate.plan, candidate, aim_);  // the same operation from the end, in the shorter list
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
      first_ops(candidate)[i].value = shorter;
      if (fails(candidate)) accept(candidate, fmt::format("value of operation {} shortened", i));
    }
  }

  void shrink_fault() {
    for (std::uint64_t from_end = 0; from_end < aim_.record_from_end; ++from_end) {
      auto candidate = best_;
      if (fails(aimed(candidate, {from_end, aim_.offset_in_record}))) {
        accept(candidate, fmt::format("fault moved to operation {} from the end", from_end));
        break;
      }
    }
    std::vector<std::uint64_t> simple{0, 1};
    if (const auto& frame = best_.profile.frame) simple = {0, 1, frame->header_bytes, frame->header_bytes + 1};
    for (auto off : simple) {
      if (off >= aim_.offset_in_record) break;
      auto candidate = best_;
      if (fails(aimed(candidate, {aim_.record_from_end, off}))) {
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
      candidate.plan->cycles.resize(c);
      if (fails(candidate)) {
        accept(candidate, fmt::format("{} crash cycles", c));
        break;
      }
    }
  }

  ShrinkResult run() {
    ShrinkResult result;
    result.original_crashes = best_.scenario.crashes;
    if (stop_ && stop_()) {  // the budget first: a budget already spent costs no trial
      result.stopped = stopped_ = true;
      return result;
    }
    auto first = run_trial(best_);
    result.trials_run = 1;
    if (first.verdict != Verdict::kFail) {
      result.last = std::move(first);
      return result;
    }
    result.reproduced = true;
    violation_ = first.violations.front().name;
    result.violation = violation_;
    // The seed's plan (or the one given), aimed explicitly where the fault landed: from here on, edits of the plan.
    if (!best_.plan) best_.plan = detail::plan_trial(best_);
    aim_ = {first.coverage.record_from_end.value_or(0), first.coverage.offset_in_record.value_or(0)};
    aimed(best_, aim_);
    result.original_ops = ops().size();
    result.original_bytes = request_bytes(ops());
    last_ = std::move(first);
    // The explicit form must fail like the seeded one before anything is removed; if it does not (a nondeterministic
    // engine, or a plan that does not stand for the seed), nothing the shrinker could write would replay.
    result.replayed = fails(best_);
    if (!result.replayed && !stopped_)
      progress_("the trial does not fail the same way when replayed from explicit choices; nothing shrunk");
    for (int round = 0; result.replayed && round < 4; ++round) {
      const auto before = changes_;
      shrink_crashes();
      shrink_ops();
      shrink_values();
      shrink_fault();
      if (changes_ == before) break;
    }
    result.shrunk = best_;
    result.aim = aim_;
    result.last = std::move(last_);
    result.shrunk_ops = ops().size();
    result.shrunk_bytes = request_bytes(ops());
    result.shrunk_crashes = best_.scenario.crashes;
    result.trials_run = runs_ + 1;
    result.stopped = stopped_;
    return result;
  }

 private:
  const std::vector<Op>& ops() const { return best_.plan->cycles.front().ops; }
  static std::vector<Op>& first_ops(TrialConfig& candidate) { return candidate.plan->cycles.front().ops; }
  TrialConfig& aimed(TrialConfig& candidate, const RecordAim& aim) {
    detail::aim_plan(*candidate.plan, candidate, aim);
    return candidate;
  }
  void accept(TrialConfig& candidate, const std::string& what) {
    best_ = candidate;
    aim_ = best_.plan->cycles.front().aim.value_or(RecordAim{});
    ++changes_;
    progress_(fmt::format("  still {}: {}", violation_, what));
  }

  TrialConfig best_;
  RecordAim aim_;                 // where best_'s plan aims every cycle
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

}  // namespace faultline::harness
