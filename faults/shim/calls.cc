// The interposed calls: one table of {call, wrapper, saved original}, then the wrappers themselves.
//
// Every wrapper first asks whether its descriptor is a target (one load from the fd table) and otherwise calls the
// original at once: that is the whole cost for the program's other files, sockets and pipes. The originals are
// found with dlsym(RTLD_NEXT) on first use, so a call that arrives before our constructor ran (from another
// library's constructor) works too; the lookup is idempotent, so racing threads at worst look up the same pointer.
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs.h"


// glibc entry points that only the fortified headers declare.
extern "C" {
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dirfd, const char* path, int flags);
int __openat64_2(int dirfd, const char* path, int flags);
ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);
ssize_t __pread_chk(int fd, void* buf, size_t nbytes, off_t offset, size_t buflen);
ssize_t __pread64_chk(int fd, void* buf, size_t nbytes, off64_t offset, size_t buflen);
}

namespace faultfs {

#define FAULTFS_ROW(name) {#name, reinterpret_cast<void*>(&::name), nullptr},
Syscall g_calls[kCallCount] = {FAULTFS_CALLS(FAULTFS_ROW)};
#undef FAULTFS_ROW

void* resolve(Call call) {
  void* p = dlsym(RTLD_NEXT, g_calls[call].name);
  if (p == g_calls[call].wrapper) p = nullptr;  // never call ourselves
  if (p != nullptr) __atomic_store_n(&g_calls[call].original, p, __ATOMIC_RELEASE);
  return p;
}

}  // namespace faultfs

using namespace faultfs;

namespace {

template <typename F>
F must(Call call) {
  return real<F>(call);
}

mode_t mode_arg(int flags, va_list ap) {
  if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) return static_cast<mode_t>(va_arg(ap, int));
  return 0;
}

ssize_t enosys() {
  errno = ENOSYS;
  return -1;
}

ssize_t write_one(Call call, int fd, const void* buf, size_t n, int64_t off) {
  struct iovec v {const_cast<void*>(buf), n};
  return io_write({call, fd, &v, 1, off});
}

ssize_t read_one(Call call, int fd, void* buf, size_t n, int64_t off, size_t chk_len = 0) {
  struct iovec v {buf, n};
  IoCall c{call, fd, &v, 1, off};
  c.chk_len = chk_len;
  return io_read(c);
}

}  // namespace

// ---- open ----------------------------------------------------------------------------------------------------------

FAULTFS_EXPORT int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return open_common(c_open, AT_FDCWD, path, flags, mode);
}

FAULTFS_EXPORT int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return open_common(c_open64, AT_FDCWD, path, flags, mode);
}

FAULTFS_EXPORT int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return open_common(c_openat, dirfd, path, flags, mode);
}

FAULTFS_EXPORT int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return open_common(c_openat64, dirfd, path, flags, mode);
}

