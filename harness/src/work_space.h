// Internal: telling a full work directory from an engine bug (work_space.cpp, docs/reliability.md).
#pragma once

#include <filesystem>
#include <string>

#include "run.h"

namespace faultline::harness::detail {

// What a trial error caused by a full work directory says: which directory, that it is not the engine's fault, and
// what to do.
std::string no_space_advice(const std::filesystem::path& work_dir);
// Whether an error message says ENOSPC or EDQUOT (as std::strerror words them).
bool mentions_no_space(const std::string& message);
// Throws a harness error when run `r` shows that the work directory's file system was full (the rule in
// work_space.cpp), so that the trial is an error, never a verdict.
void check_work_space(const RunRecord& r, const std::filesystem::path& work_dir);

}  // namespace faultline::harness::detail
