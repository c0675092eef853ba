#include "faultline/harness/trial.h"

#include <chrono>
#include <fstream>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "trial_run.h"
#include "work_space.h"

namespace faultline::harness {

namespace fs = std::filesystem;
using detail::TrialRun;

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kVoid: return "void";
    case Verdict::kError: return "error";
  }
  return "?";
}


namespace {

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// The trace hash covers what must be identical when a trial is replayed: the journals (the trace of each RunRecord),
// the fault ledger and the verdict. What legitimately differs between replays is removed first: process ids, the executable's path, and the
// trial's own directory (campaigns, repro and shrink put trials in different places).
// Process ids, wherever they sit in the fault ledger.
void drop_pids(nlohmann::ordered_json& j) {
  if (j.is_object()) {
    j.erase("pid");
    for (auto& [key, value] : j.items()) drop_pids(value);
  } else if (j.is_array()) {
    for (auto& value : j) drop_pids(value);
  }
}

std::string normalise(std::string text, const std::string& work_dir) {
  for (std::size_t at; !work_dir.empty() && (at = text.find(work_dir)) != std::string::npos;)
    text.replace(at, work_dir.size(), "{trial}");
  return text;
}

// A journal line as the shim wrote it (docs/fault-plan.md: `{"ev":...,"pid":N,...}`, `exe` only in `start`), without
// its pid and exe: hashing the text directly spares parsing every line as JSON again.
std::string without_pid_and_exe(std::string_view line) {
  std::string out(line);
  if (const auto at = out.find(",\"pid\":"); at != std::string::npos) {
    auto end = at + 7;
    while (end < out.size() && out[end] >= '0' && out[end] <= '9') ++end;
    out.erase(at, end - at);
  }
  if (const auto at = out.find(",\"exe\":\""); at != std::string::npos) {
    auto end = at + 8;
    while (end < out.size() && out[end] != '"') end += out[end] == '\\' ? 2 : 1;
    out.erase(at, std::min(end + 1, out.size()) - at);
  }
  return out;
}

std::string trace_hash(const TrialResult& r, const std::deque<detail::RunRecord>& runs, const std::string& work_dir) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  h = fnv1a(h, r.scenario);
  h = fnv1a(h, std::to_string(r.seed));
  for (const auto& run : runs)
    for (const auto& line : run.trace) h = fnv1a(h, normalise(without_pid_and_exe(line), work_dir));
  auto faults = reports::to_json(r.faults);  // the ledger as the report writes it
  drop_pids(faults);
  h = fnv1a(h, normalise(faults.dump(), work_dir));
  h = fnv1a(h, to_string(r.verdict));
  for (const auto& v : r.violations) h = fnv1a(h, v.name);
  return fmt::format("{:016x}", h);
}

}  // namespace

TrialResult run_trial(const TrialConfig& config) {
  TrialResult result;
  result.scenario = config.scenario.name;
  result.seed = config.seed;
  result.artifacts = config.work_dir;
  const auto started = std::chrono::steady_clock::now();
  // A trial starts from nothing: a directory left by an earlier run (kept artifacts, a crash of the harness) must not
  // leak files into this one.
  std::error_code ec;
  fs::remove_all(config.work_dir, ec);
  TrialRun run(config, result);
  try {
    fs::create_directories(config.work_dir);
    run.execute();
  } catch (const std::exception& e) {
    result.error = e.what();
    // A file of the harness's own that the full work directory refused (a plan, a step counter): the same advice as
    // for the engine's calls (work_space.cpp).
    const auto root = config.work_dir.parent_path();
    if (detail::mentions_no_space(result.error) && result.error.find(detail::no_space_advice(root)) == std::string::npos)
      result.error += ". " + detail::no_space_advice(root);
  }
  result.verdict = detail::verdict_of(result.violations, result.error);
  run.settle_sessions();
  result.trace_hash = trace_hash(result, run.runner().records(), fs::absolute(config.work_dir).string());
  if (result.verdict != Verdict::kPass || config.keep_evidence) {
    run.write_evidence();
    // A kept journal is its header and plain JSON lines: cut the zero-filled window off once no engine can write to
    // it (a store past the new end would be SIGBUS in a live engine).
    run.end_sessions();
    for (const auto& record : run.runner().records()) faults::seal_journal(record.journal);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace faultline::harness
