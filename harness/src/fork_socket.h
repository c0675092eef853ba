// Internal: the harness's end of the fork server's control socket (docs/fork-server.md, 'Protocol'): one datagram
// per message (SOCK_SEQPACKET), descriptors as SCM_RIGHTS. Used by harness/src/fork_server.cpp.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include <unistd.h>

#include "faultline/fork_protocol.h"
#include "fork_server_env.h"

namespace faultline::harness::detail {

// Sends `message` with the three descriptors `fds` (stdin, stdout, stderr of the engine); false when the server does
// not take it (gone).
inline bool send_with_fds(int sock, const std::string& message, const int fds[3]) {
  iovec iov{const_cast<char*>(message.data()), message.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(3 * sizeof(int));
  std::memcpy(CMSG_DATA(c), fds, 3 * sizeof(int));
  for (;;) {
    const ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(message.size())) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

// One reply within the deadline: 1, 0 on EOF (or a message that is not our server's: treated as gone), -1 on timeout.
// A descriptor that came with it (a kSpawned reply's pidfd) replaces *fd, whose old descriptor is closed.
inline int receive_reply(int sock, fork_protocol::Reply& r, int* fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    pollfd p{sock, POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return -1;
    iovec iov{&r, sizeof r};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(sizeof(int))) continue;
      int got;
      std::memcpy(&got, CMSG_DATA(c), sizeof got);
      if (*fd >= 0) ::close(*fd);
      *fd = got;
    }
    if (n != static_cast<ssize_t>(sizeof r) || r.magic != fork_protocol::kMagic) return 0;
    return 1;
  }
}

}  // namespace faultline::harness::detail
