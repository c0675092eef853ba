// The judging core of `faultline explore` (explore.h).
#include "explore/explore.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace faultline::harness::explore {
namespace {

// Operations sent before the crash point (the one in flight included), and those acknowledged before it.
std::pair<std::size_t, std::size_t> ops_at(const faults::CrashPoint& p, const std::vector<Issued>& issued,
                                           bool ack_means_durable) {
  const std::size_t in_flight = std::min<std::size_t>(static_cast<std::size_t>(p.step), issued.size());
  std::size_t acked = 0;
  // Operation i (step i + 1) was answered before the crash point when a later step had begun, or when the point is
  // after the last event of its own step (the reply follows the engine's last call for it).
  const std::size_t answered = p.after_ack ? in_flight : (in_flight > 0 ? in_flight - 1 : 0);
  while (acked < answered && issued[acked].ack == Ack::kOk) ++acked;
  return {in_flight, ack_means_durable ? acked : 0};
}

bool has_model_damage(const faults::CrashState& s) {
  return std::any_of(s.fates.begin(), s.fates.end(), [](const faults::PendingFate& f) {
    return f.fate == faults::Fate::kTorn || f.fate == faults::Fate::kSizeOnly;
  });
}

}  // namespace

std::vector<Violation> judge_state(const StateObservation& seen, const std::vector<Issued>& issued,
                                   std::size_t in_flight, std::size_t keep_min, bool model_damage) {
  if (!seen.started) {
    if (model_damage) return {};
    return {{"false-abort", fmt::format("the engine refused a state the persistence model allows without damage: {}",
                                        seen.detail)}};
  }
  const std::vector<Issued> sent(issued.begin(), issued.begin() + static_cast<std::ptrdiff_t>(in_flight));
  return check_state({}, sent, keep_min, seen.state).violations;
}

ExploreOutcome explore_history(const ExploreInput& input, const StartOnState& start) {
  ExploreOutcome out;
  const auto resolved = faults::resolve_history(input.history);
  const auto points = faults::crash_points(input.history, input.max_points);
  std::map<std::uint64_t, StateObservation> seen;                         // by content hash
  std::map<std::tuple<std::uint64_t, std::size_t, std::size_t>, std::size_t> finding_of;  // (hash, ops) -> finding
  for (const std::string& name : input.models) {
    const faults::PersistenceModel& model = faults::persistence_model(name);
    const auto durable = faults::durable_by(input.history, resolved, model);
    ModelCoverage cov{name, points.size(), 0, 0};
    for (const faults::CrashPoint& p : points) {
      const auto [in_flight, keep_min] = ops_at(p, input.issued, input.ack_means_durable);
      for (const faults::CrashState& s :
           faults::build_crash_states(input.history, resolved, durable, p.crash, model, input.seed, input.bounds)) {
        ++cov.states_built;
        const faults::FileTree tree = faults::materialize(input.history, resolved, s);
        const std::uint64_t hash = faults::content_hash(tree);
        auto it = seen.find(hash);
        if (it == seen.end()) {
          it = seen.emplace(hash, start(tree, hash)).first;
          ++out.engine_starts;
        } else {
          ++cov.duplicates;
        }
        auto violations = judge_state(it->second, input.issued, in_flight, keep_min, has_model_damage(s));
        if (violations.empty()) continue;
        const auto key = std::make_tuple(hash, in_flight, keep_min);
        if (auto f = finding_of.find(key); f != finding_of.end()) {
          auto& models = out.findings[f->second].models;
          if (std::find(models.begin(), models.end(), name) == models.end()) models.push_back(name);
          continue;
        }
        finding_of[key] = out.findings.size();
        out.findings.push_back({{name}, p.crash, s.how, faults::explain(input.history, s), std::move(violations), hash});
      }
    }
    out.coverage.push_back(cov);
  }
  return out;
}

}  // namespace faultline::harness::explore
