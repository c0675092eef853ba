#include "text.h"

#include <cstdint>

#include <fmt/format.h>

namespace faultline::reports::detail {

namespace {

constexpr unsigned char kEsc = 0x1b;

// Length of the escape sequence starting at text[i] (text[i] == ESC), up to the end of the text if it never ends.
std::size_t escape_length(std::string_view text, std::size_t i) {
  std::size_t j = i + 1;
  if (j >= text.size()) return 1;
  const auto intro = static_cast<unsigned char>(text[j]);
  if (intro == '[') {  // CSI: parameters and intermediates 0x20-0x3F, then one final byte 0x40-0x7E
    for (++j; j < text.size(); ++j) {
      const auto c = static_cast<unsigned char>(text[j]);
      if (c >= 0x40 && c <= 0x7e) return j + 1 - i;
      if (c < 0x20 || c > 0x3f) return j - i;  // malformed: drop what we saw, keep the rest
    }
    return j - i;
  }
  if (intro == ']' || intro == 'P' || intro == 'X' || intro == '^' || intro == '_') {
    // OSC and the other string sequences end with BEL or ST (ESC \).
    for (++j; j < text.size(); ++j) {
      const auto c = static_cast<unsigned char>(text[j]);
      if (c == 0x07) return j + 1 - i;
      if (c == kEsc) return (j + 1 < text.size() && text[j + 1] == '\\') ? j + 2 - i : j - i;
    }
    return j - i;
  }
  // nF / Fp / Fe / Fs sequences: intermediates 0x20-0x2F, then one final byte 0x30-0x7E.
  while (j < text.size() && static_cast<unsigned char>(text[j]) >= 0x20 && static_cast<unsigned char>(text[j]) <= 0x2f)
    ++j;
  if (j < text.size() && static_cast<unsigned char>(text[j]) >= 0x30 && static_cast<unsigned char>(text[j]) <= 0x7e)
    return j + 1 - i;
  return j - i;
}

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 if invalid (overlong, surrogate, out of range).
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xe0) == 0xc0) {
    len = 2, cp = b0 & 0x1fu, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, cp = b0 & 0x0fu, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

bool allowed(std::uint32_t cp) {
  if (cp == '\t' || cp == '\n') return true;
  if (cp < 0x20) return false;                 // C0 controls, including \r
  if (cp >= 0x7f && cp <= 0x9f) return false;  // DEL and C1 controls
  return cp != 0xfffe && cp != 0xffff;
}

}  // namespace

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) == kEsc) {
      i += escape_length(text, i);
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t len = decode_utf8(text, i, cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (allowed(cp)) out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;  // text[n] starts the next character
  return text.substr(0, n);
}

std::string shorten(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  const auto head = utf8_prefix(text, max_bytes);
  return fmt::format("{}… ({} more bytes)", head, text.size() - head.size());
}

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  return out;
}

std::string escape_markdown(std::string_view clean) {
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    if (c == '&') {
      out += "&amp;";
      continue;
    }
    if (std::string_view("\\`*_[]<>|~#!").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string escape_html(std::string_view clean) {
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const nlohmann::ordered_json& member(const nlohmann::ordered_json& object, const char* key) {
  static const nlohmann::ordered_json null_value;
  if (!object.is_object()) return null_value;
  const auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

std::optional<std::uint64_t> opt_count(const nlohmann::ordered_json& object, const char* key) {
  const auto& v = member(object, key);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  return std::nullopt;
}

std::optional<bool> opt_bool(const nlohmann::ordered_json& object, const char* key) {
  const auto& v = member(object, key);
  return v.is_boolean() ? std::optional<bool>(v.get<bool>()) : std::nullopt;
}

std::optional<std::string> opt_text(const nlohmann::ordered_json& object, const char* key) {
  const auto& v = member(object, key);
  return v.is_null() ? std::nullopt : std::optional<std::string>(text_of(object, key));
}

std::vector<std::string> strings(const nlohmann::ordered_json& array) {
  std::vector<std::string> out;
  if (!array.is_array()) return out;
  for (const auto& s : array) out.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  return out;
}

std::string text_of(const nlohmann::ordered_json& object, const char* key) {
  const auto& v = member(object, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::size_t count_of(const nlohmann::ordered_json& object, const char* key) {
  const auto& v = member(object, key);
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0) ? v.get<std::size_t>() : 0;
}

double seconds_of(const nlohmann::ordered_json& object, const char* key) {
  const auto& v = member(object, key);
  return v.is_number() ? v.get<double>() : 0.0;
}

std::string failure_headline(const Failure& failure) {
  const auto& violations = failure.violations;
  if (!violations.empty()) {
    std::string out = fmt::format("{}: {}", violations[0].name, violations[0].detail);
    if (violations.size() > 1) out += fmt::format(" (+{} more)", violations.size() - 1);
    return out;
  }
  if (failure.error && !failure.error->empty()) return "harness error: " + *failure.error;
  return failure.verdict;
}

std::string part_json(const nlohmann::ordered_json& part) {
  return part.empty() ? "" : part.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

const Failure* failure_at(const std::vector<Failure>& failures, std::size_t index) {
  for (const auto& f : failures)
    if (f.index == index) return &f;
  return nullptr;
}

}  // namespace faultline::reports::detail
