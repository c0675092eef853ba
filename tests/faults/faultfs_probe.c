/* faultfs_probe: runs a script of file operations, one per argument, and prints what each call returned.
 *
 * Usage: faultfs_probe DIR OP... (chdir to DIR first). Each OP is one argument of blank-separated words:
 *   open PATH MODE      MODE letters: r (read), w (write), c (O_CREAT), t (O_TRUNC), a (O_APPEND), x (O_EXCL),
 *                       s (O_SYNC); "rw" reads and writes. The new fd becomes the current fd.
 *   openat PATH MODE    the same through openat(AT_FDCWD, ...)        creat PATH       fopenr PATH (read, then fclose)
 *   write N C           N bytes of character C                        pwrite N C OFF
 *   writev N1,N2 C      one buffer per size                           pwritev N1,N2 C OFF
 *   read N              prints the bytes read as hex                  pread N OFF      readv N1,N2
 *   fsync  fdatasync  sfr (sync_file_range of everything)  ftruncate N  truncate PATH N  lseek OFF
 *   mkdir P  link A B  sync
 *   rename A B  unlink P  dup  dup2 N  close  fsyncdir PATH (open the directory, fsync it, close)
 *   fwrite PATH N C     fopen(PATH, "a"), fwrite N bytes, fclose: stdio writes bypass the shim
 *   mmapw PATH N        opens PATH, maps N bytes shared and writable, stores 'm's, unmaps
 *   env NAME            prints the variable                           spawn OP;OP;...  runs this program again
 *   fork OP;OP;...      runs the operations in a forked child (no exec), waits for it
 *   threads N K         N threads, each appends K 16-byte records to tI.log and fsyncs after each
 *   step PATH N         sets the u64 step counter at offset 0 of PATH to N as the harness does: an atomic store
 *                       into a shared writable mapping of the file (mapped and unmapped for each step)
 * Output: one line per operation: "<op> ret=<r> errno=<NAME>" (plus " data=<hex>" for reads, " fd=<n>" for opens).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_fd = -1;

static const char* errname(int e) {
  switch (e) {
    case 0: return "0";
    case EIO: return "EIO";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EFBIG: return "EFBIG";
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EEXIST: return "EEXIST";
    default: return "E?";
  }
}

static void report(const char* op, long ret, int err) {
  printf("%s ret=%ld errno=%s\n", op, ret, ret < 0 ? errname(err) : "0");
}

static void report_data(const char* op, long ret, int err, const unsigned char* data) {
  printf("%s ret=%ld errno=%s data=", op, ret, ret < 0 ? errname(err) : "0");
  for (long i = 0; i < ret; ++i) printf("%02x", data[i]);
  printf("\n");
}

static int mode_flags(const char* m) {
  int r = strchr(m, 'r') != NULL, w = strchr(m, 'w') != NULL;
  int flags = r && w ? O_RDWR : w ? O_WRONLY : O_RDONLY;
  if (strchr(m, 'c')) flags |= O_CREAT;
  if (strchr(m, 't')) flags |= O_TRUNC;
  if (strchr(m, 'a')) flags |= O_APPEND;
  if (strchr(m, 'x')) flags |= O_EXCL;
  if (strchr(m, 's')) flags |= O_SYNC;
  return flags;
}

static int sizes(const char* list, size_t* out, int max) {
  int n = 0;
  char copy[256];
  snprintf(copy, sizeof copy, "%s", list);
  for (char* save = NULL, *t = strtok_r(copy, ",", &save); t != NULL && n < max; t = strtok_r(NULL, ",", &save)) {
    out[n++] = strtoul(t, NULL, 10);
  }
  return n;
}

static void fill_iov(struct iovec* v, const size_t* len, int n, int c) {
  for (int i = 0; i < n; ++i) {
    v[i].iov_base = malloc(len[i] + 1);
    v[i].iov_len = len[i];
    memset(v[i].iov_base, c, len[i]);
  }
}

static long g_records;

static void* thread_main(void* arg) {
  char name[32];
  snprintf(name, sizeof name, "t%ld.log", (long)(intptr_t)arg);
  const int fd = open(name, O_WRONLY | O_CREAT | O_APPEND, 0644);
  char rec[16];
  memset(rec, 'r', sizeof rec);
  for (long i = 0; i < g_records; ++i) {
    if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec || fsync(fd) != 0) return (void*)1;
  }
  close(fd);
  return NULL;
}

static void run(char* w[], int n, const char* self, const char* dir);

static void run_list(char* list, const char* self, const char* dir) {
  char* save = NULL;
  for (char* t = strtok_r(list, ";", &save); t != NULL; t = strtok_r(NULL, ";", &save)) {
    char* words[16];
    int n = 0;
    for (char* s2 = NULL, *u = strtok_r(t, " ", &s2); u != NULL && n < 16; u = strtok_r(NULL, " ", &s2)) words[n++] = u;
    if (n > 0) run(words, n, self, dir);
  }
}

static void run(char* w[], int n, const char* self, const char* dir) {
  const char* op = w[0];
  long r = 0;
  errno = 0;
  if (strcmp(op, "open") == 0 || strcmp(op, "openat") == 0) {
    const int flags = mode_flags(w[2]);
    g_fd = op[4] == 'a' ? openat(AT_FDCWD, w[1], flags, 0644) : open(w[1], flags, 0644);
    printf("%s ret=%d errno=%s fd=%d\n", op, g_fd, g_fd < 0 ? errname(errno) : "0", g_fd);
  } else if (strcmp(op, "creat") == 0) {
    g_fd = creat(w[1], 0644);
    printf("creat ret=%d errno=%s fd=%d\n", g_fd, g_fd < 0 ? errname(errno) : "0", g_fd);
  } else if (strcmp(op, "fopenr") == 0) {
    FILE* f = fopen(w[1], "r");
    report(op, f != NULL ? 0 : -1, errno);
    if (f != NULL) fclose(f);
  } else if (strcmp(op, "write") == 0 || strcmp(op, "pwrite") == 0) {
    const size_t len = strtoul(w[1], NULL, 10);
    char* buf = malloc(len + 1);
    memset(buf, w[2][0], len);
    r = op[0] == 'p' ? pwrite(g_fd, buf, len, strtol(w[3], NULL, 10)) : write(g_fd, buf, len);
    report(op, r, errno);
    free(buf);
  } else if (strcmp(op, "writev") == 0 || strcmp(op, "pwritev") == 0) {
    size_t len[16];
    struct iovec v[16];
    const int k = sizes(w[1], len, 16);
    fill_iov(v, len, k, w[2][0]);
    r = op[0] == 'p' ? pwritev(g_fd, v, k, strtol(w[3], NULL, 10)) : writev(g_fd, v, k);
    report(op, r, errno);
  } else if (strcmp(op, "read") == 0 || strcmp(op, "pread") == 0) {
    const size_t len = strtoul(w[1], NULL, 10);
    unsigned char* buf = malloc(len + 1);
    r = op[0] == 'p' ? pread(g_fd, buf, len, strtol(w[2], NULL, 10)) : read(g_fd, buf, len);
    report_data(op, r, errno, buf);
    free(buf);
  } else if (strcmp(op, "readv") == 0) {
    size_t len[16];
    struct iovec v[16];
    unsigned char all[65536];
    const int k = sizes(w[1], len, 16);
    fill_iov(v, len, k, 0);
    r = readv(g_fd, v, k);
    size_t at = 0;
    for (int i = 0; i < k && at < sizeof all; ++i) {
      memcpy(all + at, v[i].iov_base, v[i].iov_len);
      at += v[i].iov_len;
    }
    report_data(op, r, errno, all);
  } else if (strcmp(op, "fsync") == 0) {
    r = fsync(g_fd);
    report(op, r, errno);
  } else if (strcmp(op, "fdatasync") == 0) {
    r = fdatasync(g_fd);
    report(op, r, errno);
  } else if (strcmp(op, "sfr") == 0) {
    r = sync_file_range(g_fd, 0, 0, SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    report(op, r, errno);
  } else if (strcmp(op, "ftruncate") == 0) {
    r = ftruncate(g_fd, strtol(w[1], NULL, 10));
    report(op, r, errno);
  } else if (strcmp(op, "truncate") == 0) {
    r = truncate(w[1], strtol(w[2], NULL, 10));
    report(op, r, errno);
  } else if (strcmp(op, "lseek") == 0) {
    r = (long)lseek(g_fd, strtol(w[1], NULL, 10), SEEK_SET);
    report(op, r, errno);
  } else if (strcmp(op, "rename") == 0) {
    r = rename(w[1], w[2]);
    report(op, r, errno);
  } else if (strcmp(op, "unlink") == 0) {
    r = unlink(w[1]);
    report(op, r, errno);
  } else if (strcmp(op, "mkdir") == 0) {
    r = mkdir(w[1], 0755);
    report(op, r, errno);
  } else if (strcmp(op, "link") == 0) {
    r = link(w[1], w[2]);
    report(op, r, errno);
  } else if (strcmp(op, "sync") == 0) {
    sync();
    report(op, 0, 0);
  } else if (strcmp(op, "dup") == 0) {
    g_fd = dup(g_fd);
    report(op, g_fd, errno);
  } else if (strcmp(op, "dup2") == 0) {
    g_fd = dup2(g_fd, atoi(w[1]));
    report(op, g_fd, errno);
  } else if (strcmp(op, "close") == 0) {
    r = close(g_fd);
    report(op, r, errno);
  } else if (strcmp(op, "fsyncdir") == 0) {
    const int d = open(w[1], O_RDONLY | O_DIRECTORY);
    r = d < 0 ? -1 : fsync(d);
    report(op, r, errno);
    if (d >= 0) close(d);
  } else if (strcmp(op, "fwrite") == 0) {
    FILE* f = fopen(w[1], "a");
    const size_t len = strtoul(w[2], NULL, 10);
    char* buf = malloc(len + 1);
    memset(buf, w[3][0], len);
    r = f != NULL ? (long)fwrite(buf, 1, len, f) : -1;
    if (f != NULL) fclose(f);
    report(op, r, errno);
    free(buf);
  } else if (strcmp(op, "mmapw") == 0) {
    const size_t len = strtoul(w[2], NULL, 10);
    const int fd = open(w[1], O_RDWR);
    void* p = fd < 0 ? MAP_FAILED : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) {
      memset(p, 'm', len);
      munmap(p, len);
    }
    report(op, p == MAP_FAILED ? -1 : 0, errno);
    if (fd >= 0) close(fd);
  } else if (strcmp(op, "step") == 0) {
    const uint64_t value = strtoull(w[2], NULL, 10);
    const int fd = open(w[1], O_RDWR);
    void* p = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) {
      __atomic_store_n((uint64_t*)p, value, __ATOMIC_RELEASE);
      munmap(p, 4096);
    }
    report(op, p == MAP_FAILED ? -1 : 0, errno);
    if (fd >= 0) close(fd);
  } else if (strcmp(op, "env") == 0) {
    const char* v = getenv(w[1]);
    printf("env %s=%s\n", w[1], v != NULL ? v : "(unset)");
  } else if (strcmp(op, "spawn") == 0) {
    char* args[64];
    int k = 0;
    args[k++] = (char*)self;
    args[k++] = (char*)dir;
    char* save = NULL;
    for (char* t = strtok_r(w[1], ";", &save); t != NULL && k < 62; t = strtok_r(NULL, ";", &save)) args[k++] = t;
    args[k] = NULL;
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
      execv(self, args);
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("spawn ret=%d errno=0\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  } else if (strcmp(op, "fork") == 0) {
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
      run_list(w[1], self, dir);
      fflush(stdout);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("fork ret=%d errno=0\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  } else if (strcmp(op, "threads") == 0) {
    const long threads = strtol(w[1], NULL, 10);
    g_records = strtol(w[2], NULL, 10);
    pthread_t tid[64];
    long failed = 0;
    for (long i = 0; i < threads && i < 64; ++i) pthread_create(&tid[i], NULL, thread_main, (void*)(intptr_t)i);
    for (long i = 0; i < threads && i < 64; ++i) {
      void* res = NULL;
      pthread_join(tid[i], &res);
      failed += res != NULL;
    }
    report(op, failed, 0);
  } else {
    printf("%s unknown-op\n", op);
    exit(2);
  }
  (void)n;
  fflush(stdout);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: faultfs_probe DIR OP...\n");
    return 2;
  }
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  self[len > 0 ? len : 0] = '\0';
  if (chdir(argv[1]) != 0) {
    perror(argv[1]);
    return 2;
  }
  for (int i = 2; i < argc; ++i) {
    char* words[16];
    int n = 0;
    /* spawn keeps the rest of its argument as one word */
    if (strncmp(argv[i], "spawn ", 6) == 0 || strncmp(argv[i], "fork ", 5) == 0) {
      const int spawn = argv[i][0] == 's';
      words[n++] = spawn ? "spawn" : "fork";
      words[n++] = argv[i] + (spawn ? 6 : 5);
    } else {
      for (char* save = NULL, *t = strtok_r(argv[i], " ", &save); t != NULL && n < 16; t = strtok_r(NULL, " ", &save)) {
        words[n++] = t;
      }
    }
    if (n > 0) run(words, n, self, argv[1]);
  }
  return 0;
}
