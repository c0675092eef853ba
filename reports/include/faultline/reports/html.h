// The HTML report (`faultline report html REPORT -o FILE`, `faultline run --html FILE`): one self-contained page made
// from a report (report_model.h), with inline CSS and inline SVG, no script and no network, so it opens from a CI artifact
// anywhere. docs/report.md, "HTML report", says what it shows.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline/reports/report_model.h"

namespace faultline::reports {

// The page stays under this size however large the campaign: at most kHtmlDetailedTrials trials get a timeline and a
// hex view (the smallest trial of each cause first), the failure table lists at most kHtmlTableRows trials, and each
// piece of engine text is cut to a few kilobytes. What was left out is said on the page.
inline constexpr std::size_t kHtmlMaxBytes = 4 * 1000 * 1000;
inline constexpr std::size_t kHtmlDetailedTrials = 20;
inline constexpr std::size_t kHtmlTableRows = 500;

std::string render_html(const Report& report);
std::string render_html(const nlohmann::ordered_json& report);  // a report document, read with report_from_json

}  // namespace faultline::reports
