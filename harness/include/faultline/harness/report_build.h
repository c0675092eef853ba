// Builds the JSON result report (docs/report.md) from a campaign's result.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "faultline/harness/campaign.h"

namespace faultline::harness {

nlohmann::ordered_json build_report(const CampaignConfig& config, const CampaignResult& result,
                                    std::chrono::system_clock::time_point started);
nlohmann::ordered_json failure_entry(const CampaignConfig& config, std::size_t index, const TrialResult& trial);

// Exit code of a campaign: 0 all passed, 1 failures found, 3 harness error, 130 interrupted.
int campaign_exit_code(const CampaignResult& result);

}  // namespace faultline::harness
