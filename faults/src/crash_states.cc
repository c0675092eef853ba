// The crash-state builder and materializer (faultline/crash_states.h, docs/persistence.md "Crash states").
#include "faultline/crash_states.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "faultline/rng.h"

namespace faultline::faults {
namespace {

struct Builder {
  const History& history;
  const std::vector<ResolvedEvent>& resolved;
  const PersistenceModel& model;
  std::size_t crash;
  std::vector<std::size_t> pending;  // history indices
  std::vector<std::size_t> epoch;    // per pending: barriers before it
  std::set<std::vector<PendingFate>> seen;
  std::vector<CrashState> out;

  const HistoryEvent& ev(std::size_t k) const { return history.events[pending[k]]; }
  bool is_write(std::size_t k) const { return ev(k).type == HistoryType::kWrite; }

  std::vector<PendingFate> all(Fate fate) const {
    std::vector<PendingFate> f;
    for (std::size_t p : pending) f.push_back({p, fate, 0});
    return f;
  }

  // The model's ordering constraints on a candidate state.
  void constrain(std::vector<PendingFate>& f) const {
    if (model.metadata_in_order) {
      bool undone = false;
      for (PendingFate& p : f) {
        if (event_class(history.events[p.event].type) != EventClass::kMetadata) continue;
        if (undone) p.fate = Fate::kLost;
        undone = undone || p.fate == Fate::kLost;
      }
    }
    if (model.rename_replace_orders_data) {
      for (const PendingFate& r : f) {
        const ResolvedEvent& rr = resolved[r.event];
        if (history.events[r.event].type != HistoryType::kRename || r.fate != Fate::kPersisted || !rr.replaces) continue;
        for (PendingFate& w : f) {
          if (w.event < r.event && history.events[w.event].type == HistoryType::kWrite && resolved[w.event].inode == rr.inode) {
            w = {w.event, Fate::kPersisted, 0};
          }
        }
      }
    }
  }

  void add(std::vector<PendingFate> f, std::string how) {
    constrain(f);
    if (!seen.insert(f).second) return;
    out.push_back({crash, std::move(f), std::move(how)});
  }

  void singles() {
    for (std::size_t k = 0; k < pending.size(); ++k) {
      auto f = all(Fate::kPersisted);
      f[k].fate = Fate::kLost;
      add(std::move(f), fmt::format("{} #{} {}", to_string(ev(k).type), pending[k], is_write(k) ? "lost" : "undone"));
    }
  }

  void epochs(Rng& rng, std::size_t max_pairs) {
    for (std::size_t e : std::set<std::size_t>(epoch.begin(), epoch.end())) {
      std::vector<std::size_t> writes;
      auto base = all(Fate::kPersisted);
      for (std::size_t k = 0; k < pending.size(); ++k) {
        if (epoch[k] > e || (epoch[k] == e && is_write(k))) base[k].fate = Fate::kLost;
        if (epoch[k] == e && is_write(k)) writes.push_back(k);
      }
      add(base, fmt::format("epoch {}: none of its {} pending writes", e, writes.size()));
      for (std::size_t a : writes) {
        auto f = base;
        f[a].fate = Fate::kPersisted;
        add(std::move(f), fmt::format("epoch {}: only write #{}", e, pending[a]));
      }
      std::vector<std::pair<std::size_t, std::size_t>> pairs;
      for (std::size_t i = 0; i < writes.size(); ++i)
        for (std::size_t j = i + 1; j < writes.size(); ++j) pairs.emplace_back(writes[i], writes[j]);
      for (std::size_t n = 0; pairs.size() > max_pairs && n < max_pairs; ++n) {  // seeded sample without repeats
        std::swap(pairs[n], pairs[n + rng.below(pairs.size() - n)]);
      }
      if (pairs.size() > max_pairs) pairs.resize(max_pairs);
      for (auto [a, b] : pairs) {
        auto f = base;
        f[a].fate = f[b].fate = Fate::kPersisted;
        add(std::move(f), fmt::format("epoch {}: only writes #{} and #{}", e, pending[a], pending[b]));
      }
    }
  }

  void tears(std::size_t max_tears) {
    std::size_t last = pending.size();
    for (std::size_t k = 0; k < pending.size(); ++k)
      if (is_write(k)) last = k;
    if (last == pending.size()) return;
    const HistoryEvent& w = ev(last);
    const std::uint64_t s = model.sector, end = w.off + w.data.size();
    std::vector<std::uint64_t> cuts;
    for (std::uint64_t b = (w.off / s + 1) * s; b < end; b += s) cuts.push_back(b - w.off);
    const std::size_t n = std::min(cuts.size(), max_tears);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t kept = cuts[cuts.size() * (i + 1) / (n + 1)];
      auto f = all(Fate::kPersisted);
      f[last] = {pending[last], Fate::kTorn, kept};
      add(std::move(f), fmt::format("write #{} torn after {} of its {} bytes", pending[last], kept, w.data.size()));
    }
  }

  void sizes_only() {
    auto f = all(Fate::kPersisted);
    bool any = false;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      if (!is_write(k)) continue;
      f[k].fate = resolved[pending[k]].grows ? Fate::kSizeOnly : Fate::kLost;
      any = any || resolved[pending[k]].grows;
    }
    if (any) add(std::move(f), "every pending append's size persisted without its bytes");
  }
};

}  // namespace

const char* to_string(Fate fate) {
  switch (fate) {
    case Fate::kPersisted: return "persisted";
    case Fate::kLost: return "lost";
    case Fate::kTorn: return "torn";
    case Fate::kSizeOnly: return "size only";
  }
  return "?";
}

std::vector<CrashState> build_crash_states(const History& history, const std::vector<ResolvedEvent>& resolved,
                                           const std::vector<std::size_t>& durable, std::size_t crash,
                                           const PersistenceModel& model, std::uint64_t seed,
                                           const CrashBounds& bounds) {
  Builder b{history, resolved, model, crash, {}, {}, {}, {}};
  std::size_t barriers = 0;
  for (std::size_t i = 0; i < crash && i < history.events.size(); ++i) {
    const EventClass c = event_class(history.events[i].type);
    if (c == EventClass::kBarrier) ++barriers;
    if ((c == EventClass::kData || c == EventClass::kMetadata) && (durable[i] == kNeverDurable || durable[i] >= crash)) {
      b.pending.push_back(i);
      b.epoch.push_back(barriers);
    }
  }
  b.add(b.all(Fate::kLost), "durable prefix");
  b.add(b.all(Fate::kPersisted), "every pending event persisted");
  b.singles();
  Rng rng(derive_seed(seed, fmt::format("crash-states/{}/{}", model.name, crash)));
  b.epochs(rng, bounds.max_pairs);
  b.tears(bounds.max_tears);
  if (model.size_without_data) b.sizes_only();
  if (b.out.size() > bounds.max_states) b.out.resize(bounds.max_states);
  return b.out;
}

}  // namespace faultline::faults
