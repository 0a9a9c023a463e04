// Byte buffers shared by the codecs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace atmsigd {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// "0a 1b 2c" style hex for traces and error messages.
std::string to_hex(ByteView bytes, std::size_t max_bytes = 64);

}  // namespace atmsigd
