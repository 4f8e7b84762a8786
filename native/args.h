// Checks of the arguments that cross from JavaScript. Each getter throws a TypeError/RangeError
// naming `subject` and returns false on bad input, so the caller changes nothing.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace carp {

constexpr size_t kMacLength = 6;

// An interface name the kernel accepts as is (dev_valid_name): 1..15 bytes, not "." or "..", no
// '/', ':', whitespace or NUL. Checking here keeps a long name from being silently cut to 15 bytes.
bool GetInterfaceName(Napi::Env env, Napi::Value value, const std::string& subject, std::string* out);
// A file name for a system call: a string, not empty, without NUL (which would end it early).
bool GetPath(Napi::Env env, Napi::Value value, const std::string& subject, std::string* out);
bool GetBool(Napi::Env env, Napi::Value value, const std::string& subject, const char* what, bool* out);
bool GetMac(Napi::Env env, Napi::Value value, const std::string& subject, uint8_t out[kMacLength]);
// Bytes of a Buffer (any Uint8Array); valid while the calling JS frame is.
bool GetBytes(Napi::Env env, Napi::Value value, const std::string& subject, const char* what, uint8_t** data,
              size_t* length);
// A Uint32Array; valid while the calling JS frame is.
bool GetUint32Array(Napi::Env env, Napi::Value value, const std::string& subject, const char* what,
                    uint32_t** data, size_t* length);
// An integer number in [min, max].
bool GetInteger(Napi::Env env, Napi::Value value, const std::string& subject, const char* what, double min,
                double max, size_t* out);
bool GetFunction(Napi::Env env, Napi::Value value, const std::string& subject, const char* what,
                 Napi::Function* out);

}  // namespace carp
