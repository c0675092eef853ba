#include "faultline/harness/workload.h"

#include <fmt/format.h>

#include "faultline/engine_protocol.h"

namespace faultline::harness {
namespace {
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
constexpr std::size_t kShownBytes = 16;

std::string as_text(const std::string& value, bool cut) {
  if (protocol::is_word(value)) return value;
  if (!cut || value.size() <= kShownBytes) return "#" + protocol::to_hex(value);
  return fmt::format("#{}…({} bytes)", protocol::to_hex(std::string_view(value).substr(0, kShownBytes)), value.size());
}
}  // namespace

std::string Op::request() const {
  return kind == Kind::kPut ? fmt::format("PUT {} {}", key, as_text(value, false)) : fmt::format("DEL {}", key);
}

std::string Op::wire(int version) const {
  if (kind == Kind::kDel) return fmt::format("DEL {}", key);
  return fmt::format("PUT {} {}", key, protocol::encode_value(value, version));
}

std::string Op::brief() const {
  return kind == Kind::kPut ? fmt::format("PUT {} {}", key, as_text(value, true)) : fmt::format("DEL {}", key);
}

std::string shown(const std::string& value) { return as_text(value, true); }

std::optional<std::string> value_from_text(const std::string& text) {
  if (protocol::is_word(text)) return text;
  if (text.size() > 1 && text[0] == '#') return protocol::from_hex(std::string_view(text).substr(1));
  return std::nullopt;
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
      if (spec.any_byte) {
        while (value.size() < length) value += static_cast<char>(rng.below(256));
      } else {
        while (value.size() < length) value += kAlphabet[rng.below(kAlphabet.size())];
      }
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
