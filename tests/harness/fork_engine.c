/* A small engine for the fork server's tests (tests/harness/fork_server_test.cpp): engine protocol v1 over a log of
 * text lines, "P key value" and "D key", in DIR/wal.log, appended with one write() and an fsync() per request.
 * Recovery replays the complete lines and cuts an incomplete last one.
 *
 *   fork_engine [--thread] [--fork-point] [--server-dies-once=FILE] DIR
 *
 * --thread      starts a thread (that sleeps) before anything else: a fork server must refuse such a process.
 * --fork-point  calls faultline_fork_point() (found with dlsym, so the engine also runs without the shim) after its
 *               "set-up", then reads its arguments again through faultline_arg().
 * --server-dies-once=FILE  with --fork-point, when FILE does not exist yet: creates it, and the fork server (this
 *               process, serving) kills itself with SIGKILL when its first engine ends, before it reports that end.
 * Built twice: dynamically, and statically (FORK_ENGINE_STATIC), which the shim cannot enter. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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

static pid_t dying_server;

static void on_child_end(int sig) {
  (void)sig;
  if (getpid() == dying_server) kill(getpid(), SIGKILL);  /* in the server only: its children inherit the handler */
}

/* --server-dies-once: the first fork server of a campaign (its preflight's) dies with its first engine. */
static void die_with_first_engine(const char* marker) {
  const int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return;
  close(fd);
  dying_server = getpid();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_child_end;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
}

static int append(int fd, const char* line) {
  const size_t len = strlen(line);
  return write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
}

int main(int argc, char** argv) {
  int thread = 0, fork_point = 0, at = 1;
  const char* dies_once = NULL;
  for (; at < argc && strncmp(argv[at], "--", 2) == 0; ++at) {
    if (strcmp(argv[at], "--thread") == 0) thread = 1;
    if (strcmp(argv[at], "--fork-point") == 0) fork_point = 1;
    if (strncmp(argv[at], "--server-dies-once=", 19) == 0) dies_once = argv[at] + 19;
  }
  if (at + 1 != argc) {
    fprintf(stderr, "usage: fork_engine [--thread] [--fork-point] [--server-dies-once=FILE] DIR\n");
    return 2;
  }
  if (thread) {
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
  }
  const char* dir = argv[at];
#ifndef FORK_ENGINE_STATIC
  if (fork_point) {
    if (dies_once != NULL) die_with_first_engine(dies_once);
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
