#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace carp {
namespace {

constexpr int kVnetHeaderLength = 10;  // sizeof(struct virtio_net_hdr), VNET_HEADER_LENGTH in types.ts
constexpr unsigned kVnetOffloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

std::string TunSetIffHint(int errnum, const std::string& name) {
  switch (errnum) {
    case EINVAL:
      // tun_set_iff: an existing device of this name that is a TUN, a multi-queue TAP or no
      // tun device at all; TUNSETIFF cannot re-attach it with these flags.
      return if_nametoindex(name.c_str()) != 0
                 ? "an interface of this name exists and is not a single-queue TAP device"
                 : "the kernel refused the name";
    case EBUSY:
      return "the TAP device is attached to another file descriptor, e.g. of a running daemon";
    case EPERM:
      return "creating or attaching a TAP device needs CAP_NET_ADMIN";
    default:
      return "";
  }
}

bool Fail(int fd, SysFailure* failure, const char* syscall, int errnum, std::string hint = "") {
  *failure = {syscall, errnum, std::move(hint)};
  close(fd);
  return false;
}

}  // namespace

bool OpenTapDevice(const std::string& name, bool vnetHeader, OpenedTap* out, SysFailure* failure) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *failure = {"open(/dev/net/tun)", errno, ""};
    return false;
  }
  ifreq request = {};
  memcpy(request.ifr_name, name.data(), name.size());  // the caller checked: shorter than IFNAMSIZ
  request.ifr_flags = IFF_TAP | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0);
  if (ioctl(fd, TUNSETIFF, &request) < 0) {
    const int errnum = errno;
    return Fail(fd, failure, "ioctl(TUNSETIFF)", errnum, TunSetIffHint(errnum, name));
  }
  int headerLength = kVnetHeaderLength;
  if (vnetHeader && ioctl(fd, TUNSETVNETHDRSZ, &headerLength) < 0) {
    return Fail(fd, failure, "ioctl(TUNSETVNETHDRSZ)", errno);
  }
  // Offloads off without a vnet header, also on a device re-attached from a run that had them:
  // otherwise the kernel hands over checksum-less or 64 KB frames that cannot be described.
  if (ioctl(fd, TUNSETOFFLOAD, vnetHeader ? kVnetOffloads : 0U) < 0) return Fail(fd, failure, "ioctl(TUNSETOFFLOAD)", errno);
  out->name = request.ifr_name;
  out->ifindex = if_nametoindex(request.ifr_name);
  if (out->ifindex == 0) return Fail(fd, failure, "if_nametoindex", errno);
  out->fd = fd;
  return true;
}

Napi::Function Tap::Define(Napi::Env env) {
  std::vector<PropertyDescriptor> properties = FrameIoProperties();
  properties.push_back(InstanceAccessor("name", &Tap::GetName, nullptr));
  properties.push_back(InstanceAccessor("ifindex", &Tap::GetIfindex, nullptr));
  properties.push_back(InstanceMethod("setPersist", &Tap::SetPersist));
  properties.push_back(InstanceMethod("setCarrier", &Tap::SetCarrier));
  properties.push_back(InstanceMethod("setMac", &Tap::SetMac));
  return DefineClass(env, "TapDevice", properties);
}

Tap::Tap(const Napi::CallbackInfo& info) : FrameIoHandle<Tap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    ThrowTypeError(info.Env(), "TapDevice", "made by openTap(), not by its constructor");
    return;
  }
  OpenedTap* opened = info[0].As<Napi::External<OpenedTap>>().Data();
  fd_ = opened->fd;
  opened->fd = -1;
  subject_ = opened->name;
  ifindex_ = opened->ifindex;
}

Napi::Value Tap::GetName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), subject_);
}

Napi::Value Tap::GetIfindex(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ifindex_);
}

Napi::Value Tap::SetPersist(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool persist = false;
  if (EnsureOpen(env, "ioctl(TUNSETPERSIST)") && GetBool(env, info[0], subject_, "persist", &persist)) {
    Check(env, ioctl(fd_, TUNSETPERSIST, persist ? 1UL : 0UL), "ioctl(TUNSETPERSIST)");
  }
  return env.Undefined();
}

Napi::Value Tap::SetCarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool up = false;
  if (EnsureOpen(env, "ioctl(TUNSETCARRIER)") && GetBool(env, info[0], subject_, "carrier", &up)) {
    int carrier = up ? 1 : 0;
    Check(env, ioctl(fd_, TUNSETCARRIER, &carrier), "ioctl(TUNSETCARRIER)");
  }
  return env.Undefined();
}

Napi::Value Tap::SetMac(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t mac[kMacLength];
  if (EnsureOpen(env, "ioctl(SIOCSIFHWADDR)") && GetMac(env, info[0], subject_, mac)) {
    ifreq request = {};
    memcpy(request.ifr_name, subject_.data(), subject_.size());
    request.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(request.ifr_hwaddr.sa_data, mac, kMacLength);
    Check(env, ioctl(fd_, SIOCSIFHWADDR, &request), "ioctl(SIOCSIFHWADDR)");
  }
  return env.Undefined();
}

}  // namespace carp
