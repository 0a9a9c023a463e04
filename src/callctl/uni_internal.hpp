// Helpers shared by the files of callctl::Uni (uni.cpp, coordinator.cpp,
// call_machine.cpp, restart.cpp); not part of the library's interface.
#pragma once

#include <cstdint>

#include "atmsigd/callctl/uni.hpp"

namespace atmsigd::callctl::detail {

// U11/U12, N11/N12: the call is being cleared.
inline bool releasing(CallState s) {
  return s == CallState::kReleaseRequest || s == CallState::kReleaseIndication;
}

// A Q.2931 message's length after its 9-octet header (the logs' len=).
inline std::size_t contents_length(ByteView encoded) {
  return encoded.size() > 9 ? encoded.size() - 9 : 0;
}

}  // namespace atmsigd::callctl::detail
