// Compact hash maps for what the demon keeps per held call (issue 13: at most
// 256 B of RSS per held call at a million calls).
//
// FlatMap<K, V>: open addressing in one array of (key, value) slots, linear
// probing, deletion by backward shift (no tombstones: a lookup never walks
// over dead slots, however many calls came and went). Occupancy is a bitmap
// (1 bit per slot), so no key value is reserved. The bucket of a key is
// (hash * capacity) >> 64 (any capacity works), and the table grows by half
// (x1.5) when it would pass 80 % load: a slot costs sizeof(pair<K, V>) / load,
// the load staying between 53 % and 80 % once grown. std::unordered_map costs
// a node (key, value, next pointer, malloc's header) plus a bucket pointer per
// entry.
//
// SlabMap<K, T>: for records larger than a few words. The records live in a
// slab of fixed chunks (stable addresses, like a node container's), the index
// maps the key to the record's 32-bit slot in the slab.
//
// Both have the subset of std::unordered_map's interface the demon uses.
// Unlike std::unordered_map, an insertion invalidates FlatMap's iterators and
// references (SlabMap's records stay put; its iterators are invalidated),
// and no element may be inserted or erased while iterating.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace atmsigd::util {

// splitmix64's finalizer: the bucket is taken from the high bits of the hash,
// so consecutive keys (socket ids, call references) must be spread.
struct IntHash {
  template <class K>
  requires std::is_integral_v<K> || std::is_enum_v<K> std::uint64_t operator()(K k) const noexcept {
    auto x = static_cast<std::uint64_t>(k);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
  }
};

namespace flat_detail {

// Tables of 256 KiB and more come straight from mmap and go back with munmap
// when the table grows: from malloc, a freed array below glibc's (adaptive)
// mmap threshold stays a hole in the heap that is still counted in RSS.
inline constexpr std::size_t kMmapFrom = std::size_t{256} * 1024;

inline void* allocate(std::size_t bytes) {
  if (bytes >= kMmapFrom) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
  return ::operator new(bytes);
}

inline void deallocate(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes >= kMmapFrom)
    ::munmap(p, bytes);
  else
    ::operator delete(p);
}

}  // namespace flat_detail

template <class K, class V, class Hash = IntHash>
class FlatMap {
 public:
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<K, V>;
  static_assert(alignof(value_type) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

  template <bool Const>
  class Iter {
   public:
    using Map = std::conditional_t<Const, const FlatMap, FlatMap>;
    using Ref = std::conditional_t<Const, const value_type&, value_type&>;
    using Ptr = std::conditional_t<Const, const value_type*, value_type*>;
    Iter() = default;
    Iter(Map* m, std::size_t i) : m_(m), i_(i) { skip(); }
    operator Iter<true>() const { return Iter<true>(m_, i_); }  // NOLINT: like std's
    Ref operator*() const { return m_->slots_[i_]; }
    Ptr operator->() const { return &m_->slots_[i_]; }
    Iter& operator++() {
      ++i_;
      skip();
      return *this;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_; }
    std::size_t slot() const { return i_; }

   private:
    void skip() {
      while (i_ < m_->cap_ && !m_->used(i_)) ++i_;
    }
    Map* m_ = nullptr;
    std::size_t i_ = 0;
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  FlatMap() = default;
  FlatMap(const FlatMap&) = delete;
  FlatMap& operator=(const FlatMap&) = delete;
  FlatMap(FlatMap&& o) noexcept { swap(o); }
  FlatMap& operator=(FlatMap&& o) noexcept {
    if (this != &o) {
      FlatMap tmp(std::move(o));
      swap(tmp);
    }
    return *this;
  }
  ~FlatMap() { release(); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return cap_; }
  // Bytes of the table (slots and bitmap): what the map costs besides nothing.
  std::size_t memory_bytes() const { return bytes_for(cap_); }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, cap_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, cap_); }

