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
  std::string value;  // empty for kDel; any bytes with the scenario's `value_bytes`
  // The operation as text, exact (bundles, aiming by size): "PUT k v" / "DEL k"; a value that is no protocol word
  // (docs/engine-protocol.md) is written "#" and its hex: "PUT k #76312e00ff".
  std::string request() const;
  // What is sent to an engine that speaks `version` of the protocol (v2: the value in hex).
  std::string wire(int version) const;
  // request() for messages: a "#hex" value longer than 16 bytes is cut to its first 16 bytes and its size.
  std::string brief() const;
};

// A value for messages: the value itself if it is a protocol word, else "#hex" (cut as in Op::brief()).
std::string shown(const std::string& value);
// The value of an Op::request() text: a word, or "#" and hex; nullopt if it is neither.
std::optional<std::string> value_from_text(const std::string& text);

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
