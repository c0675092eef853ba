// Internal: the pieces of the HTML report (html.cpp: the page, its summary tables and coverage; html_trial.cpp: one
// trial in detail, with its timeline, operation transcript and hex views).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "faultline/reports/model.h"

namespace faultline::reports::detail {

inline constexpr std::size_t kHtmlTextMaxBytes = 4000;  // each piece of engine-chosen text
inline constexpr std::size_t kHtmlHexMaxBytes = 8000;   // each hex dump

// Engine-chosen text, cleaned (clean_text), cut to `max_bytes` and HTML-escaped.
std::string esc(std::string_view text, std::size_t max_bytes = kHtmlTextMaxBytes);

// One trial that did not pass: its steps, the timeline of its engine runs with the operations sent and acknowledged,
// the operation transcript, and the damaged region before and after the damage and after recovery.
std::string trial_block(const Failure& f, const std::string& anchor_group);

}  // namespace faultline::reports::detail
