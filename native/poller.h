// Readiness of one fd, delivered to JavaScript from the libuv loop (uv_poll, level-triggered
// UV_READABLE): no busy loop and no thread per fd. While polling, the owner object and the callback
// are held strongly, so a handle that is being read from is never garbage-collected.
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>

namespace carp {

class Poller {
 public:
  // Clears a pending error that made the kernel report POLLERR; returns whether polling can go on.
  using ErrorRecovery = bool (*)(int fd);

  Poller() = default;
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Starts polling `fd`, or replaces the callback when already polling. Returns 0 or a libuv error.
  int Start(Napi::Env env, int fd, Napi::Object owner, Napi::Function onReadable, ErrorRecovery recovery);
  void Stop();
  // Stops for good; the uv handle is freed in its close callback (uv_close is asynchronous).
  void Close();

 private:
  static void OnEvent(uv_poll_t* handle, int status, int events);
  void Release();

  uv_poll_t* handle_ = nullptr;
  napi_env env_ = nullptr;
  int fd_ = -1;
  ErrorRecovery recovery_ = nullptr;
  Napi::ObjectReference owner_;
  Napi::FunctionReference callback_;
  // Kept until destruction, not closed with the handle: the callback may close the handle while
  // napi_make_callback is still using the context.
  std::unique_ptr<Napi::AsyncContext> context_;
};

}  // namespace carp
