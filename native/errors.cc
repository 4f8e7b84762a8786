#include "errors.h"

#include <string.h>
#include <uv.h>

namespace carp {
namespace {

// glibc 2.32+ names every errno; older C libraries fall back to the (shorter) table of libuv.
const char* ErrnoName(int errnum) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  if (const char* name = strerrorname_np(errnum)) return name;
#endif
  switch (-errnum) {
#define CARP_ERRNO_NAME(name, _) \
  case UV_##name:                \
    return #name;
    UV_ERRNO_MAP(CARP_ERRNO_NAME)
#undef CARP_ERRNO_NAME
    default:
      return "EUNKNOWN";
  }
}

std::string ErrnoText(int errnum) {
  char buffer[128];
  // The GNU strerror_r returns the text, which may or may not be in `buffer`.
  return strerror_r(errnum, buffer, sizeof buffer);
}

}  // namespace

void ThrowSystemError(Napi::Env env, const std::string& subject, const SysFailure& failure) {
  std::string message = subject + ": " + failure.syscall + ": " + ErrnoText(failure.errnum);
  if (!failure.hint.empty()) message += " (" + failure.hint + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, failure.errnum));
  error.Set("code", Napi::String::New(env, ErrnoName(failure.errnum)));
  error.Set("syscall", Napi::String::New(env, failure.syscall));
  error.ThrowAsJavaScriptException();
}

void ThrowTypeError(Napi::Env env, const std::string& subject, const std::string& what) {
  Napi::TypeError::New(env, subject + ": " + what).ThrowAsJavaScriptException();
}

void ThrowRangeError(Napi::Env env, const std::string& subject, const std::string& what) {
  Napi::RangeError::New(env, subject + ": " + what).ThrowAsJavaScriptException();
}

}  // namespace carp
