// Engine protocol (docs/engine-protocol.md), the words both sides of the pipe use: the harness's client
// (harness/src/session.cpp, harness/src/workload.cpp) and walkv's server (engine/src/kv_server.cc, serve.cc). Header
// only, no dependency but the standard library, so that an engine can include it without linking anything of
// Faultline (ARCHITECTURE.md).
//
// v1: keys and values are words of 1 to 64 characters of [A-Za-z0-9_.-]; the engine's first line is `READY`.
// v2: the engine's first line is `READY v2`. Keys stay v1 words; every value travels as lowercase hex (two digits
//     per byte), so a value is 1 to kMaxValueBytes bytes and may hold any byte: `PUT k <hex>`, `VALUE <hex>`,
//     `ENTRY k <hex>`. Everything else (DEL, GET, DUMP, QUIT, COMPACT, OK, ERR, NOTFOUND, END) is as in v1.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace faultline::protocol {

inline constexpr std::string_view kReadyV1 = "READY";
inline constexpr std::string_view kReadyV2 = "READY v2";

inline constexpr std::size_t kMaxWordBytes = 64;           // a key (both versions), a value in v1
inline constexpr std::size_t kMaxValueBytes = 64u << 10;   // a value in v2: 64 KiB
// The whole answer to DUMP (both versions): longer is a protocol error. A scenario's workload must fit in it.
inline constexpr std::size_t kMaxDumpBytes = 64u << 20;
// The longest request of v2: "PUT " key " " hex, without its newline.
inline constexpr std::size_t kMaxRequestBytesV2 = 4 + kMaxWordBytes + 1 + 2 * kMaxValueBytes;

// The version a READY line announces, or nullopt if the line is no READY line.
inline std::optional<int> ready_version(std::string_view line) {
  if (line == kReadyV1) return 1;
  if (line == kReadyV2) return 2;
  return std::nullopt;
}

inline bool word_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

// A key of either version, a value of v1: 1 to 64 characters of [A-Za-z0-9_.-].
inline bool is_word(std::string_view s) {
  if (s.empty() || s.size() > kMaxWordBytes) return false;
  for (const char c : s)
    if (!word_char(c)) return false;
  return true;
}

inline std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * bytes.size(), '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 15];
  }
  return out;
}

// A v2 value: an even number (2 to 2 * kMaxValueBytes) of hex digits (either case); nullopt otherwise.
inline std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 2 * kMaxValueBytes) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

// A value as the given version writes it on the wire (v1: the word itself; the caller keeps v1 values words).
inline std::string encode_value(std::string_view value, int version) {
  return version >= 2 ? to_hex(value) : std::string(value);
}

// A value as read from the wire; nullopt if it is not a value of that version.
inline std::optional<std::string> decode_value(std::string_view wire, int version) {
  if (version >= 2) return from_hex(wire);
  if (!is_word(wire)) return std::nullopt;
  return std::string(wire);
}

}  // namespace faultline::protocol
