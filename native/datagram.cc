#include "datagram.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace carp {
namespace {

std::string SendHint(int errnum) {
  switch (errnum) {
    case EAGAIN:
      return "the receiver's queue is full";
    case ENAMETOOLONG:
      return "a Unix socket address is at most " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes";
    case ECONNREFUSED:
      return "nothing is bound to this address";
    default:
      return "";
  }
}

}  // namespace

bool SendUnixDatagram(const std::string& address, const uint8_t* data, size_t length, SysFailure* failure) {
  sockaddr_un peer = {};
  peer.sun_family = AF_UNIX;
  // Refused rather than cut short by the copy below (the kernel would not cut it).
  if (address.size() >= sizeof peer.sun_path) {
    *failure = {"sendto", ENAMETOOLONG, SendHint(ENAMETOOLONG)};
    return false;
  }
  memcpy(peer.sun_path, address.data(), address.size());
  socklen_t peerLength = offsetof(sockaddr_un, sun_path) + address.size();
  // An abstract name starts with NUL and its length, not a terminator, says where it ends.
  if (address[0] == '@') peer.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *failure = {"socket(AF_UNIX)", errno, ""};
    return false;
  }
  ssize_t sent = sendto(fd, data, length, MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&peer), peerLength);
  int errnum = errno;
  close(fd);
  if (sent < 0) {
    *failure = {"sendto", errnum, SendHint(errnum)};
    return false;
  }
  return true;
}

}  // namespace carp
