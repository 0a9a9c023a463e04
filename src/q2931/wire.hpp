// Private: bounds-checked octet reader and big-endian writer.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd::q2931::wire {

class Reader {
 public:
  explicit Reader(ByteView b) : b_(b) {}
  std::size_t left() const { return b_.size() - pos_; }
  bool empty() const { return left() == 0; }
  std::size_t pos() const { return pos_; }

  [[gnu::always_inline]] bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = b_[pos_++];
    return true;
  }
  [[gnu::always_inline]] bool u16(std::uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<std::uint16_t>(b_[pos_] << 8 | b_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  [[gnu::always_inline]] bool u24(std::uint32_t& v) {
    if (left() < 3) return false;
    v = static_cast<std::uint32_t>(b_[pos_]) << 16 | static_cast<std::uint32_t>(b_[pos_ + 1]) << 8 |
        b_[pos_ + 2];
    pos_ += 3;
    return true;
  }
  [[gnu::always_inline]] bool u32(std::uint32_t& v) {
    if (left() < 4) return false;
    v = static_cast<std::uint32_t>(b_[pos_]) << 24 |
        static_cast<std::uint32_t>(b_[pos_ + 1]) << 16 |
        static_cast<std::uint32_t>(b_[pos_ + 2]) << 8 | b_[pos_ + 3];
    pos_ += 4;
    return true;
  }
  template <class Out>  // Bytes or InlineBytes
  bool bytes(std::size_t n, Out& out) {
    if (left() < n) return false;
    out.assign(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
               b_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return true;
  }
  bool view(std::size_t n, ByteView& out) {
    if (left() < n) return false;
    out = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  ByteView rest() const { return b_.subspan(pos_); }
  void skip_all() { pos_ = b_.size(); }

 private:
  ByteView b_;
  std::size_t pos_ = 0;
};

// Big-endian writer: each write is a bound check and a pointer bump, inlined;
// only spilling is a call. It writes into the caller's scratch octets (on the
// stack: nothing to zero, nothing to allocate) and moves to `spill` only past
// them (a message larger than any the demon sends); take() hands back what
// was written.
class Writer {
 public:
  Writer(std::uint8_t* scratch, std::size_t n, Bytes& spill)
      : spill_(spill), base_(scratch), p_(scratch), end_(scratch + n) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void put8(std::uint32_t v) {
    if (p_ == end_) [[unlikely]]
      grow(1);
    *p_++ = static_cast<std::uint8_t>(v);
  }
  // n (1-4) octets of v, big endian, with one bound check: the value is
  // stored as 4 octets (n need not be a constant: the sub-field tables give
  // it) and the pointer moves by n; the octets past it are overwritten by
  // the next write, or lie past size().
  [[gnu::always_inline]] void put_be(std::uint32_t v, unsigned n) {
    if (end_ - p_ < 4) [[unlikely]]
      grow(4);
    const std::uint32_t be = __builtin_bswap32(v << (32 - 8 * n));
    std::memcpy(p_, &be, 4);
    p_ += n;
  }
  void put(const std::uint8_t* b, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]]
      grow(n);
    if (n != 0) std::memcpy(p_, b, n);
    p_ += n;
  }
  std::size_t size() const { return static_cast<std::size_t>(p_ - base_); }
  // Overwrites an octet already written (a length).
  void patch(std::size_t at, std::uint8_t v) { base_[at] = v; }
  // What was written; `spilled` when it is in `spill` (then cut to it).
  ByteView take(bool& spilled) {
    spilled = spilled_;
    if (spilled_) spill_.resize(size());  // shrinks: the data stay where they are
    return {base_, size()};
  }

 private:
  static constexpr std::size_t kSlack = 64;
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t at = size();
    const std::size_t want = std::max(2 * (at + n), at + n + kSlack);
    if (!spilled_) {
      spill_.resize(want);
      std::memcpy(spill_.data(), base_, at);
      spilled_ = true;
    } else {
      spill_.resize(want);
    }
    base_ = spill_.data();
    p_ = base_ + at;
    end_ = base_ + spill_.size();
  }
  Bytes& spill_;
  std::uint8_t* base_;
  std::uint8_t* p_;
  std::uint8_t* end_;
  bool spilled_ = false;
};

// Forced inline: GCC at -O2 left put16 / put24 as calls.
[[gnu::always_inline]] inline void put8(Writer& out, std::uint32_t v) {
  out.put8(v);
}
[[gnu::always_inline]] inline void put16(Writer& out, std::uint32_t v) {
  out.put_be(v, 2);
}
[[gnu::always_inline]] inline void put24(Writer& out, std::uint32_t v) {
  out.put_be(v, 3);
}
[[gnu::always_inline]] inline void put32(Writer& out, std::uint32_t v) {
  out.put_be(v, 4);
}
inline void put(Writer& out, ByteView b) {
  out.put(b.data(), b.size());
}

inline void put8(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put16(Bytes& out, std::uint32_t v) {
  put8(out, v >> 8);
  put8(out, v);
}
inline void put24(Bytes& out, std::uint32_t v) {
  put8(out, v >> 16);
  put16(out, v);
}
inline void put32(Bytes& out, std::uint32_t v) {
  put16(out, v >> 16);
  put16(out, v);
}
inline void put(Bytes& out, ByteView b) {
  out.insert(out.end(), b.begin(), b.end());
}

}  // namespace atmsigd::q2931::wire
