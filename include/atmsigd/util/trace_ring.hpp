// The trace buffer: the last N protocol events (kernel frames, link PDUs,
// state changes), kept cheaply and written out on SIGUSR2 or at a fatal
// error. Capacity 0 turns tracing off. Frames and PDUs are kept as raw octets
// with a tag (add_raw) and turned into text only when the buffer is written:
// once the slots have grown, recording allocates nothing.
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
  explicit TraceRing(std::size_t capacity = 20) { resize(capacity); }

  void resize(std::size_t capacity);
  std::size_t capacity() const { return cap_; }
  bool enabled() const { return cap_ != 0; }
  void add(std::uint64_t usec, std::string text);
  // Octets with a tag (e.g. "frame from the kernel"; at least 0), copied
  // into the slot. Inline: ten a call (issue 13); a slot's buffer grows
  // out of line, once.
  void add_raw(std::uint64_t usec, int tag, ByteView octets) {
    ++total_;
    if (cap_ == 0) return;
    Slot& s = buf_[head_];
    if (++head_ == cap_) head_ = 0;
    if (count_ < cap_) ++count_;
    s.usec = usec;
    s.tag = tag;
    const std::size_t len = octets.size();
    if (len > s.room) grow(s, len);
    if (len != 0) std::memcpy(s.raw.get(), octets.data(), len);
    s.len = static_cast<std::uint32_t>(len);
  }
  std::size_t size() const { return count_; }
  std::uint64_t total() const { return total_; }  // entries ever added
  // Oldest first.
  std::vector<Entry> snapshot() const;
  // "YYYY-MM-DD HH:MM:SS.uuuuuu text" lines, oldest first, with a header.
  // Raw entries go through `raw` (none: their octets in hex).
  std::string format(const Formatter& raw = {}) const;

 private:
  // A slot: add()'s text, or add_raw()'s octets in a buffer that grows to
  // the largest datagram seen and is then reused (a copy and nothing else
  // per datagram: about ten a call, issue 13).
  struct Slot {
    std::uint64_t usec = 0;
    int tag = -1;
    std::uint32_t len = 0;
    std::uint32_t room = 0;
    std::unique_ptr<std::uint8_t[]> raw;
    std::string text;
  };
  Slot& next_slot(std::uint64_t usec, int tag);
  static void grow(Slot& s, std::size_t len);
  std::vector<Slot> buf_;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;  // next slot to write
  std::size_t count_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace atmsigd
