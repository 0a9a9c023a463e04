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

constexpr std::array kModifyReject = std::to_array<CauseErrno>({
    {c::kCellRateUnavailable, -EAGAIN, "user cell rate not available"},
    {c::kResourceUnavailable, -EAGAIN, "resource unavailable, unspecified"},
    {c::kQosUnavailable, -EAGAIN, "quality of service unavailable"},
    {c::kUnsupportedTrafficParams, -EINVAL, "unsupported combination of traffic parameters"},
    {c::kServiceUnavailable, -EOPNOTSUPP, "service or option not available"},
    {c::kBearerNotImplemented, -EOPNOTSUPP, "bearer capability not implemented"},
    {c::kMessageTypeNonExistent, -EOPNOTSUPP, "message type non-existent or not implemented"},
    {c::kMessageNotCompatibleWithState, -EBUSY, "message not compatible with call state"},
});

constexpr std::array kModifyRefusal = std::to_array<CauseErrno>({
    {c::kCellRateUnavailable, -EAGAIN, "no bandwidth for the new rates"},
    {c::kResourceUnavailable, -ENOMEM, "out of memory"},
    {c::kResourceUnavailable, -ENOBUFS, "out of buffers"},
    {c::kResourceUnavailable, -EBUSY, "busy"},
    {c::kUnsupportedTrafficParams, -EINVAL, "rates not acceptable"},
    {c::kServiceUnavailable, -EOPNOTSUPP, "the device cannot change a VC's QoS"},
});

}  // namespace

int modify_reject_errno(std::uint8_t cause) {
  for (const auto& r : kModifyReject)
    if (r.cause == cause) return r.err;
  return kModifyRejectDefault;
}

std::span<const CauseErrno> modify_reject_table() {
  return kModifyReject;
}

std::uint8_t modify_refusal_cause(int err) {
  if (err > 0) err = -err;
  for (const auto& r : kModifyRefusal)
    if (r.err == err) return r.cause;
  return c::kResourceUnavailable;
}

std::span<const CauseErrno> modify_refusal_table() {
  return kModifyRefusal;
}

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
