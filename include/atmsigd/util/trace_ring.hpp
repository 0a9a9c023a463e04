// The trace buffer: the last N protocol events (kernel frames, link PDUs,
// state changes), kept cheaply and written out on SIGUSR2 or at a fatal
// error. Capacity 0 turns tracing off. Frames and PDUs are kept as raw octets
// with a tag (add_raw) and turned into text only when the buffer is written:
// once the slots have grown, recording allocates nothing.
#pragma once

#include <cstdint>
#include <functional>
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
  // Octets with a tag (e.g. "frame from the kernel"), copied into the slot.
  void add_raw(std::uint64_t usec, int tag, ByteView octets);
  std::size_t size() const { return count_; }
  std::uint64_t total() const { return total_; }  // entries ever added
  // Oldest first.
  std::vector<Entry> snapshot() const;
  // "YYYY-MM-DD HH:MM:SS.uuuuuu text" lines, oldest first, with a header.
  // Raw entries go through `raw` (none: their octets in hex).
  std::string format(const Formatter& raw = {}) const;

 private:
  std::vector<Entry> buf_;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;  // next slot to write
  std::size_t count_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace atmsigd
