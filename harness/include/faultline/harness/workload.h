// The operations a trial sends, and the key-value model that says what any prefix of them leaves behind.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faultline/rng.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::harness {

struct Op {
  enum class Kind { kPut, kDel } kind = Kind::kPut;
  std::string key;
  std::string value;  // empty for kDel
  std::string request() const;  // "PUT k v" / "DEL k"
};

// `count` operations drawn from `rng` over the spec's key space; `first_index` names values uniquely across phases.
std::vector<Op> generate_ops(const scenarios::WorkloadSpec& spec, std::uint32_t count, std::uint32_t first_index,
                             Rng& rng);

using KvState = std::map<std::string, std::string>;

void apply(KvState& state, const Op& op);
KvState apply_prefix(const KvState& base, const std::vector<Op>& ops, std::size_t count);

// What happened to each operation sent to the engine.
enum class Ack { kOk, kErr, kNoReply };

struct Issued {
  Op op;
  Ack ack = Ack::kNoReply;
  std::string reply;
  std::size_t journal_events_before = 0;  // journal events written before the request was sent
  std::size_t journal_events_after = 0;   // journal events written when the reply arrived
};

}  // namespace faultline::harness
