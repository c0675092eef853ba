#include "faultline/harness/supervisor.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "faultline/harness/log.h"
#include "faultline/scenarios/scenario.h"

namespace faultline::harness::supervisor {

namespace fs = std::filesystem;

namespace {

std::mutex g_registry_mutex;
std::set<pid_t> g_engines;
std::atomic<bool> g_subreaper{false};
std::atomic<bool> g_stopping{false};

std::string read_small_file(const std::string& path, std::size_t max = 1 << 20) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() >= max) break;
  }
  ::close(fd);
  return out;
}

// The children of a process ("self": this one): every thread's /proc/<pid>/task/<tid>/children.
std::vector<pid_t> children_of(const std::string& pid) {
  std::vector<pid_t> out;
  DIR* tasks = ::opendir(fmt::format("/proc/{}/task", pid).c_str());
  if (!tasks) return out;
  while (const dirent* e = ::readdir(tasks)) {
    if (e->d_name[0] == '.') continue;
    std::istringstream in(read_small_file(fmt::format("/proc/{}/task/{}/children", pid, e->d_name)));
    for (pid_t child; in >> child;) out.push_back(child);
  }
  ::closedir(tasks);
  return out;
}

std::vector<pid_t> own_children() { return children_of("self"); }

// Every descendant of this process, parents before their children.
std::vector<pid_t> descendants() {
  std::vector<pid_t> out = own_children();
  for (std::size_t i = 0; i < out.size() && out.size() < 100000; ++i)
    for (const pid_t child : children_of(std::to_string(out[i]))) out.push_back(child);
  return out;
}

bool environment_contains(pid_t pid, const std::string& needle) {
  const auto env = read_small_file(fmt::format("/proc/{}/environ", pid), 4 << 20);
  return env.find(needle) != std::string::npos;
}

char process_state(pid_t pid) {
  const auto stat = read_small_file(fmt::format("/proc/{}/stat", pid), 4096);
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

void kill_process_and_group(pid_t pid) {
  if (::getpgid(pid) == pid) ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

}  // namespace

bool become_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0) g_subreaper = true;
  return g_subreaper.load();
}

bool is_subreaper() { return g_subreaper.load(); }

std::unique_lock<std::mutex> registry_lock() { return std::unique_lock<std::mutex>(g_registry_mutex); }

void adopt(pid_t pid) { g_engines.insert(pid); }

void release(pid_t pid) {
  std::lock_guard lock(g_registry_mutex);
  g_engines.erase(pid);
}

void hard_stop() {
  std::lock_guard lock(g_registry_mutex);
  g_stopping = true;
  // Twice: a process forked between the scan and the kill (a server answering a request) is found the second time.
  for (int round = 0; round < 2; ++round) {
    for (const pid_t pid : g_engines) kill_process_and_group(pid);
    for (const pid_t pid : descendants()) kill_process_and_group(pid);
  }
}

bool stopping() { return g_stopping.load(); }

std::size_t sweep_orphans(const std::string& tag) {
  if (!g_subreaper.load()) return 0;
  std::lock_guard lock(g_registry_mutex);
  std::size_t killed = 0;
  std::string names;
  for (const pid_t pid : own_children()) {
    if (g_engines.count(pid)) continue;
    if (process_state(pid) == 'Z') {  // an orphan that ended by itself
      ::waitpid(pid, nullptr, WNOHANG);
      continue;
    }
    if (!tag.empty() && !environment_contains(pid, tag + '\0')) continue;  // whole entries only
    std::string comm = read_small_file(fmt::format("/proc/{}/comm", pid), 64);
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    kill_process_and_group(pid);
    ::waitpid(pid, nullptr, 0);
    if (killed++ < 5) names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", pid, comm);
  }
  if (killed > 0)
    log::warn("an engine left processes running after it ended (a daemon or a double fork): killed them",
              {{"count", killed}, {"processes", names}});
  return killed;
}

std::vector<pid_t> processes_with_environment(const std::string& needle) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  const pid_t self = ::getpid();
  while (const dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    if (environment_contains(static_cast<pid_t>(pid), needle)) out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return out;
}

namespace {

// Kills what a dead run left running in `dir`: every process whose plan (FAULTFS_PLAN) lies under it.
std::size_t kill_leftovers(const fs::path& dir) {
  std::set<pid_t> killed;
  const std::string needle = "FAULTFS_PLAN=" + dir.string() + "/";
  // Twice: a process forked between the scan and the kill is found the second time.
  for (int round = 0; round < 2; ++round)
    for (const pid_t pid : processes_with_environment(needle)) {
      kill_process_and_group(pid);
      killed.insert(pid);
    }
  return killed.size();
}

// Opens and locks `dir`/.lock without blocking: the fd, or -1 if another process holds it (errno EWOULDBLOCK).
int try_lock(const fs::path& dir, bool create) {
  const fs::path lock = dir / ".lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

}  // namespace

WorkRoot::WorkRoot(const fs::path& dir, const std::string& option) : dir_(fs::absolute(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec)
    throw scenarios::ConfigError(fmt::format("{} {}: cannot create the work directory: {}", option, dir_.string(),
                                             ec.message()));
  const bool left_by_dead_run = fs::exists(dir_ / ".lock");
  lock_fd_ = try_lock(dir_, true);
  if (lock_fd_ < 0) {
    const auto holder = read_small_file((dir_ / ".lock").string(), 64);
    throw scenarios::ConfigError(fmt::format("{} {}: in use by another faultline (pid {}); give another directory",
                                             option, dir_.string(), holder.empty() ? "?" : holder));
  }
  if (left_by_dead_run) {  // its processes, then its trial directories: nothing of it is evidence of a report
    const auto killed = kill_leftovers(dir_);
    if (killed > 0)
      log::warn("a faultline run killed earlier left engines running in the work directory: killed them",
                {{"work_dir", dir_.string()}, {"count", killed}});
    for (const auto& entry : fs::directory_iterator(dir_, ec))
      if (entry.path().filename() != ".lock") fs::remove_all(entry.path(), ec);
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message above; the lock itself is what counts.
  }
}

WorkRoot::~WorkRoot() {
  sweep_orphans();
  std::error_code ec;
  fs::remove(dir_ / ".lock", ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  if (fs::is_empty(dir_, ec)) fs::remove(dir_, ec);
}

std::vector<fs::path> clean_stale_roots(const fs::path& base) {
  std::vector<fs::path> removed;
  std::error_code ec;
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind("faultline-", 0) != 0 || !it->is_directory(ec) || !fs::exists(it->path() / ".lock")) continue;
    const int fd = try_lock(it->path(), false);
    if (fd < 0) continue;  // a live run, or not ours to judge
    kill_leftovers(it->path());
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    ::close(fd);
    if (!rm) removed.push_back(it->path());
  }
  if (!removed.empty())
    log::warn("removed the work directories of faultline runs that were killed", {{"count", removed.size()},
                                                                                  {"first", removed.front().string()}});
  return removed;
}

}  // namespace faultline::harness::supervisor
