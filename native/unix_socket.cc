#include "unix_socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace carp {
namespace {

std::string ConnectHint(int errnum) {
  switch (errnum) {
    case EAGAIN:
      return "the listener's queue of connections is full";
    case ENAMETOOLONG:
      return "a Unix socket path is at most " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes";
    default:
      return "";
  }
}

bool Fail(int fd, SysFailure* failure, const char* syscall, int errnum) {
  *failure = {syscall, errnum, ConnectHint(errnum)};
  close(fd);
  return false;
}

}  // namespace

bool ConnectUnixStream(const std::string& path, UnixConnection* out, SysFailure* failure) {
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  // The kernel would not cut a long path short, but strncpy would: refuse it here instead.
  if (path.size() >= sizeof address.sun_path) {
    *failure = {"connect", ENAMETOOLONG, ConnectHint(ENAMETOOLONG)};
    return false;
  }
  memcpy(address.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *failure = {"socket(AF_UNIX)", errno, ""};
    return false;
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0) {
    return Fail(fd, failure, "connect", errno);
  }
  ucred peer = {};
  socklen_t length = sizeof peer;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) < 0) return Fail(fd, failure, "getsockopt(SO_PEERCRED)", errno);
  *out = {fd, peer.pid, peer.uid, peer.gid};
  return true;
}

}  // namespace carp
