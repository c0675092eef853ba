// Which failing trials keep their directories: the same ones whatever order the trials finish in.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "kept_trials.h"

namespace faultline::harness::detail {
namespace {

std::set<std::size_t> kept_after(const std::vector<std::size_t>& arrivals, std::size_t max,
                                 std::set<std::size_t>* evicted = nullptr) {
  KeptTrials kept(max);
  for (auto i : arrivals) {
    const auto d = kept.offer(i);
    if (d.evict && evicted) evicted->insert(*d.evict);
  }
  return kept.kept();
}

TEST(KeptTrials, KeepsTheFirstOnesWhenTheyArriveInOrder) {
  EXPECT_EQ(kept_after({1, 4, 6, 9, 12}, 3), (std::set<std::size_t>{1, 4, 6}));
}

TEST(KeptTrials, AFailureOfSmallerIndexArrivingLateTakesThePlaceOfTheLargestKept) {
  std::set<std::size_t> evicted;
  EXPECT_EQ(kept_after({4, 6, 9, 1}, 3, &evicted), (std::set<std::size_t>{1, 4, 6}));
  EXPECT_EQ(evicted, (std::set<std::size_t>{9}));
}

TEST(KeptTrials, ALateFailureOfLargerIndexIsNotKeptAndEvictsNothing) {
  KeptTrials kept(2);
  kept.offer(3);
  kept.offer(5);
  const auto d = kept.offer(8);
  EXPECT_FALSE(d.keep);
  EXPECT_FALSE(d.evict.has_value());
}

TEST(KeptTrials, EveryArrivalOrderKeepsTheSameSet) {
  std::vector<std::size_t> order(9);
  std::iota(order.begin(), order.end(), 10);
  const auto expected = kept_after(order, 4);
  EXPECT_EQ(expected, (std::set<std::size_t>{10, 11, 12, 13}));
  while (std::next_permutation(order.begin(), order.end())) ASSERT_EQ(kept_after(order, 4), expected);
}

TEST(KeptTrials, AMaximumOfZeroKeepsNothing) {
  EXPECT_TRUE(kept_after({0, 1, 2}, 0).empty());
}

}  // namespace
}  // namespace faultline::harness::detail
