// A raw IP socket of protocol 112 on one interface, for advertisements to a carppeer
// (docs/design.md, "Unicast advertisements"): the daemon writes the whole IP packet
// (IP_HDRINCL / IPV6_HDRINCL) and the kernel routes it and resolves the peer's MAC. Nothing is
// ever queued for reading (a filter refuses every packet), yet the socket's presence keeps the
// kernel from answering a peer's unicast advertisements with ICMP protocol unreachable.
#pragma once

#include <napi.h>

#include <string>

#include "errors.h"

namespace carp {

struct OpenedIpSocket {
  int fd = -1;
  int family = 0;
  unsigned ifindex = 0;
};

// family is AF_INET or AF_INET6.
bool OpenIpSocket(const std::string& ifname, int family, OpenedIpSocket* out, SysFailure* failure);

class IpSocket : public Napi::ObjectWrap<IpSocket> {
 public:
  static Napi::Function Define(Napi::Env env);
  // Takes the interface name and an External<OpenedIpSocket>, and owns its fd from then on.
  explicit IpSocket(const Napi::CallbackInfo& info);
  ~IpSocket() override;

 private:
  Napi::Value GetFd(const Napi::CallbackInfo& info);
  // sendTo(packet: Buffer, destination: Buffer of 4 or 16 bytes): the packet starts at its IP header.
  Napi::Value SendTo(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void CloseFd();

  int fd_ = -1;
  int family_ = 0;
  unsigned ifindex_ = 0;
  std::string subject_;
};

}  // namespace carp
