// A byte string kept inline up to N octets, on the heap only beyond (issue
// 13: no allocation per message). For IE fields with a usual bound (an ATM
// address: 20 octets) that the wire does not enforce: a longer one received
// is kept whole, as a std::vector kept it, so decoding does not change.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <type_traits>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd {

template <std::size_t N>
class InlineBytes {
 public:
  InlineBytes() = default;
  InlineBytes(std::initializer_list<std::uint8_t> il) { assign(il.begin(), il.end()); }
  InlineBytes(const InlineBytes& o) { assign(o.begin(), o.end()); }
  InlineBytes(const Bytes& b) { assign(b.begin(), b.end()); }  // NOLINT: as a Bytes field was
  InlineBytes(InlineBytes&& o) noexcept : size_(o.size_), heap_(std::move(o.heap_)) {
    if (size_ <= N) std::memcpy(inline_, o.inline_, size_);
    o.size_ = 0;
  }
  InlineBytes& operator=(const InlineBytes& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  InlineBytes& operator=(InlineBytes&& o) noexcept {
    if (this == &o) return *this;
    size_ = o.size_;
    heap_ = std::move(o.heap_);
    if (size_ <= N) std::memcpy(inline_, o.inline_, size_);
    o.size_ = 0;
    return *this;
  }
  InlineBytes& operator=(const Bytes& b) {
    assign(b.begin(), b.end());
    return *this;
  }
  InlineBytes& operator=(std::initializer_list<std::uint8_t> il) {
    assign(il.begin(), il.end());
    return *this;
  }

  template <class It>
  requires(!std::is_integral_v<It>)  // assign(20, 0x47) is a count and a value
      void assign(It first, It last) {
    const auto n = static_cast<std::size_t>(std::distance(first, last));
    if (n <= N) {
      std::copy(first, last, inline_);
      heap_.clear();
    } else {
      heap_.assign(first, last);
    }
    size_ = n;
  }
  void assign(std::size_t n, std::uint8_t v) {
    if (n <= N) {
      std::fill_n(inline_, n, v);
      heap_.clear();
    } else {
      heap_.assign(n, v);
    }
    size_ = n;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* data() const { return size_ <= N ? inline_ : heap_.data(); }
  std::uint8_t* data() { return size_ <= N ? inline_ : heap_.data(); }
  const std::uint8_t* begin() const { return data(); }
  const std::uint8_t* end() const { return data() + size_; }
  std::uint8_t* begin() { return data(); }
  std::uint8_t* end() { return data() + size_; }
  std::uint8_t operator[](std::size_t i) const { return data()[i]; }
  operator ByteView() const { return {data(), size_}; }  // NOLINT: used as a view

  friend bool operator==(const InlineBytes& a, const InlineBytes& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator==(const InlineBytes& a, const Bytes& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::uint8_t inline_[N]{};
  std::size_t size_ = 0;
  Bytes heap_;  // used only beyond N octets (empty otherwise: no allocation)
};

}  // namespace atmsigd
