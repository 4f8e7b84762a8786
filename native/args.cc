#include "args.h"

#include <net/if.h>

#include <cmath>

#include "errors.h"

namespace carp {
namespace {

bool IsForbiddenNameChar(char c) {
  return c == '/' || c == ':' || c == '\0' || c == ' ' || (c >= '\t' && c <= '\r');
}

}  // namespace

bool GetInterfaceName(Napi::Env env, Napi::Value value, const std::string& subject, std::string* out) {
  if (!value.IsString()) {
    ThrowTypeError(env, subject, "the interface name must be a string");
    return false;
  }
  std::string name = value.As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    ThrowRangeError(env, subject, "an interface name must be 1 to " + std::to_string(IFNAMSIZ - 1) + " bytes, not " +
                                      std::to_string(name.size()));
    return false;
  }
  for (char c : name) {
    if (IsForbiddenNameChar(c)) {
      ThrowRangeError(env, subject, "an interface name must not contain '/', ':', whitespace or NUL");
      return false;
    }
  }
  if (name == "." || name == "..") {
    ThrowRangeError(env, subject, "\"" + name + "\" is not a valid interface name");
    return false;
  }
  *out = name;
  return true;
}

bool GetPath(Napi::Env env, Napi::Value value, const std::string& subject, std::string* out) {
  if (!value.IsString()) {
    ThrowTypeError(env, subject, "the path must be a string");
    return false;
  }
  std::string path = value.As<Napi::String>().Utf8Value();
  if (path.empty() || path.find('\0') != std::string::npos) {
    ThrowRangeError(env, subject, "a path must not be empty or contain NUL");
    return false;
  }
  *out = path;
  return true;
}

bool GetBool(Napi::Env env, Napi::Value value, const std::string& subject, const char* what, bool* out) {
  if (!value.IsBoolean()) {
    ThrowTypeError(env, subject, std::string(what) + " must be a boolean");
    return false;
  }
  *out = value.As<Napi::Boolean>().Value();
  return true;
}

bool GetMac(Napi::Env env, Napi::Value value, const std::string& subject, uint8_t out[kMacLength]) {
  uint8_t* data = nullptr;
  size_t length = 0;
  if (!GetBytes(env, value, subject, "a MAC address", &data, &length)) return false;
  if (length != kMacLength) {
    ThrowRangeError(env, subject, "a MAC address is 6 bytes, not " + std::to_string(length));
    return false;
  }
  for (size_t i = 0; i < kMacLength; i++) out[i] = data[i];
  return true;
}

bool GetBytes(Napi::Env env, Napi::Value value, const std::string& subject, const char* what, uint8_t** data,
              size_t* length) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(env, subject, std::string(what) + " must be a Buffer");
    return false;
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  *data = bytes.Data();
  *length = bytes.ElementLength();
  return true;
}

bool GetUint32Array(Napi::Env env, Napi::Value value, const std::string& subject, const char* what,
                    uint32_t** data, size_t* length) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    ThrowTypeError(env, subject, std::string(what) + " must be a Uint32Array");
    return false;
  }
  Napi::Uint32Array array = value.As<Napi::Uint32Array>();
  *data = array.Data();
  *length = array.ElementLength();
  return true;
}

bool GetInteger(Napi::Env env, Napi::Value value, const std::string& subject, const char* what, double min,
                double max, size_t* out) {
  if (!value.IsNumber()) {
    ThrowTypeError(env, subject, std::string(what) + " must be a number");
    return false;
  }
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number || number < min || number > max) {
    ThrowRangeError(env, subject,
                    std::string(what) + " must be an integer from " + std::to_string(static_cast<uint64_t>(min)) +
                        " to " + std::to_string(static_cast<uint64_t>(max)) + ", not " + value.ToString().Utf8Value());
    return false;
  }
  *out = static_cast<size_t>(number);
  return true;
}

bool GetFunction(Napi::Env env, Napi::Value value, const std::string& subject, const char* what,
                 Napi::Function* out) {
  if (!value.IsFunction()) {
    ThrowTypeError(env, subject, std::string(what) + " must be a function");
    return false;
  }
  *out = value.As<Napi::Function>();
  return true;
}

}  // namespace carp