  iterator find(const K& k) { return iterator(this, locate(k)); }
  const_iterator find(const K& k) const { return const_iterator(this, locate(k)); }
  // The value of k, null if none: one probe, no iterator (find() and a
  // comparison with end() each scan the occupancy bitmap; issue 13).
  V* find_ptr(const K& k) {
    const std::size_t i = locate(k);
    return i == cap_ ? nullptr : &slots_[i].second;
  }
  const V* find_ptr(const K& k) const {
    const std::size_t i = locate(k);
    return i == cap_ ? nullptr : &slots_[i].second;
  }
  bool contains(const K& k) const { return locate(k) != cap_; }
  std::size_t count(const K& k) const { return contains(k) ? 1 : 0; }
  V& at(const K& k) {
    const std::size_t i = locate(k);
    if (i == cap_) throw std::out_of_range("FlatMap::at");
    return slots_[i].second;
  }
  const V& at(const K& k) const {
    const std::size_t i = locate(k);
    if (i == cap_) throw std::out_of_range("FlatMap::at");
    return slots_[i].second;
  }

  // Inserts (k, V(args...)) unless k is present; returns where k is.
  template <class... A>
  std::pair<iterator, bool> try_emplace(const K& k, A&&... args) {
    const std::size_t i = locate(k);
    if (i != cap_) return {iterator(this, i), false};
    return {iterator(this, insert_absent(k, std::forward<A>(args)...)), true};
  }
  // Inserts (k, V(args...)) for a k the caller knows to be absent: no
  // lookup first. Returns the new value.
  template <class... A>
  V& emplace_absent(const K& k, A&&... args) {
    const std::size_t i = insert_absent(k, std::forward<A>(args)...);  // may move slots_
    return slots_[i].second;
  }
  template <class U>
  std::pair<iterator, bool> emplace(const K& k, U&& v) {
    return try_emplace(k, std::forward<U>(v));
  }
  V& operator[](const K& k) { return try_emplace(k).first->second; }

  std::size_t erase(const K& k) {
    const std::size_t i = locate(k);
    if (i == cap_) return 0;
    erase_slot(i);
    return 1;
  }
  void erase(const_iterator it) { erase_slot(it.slot()); }
  // Erases k, its value moved to `out` first; false (out untouched) if none.
  bool erase_into(const K& k, V& out) {
    const std::size_t i = locate(k);
    if (i == cap_) return false;
    out = std::move(slots_[i].second);
    erase_slot(i);
    return true;
  }

  void clear() {
    for (std::size_t i = 0; i < cap_; ++i)
      if (used(i)) slots_[i].~value_type();
    for (std::size_t w = 0; w < words(cap_); ++w) bits_[w] = 0;
    size_ = 0;
  }

  void swap(FlatMap& o) noexcept {
    std::swap(slots_, o.slots_);
    std::swap(bits_, o.bits_);
    std::swap(cap_, o.cap_);
    std::swap(size_, o.size_);
    std::swap(hash_, o.hash_);
  }

 private:
  static std::size_t words(std::size_t cap) { return (cap + 63) / 64; }
  // One block: the bitmap, then the slots.
  static std::size_t slots_offset(std::size_t cap) {
    const std::size_t a = alignof(value_type);
    return (words(cap) * sizeof(std::uint64_t) + a - 1) / a * a;
  }
  static std::size_t bytes_for(std::size_t cap) {
    return cap == 0 ? 0 : slots_offset(cap) + cap * sizeof(value_type);
  }
  // Puts (k, V(args...)) in a free slot of k's cluster; k must be absent.
  template <class... A>
  std::size_t insert_absent(const K& k, A&&... args) {
    K key = k;  // k may live in the table that grow() frees
    if ((size_ + 1) * 5 > cap_ * 4) grow();
    std::size_t i = bucket(hash_(key));
    while (used(i)) i = next(i);
    ::new (static_cast<void*>(&slots_[i]))
        value_type(std::piecewise_construct, std::forward_as_tuple(std::move(key)),
                   std::forward_as_tuple(std::forward<A>(args)...));
    set_used(i, true);
    ++size_;
    return i;
  }
  bool used(std::size_t i) const { return (bits_[i / 64] >> (i % 64)) & 1u; }
  void set_used(std::size_t i, bool b) {
    const std::uint64_t m = std::uint64_t{1} << (i % 64);
    if (b)
      bits_[i / 64] |= m;
    else
      bits_[i / 64] &= ~m;
  }
  std::size_t bucket(std::uint64_t h) const {
    __extension__ using U128 = unsigned __int128;
    return static_cast<std::size_t>((static_cast<U128>(h) * cap_) >> 64);
  }
  std::size_t next(std::size_t i) const { return i + 1 == cap_ ? 0 : i + 1; }
  // Cyclic distance from a to b.
  std::size_t dist(std::size_t a, std::size_t b) const { return b >= a ? b - a : b + cap_ - a; }

