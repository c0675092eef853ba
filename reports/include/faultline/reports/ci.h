// What CI systems read, rendered from a report (docs/report.md, typed: report_model.h): JUnit XML for GitLab and Jenkins, Markdown
// for GitHub's job summary, and GitHub workflow-command annotations. Pure functions of the report: they serve
// `faultline run --junit/--github` and `faultline report show` on a merged report alike.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/reports/report_model.h"

namespace faultline::reports {

// GitHub truncates a step's summary at 1 MiB and shows at most 10 error annotations per step.
inline constexpr std::size_t kGithubSummaryMaxBytes = 1000 * 1000;
inline constexpr std::size_t kGithubMaxAnnotations = 10;

// JUnit XML (XML 1.0, UTF-8): one <testsuite name="faultline.<engine>">, one <testcase> per scenario (failed if any
// trial of it failed, error if any was a harness error, skipped if all were void) and one per failing, erroring or
// void trial, named "<scenario> seed <seed>" (made unique), whose <failure> holds the details and the repro command.
// Engine output is cleaned of ANSI escapes, control characters and invalid UTF-8 first.
std::string render_junit(const Report& report);

// Markdown for $GITHUB_STEP_SUMMARY: status, a table per scenario, violations, the first failures with their repro
// commands in code blocks. Always shorter than kGithubSummaryMaxBytes; what does not fit is named, not cut mid-way.
std::string render_github_summary(const Report& report);

// Workflow commands for stdout: at most kGithubMaxAnnotations `::error title=...::message` lines, one per failing trial
// (each with its repro command), plus a `::warning` for an incomplete run. Lines carry no trailing newline.
std::vector<std::string> github_annotations(const Report& report);

// The same for a report document, read with report_from_json first.
std::string render_junit(const nlohmann::ordered_json& report);
std::string render_github_summary(const nlohmann::ordered_json& report);
std::vector<std::string> github_annotations(const nlohmann::ordered_json& report);

}  // namespace faultline::reports
