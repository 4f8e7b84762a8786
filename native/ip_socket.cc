#include "ip_socket.h"

#include <errno.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"

namespace carp {
namespace {

constexpr int kIpProtoCarp = 112;
#ifndef IPV6_HDRINCL
constexpr int IPV6_HDRINCL = 36;  // linux/in6.h, Linux 4.5
#endif

bool Fail(int fd, SysFailure* failure, const char* syscall, int errnum, std::string hint = "") {
  *failure = {syscall, errnum, std::move(hint)};
  close(fd);
  return false;
}

}  // namespace

bool OpenIpSocket(const std::string& ifname, int family, OpenedIpSocket* out, SysFailure* failure) {
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) {
    *failure = {"if_nametoindex", errno, ""};
    return false;
  }
  int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtoCarp);
  if (fd < 0) {
    *failure = {"socket(SOCK_RAW)", errno, errno == EPERM ? "a raw IP socket needs CAP_NET_RAW" : ""};
    return false;
  }
  // Refuse everything: the packet socket reads advertisements; this one only has to exist.
  sock_filter refuse = {BPF_RET | BPF_K, 0, 0, 0};
  sock_fprog program = {1, &refuse};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0) {
    return Fail(fd, failure, "setsockopt(SO_ATTACH_FILTER)", errno);
  }
  const int one = 1;
  const bool v4 = family == AF_INET;
  if (setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_HDRINCL : IPV6_HDRINCL, &one, sizeof one) < 0) {
    return Fail(fd, failure, v4 ? "setsockopt(IP_HDRINCL)" : "setsockopt(IPV6_HDRINCL)", errno);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), ifname.size()) < 0) {
    return Fail(fd, failure, "setsockopt(SO_BINDTODEVICE)", errno);
  }
  *out = {fd, family, ifindex};
  return true;
}

Napi::Function IpSocket::Define(Napi::Env env) {
  return DefineClass(env, "IpSocket",
                     {InstanceAccessor("fd", &IpSocket::GetFd, nullptr), InstanceMethod("sendTo", &IpSocket::SendTo),
                      InstanceMethod("close", &IpSocket::Close)});
}

IpSocket::IpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IpSocket>(info) {
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsExternal()) {
    ThrowTypeError(info.Env(), "IpSocket", "made by openIpSocket(), not by its constructor");
    return;
  }
  OpenedIpSocket* opened = info[1].As<Napi::External<OpenedIpSocket>>().Data();
  fd_ = opened->fd;
  opened->fd = -1;
  family_ = opened->family;
  ifindex_ = opened->ifindex;
  subject_ = info[0].As<Napi::String>().Utf8Value();
}

IpSocket::~IpSocket() { CloseFd(); }

Napi::Value IpSocket::GetFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

// Not connected: a connected raw socket would report the ICMP errors of earlier packets (such as a
// failed neighbour resolution while the peer is down) on later sends, and count them as send errors.
Napi::Value IpSocket::SendTo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* packet = nullptr;
  size_t packetLength = 0;
  uint8_t* destination = nullptr;
  size_t destinationLength = 0;
  if (fd_ < 0) {
    ThrowSystemError(env, subject_, {"sendto", EBADF, "the socket is closed"});
    return env.Undefined();
  }
  if (!GetBytes(env, info[0], subject_, "the packet", &packet, &packetLength) ||
      !GetBytes(env, info[1], subject_, "the destination", &destination, &destinationLength)) {
    return env.Undefined();
  }
  sockaddr_storage address = {};
  socklen_t addressLength = 0;
  if (family_ == AF_INET && destinationLength == 4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address);
    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, destination, 4);
    addressLength = sizeof *in;
  } else if (family_ == AF_INET6 && destinationLength == 16) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
    in6->sin6_family = AF_INET6;
    memcpy(&in6->sin6_addr, destination, 16);
    in6->sin6_scope_id = ifindex_;  // needed for a link-local peer, ignored for the others
    addressLength = sizeof *in6;
  } else {
    ThrowRangeError(env, subject_, family_ == AF_INET ? "an IPv4 destination is 4 bytes" : "an IPv6 destination is 16 bytes");
    return env.Undefined();
  }
  if (sendto(fd_, packet, packetLength, MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address), addressLength) < 0) {
    ThrowSystemError(env, subject_, {"sendto", errno, ""});
  }
  return env.Undefined();
}

Napi::Value IpSocket::Close(const Napi::CallbackInfo& info) {
  CloseFd();
  return info.Env().Undefined();
}

void IpSocket::CloseFd() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
}

}  // namespace carp