  // The slot holding k, cap_ if none.
  std::size_t locate(const K& k) const {
    if (size_ == 0) return cap_;
    for (std::size_t i = bucket(hash_(k));; i = next(i)) {
      if (!used(i)) return cap_;
      if (slots_[i].first == k) return i;
    }
  }

  // Backward shift (Knuth 6.4 Algorithm R): every entry after the hole in its
  // cluster that may sit in the hole (its bucket is not between the hole and
  // itself) moves back, so no lookup ever needs a tombstone.
  void erase_slot(std::size_t hole) {
    for (std::size_t j = next(hole); used(j); j = next(j)) {
      const std::size_t home = bucket(hash_(slots_[j].first));
      if (dist(home, j) >= dist(hole, j)) {
        slots_[hole] = std::move(slots_[j]);
        hole = j;
      }
    }
    slots_[hole].~value_type();
    set_used(hole, false);
    --size_;
  }

  void grow() {
    const std::size_t cap = cap_ < 16 ? 16 : cap_ + cap_ / 2;
    void* block = flat_detail::allocate(bytes_for(cap));
    auto* bits = static_cast<std::uint64_t*>(block);
    for (std::size_t w = 0; w < words(cap); ++w) bits[w] = 0;
    auto* slots = reinterpret_cast<value_type*>(static_cast<char*>(block) + slots_offset(cap));
    FlatMap old;
    swap(old);
    hash_ = old.hash_;
    slots_ = slots;
    bits_ = bits;
    cap_ = cap;
    for (std::size_t i = 0; i < old.cap_; ++i) {
      if (!old.used(i)) continue;
      std::size_t j = bucket(hash_(old.slots_[i].first));
      while (used(j)) j = next(j);
      ::new (static_cast<void*>(&slots_[j])) value_type(std::move(old.slots_[i]));
      set_used(j, true);
      ++size_;
    }
  }

  void release() noexcept {
    if (cap_ == 0) return;
    for (std::size_t i = 0; i < cap_; ++i)
      if (used(i)) slots_[i].~value_type();
    flat_detail::deallocate(bits_, bytes_for(cap_));
    slots_ = nullptr;
    bits_ = nullptr;
    cap_ = 0;
    size_ = 0;
  }

  value_type* slots_ = nullptr;
  std::uint64_t* bits_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t size_ = 0;
  [[no_unique_address]] Hash hash_{};
};

// Records in fixed chunks of 256 (allocated as the count grows, never moved);
// a released slot is reset to T{} (its resources freed) and reused first.
template <class T>
class Slab {
 public:
  static constexpr std::uint32_t kChunk = 256;

