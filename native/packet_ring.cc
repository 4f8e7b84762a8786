#include "packet_ring.h"

#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

namespace carp {
namespace {

tpacket2_hdr* HeaderOf(uint8_t* frame) {
  return reinterpret_cast<tpacket2_hdr*>(frame);
}

bool OwnedByUser(const tpacket2_hdr* header) {
  return (__atomic_load_n(&header->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
}

void GiveBack(tpacket2_hdr* header) {
  __atomic_store_n(&header->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

}  // namespace

bool RxRing::Setup(int fd, const char** syscall) {
  const int version = TPACKET_V2;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) {
    *syscall = "setsockopt(PACKET_VERSION)";
    return false;
  }
  tpacket_req request = {};
  request.tp_block_size = kBlockSize;
  request.tp_block_nr = kBlocks;
  request.tp_frame_size = kFrameSize;
  request.tp_frame_nr = kFramesPerBlock * kBlocks;
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, sizeof request) < 0) {
    *syscall = "setsockopt(PACKET_RX_RING)";
    return false;
  }
  const size_t size = kBlockSize * kBlocks;
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    *syscall = "mmap(PACKET_RX_RING)";
    return false;
  }
  base_ = static_cast<uint8_t*>(base);
  size_ = size;
  frames_ = request.tp_frame_nr;
  return true;
}

size_t RxRing::Receive(uint32_t* offsets, uint32_t* lengths, size_t max, size_t prefix) {
  Release();
  size_t count = 0;
  while (count < max && pending_ < frames_) {
    tpacket2_hdr* header = HeaderOf(FrameAt((head_ + pending_) % frames_));
    if (!OwnedByUser(header)) break;
    pending_++;
    if (header->tp_snaplen < header->tp_len) continue;  // cut short by the slot: dropped
    offsets[count] = static_cast<uint32_t>(reinterpret_cast<uint8_t*>(header) + header->tp_mac - prefix - base_);
    lengths[count] = header->tp_snaplen + static_cast<uint32_t>(prefix);
    count++;
  }
  return count;
}

void RxRing::Release() {
  for (; pending_ > 0; pending_--) {
    GiveBack(HeaderOf(FrameAt(head_)));
    head_ = (head_ + 1) % frames_;
  }
}

BatchOutcome RxRing::CopyOut(const ReadTarget& target, size_t prefix) {
  Release();
  BatchOutcome outcome;
  while (outcome.count < target.slots) {
    tpacket2_hdr* header = HeaderOf(FrameAt(head_));
    if (!OwnedByUser(header)) break;
    const size_t length = header->tp_snaplen + prefix;
    if (header->tp_snaplen == header->tp_len && length <= target.slotSize) {
      memcpy(target.arena + outcome.count * target.slotSize,
             reinterpret_cast<uint8_t*>(header) + header->tp_mac - prefix, length);
      target.lengths[outcome.count++] = static_cast<uint32_t>(length);
    }
    GiveBack(header);
    head_ = (head_ + 1) % frames_;
  }
  return outcome;
}

void RxRing::Detach() {
  if (base_ == nullptr) return;
  mmap(base_, size_, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  base_ = nullptr;
  pending_ = 0;
}

void RxRing::Unmap() {
  if (base_ == nullptr) return;
  munmap(base_, size_);
  base_ = nullptr;
}

}  // namespace carp
