#include "test_util.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "walkv/data_dir.h"
#include "walkv/wal_writer.h"

namespace walkv::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  const char* tmpdir = std::getenv("TMPDIR");
  const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::path(tmpdir ? tmpdir : "/tmp");
  path_ = (base / ("walkv-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++))).string();
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string TempDir::log() const { return LogPath(path_); }

std::vector<std::string> TempDir::Files() const {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void AppendToFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

void TruncateTo(const std::string& path, uint64_t size) { fs::resize_file(path, size); }

void FlipBit(const std::string& path, uint64_t offset, int bit) {
  std::string bytes = ReadFile(path);
  bytes.at(offset) = static_cast<char>(bytes.at(offset) ^ (1 << bit));
  WriteFile(path, bytes);
}

void OverwriteAt(const std::string& path, uint64_t offset, const std::string& bytes) {
  std::string all = ReadFile(path);
  if (offset + bytes.size() > all.size()) all.resize(offset + bytes.size());
  all.replace(offset, bytes.size(), bytes);
  WriteFile(path, all);
}

uint64_t FileSize(const std::string& path) { return fs::file_size(path); }

std::string Fixed32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), sizeof v); }

std::vector<uint64_t> WriteRecords(const std::string& dir, int count, int first) {
  const ReadOutcome before = fs::exists(LogPath(dir)) ? ReadLog(LogPath(dir)) : ReadOutcome{};
  std::unique_ptr<WritableFile> file;
  if (!Env::Default()->NewAppendableFile(LogPath(dir), &file).ok()) throw std::runtime_error("cannot open log");
  wal::WalWriter writer(std::move(file), before.last_sequence);
  std::vector<uint64_t> offsets;
  uint64_t offset = fs::file_size(LogPath(dir));
  for (int i = first; i < first + count; ++i) {
    offsets.push_back(offset);
    const std::string key = "key" + std::to_string(i), value = "value" + std::to_string(i);
    if (!writer.Add(wal::Op::kPut, key, value).ok()) throw std::runtime_error("write failed");
    offset += wal::kFrameOverheadBytes + wal::kPayloadHeaderBytes + key.size() + value.size();
  }
  if (!writer.Sync().ok()) throw std::runtime_error("fsync failed");
  return offsets;
}

std::string Frame(uint64_t sequence, const std::string& key, const std::string& value) {
  std::string out;
  if (!wal::AppendFrame({sequence, wal::Op::kPut, key, value}, &out).ok()) throw std::runtime_error("bad frame");
  return out;
}

ReadOutcome ReadLog(const std::string& path) {
  std::unique_ptr<ReadableFile> file;
  if (!Env::Default()->NewReadableFile(path, &file).ok()) throw std::runtime_error("cannot open " + path);
  wal::WalReader reader(file.get());
  ReadOutcome out;
  wal::WalReader::Event event;
  for (;;) {
    if (!reader.Next(&event).ok()) throw std::runtime_error("read error");
    if (event != wal::WalReader::Event::kRecord) break;
    out.records.emplace_back(reader.record().key, reader.record().value);
  }
  out.last_sequence = reader.last_sequence();
  if (event == wal::WalReader::Event::kDamage) out.damage = reader.damage();
  return out;
}

RecoverOutcome RecoverDir(const std::string& dir, RecoveryMode mode, Env* env) {
  RecoverOutcome out;
  KvMap map;
  out.status = Recover(env, dir, mode, [&](const wal::RecordView& r) { ApplyRecord(r, &map); }, &out.result);
  out.state = std::map<std::string, std::string>(map.begin(), map.end());
  return out;
}

}  // namespace walkv::test

namespace walkv::test {

Status FakeLogFile::Append(std::string_view data) {
  if (++log_->appends == log_->fail_append_at) {
    log_->bytes.append(data.substr(0, data.size() / 2));
    return Status::IOError("write: No space left on device (injected)");
  }
  log_->bytes.append(data);
  return Status::Ok();
}

Status FakeLogFile::Sync() {
  if (++log_->syncs == log_->fail_sync_at) return Status::IOError("fsync: Input/output error (injected)");
  return Status::Ok();
}

}  // namespace walkv::test
