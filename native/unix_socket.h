// A connection to a Unix stream socket together with the credentials of the process that listens
// there (SO_PEERCRED), so that carpctl can refuse a daemon that is not root's before it writes a
// byte (src/control/trusted-connection.ts). The fd goes to JavaScript, which wraps it in a
// net.Socket: the addon only does what Node cannot, asking the kernel who is at the other end.
#pragma once

#include <sys/types.h>

#include <string>

#include "errors.h"

namespace carp {

struct UnixConnection {
  int fd = -1;
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// socket(AF_UNIX, SOCK_STREAM), connect() without blocking (a Unix socket connects at once or
// fails, EAGAIN when the listener's queue is full), then getsockopt(SO_PEERCRED). On failure no fd
// is left open.
bool ConnectUnixStream(const std::string& path, UnixConnection* out, SysFailure* failure);

}  // namespace carp
