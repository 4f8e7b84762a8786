// Module init: openTap, openPacketSocket and openIpSocket, the only ways to make the handle objects,
// connectUnixSocket for carpctl and sendUnixDatagram for carpd's sd_notify messages.
// src/native/binding.ts is the only module that loads this addon.
#include <napi.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "datagram.h"
#include "errors.h"
#include "ip_socket.h"
#include "packet_socket.h"
#include "tap.h"
#include "unix_socket.h"

namespace carp {
namespace {

struct Constructors {
  Napi::FunctionReference tap;
  Napi::FunctionReference packetSocket;
  Napi::FunctionReference ipSocket;
};

// openTap(name: string, vnetHeader: boolean): TapDevice
Napi::Value OpenTap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  bool vnetHeader = false;
  if (!GetInterfaceName(env, info[0], "openTap", &name) || !GetBool(env, info[1], name, "vnetHeader", &vnetHeader)) {
    return env.Undefined();
  }
  OpenedTap opened;
  SysFailure failure;
  if (!OpenTapDevice(name, vnetHeader, &opened, &failure)) {
    ThrowSystemError(env, name, failure);
    return env.Undefined();
  }
  Napi::Object tap = env.GetInstanceData<Constructors>()->tap.New({Napi::External<OpenedTap>::New(env, &opened)});
  if (opened.fd >= 0) close(opened.fd);  // the constructor did not take it over
  return tap;
}

// openPacketSocket(ifname: string, filter: Buffer, vnetHeader: boolean): PacketSocket
Napi::Value OpenPacketSocketJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string ifname;
  sock_fprog filter = {};
  bool vnetHeader = false;
  if (!GetInterfaceName(env, info[0], "openPacketSocket", &ifname) || !GetFilter(env, info[1], ifname, &filter) ||
      !GetBool(env, info[2], ifname, "vnetHeader", &vnetHeader)) {
    return env.Undefined();
  }
  OpenedSocket opened;
  SysFailure failure;
  if (!OpenPacketSocket(ifname, filter, vnetHeader, &opened, &failure)) {
    ThrowSystemError(env, ifname, failure);
    return env.Undefined();
  }
  Napi::Object socket = env.GetInstanceData<Constructors>()->packetSocket.New(
      {Napi::String::New(env, ifname), Napi::External<OpenedSocket>::New(env, &opened)});
  if (opened.fd >= 0) close(opened.fd);  // the constructor did not take it over
  return socket;
}

// openIpSocket(ifname: string, family: 4 | 6): IpSocket
Napi::Value OpenIpSocketJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string ifname;
  size_t family = 0;
  if (!GetInterfaceName(env, info[0], "openIpSocket", &ifname) || !GetInteger(env, info[1], ifname, "family", 4, 6, &family)) {
    return env.Undefined();
  }
  if (family == 5) {
    ThrowRangeError(env, ifname, "the family is 4 or 6");
    return env.Undefined();
  }
  OpenedIpSocket opened;
  SysFailure failure;
  if (!OpenIpSocket(ifname, family == 4 ? AF_INET : AF_INET6, &opened, &failure)) {
    ThrowSystemError(env, ifname, failure);
    return env.Undefined();
  }
  Napi::Object socket = env.GetInstanceData<Constructors>()->ipSocket.New(
      {Napi::String::New(env, ifname), Napi::External<OpenedIpSocket>::New(env, &opened)});
  if (opened.fd >= 0) close(opened.fd);  // the constructor did not take it over
  return socket;
}

// connectUnixSocket(path: string): { fd, peer: { pid, uid, gid } }; the fd is the caller's to close.
Napi::Value ConnectUnixSocketJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!GetPath(env, info[0], "connectUnixSocket", &path)) return env.Undefined();
  UnixConnection connection;
  SysFailure failure;
  if (!ConnectUnixStream(path, &connection, &failure)) {
    ThrowSystemError(env, path, failure);
    return env.Undefined();
  }
  Napi::Object peer = Napi::Object::New(env);
  peer.Set("pid", Napi::Number::New(env, connection.pid));
  peer.Set("uid", Napi::Number::New(env, connection.uid));
  peer.Set("gid", Napi::Number::New(env, connection.gid));
  Napi::Object result = Napi::Object::New(env);
  result.Set("fd", Napi::Number::New(env, connection.fd));
  result.Set("peer", peer);
  return result;
}

// sendUnixDatagram(address: string, payload: Buffer): void; address "@name" is abstract.
Napi::Value SendUnixDatagramJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string address;
  uint8_t* data = nullptr;
  size_t length = 0;
  if (!GetPath(env, info[0], "sendUnixDatagram", &address) ||
      !GetBytes(env, info[1], address, "the payload", &data, &length)) {
    return env.Undefined();
  }
  SysFailure failure;
  if (!SendUnixDatagram(address, data, length, &failure)) ThrowSystemError(env, address, failure);
  return env.Undefined();
}

}  // namespace
}  // namespace carp

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using carp::Constructors;
  env.SetInstanceData(new Constructors{Napi::Persistent(carp::Tap::Define(env)),
                                       Napi::Persistent(carp::PacketSocket::Define(env)),
                                       Napi::Persistent(carp::IpSocket::Define(env))});
  exports.Set("openTap", Napi::Function::New(env, carp::OpenTap, "openTap"));
  exports.Set("openPacketSocket", Napi::Function::New(env, carp::OpenPacketSocketJs, "openPacketSocket"));
  exports.Set("openIpSocket", Napi::Function::New(env, carp::OpenIpSocketJs, "openIpSocket"));
  exports.Set("connectUnixSocket", Napi::Function::New(env, carp::ConnectUnixSocketJs, "connectUnixSocket"));
  exports.Set("sendUnixDatagram", Napi::Function::New(env, carp::SendUnixDatagramJs, "sendUnixDatagram"));
  return exports;
}

NODE_API_MODULE(carp_native, Init)
