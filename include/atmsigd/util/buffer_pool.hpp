// Message buffers from a pool (issue 13: no heap allocation per message in
// steady state). Every message sent is a Bytes that travels from the encoder
// (q2931::encode, SSCOP's control PDUs) through SSCF, SSCOP and the engine to
// the I/O shell, which copies it into its send ring; SSCOP also keeps a copy
// of each SD until it is acknowledged. Each was a malloc and a free. Now the
// encoders take an empty buffer with room for a message from this thread's
// pool, and whoever is done with one (the shell after the copy, SSCOP for an
// acknowledged SD) gives it back: its capacity is kept for the next message.
//
// Bounded: at most kKept buffers are kept, each of kCapacity..kMaxCapacity
// octets; any other buffer given back is freed, so memory never grows.
// Under ASan take_buffer() and give_back_buffer() use the heap (a fresh
// buffer, a plain free), so that a use after give-back is still found.
//
// A pool per thread, not shared: the demon is one thread, and nothing is
// locked. A buffer may be given back to any thread's pool.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/sanitizer.hpp"

namespace atmsigd {

inline constexpr bool kBuffersPooled = !kAddressSanitizer;

class BufferPool {
 public:
  // A taken buffer holds any Q.2931 message up to 256 octets with SSCOP's SD
  // trailer (pad and 4 octets) behind it, without growing.
  static constexpr std::size_t kCapacity = 264;
  // Larger buffers (a long message once) are freed, not kept.
  static constexpr std::size_t kMaxCapacity = 2048;
  // More than one SSCOP connection has outstanding in steady state (window
  // and MaxPD 25 SDs between POLLs), with the messages in flight.
  static constexpr std::size_t kKept = 64;

  constexpr BufferPool() = default;
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // An empty buffer of capacity >= kCapacity: a kept one (three words
  // swapped), else a new one.
  Bytes take() {
    Bytes b;
    if (n_ == 0) [[unlikely]] {
      b.reserve(kCapacity);
    } else {
      b.swap(slots_[--n_]);
    }
    return b;
  }
  // Kept (emptied) if the pool has room and its capacity fits, else freed.
  // Either way `b` is left without storage.
  void give_back(Bytes&& b) noexcept {
    const std::size_t cap = b.capacity();
    if (cap < kCapacity || cap > kMaxCapacity || n_ == kKept) [[unlikely]] {
      Bytes().swap(b);
      return;
    }
    b.clear();
    slots_[n_++].swap(b);  // the slot was empty
  }
  std::size_t kept() const { return n_; }

 private:
  // Slots [0, n_) hold kept buffers, the others none: no allocation but the
  // buffers themselves (a std::vector of them would grow).
  std::array<Bytes, kKept> slots_{};
  std::size_t n_ = 0;
};

// This thread's pool (constant-initialized: its first use costs nothing).
inline thread_local BufferPool t_buffer_pool;
inline BufferPool& this_thread_buffers() {
  return t_buffer_pool;
}

// An empty buffer with room for a message (BufferPool::take of this thread).
inline Bytes take_buffer() {
  if constexpr (kBuffersPooled) {
    return t_buffer_pool.take();
  } else {
    Bytes b;
    b.reserve(BufferPool::kCapacity);
    return b;
  }
}

// A copy of `v` in a buffer of the pool (an out-of-sequence SD that SSCOP
// keeps, a retransmission, the transmission buffer's copy of an SD sent).
inline Bytes pooled_copy(ByteView v) {
  Bytes b = take_buffer();
  b.assign(v.begin(), v.end());  // grows for a longer message
  return b;
}

// The buffer of a message that is done with (its content goes; under ASan,
// freed at once).
inline void give_back_buffer(Bytes&& b) noexcept {
  if constexpr (kBuffersPooled) {
    t_buffer_pool.give_back(std::move(b));
  } else {
    Bytes().swap(b);
  }
}

}  // namespace atmsigd
