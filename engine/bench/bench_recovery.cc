// bench_recovery: how fast recovery reads a log, next to a raw sequential read() of the same file in the same run.
// Recovery here is the whole reader path: read, frame, CRC every record, check its sequence, decode its payload;
// then the same again replaying into the key-value map (keys cycle, so the map stays small and the figure is about
// the log, not about hashing).
//
//   bench_recovery [--dir /dev/shm/walkv-bench] [--bytes 1073741824] [--record-bytes 100] [--runs 3] [--keep]
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "walkv/data_dir.h"
#include "walkv/kv_server.h"
#include "walkv/recovery.h"
#include "walkv/wal_reader.h"
#include "walkv/wal_writer.h"

namespace {

using Clock = std::chrono::steady_clock;
using walkv::Status;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// Writes whole frames of record_bytes each until the log holds at least bytes.
uint64_t CreateLog(const std::string& dir, uint64_t bytes, size_t record_bytes, uint64_t* records) {
  const size_t key_bytes = 16;
  const size_t value_bytes = record_bytes - walkv::wal::kFrameOverheadBytes - walkv::wal::kPayloadHeaderBytes - key_bytes;
  const std::string value(value_bytes, 'v');
  std::unique_ptr<walkv::WritableFile> file;
  if (!walkv::Env::Default()->NewWritableFile(walkv::LogPath(dir), &file).ok()) return 0;
  std::string batch;
  uint64_t written = 0;
  char key[32];
  for (*records = 0; written < bytes; ++*records) {
    std::snprintf(key, sizeof key, "key-%012llu", static_cast<unsigned long long>(*records % 10000));
    const size_t before = batch.size();
    (void)walkv::wal::AppendFrame({*records + 1, walkv::wal::Op::kPut, key, value}, &batch);
    written += batch.size() - before;
    if (batch.size() >= (4 << 20)) {
      if (!file->Append(batch).ok()) return 0;
      batch.clear();
    }
  }
  if (!file->Append(batch).ok() || !file->Close().ok()) return 0;
  return written;
}

double RawRead(const std::string& path) {
  const auto start = Clock::now();
  const int fd = ::open(path.c_str(), O_RDONLY);
  std::vector<char> buffer(1 << 20);  // the reader's window is 1 MiB + one maximal frame
  while (::read(fd, buffer.data(), buffer.size()) > 0) {
  }
  ::close(fd);
  return Seconds(start);
}

double ReaderOnly(const std::string& path, uint64_t* records) {
  const auto start = Clock::now();
  std::unique_ptr<walkv::ReadableFile> file;
  if (!walkv::Env::Default()->NewReadableFile(path, &file).ok()) return -1;
  walkv::wal::WalReader reader(file.get());
  walkv::wal::WalReader::Event event;
  while (reader.Next(&event).ok() && event == walkv::wal::WalReader::Event::kRecord) {
  }
  *records = reader.records();
  return event == walkv::wal::WalReader::Event::kEnd ? Seconds(start) : -1;
}

double FullRecovery(const std::string& dir) {
  const auto start = Clock::now();
  walkv::KvMap map;
  walkv::RecoveryResult result;
  Status s = walkv::Recover(walkv::Env::Default(), dir, walkv::RecoveryMode::kTornTail,
                            [&](const walkv::wal::RecordView& r) { walkv::ApplyRecord(r, &map); }, &result);
  return s.ok() && !result.damage ? Seconds(start) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_recovery: recovery throughput next to raw read() of the same log"};
  std::string dir = "/dev/shm/walkv-bench";
  uint64_t bytes = 1ULL << 30;
  size_t record_bytes = 100;
  int runs = 3;
  bool keep = false;
  app.add_option("--dir", dir, "scratch directory (tmpfs, so the disk is not what is measured)");
  app.add_option("--bytes", bytes, "log size");
  app.add_option("--record-bytes", record_bytes, "bytes per frame")->check(CLI::Range(48, 60000));
  app.add_option("--runs", runs, "runs of each measurement; the best is reported")->check(CLI::Range(1, 100));
  app.add_flag("--keep", keep, "keep the log afterwards");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::create_directories(dir);
  uint64_t records = 0;
  const auto created = Clock::now();
  const uint64_t size = CreateLog(dir, bytes, record_bytes, &records);
  if (size == 0) {
    std::fprintf(stderr, "bench_recovery: cannot write %s\n", walkv::LogPath(dir).c_str());
    return 4;
  }
  std::printf("log: %s, %llu bytes, %llu records of %zu bytes (written in %.2f s)\n", walkv::LogPath(dir).c_str(),
              static_cast<unsigned long long>(size), static_cast<unsigned long long>(records), record_bytes,
              Seconds(created));

  double raw = 1e9, reader = 1e9, full = 1e9;
  uint64_t read_records = 0;
  for (int i = 0; i < runs; ++i) {  // interleaved, so both see the same machine state
    raw = std::min(raw, RawRead(walkv::LogPath(dir)));
    reader = std::min(reader, ReaderOnly(walkv::LogPath(dir), &read_records));
    full = std::min(full, FullRecovery(dir));
  }
  if (reader < 0 || full < 0 || read_records != records) {
    std::fprintf(stderr, "bench_recovery: recovery did not read the whole log cleanly\n");
    return 3;
  }
  const double gb = static_cast<double>(size) / 1e9;
  std::printf("raw read():                          %6.2f GB/s  (%.3f s)\n", gb / raw, raw);
  std::printf("recovery read+frame+CRC+decode:      %6.2f GB/s  (%.3f s)  ratio %.2f\n", gb / reader, reader, raw / reader);
  std::printf("recovery + replay into the map:      %6.2f GB/s  (%.3f s)  ratio %.2f\n", gb / full, full, raw / full);
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
