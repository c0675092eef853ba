// A read buffer over a ReadableFile that serves byte ranges by offset. The WAL reader walks frames sequentially and,
// after damage, scans forward; both ask for ranges that are usually already buffered.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "walkv/env.h"

namespace walkv::wal {

class FileWindow {
 public:
  // capacity is the largest range Fetch may be asked for.
  FileWindow(ReadableFile* file, size_t capacity);

  // Points *view at the bytes [offset, offset + n); the view is shorter only where the file ends. The view stays
  // valid until the next Fetch.
  Status Fetch(uint64_t offset, size_t n, std::string_view* view) {
    // Fast path, inline: the range is already buffered (almost every frame of a sequential replay).
    if (offset >= start_ && offset + n <= start_ + size_) {
      *view = std::string_view(buffer_.get() + (offset - start_), n);
      return Status::Ok();
    }
    return FetchSlow(offset, n, view);
  }

  // The bytes already buffered from offset on, without reading (empty if offset is not buffered).
  std::string_view Buffered(uint64_t offset) const {
    if (offset < start_ || offset >= start_ + size_) return {};
    return std::string_view(buffer_.get() + (offset - start_), static_cast<size_t>(start_ + size_ - offset));
  }

  // Where the file ends, once a read has reached it.
  std::optional<uint64_t> eof() const { return eof_; }
  // Reads on from offset until a read reaches the end (if none has yet) and returns where the file ends.
  Status FindEof(uint64_t offset, uint64_t* eof);
  size_t capacity() const { return capacity_; }

 private:
  Status FetchSlow(uint64_t offset, size_t n, std::string_view* view);

  ReadableFile* file_;
  size_t capacity_;
  std::unique_ptr<char[]> buffer_;
  uint64_t start_ = 0;  // file offset of buffer_[0]
  size_t size_ = 0;     // valid bytes in buffer_
  std::optional<uint64_t> eof_;
};

}  // namespace walkv::wal
