#include "packet_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace carp {
namespace {

constexpr size_t kInstructionLength = sizeof(sock_filter);
// Twice the default of 208 KiB (the kernel doubles it again for bookkeeping): room for about 30
// GRO super-frames or a few thousand small frames, so a pause of a few milliseconds on the JS
// thread (GC, a burst of work) does not drop traffic, while a stalled daemon still drops within
// tens of milliseconds instead of queueing stale frames for seconds.
constexpr int kSocketBufferBytes = 2 * 1024 * 1024;

bool Fail(int fd, SysFailure* failure, const char* syscall, int errnum, std::string hint = "") {
  *failure = {syscall, errnum, std::move(hint)};
  close(fd);
  return false;
}

// The *FORCE options pass net.core.[rw]mem_max and need CAP_NET_ADMIN; without it the plain
// option still gets as much as the sysctl allows.
bool SetBufferSize(int fd, int forceOption, int option) {
  if (setsockopt(fd, SOL_SOCKET, forceOption, &kSocketBufferBytes, sizeof kSocketBufferBytes) == 0) return true;
  return errno == EPERM && setsockopt(fd, SOL_SOCKET, option, &kSocketBufferBytes, sizeof kSocketBufferBytes) == 0;
}

bool SetOne(int fd, int level, int option) {
  const int one = 1;
  return setsockopt(fd, level, option, &one, sizeof one) == 0;
}

bool GetMembershipKind(Napi::Env env, Napi::Value value, const std::string& subject, unsigned short* out) {
  std::string kind = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  if (kind == "unicast" || kind == "multicast") {
    *out = kind == "unicast" ? PACKET_MR_UNICAST : PACKET_MR_MULTICAST;
    return true;
  }
  ThrowTypeError(env, subject, "a membership kind is 'unicast' or 'multicast'");
  return false;
}

}  // namespace

bool GetFilter(Napi::Env env, Napi::Value value, const std::string& subject, sock_fprog* out) {
  uint8_t* data = nullptr;
  size_t length = 0;
  if (!GetBytes(env, value, subject, "a BPF filter", &data, &length)) return false;
  if (length == 0 || length % kInstructionLength != 0 || length / kInstructionLength > BPF_MAXINSNS) {
    ThrowRangeError(env, subject,
                    "a BPF filter is 1 to " + std::to_string(BPF_MAXINSNS) + " instructions of " +
                        std::to_string(kInstructionLength) + " bytes, not " + std::to_string(length) + " bytes");
    return false;
  }
  out->len = static_cast<unsigned short>(length / kInstructionLength);
  out->filter = reinterpret_cast<sock_filter*>(data);
  return true;
}

bool OpenPacketSocket(const std::string& ifname, const sock_fprog& filter, bool vnetHeader, OpenedSocket* out,
                      SysFailure* failure) {
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) {
    *failure = {"if_nametoindex", errno, ""};
    return false;
  }
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *failure = {"socket(AF_PACKET)", errno, errno == EPERM ? "a packet socket needs CAP_NET_RAW" : ""};
    return false;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter) < 0) {
    const int errnum = errno;
    return Fail(fd, failure, "setsockopt(SO_ATTACH_FILTER)", errnum,
                errnum == EINVAL ? "the kernel's BPF checker refused the program" : "");
  }
  if (!SetOne(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING)) {
    return Fail(fd, failure, "setsockopt(PACKET_IGNORE_OUTGOING)", errno);
  }
  if (vnetHeader && !SetOne(fd, SOL_PACKET, PACKET_VNET_HDR)) {
    return Fail(fd, failure, "setsockopt(PACKET_VNET_HDR)", errno);
  }
  if (!SetBufferSize(fd, SO_RCVBUFFORCE, SO_RCVBUF)) return Fail(fd, failure, "setsockopt(SO_RCVBUF)", errno);
  if (!SetBufferSize(fd, SO_SNDBUFFORCE, SO_SNDBUF)) return Fail(fd, failure, "setsockopt(SO_SNDBUF)", errno);
  sockaddr_ll address = {};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) return Fail(fd, failure, "bind", errno);
  *out = {fd, ifindex, vnetHeader};
  return true;
}

// POLLERR here is the ENETDOWN the kernel posts when the interface goes down. The socket stays
// bound and receives again once it is up, so the error is consumed and polling goes on.
bool PacketSocket::ClearSocketError(int fd) {
  int error = 0;
  socklen_t length = sizeof error;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0;
}

Napi::Function PacketSocket::Define(Napi::Env env) {
  std::vector<PropertyDescriptor> properties = FrameIoProperties();
  properties.push_back(InstanceAccessor("ifname", &PacketSocket::GetIfname, nullptr));
  properties.push_back(InstanceAccessor("ifindex", &PacketSocket::GetIfindex, nullptr));
  properties.push_back(InstanceMethod("setFilter", &PacketSocket::SetFilter));
  properties.push_back(InstanceMethod("addMembership", &PacketSocket::AddMembership));
  properties.push_back(InstanceMethod("dropMembership", &PacketSocket::DropMembership));
  return DefineClass(env, "PacketSocket", properties);
}

PacketSocket::PacketSocket(const Napi::CallbackInfo& info) : FrameIoHandle<PacketSocket>(info) {
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsExternal()) {
    ThrowTypeError(info.Env(), "PacketSocket", "made by openPacketSocket(), not by its constructor");
    return;
  }
  OpenedSocket* opened = info[1].As<Napi::External<OpenedSocket>>().Data();
  fd_ = opened->fd;
  opened->fd = -1;
  subject_ = info[0].As<Napi::String>().Utf8Value();
  ifindex_ = opened->ifindex;
  vnetHeader_ = opened->vnetHeader;
}

Napi::Value PacketSocket::GetIfname(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), subject_);
}

Napi::Value PacketSocket::GetIfindex(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ifindex_);
}

// SO_ATTACH_FILTER swaps the program in one step; frames already queued stay queued.
Napi::Value PacketSocket::SetFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sock_fprog filter = {};
  if (EnsureOpen(env, "setsockopt(SO_ATTACH_FILTER)") && GetFilter(env, info[0], subject_, &filter)) {
    Check(env, setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter), "setsockopt(SO_ATTACH_FILTER)");
  }
  return env.Undefined();
}

Napi::Value PacketSocket::AddMembership(const Napi::CallbackInfo& info) {
  return ChangeMembership(info, PACKET_ADD_MEMBERSHIP, "setsockopt(PACKET_ADD_MEMBERSHIP)");
}

Napi::Value PacketSocket::DropMembership(const Napi::CallbackInfo& info) {
  return ChangeMembership(info, PACKET_DROP_MEMBERSHIP, "setsockopt(PACKET_DROP_MEMBERSHIP)");
}

Napi::Value PacketSocket::ChangeMembership(const Napi::CallbackInfo& info, int option, const char* syscall) {
  Napi::Env env = info.Env();
  packet_mreq request = {};
  uint8_t mac[kMacLength];
  if (EnsureOpen(env, syscall) && GetMembershipKind(env, info[0], subject_, &request.mr_type) &&
      GetMac(env, info[1], subject_, mac)) {
    request.mr_ifindex = static_cast<int>(ifindex_);
    request.mr_alen = kMacLength;
    memcpy(request.mr_address, mac, kMacLength);
    Check(env, setsockopt(fd_, SOL_PACKET, option, &request, sizeof request), syscall);
  }
  return env.Undefined();
}

}  // namespace carp
