// Helpers for the engine tests: real logs written by the real writer, then edited byte by byte (as LevelDB's
// log_test does), and a reader/recovery front end that returns plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "walkv/env.h"
#include "walkv/kv_server.h"
#include "walkv/recovery.h"
#include "walkv/wal_reader.h"

namespace walkv::test {

// A fresh directory under /dev/shm (or $TMPDIR), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string log() const;
  // Names of the files in the directory, sorted.
  std::vector<std::string> Files() const;

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& bytes);
void AppendToFile(const std::string& path, const std::string& bytes);
void TruncateTo(const std::string& path, uint64_t size);
void FlipBit(const std::string& path, uint64_t offset, int bit = 0);
void OverwriteAt(const std::string& path, uint64_t offset, const std::string& bytes);
uint64_t FileSize(const std::string& path);
std::string Fixed32(uint32_t v);

// Writes records PUT key<i> value<i> for i in [first, first + count) to the log in dir with the real writer, and
// returns the offset of each frame. Continues an existing log (sequence numbers continue too).
std::vector<uint64_t> WriteRecords(const std::string& dir, int count, int first = 0);
// One frame's bytes, as the writer encodes it.
std::string Frame(uint64_t sequence, const std::string& key, const std::string& value);

struct ReadOutcome {
  std::vector<std::pair<std::string, std::string>> records;  // key, value of each valid record before the damage
  uint64_t last_sequence = 0;
  std::optional<wal::Damage> damage;
};
ReadOutcome ReadLog(const std::string& path);

struct RecoverOutcome {
  Status status;
  std::map<std::string, std::string> state;
  RecoveryResult result;
};
RecoverOutcome RecoverDir(const std::string& dir, RecoveryMode mode, Env* env = Env::Default());

}  // namespace walkv::test

namespace walkv::test {

// An in-memory WritableFile that records what the writer does and fails on request.
struct FakeLog {
  std::string bytes;
  int appends = 0;
  int syncs = 0;
  int fail_append_at = 0;  // 1-based Append that fails (after writing half of it); 0 never
  int fail_sync_at = 0;    // 1-based Sync that fails; 0 never
};

class FakeLogFile final : public WritableFile {
 public:
  explicit FakeLogFile(FakeLog* log) : log_(log) {}
  Status Append(std::string_view data) override;
  Status Sync() override;
  Status Close() override { return Status::Ok(); }

 private:
  FakeLog* log_;
};

}  // namespace walkv::test
