// CPU placement of workers and engines (placement.h; docs/PERFORMANCE.md, "CPU placement").
#include "placement.h"

#include <sched.h>

#include <atomic>

#include "faultline/harness/process.h"

namespace faultline::harness::placement {
namespace {

std::atomic<bool> g_enabled{true};
thread_local int t_home = -1;

}  // namespace

void set_enabled(bool enabled) { g_enabled = enabled; }
bool enabled() { return g_enabled.load(); }

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

int home_cpu(std::size_t index, std::size_t workers, const std::vector<int>& allowed) {
  if (!enabled() || workers < 2 || allowed.size() < 2) return -1;
  return allowed[index % allowed.size()];
}

int enter_worker(std::size_t index, std::size_t workers) {
  const int cpu = home_cpu(index, workers, allowed_cpus());
  t_home = cpu >= 0 && pin(0, cpu) ? cpu : -1;
  return t_home;
}

int engine_cpu() {
  if (!enabled()) return -1;
  if (t_home >= 0) return t_home;
  // One allowed CPU: the engine runs there anyway (asked once per thread).
  static thread_local int checked_single = -1;
  if (checked_single < 0) checked_single = allowed_cpus().size() < 2 ? 1 : 0;
  if (checked_single == 1) return -1;
  return ::sched_getcpu();
}

bool pin(int pid, int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::sched_setaffinity(pid, sizeof set, &set) == 0;
}

}  // namespace faultline::harness::placement

namespace faultline::harness {
void set_cpu_pinning(bool enabled) { placement::set_enabled(enabled); }
}  // namespace faultline::harness
