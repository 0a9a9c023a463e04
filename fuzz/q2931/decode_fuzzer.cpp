// libFuzzer target for the Q.2931 decoder (scripts/fuzz.sh runs it).
#include <cstddef>
#include <cstdint>

#include "decode_fuzz_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atmsigd::q2931::fuzz::decode_one(data, size);
  return 0;
}