FAULTFS_EXPORT int __open_2(const char* path, int flags) { return open_common(c___open_2, AT_FDCWD, path, flags, 0); }
FAULTFS_EXPORT int __open64_2(const char* path, int flags) {
  return open_common(c___open64_2, AT_FDCWD, path, flags, 0);
}
FAULTFS_EXPORT int __openat_2(int dirfd, const char* path, int flags) {
  return open_common(c___openat_2, dirfd, path, flags, 0);
}
FAULTFS_EXPORT int __openat64_2(int dirfd, const char* path, int flags) {
  return open_common(c___openat64_2, dirfd, path, flags, 0);
}
FAULTFS_EXPORT int creat(const char* path, mode_t mode) {
  return open_common(c_creat, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}
FAULTFS_EXPORT int creat64(const char* path, mode_t mode) {
  return open_common(c_creat64, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

FAULTFS_EXPORT FILE* fopen(const char* path, const char* mode) { return fopen_common(c_fopen, path, mode); }
FAULTFS_EXPORT FILE* fopen64(const char* path, const char* mode) { return fopen_common(c_fopen64, path, mode); }
FAULTFS_EXPORT FILE* fdopen(int fd, const char* mode) noexcept { return fdopen_common(fd, mode); }
FAULTFS_EXPORT int fclose(FILE* stream) { return fclose_common(stream); }

// ---- write ---------------------------------------------------------------------------------------------------------

FAULTFS_EXPORT ssize_t write(int fd, const void* buf, size_t n) {
  if (!fd_tracked(fd)) return untracked("write", fd, must<ssize_t (*)(int, const void*, size_t)>(c_write)(fd, buf, n));
  return write_one(c_write, fd, buf, n, -1);
}

FAULTFS_EXPORT ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  if (!fd_tracked(fd)) return untracked(
      "pwrite", fd, must<ssize_t (*)(int, const void*, size_t, off_t)>(c_pwrite)(fd, buf, n, off));
  return write_one(c_pwrite, fd, buf, n, off);
}

FAULTFS_EXPORT ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  if (!fd_tracked(fd)) return untracked(
      "pwrite64", fd, must<ssize_t (*)(int, const void*, size_t, off64_t)>(c_pwrite64)(fd, buf, n, off));
  return write_one(c_pwrite64, fd, buf, n, off);
}

FAULTFS_EXPORT ssize_t writev(int fd, const struct iovec* iov, int n) {
  if (!fd_tracked(fd)) return untracked(
      "writev", fd, must<ssize_t (*)(int, const struct iovec*, int)>(c_writev)(fd, iov, n));
  return io_write({c_writev, fd, iov, n, -1});
}

FAULTFS_EXPORT ssize_t pwritev(int fd, const struct iovec* iov, int n, off_t off) {
  if (!fd_tracked(fd)) return untracked(
      "pwritev", fd, must<ssize_t (*)(int, const struct iovec*, int, off_t)>(c_pwritev)(fd, iov, n, off));
  return io_write({c_pwritev, fd, iov, n, off});
}

FAULTFS_EXPORT ssize_t pwritev64(int fd, const struct iovec* iov, int n, off64_t off) {
  if (!fd_tracked(fd)) return untracked(
      "pwritev64", fd, must<ssize_t (*)(int, const struct iovec*, int, off64_t)>(c_pwritev64)(fd, iov, n, off));
  return io_write({c_pwritev64, fd, iov, n, off});
}

FAULTFS_EXPORT ssize_t pwritev2(int fd, const struct iovec* iov, int n, off_t off, int flags) {
  auto fn = real<ssize_t (*)(int, const struct iovec*, int, off_t, int)>(c_pwritev2);
  if (fn == nullptr) return enosys();
  if (!fd_tracked(fd)) return untracked("pwritev2", fd, fn(fd, iov, n, off, flags));
  IoCall c{c_pwritev2, fd, iov, n, off < 0 ? -1 : off};
  c.rwf = flags;
  return io_write(c);
}

FAULTFS_EXPORT ssize_t pwritev64v2(int fd, const struct iovec* iov, int n, off64_t off, int flags) {
  auto fn = real<ssize_t (*)(int, const struct iovec*, int, off64_t, int)>(c_pwritev64v2);
  if (fn == nullptr) return enosys();
  if (!fd_tracked(fd)) return untracked("pwritev64v2", fd, fn(fd, iov, n, off, flags));
  IoCall c{c_pwritev64v2, fd, iov, n, off < 0 ? -1 : off};
  c.rwf = flags;
  return io_write(c);
}

// ---- read ----------------------------------------------------------------------------------------------------------

FAULTFS_EXPORT ssize_t read(int fd, void* buf, size_t n) {
  if (!fd_tracked(fd)) return must<ssize_t (*)(int, void*, size_t)>(c_read)(fd, buf, n);
  return read_one(c_read, fd, buf, n, -1);
}

FAULTFS_EXPORT ssize_t pread(int fd, void* buf, size_t n, off_t off) {
  if (!fd_tracked(fd)) return must<ssize_t (*)(int, void*, size_t, off_t)>(c_pread)(fd, buf, n, off);
  return read_one(c_pread, fd, buf, n, off);
}

FAULTFS_EXPORT ssize_t pread64(int fd, void* buf, size_t n, off64_t off) {
  if (!fd_tracked(fd)) return must<ssize_t (*)(int, void*, size_t, off64_t)>(c_pread64)(fd, buf, n, off);
  return read_one(c_pread64, fd, buf, n, off);
}

FAULTFS_EXPORT ssize_t readv(int fd, const struct iovec* iov, int n) {
  if (!fd_tracked(fd)) return must<ssize_t (*)(int, const struct iovec*, int)>(c_readv)(fd, iov, n);
  return io_read({c_readv, fd, iov, n, -1});
}

FAULTFS_EXPORT ssize_t preadv(int fd, const struct iovec* iov, int n, off_t off) {
  if (!fd_tracked(fd)) return must<ssize_t (*)(int, const struct iovec*, int, off_t)>(c_preadv)(fd, iov, n, off);
  return io_read({c_preadv, fd, iov, n, off});
}

FAULTFS_EXPORT ssize_t preadv64(int fd, const struct iovec* iov, int n, off64_t off) {
  if (!fd_tracked(fd)) return must<ssize_t (*)(int, const struct iovec*, int, off64_t)>(c_preadv64)(fd, iov, n, off);
  return io_read({c_preadv64, fd, iov, n, off});
}

FAULTFS_EXPORT ssize_t preadv2(int fd, const struct iovec* iov, int n, off_t off, int flags) {
  auto fn = real<ssize_t (*)(int, const struct iovec*, int, off_t, int)>(c_preadv2);
  if (fn == nullptr) return enosys();
  if (!fd_tracked(fd)) return fn(fd, iov, n, off, flags);
  IoCall c{c_preadv2, fd, iov, n, off < 0 ? -1 : off};
  c.rwf = flags;
  return io_read(c);
}

FAULTFS_EXPORT ssize_t preadv64v2(int fd, const struct iovec* iov, int n, off64_t off, int flags) {
  auto fn = real<ssize_t (*)(int, const struct iovec*, int, off64_t, int)>(c_preadv64v2);
  if (fn == nullptr) return enosys();
  if (!fd_tracked(fd)) return fn(fd, iov, n, off, flags);
  IoCall c{c_preadv64v2, fd, iov, n, off < 0 ? -1 : off};
  c.rwf = flags;
  return io_read(c);
}

FAULTFS_EXPORT ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  auto fn = real<ssize_t (*)(int, void*, size_t, size_t)>(c___read_chk);
  if (fn == nullptr) return enosys();
  if (!fd_tracked(fd) || n > buflen) return fn(fd, buf, n, buflen);  // the original reports the overflow
  return read_one(c___read_chk, fd, buf, n, -1, buflen);
}

