#include "faultline/harness/session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>

#include <fmt/format.h>

#include "faultline/engine_protocol.h"

namespace faultline::harness {

EngineSession::EngineSession(SpawnOptions options, std::chrono::milliseconds start_timeout,
                             std::chrono::milliseconds request_timeout)
    : options_(std::move(options)), start_timeout_(start_timeout), request_timeout_(request_timeout) {}

void EngineSession::track_journal(std::filesystem::path journal) {
  journal_ = std::make_unique<faults::JournalWatch>(std::move(journal));
}

EngineSession::~EngineSession() = default;

std::size_t EngineSession::journal_bytes() { return journal_ ? journal_->length() : 0; }

void EngineSession::exchanged() {
  if (journal_) stable_bytes_ = journal_bytes();
}

void EngineSession::ended_by_itself() {
  stable_bytes_ = SIZE_MAX;
}

StartOutcome EngineSession::start() {
  const auto deadline = std::chrono::steady_clock::now() + start_timeout_;  // a fork server's start waits within it
  process_ = launch(options_);
  std::string line;
  StartOutcome out;
  switch (process_->read_line(line, deadline)) {
    case ReadResult::kLine:
      if (const auto version = protocol::ready_version(line)) {
        version_ = *version;
        exchanged();
        return out;
      }
      out.kind = StartOutcome::Kind::kProtocolError;
      out.detail = fmt::format("expected READY (or READY v2) as the first line on stdout, got \"{}\"", line.substr(0, 200));
      process_->kill();
      return out;
    case ReadResult::kTimeout:
      hung_ = true;
      out.kind = StartOutcome::Kind::kHang;
      out.detail = fmt::format("no READY within {} ms", start_timeout_.count());
      process_->kill();
      return out;
    case ReadResult::kTooLong:
      out.kind = StartOutcome::Kind::kProtocolError;
      out.detail = fmt::format("expected READY as the first line on stdout, got more than {} bytes without a newline",
                               options_.max_line_bytes);
      process_->kill();
      return out;
    case ReadResult::kEof:
      break;
  }
  auto status = process_->wait(start_timeout_);
  if (!status) {
    hung_ = true;
    out.kind = StartOutcome::Kind::kHang;
    out.detail = fmt::format("closed stdout without READY and did not exit within {} ms", start_timeout_.count());
    process_->kill();
    return out;
  }
  out.kind = StartOutcome::Kind::kExited;
  out.status = *status;
  out.detail = fmt::format("exited before READY ({})", status->describe());
  return out;
}

std::optional<std::string> EngineSession::request(const std::string& line) {
  // One deadline covers sending the request and reading the reply.
  const auto deadline = std::chrono::steady_clock::now() + request_timeout_;
  if (!process_->send_line(line, deadline)) {
    if (std::chrono::steady_clock::now() >= deadline) hung_ = true;  // it stopped reading its stdin
    return std::nullopt;
  }
  std::string reply;
  switch (process_->read_line(reply, deadline)) {
    case ReadResult::kLine: exchanged(); return reply;
    case ReadResult::kTimeout: hung_ = true; return std::nullopt;
    case ReadResult::kEof: ended_by_itself(); return std::nullopt;
    case ReadResult::kTooLong:
      // Not a reply: the caller records a protocol error and stops; the rest of the flood is never read.
      overflowed_ = true;
      return fmt::format("<more than {} bytes without a newline>", options_.max_line_bytes);
  }
  return std::nullopt;
}

DumpResult EngineSession::dump() {
  DumpResult result;
  const auto deadline = std::chrono::steady_clock::now() + request_timeout_;
  if (!process_->send_line("DUMP", deadline)) {
    result.error = "the engine closed its stdin before DUMP";
    return result;
  }
  // One deadline for the whole answer, and a bound on its size: an engine that lists entries forever is a hang,
  // not a wait of request_timeout per line.
  std::size_t bytes = 0;
  for (;;) {
    std::string line;
    const auto r = process_->read_line(line, deadline);
    if (r == ReadResult::kTimeout) {
      hung_ = true;
      result.error = fmt::format("DUMP: no END within {} ms", request_timeout_.count());
      return result;
    }
    if (r == ReadResult::kTooLong || (bytes += line.size() + 1) > kMaxDumpBytes) {
      result.error = fmt::format("DUMP: more than {} bytes {}", r == ReadResult::kTooLong ? options_.max_line_bytes
                                                                                          : kMaxDumpBytes,
                                 r == ReadResult::kTooLong ? "in one line" : "before END");
      return result;
    }
    if (r == ReadResult::kEof) {
      result.error = "DUMP: the engine closed stdout before END";
      return result;
    }
    if (line == "END") {
      exchanged();
      break;
    }
    // ENTRY <key> <value>: single words; in v2 the value is hex.
    const auto first = line.find(' ');
    const auto second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (line.rfind("ENTRY ", 0) != 0 || second == std::string::npos ||
        line.find(' ', second + 1) != std::string::npos) {
      result.error = fmt::format("DUMP: expected \"ENTRY <key> <value>\" or \"END\", got \"{}\"", line.substr(0, 200));
      return result;
    }
    const std::string key = line.substr(first + 1, second - first - 1);
    if (result.state.count(key)) {
      result.error = fmt::format("DUMP: key \"{}\" listed twice", key);
      return result;
    }
    const auto wire = std::string_view(line).substr(second + 1);
    if (version_ >= 2) {
      auto value = protocol::from_hex(wire);
      if (!value) {
        result.error = fmt::format("DUMP: the value of key \"{}\" is not 1 to {} bytes in hex (engine protocol v2): "
                                  "\"{}\"", key.substr(0, 64), protocol::kMaxValueBytes, line.substr(0, 200));
        return result;
      }
      result.state[key] = std::move(*value);
    } else {
      result.state[key] = std::string(wire);
    }
  }
  result.ok = true;
  return result;
}

std::optional<ExitStatus> EngineSession::quit() {
  process_->send_line("QUIT", std::chrono::steady_clock::now() + request_timeout_);
  process_->close_stdin();
  auto status = process_->wait(request_timeout_);
  if (!status) {
    hung_ = true;
    process_->kill();
  } else {
    ended_by_itself();
  }
  return status;
}

std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t max_lines) {
  std::ifstream in(file);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > 2000) line = line.substr(0, 2000) + "…";
    lines.push_back(std::move(line));
    if (lines.size() > max_lines) lines.pop_front();
  }
  return {lines.begin(), lines.end()};
}

}  // namespace faultline::harness
