// JS errors for the addon: system-call failures carry errno/code/syscall (src/native/types.ts
// NativeError); argument mistakes are TypeError/RangeError. Every message starts with the device or
// interface name so a log line says which carp interface failed.
#pragma once

#include <napi.h>

#include <string>

namespace carp {

// A failed system call, remembered until it can be thrown (opening a device takes several calls).
struct SysFailure {
  std::string syscall;
  int errnum = 0;
  std::string hint;  // why this errno happens here, appended to the message in parentheses
};

// Throws "<subject>: <syscall>: <strerror>[ (<hint>)]" with errno (positive), code and syscall.
void ThrowSystemError(Napi::Env env, const std::string& subject, const SysFailure& failure);
void ThrowTypeError(Napi::Env env, const std::string& subject, const std::string& what);
void ThrowRangeError(Napi::Env env, const std::string& subject, const std::string& what);

}  // namespace carp
