#include "walkv/kv_server.h"

#include <algorithm>
#include <memory>
#include <span>

#include "faultline/engine_protocol.h"
#include "walkv/compaction.h"
#include "walkv/data_dir.h"
#include "walkv/env.h"
#include "walkv/slog.h"

namespace walkv {
namespace {

constexpr size_t kReadChunkBytes = 64 * 1024;
constexpr size_t kMaxLineBytes = 4096;  // v1; v2: faultline::protocol::kMaxRequestBytesV2
// A group commit covers at most this much input, so one batch cannot hold replies back for long.
constexpr size_t kMaxBatchBytes = 1 << 20;
// Keys (and values of v1): 1 to 64 characters of [A-Za-z0-9_.-] (faultline/engine_protocol.h).
bool ValidToken(std::string_view token) { return faultline::protocol::is_word(token); }

// Splits on single spaces; an empty word (two spaces, leading or trailing space) makes the request malformed.
std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  size_t start = 0;
  for (size_t space; (space = line.find(' ', start)) != std::string_view::npos; start = space + 1) {
    words.push_back(line.substr(start, space - start));
  }
  words.push_back(line.substr(start));
  return words;
}

}  // namespace

std::optional<SyncMode> ParseSyncMode(std::string_view name) {
  if (name == "always") return SyncMode::kAlways;
  if (name == "batch") return SyncMode::kBatch;
  if (name == "none") return SyncMode::kNone;
  return std::nullopt;
}

std::string_view SyncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways: return "always";
    case SyncMode::kBatch: return "batch";
    case SyncMode::kNone: return "none";
  }
  return "unknown";
}

void ApplyRecord(const wal::RecordView& record, KvMap* map) {
  const auto it = map->find(record.key);
  if (record.op == wal::Op::kDel) {
    if (it != map->end()) map->erase(it);
  } else if (it != map->end()) {
    it->second.assign(record.value);
  } else {
    map->emplace(record.key, record.value);
  }
}

KvServer::KvServer(wal::WalWriter* writer, KvMap* map, SyncMode sync, CompactionConfig compaction, int protocol)
    : writer_(writer), map_(map), sync_(sync), compaction_(std::move(compaction)), protocol_(protocol) {}

int KvServer::Serve(int in_fd, int out_fd) {
  std::string input;
  // Not zero-filled: a fresh engine would otherwise touch all 16 pages before the first request.
  const auto chunk_buffer = std::make_unique_for_overwrite<char[]>(kReadChunkBytes);
  const std::span<char> chunk(chunk_buffer.get(), kReadChunkBytes);
  bool eof = false;
  bool discarding = false;  // inside a line that was too long; skip to its newline
  while (!quit_ && !failed_ && !eof) {
    // Group commit: after one blocking read, take everything else already buffered (batch mode) before the fsync.
    do {
      size_t got = 0;
      Status s = io::ReadSome(in_fd, chunk.data(), chunk.size(), &got);
      if (!s.ok()) {
        slog::Error("cannot read requests", {{"error", s.ToString()}});
        return kExitIOError;
      }
      eof = got == 0;
      input.append(chunk.data(), got);
    } while (sync_ == SyncMode::kBatch && !eof && input.size() < kMaxBatchBytes && io::InputPending(in_fd));

    size_t start = 0;
    for (size_t nl; !quit_ && !failed_ && (nl = input.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!discarding) HandleLine(std::string_view(input).substr(start, nl - start));
      discarding = false;
    }
    input.erase(0, start);
    const size_t max_line = protocol_ >= 2 ? faultline::protocol::kMaxRequestBytesV2 + 1 : kMaxLineBytes;
    if (!discarding && input.size() > max_line) {
      replies_.push_back({"ERR line longer than " + std::to_string(max_line) + " bytes", false});
      discarding = true;
    }
    if (discarding) input.clear();
    if (eof && !input.empty() && !quit_ && !failed_) HandleLine(input);  // a last line without its newline
    if (!failed_) SyncBatch();
    if (!Flush(out_fd)) return kExitIOError;
  }
  return failed_ ? kExitIOError : kExitOk;
}

