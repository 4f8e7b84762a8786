// One datagram to a Unix datagram socket, for sd_notify(3) messages to $NOTIFY_SOCKET: Node has
// no AF_UNIX/SOCK_DGRAM sockets. Each call opens a socket, sends and closes it, as libsystemd's
// sd_notify does; carpd sends a few messages a second at most.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "errors.h"

namespace carp {

// `address` is a file system path, or an abstract name written with a leading '@' (systemd's
// convention for NOTIFY_SOCKET). The socket is non-blocking: when the receiver's queue is full the
// send fails with EAGAIN instead of stopping the caller's event loop.
bool SendUnixDatagram(const std::string& address, const uint8_t* data, size_t length, SysFailure* failure);

}  // namespace carp
