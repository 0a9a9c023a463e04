// The fuzzers' input: a cursor over libFuzzer's bytes that never runs past the
// end (an exhausted input reads as zeros and empty byte strings), so a
// target's script decoder needs no bounds checks of its own.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd::fuzz {

struct FuzzInput {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;
  bool empty() const { return pos >= size; }
  std::uint8_t byte() { return pos < size ? data[pos++] : 0; }
  Bytes bytes(std::size_t n) {
    n = std::min(n, size - std::min(pos, size));
    Bytes b(data + pos, data + pos + n);
    pos += n;
    return b;
  }
};

}  // namespace atmsigd::fuzz
