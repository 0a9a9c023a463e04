// The Q.2931 decoder fuzz property, shared by the libFuzzer target and the GoogleTest
// that runs it over the seed corpus (so gcc builds exercise it too).
//
// Input: octet 0 selects the version (modulo 5), the rest is a Q.2931 message.
// Property: decode never crashes or reads out of bounds (ASan/UBSan), and whatever
// it accepted re-encodes to octets that decode to the same value, whose encoding is
// stable (encode(decode(encode(m))) == encode(m)). The traces render without fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/text.hpp"

namespace atmsigd::q2931::fuzz {

[[noreturn]] inline void fail(const char* what, const Message& m, Version v) {
  std::fprintf(stderr, "q2931 fuzz property violated: %s\n%s\n", what, to_string(m, v).c_str());
  std::abort();
}

inline void decode_one(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const auto v = static_cast<Version>(data[0] % 5);
  const ByteView in(data + 1, size - 1);
  const DecodeResult r = decode(in, v);
  (void)r.action();
  (void)r.cause();
  for (const auto& verdict : r.verdicts) (void)to_string(verdict);
  if (!r.message) return;
  const Message& m = *r.message;
  (void)to_string(m, v);
  const Bytes once = encode(m, v);
  if (once.size() > in.size()) fail("re-encoding is longer than the input", m, v);
  const DecodeResult r2 = decode(once, v);
  if (!r2.message) fail("re-encoded message does not decode", m, v);
  if (!(*r2.message == m)) fail("decode(encode(m)) != m", *r2.message, v);
  if (encode(*r2.message, v) != once) fail("encoding is not stable", m, v);
}

}  // namespace atmsigd::q2931::fuzz
