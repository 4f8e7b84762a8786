#include "poller.h"

namespace carp {
namespace {

void FreeHandle(uv_handle_t* handle) {
  delete reinterpret_cast<uv_poll_t*>(handle);
}

}  // namespace

Poller::~Poller() {
  Close();
}

int Poller::Start(Napi::Env env, int fd, Napi::Object owner, Napi::Function onReadable, ErrorRecovery recovery) {
  if (handle_ == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) return UV_EINVAL;
    auto* handle = new uv_poll_t;
    int result = uv_poll_init(loop, handle, fd);
    if (result < 0) {
      delete handle;  // uv_poll_init fails before it registers the handle with the loop
      return result;
    }
    handle->data = this;
    handle_ = handle;
    // The async resource is a fresh object, not `owner`: the context lives as long as the owner,
    // and a reference from it to the owner would keep the owner from ever being collected.
    context_ = std::make_unique<Napi::AsyncContext>(env, "CarpNativePoll", Napi::Object::New(env));
  }
  env_ = env;
  fd_ = fd;
  recovery_ = recovery;
  owner_ = Napi::Persistent(owner);
  callback_ = Napi::Persistent(onReadable);
  return uv_poll_start(handle_, UV_READABLE, OnEvent);
}

void Poller::Stop() {
  if (handle_ != nullptr) uv_poll_stop(handle_);
  Release();
}

void Poller::Close() {
  if (handle_ != nullptr) {
    handle_->data = nullptr;
    // After uv_poll_stop the fd may be closed at once (libuv documentation of uv_poll_t).
    uv_poll_stop(handle_);
    uv_close(reinterpret_cast<uv_handle_t*>(handle_), FreeHandle);
    handle_ = nullptr;
  }
  Release();
}

void Poller::Release() {
  owner_.Reset();
  callback_.Reset();
}

// On POLLERR libuv stops the handle and reports UV_EBADF. A packet socket gets POLLERR when its
// interface goes down (ENETDOWN) and reads again when it comes back up, so the error is cleared
// and polling restarted; for a fd whose device is gone for good, the callback runs once more so
// that JavaScript learns the error from readBatch, and polling stays stopped.
void Poller::OnEvent(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<Poller*>(handle->data);
  if (self == nullptr) return;
  if (status < 0 && self->recovery_ != nullptr && self->recovery_(self->fd_)) {
    uv_poll_start(handle, UV_READABLE, OnEvent);
  }
  Napi::Env env(self->env_);
  Napi::HandleScope scope(env);
  Napi::Object owner = self->owner_.Value();
  Napi::Function callback = self->callback_.Value();
  // The callback may close the handle; nothing of `self` is used after it returns.
  callback.MakeCallback(owner, {}, *self->context_);
  if (env.IsExceptionPending()) {
    // Nothing on the JS stack can catch it: make it the process's uncaught exception, like an
    // exception thrown in any other I/O callback of Node.
    napi_fatal_exception(env, env.GetAndClearPendingException().Value());
  }
}

}  // namespace carp