  std::uint32_t add(T&& v) {
    std::uint32_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      i = next_++;
      if (i % kChunk == 0) chunks_.push_back(std::make_unique<T[]>(kChunk));
    }
    // The slot holds a T{} (new, or reset by remove()): it is ended and the
    // record move-constructed in its place, cheaper than a move assignment
    // (which looks at what the slot held first, field by field).
    static_assert(std::is_nothrow_move_constructible_v<T>, "a slot is made again in place");
    T& slot = (*this)[i];
    slot.~T();
    ::new (static_cast<void*>(&slot)) T(std::move(v));
    return i;
  }
  void remove(std::uint32_t i) {
    // Reset to T{}: its resources freed now, not when the slot is reused.
    // (T() must not throw: std::chrono::time_point's constructor is not
    // declared noexcept, so a trait cannot say it for a record holding one.)
    T& slot = (*this)[i];
    slot.~T();
    ::new (static_cast<void*>(&slot)) T();
    free_.push_back(i);
  }
  T& operator[](std::uint32_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](std::uint32_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  void clear() {
    chunks_.clear();
    free_.clear();
    next_ = 0;
  }
  std::size_t memory_bytes() const {
    return chunks_.size() * kChunk * sizeof(T) + chunks_.capacity() * sizeof(void*) +
           free_.capacity() * sizeof(std::uint32_t);
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::vector<std::uint32_t> free_;
  std::uint32_t next_ = 0;
};

template <class K, class T, class Hash = IntHash>
class SlabMap {
  using Index = FlatMap<K, std::uint32_t, Hash>;

 public:
  template <bool Const>
  class Iter {
   public:
    using Map = std::conditional_t<Const, const SlabMap, SlabMap>;
    using In = std::conditional_t<Const, typename Index::const_iterator, typename Index::iterator>;
    using TRef = std::conditional_t<Const, const T&, T&>;
    struct Ref {
      const K& first;
      TRef second;
    };
    struct Arrow {
      Ref r;
      const Ref* operator->() const { return &r; }
    };
    Iter(Map* m, In it) : m_(m), it_(it) {}
    operator Iter<true>() const { return Iter<true>(m_, it_); }  // NOLINT: like std's
    Ref operator*() const { return Ref{it_->first, m_->slab_[it_->second]}; }
    Arrow operator->() const { return Arrow{**this}; }
    Iter& operator++() {
      ++it_;
      return *this;
    }
    bool operator==(const Iter& o) const { return it_ == o.it_; }
    In index_iterator() const { return it_; }

   private:
    Map* m_;
    In it_;
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  std::size_t memory_bytes() const { return index_.memory_bytes() + slab_.memory_bytes(); }

  iterator begin() { return iterator(this, index_.begin()); }
  iterator end() { return iterator(this, index_.end()); }
  const_iterator begin() const { return const_iterator(this, index_.begin()); }
  const_iterator end() const { return const_iterator(this, index_.end()); }

  iterator find(const K& k) { return iterator(this, index_.find(k)); }
  const_iterator find(const K& k) const { return const_iterator(this, index_.find(k)); }
  // The record of k, null if none (one probe, no iterator). Records stay put:
  // the pointer holds until k is erased.
  T* find_ptr(const K& k) {
    const std::uint32_t* i = index_.find_ptr(k);
    return i == nullptr ? nullptr : &slab_[*i];
  }
  const T* find_ptr(const K& k) const {
    const std::uint32_t* i = index_.find_ptr(k);
    return i == nullptr ? nullptr : &slab_[*i];
  }
  bool contains(const K& k) const { return index_.contains(k); }
  T& at(const K& k) { return slab_[index_.at(k)]; }
  const T& at(const K& k) const { return slab_[index_.at(k)]; }

  // Inserts (k, v) unless k is present; returns where k is.
  std::pair<iterator, bool> emplace(const K& k, T&& v) {
    auto it = index_.find(k);
    if (it != index_.end()) return {iterator(this, it), false};
    const std::uint32_t i = slab_.add(std::move(v));
    return {iterator(this, index_.try_emplace(k, i).first), true};
  }
  // Inserts (k, v) for a k the caller knows to be absent: no look-up first.
  // Returns the new record.
  T& emplace_absent(const K& k, T&& v) {
    const std::uint32_t i = slab_.add(std::move(v));
    index_.emplace_absent(k, i);
    return slab_[i];
  }
  T& operator[](const K& k) {
    if (const std::uint32_t* i = index_.find_ptr(k)) return slab_[*i];
    const std::uint32_t i = slab_.add(T{});
    index_.emplace_absent(k, i);
    return slab_[i];
  }

  std::size_t erase(const K& k) {
    std::uint32_t i = 0;
    if (!index_.erase_into(k, i)) return 0;
    slab_.remove(i);
    return 1;
  }
  void erase(const_iterator it) {
    auto in = it.index_iterator();
    const std::uint32_t i = in->second;
    index_.erase(in);
    slab_.remove(i);
  }
  void clear() {
    index_.clear();
    slab_.clear();
  }

 private:
  Index index_;
  Slab<T> slab_;
};

}  // namespace atmsigd::util
