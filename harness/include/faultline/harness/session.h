// One run of an engine, spoken to through engine protocol v1 (docs/engine-protocol.md).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faultline/harness/process.h"
#include "faultline/harness/workload.h"

namespace faultline::harness {

struct StartOutcome {
  enum class Kind { kReady, kExited, kHang, kProtocolError } kind = Kind::kReady;
  ExitStatus status;       // for kExited
  std::string detail;      // what went wrong, for reports
};

struct DumpResult {
  bool ok = false;
  KvState state;
  std::string error;       // protocol error, EOF or timeout
};

class EngineSession {
 public:
  EngineSession(SpawnOptions options, std::chrono::milliseconds start_timeout,
                std::chrono::milliseconds request_timeout);

  StartOutcome start();
  // Sends one request and reads one reply line. nullopt: the engine died or did not answer in time (`hung()`).
  std::optional<std::string> request(const std::string& line);
  DumpResult dump();
  // QUIT, then wait for exit 0. Returns the exit status, or nullopt if the engine did not exit in time.
  std::optional<ExitStatus> quit();
  ExitStatus kill() { return process_->kill(); }
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout) { return process_->wait(timeout); }
  bool hung() const { return hung_; }
  int pid() const { return process_ ? process_->pid() : -1; }

 private:
  SpawnOptions options_;
  std::chrono::milliseconds start_timeout_;
  std::chrono::milliseconds request_timeout_;
  std::unique_ptr<ChildProcess> process_;
  bool hung_ = false;
};

// The last `max_lines` lines of a file (the engine's stderr), for evidence in reports.
std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t max_lines);

}  // namespace faultline::harness
