// The coding tables: which messages and IEs exist in which version, IE length
// limits, and which IEs each message may carry (max repetitions, mandatory).
// References: Q.2931 §3 / §4.5, Q.2971, Q.2963.1, ATM Forum UNI 3.1 §5.3, UNI 4.0 §2-§9.
#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>
#include <variant>

#include "atmsigd/q2931/message.hpp"
#include "tables.hpp"

namespace atmsigd::q2931 {
namespace {

using M = MessageType;
using I = IeId;

constexpr VersionMask kAll = kAllVersions;
constexpr VersionMask k40 = kUni40;
constexpr VersionMask k40Q = kUni40Q2931;
constexpr VersionMask k3xQ = kUni30 | kUni31 | kQ2931;
constexpr VersionMask kNone = 0;

// Column shorthands for kMsgSpecs.
constexpr Procedure kCc = Procedure::kCallControl;
constexpr Procedure kRst = Procedure::kRestart;
constexpr Procedure kP2mp = Procedure::kPointToMultipoint;
constexpr Procedure kMod = Procedure::kModification;
constexpr Procedure kLij = Procedure::kLeafInitiatedJoin;
// Every message of Q.2931, Q.2971, Q.2963.1 and UNI 3.x/4.0 is listed with
// "Direction: both" (unlike Q.931's SETUP ACKNOWLEDGE, say).
constexpr Direction kBoth = Direction::kBoth;
constexpr GlobalCallRef kNoGcr = GlobalCallRef::kNever;
constexpr GlobalCallRef kOnlyGcr = GlobalCallRef::kOnly;
constexpr GlobalCallRef kAnyGcr = GlobalCallRef::kAllowed;
constexpr UnknownCallRef kRc81 = UnknownCallRef::kReleaseComplete;
// §5.6.7: what a missing or bad mandatory IE does to the message.
constexpr Action kStatus = Action::kDiscardReportStatus;  // ignore it, STATUS cause 96/100
constexpr Action kClear = Action::kClearCall;  // SETUP: RELEASE COMPLETE, ADD PARTY: REJECT

// Message type, name, versions, procedure, direction, global call reference (§5.6.3.3),
// unknown call reference (§5.6.3.2), missing / bad mandatory IE (§5.6.7).
constexpr std::array kMsgSpecs = std::to_array<MsgSpec>({
    {M::kAlerting, "ALERTING", kAll, kCc, kBoth, kNoGcr, kRc81, kStatus},
    {M::kCallProceeding, "CALL PROCEEDING", kAll, kCc, kBoth, kNoGcr, kRc81, kStatus},
    {M::kSetup, "SETUP", kAll, kCc, kBoth, kNoGcr, UnknownCallRef::kNewCall, kClear},
    {M::kConnect, "CONNECT", kAll, kCc, kBoth, kNoGcr, kRc81, kStatus},
    {M::kConnectAcknowledge, "CONNECT ACKNOWLEDGE", kAll, kCc, kBoth, kNoGcr, kRc81, kStatus},
    {M::kRestart, "RESTART", kAll, kRst, kBoth, kOnlyGcr, kRc81, kStatus},
    // §5.6.7.1: RELEASE is acted upon; the cause goes into RELEASE COMPLETE.
    {M::kRelease, "RELEASE", kAll, kCc, kBoth, kNoGcr, kRc81, Action::kProceedReportStatus},
    {M::kRestartAcknowledge, "RESTART ACKNOWLEDGE", kAll, kRst, kBoth, kOnlyGcr, kRc81, kStatus},
    // §5.6.3.2 b), §5.6.7.1: RELEASE COMPLETE is acted upon and never answered.
    {M::kReleaseComplete, "RELEASE COMPLETE", kAll, kCc, kBoth, kNoGcr, UnknownCallRef::kIgnore,
     Action::kProceed},
    {M::kNotify, "NOTIFY", k40Q, kCc, kBoth, kNoGcr, kRc81, kStatus},
    {M::kStatusEnquiry, "STATUS ENQUIRY", kAll, kCc, kBoth, kNoGcr, UnknownCallRef::kStatusNull,
     kStatus},
    {M::kStatus, "STATUS", kAll, kCc, kBoth, kAnyGcr, UnknownCallRef::kStatusCheck, kStatus},
    {M::kAddParty, "ADD PARTY", kAll, kP2mp, kBoth, kNoGcr, kRc81, kClear},
    {M::kAddPartyAcknowledge, "ADD PARTY ACKNOWLEDGE", kAll, kP2mp, kBoth, kNoGcr, kRc81, kStatus},
    {M::kAddPartyReject, "ADD PARTY REJECT", kAll, kP2mp, kBoth, kNoGcr, kRc81, kStatus},
    {M::kDropParty, "DROP PARTY", kAll, kP2mp, kBoth, kNoGcr, kRc81, kStatus},
    {M::kDropPartyAcknowledge, "DROP PARTY ACKNOWLEDGE", kAll, kP2mp, kBoth, kNoGcr, kRc81,
     kStatus},
    {M::kPartyAlerting, "PARTY ALERTING", k40Q, kP2mp, kBoth, kNoGcr, kRc81, kStatus},
    {M::kModifyRequest, "MODIFY REQUEST", k40Q, kMod, kBoth, kNoGcr, kRc81, kStatus},
    {M::kModifyAcknowledge, "MODIFY ACKNOWLEDGE", k40Q, kMod, kBoth, kNoGcr, kRc81, kStatus},
    {M::kModifyReject, "MODIFY REJECT", k40Q, kMod, kBoth, kNoGcr, kRc81, kStatus},
    {M::kConnectionAvailable, "CONNECTION AVAILABLE", k40Q, kMod, kBoth, kNoGcr, kRc81, kStatus},
    {M::kLeafSetupFailure, "LEAF SETUP FAILURE", k40, kLij, kBoth, kNoGcr, kRc81, kStatus},
    {M::kLeafSetupRequest, "LEAF SETUP REQUEST", k40, kLij, kBoth, kNoGcr, kRc81, kStatus},
});

// (message, IE, max repetitions, mandatory in). Whether the IE exists in a version
// comes from kIeSpecs; a row only restricts it further.
constexpr std::array kMsgIes = std::to_array<MsgIeSpec>({
    // ALERTING (Q.2931 §3.1.1, Q.2971)
    {M::kAlerting, I::kConnectionIdentifier, 1, kNone},
    {M::kAlerting, I::kEndpointReference, 1, kNone},
    {M::kAlerting, I::kNotificationIndicator, 1, kNone},
    {M::kAlerting, I::kGenericIdentifierTransport, 3, kNone},
    {M::kAlerting, I::kProgressIndicator, 1, kNone},  // Q.2931 §4.6.5
    {M::kAlerting, I::kUserUser, 1, kNone},           // Q.2957.1 UUS1
    // CALL PROCEEDING (§3.1.2)
    {M::kCallProceeding, I::kConnectionIdentifier, 1, kNone},
    {M::kCallProceeding, I::kEndpointReference, 1, kNone},
    {M::kCallProceeding, I::kNotificationIndicator, 1, kNone},
    {M::kCallProceeding, I::kProgressIndicator, 1, kNone},
    // CONNECT (§3.1.3, UNI 4.0 §2.1.3)
    {M::kConnect, I::kAalParameters, 1, kNone},
    {M::kConnect, I::kBroadbandLowLayerInfo, 1, kNone},
    {M::kConnect, I::kConnectionIdentifier, 1, kNone},
    {M::kConnect, I::kEndpointReference, 1, kNone},
    {M::kConnect, I::kNotificationIndicator, 1, kNone},
    {M::kConnect, I::kEndToEndTransitDelay, 1, kNone},
    {M::kConnect, I::kGenericIdentifierTransport, 3, kNone},
    {M::kConnect, I::kTrafficDescriptor, 1, kNone},
    {M::kConnect, I::kExtendedQosParameters, 1, kNone},
    {M::kConnect, I::kAbrSetupParameters, 1, kNone},
    {M::kConnect, I::kAbrAdditionalParameters, 1, kNone},
    {M::kConnect, I::kOamTrafficDescriptor, 1, kNone},
    {M::kConnect, I::kConnectedNumber, 1, kNone},      // Q.2951.5 COLP
    {M::kConnect, I::kConnectedSubaddress, 1, kNone},  // Q.2951.5 COLP
    {M::kConnect, I::kNarrowbandBearerCapability, 1, kNone},
    {M::kConnect, I::kNarrowbandLowLayerCompatibility, 1, kNone},
    {M::kConnect, I::kProgressIndicator, 1, kNone},
    {M::kConnect, I::kUserUser, 1, kNone},
    // CONNECT ACKNOWLEDGE (§3.1.4)
    {M::kConnectAcknowledge, I::kNotificationIndicator, 1, kNone},
    // RELEASE (§3.1.5): cause mandatory, up to two
    {M::kRelease, I::kCause, 2, kAll},
    {M::kRelease, I::kNotificationIndicator, 1, kNone},
    {M::kRelease, I::kGenericIdentifierTransport, 3, kNone},
    {M::kRelease, I::kProgressIndicator, 1, kNone},
    {M::kRelease, I::kUserUser, 1, kNone},
    // RELEASE COMPLETE (§3.1.6)
    {M::kReleaseComplete, I::kCause, 2, kNone},
    {M::kReleaseComplete, I::kGenericIdentifierTransport, 3, kNone},
    {M::kReleaseComplete, I::kUserUser, 1, kNone},
    // SETUP (§3.1.7, UNI 3.1 §5.3.1.7, UNI 4.0 §2.1.7)
    {M::kSetup, I::kAalParameters, 1, kNone},
    {M::kSetup, I::kTrafficDescriptor, 1, kAll},
    {M::kSetup, I::kBroadbandBearerCapability, 1, kAll},
    {M::kSetup, I::kBroadbandHighLayerInfo, 1, kNone},
    {M::kSetup, I::kBroadbandRepeatIndicator, 1, kNone},
    {M::kSetup, I::kBroadbandLowLayerInfo, 3, kNone},
    {M::kSetup, I::kCalledPartyNumber, 1, kAll},
    {M::kSetup, I::kCalledPartySubaddress, 2, kNone},
    {M::kSetup, I::kCallingPartyNumber, 1, kNone},
    {M::kSetup, I::kCallingPartySubaddress, 2, kNone},
    {M::kSetup, I::kConnectionIdentifier, 1, kNone},
    {M::kSetup, I::kQosParameter, 1, k3xQ},  // optional in UNI 4.0 (extended QoS)
    {M::kSetup, I::kEndToEndTransitDelay, 1, kNone},
    {M::kSetup, I::kNotificationIndicator, 1, kNone},
    {M::kSetup, I::kBroadbandSendingComplete, 1, kNone},
    {M::kSetup, I::kTransitNetworkSelection, 1, kNone},
    {M::kSetup, I::kEndpointReference, 1, kNone},
    {M::kSetup, I::kAlternativeTrafficDescriptor, 1, kNone},
    {M::kSetup, I::kMinimumTrafficDescriptor, 1, kNone},
    {M::kSetup, I::kGenericIdentifierTransport, 3, kNone},
    {M::kSetup, I::kLijCallIdentifier, 1, kNone},
    {M::kSetup, I::kLijParameters, 1, kNone},
    {M::kSetup, I::kLeafSequenceNumber, 1, kNone},
    {M::kSetup, I::kExtendedQosParameters, 1, kNone},
    {M::kSetup, I::kAbrSetupParameters, 1, kNone},
    {M::kSetup, I::kAbrAdditionalParameters, 1, kNone},
    {M::kSetup, I::kMinimumDesiredCellRate, 1, kNone},
    {M::kSetup, I::kConnectionScopeSelection, 1, kNone},
    {M::kSetup, I::kOamTrafficDescriptor, 1, kNone},
    // Narrowband interworking (Q.2931 §4.6): N-HLC and N-LLC repeated as a list.
    {M::kSetup, I::kNarrowbandBearerCapability, 1, kNone},
    {M::kSetup, I::kNarrowbandHighLayerCompatibility, 2, kNone},
    {M::kSetup, I::kNarrowbandLowLayerCompatibility, 3, kNone},
    {M::kSetup, I::kProgressIndicator, 2, kNone},
    {M::kSetup, I::kUserUser, 1, kNone},
    // RESTART / RESTART ACKNOWLEDGE (§3.4)
    {M::kRestart, I::kConnectionIdentifier, 1, kNone},
    {M::kRestart, I::kRestartIndicator, 1, kAll},
    {M::kRestartAcknowledge, I::kConnectionIdentifier, 1, kNone},
    {M::kRestartAcknowledge, I::kRestartIndicator, 1, kAll},
    // STATUS / STATUS ENQUIRY (§3.1.8, §3.1.9)
    {M::kStatus, I::kCallState, 1, kAll},
    {M::kStatus, I::kCause, 1, kAll},
    {M::kStatus, I::kEndpointReference, 1, kNone},
    {M::kStatus, I::kEndpointState, 1, kNone},
    {M::kStatusEnquiry, I::kEndpointReference, 1, kNone},
    // NOTIFY (§3.1.10)
    {M::kNotify, I::kNotificationIndicator, 1, kAll},
    {M::kNotify, I::kEndpointReference, 1, kNone},
    // ADD PARTY ... (Q.2971 §3, UNI 3.1 §5.3.2, UNI 4.0 §5)
    {M::kAddParty, I::kAalParameters, 1, kNone},
    {M::kAddParty, I::kBroadbandHighLayerInfo, 1, kNone},
    {M::kAddParty, I::kBroadbandLowLayerInfo, 1, kNone},
    {M::kAddParty, I::kCalledPartyNumber, 1, kAll},
    {M::kAddParty, I::kCalledPartySubaddress, 2, kNone},
    {M::kAddParty, I::kCallingPartyNumber, 1, kNone},
    {M::kAddParty, I::kCallingPartySubaddress, 2, kNone},
    {M::kAddParty, I::kBroadbandSendingComplete, 1, kNone},
    {M::kAddParty, I::kTransitNetworkSelection, 1, kNone},
    {M::kAddParty, I::kEndpointReference, 1, kAll},
    {M::kAddParty, I::kNotificationIndicator, 1, kNone},
    {M::kAddParty, I::kEndToEndTransitDelay, 1, kNone},
    {M::kAddParty, I::kGenericIdentifierTransport, 3, kNone},
    {M::kAddParty, I::kLeafSequenceNumber, 1, kNone},
    {M::kAddPartyAcknowledge, I::kEndpointReference, 1, kAll},
    {M::kAddPartyAcknowledge, I::kAalParameters, 1, kNone},
    {M::kAddPartyAcknowledge, I::kBroadbandLowLayerInfo, 1, kNone},
    {M::kAddPartyAcknowledge, I::kNotificationIndicator, 1, kNone},
    {M::kAddPartyAcknowledge, I::kEndToEndTransitDelay, 1, kNone},
    {M::kAddPartyAcknowledge, I::kGenericIdentifierTransport, 3, kNone},
    {M::kPartyAlerting, I::kEndpointReference, 1, kAll},
    {M::kPartyAlerting, I::kNotificationIndicator, 1, kNone},
    {M::kPartyAlerting, I::kGenericIdentifierTransport, 3, kNone},
    {M::kAddPartyReject, I::kCause, 1, kAll},
    {M::kAddPartyReject, I::kEndpointReference, 1, kAll},
    {M::kAddPartyReject, I::kGenericIdentifierTransport, 3, kNone},
    {M::kDropParty, I::kCause, 1, kAll},
    {M::kDropParty, I::kEndpointReference, 1, kAll},
    {M::kDropParty, I::kNotificationIndicator, 1, kNone},
    {M::kDropParty, I::kGenericIdentifierTransport, 3, kNone},
    {M::kDropPartyAcknowledge, I::kEndpointReference, 1, kAll},
    {M::kDropPartyAcknowledge, I::kCause, 1, kNone},
    {M::kDropPartyAcknowledge, I::kGenericIdentifierTransport, 3, kNone},
    // LEAF SETUP REQUEST / FAILURE (UNI 4.0 §6)
    {M::kLeafSetupRequest, I::kTransitNetworkSelection, 1, kNone},
    {M::kLeafSetupRequest, I::kCallingPartyNumber, 1, kAll},
    {M::kLeafSetupRequest, I::kCallingPartySubaddress, 2, kNone},
    {M::kLeafSetupRequest, I::kCalledPartyNumber, 1, kAll},
    {M::kLeafSetupRequest, I::kCalledPartySubaddress, 2, kNone},
    {M::kLeafSetupRequest, I::kLijCallIdentifier, 1, kAll},
    {M::kLeafSetupRequest, I::kLeafSequenceNumber, 1, kAll},
    {M::kLeafSetupFailure, I::kCause, 1, kAll},
    {M::kLeafSetupFailure, I::kCalledPartyNumber, 1, kNone},
    {M::kLeafSetupFailure, I::kCalledPartySubaddress, 1, kNone},
    {M::kLeafSetupFailure, I::kLeafSequenceNumber, 1, kAll},
    {M::kLeafSetupFailure, I::kTransitNetworkSelection, 1, kNone},
    // MODIFY ... (Q.2963.1 §3, UNI 4.0 addendum)
    {M::kModifyRequest, I::kTrafficDescriptor, 1, kAll},
    {M::kModifyRequest, I::kAlternativeTrafficDescriptor, 1, kNone},
    {M::kModifyRequest, I::kMinimumTrafficDescriptor, 1, kNone},
    {M::kModifyRequest, I::kNotificationIndicator, 1, kNone},
    {M::kModifyRequest, I::kGenericIdentifierTransport, 3, kNone},
    {M::kModifyAcknowledge, I::kTrafficDescriptor, 1, kNone},
    {M::kModifyAcknowledge, I::kBroadbandReportType, 1, kNone},
    {M::kModifyAcknowledge, I::kNotificationIndicator, 1, kNone},
    {M::kModifyAcknowledge, I::kGenericIdentifierTransport, 3, kNone},
    {M::kModifyReject, I::kCause, 1, kAll},
    {M::kModifyReject, I::kNotificationIndicator, 1, kNone},
    {M::kModifyReject, I::kGenericIdentifierTransport, 3, kNone},
    {M::kConnectionAvailable, I::kNotificationIndicator, 1, kNone},
    {M::kConnectionAvailable, I::kGenericIdentifierTransport, 3, kNone},
});

// ---- static checks of the tables ----
template <class T, std::size_t N, class Key>
constexpr bool unique_keys(const std::array<T, N>& a, Key key) {
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      if (key(a[i]) == key(a[j])) return false;
  return true;
}
static_assert(unique_keys(kIeSpecs, [](const IeSpec& s) { return s.id; }),
              "IE identifiers are unique");
static_assert(unique_keys(kMsgSpecs, [](const MsgSpec& s) { return s.type; }),
              "message types are unique");
static_assert(unique_keys(kMsgIes,
                          [](const MsgIeSpec& s) {
                            return static_cast<unsigned>(s.msg) << 8 | static_cast<unsigned>(s.ie);
                          }),
              "each IE appears once per message");

// Index-based lookups for the compile-time checks: GCC cannot compare a
// pointer into an inline (external) constexpr table with nullptr in a
// constant expression under -fsanitize=undefined (which implies
// -fno-delete-null-pointer-checks); indexes have no such problem.
constexpr std::size_t ie_index(IeId id) {
  for (std::size_t i = 0; i < kIeSpecs.size(); ++i)
    if (kIeSpecs[i].id == id) return i;
  return kIeSpecs.size();
}
constexpr std::size_t msg_index(MessageType t) {
  for (std::size_t i = 0; i < kMsgSpecs.size(); ++i)
    if (kMsgSpecs[i].type == t) return i;
  return kMsgSpecs.size();
}
constexpr bool ie_table_sane() {
  for (const auto& s : kIeSpecs)
    if (s.min_len > s.max_len || s.max_len == 0 || s.versions == 0 || s.name.empty()) return false;
  return true;
}
static_assert(ie_table_sane(), "IE length limits and versions are sane");
constexpr bool msg_ie_table_sane() {
  for (const auto& r : kMsgIes) {
    const std::size_t ie = ie_index(r.ie);
    const std::size_t msg = msg_index(r.msg);
    // every row names a known msg and IE
    if (ie == kIeSpecs.size() || msg == kMsgSpecs.size()) return false;
    if (r.max_count == 0) return false;
    // An IE is mandatory only where both the message and the IE exist.
    if ((r.mandatory & ~(kIeSpecs[ie].versions & kMsgSpecs[msg].versions)) != 0 &&
        r.mandatory != kAll)
      return false;
  }
  return true;
}
static_assert(msg_ie_table_sane(), "message/IE rows refer to known messages and IEs");
constexpr bool every_message_has_a_row_or_is_empty() {
  for (const auto& m : kMsgSpecs) {
    if (m.type == M::kConnectAcknowledge || m.type == M::kStatusEnquiry) continue;
    bool found = false;
    for (const auto& r : kMsgIes) found = found || r.msg == m.type;
    if (!found) return false;
  }
  return true;
}
static_assert(every_message_has_a_row_or_is_empty());
static_assert(kIeSpecs.size() == 43 && kMsgSpecs.size() == 24);
constexpr bool msg_columns_consistent() {
  for (const auto& m : kMsgSpecs) {
    // The restart procedure is the one that runs on the global call reference (§5.5).
    if ((m.procedure == Procedure::kRestart) != (m.global == GlobalCallRef::kOnly)) return false;
    // Only SETUP opens a call on an unknown call reference.
    if ((m.unknown == UnknownCallRef::kNewCall) != (m.type == M::kSetup)) return false;
  }
  return true;
}
static_assert(msg_columns_consistent());

// Every typed alternative of the Ie variant has a row in kIeSpecs, and every row has
// a typed alternative (UnknownIe is the only untyped one).
template <class T>
constexpr bool typed_ie_has_spec() {
  if constexpr (std::is_same_v<T, UnknownIe>) {
    return true;
  } else {
    return ie_index(T::kId) != kIeSpecs.size();
  }
}
template <std::size_t... K>
constexpr bool all_typed_ies_have_specs(std::index_sequence<K...>) {
  return (typed_ie_has_spec<std::variant_alternative_t<K, Ie>>() && ...);
}
static_assert(all_typed_ies_have_specs(std::make_index_sequence<std::variant_size_v<Ie>>{}));
static_assert(std::variant_size_v<Ie> == kIeSpecs.size() + 1, "one typed IE per table row");

// The tables indexed by code, built at compile time: the lookups of every
// message decoded are by index, not searches of the tables.
static_assert(kMsgSpecs.size() < 255);
// kMsgSpecs index + 1 by message type (0: none).
constexpr auto kMsgRowByType = [] {
  std::array<std::uint8_t, 256> a{};
  for (std::size_t i = kMsgSpecs.size(); i-- > 0;)  // the first row wins, as a search
    a[static_cast<std::uint8_t>(kMsgSpecs[i].type)] = static_cast<std::uint8_t>(i + 1);
  return a;
}();
// [version][kMsgSpecs index]: kMsgIes and kIeSpecs as direct-index rules.
using RulesTable = std::array<std::array<MsgRules, kMsgSpecs.size()>, kVersionCount>;
constexpr RulesTable kRules = [] {
  RulesTable t{};
  for (std::size_t vi = 0; vi < kVersionCount; ++vi) {
    const auto v = static_cast<Version>(vi);
    for (std::size_t mi = 0; mi < kMsgSpecs.size(); ++mi) {
      MsgRules& r = t[vi][mi];
      r.global = kMsgSpecs[mi].global;
      r.mandatory_error = kMsgSpecs[mi].mandatory_error;
      for (const auto& row : kMsgIes) {
        if (row.msg != kMsgSpecs[mi].type) continue;
        const std::size_t ie = kIeRowById[static_cast<std::uint8_t>(row.ie)];
        if (!in_version(kIeSpecs[ie].versions, v)) continue;
        const bool mandatory = in_version(row.mandatory, v);
        r.rule[ie] = static_cast<std::uint8_t>((row.max_count & kRuleCount) |
                                               (mandatory ? kRuleMandatory : 0));
        if (mandatory) r.mandatory[r.mandatory_count++] = static_cast<std::uint8_t>(row.ie);
      }
    }
  }
  return t;
}();
// The decoder's fast path (codec.cpp scan_ie) takes an IE with a rule as no
// shift: the shift IEs are allowed in any message without a message row.
constexpr bool shifts_have_no_rule() {
  const std::uint8_t rows[] = {
      kIeRowById[static_cast<std::uint8_t>(IeId::kBroadbandLockingShift)],
      kIeRowById[static_cast<std::uint8_t>(IeId::kBroadbandNonLockingShift)]};
  for (const auto& per_version : kRules)
    for (const auto& m : per_version)
      for (const std::uint8_t row : rows)
        if (row != kNoIe && m.rule[row] != 0) return false;
  return true;
}
static_assert(shifts_have_no_rule(), "a shift IE has no rule in any message");
constexpr bool rules_fit() {
  for (const auto& m : kMsgSpecs) {
    std::size_t n = 0;
    for (const auto& row : kMsgIes) n += row.msg == m.type && row.mandatory != kNone ? 1 : 0;
    if (n > kMaxMandatoryIes) return false;
  }
  for (const auto& row : kMsgIes)
    if (row.max_count > kRuleCount) return false;
  return true;
}
static_assert(rules_fit(), "kMaxMandatoryIes / kRuleCount hold every message's rules");

// [version][message type]: kRules' row + 1, 0 if the type is no message of
// the version (one load a message decoded, no version test; issue 13).
using RulesRowTable = std::array<std::array<std::uint8_t, 256>, kVersionCount>;
constexpr RulesRowTable kRulesRow = [] {
  RulesRowTable t{};
  for (std::size_t vi = 0; vi < kVersionCount; ++vi)
    for (std::size_t type = 0; type < 256; ++type) {
      const std::uint8_t i = kMsgRowByType[type];
      if (i != 0 && in_version(kMsgSpecs[i - 1u].versions, static_cast<Version>(vi)))
        t[vi][type] = i;
    }
  return t;
}();

const MsgSpec* spec_of(MessageType t) {
  const std::uint8_t i = kMsgRowByType[static_cast<std::uint8_t>(t)];
  return i != 0 ? &kMsgSpecs[i - 1u] : nullptr;
}

}  // namespace

const IeSpec* ie_spec(std::uint8_t id) {
  const std::uint8_t i = kIeRowById[id];
  return i != kNoIe ? &kIeSpecs[i] : nullptr;
}

const MsgRules* msg_rules(MessageType t, Version v) {
  const auto vi = static_cast<std::size_t>(v);
  if (vi >= kVersionCount) return nullptr;
  const std::uint8_t i = kRulesRow[vi][static_cast<std::uint8_t>(t)];
  return i != 0 ? &kRules[vi][i - 1u] : nullptr;
}
const MsgSpec* msg_spec(MessageType t) {
  return spec_of(t);
}

std::optional<Procedure> message_procedure(MessageType t) {
  const MsgSpec* s = spec_of(t);
  return s != nullptr ? std::optional(s->procedure) : std::nullopt;
}
std::optional<Direction> message_direction(MessageType t) {
  const MsgSpec* s = spec_of(t);
  return s != nullptr ? std::optional(s->direction) : std::nullopt;
}
bool sent_by(MessageType t, Sender who) {
  const std::optional<Direction> d = message_direction(t);
  if (!d) return false;
  switch (*d) {
    case Direction::kBoth:
      return true;
    case Direction::kUserToNetwork:
      return who == Sender::kUser;
    case Direction::kNetworkToUser:
      return who == Sender::kNetwork;
  }
  return false;
}
std::optional<GlobalCallRef> global_call_ref(MessageType t) {
  const MsgSpec* s = spec_of(t);
  return s != nullptr ? std::optional(s->global) : std::nullopt;
}
std::optional<UnknownCallRef> unknown_call_ref(MessageType t) {
  const MsgSpec* s = spec_of(t);
  return s != nullptr ? std::optional(s->unknown) : std::nullopt;
}
Action mandatory_ie_action(MessageType t) {
  const MsgSpec* s = spec_of(t);
  return s != nullptr ? s->mandatory_error : Action::kDiscardReportStatus;
}

std::string_view message_name(MessageType t) {
  const MsgSpec* s = spec_of(t);
  return s != nullptr ? s->name : std::string_view("UNKNOWN");
}
std::string_view ie_name(std::uint8_t id) {
  const IeSpec* s = ie_spec(id);
  return s != nullptr ? s->name : std::string_view("unknown IE");
}
std::string_view version_name(Version v) {
  switch (v) {
    case Version::kUni30:
      return "UNI 3.0";
    case Version::kUni31:
      return "UNI 3.1";
    case Version::kUni40:
      return "UNI 4.0";
    case Version::kQ2931:
      return "Q.2931";
    case Version::kUni31Compat30:
      return "UNI 3.1+3.0";
  }
  return "?";
}

bool message_known(MessageType t, Version v) {
  const MsgSpec* s = spec_of(t);
  return s != nullptr && in_version(s->versions, v);
}
bool ie_known(std::uint8_t id, Version v) {
  const IeSpec* s = ie_spec(id);
  return s != nullptr && in_version(s->versions, v);
}

std::optional<IeRule> ie_rule(MessageType t, std::uint8_t id, Version v) {
  const MsgRules* m = msg_rules(t, v);
  const std::uint8_t ie = kIeRowById[id];
  if (m == nullptr || ie == kNoIe || m->rule[ie] == 0) return std::nullopt;
  return IeRule{static_cast<std::uint8_t>(m->rule[ie] & kRuleCount),
                (m->rule[ie] & kRuleMandatory) != 0};
}

std::vector<std::uint8_t> mandatory_ies(MessageType t, Version v) {
  const MsgRules* m = msg_rules(t, v);
  if (m == nullptr) return {};
  return {m->mandatory.begin(), m->mandatory.begin() + m->mandatory_count};
}

std::vector<MessageType> all_message_types() {
  std::vector<MessageType> out;
  for (const auto& s : kMsgSpecs) out.push_back(s.type);
  return out;
}
std::vector<std::uint8_t> all_ie_ids() {
  std::vector<std::uint8_t> out;
  for (const auto& s : kIeSpecs) out.push_back(static_cast<std::uint8_t>(s.id));
  return out;
}

}  // namespace atmsigd::q2931