FAULTFS_EXPORT ssize_t __pread_chk(int fd, void* buf, size_t n, off_t off, size_t buflen) {
  auto fn = real<ssize_t (*)(int, void*, size_t, off_t, size_t)>(c___pread_chk);
  if (fn == nullptr) return enosys();
  if (!fd_tracked(fd) || n > buflen) return fn(fd, buf, n, off, buflen);
  return read_one(c___pread_chk, fd, buf, n, off, buflen);
}

FAULTFS_EXPORT ssize_t __pread64_chk(int fd, void* buf, size_t n, off64_t off, size_t buflen) {
  auto fn = real<ssize_t (*)(int, void*, size_t, off64_t, size_t)>(c___pread64_chk);
  if (fn == nullptr) return enosys();
  if (!fd_tracked(fd) || n > buflen) return fn(fd, buf, n, off, buflen);
  return read_one(c___pread64_chk, fd, buf, n, off, buflen);
}

// ---- sync ----------------------------------------------------------------------------------------------------------

FAULTFS_EXPORT int fsync(int fd) {
  if (!fd_tracked(fd)) return untracked("fsync", fd, must<int (*)(int)>(c_fsync)(fd));
  return do_sync(c_fsync, fd, 0, 0, 0);
}

FAULTFS_EXPORT int fdatasync(int fd) {
  if (!fd_tracked(fd)) return untracked("fdatasync", fd, must<int (*)(int)>(c_fdatasync)(fd));
  return do_sync(c_fdatasync, fd, 0, 0, 0);
}

FAULTFS_EXPORT int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags) {
  if (!fd_tracked(fd)) return must<int (*)(int, off64_t, off64_t, unsigned)>(c_sync_file_range)(fd, off, n, flags);
  return do_sync(c_sync_file_range, fd, off, n, flags);
}

// ---- size and namespace --------------------------------------------------------------------------------------------

FAULTFS_EXPORT int ftruncate(int fd, off_t size) noexcept { return truncate_common(c_ftruncate, nullptr, fd, size); }
FAULTFS_EXPORT int ftruncate64(int fd, off64_t size) noexcept {
  return truncate_common(c_ftruncate64, nullptr, fd, size);
}
FAULTFS_EXPORT int truncate(const char* path, off_t size) noexcept {
  return truncate_common(c_truncate, path, -1, size);
}
FAULTFS_EXPORT int truncate64(const char* path, off64_t size) noexcept {
  return truncate_common(c_truncate64, path, -1, size);
}
FAULTFS_EXPORT int fallocate(int fd, int mode, off_t off, off_t len) {
  return fallocate_common(c_fallocate, fd, mode, off, len);
}
FAULTFS_EXPORT int fallocate64(int fd, int mode, off64_t off, off64_t len) {
  return fallocate_common(c_fallocate64, fd, mode, off, len);
}
FAULTFS_EXPORT int posix_fallocate(int fd, off_t off, off_t len) {
  return fallocate_common(c_posix_fallocate, fd, 0, off, len);
}
FAULTFS_EXPORT int posix_fallocate64(int fd, off64_t off, off64_t len) {
  return fallocate_common(c_posix_fallocate64, fd, 0, off, len);
}

