#include "file_window.h"

#include <algorithm>
#include <cassert>

namespace walkv::wal {

FileWindow::FileWindow(ReadableFile* file, size_t capacity)
    : file_(file), capacity_(capacity), buffer_(new char[capacity]) {}

Status FileWindow::FetchSlow(uint64_t offset, size_t n, std::string_view* view) {
  assert(n <= capacity_);
  const uint64_t end = start_ + size_;
  const bool buffered_reaches_eof = eof_.has_value() && *eof_ == end;
  if (offset >= start_ && (offset + n <= end || (buffered_reaches_eof && offset <= end))) {
    const size_t skip = static_cast<size_t>(offset - start_);
    *view = std::string_view(buffer_.get() + skip, std::min(n, size_ - skip));
    return Status::Ok();
  }
  if (eof_.has_value() && offset >= *eof_) {
    *view = std::string_view();
    return Status::Ok();
  }
  // Refill from offset. ReadAt retries short reads, so fewer bytes than asked means read() returned 0: EOF.
  size_t got = 0;
  Status s = file_->ReadAt(offset, capacity_, buffer_.get(), &got);
  if (!s.ok()) {
    size_ = 0;
    return s;
  }
  start_ = offset;
  size_ = got;
  if (got < capacity_) eof_ = offset + got;
  *view = std::string_view(buffer_.get(), std::min(n, got));
  return Status::Ok();
}

Status FileWindow::FindEof(uint64_t offset, uint64_t* eof) {
  while (!eof_.has_value()) {
    std::string_view view;
    Status s = Fetch(offset, capacity_, &view);
    if (!s.ok()) return s;
    offset += view.size();
  }
  *eof = *eof_;
  return Status::Ok();
}

}  // namespace walkv::wal
