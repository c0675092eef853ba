// The JSON result report (docs/report.md, schema in reports/report.schema.json): writing it safely and turning it
// into what people read. Everything here works on the report document alone, so it serves `faultline run` as well as
// `faultline report show` on a report from another machine.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/reports/report_model.h"

namespace faultline::reports {

inline constexpr const char* kFormatVersion = "1.3";  // 1.1: failures[].signature, failures[].hexdump_after, groups;
                                                     // 1.2: untracked_files; 1.3: failures[].transcript,
                                                     // failures[].hexdump_before, failures[].timeline[].events[].seq

// Writes `content` to `path` through a temporary file in the same directory, fsync and rename: readers see the old
// report or the new one, never half of one. Throws std::runtime_error naming the path on failure.
void write_atomic(const std::filesystem::path& path, const std::string& content);

// Reads and checks a report: it must be JSON with a supported major format_version, and pass validate_report. Throws
// std::runtime_error naming the file and what is wrong.
nlohmann::ordered_json load_report(const std::filesystem::path& path);

// A report is untrusted input: the fields readers use have the schema's types (counts are non-negative integers,
// run.incomplete is a boolean, seeds are decimal strings, ...), and the status agrees with the counts. Throws
// std::runtime_error "<source>: field '<path>': expected ..., got ...".
void validate_report(const nlohmann::ordered_json& doc, const std::string& source);

// Serialises with invalid UTF-8 replaced (engine output can contain anything).
std::string dump(const nlohmann::ordered_json& doc, int indent = 2);

// The short human summary printed at the end of every run and by `faultline report show`: the status, then the causes
// (failure groups by signature, largest first, at most `max_groups`, each with its count, scenarios, smallest trial
// and one repro command), then the per-scenario table and the violation counts.
std::string render_summary(const Report& report, bool color, std::size_t max_groups = 10);
// The same for a report document, read with report_from_json (report_model.h) first.
std::string render_summary(const nlohmann::ordered_json& report, bool color, std::size_t max_groups = 10);

}  // namespace faultline::reports
