#include "walkv/backup.h"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

namespace walkv {
namespace {

constexpr size_t kCopyChunkBytes = 1 << 20;

// Left uninitialised: a torn tail is usually a few bytes, and zero-filling 1 MiB (256 page faults, then an munmap)
// was most of what saving it cost.
struct ChunkBuffer {
  std::unique_ptr<char[]> bytes = std::make_unique_for_overwrite<char[]>(kCopyChunkBytes);
  char* get() const { return bytes.get(); }
};

std::string DirOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

// Whether the file at other_path holds exactly the bytes [from, EOF) of the file at path.
Status SameTail(Env* env, const std::string& path, uint64_t from, const std::string& other_path, bool* same) {
  std::unique_ptr<ReadableFile> src, other;
  Status s = env->NewReadableFile(path, &src);
  if (s.ok()) s = env->NewReadableFile(other_path, &other);
  if (!s.ok()) return s;
  const ChunkBuffer a, b;
  for (uint64_t offset = 0;; offset += kCopyChunkBytes) {
    size_t got_a = 0, got_b = 0;
    s = src->ReadAt(from + offset, kCopyChunkBytes, a.get(), &got_a);
    if (s.ok()) s = other->ReadAt(offset, kCopyChunkBytes, b.get(), &got_b);
    if (!s.ok()) return s;
    if (got_a != got_b || !std::equal(a.get(), a.get() + got_a, b.get())) {
      *same = false;
      return Status::Ok();
    }
    if (got_a < kCopyChunkBytes) break;
  }
  *same = true;
  return Status::Ok();
}

Status CopyTail(Env* env, const std::string& path, uint64_t from, const std::string& to) {
  std::unique_ptr<ReadableFile> src;
  std::unique_ptr<WritableFile> dst;
  Status s = env->NewReadableFile(path, &src);
  if (s.ok()) s = env->NewWritableFile(to, &dst);
  if (!s.ok()) return s;
  const ChunkBuffer chunk;
  for (uint64_t offset = from;; offset += kCopyChunkBytes) {
    size_t got = 0;
    s = src->ReadAt(offset, kCopyChunkBytes, chunk.get(), &got);
    if (s.ok() && got > 0) s = dst->Append(std::string_view(chunk.get(), got));
    if (!s.ok()) return s;
    if (got < kCopyChunkBytes) break;
  }
  s = dst->Sync();
  if (s.ok()) s = dst->Close();
  return s;
}

}  // namespace

Status SaveTail(Env* env, const std::string& path, uint64_t from, const std::string& backup_path,
                std::string* saved_as) {
  std::string candidate = backup_path;
  for (int suffix = 1;; ++suffix) {
    Status s = env->FileExists(candidate);
    if (s.IsNotFound()) break;
    if (!s.ok()) return s;
    bool same = false;
    s = SameTail(env, path, from, candidate, &same);
    if (!s.ok()) return s;
    if (same) {  // an earlier, interrupted run already saved these bytes
      *saved_as = candidate;
      return env->SyncDir(DirOf(candidate));
    }
    candidate = backup_path + "." + std::to_string(suffix);
  }
  // Write under a temporary name first: a crash mid-copy must not leave a partial file under the final name,
  // which a later run would not recognise as the same bytes.
  const std::string tmp = candidate + ".tmp";
  Status s = CopyTail(env, path, from, tmp);
  if (s.ok()) s = env->RenameFile(tmp, candidate);
  if (s.ok()) s = env->SyncDir(DirOf(candidate));
  if (s.ok()) *saved_as = candidate;
  return s;
}

Status CutTail(Env* env, const std::string& path, uint64_t from, const std::string& backup_path,
               std::string* saved_as) {
  Status s = SaveTail(env, path, from, backup_path, saved_as);
  if (!s.ok()) return s;
  return env->TruncateFile(path, from);  // fsyncs the file: the cut is durable before anyone appends
}

}  // namespace walkv
