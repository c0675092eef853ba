// The fork server's control protocol (docs/fork-server.md), shared by the shim (faults/shim/fork_server.cc) and the
// harness (harness/src/fork_server.cpp). Both ends run on the same machine: the messages are native-endian structs.
//
// The control descriptor is one end of a SOCK_SEQPACKET unix socket pair: every message is one datagram, so a message
// is never split or merged, and a closed peer reads as EOF.
#pragma once

#include <stdint.h>

namespace faultline::fork_protocol {

constexpr uint32_t kMagic = 0x464c4653;  // "FLFS"
constexpr uint32_t kVersion = 1;
// The request's payload (plan path, working directory, argv, all NUL-terminated) is at most this long.
constexpr uint32_t kMaxPayload = 65536;
constexpr uint32_t kMaxChildren = 16;    // engines of one server alive at once

// Environment variables of the server (docs/fork-server.md).
constexpr const char* kEnvServer = "FAULTFS_FORK_SERVER";    // the control descriptor's number, decimal
constexpr const char* kEnvPoint = "FAULTFS_FORK_POINT";      // "main" (default) or "deferred"

enum Kind : uint32_t {
  // harness -> server
  kSpawn = 1,       // header + payload, with three descriptors (stdin, stdout, stderr) in SCM_RIGHTS
  // server -> harness
  kHello = 101,     // the server is ready: pid = server pid, value = kVersion, count = argc
  kRefuse = 102,    // the server cannot fork safely and exits: value = RefuseReason, count = threads seen
  kSpawned = 103,   // pid = the new engine's pid
  kSpawnFailed = 104,  // value = errno of the failed step, count = SpawnStep
  kExited = 105,    // pid = the engine, value = si_code (CLD_EXITED, CLD_KILLED, CLD_DUMPED), count = si_status
};

enum RefuseReason : uint32_t { kThreads = 1, kBadControl = 2 };
enum SpawnStep : uint32_t { kStepMessage = 1, kStepArgc = 2, kStepTooMany = 3, kStepFork = 4, kStepPidfd = 5 };

struct Request {
  uint32_t magic;
  uint32_t kind;         // kSpawn
  uint32_t argc;         // at most the server's argc: argv[1..] replace the server's last argc - 1 words
  uint32_t payload_len;  // bytes after this header: plan\0 cwd\0 argv[0]\0 ... argv[argc-1]\0
};

struct Reply {
  uint32_t magic;
  uint32_t kind;
  int32_t pid;
  int32_t value;
  int32_t count;
  int32_t reserved;
};

}  // namespace faultline::fork_protocol
