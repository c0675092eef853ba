// Helpers for the fault layer's tests: scratch directories and child processes.
#pragma once

#include "faultline/fault_kinds.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace faultline::faults::testing {

namespace fs = std::filesystem;

// A fresh directory (in /dev/shm when it exists, as the harness does), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const std::string base = fs::is_directory("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
    std::string tmpl = base + "/faultline-faults-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

struct ProcessResult {
  int status = 0;  // raw waitpid status
  std::string out;
  std::string err;
  bool exited() const { return WIFEXITED(status); }
  int exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
  bool killed_by(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }
};

// Runs argv with the environment plus `env` (an empty value removes the variable), stdin from /dev/null.
inline ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                 const fs::path& scratch) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const std::string key = kv.substr(0, kv.find('='));
    if (!env.contains(key)) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env) {
    if (!v.empty()) env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const fs::path out_path = scratch / "child.out", err_path = scratch / "child.err";
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::closefrom(3);  // the child sees only stdin, stdout and stderr, whatever the test runner left open
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ProcessResult r;
  while (::waitpid(pid, &r.status, 0) < 0) {
  }
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = ::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// The kind a test names by its plan spelling.
inline FaultKind kind_of(const std::string& name) {
  FaultKind kind = FaultKind::kCrash;
  if (!parse_fault_kind(name.c_str(), &kind)) throw std::invalid_argument("no fault kind '" + name + "'");
  return kind;
}

}  // namespace faultline::faults::testing
