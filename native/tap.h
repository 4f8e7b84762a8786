// A TAP device (IFF_TAP | IFF_NO_PI): created, or re-attached by name when it is persistent, so a
// restarted daemon gets its carpN back with its addresses.
#pragma once

#include <napi.h>

#include <string>

#include "errors.h"
#include "handle.h"

namespace carp {

// A GSO frame read from the TAP: vnet header (10) + Ethernet header with a VLAN tag the TAP inserts
// (18) + the largest IP packet (65535). A read() into a smaller buffer would cut the frame short
// without saying so, so readBatch refuses smaller slots.
constexpr size_t kTapMinSlotSize = 10 + 18 + 65535;

struct OpenedTap {
  int fd = -1;
  std::string name;  // as the kernel has it
  unsigned ifindex = 0;
};

// Opens /dev/net/tun and attaches it to `name` (TUNSETIFF), with vnet header and offloads set.
bool OpenTapDevice(const std::string& name, bool vnetHeader, OpenedTap* out, SysFailure* failure);

class Tap : public FrameIoHandle<Tap> {
 public:
  static constexpr const char* kReadSyscall = "read";
  static constexpr const char* kWriteSyscall = "write";
  // POLLERR on a TAP fd means its device was deleted: nothing to recover.
  static constexpr Poller::ErrorRecovery kPollRecovery = nullptr;

  static Napi::Function Define(Napi::Env env);
  // Takes an External<OpenedTap> and owns its fd from then on.
  explicit Tap(const Napi::CallbackInfo& info);

  BatchOutcome ReadFrames(const ReadTarget& target) { return ReadEach(fd_, target); }
  BatchOutcome WriteFrames(const WriteSource& source) { return WriteEach(fd_, source); }
  size_t MinSlotSize() const { return kTapMinSlotSize; }

 private:
  Napi::Value GetName(const Napi::CallbackInfo& info);
  Napi::Value GetIfindex(const Napi::CallbackInfo& info);
  Napi::Value SetPersist(const Napi::CallbackInfo& info);
  Napi::Value SetCarrier(const Napi::CallbackInfo& info);
  Napi::Value SetMac(const Napi::CallbackInfo& info);

  unsigned ifindex_ = 0;
};

}  // namespace carp
