// The trace buffer: the last N protocol events (kernel frames, link PDUs,
// state changes), kept cheaply and written out on SIGUSR2 or at a fatal
// error. Capacity 0 turns tracing off.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atmsigd {

class TraceRing {
 public:
  struct Entry {
    std::uint64_t usec = 0;  // wall clock, microseconds since the epoch
    std::string text;
  };
  explicit TraceRing(std::size_t capacity = 20) { resize(capacity); }

  void resize(std::size_t capacity);
  std::size_t capacity() const { return cap_; }
  bool enabled() const { return cap_ != 0; }
  void add(std::uint64_t usec, std::string text);
  std::size_t size() const { return count_; }
  std::uint64_t total() const { return total_; }  // entries ever added
  // Oldest first.
  std::vector<Entry> snapshot() const;
  // "YYYY-MM-DD HH:MM:SS.uuuuuu text" lines, oldest first, with a header.
  std::string format() const;

 private:
  std::vector<Entry> buf_;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;  // next slot to write
  std::size_t count_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace atmsigd
