// Where a worker and its engines run (docs/PERFORMANCE.md, "CPU placement").
//
// A trial is a ping-pong: the harness sends a request and sleeps, the engine answers and sleeps, two dozen times per
// engine start. When the two run on different CPUs every wake-up is a cross-CPU wake-up (an inter-processor interrupt,
// a VM exit on a virtual machine); on one CPU it is a context switch. So the harness keeps a worker and the engines it
// starts on one CPU:
// - a thread with a home CPU (a campaign worker when the campaign has more than one) is pinned to it, and its engines
//   (and its fork server, so every engine it forks) run there: two workers never share a CPU while another is idle;
// - any other thread (the only worker of a one-job campaign, explore, the preflight) is not pinned: its engines are
//   placed on the CPU it runs on when it starts them, so they follow it when the scheduler moves it.
// Placement changes where the engine runs, never what it is sent or how it is judged. An engine whose threads must
// run in parallel during a trial is confined to one CPU by it: `--no-cpu-pinning` turns placement off.
#pragma once

#include <cstddef>
#include <vector>

namespace faultline::harness::placement {

// --no-cpu-pinning: no thread is pinned and engines run wherever the scheduler puts them (default: on).
void set_enabled(bool enabled);
bool enabled();

// The CPUs this process may run on (sched_getaffinity), in increasing order.
std::vector<int> allowed_cpus();

// The home CPU of worker `index` of `workers`: -1 (none) for a single worker, when fewer than two CPUs are allowed,
// or when placement is off; otherwise allowed[index % allowed.size()].
int home_cpu(std::size_t index, std::size_t workers, const std::vector<int>& allowed);

// Called by a campaign worker thread as it starts: pins the thread to its home CPU, if it has one. Returns it (-1:
// none).
int enter_worker(std::size_t index, std::size_t workers);

// The CPU the engine this thread starts now should run on: the thread's home CPU, else the CPU it runs on; -1 when
// placement is off or only one CPU is allowed.
int engine_cpu();

// Pins process `pid` (0: the calling thread) to `cpu`; false if the kernel refused (the CPU left the allowed set).
bool pin(int pid, int cpu);

}  // namespace faultline::harness::placement
