// Fuzzes SSCOP with sequences: two entities back to back, the input choosing
// per step which side gets which primitive, PDU fate (delivered, lost,
// duplicated, corrupted, reordered), raw PDUs and the passing of time.
// Properties (checked after every step, see sscop_pair_body.hpp): legal state,
// sequence variables in range and in Q.2110's relations, bounded buffers,
// next_deadline() in the future and within the longest timer; at the end both
// entities release to Idle on a perfect link.
#include <cstdio>
#include <cstdlib>

#include "sscop_pair_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string err = atmsigd::fuzz::run_sscop_pair(data, size);
  if (!err.empty()) {
    std::fprintf(stderr, "invariant violated: %s\n", err.c_str());
    std::abort();
  }
  return 0;
}
