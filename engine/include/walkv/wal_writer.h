// Appending records to a WAL. Fail-stop: after the first failed write or fsync the writer refuses everything, because
// on Linux a failed fsync may have dropped the data while marking the pages clean (docs/design-notes.md §1.7), and a
// partial frame may be in the file (§1.6). The caller must not acknowledge anything more and should exit; the next
// start's recovery decides what the file holds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "walkv/env.h"
#include "walkv/status.h"
#include "walkv/wal_format.h"

namespace walkv::wal {

class WalWriter {
 public:
  // file appends at the end of a log whose last valid sequence is last_sequence (0 for an empty log), and whose
  // damage, if any, recovery has already cut off (never append after garbage, docs/design-notes.md §1.5).
  WalWriter(std::unique_ptr<WritableFile> file, uint64_t last_sequence);

  // Appends one record with the next sequence number as one frame in one Append (one write() call).
  // InvalidArgument for a record the format cannot hold (the writer stays usable); IOError otherwise (fail-stop).
  Status Add(Op op, std::string_view key, std::string_view value);
  // fsync of everything added so far.
  Status Sync();
  // Continues in file (a new, empty log that compaction made durable, compaction.h) and closes the old one. The
  // sequence numbers go on from last_sequence().
  Status ReplaceFile(std::unique_ptr<WritableFile> file);

  uint64_t last_sequence() const { return last_sequence_; }
  bool failed() const { return !error_.ok(); }

 private:
  std::unique_ptr<WritableFile> file_;
  uint64_t last_sequence_;
  std::string frame_;  // reused for every record
  Status error_;       // the first write or fsync failure, returned by every later call
};

}  // namespace walkv::wal
