// Fuzzes the demon's kernel side: arbitrary datagrams (valid-looking frames
// mutated, and garbage) through decode, validation, the socket machines and
// the loopback network. Properties: no crash, no sanitizer report, every frame
// the demon sends passes validate_from_demon(), and after shutdown no socket
// and no call is left.
#include <cstdlib>

#include "kernel_frames_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!atmsigd::fuzz::run_kernel_frames(data, size)) std::abort();
  return 0;
}
