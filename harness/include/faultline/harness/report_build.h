// Builds the result report (docs/report.md) from a campaign's result, typed (reports/include/faultline/reports/
// report_model.h); reports::to_json writes it.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline/harness/campaign.h"

namespace faultline::harness {

reports::Report build_report(const CampaignConfig& config, const CampaignResult& result,
                             std::chrono::system_clock::time_point started);
// The report's failure entry of a trial, typed (reports/include/faultline/reports/model.h); reports::to_json writes it.
reports::Failure failure_of(const CampaignConfig& config, std::size_t index, const TrialResult& trial);

// The bytes of the damaged region (the same rows as trial.hexdump) in the data file after recovery, read from the
// trial directory `trial_dir` (its data/ folder), or a line saying the file ends before them; "" when it is not there
// or the engine did not start.
std::string hexdump_after_recovery(const TrialResult& trial, const std::filesystem::path& trial_dir,
                                   const scenarios::EngineProfile& profile);

// Exit code of a campaign: 0 all passed, 1 failures found, 3 harness error, 130 interrupted (reports::exit_code).
int campaign_exit_code(const CampaignResult& result);

}  // namespace faultline::harness
