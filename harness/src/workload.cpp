#include "faultline/harness/workload.h"

#include <fmt/format.h>

namespace faultline::harness {
namespace {
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
}

std::string Op::request() const {
  return kind == Kind::kPut ? fmt::format("PUT {} {}", key, value) : fmt::format("DEL {}", key);
}

std::vector<Op> generate_ops(const scenarios::WorkloadSpec& spec, std::uint32_t count, std::uint32_t first_index,
                             Rng& rng) {
  std::vector<Op> ops;
  ops.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Op op;
    // Fresh keys: a PUT takes its operation's own index, a DEL any index so far (a key put before, or none).
    const auto index = first_index + i;
    const auto slot = rng.below(spec.fresh_keys ? std::uint64_t{index} + 1 : spec.keys);
    op.key = fmt::format("k{}", slot);
    if (rng.below(100) < spec.delete_percent) {
      op.kind = Op::Kind::kDel;
    } else {
      if (spec.fresh_keys) op.key = fmt::format("k{}", index);
      // Values start with their operation's index, so a value seen after recovery names the write it came from.
      const auto length = rng.between(spec.value_min, spec.value_max);
      std::string value = fmt::format("v{}.", first_index + i);
      while (value.size() < length) value += kAlphabet[rng.below(kAlphabet.size())];
      value.resize(std::max<std::size_t>(length, 1));
      op.value = value;
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

void apply(KvState& state, const Op& op) {
  if (op.kind == Op::Kind::kPut)
    state[op.key] = op.value;
  else
    state.erase(op.key);
}

KvState apply_prefix(const KvState& base, const std::vector<Op>& ops, std::size_t count) {
  KvState state = base;
  for (std::size_t i = 0; i < count && i < ops.size(); ++i) apply(state, ops[i]);
  return state;
}

}  // namespace faultline::harness
