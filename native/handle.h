// The JS object behind a FrameIo (src/native/types.ts): fd, closed, readBatch, writeBatch,
// startReading, stopReading and close, shared by the TAP and the packet socket.
//
// `Device` (CRTP) supplies ReadFrames/WriteFrames (the batch loops of frame_io.h), MinSlotSize,
// the names kReadSyscall/kWriteSyscall for errors, and kPollRecovery for Poller.
#pragma once

#include <errno.h>
#include <napi.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "frame_io.h"
#include "poller.h"

namespace carp {

template <typename Device>
class FrameIoHandle : public Napi::ObjectWrap<Device> {
 public:
  explicit FrameIoHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Device>(info) {}

  // Runs when the object is collected without close(): the fd must not leak.
  ~FrameIoHandle() override {
    poller_.Close();
    CloseFd();
  }

 protected:
  using Wrap = Napi::ObjectWrap<Device>;

  static std::vector<typename Wrap::PropertyDescriptor> FrameIoProperties() {
    return {
        Wrap::InstanceAccessor("fd", &FrameIoHandle::GetFd, nullptr),
        Wrap::InstanceAccessor("closed", &FrameIoHandle::GetClosed, nullptr),
        Wrap::InstanceMethod("readBatch", &FrameIoHandle::ReadBatch),
        Wrap::InstanceMethod("writeBatch", &FrameIoHandle::WriteBatch),
        Wrap::InstanceMethod("startReading", &FrameIoHandle::StartReading),
        Wrap::InstanceMethod("stopReading", &FrameIoHandle::StopReading),
        Wrap::InstanceMethod("close", &FrameIoHandle::Close),
    };
  }

  // A closed handle fails every call with EBADF rather than touching a reused fd number.
  bool EnsureOpen(Napi::Env env, const char* syscall) {
    if (fd_ >= 0) return true;
    ThrowSystemError(env, subject_, {syscall, EBADF, "the handle is closed"});
    return false;
  }

  // Throws the error of a one-shot system call when `result` says it failed.
  bool Check(Napi::Env env, int result, const char* syscall) {
    if (result >= 0) return true;
    ThrowSystemError(env, subject_, {syscall, errno, ""});
    return false;
  }

  int fd_ = -1;
  std::string subject_;  // the interface name, first word of every error message

 private:
  Device& self() { return static_cast<Device&>(*this); }

  Napi::Value GetFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ < 0); }

  Napi::Value ReadBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ReadTarget target;
    if (!EnsureOpen(env, Device::kReadSyscall) || !ParseReadTarget(info, subject_, self().MinSlotSize(), &target)) {
      return env.Undefined();
    }
    return Finish(env, self().ReadFrames(target), Device::kReadSyscall);
  }

  Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    WriteSource source;
    if (!EnsureOpen(env, Device::kWriteSyscall) || !ParseWriteSource(info, subject_, &source)) return env.Undefined();
    return Finish(env, self().WriteFrames(source), Device::kWriteSyscall);
  }

  // An error after some frames moved ends the batch with their count (types.ts: the rest are the
  // caller's to count as dropped); only an error on the first frame throws.
  Napi::Value Finish(Napi::Env env, const BatchOutcome& outcome, const char* syscall) {
    if (outcome.errnum != 0 && outcome.count == 0) {
      ThrowSystemError(env, subject_, {syscall, outcome.errnum, ""});
      return env.Undefined();
    }
    return Napi::Number::New(env, static_cast<double>(outcome.count));
  }

  Napi::Value StartReading(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Function onReadable;
    if (!EnsureOpen(env, "uv_poll_start") || !GetFunction(env, info[0], subject_, "onReadable", &onReadable)) {
      return env.Undefined();
    }
    int result = poller_.Start(env, fd_, this->Value(), onReadable, Device::kPollRecovery);
    if (result < 0) ThrowSystemError(env, subject_, {"uv_poll_start", -result, ""});
    return env.Undefined();
  }

  Napi::Value StopReading(const Napi::CallbackInfo& info) {
    poller_.Stop();
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    poller_.Close();
    CloseFd();
    return info.Env().Undefined();
  }

  void CloseFd() {
    if (fd_ < 0) return;
    close(fd_);
    fd_ = -1;
  }

  Poller poller_;
};

}  // namespace carp
