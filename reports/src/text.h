// Text helpers shared by the CI renderers. Engine output ends up in JUnit XML, Markdown and workflow commands; it can
// hold anything a process writes to stderr: colour codes, progress-bar carriage returns, NUL bytes, invalid UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/reports/model.h"

namespace faultline::reports::detail {

// Removes ANSI escape sequences (CSI, OSC and other ESC sequences), C0 controls other than tab and newline, DEL, C1
// controls and U+FFFE/U+FFFF; replaces invalid UTF-8 with U+FFFD. What is left is valid UTF-8 and valid XML 1.0
// character data.
std::string clean_text(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// `text` cut to `max_bytes` (on a character boundary) with a marker saying how much was left out.
std::string shorten(std::string_view text, std::size_t max_bytes);

// Newlines and tabs become spaces: for one-line messages.
std::string one_line(std::string_view text);

// Escaping of text already cleaned (clean_text), one helper per output language:
// - Markdown inline text: '&' as "&amp;", and the characters that start emphasis, code, links, HTML, tables or
//   headings backslash-escaped (github.cpp, diff.cpp);
// - HTML character data and attribute values: & < > " ' as entities (html.cpp).
std::string escape_markdown(std::string_view clean);
std::string escape_html(std::string_view clean);

// A field as text whatever its JSON type (seeds are strings, older hand-made reports may hold numbers); "" if absent.
std::string text_of(const nlohmann::ordered_json& object, const char* key);
std::size_t count_of(const nlohmann::ordered_json& object, const char* key);
double seconds_of(const nlohmann::ordered_json& object, const char* key);
const nlohmann::ordered_json& member(const nlohmann::ordered_json& object, const char* key);  // null if absent
// Optional fields: absent (or of another type) reads as nullopt. opt_text reads any non-null value as text_of does.
std::optional<std::uint64_t> opt_count(const nlohmann::ordered_json& object, const char* key);
std::optional<bool> opt_bool(const nlohmann::ordered_json& object, const char* key);
std::optional<std::string> opt_text(const nlohmann::ordered_json& object, const char* key);
// An array of strings; other elements as their JSON text; not an array: empty.
std::vector<std::string> strings(const nlohmann::ordered_json& array);
// Writes a field only when it is set: a non-empty string, an engaged optional.
inline void put(nlohmann::ordered_json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
template <typename T>
void put(nlohmann::ordered_json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

// One failure entry in words: "lost-acked-write: detail" (first violation), the harness error, or the verdict.
std::string failure_headline(const Failure& failure);

// A part of a failure entry as indented JSON (the details of JUnit and GitHub); "" when the part is empty.
std::string part_json(const nlohmann::ordered_json& part);

// The failure whose campaign index is `index`, or nullptr.
const Failure* failure_at(const std::vector<Failure>& failures, std::size_t index);

}  // namespace faultline::reports::detail
