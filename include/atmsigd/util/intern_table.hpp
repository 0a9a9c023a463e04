// A bounded, reference-counted table of interned values: a record that must
// stay small (a held call, docs/performance.md "Memory") keeps a 16-bit index
// instead of the value. Few distinct values are in use at once (a demon's
// local addresses, its peers', the QoS its applications ask for), so each is
// stored once, whatever the number of records naming it.
//
// acquire() is O(1) (a FlatMap lookup, one entry's count; with the caller's
// hint, one compare when the value repeats); release() drops
// the count (no lookup). An entry whose last user went stays, idle, so that
// the next record with the same value costs a lookup only; when the table has
// `bound` entries, a new value takes the room of the one idle longest (an
// O(1) list). When all `bound` are in use, acquire() answers kUnknown and
// counts it (overflows()): the caller goes on without the value. The value is compared and hashed
// by its bytes: the caller hands canonical bytes (padding zeroed), otherwise two copies of one
// value merely take two entries.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "atmsigd/util/flat_map.hpp"

namespace atmsigd::util {

template <class T>
requires std::is_trivially_copyable_v<T>
class InternTable {
 public:
  using Index = std::uint16_t;
  static constexpr Index kNone = 0;          // no value recorded
  static constexpr Index kUnknown = 0xffff;  // the table was full: the value is not known
  static constexpr std::size_t kMaxBound = kUnknown - 1;

  explicit InternTable(std::size_t bound) : bound_(bound < kMaxBound ? bound : kMaxBound) {}

  // Out of line: the hinted acquire() below stays small where it is inlined.
  [[gnu::noinline]] Index acquire(const T& v) {
    // The values acquired last first: a call's local address and its peer's
    // alternate, so most acquisitions are one of the two, found by a compare
    // instead of a hash and a probe. An entry given to another value since
    // simply compares unequal.
    for (const Index r : recent_)
      if (r != kNone && std::memcmp(&entries_[r - 1].value, &v, sizeof(T)) == 0) return take(r);
    const Key k{v};
    if (auto it = index_.find(k); it != index_.end()) return take(it->second);
    Index i;
    if (entries_.size() < bound_) {
      entries_.push_back(Entry{v});
      i = static_cast<Index>(entries_.size());
    } else if (idle_head_ != kNone) {
      // The value idle longest makes room.
      i = idle_head_;
      unlink(i);
      index_.erase(Key{entries_[i - 1].value});
      entries_[i - 1].value = v;
    } else {
      ++overflows_;
      return kUnknown;
    }
    entries_[i - 1].refs = 1;
    ++in_use_;
    index_.emplace(k, i);
    remember(i);
    return i;
  }

  // acquire(v), the entry `hint` tried first: the index the caller's last
  // value of the kind got (a call's local address, its peer's), which the
  // next value of that kind mostly repeats. One compare then, inline, instead
  // of a call, a walk of the values acquired last and a compare of each. A
  // hint whose room went to another value since merely compares unequal;
  // kNone and kUnknown are never tried.
  Index acquire(const T& v, Index hint) {
    if (hint != kNone && hint <= entries_.size() &&
        std::memcmp(&entries_[hint - 1].value, &v, sizeof(T)) == 0)
      return take(hint, false);
    return acquire(v);
  }

  // One user fewer. A value no record names stays (idle) until its room is
  // needed: the next record with it costs a lookup, not an insertion.
  void release(Index i) {
    if (i == kNone || i == kUnknown || i > entries_.size()) return;
    Entry& e = entries_[i - 1];
    if (e.refs == 0 || --e.refs != 0) return;
    --in_use_;
    e.prev = idle_tail_;
    e.next = kNone;
    if (idle_tail_ != kNone)
      entries_[idle_tail_ - 1].next = i;
    else
      idle_head_ = i;
    idle_tail_ = i;
  }

  // The value of index i (nullptr: kNone, kUnknown, or no record names it).
  const T* find(Index i) const {
    if (i == kNone || i == kUnknown || i > entries_.size() || entries_[i - 1].refs == 0)
      return nullptr;
    return &entries_[i - 1].value;
  }

  // Values named by at least one record.
  std::size_t size() const { return in_use_; }
  // Values kept, idle ones too.
  std::size_t stored() const { return index_.size(); }
  std::size_t bound() const { return bound_; }
  std::uint64_t overflows() const { return overflows_; }

 private:
  struct Key {
    T value;
    bool operator==(const Key& o) const { return std::memcmp(&value, &o.value, sizeof(T)) == 0; }
  };
  // The value's bytes eight at a time (a sockaddr_atmsvc is 6 words), then
  // IntHash's finalizer.
  struct KeyHash {
    std::uint64_t operator()(const Key& k) const noexcept {
      const auto* p = reinterpret_cast<const unsigned char*>(&k.value);
      std::uint64_t h = sizeof(T);
      std::size_t n = 0;
      for (; n + 8 <= sizeof(T); n += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + n, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
      }
      if (n < sizeof(T)) {
        std::uint64_t w = 0;
        std::memcpy(&w, p + n, sizeof(T) - n);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
      }
      return IntHash{}(h);
    }
  };
  struct Entry {
    T value;
    std::uint32_t refs = 0;
    Index prev = kNone, next = kNone;  // the idle list (refs == 0), oldest first
  };

  // One more user of entry i (idle until now: off the idle list); among the
  // values acquired last unless it came by the caller's hint (the hinted
  // callers do not look there).
  Index take(Index i, bool recent = true) {
    Entry& e = entries_[i - 1];
    if (e.refs++ == 0) {
      unlink(i);
      ++in_use_;
    }
    if (recent) remember(i);
    return i;
  }
  void remember(Index i) {
    if (recent_[0] != i) {
      recent_[1] = recent_[0];
      recent_[0] = i;
    }
  }

  void unlink(Index i) {
    Entry& e = entries_[i - 1];
    if (e.prev != kNone)
      entries_[e.prev - 1].next = e.next;
    else
      idle_head_ = e.next;
    if (e.next != kNone)
      entries_[e.next - 1].prev = e.prev;
    else
      idle_tail_ = e.prev;
    e.prev = e.next = kNone;
  }

  std::size_t bound_;
  std::vector<Entry> entries_;  // index i is entries_[i - 1]
  FlatMap<Key, Index, KeyHash> index_;
  Index idle_head_ = kNone, idle_tail_ = kNone;
  std::array<Index, 2> recent_{};  // acquired last, newest first
  std::size_t in_use_ = 0;
  std::uint64_t overflows_ = 0;
};

}  // namespace atmsigd::util
