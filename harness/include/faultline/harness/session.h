// One run of an engine, spoken to through engine protocol v1 or v2 (docs/engine-protocol.md), as its READY line says.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faultline/engine_protocol.h"
#include "faultline/harness/process.h"
#include "faultline/harness/workload.h"
#include "faultline/journal.h"

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

// A DUMP answer longer than this is a protocol error (an ENTRY line of v1 is at most 135 bytes; of v2, with a value
// of 64 KiB in hex, about 128 KiB: a scenario's workload must fit, which its loader checks).
inline constexpr std::size_t kMaxDumpBytes = protocol::kMaxDumpBytes;

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
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout) {
    auto status = process_->wait(timeout);
    if (status) ended_by_itself();
    return status;
  }
  bool hung() const { return hung_; }
  // The protocol version the engine's READY line announced (1 or 2; 1 before READY).
  int protocol_version() const { return version_; }
  // The engine wrote a stdout line longer than kMaxLineBytes: request() returned a placeholder; stop talking to it.
  bool overflowed() const { return overflowed_; }

  // The trace hash may only cover journal events that cannot race with the harness's SIGKILL: those written before
  // the last completed exchange (READY, a reply, DUMP's END), or all of them when the engine ended by itself.
  // stable_journal_bytes() is that journal length in bytes (SIZE_MAX = all), kept as the session goes: a memory load
  // per exchange.
  void track_journal(std::filesystem::path journal);
  std::size_t stable_journal_bytes() const { return stable_bytes_; }
  // The tracked journal's length now (faults::JournalWatch: no system call once the engine created it).
  std::size_t journal_bytes();
  ~EngineSession();
  int pid() const { return process_ ? process_->pid() : -1; }

 private:
  SpawnOptions options_;
  std::chrono::milliseconds start_timeout_;
  std::chrono::milliseconds request_timeout_;
  std::unique_ptr<ChildProcess> process_;
  bool hung_ = false;
  bool overflowed_ = false;
  int version_ = 1;
  std::unique_ptr<faults::JournalWatch> journal_;
  std::size_t stable_bytes_ = SIZE_MAX;
  void exchanged();
  void ended_by_itself();
};

// The last `max_lines` lines of a file (the engine's stderr), for evidence in reports.
std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t max_lines);

}  // namespace faultline::harness
