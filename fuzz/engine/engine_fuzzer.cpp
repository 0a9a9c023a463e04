// Fuzzes the whole core: kernel frames (from an emulated kernel, and raw) into
// engine::Engine with the socket table and the real Q.2931 call control
// behind, linked to a network-side Uni that places and answers calls.
// Properties (engine_body.hpp): no crash, every frame to the kernel valid and
// (for well-formed input) accepted by the emulated kernel, the kernel contract
// kept towards the network, and Stop reaches Stopped with nothing held.
#include <cstdio>
#include <cstdlib>

#include "engine_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string err = atmsigd::fuzz::run_engine(data, size);
  if (!err.empty()) {
    std::fprintf(stderr, "invariant violated: %s\n", err.c_str());
    std::abort();
  }
  return 0;
}
