// The judging core of `faultline explore` (explore.h).
#include "explore/explore.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
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

bool parse_index(std::string_view text, std::size_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// One model's pass over the crash points (all of them, or the one `only` names).
struct ModelPass {
  const ExploreInput& input;
  const StartOnState& start;
  const std::string& name;
  ExploreOutcome& out;
  std::map<std::uint64_t, StateObservation>& seen;                                        // by content hash
  std::map<std::tuple<std::uint64_t, std::size_t, std::size_t>, std::size_t>& finding_of;  // (hash, ops) -> finding

  void judge(const faults::History& h, const std::vector<faults::ResolvedEvent>& resolved,
             const faults::CrashPoint& p, const faults::CrashState& s, std::size_t index, Coverage& cov,
             Coverage& epoch) {
    const auto [in_flight, keep_min] = ops_at(p, input.issued, input.ack_means_durable);
    ++cov.states_built;
    ++epoch.states_built;
    const faults::FileTree tree = faults::materialize(h, resolved, s);
    const std::uint64_t hash = faults::content_hash(tree);
    auto it = seen.find(hash);
    if (it == seen.end()) {
      it = seen.emplace(hash, start(tree, hash)).first;
      ++out.engine_starts;
    } else {
      ++cov.duplicates;
      ++epoch.duplicates;
    }
    auto violations = judge_state(it->second, input.issued, in_flight, keep_min, state_damage(h, resolved, s, keep_min));
    if (violations.empty()) return;
    const auto key = std::make_tuple(hash, in_flight, keep_min);
    if (auto f = finding_of.find(key); f != finding_of.end()) {
      auto& models = out.findings[f->second].models;
      if (std::find(models.begin(), models.end(), name) == models.end()) models.push_back(name);
      return;
    }
    finding_of[key] = out.findings.size();
    std::vector<faults::PendingFate> undone;
    std::copy_if(s.fates.begin(), s.fates.end(), std::back_inserter(undone),
                 [](const faults::PendingFate& f) { return f.fate != faults::Fate::kPersisted; });
    out.findings.push_back({{name, p.crash, index}, {name}, p.crash, s.how, faults::explain(h, s),
                            std::move(violations), hash, std::move(undone)});
  }

  void run(const std::vector<faults::CrashPoint>& points, const std::vector<faults::ResolvedEvent>& resolved) {
    const faults::PersistenceModel& model = faults::persistence_model(name);
    const auto durable = faults::durable_by(input.history, resolved, model);
    ModelCoverage cov;
    cov.model = name;
    std::size_t barriers = 0, counted = 0;  // barriers among the events [0, counted)
    for (const faults::CrashPoint& p : points) {
      for (; counted < p.crash && counted < input.history.events.size(); ++counted)
        barriers += faults::event_class(input.history.events[counted].type) == faults::EventClass::kBarrier;
      if (input.only && input.only->crash != p.crash) continue;
      Coverage& epoch = cov.epochs[barriers];
      ++cov.crash_points;
      ++epoch.crash_points;
      const auto states =
          faults::build_crash_states(input.history, resolved, durable, p.crash, model, input.seed, input.bounds);
      for (std::size_t i = 0; i < states.size(); ++i) {
        if (input.only && input.only->index != i) continue;
        judge(input.history, resolved, p, states[i], i, cov, epoch);
      }
      if (input.only && input.only->index >= states.size())
        throw NoSuchState(fmt::format("--state {}: crash point {} has only {} states under {}", to_string(*input.only),
                                      p.crash, states.size(), name));
    }
    if (input.only && cov.crash_points == 0)
      throw NoSuchState(fmt::format("--state {}: event {} ends no crash point of the recorded history ({} events)",
                                    to_string(*input.only), input.only->crash, input.history.events.size()));
    out.coverage.push_back(cov);
  }
};

}  // namespace

std::string to_string(const StateId& id) { return fmt::format("{}:{}:{}", id.model, id.crash, id.index); }

std::optional<StateId> parse_state_id(std::string_view text) {
  const auto second = text.rfind(':');
  if (second == std::string_view::npos || second == 0) return std::nullopt;
  const auto first = text.rfind(':', second - 1);
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  StateId id{std::string(text.substr(0, first)), 0, 0};
  if (!parse_index(text.substr(first + 1, second - first - 1), id.crash) ||
      !parse_index(text.substr(second + 1), id.index))
    return std::nullopt;
  return id;
}

StateDamage state_damage(const faults::History& history, const std::vector<faults::ResolvedEvent>& resolved,
                         const faults::CrashState& state, std::size_t keep_min) {
  StateDamage d;
  std::set<std::size_t> undone;
  for (const faults::PendingFate& f : state.fates)
    if (f.fate != faults::Fate::kPersisted) undone.insert(f.event);
  // A rename kept in the state (durable, or pending and persisted) after write w, of w's file.
  const auto renamed_after = [&](std::size_t w) -> std::optional<std::size_t> {
    for (std::size_t r = w + 1; r < state.crash && r < history.events.size(); ++r)
      if (history.events[r].type == faults::HistoryType::kRename && resolved[r].inode == resolved[w].inode &&
          resolved[w].inode >= 0 && !undone.contains(r))
        return r;
    return std::nullopt;
  };
  for (const faults::PendingFate& f : state.fates) {
    const faults::HistoryEvent& e = history.events[f.event];
    if (e.type != faults::HistoryType::kWrite || f.fate == faults::Fate::kPersisted) continue;
    d.model_damage = d.model_damage || f.fate == faults::Fate::kTorn || f.fate == faults::Fate::kSizeOnly;
    if (!d.writer_loss.empty() || keep_min == 0) continue;
    const std::string what = fmt::format("{} ({})", faults::describe_event(history, f.event), faults::to_string(f.fate));
    if (e.step >= 1 && e.step <= keep_min)
      d.writer_loss = fmt::format("{} of acknowledged operation #{}", what, e.step - 1);
    else if (const auto r = renamed_after(f.event))
      d.writer_loss = fmt::format("{}, whose file was moved into place by {}", what,
                                  faults::describe_event(history, *r));
  }
  return d;
}

std::vector<Violation> judge_state(const StateObservation& seen, const std::vector<Issued>& issued,
                                   std::size_t in_flight, std::size_t keep_min, const StateDamage& damage) {
  if (!seen.started) {
    if (!damage.writer_loss.empty() && keep_min > 0)
      return {{"lost-acked-write",
               fmt::format("the engine refused to start ({}) on a state that lost {}: the first {} operations must "
                           "survive, and the engine's own ordering left them in bytes that were not durable",
                           seen.detail, damage.writer_loss, keep_min)}};
    if (damage.model_damage) return {};
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
  std::map<std::uint64_t, StateObservation> seen;
  std::map<std::tuple<std::uint64_t, std::size_t, std::size_t>, std::size_t> finding_of;
  if (input.only) {
    ModelPass{input, start, input.only->model, out, seen, finding_of}.run(points, resolved);
    return out;
  }
  for (const std::string& name : input.models) ModelPass{input, start, name, out, seen, finding_of}.run(points, resolved);
  return out;
}

}  // namespace faultline::harness::explore
