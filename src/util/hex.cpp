#include "atmsigd/util/bytes.hpp"

namespace atmsigd {

std::string to_hex(ByteView bytes, std::size_t max_bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = bytes.size() < max_bytes ? bytes.size() : max_bytes;
  out.reserve(n * 3 + 4);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out.push_back(' ');
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0f]);
  }
  if (n < bytes.size()) out += " ...";
  return out;
}

}  // namespace atmsigd
