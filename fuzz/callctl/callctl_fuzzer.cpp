// Fuzzes call control with sequences: Q.2931 calls between a user-side and a
// network-side callctl::Uni back to back, or one Uni facing a scripted peer
// that sends the codec's messages with fuzzed IEs and raw bytes; the input
// also drives the fake socket layers, the link's faults and virtual time.
// Properties (callctl_body.hpp): the kernel contract of the events, bounded
// timers, every call ends once the input is exhausted, nothing after StopLinks.
#include <cstdio>
#include <cstdlib>

#include "callctl_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string err = atmsigd::fuzz::run_callctl(data, size);
  if (!err.empty()) {
    std::fprintf(stderr, "invariant violated: %s\n", err.c_str());
    std::abort();
  }
  return 0;
}
