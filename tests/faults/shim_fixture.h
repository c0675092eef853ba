// The fixture of the shim's integration tests: a probe program runs a script of file operations under
// libfaultfs.so with a plan written for the test; the tests check bytes on disk, how the process ended, what the
// calls returned, and what the journal says.
#pragma once

#include <signal.h>

#include <gtest/gtest.h>

#include "faultline/journal.h"
#include "faultline/plan.h"
#include "test_support.h"

namespace faultline::faults::shim_testing {

using testing::env_or;
using testing::kind_of;
using testing::ProcessResult;
using testing::read_file;
using testing::TempDir;


using testing::env_or;
using testing::kind_of;
using testing::ProcessResult;
using testing::read_file;
using testing::TempDir;

inline const std::string kLib = env_or("FAULTFS_LIB", FAULTFS_LIB_PATH);
inline const std::string kProbe = env_or("FAULTFS_PROBE", FAULTFS_PROBE_PATH);

inline FaultSpec fault(std::string kind) {
  FaultSpec f;
  f.kind = kind_of(kind);
  return f;
}
inline FaultSpec at_offset(std::string kind, std::uint64_t offset) {
  FaultSpec f = fault(std::move(kind));
  f.offset = offset;
  return f;
}
inline FaultSpec at_nth(std::string kind, std::uint64_t nth) {
  FaultSpec f = fault(std::move(kind));
  f.nth = nth;
  return f;
}
inline FaultSpec at_step(std::string kind, std::uint64_t step) {
  FaultSpec f = fault(std::move(kind));
  f.step = step;
  return f;
}
inline FaultSpec with_span(FaultSpec f, std::int64_t from, std::int64_t to) {
  f.span = Span{from, to};
  return f;
}

class ShimTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(data()); }

  std::filesystem::path data() const { return tmp_.path() / "data"; }
  std::filesystem::path journal_path() const { return tmp_.path() / "journal.jsonl"; }
  std::filesystem::path plan_path() const { return tmp_.path() / "plan.txt"; }

  Plan plan(std::vector<FaultSpec> faults = {}) const {
    Plan p;
    p.seed = 42;
    p.journal = journal_path();
    p.target_dir = data();
    p.faults = std::move(faults);
    return p;
  }

  ProcessResult run(const Plan& p, const std::vector<std::string>& ops) {
    write_plan(p, plan_path());
    return run_raw(ops, {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", plan_path().string()}});
  }

  ProcessResult run_raw(const std::vector<std::string>& ops, const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv = {kProbe, data().string()};
    argv.insert(argv.end(), ops.begin(), ops.end());
    return testing::run_process(argv, env, tmp_.path());
  }

  std::vector<Event> events() const { return read_journal(journal_path()); }
  std::vector<Event> events_of(const std::string& ev) const {
    std::vector<Event> out;
    for (const Event& e : events()) {
      if (e.ev == ev) out.push_back(e);
    }
    return out;
  }
  std::string file(const std::string& name) const { return read_file(data() / name); }

  // The step counter file, outside target_dir, created as the harness does: 4096 zero bytes.
  std::filesystem::path step_path() const { return tmp_.path() / "step"; }
  Plan step_plan(std::vector<FaultSpec> faults = {}) const {
    testing::write_file(step_path(), std::string(4096, '\0'));
    Plan p = plan(std::move(faults));
    p.step_file = step_path();
    return p;
  }
  // The probe operation that raises the counter to n (an atomic store into a shared mapping, like the harness).
  std::string step_op(std::uint64_t n) const { return "step " + step_path().string() + " " + std::to_string(n); }
  // Runs the probe under a hand-written plan: the four required directives, `fault_line` (line 5), then
  // `extra_directives` (from line 6 on).
  ProcessResult run_text(const std::string& extra_directives, const std::string& fault_line) {
    testing::write_file(plan_path(), "faultfs-plan 1\nseed 1\njournal " + journal_path().string() + "\ntarget_dir " +
                                         data().string() + "\n" + fault_line + "\n" + extra_directives);
    return run_raw({"open wal.log wc", "write 4 a"}, {{"LD_PRELOAD", kLib}, {"FAULTFS_PLAN", plan_path().string()}});
  }

  TempDir tmp_;
};

}  // namespace faultline::faults::shim_testing
