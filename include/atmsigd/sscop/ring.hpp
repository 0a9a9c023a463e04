// A FIFO over one growable array (SSCOP's queues and buffers): push_back,
// pop_front and indexing from the front, like the std::deque it replaces, but
// the storage is kept when elements go, so a queue that cycles in steady state
// allocates nothing (a deque allocates a block every few elements). It grows
// by doubling; elements are moved on growth, so a reference into the ring is
// valid only until the next push_back or resize.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace atmsigd::sscop {

template <class T>
class Ring {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return slots_[(head_ + i) & mask()]; }
  const T& operator[](std::size_t i) const { return slots_[(head_ + i) & mask()]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }

  template <class... A>
  T& emplace_back(A&&... a) {
    if (size_ == slots_.size()) grow(size_ + 1);
    T& slot = (*this)[size_];
    slot = T(std::forward<A>(a)...);
    ++size_;
    return slot;
  }
  void push_back(T v) { emplace_back(std::move(v)); }
  // A new element at the back, its slot as its last occupant left it (T{},
  // or moved-from after drop_front_emptied()): the caller assigns every member.
  T& push_back_slot() {
    if (size_ == slots_.size()) grow(size_ + 1);
    return (*this)[size_++];
  }
  // The element goes; its slot keeps no value (reset to T{}) but the array stays.
  void pop_front() {
    front() = T{};
    head_ = (head_ + 1) & mask();
    --size_;
  }
  // The first n (<= size()) elements go without their slots being reset: for
  // elements the caller has emptied already (their buffers moved out), which
  // stay in their slots moved-from until emplace_back() or the caller of
  // push_back_slot() assigns them anew.
  void drop_front_emptied(std::size_t n) {
    if (n == 0) return;
    head_ = (head_ + n) & mask();
    size_ -= n;
  }
  void clear() {
    for (std::size_t i = 0; i < size_; ++i) (*this)[i] = T{};
    head_ = size_ = 0;
  }
  // New elements (at the back) are T{}.
  void resize(std::size_t n) {
    if (n > slots_.size()) grow(n);
    for (std::size_t i = n; i < size_; ++i) (*this)[i] = T{};
    size_ = n;
  }

  template <class F>
  void for_each(F&& f) {
    for (std::size_t i = 0; i < size_; ++i) f((*this)[i]);
  }

 private:
  std::size_t mask() const { return slots_.size() - 1; }
  // Capacity a power of two (index by mask), at least n; the elements are
  // moved to the front of the new array.
  void grow(std::size_t n) {
    std::size_t cap = slots_.empty() ? 8 : slots_.size();
    while (cap < n) cap *= 2;
    std::vector<T> next(cap);
    for (std::size_t i = 0; i < size_; ++i) next[i] = std::move((*this)[i]);
    slots_ = std::move(next);
    head_ = 0;
  }

  std::vector<T> slots_;  // size a power of two, or empty
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace atmsigd::sscop
