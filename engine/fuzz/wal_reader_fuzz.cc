// libFuzzer target for the WAL reader: any bytes as a log, read the way `walkv dump` does (every record, every
// damaged span, resuming after each). Checks the reader's promises, not just that it does not crash:
//   - a record it accepts re-encodes to exactly the bytes it was read from (nothing is invented);
//   - sequence numbers strictly increase; nothing points outside the file;
//   - a torn tail is never mid-log damage, and "zeros to EOF" really is zeros;
//   - allocation never depends on a length field (run with -malloc_limit_mb just above the reader's buffer).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "walkv/wal_format.h"
#include "walkv/wal_reader.h"

namespace {

class MemoryFile final : public walkv::ReadableFile {
 public:
  explicit MemoryFile(std::string_view bytes) : bytes_(bytes) {}
  walkv::Status ReadAt(uint64_t offset, size_t n, char* scratch, size_t* got) override {
    *got = offset >= bytes_.size() ? 0 : bytes_.copy(scratch, n, offset);
    return walkv::Status::Ok();
  }

 private:
  std::string_view bytes_;
};

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckRecord(const walkv::wal::WalReader& reader, std::string_view log, uint64_t* last_sequence) {
  const walkv::wal::RecordView& r = reader.record();
  std::string frame;
  Check(walkv::wal::AppendFrame(r, &frame).ok());
  Check(reader.record_offset() + frame.size() <= log.size());
  Check(log.substr(reader.record_offset(), frame.size()) == frame);
  Check(r.sequence > *last_sequence);
  *last_sequence = r.sequence;
}

void CheckDamage(const walkv::wal::Damage& d, std::string_view log) {
  Check(d.offset < log.size());
  Check(d.file_bytes == log.size());
  if (d.next_valid_offset) Check(*d.next_valid_offset > d.offset && *d.next_valid_offset < log.size());
  if (d.IsTornTail()) Check(!d.IsMidLog());
  if (d.zero_to_eof) {
    for (char c : log.substr(d.offset)) Check(c == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view log(reinterpret_cast<const char*>(data), size);
  MemoryFile file(log);
  walkv::wal::WalReader reader(&file);
  uint64_t last_sequence = 0;
  for (size_t steps = 0; steps <= size + 1; ++steps) {  // every step consumes at least one byte
    walkv::wal::WalReader::Event event;
    Check(reader.Next(&event).ok());  // an in-memory file never fails
    if (event == walkv::wal::WalReader::Event::kEnd) {
      Check(reader.position() == size);
      return 0;
    }
    if (event == walkv::wal::WalReader::Event::kRecord) {
      CheckRecord(reader, log, &last_sequence);
      continue;
    }
    CheckDamage(reader.damage(), log);
    if (!reader.ResumeAfterDamage()) return 0;
  }
  std::abort();  // the walk did not terminate
}