void KvServer::HandleLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::vector<std::string_view> words = SplitWords(line);
  const std::string_view command = words[0];
  const auto malformed = [&](std::string_view why) { replies_.push_back({"ERR " + std::string(why), false}); };
  if (command == "PUT" || command == "DEL" || command == "GET") {
    const size_t want = command == "PUT" ? 3 : 2;
    if (words.size() != want) {
      return malformed(std::string(command) + " takes " + std::to_string(want - 1) + " argument(s)");
    }
    if (!ValidToken(words[1])) return malformed("key must be 1 to 64 characters of [A-Za-z0-9_.-]");
    if (want == 3 && protocol_ < 2 && !ValidToken(words[2]))
      return malformed("value must be 1 to 64 characters of [A-Za-z0-9_.-]");
  } else if ((command == "DUMP" || command == "QUIT" || command == "COMPACT") && words.size() != 1) {
    return malformed(std::string(command) + " takes no argument");
  }
  if (command == "PUT") {
    const auto value = faultline::protocol::decode_value(words[2], protocol_);
    if (!value) return malformed("value must be 1 to 65536 bytes in hex (engine protocol v2)");
    if (value->size() + words[1].size() + wal::kPayloadHeaderBytes > wal::kMaxPayloadBytes)
      return malformed("value too long for one log record: key and value at most " +
                       std::to_string(wal::kMaxPayloadBytes - wal::kPayloadHeaderBytes) + " bytes");
    HandleWrite(wal::Op::kPut, words[1], *value);
  } else if (command == "DEL") {
    HandleWrite(wal::Op::kDel, words[1], {});
  } else if (command == "GET") {
    const auto it = map_->find(words[1]);
    replies_.push_back(
        {it == map_->end() ? "NOTFOUND" : "VALUE " + faultline::protocol::encode_value(it->second, protocol_), false});
  } else if (command == "DUMP") {
    for (const auto& [key, value] : *map_)
      replies_.push_back({"ENTRY " + key + " " + faultline::protocol::encode_value(value, protocol_), false});
    replies_.push_back({"END", false});
  } else if (command == "COMPACT" && compaction_.env == nullptr) {
    malformed("compaction is not available: this server has no data directory");
  } else if (command == "COMPACT") {
    if (Compact()) replies_.push_back({"OK", false});
  } else if (command == "QUIT") {
    quit_ = true;
  } else {
    malformed("unknown request");
  }
  const bool write = command == "PUT" || command == "DEL";
  if (write && !failed_ && compaction_.after_records != 0 && ++writes_since_compaction_ >= compaction_.after_records) {
    Compact();  // --compact-after: no reply of its own; an error is fail-stop like any write's
  }
}

void KvServer::HandleWrite(wal::Op op, std::string_view key, std::string_view value) {
  Status s = writer_->Add(op, key, value);
  if (s.ok() && sync_ == SyncMode::kAlways) s = writer_->Sync();
  if (!s.ok()) {
    replies_.push_back({"ERR " + s.ToString(), false});
    FailStop(s);
    return;
  }
  ApplyRecord(wal::RecordView{writer_->last_sequence(), op, key, value}, map_);
  replies_.push_back({"OK", sync_ == SyncMode::kBatch});
}

bool KvServer::Compact() {
  std::unique_ptr<WritableFile> log;
  Status s = compaction_.env == nullptr
                 ? Status::InvalidArgument("compaction is not available: this server has no data directory")
                 : walkv::Compact(compaction_.env, compaction_.dir, *map_, writer_->last_sequence(), &log);
  if (s.ok()) s = writer_->ReplaceFile(std::move(log));
  if (!s.ok()) {
    replies_.push_back({"ERR compaction failed: " + s.ToString(), false});
    FailStop(s);
    return false;
  }
  writes_since_compaction_ = 0;
  slog::Info("compacted", {{"dir", compaction_.dir}, {"last_sequence", writer_->last_sequence()},
                           {"keys", map_->size()}});
  return true;
}

bool KvServer::SyncBatch() {
  const bool pending = std::any_of(replies_.begin(), replies_.end(), [](const Reply& r) { return r.awaits_sync; });
  if (!pending) return true;
  Status s = writer_->Sync();
  if (!s.ok()) {
    FailStop(s);
    return false;
  }
  for (Reply& r : replies_) r.awaits_sync = false;
  return true;
}

void KvServer::FailStop(const Status& error) {
  failed_ = true;
  // Written but not covered by a successful fsync: these must never be acknowledged (docs/design-notes.md §1.7).
  for (Reply& r : replies_) {
    if (r.awaits_sync) r = Reply{"ERR " + error.ToString(), false};
  }
  slog::Error("write failed: no further writes are acknowledged; exiting",
              {{"error", error.ToString()}, {"exit_code", kExitIOError}});
}

bool KvServer::Flush(int out_fd) {
  if (replies_.empty()) return true;
  std::string out;
  for (const Reply& r : replies_) {
    out += r.text;
    out += '\n';
  }
  replies_.clear();
  Status s = io::WriteAll(out_fd, out);
  if (!s.ok()) slog::Error("cannot write replies", {{"error", s.ToString()}});
  return s.ok();
}

}  // namespace walkv
