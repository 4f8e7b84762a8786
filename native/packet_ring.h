// A TPACKET_V2 receive ring (PACKET_RX_RING) on a packet socket. The kernel copies each frame into
// memory shared with the daemon while it receives the frame (in softirq, usually on the sender's
// CPU), so the relay reads and forwards it in place: no recvmmsg, and no copy on the daemon's
// thread (docs/benchmarks.md, "What was tried").
#pragma once

#include <cstddef>
#include <cstdint>

#include "frame_io.h"

namespace carp {

class RxRing {
 public:
  // PACKET_VERSION, PACKET_RX_RING and mmap on a socket not bound yet, after PACKET_VNET_HDR
  // (which the kernel refuses once a ring exists). On failure: false, errno set, *syscall named.
  bool Setup(int fd, const char** syscall);
  bool mapped() const { return base_ != nullptr; }
  uint8_t* base() const { return base_; }
  size_t size() const { return size_; }

  // The frames the kernel filled, oldest first, at most `max`: frame i is [offsets[i],
  // offsets[i] + lengths[i]) in the mapping, starting `prefix` bytes (the vnet header) before its
  // Ethernet header. They stay the caller's until Release(). A frame cut short by its slot is
  // dropped. Frames received earlier and not released yet are released first.
  size_t Receive(uint32_t* offsets, uint32_t* lengths, size_t max, size_t prefix);
  // Gives the received frames back to the kernel.
  void Release();
  // readBatch on a ring: copies frames into the caller's slots and releases them at once.
  BatchOutcome CopyOut(const ReadTarget& target, size_t prefix);
  // On close: the ring's pages leave the address space; the range stays valid (zero pages) for a
  // Buffer that still points at it, and the Buffer's finalizer unmaps it.
  void Detach();
  // Unmaps a ring no Buffer points at (a socket that failed to open).
  void Unmap();

 private:
  // Frames do not cross blocks, and a block may end in a few bytes no frame uses.
  uint8_t* FrameAt(size_t index) const {
    return base_ + index / kFramesPerBlock * kBlockSize + index % kFramesPerBlock * kFrameSize;
  }

  static constexpr size_t kBlockSize = 1 << 20;
  // 64 KiB GSO super-frame + vnet header + Ethernet + VLAN tag + tpacket2_hdr and sockaddr_ll,
  // rounded so that 15 frames fill a block (kernel blocks are power-of-two page runs).
  static constexpr size_t kFrameSize = kBlockSize / 15 / 16 * 16;
  static constexpr size_t kFramesPerBlock = kBlockSize / kFrameSize;
  static constexpr size_t kBlocks = 8;

  uint8_t* base_ = nullptr;
  size_t size_ = 0;
  size_t frames_ = 0;
  size_t head_ = 0;
  size_t pending_ = 0;
};

}  // namespace carp
