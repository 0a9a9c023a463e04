// The trace buffer: the last N protocol events (kernel frames, link PDUs,
// state changes), kept cheaply and written out on SIGUSR2 or at a fatal
// error. Capacity 0 turns tracing off. Frames and PDUs are kept as raw octets
// with a tag (add_raw) and turned into text only when the buffer is written.
//
// Recording is a copy and nothing else (issue 13: about ten a call): the
// slots are a power of two at least the capacity, each with room for
// kSlotBytes octets in one array allocated once (a frame to or from the
// kernel, 252 octets, and most PDUs fit), and the slot of the k-th entry is
// k modulo their number. No head to wrap, no count to keep, no buffer to
// grow: the last `capacity` entries (fewer before that many were added
// since the last resize) are the buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd {

class TraceRing {
 public:
  struct Entry {
    std::uint64_t usec = 0;  // wall clock, microseconds since the epoch
    std::string text;        // add(): the text; add_raw(): the octets
    int tag = -1;            // add_raw()'s tag; -1: text
  };
  // Turns a raw entry into text when the buffer is written.
  using Formatter = std::function<std::string(int tag, ByteView octets)>;
  // A raw entry's octets kept in its slot; a longer one (rare: a large
  // SETUP) in the slot's string.
  static constexpr std::size_t kSlotBytes = 256;
  explicit TraceRing(std::size_t capacity = 20) { resize(capacity); }

  void resize(std::size_t capacity);
  std::size_t capacity() const { return cap_; }
  bool enabled() const { return cap_ != 0; }
  void add(std::uint64_t usec, std::string text);
  // Octets with a tag (e.g. "frame from the kernel"; at least 0), copied
  // into the slot. Inline: ten a call (issue 13). With capacity 0 the one
  // slot is written and never read.
  void add_raw(std::uint64_t usec, int tag, ByteView octets) {
    Slot& s = slots_[static_cast<std::size_t>(total_++) & mask_];
    s.usec = usec;
    s.tag = tag;
    const std::size_t len = octets.size();
    s.len = static_cast<std::uint32_t>(len);
    if (len <= kSlotBytes) [[likely]] {
      if (len != 0) std::memcpy(s.raw, octets.data(), len);
    } else {
      add_long(s, octets);
    }
  }
  std::size_t size() const {
    const std::uint64_t n = total_ - first_;
    return n < cap_ ? static_cast<std::size_t>(n) : cap_;
  }
  std::uint64_t total() const { return total_; }  // entries ever added
  // Oldest first.
  std::vector<Entry> snapshot() const;
  // "YYYY-MM-DD HH:MM:SS.uuuuuu text" lines, oldest first, with a header.
  // Raw entries go through `raw` (none: their octets in hex).
  std::string format(const Formatter& raw = {}) const;

 private:
  // A slot: when, what (tag; -1: add()'s text in texts_), and a raw entry's
  // octets (over kSlotBytes: in texts_). Left uninitialised: a slot costs
  // RSS once written.
  struct Slot {
    std::uint64_t usec;
    std::int32_t tag;
    std::uint32_t len;
    std::uint8_t raw[kSlotBytes];
  };
  void add_long(Slot& s, ByteView octets);
  std::size_t index(const Slot& s) const { return static_cast<std::size_t>(&s - slots_.get()); }
  std::unique_ptr<Slot[]> slots_;
  std::vector<std::string> texts_;  // per slot: add()'s text, a long raw entry's octets
  std::size_t cap_ = 0;
  std::size_t mask_ = 0;  // slots - 1 (a power of two, at least one slot)
  std::uint64_t total_ = 0;
  std::uint64_t first_ = 0;  // the total at the oldest entry kept (resize() drops the older)
};

}  // namespace atmsigd
