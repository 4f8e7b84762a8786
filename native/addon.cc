// Placeholder module: the real TAP / AF_PACKET binding lands with the "carpN on a real kernel" issue.
#include <napi.h>

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

NODE_API_MODULE(carp_native, Init)
