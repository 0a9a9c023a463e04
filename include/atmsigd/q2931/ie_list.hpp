// The IE list of a Q.2931 message: a vector with room for N elements inside
// the object (issue 13: building or decoding a message allocates nothing), on
// the heap only beyond N (a message with more IEs than any the demon sends or
// expects, e.g. a hostile one, decodes as before). A heap block, once taken,
// is kept by clear() for the next message. The std::vector operations
// call control and the tests use, with the same meaning.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace atmsigd::q2931 {

template <class T, std::size_t N>
class InlineVector {
 public:
  using value_type = T;
  using size_type = std::size_t;
  using reference = T&;
  using const_reference = const T&;
  using iterator = T*;
  using const_iterator = const T*;

  InlineVector() = default;
  InlineVector(std::initializer_list<T> il) { append(il.begin(), il.end()); }
  InlineVector(const std::vector<T>& v) { append(v.begin(), v.end()); }  // NOLINT: as before
  InlineVector(const InlineVector& o) { append(o.begin(), o.end()); }
  InlineVector(InlineVector&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
    take(std::move(o));
  }
  ~InlineVector() {
    clear();
    release_heap();
  }
  InlineVector& operator=(const InlineVector& o) {
    if (this != &o) {
      clear();
      append(o.begin(), o.end());
    }
    return *this;
  }
  InlineVector& operator=(InlineVector&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &o) {
      clear();
      release_heap();
      take(std::move(o));
    }
    return *this;
  }
  InlineVector& operator=(std::vector<T>&& v) {
    clear();
    reserve(v.size());
    for (T& x : v) push_back(std::move(x));
    return *this;
  }
  InlineVector& operator=(const std::vector<T>& v) {
    clear();
    append(v.begin(), v.end());
    return *this;
  }
  InlineVector& operator=(std::initializer_list<T> il) {
    clear();
    append(il.begin(), il.end());
    return *this;
  }

  T* data() { return heap_ != nullptr ? heap_ : inline_data(); }
  const T* data() const { return heap_ != nullptr ? heap_ : inline_data(); }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  size_type size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_type capacity() const { return heap_ != nullptr ? heap_cap_ : N; }
  static constexpr size_type inline_capacity() { return N; }
  T& operator[](size_type i) { return data()[i]; }
  const T& operator[](size_type i) const { return data()[i]; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void reserve(size_type n) {
    if (n > capacity()) grow_to(n);
  }
  template <class... A>
  T& emplace_back(A&&... a) {
    if (size_ == capacity()) grow_to(std::max<size_type>(2 * capacity(), N + 1));
    T* p = ::new (static_cast<void*>(data() + size_)) T(std::forward<A>(a)...);
    ++size_;
    return *p;
  }
  void push_back(const T& x) { emplace_back(x); }
  void push_back(T&& x) { emplace_back(std::move(x)); }
  void pop_back() {
    --size_;
    std::destroy_at(data() + size_);
  }
  void clear() {
    std::destroy(begin(), end());
    size_ = 0;
  }
  iterator erase(const_iterator first, const_iterator last) {
    T* f = begin() + (first - begin());
    T* l = begin() + (last - begin());
    if (f != l) {
      T* new_end = std::move(l, end(), f);
      std::destroy(new_end, end());
      size_ = static_cast<size_type>(new_end - begin());
    }
    return f;
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator insert(const_iterator pos, T x) {
    const auto at = static_cast<size_type>(pos - begin());
    emplace_back(std::move(x));
    std::rotate(begin() + at, end() - 1, end());
    return begin() + at;
  }

  friend bool operator==(const InlineVector& a, const InlineVector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator==(const InlineVector& a, const std::vector<T>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  template <class Pred>
  friend size_type erase_if(InlineVector& v, Pred pred) {
    const auto it = std::remove_if(v.begin(), v.end(), pred);
    const auto n = static_cast<size_type>(v.end() - it);
    v.erase(it, v.end());
    return n;
  }

 private:
  T* inline_data() { return std::launder(reinterpret_cast<T*>(buf_)); }
  const T* inline_data() const { return std::launder(reinterpret_cast<const T*>(buf_)); }

  template <class It>
  void append(It first, It last) {
    reserve(size_ + static_cast<size_type>(std::distance(first, last)));
    for (; first != last; ++first) emplace_back(*first);
  }
  // Moves the elements into a heap block of n (> capacity()).
  void grow_to(size_type n) {
    T* block = std::allocator<T>{}.allocate(n);
    std::uninitialized_move(begin(), end(), block);
    std::destroy(begin(), end());
    release_heap();
    heap_ = block;
    heap_cap_ = n;
  }
  void release_heap() {
    if (heap_ != nullptr) std::allocator<T>{}.deallocate(heap_, heap_cap_);
    heap_ = nullptr;
    heap_cap_ = 0;
  }
  // From a moved-from list: its heap block, or its inline elements one by one.
  void take(InlineVector&& o) {
    if (o.heap_ != nullptr) {
      heap_ = std::exchange(o.heap_, nullptr);
      heap_cap_ = std::exchange(o.heap_cap_, 0);
      size_ = std::exchange(o.size_, 0);
      return;
    }
    std::uninitialized_move(o.begin(), o.end(), inline_data());
    size_ = o.size_;
    o.clear();
  }

  alignas(T) std::byte buf_[N * sizeof(T)];
  size_type size_ = 0;
  T* heap_ = nullptr;
  size_type heap_cap_ = 0;
};

}  // namespace atmsigd::q2931
