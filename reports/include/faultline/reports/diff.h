// `faultline report diff A B`: which causes (failure signatures) are new in B, which are gone, which changed in
// count; for comparing a pull request's campaign (B) with main's (A). Void groups prove nothing and are not compared.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faultline/reports/model.h"
#include "faultline/reports/report_model.h"

namespace faultline::reports {

struct SignatureChange {
  Group group;  // from B when it is there, else from A
  std::size_t before = 0, after = 0;
};

struct ReportDiff {
  std::vector<SignatureChange> added, removed, changed, unchanged;  // each sorted as groups are
  std::string base_status, head_status;
  bool anything_new() const { return !added.empty(); }
};

ReportDiff diff_reports(const Report& base, const Report& head);
// The same for report documents, read with report_from_json first.
ReportDiff diff_reports(const nlohmann::ordered_json& base, const nlohmann::ordered_json& head);

// For a terminal: one line per signature, "+" new, "-" gone, "~" changed in count, with the new ones' repro commands.
std::string render_diff_text(const ReportDiff& diff, const std::string& base_name, const std::string& head_name);
// For $GITHUB_STEP_SUMMARY: the same as Markdown tables.
std::string render_diff_markdown(const ReportDiff& diff, const std::string& base_name, const std::string& head_name);

// 1 when a signature is new in B, 0 otherwise.
int diff_exit_code(const ReportDiff& diff);

}  // namespace faultline::reports
