// Q.2931 cause values <-> the negative errno values the kernel sees in the
// `reply` field of as_error / as_close (and as_reject's reply -> cause).
//
// The table for a call that fails during setup is the original demon's
// (linux-atm 2.5.1 sigd/uni.c, RELEASE COMPLETE while connecting); the other
// errno values (timers, link failure, RESTART) are also the original's. See
// docs/callctl.md for the complete table and where we deliberately differ.
#pragma once

#include <cerrno>
#include <cstdint>
#include <span>
#include <string_view>

#include "atmsigd/q2931/ie.hpp"

namespace atmsigd::callctl {

// errno values call control reports for its own decisions (all as the original).
inline constexpr int kErrTimerExpiry = -ETIMEDOUT;    // -ETIMEDOUT: T303, T310, T313, T301, T322
inline constexpr int kErrNetworkReset = -ENETRESET;   // -ENETRESET: SAAL failure, T309, RESTART
inline constexpr int kErrRemoteAbort = -ECONNRESET;   // -ECONNRESET: released while accepting
inline constexpr int kErrCallerGone = -ECONNABORTED;  // -ECONNABORTED: accept of a vanished call
inline constexpr int kErrProtocol = -EPROTO;          // -EPROTO: protocol violation by the peer

struct CauseErrno {
  std::uint8_t cause;
  int err;  // negative errno
  std::string_view why;
};

// The cause of the RELEASE / RELEASE COMPLETE that ended an outgoing call
// before it was active -> the as_error reply:
//   1 -> -EADDRNOTAVAIL, 3/37/47 -> -EHOSTUNREACH, 22 -> -EREMCHG,
//   27 -> -EHOSTDOWN, anything else (and no cause) -> -ECONNREFUSED.
int setup_failure_errno(std::uint8_t cause);
// The rows above (for docs and tests); the default is not listed.
std::span<const CauseErrno> setup_failure_table();
inline constexpr int kSetupFailureDefault = -ECONNREFUSED;  // -ECONNREFUSED

// as_reject's reply (negative errno or 0) -> the cause sent to the caller.
// The original always sends 21 (call rejected); we keep 21 for 0 and unknown
// values and are more specific where the errno says more (see the docs).
std::uint8_t reject_cause(int err);
std::span<const CauseErrno> reject_table();

// Q.2963.1: the cause of the peer's MODIFY REJECT -> the as_okay reply that
// answers the kernel's as_modify. The original answers -EAGAIN whatever the
// cause; we keep -EAGAIN for the "not now" causes and for anything unlisted
// and are more specific where the cause says more (see the docs).
int modify_reject_errno(std::uint8_t cause);
std::span<const CauseErrno> modify_reject_table();
inline constexpr int kModifyRejectDefault = -EAGAIN;  // -EAGAIN

// Q.2963.1: the kernel refused the reservation for a MODIFY REQUEST received
// (its as_error) -> the cause of our MODIFY REJECT. The original always sends
// 47 (resource unavailable); we keep 47 for anything unlisted.
std::uint8_t modify_refusal_cause(int err);
std::span<const CauseErrno> modify_refusal_table();

// The cause of the RELEASE sent when the kernel closes a socket: 31 (normal,
// unspecified) in UNI 3.0, 16 (normal call clearing) otherwise — as the original.
std::uint8_t normal_release_cause(q2931::Version v);

}  // namespace atmsigd::callctl
