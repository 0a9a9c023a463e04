#include "atmsigd/callctl/cause_errno.hpp"

#include <array>
#include <cerrno>

namespace atmsigd::callctl {
namespace {

namespace c = q2931::cause;

constexpr std::array kSetupFailure = std::to_array<CauseErrno>({
    {c::kUnallocatedNumber, -EADDRNOTAVAIL, "unallocated (unassigned) number"},
    {c::kNoRouteToDestination, -EHOSTUNREACH, "no route to destination"},
    {c::kCellRateUnavailable, -EHOSTUNREACH, "user cell rate not available (UNI 3.1+)"},
    {c::kResourceUnavailable, -EHOSTUNREACH, "resource unavailable, unspecified"},
    {c::kNumberChanged, -EREMCHG, "number changed"},
    {c::kDestinationOutOfOrder, -EHOSTDOWN, "destination out of order"},
});

constexpr std::array kReject = std::to_array<CauseErrno>({
    {c::kCallRejected, 0, "no reason given"},
    {c::kUserBusy, -EBUSY, "busy"},
    {c::kCallRejected, -ECONNREFUSED, "refused"},
    {c::kResourceUnavailable, -ENOMEM, "out of memory"},
    {c::kResourceUnavailable, -ENOBUFS, "out of buffers"},
    {c::kCellRateUnavailable, -EAGAIN, "no bandwidth for the requested QoS"},
    {c::kUnsupportedTrafficParams, -EINVAL, "QoS not acceptable"},
    {c::kIncompatibleDestination, -EPROTONOSUPPORT, "protocol not supported"},
    {c::kIncompatibleDestination, -EOPNOTSUPP, "operation not supported"},
    {c::kIncompatibleDestination, -EADDRNOTAVAIL, "address not available"},
    {c::kNoUserResponding, -ETIMEDOUT, "timed out"},
});

}  // namespace

int setup_failure_errno(std::uint8_t cause) {
  for (const auto& r : kSetupFailure)
    if (r.cause == cause) return r.err;
  return kSetupFailureDefault;
}

std::span<const CauseErrno> setup_failure_table() {
  return kSetupFailure;
}

std::uint8_t reject_cause(int err) {
  if (err > 0) err = -err;
  for (const auto& r : kReject)
    if (r.err == err) return r.cause;
  return c::kCallRejected;
}

std::span<const CauseErrno> reject_table() {
  return kReject;
}

std::uint8_t normal_release_cause(q2931::Version v) {
  return v == q2931::Version::kUni30 ? c::kNormalUnspecified : c::kNormalCallClearing;
}

}  // namespace atmsigd::callctl
