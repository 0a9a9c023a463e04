// Helpers shared by the files of callctl::Uni (uni.cpp, coordinator.cpp,
// call_machine.cpp, modify_machine.cpp, restart.cpp); not part of the
// library's interface.
#pragma once

#include <cstdint>

#include "atmsigd/callctl/uni.hpp"

namespace atmsigd::callctl {

// The modification's handlers (Q.2963.1; defined in modify_machine.cpp),
// named as the call machine's: <states>_<event>, u10n10 = U10 on the user
// side, N10 on the network side. The call machine's table holds them.
struct Uni::ModifyMachine {
  using In = Uni::In;
  static void u10n10_modify_primitive(Uni& u, Call& c, const In& in);
  static void u13u14_modify_primitive(Uni& u, Call& c, const In& in);
  static void unx_modify_primitive(Uni& u, Call& c, const In& in);
  static void u10n10_qos_answer(Uni& u, Call& c, const In& in);
  static void u14n14_qos_answer(Uni& u, Call& c, const In& in);
  static void u10n10_modify_request(Uni& u, Call& c, const In& in);
  static void u13n13_modify_request(Uni& u, Call& c, const In& in);
  static void u13n13_modify_ack(Uni& u, Call& c, const In& in);
  static void u13n13_modify_reject(Uni& u, Call& c, const In& in);
  static void u13n13_t360(Uni& u, Call& c, const In& in);
  static void u10n10_connection_available(Uni& u, Call& c, const In& in);
  static void u10n10_t361(Uni& u, Call& c, const In& in);
};

namespace detail {

// U11/U12, N11/N12: the call is being cleared.
inline bool releasing(CallState s) {
  return s == CallState::kReleaseRequest || s == CallState::kReleaseIndication;
}

// U10/N10 and the modification states U13/U14 (Q.2963.1: an active call being
// modified): the call is up on both sides.
inline bool active(CallState s) {
  return s == CallState::kActive || s == CallState::kModifyRequest ||
         s == CallState::kModifyReceived;
}

// A Q.2931 message's length after its 9-octet header (the logs' len=).
inline std::size_t contents_length(ByteView encoded) {
  return encoded.size() > 9 ? encoded.size() - 9 : 0;
}

}  // namespace detail

}  // namespace atmsigd::callctl
