// AF_PACKET/SOCK_RAW on one interface: the carp interface's view of its parent (carpdev).
// Created with protocol 0, so nothing is queued until the BPF filter and PACKET_IGNORE_OUTGOING
// are in place; bound to the interface last (docs/protocol.md §7.6).
#pragma once

#include <linux/filter.h>
#include <napi.h>

#include <string>

#include "errors.h"
#include "handle.h"

namespace carp {

struct OpenedSocket {
  int fd = -1;
  unsigned ifindex = 0;
  bool vnetHeader = false;
};

// A classic BPF program from a Buffer of struct sock_filter: 1..BPF_MAXINSNS instructions.
bool GetFilter(Napi::Env env, Napi::Value value, const std::string& subject, sock_fprog* out);
bool OpenPacketSocket(const std::string& ifname, const sock_fprog& filter, bool vnetHeader, OpenedSocket* out,
                      SysFailure* failure);

class PacketSocket : public FrameIoHandle<PacketSocket> {
 public:
  static constexpr const char* kReadSyscall = "recvmmsg";
  static constexpr const char* kWriteSyscall = "sendmmsg";
  static bool ClearSocketError(int fd);
  static constexpr Poller::ErrorRecovery kPollRecovery = &PacketSocket::ClearSocketError;

  static Napi::Function Define(Napi::Env env);
  // Takes the interface name and an External<OpenedSocket>, and owns its fd from then on.
  explicit PacketSocket(const Napi::CallbackInfo& info);

  BatchOutcome ReadFrames(const ReadTarget& target) { return messages_.Receive(fd_, target); }
  BatchOutcome WriteFrames(const WriteSource& source) { return messages_.Send(fd_, source); }
  // Room for the vnet header and an Ethernet header: a smaller slot can hold no frame at all.
  size_t MinSlotSize() const { return (vnetHeader_ ? 10 : 0) + 14; }

 private:
  Napi::Value GetIfname(const Napi::CallbackInfo& info);
  Napi::Value GetIfindex(const Napi::CallbackInfo& info);
  Napi::Value SetFilter(const Napi::CallbackInfo& info);
  Napi::Value AddMembership(const Napi::CallbackInfo& info);
  Napi::Value DropMembership(const Napi::CallbackInfo& info);
  Napi::Value ChangeMembership(const Napi::CallbackInfo& info, int option, const char* syscall);

  unsigned ifindex_ = 0;
  bool vnetHeader_ = false;
  MessageBatch messages_;
};

}  // namespace carp
