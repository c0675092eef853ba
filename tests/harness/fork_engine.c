/* A small engine for the fork server's tests (tests/harness/fork_server_test.cpp): engine protocol v1 over a log of
 * text lines, "P key value" and "D key", in DIR/wal.log, appended with one write() and an fsync() per request.
 * Recovery replays the complete lines and cuts an incomplete last one.
 *
 *   fork_engine [--thread] [--fork-point] DIR
 *
 * --thread      starts a thread (that sleeps) before anything else: a fork server must refuse such a process.
 * --fork-point  calls faultline_fork_point() (found with dlsym, so the engine also runs without the shim) after its
 *               "set-up", then reads its arguments again through faultline_arg().
 * Built twice: dynamically, and statically (FORK_ENGINE_STATIC), which the shim cannot enter. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef FORK_ENGINE_STATIC
#include <dlfcn.h>
#endif

enum { kMaxKeys = 4096, kMaxWord = 128 };
static char keys[kMaxKeys][kMaxWord];
static char values[kMaxKeys][kMaxWord];
static int used[kMaxKeys];
static int n_keys;

static int find(const char* k) {
  for (int i = 0; i < n_keys; ++i)
    if (used[i] && strcmp(keys[i], k) == 0) return i;
  return -1;
}

static void put(const char* k, const char* v) {
  int i = find(k);
  if (i < 0) {
    if (n_keys == kMaxKeys) return;
    i = n_keys++;
    snprintf(keys[i], kMaxWord, "%s", k);
  }
  used[i] = 1;
  snprintf(values[i], kMaxWord, "%s", v);
}

static void del(const char* k) {
  const int i = find(k);
  if (i >= 0) used[i] = 0;
}

static void* sleeper(void* arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

static void recover(const char* path) {
  const int fd = open(path, O_RDWR | O_CREAT, 0644);
  if (fd < 0) exit(4);
  static char buf[1 << 20];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n < 0) exit(4);
  ssize_t good = 0;
  for (ssize_t i = 0; i < n; ++i) {
    if (buf[i] != '\n') continue;
    buf[i] = '\0';
    char k[kMaxWord], v[kMaxWord];
    const char* line = buf + good;
    if (sscanf(line, "P %127s %127s", k, v) == 2) {
      put(k, v);
    } else if (sscanf(line, "D %127s", k) == 1) {
      del(k);
    } else {
      break;
    }
    good = i + 1;
  }
  if (good != n && ftruncate(fd, good) != 0) exit(4);
  close(fd);
}

static int append(int fd, const char* line) {
  const size_t len = strlen(line);
  return write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
}

int main(int argc, char** argv) {
  int thread = 0, fork_point = 0, at = 1;
  for (; at < argc && strncmp(argv[at], "--", 2) == 0; ++at) {
    if (strcmp(argv[at], "--thread") == 0) thread = 1;
    if (strcmp(argv[at], "--fork-point") == 0) fork_point = 1;
  }
  if (at + 1 != argc) {
    fprintf(stderr, "usage: fork_engine [--thread] [--fork-point] DIR\n");
    return 2;
  }
  if (thread) {
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
  }
  const char* dir = argv[at];
#ifndef FORK_ENGINE_STATIC
  if (fork_point) {
    int (*point)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "faultline_fork_point");
    const char* (*arg)(int) = (const char* (*)(int))dlsym(RTLD_DEFAULT, "faultline_arg");
    if (point != NULL && point() == 1 && arg != NULL) dir = arg(at);
  }
#endif
  char path[4096];
  snprintf(path, sizeof path, "%s/wal.log", dir);
  recover(path);
  const int fd = open(path, O_WRONLY | O_APPEND);
  if (fd < 0) return 4;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("READY\n");
  char line[512];
  while (fgets(line, sizeof line, stdin) != NULL) {
    char cmd[16], k[kMaxWord], v[kMaxWord], rec[300];
    const int words = sscanf(line, "%15s %127s %127s", cmd, k, v);
    if (words >= 1 && strcmp(cmd, "QUIT") == 0) return 0;
    if (words >= 1 && strcmp(cmd, "DUMP") == 0) {
      for (int i = 0; i < n_keys; ++i)
        if (used[i]) printf("ENTRY %s %s\n", keys[i], values[i]);
      printf("END\n");
    } else if (words == 3 && strcmp(cmd, "PUT") == 0) {
      snprintf(rec, sizeof rec, "P %s %s\n", k, v);
      if (!append(fd, rec)) return 5;
      put(k, v);
      printf("OK\n");
    } else if (words == 2 && strcmp(cmd, "DEL") == 0) {
      snprintf(rec, sizeof rec, "D %s\n", k);
      if (!append(fd, rec)) return 5;
      del(k);
      printf("OK\n");
    } else if (words == 2 && strcmp(cmd, "GET") == 0) {
      const int i = find(k);
      if (i >= 0) printf("VALUE %s\n", values[i]);
      else printf("NOTFOUND\n");
    } else {
      printf("ERR bad request\n");
    }
  }
  return 0;
}
