#include "frame_io.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "args.h"
#include "errors.h"

namespace carp {
namespace {

// sendmmsg/recvmmsg take at most UIO_MAXIOV messages per call.
constexpr size_t kMaxMessagesPerCall = 1024;
// Beyond this a slot is not a frame buffer but a mistake (and slot offsets could overflow).
constexpr double kMaxSlotSize = 16 * 1024 * 1024;

bool EndsBatchQuietly(int errnum) {
  return errnum == EAGAIN || errnum == EWOULDBLOCK;
}

bool EndsWriteBatchQuietly(int errnum) {
  // ENOBUFS: the device queue is full. The caller counts the rest of the batch as dropped.
  return EndsBatchQuietly(errnum) || errnum == ENOBUFS;
}

}  // namespace

bool ParseReadTarget(const Napi::CallbackInfo& info, const std::string& subject, size_t minSlotSize,
                     ReadTarget* out) {
  Napi::Env env = info.Env();
  size_t arenaLength = 0;
  if (!GetBytes(env, info[0], subject, "readBatch arena", &out->arena, &arenaLength) ||
      !GetInteger(env, info[1], subject, "readBatch slotSize", static_cast<double>(minSlotSize), kMaxSlotSize,
                  &out->slotSize) ||
      !GetUint32Array(env, info[2], subject, "readBatch lengths", &out->lengths, &out->slots)) {
    return false;
  }
  if (out->slots > arenaLength / out->slotSize) {
    ThrowRangeError(env, subject,
                    "readBatch arena of " + std::to_string(arenaLength) + " bytes has no room for " +
                        std::to_string(out->slots) + " slots of " + std::to_string(out->slotSize) + " bytes");
    return false;
  }
  return true;
}

bool ParseWriteSource(const Napi::CallbackInfo& info, const std::string& subject, WriteSource* out) {
  Napi::Env env = info.Env();
  uint8_t* arena = nullptr;
  size_t arenaLength = 0, offsetCount = 0, lengthCount = 0;
  uint32_t* offsets = nullptr;
  uint32_t* lengths = nullptr;
  if (!GetBytes(env, info[0], subject, "writeBatch arena", &arena, &arenaLength) ||
      !GetUint32Array(env, info[1], subject, "writeBatch offsets", &offsets, &offsetCount) ||
      !GetUint32Array(env, info[2], subject, "writeBatch lengths", &lengths, &lengthCount) ||
      !GetInteger(env, info[3], subject, "writeBatch count", 0, static_cast<double>(std::min(offsetCount, lengthCount)),
                  &out->count)) {
    return false;
  }
  for (size_t i = 0; i < out->count; i++) {
    if (static_cast<uint64_t>(offsets[i]) + lengths[i] > arenaLength) {
      ThrowRangeError(env, subject,
                      "writeBatch frame " + std::to_string(i) + " [" + std::to_string(offsets[i]) + ", +" +
                          std::to_string(lengths[i]) + ") lies outside the arena of " + std::to_string(arenaLength) +
                          " bytes");
      return false;
    }
  }
  out->arena = arena;
  out->offsets = offsets;
  out->lengths = lengths;
  return true;
}

BatchOutcome ReadEach(int fd, const ReadTarget& target) {
  BatchOutcome outcome;
  while (outcome.count < target.slots) {
    ssize_t length = read(fd, target.arena + outcome.count * target.slotSize, target.slotSize);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (!EndsBatchQuietly(errno)) outcome.errnum = errno;
      break;
    }
    target.lengths[outcome.count++] = static_cast<uint32_t>(length);
  }
  return outcome;
}

BatchOutcome WriteEach(int fd, const WriteSource& source) {
  BatchOutcome outcome;
  while (outcome.count < source.count) {
    const size_t i = outcome.count;
    if (write(fd, source.arena + source.offsets[i], source.lengths[i]) < 0) {
      if (errno == EINTR) continue;
      if (!EndsWriteBatchQuietly(errno)) outcome.errnum = errno;
      break;
    }
    outcome.count++;
  }
  return outcome;
}

void MessageBatch::Reserve(size_t count) {
  if (headers_.size() < count) {
    headers_.resize(count);
    vectors_.resize(count);
  }
}

// A frame longer than its slot comes back with MSG_TRUNC: it is dropped, and the frames after it
// move down one slot, so the caller sees only whole frames in consecutive slots.
BatchOutcome MessageBatch::Receive(int fd, const ReadTarget& target) {
  BatchOutcome outcome;
  Reserve(std::min(target.slots, kMaxMessagesPerCall));
  while (outcome.count < target.slots) {
    const size_t wanted = std::min(target.slots - outcome.count, kMaxMessagesPerCall);
    for (size_t i = 0; i < wanted; i++) {
      vectors_[i] = {target.arena + (outcome.count + i) * target.slotSize, target.slotSize};
      headers_[i].msg_hdr = {};
      headers_[i].msg_hdr.msg_iov = &vectors_[i];
      headers_[i].msg_hdr.msg_iovlen = 1;
    }
    int received = recvmmsg(fd, headers_.data(), static_cast<unsigned>(wanted), MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EINTR) continue;
      // ENETDOWN: the interface went down; the kernel reports it once and the link state reaches
      // the daemon through netlink, so reading simply finds nothing more.
      if (!EndsBatchQuietly(errno) && errno != ENETDOWN) outcome.errnum = errno;
      break;
    }
    size_t kept = outcome.count;
    for (int i = 0; i < received; i++) {
      if (headers_[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
      uint8_t* slot = target.arena + kept * target.slotSize;
      if (vectors_[i].iov_base != slot) memmove(slot, vectors_[i].iov_base, headers_[i].msg_len);
      target.lengths[kept++] = headers_[i].msg_len;
    }
    outcome.count = kept;
    if (static_cast<size_t>(received) < wanted) break;
  }
  return outcome;
}

BatchOutcome MessageBatch::Send(int fd, const WriteSource& source) {
  BatchOutcome outcome;
  Reserve(std::min(source.count, kMaxMessagesPerCall));
  while (outcome.count < source.count) {
    const size_t wanted = std::min(source.count - outcome.count, kMaxMessagesPerCall);
    for (size_t i = 0; i < wanted; i++) {
      const size_t frame = outcome.count + i;
      vectors_[i] = {const_cast<uint8_t*>(source.arena + source.offsets[frame]), source.lengths[frame]};
      headers_[i].msg_hdr = {};
      headers_[i].msg_hdr.msg_iov = &vectors_[i];
      headers_[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(fd, headers_.data(), static_cast<unsigned>(wanted), MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (!EndsWriteBatchQuietly(errno)) outcome.errnum = errno;
      break;
    }
    outcome.count += static_cast<size_t>(sent);
    // sendmmsg stops at the first message that fails and keeps its error to itself once some went;
    // the caller counts the rest of the batch as dropped.
    if (static_cast<size_t>(sent) < wanted) break;
  }
  return outcome;
}

}  // namespace carp
