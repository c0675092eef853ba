// Internal: which failing trials keep their directories (docs/report.md, `artifacts`).
//
// The choice is part of the report, so it must not depend on the order in which trials finish (that depends on --jobs
// and on the machine): the `max` failing trials of the smallest trial index are kept. A failure that arrives with a
// smaller index than the largest kept one takes its place, and the caller removes the evicted trial's directory.
#pragma once

#include <cstddef>
#include <optional>
#include <set>

namespace faultline::harness::detail {

class KeptTrials {
 public:
  explicit KeptTrials(std::size_t max) : max_(max) {}

  struct Decision {
    bool keep = false;
    std::optional<std::size_t> evict;  // a kept trial that must give its place up
  };

  Decision offer(std::size_t index) {
    if (max_ == 0) return {};
    if (kept_.size() < max_) {
      kept_.insert(index);
      return {true, std::nullopt};
    }
    const std::size_t largest = *kept_.rbegin();
    if (index > largest) return {};
    kept_.erase(largest);
    kept_.insert(index);
    return {true, largest};
  }

  const std::set<std::size_t>& kept() const { return kept_; }

 private:
  std::size_t max_;
  std::set<std::size_t> kept_;
};

}  // namespace faultline::harness::detail
