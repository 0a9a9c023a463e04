// Private: the table row types behind message.hpp's and codec.hpp's queries.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/q2931/message.hpp"

namespace atmsigd::q2931 {

using VersionMask = std::uint8_t;
inline constexpr VersionMask kUni30 = 1u << static_cast<unsigned>(Version::kUni30);
inline constexpr VersionMask kUni31 = 1u << static_cast<unsigned>(Version::kUni31);
inline constexpr VersionMask kUni40 = 1u << static_cast<unsigned>(Version::kUni40);
inline constexpr VersionMask kQ2931 = 1u << static_cast<unsigned>(Version::kQ2931);
// UNI 3.1 with 3.0 compatibility: a mask with kUni31 includes it (in_version), so
// the rows name it only where it differs from plain UNI 3.1 (the UNI 3.0 codings
// it accepts: kUni30Codings).
inline constexpr VersionMask kUni31Compat30 = 1u << static_cast<unsigned>(Version::kUni31Compat30);
inline constexpr VersionMask kAllVersions = kUni30 | kUni31 | kUni40 | kQ2931 | kUni31Compat30;
// The codings of UNI 3.0 that UNI 3.1 dropped (the AAL Mode subfield): UNI 3.0 and
// the combined mode.
inline constexpr VersionMask kUni30Codings = kUni30 | kUni31Compat30;
inline constexpr VersionMask kUni40Q2931 = kUni40 | kQ2931;

struct IeSpec {
  IeId id;
  std::string_view name;
  std::uint8_t min_len;  // contents length (after the 4-octet header)
  std::uint8_t max_len;
  VersionMask versions;
};

struct MsgSpec {
  MessageType type;
  std::string_view name;
  VersionMask versions;
  Procedure procedure;     // which procedures use it (uni.cpp dispatch)
  Direction direction;     // "Direction" of the message tables (Q.2931 §3)
  GlobalCallRef global;    // §5.6.3.3
  UnknownCallRef unknown;  // §5.6.3.2
  Action mandatory_error;  // missing / bad mandatory IE, §5.6.7
};

struct MsgIeSpec {
  MessageType msg;
  IeId ie;
  std::uint8_t max_count;
  VersionMask mandatory;  // versions in which the IE is mandatory in the message
};

// IE identifier, name, contents length limits, versions (Q.2931 §4.5, UNI 4.0).
// Here rather than in tables.cpp so that ie_codec.cpp builds its decoder dispatch
// from the same rows.
inline constexpr std::array kIeSpecs = std::to_array<IeSpec>({
    {IeId::kNarrowbandBearerCapability, "Narrowband bearer capability", 2, 10, kUni40Q2931},
    {IeId::kCause, "Cause", 2, 30, kAllVersions},
    {IeId::kCallState, "Call state", 1, 1, kAllVersions},
    {IeId::kProgressIndicator, "Progress indicator", 2, 2, kUni40Q2931},
    {IeId::kNotificationIndicator, "Notification indicator", 1, 64, kUni40Q2931},
    {IeId::kEndToEndTransitDelay, "End-to-end transit delay", 1, 7, kUni40Q2931},
    {IeId::kConnectedNumber, "Connected number", 1, 22, kUni40Q2931},
    {IeId::kConnectedSubaddress, "Connected subaddress", 1, 21, kUni40Q2931},
    {IeId::kEndpointReference, "Endpoint reference", 3, 3, kAllVersions},
    {IeId::kEndpointState, "Endpoint state", 1, 1, kAllVersions},
    {IeId::kAalParameters, "AAL parameters", 1, 21, kAllVersions},
    {IeId::kTrafficDescriptor, "ATM traffic descriptor", 1, 60, kAllVersions},
    {IeId::kConnectionIdentifier, "Connection identifier", 5, 5, kAllVersions},
    {IeId::kOamTrafficDescriptor, "OAM traffic descriptor", 2, 2, kQ2931},
    {IeId::kQosParameter, "QoS parameter", 2, 2, kAllVersions},
    {IeId::kBroadbandHighLayerInfo, "Broadband high layer information", 1, 9, kAllVersions},
    {IeId::kBroadbandBearerCapability, "Broadband bearer capability", 2, 3, kAllVersions},
    {IeId::kBroadbandLowLayerInfo, "Broadband low layer information", 1, 13, kAllVersions},
    {IeId::kBroadbandLockingShift, "Broadband locking shift", 1, 1, kAllVersions},
    {IeId::kBroadbandNonLockingShift, "Broadband non-locking shift", 1, 1, kAllVersions},
    {IeId::kBroadbandSendingComplete, "Broadband sending complete", 1, 1, kAllVersions},
    {IeId::kBroadbandRepeatIndicator, "Broadband repeat indicator", 1, 1, kAllVersions},
    {IeId::kCallingPartyNumber, "Calling party number", 1, 22, kAllVersions},
    {IeId::kCallingPartySubaddress, "Calling party subaddress", 1, 21, kAllVersions},
    {IeId::kCalledPartyNumber, "Called party number", 1, 21, kAllVersions},
    {IeId::kCalledPartySubaddress, "Called party subaddress", 1, 21, kAllVersions},
    {IeId::kTransitNetworkSelection, "Transit network selection", 1, 9, kAllVersions},
    {IeId::kRestartIndicator, "Restart indicator", 1, 1, kAllVersions},
    {IeId::kNarrowbandLowLayerCompatibility, "Narrowband low layer compatibility", 2, 16,
     kUni40Q2931},
    {IeId::kNarrowbandHighLayerCompatibility, "Narrowband high layer compatibility", 2, 3,
     kUni40Q2931},
    {IeId::kUserUser, "User-user", 1, 129, kUni40Q2931},
    {IeId::kGenericIdentifierTransport, "Generic identifier transport", 1, 29, kUni40Q2931},
    {IeId::kMinimumTrafficDescriptor, "Minimum acceptable ATM traffic descriptor", 1, 60,
     kUni40Q2931},
    {IeId::kAlternativeTrafficDescriptor, "Alternative ATM traffic descriptor", 1, 60, kUni40Q2931},
    {IeId::kAbrSetupParameters, "ABR setup parameters", 1, 32, kUni40},
    {IeId::kAbrAdditionalParameters, "ABR additional parameters", 1, 10, kUni40},
    {IeId::kBroadbandReportType, "Broadband report type", 1, 1, kUni40Q2931},
    {IeId::kLijCallIdentifier, "LIJ call identifier", 5, 5, kUni40},
    {IeId::kLijParameters, "LIJ parameters", 1, 1, kUni40},
    {IeId::kLeafSequenceNumber, "Leaf sequence number", 4, 4, kUni40},
    {IeId::kConnectionScopeSelection, "Connection scope selection", 2, 2, kUni40},
    {IeId::kExtendedQosParameters, "Extended QoS parameters", 1, 21, kUni40},
    {IeId::kMinimumDesiredCellRate, "Minimum desired cell rate", 9, 9, kUni40},
});

// kIeSpecs row of each IE identifier (kNoIe: none), built at compile time from
// kIeSpecs: the decoder's per-IE lookup is an index, inlined.
inline constexpr std::uint8_t kNoIe = 0xff;
inline constexpr auto kIeRowById = [] {
  std::array<std::uint8_t, 256> a{};
  a.fill(kNoIe);
  for (std::size_t i = kIeSpecs.size(); i-- > 0;)  // the first row wins, as a search
    a[static_cast<std::uint8_t>(kIeSpecs[i].id)] = static_cast<std::uint8_t>(i);
  return a;
}();
static_assert(kIeSpecs.size() < kNoIe);

inline constexpr std::size_t kVersionCount = static_cast<std::size_t>(Version::kUni31Compat30) + 1;

// Inline: the encoder and decoder ask it per sub-field.
constexpr bool in_version(VersionMask mask, Version v) {
  // UNI 3.1 with 3.0 compatibility is UNI 3.1 wherever a row does not name it.
  if (v == Version::kUni31Compat30 && (mask & kUni31) != 0) return true;
  return (mask & static_cast<VersionMask>(1u << static_cast<unsigned>(v))) != 0;
}
const IeSpec* ie_spec(std::uint8_t id);
const MsgSpec* msg_spec(MessageType t);

// What the decoder needs of one message type in one version, from the tables at
// compile time (tables.cpp): each IE's rule by kIeSpecs row and the mandatory
// IEs. rule[row]: the repetitions allowed (kRuleCount bits, 0: the IE may not
// appear: unknown in the version or not in the message), kRuleMandatory if
// mandatory.
inline constexpr std::uint8_t kRuleMandatory = 0x80;
inline constexpr std::uint8_t kRuleCount = 0x7f;
inline constexpr std::size_t kMaxMandatoryIes = 8;
struct MsgRules {
  std::array<std::uint8_t, kIeSpecs.size()> rule{};
  std::array<std::uint8_t, kMaxMandatoryIes> mandatory{};  // IE identifiers, table order
  std::uint8_t mandatory_count = 0;
  // The message's columns the decoder reads (kMsgSpecs): one lookup per message.
  GlobalCallRef global = GlobalCallRef::kNever;
  Action mandatory_error = Action::kDiscardReportStatus;
};
// The rules of message type t in version v; nullptr if t is not a message of v.
const MsgRules* msg_rules(MessageType t, Version v);

}  // namespace atmsigd::q2931