FAULTFS_EXPORT int rename(const char* from, const char* to) noexcept {
  return rename_common(c_rename, AT_FDCWD, from, AT_FDCWD, to, 0);
}
FAULTFS_EXPORT int renameat(int olddir, const char* from, int newdir, const char* to) noexcept {
  return rename_common(c_renameat, olddir, from, newdir, to, 0);
}
FAULTFS_EXPORT int renameat2(int olddir, const char* from, int newdir, const char* to, unsigned flags) noexcept {
  return rename_common(c_renameat2, olddir, from, newdir, to, flags);
}
FAULTFS_EXPORT int unlink(const char* path) noexcept { return unlink_common(c_unlink, AT_FDCWD, path, 0); }
FAULTFS_EXPORT int unlinkat(int dirfd, const char* path, int flags) noexcept {
  return unlink_common(c_unlinkat, dirfd, path, flags);
}
FAULTFS_EXPORT int remove(const char* path) noexcept { return unlink_common(c_remove, AT_FDCWD, path, 0); }

// ---- descriptors ---------------------------------------------------------------------------------------------------

FAULTFS_EXPORT int dup(int fd) noexcept {
  const int r = must<int (*)(int)>(c_dup)(fd);
  if (r >= 0 && fd_tracked(fd)) after_dup(fd, r);
  return r;
}

FAULTFS_EXPORT int dup2(int fd, int fd2) noexcept {
  if (fd2 >= 0 && fd2 == journal_fd() && fd != fd2) move_journal_fd_away(fd2);
  const int r = must<int (*)(int, int)>(c_dup2)(fd, fd2);
  if (r >= 0 && r != fd && (fd_tracked(fd) || fd_tracked(r))) after_dup(fd, r);
  return r;
}

FAULTFS_EXPORT int dup3(int fd, int fd2, int flags) noexcept {
  if (fd2 >= 0 && fd2 == journal_fd() && fd != fd2) move_journal_fd_away(fd2);
  const int r = must<int (*)(int, int, int)>(c_dup3)(fd, fd2, flags);
  if (r >= 0 && (fd_tracked(fd) || fd_tracked(r))) after_dup(fd, r);
  return r;
}

FAULTFS_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);  // as glibc does: every argument fits a pointer-sized register
  va_end(ap);
  return fcntl_common(c_fcntl, fd, cmd, arg);
}

FAULTFS_EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return fcntl_common(c_fcntl64, fd, cmd, arg);
}

FAULTFS_EXPORT int close(int fd) { return close_common(fd); }
FAULTFS_EXPORT int close_range(unsigned int first, unsigned int last, int flags) noexcept {
  return close_range_common(first, last, flags);
}
FAULTFS_EXPORT void closefrom(int lowfd) noexcept {
  if (lowfd < 0) lowfd = 0;
  if (close_range_common(static_cast<unsigned>(lowfd), ~0U, 0) != 0) {
    // close_range is missing (old kernel): close one by one, as glibc's fallback does.
    for (int fd = lowfd; fd < kMaxFd; ++fd) {
      if (fd != journal_fd()) close_common(fd);
    }
  }
}

// ---- writes the shim cannot follow ---------------------------------------------------------------------------------

FAULTFS_EXPORT void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) noexcept {
  if (fd_tracked(fd)) note_mmap("mmap", prot, flags, fd);
  return must<void* (*)(void*, size_t, int, int, int, off_t)>(c_mmap)(addr, len, prot, flags, fd, off);
}

FAULTFS_EXPORT void* mmap64(void* addr, size_t len, int prot, int flags, int fd, off64_t off) noexcept {
  if (fd_tracked(fd)) note_mmap("mmap64", prot, flags, fd);
  return must<void* (*)(void*, size_t, int, int, int, off64_t)>(c_mmap64)(addr, len, prot, flags, fd, off);
}

FAULTFS_EXPORT ssize_t copy_file_range(int in, off64_t* in_off, int out, off64_t* out_off, size_t len,
                                       unsigned int flags) {
  if (fd_tracked(out)) note_untracked_write("copy_file_range", out, "the kernel copies without a write() call");
  auto fn = real<ssize_t (*)(int, off64_t*, int, off64_t*, size_t, unsigned)>(c_copy_file_range);
  if (fn == nullptr) return enosys();
  return fn(in, in_off, out, out_off, len, flags);
}

FAULTFS_EXPORT ssize_t sendfile(int out, int in, off_t* off, size_t count) noexcept {
  if (fd_tracked(out)) note_untracked_write("sendfile", out, "the kernel copies without a write() call");
  return must<ssize_t (*)(int, int, off_t*, size_t)>(c_sendfile)(out, in, off, count);
}

FAULTFS_EXPORT ssize_t sendfile64(int out, int in, off64_t* off, size_t count) noexcept {
  if (fd_tracked(out)) note_untracked_write("sendfile64", out, "the kernel copies without a write() call");
  return must<ssize_t (*)(int, int, off64_t*, size_t)>(c_sendfile64)(out, in, off, count);
}
