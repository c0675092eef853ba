#include "walkv/wal_writer.h"

namespace walkv::wal {

WalWriter::WalWriter(std::unique_ptr<WritableFile> file, uint64_t last_sequence)
    : file_(std::move(file)), last_sequence_(last_sequence) {}

Status WalWriter::Add(Op op, std::string_view key, std::string_view value) {
  if (!error_.ok()) return error_;
  frame_.clear();
  const RecordView record{last_sequence_ + 1, op, key, value};
  Status s = AppendFrame(record, &frame_);  // checks the maximum size before anything reaches the file
  if (!s.ok()) return s;
  s = file_->Append(frame_);
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  last_sequence_ = record.sequence;
  return Status::Ok();
}

Status WalWriter::Sync() {
  if (!error_.ok()) return error_;
  Status s = file_->Sync();
  if (!s.ok()) error_ = s;
  return s;
}

Status WalWriter::ReplaceFile(std::unique_ptr<WritableFile> file) {
  if (!error_.ok()) return error_;
  (void)file_->Close();  // everything it holds is in the snapshot already: a failed close loses nothing
  file_ = std::move(file);
  return Status::Ok();
}

}  // namespace walkv::wal
