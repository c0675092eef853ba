// Deterministic pseudo-random numbers for Faultline.
//
// Model: every random choice of a campaign flows from one 64-bit seed. A trial's seed is derived from the campaign
// seed and the trial index; each independent decision inside a trial (workload, fault placement, power-loss model)
// draws from its own stream, derived from the trial seed and a fixed label, so that adding a draw to one stream never
// shifts another. We derive numbers ourselves (SplitMix64 + xoshiro256**, Lemire's bounded draw) instead of using
// <random> distributions, whose outputs differ between standard libraries: a seed must mean the same trial everywhere.
#pragma once

#include <cstdint>
#include <string_view>

namespace faultline {

// SplitMix64 step: used to expand seeds and to mix labels into seeds.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a over a label, so streams can be named ("workload", "fault") rather than numbered.
constexpr std::uint64_t label_hash(std::string_view label) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : label) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// Seed of an independent sub-stream: derive_seed(trial_seed, "workload").
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::string_view label) noexcept {
  std::uint64_t s = seed ^ label_hash(label);
  splitmix64(s);
  return splitmix64(s);
}

// Seed of trial number `index` of a campaign whose seed is `campaign_seed`.
constexpr std::uint64_t trial_seed(std::uint64_t campaign_seed, std::uint64_t index) noexcept {
  std::uint64_t s = campaign_seed + 0x9E3779B97F4A7C15ULL * (index + 1);
  return splitmix64(s);
}

// The four words of an Rng's state: a stream written down mid-way (a bundle's plan) resumes exactly where it was.
struct RngState {
  std::uint64_t word[4];
};

// xoshiro256**: small, fast, and its output is defined by its seed alone.
class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) noexcept {
    std::uint64_t s = seed;
    for (auto& word : state_) word = splitmix64(s);
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound); bound 0 returns 0. Lemire's multiply-and-reject, exact and portable.
  constexpr std::uint64_t below(std::uint64_t bound) noexcept {
    if (bound == 0) return 0;
    for (;;) {
      const std::uint64_t x = next();
      __extension__ using u128 = unsigned __int128;  // GCC and Clang; -Wpedantic knows no 128-bit type
      const u128 m = static_cast<u128>(x) * bound;
      const auto low = static_cast<std::uint64_t>(m);
      if (low >= bound || low >= (-bound) % bound) return static_cast<std::uint64_t>(m >> 64);
    }
  }

  // Uniform in [lo, hi] (inclusive); requires lo <= hi.
  constexpr std::uint64_t between(std::uint64_t lo, std::uint64_t hi) noexcept {
    return lo + below(hi - lo + 1);
  }

  // True with probability numerator/denominator.
  constexpr bool chance(std::uint64_t numerator, std::uint64_t denominator) noexcept {
    return below(denominator) < numerator;
  }

  // True with probability p (0..1), resolved on a 2^53 grid so it is exact across platforms.
  bool chance(double p) noexcept {
    if (p <= 0.0) return false;
    if (p >= 1.0) return true;
    const auto threshold = static_cast<std::uint64_t>(p * 9007199254740992.0);
    return (next() >> 11) < threshold;
  }

  constexpr RngState state() const noexcept { return {{state_[0], state_[1], state_[2], state_[3]}}; }
  static constexpr Rng resume(const RngState& state) noexcept {
    Rng rng(0);
    for (int i = 0; i < 4; ++i) rng.state_[i] = state.word[i];
    return rng;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4]{};
};

}  // namespace faultline
