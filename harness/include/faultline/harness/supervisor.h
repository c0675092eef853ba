// The harness owns every process it starts (docs/reliability.md).
//
// Each engine is a ChildProcess: started (spawned, registered here), ready/replied (the session's business), then
// killed by us or died by itself, then reaped (through its pidfd) and unregistered. What an engine leaves behind is
// found here:
//  - the harness is a child subreaper (PR_SET_CHILD_SUBREAPER), so an engine's orphans (a double fork, a `setsid`
//    daemon) become children of the harness instead of init's;
//  - after an engine is reaped, its orphans (children of the harness that are not registered engines and carry the
//    engine's tag, an environment entry unique to it) are killed and reaped; at the end of a command every orphan is;
//  - a work root (where trial directories live) is locked with flock() for the life of the command. A run killed
//    with SIGKILL leaves its root with a lock nobody holds: the next command finds it, kills the processes whose
//    environment names a file in it (and only those), and removes it. Nothing is ever killed by name.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace faultline::harness::supervisor {

// Makes this process a child subreaper; false if the kernel refused (orphans then go to init, as before).
bool become_subreaper();
bool is_subreaper();

// Held across spawning and registering a child, so a concurrent sweep never takes a just-started engine for an orphan.
std::unique_lock<std::mutex> registry_lock();
void adopt(pid_t pid);    // with registry_lock() held
void release(pid_t pid);  // the engine was reaped

// A second stop signal (docs/reliability.md): from now on no engine or fork server starts (spawning throws), and every
// registered engine and every descendant of this process (fork servers, their engines, what those started) is killed
// with its process group at once. The campaign then drops the trials that were in flight.
void hard_stop();
bool stopping();

// Kills (SIGKILL, its group too when it leads one) and reaps every child of this process that is not a registered
// engine and whose environment contains `tag` (empty: every such child), and reaps exited ones (zombies). Returns how
// many live processes were killed. A no-op unless this process is a subreaper.
std::size_t sweep_orphans(const std::string& tag = "");

// Processes whose initial environment contains `needle` (e.g. "FAULTFS_PLAN=/dev/shm/faultline-run-42/"), excluding
// this process. Reads /proc/<pid>/environ of every process (only when cleaning up after a dead run).
std::vector<pid_t> processes_with_environment(const std::string& needle);

// A work root held for the life of a command. Creates the directory and `.lock` in it (flock, LOCK_EX). Throws
// scenarios::ConfigError naming `option` if another live faultline holds it. If a dead run left it (the lock file is
// there but nobody holds it), that run's processes are killed first.
class WorkRoot {
 public:
  WorkRoot(const std::filesystem::path& dir, const std::string& option);
  ~WorkRoot();  // kills remaining orphans, removes .lock, and the directory when nothing (kept evidence) is left in it
  WorkRoot(const WorkRoot&) = delete;
  WorkRoot& operator=(const WorkRoot&) = delete;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  int lock_fd_ = -1;
};

// Under `base` (the default place of work roots), the roots `faultline-<what>-<pid>` of dead runs (a `.lock` that no
// process holds): their processes are killed and the roots removed. Roots without `.lock` are finished runs that kept
// failing trials as evidence and are left alone. Returns the roots removed.
std::vector<std::filesystem::path> clean_stale_roots(const std::filesystem::path& base);

}  // namespace faultline::harness::supervisor
