// The exit statuses with which the shim itself ends an engine (docs/fault-plan.md, "Exit statuses of the shim"),
// stated once for the shim (faults/shim/) and the harness that reads them.
#pragma once

namespace faultline::shim_exit {

// The plan cannot be used (one line on stderr names its line and field), before main runs.
inline constexpr int kBadPlan = 87;  // FAULTFS_EXIT_BAD_PLAN
// A journal line or history record could not be stored: the file system of Faultline's work directory is full
// (ENOSPC, EDQUOT). What the engine did is no longer known, so the shim ends it; the trial is a harness error.
inline constexpr int kNoSpace = 88;  // FAULTFS_EXIT_NO_SPACE

}  // namespace faultline::shim_exit
