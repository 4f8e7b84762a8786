// Batched frame transfer (src/native/types.ts FrameIo): one native call moves a whole batch, since
// a JS<->native crossing costs about as much as handling a small frame (docs/protocol.md §7.2).
#pragma once

#include <napi.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

namespace carp {

// readBatch(arena, slotSize, lengths): frame i goes to [i * slotSize, (i + 1) * slotSize).
struct ReadTarget {
  uint8_t* arena = nullptr;
  size_t slotSize = 0;
  uint32_t* lengths = nullptr;
  size_t slots = 0;
};

// writeBatch(arena, offsets, lengths, count): frame i is [offsets[i], offsets[i] + lengths[i]).
struct WriteSource {
  const uint8_t* arena = nullptr;
  const uint32_t* offsets = nullptr;
  const uint32_t* lengths = nullptr;
  size_t count = 0;
};

// How a batch ended: `count` frames moved; `errnum` is the errno that stopped it, 0 when it ended
// because the batch was done or the kernel had nothing more (EAGAIN, or ENOBUFS on writes).
struct BatchOutcome {
  size_t count = 0;
  int errnum = 0;
};

// Check the whole batch before any frame moves; false with a JS exception pending on bad input.
bool ParseReadTarget(const Napi::CallbackInfo& info, const std::string& subject, size_t minSlotSize,
                     ReadTarget* out);
bool ParseWriteSource(const Napi::CallbackInfo& info, const std::string& subject, WriteSource* out);

// One read()/write() per frame: a TAP has no recvmmsg/sendmmsg.
BatchOutcome ReadEach(int fd, const ReadTarget& target);
BatchOutcome WriteEach(int fd, const WriteSource& source);

// recvmmsg/sendmmsg with message headers reused from call to call.
class MessageBatch {
 public:
  BatchOutcome Receive(int fd, const ReadTarget& target);
  BatchOutcome Send(int fd, const WriteSource& source);

 private:
  void Reserve(size_t count);
  std::vector<mmsghdr> headers_;
  std::vector<iovec> vectors_;
};

}  // namespace carp
