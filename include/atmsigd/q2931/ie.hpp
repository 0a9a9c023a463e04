// Q.2931 / UNI 3.0, 3.1, 4.0 information elements as plain value types.
//
// Every IE is a struct with `static constexpr IeId kId`, an `IeHeader hdr` (the
// second IE octet: coding standard and IE instruction field) and its fields, with
// std::optional for optional subfields/octet groups. Values compare with
// operator== (= default). The codec (codec.hpp) encodes and decodes them; text.hpp
// renders them for traces. Field values are the code points of the recommendation
// (stored right-aligned, without extension bits); see docs/q2931-coding.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/inline_bytes.hpp"
#include "atmsigd/util/uni_version.hpp"

namespace atmsigd::q2931 {

// One codec, parameterized by the signalling protocol version (the one UNI
// version type of the demon).
using Version = ::atmsigd::UniVersion;

// Information element identifiers (Q.2931 §4.5.1 Table 4-3, UNI 4.0 Table 4-?).
enum class IeId : std::uint8_t {
  kNarrowbandBearerCapability = 0x04,  // Q.2931 §4.6.2 (N-ISDN interworking)
  kCause = 0x08,
  kCallState = 0x14,
  kProgressIndicator = 0x1e,  // Q.2931 §4.6.5
  kNotificationIndicator = 0x27,
  kEndToEndTransitDelay = 0x42,
  kConnectedNumber = 0x4c,      // Q.2951.5 COLP, UNI 4.0 supplementary services
  kConnectedSubaddress = 0x4d,  // Q.2951.5 COLP
  kEndpointReference = 0x54,
  kEndpointState = 0x55,
  kAalParameters = 0x58,
  kTrafficDescriptor = 0x59,
  kConnectionIdentifier = 0x5a,
  kOamTrafficDescriptor = 0x5b,
  kQosParameter = 0x5c,
  kBroadbandHighLayerInfo = 0x5d,
  kBroadbandBearerCapability = 0x5e,
  kBroadbandLowLayerInfo = 0x5f,
  kBroadbandLockingShift = 0x60,     // Q.2931 §4.5.3 (codeset shift, any message)
  kBroadbandNonLockingShift = 0x61,  // Q.2931 §4.5.4
  kBroadbandSendingComplete = 0x62,
  kBroadbandRepeatIndicator = 0x63,
  kCallingPartyNumber = 0x6c,
  kCallingPartySubaddress = 0x6d,
  kCalledPartyNumber = 0x70,
  kCalledPartySubaddress = 0x71,
  kTransitNetworkSelection = 0x78,
  kRestartIndicator = 0x79,
  kNarrowbandLowLayerCompatibility = 0x7c,   // Q.2931 §4.6.4
  kNarrowbandHighLayerCompatibility = 0x7d,  // Q.2931 §4.6.3
  kUserUser = 0x7e,                          // Q.2957.1 user-to-user signalling
  kGenericIdentifierTransport = 0x7f,
  kMinimumTrafficDescriptor = 0x81,
  kAlternativeTrafficDescriptor = 0x82,
  kAbrSetupParameters = 0x84,
  kBroadbandReportType = 0x89,
  kAbrAdditionalParameters = 0xe4,
  kLijCallIdentifier = 0xe8,
  kLijParameters = 0xe9,
  kLeafSequenceNumber = 0xea,
  kConnectionScopeSelection = 0xeb,
  kExtendedQosParameters = 0xec,
  kMinimumDesiredCellRate = 0xf0,  // UNI 4.0+ addendum af-cs-0147 (UBR with MDCR)
};

// Octet 2 of an IE, bits 7-6.
enum class CodingStandard : std::uint8_t {
  kItuT = 0,      // ITU-T standardized
  kIsoIec = 1,    // ISO/IEC standard
  kNational = 2,  // national standard
  kNetwork = 3,   // standard defined for the network (ATM Forum specific in UNI)
};

// IE action indicator (octet 2 bits 3-1), meaningful when the flag (bit 5) is set.
// Q.2931 §4.5.1 / §5.6.8.1. Reserved codes are treated as kDiscardIeReportStatus.
enum class IeAction : std::uint8_t {
  kClearCall = 0,
  kDiscardIeProceed = 1,
  kDiscardIeReportStatus = 2,
  kReserved3 = 3,
  kReserved4 = 4,
  kDiscardMessageIgnore = 5,
  kDiscardMessageReportStatus = 6,
  kReserved7 = 7,
};

// Octet 2 of an IE: coding standard and IE instruction field.
struct IeHeader {
  CodingStandard coding = CodingStandard::kItuT;
  bool follow_instructions = false;  // flag: follow the explicit action indicator
  IeAction action = IeAction::kClearCall;
  bool operator==(const IeHeader&) const = default;
};

// ---------------------------------------------------------------------------
// AAL parameters (0x58), Q.2931 §4.5.5, UNI 3.1 §5.4.5.5.

struct Aal1 {
  std::optional<std::uint8_t> subtype;                  // 0x85
  std::optional<std::uint8_t> cbr_rate;                 // 0x86
  std::optional<std::uint16_t> multiplier;              // 0x87
  std::optional<std::uint8_t> clock_recovery;           // 0x88
  std::optional<std::uint8_t> error_correction;         // 0x89
  std::optional<std::uint16_t> structured_data_blocks;  // 0x8a
  std::optional<std::uint8_t> partially_filled_cells;   // 0x8b
  bool operator==(const Aal1&) const = default;
};

// AAL mode (subfield 0x83); UNI 3.0/3.1 only, removed in Q.2931 and UNI 4.0.
enum class AalMode : std::uint8_t { kMessage = 1, kStreaming = 2 };

struct Aal34 {
  std::optional<std::uint16_t> fwd_max_sdu;  // 0x8c
  std::optional<std::uint16_t> bwd_max_sdu;  // 0x81
  std::optional<std::uint16_t> mid_low;      // 0x82 (with mid_high)
  std::optional<std::uint16_t> mid_high;
  std::optional<std::uint8_t> mode;  // 0x83, UNI 3.x only (AalMode)
  std::optional<std::uint8_t> sscs;  // 0x84
  bool operator==(const Aal34&) const = default;
};

struct Aal5 {
  std::optional<std::uint16_t> fwd_max_sdu;  // 0x8c
  std::optional<std::uint16_t> bwd_max_sdu;  // 0x81
  std::optional<std::uint8_t> mode;          // 0x83, UNI 3.x only (AalMode)
  std::optional<std::uint8_t> sscs;          // 0x84: 0 null, 1 SSCOP assured, 2 non-assured, 4 FR
  bool operator==(const Aal5&) const = default;
};

struct AalUserDefined {
  Bytes info;  // up to 4 octets
  bool operator==(const AalUserDefined&) const = default;
};

struct AalParameters {
  static constexpr IeId kId = IeId::kAalParameters;
  IeHeader hdr;
  std::variant<Aal5, Aal1, Aal34, AalUserDefined> aal;
  bool operator==(const AalParameters&) const = default;
};

// ---------------------------------------------------------------------------
// ATM traffic descriptor (0x59), alternative (0x82), minimum acceptable (0x81).
// Cell rates in cells/s, burst sizes in cells, all 24 bits.

struct TrafficParams {
  std::optional<std::uint32_t> fwd_pcr_0;   // 0x82
  std::optional<std::uint32_t> bwd_pcr_0;   // 0x83
  std::optional<std::uint32_t> fwd_pcr_01;  // 0x84
  std::optional<std::uint32_t> bwd_pcr_01;  // 0x85
  std::optional<std::uint32_t> fwd_scr_0;   // 0x88
  std::optional<std::uint32_t> bwd_scr_0;   // 0x89
  std::optional<std::uint32_t> fwd_scr_01;  // 0x90
  std::optional<std::uint32_t> bwd_scr_01;  // 0x91
  std::optional<std::uint32_t> fwd_mcr_01;  // 0x92 ABR minimum cell rate (UNI 4.0)
  std::optional<std::uint32_t> bwd_mcr_01;  // 0x93
  std::optional<std::uint32_t> fwd_mbs_0;   // 0xa0
  std::optional<std::uint32_t> bwd_mbs_0;   // 0xa1
  std::optional<std::uint32_t> fwd_mbs_01;  // 0xb0
  std::optional<std::uint32_t> bwd_mbs_01;  // 0xb1
  bool best_effort = false;                 // 0xbe
  std::optional<std::uint8_t> tm_options;   // 0xbf: tagging / frame discard bits
  bool operator==(const TrafficParams&) const = default;
};

template <IeId Id>
struct TrafficDescriptorIe {
  static constexpr IeId kId = Id;
  IeHeader hdr;
  TrafficParams td;
  bool operator==(const TrafficDescriptorIe&) const = default;
};
using TrafficDescriptor = TrafficDescriptorIe<IeId::kTrafficDescriptor>;
using AlternativeTrafficDescriptor = TrafficDescriptorIe<IeId::kAlternativeTrafficDescriptor>;
using MinimumTrafficDescriptor = TrafficDescriptorIe<IeId::kMinimumTrafficDescriptor>;

// ---------------------------------------------------------------------------
// Broadband bearer capability (0x5e).
namespace bearer_class {
inline constexpr std::uint8_t kBcobA = 0x01;
inline constexpr std::uint8_t kBcobC = 0x03;
inline constexpr std::uint8_t kBcobX = 0x10;
inline constexpr std::uint8_t kTransparentVp = 0x18;
}  // namespace bearer_class

struct BroadbandBearerCapability {
  static constexpr IeId kId = IeId::kBroadbandBearerCapability;
  IeHeader hdr;
  std::uint8_t bearer_class = bearer_class::kBcobX;
  // Octet 5a (7 bits). UNI 3.x: traffic type (bits 5-3) and timing requirements
  // (bits 2-1); Q.2931 / UNI 4.0: ATM transfer capability. Absent: octet 5 ext=1.
  std::optional<std::uint8_t> transfer_capability;
  std::uint8_t clipping = 0;   // 0 not susceptible, 1 susceptible
  std::uint8_t up_config = 0;  // 0 point-to-point, 1 point-to-multipoint
  bool operator==(const BroadbandBearerCapability&) const = default;
};

// Broadband high layer information (0x5d).
struct BroadbandHighLayerInfo {
  static constexpr IeId kId = IeId::kBroadbandHighLayerInfo;
  IeHeader hdr;
  std::uint8_t type = 0;  // 0 ISO/IEC, 1 user specific, 3 vendor specific, 4 B-ISDN teleservice
  Bytes info;             // up to 8 octets
  bool operator==(const BroadbandHighLayerInfo&) const = default;
};

// Broadband low layer information (0x5f).
struct BlliLayer2 {
  std::uint8_t protocol = 0x0c;             // 0x0c ISO 8802/2 LLC, 0x10 user specified ...
  std::optional<std::uint8_t> mode;         // octet 6a bits 7-6 (1 normal, 2 extended)
  std::uint8_t q933 = 0;                    // octet 6a bits 2-1 (with mode)
  std::optional<std::uint8_t> window_size;  // octet 6b
  std::optional<std::uint8_t> user_info;    // octet 6a when protocol = 0x10
  bool operator==(const BlliLayer2&) const = default;
};
struct BlliLayer3 {
  std::uint8_t protocol = 0x0b;      // 0x06 X.25, 0x07 8208, 0x08 X.223, 0x0b TR 9577, 0x10 user
  std::optional<std::uint8_t> mode;  // X.25-like: octet 7a
  std::optional<std::uint8_t> default_packet_size;  // octet 7b
  std::optional<std::uint8_t> packet_window_size;   // octet 7c
  std::optional<std::uint8_t> user_info;            // octet 7a when protocol = 0x10
  std::optional<std::uint8_t> ipi;                  // TR 9577 initial protocol identifier
  std::optional<std::uint32_t> snap_oui;            // IPI = 0x80 (SNAP): octets 8.1-8.3
  std::optional<std::uint16_t> snap_pid;            // octets 8.4-8.5
  bool operator==(const BlliLayer3&) const = default;
};
struct BroadbandLowLayerInfo {
  static constexpr IeId kId = IeId::kBroadbandLowLayerInfo;
  IeHeader hdr;
  std::optional<std::uint8_t> l1_protocol;
  std::optional<BlliLayer2> l2;
  std::optional<BlliLayer3> l3;
  bool operator==(const BroadbandLowLayerInfo&) const = default;
};

// Broadband repeat indicator (0x63); 2 = prioritized list (descending order).
struct BroadbandRepeatIndicator {
  static constexpr IeId kId = IeId::kBroadbandRepeatIndicator;
  IeHeader hdr;
  std::uint8_t indicator = 2;
  bool operator==(const BroadbandRepeatIndicator&) const = default;
};

// Call state (0x14): U0..U12 / N0..N12, REST0..2 = 0, 0x3d, 0x3e.
struct CallState {
  static constexpr IeId kId = IeId::kCallState;
  IeHeader hdr;
  std::uint8_t state = 0;
  bool operator==(const CallState&) const = default;
};

// ---------------------------------------------------------------------------
// Called (0x70) / calling (0x6c) party number.
namespace numbering {
inline constexpr std::uint8_t kPlanUnknown = 0x0;
inline constexpr std::uint8_t kPlanE164 = 0x1;
inline constexpr std::uint8_t kPlanNsap = 0x2;  // ISO/IEC 8348 NSAP (ATM end system address)
inline constexpr std::uint8_t kPlanPrivate = 0x9;
inline constexpr std::uint8_t kTypeUnknown = 0;
inline constexpr std::uint8_t kTypeInternational = 1;
inline constexpr std::uint8_t kTypeNational = 2;
inline constexpr std::uint8_t kTypeNetworkSpecific = 3;
inline constexpr std::uint8_t kTypeSubscriber = 4;
inline constexpr std::uint8_t kTypeAbbreviated = 6;
}  // namespace numbering

struct PresentationScreening {
  std::uint8_t presentation = 0;  // 0 allowed, 1 restricted, 2 not available
  std::uint8_t screening = 0;     // 0 user not screened, 1 passed, 2 failed, 3 network provided
  bool operator==(const PresentationScreening&) const = default;
};

template <IeId Id>
struct PartyNumberIe {
  static constexpr IeId kId = Id;
  IeHeader hdr;
  std::uint8_t type_of_number = numbering::kTypeUnknown;
  std::uint8_t plan = numbering::kPlanNsap;
  std::optional<PresentationScreening> presentation;  // octet 5a (calling party only)
  // NSAP: 20 octets; E.164: IA5 digits. Inline (no allocation per SETUP).
  InlineBytes<20> address;
  bool operator==(const PartyNumberIe&) const = default;
};
using CalledPartyNumber = PartyNumberIe<IeId::kCalledPartyNumber>;
using CallingPartyNumber = PartyNumberIe<IeId::kCallingPartyNumber>;

// Called (0x71) / calling (0x6d) party subaddress.
template <IeId Id>
struct PartySubaddressIe {
  static constexpr IeId kId = Id;
  IeHeader hdr;
  std::uint8_t type = 0;    // 0 NSAP, 1 user-specified ATM end system address, 2 user specified
  bool odd = false;         // odd/even indicator
  InlineBytes<20> address;  // an ATM end system address: 20 octets (inline)
  bool operator==(const PartySubaddressIe&) const = default;
};
using CalledPartySubaddress = PartySubaddressIe<IeId::kCalledPartySubaddress>;
using CallingPartySubaddress = PartySubaddressIe<IeId::kCallingPartySubaddress>;

// Connected number (0x4c) / connected subaddress (0x4d), Q.2951.5 (COLP, UNI 4.0):
// coded as the calling party number (octet 5a: presentation and screening) and
// subaddress.
using ConnectedNumber = PartyNumberIe<IeId::kConnectedNumber>;
using ConnectedSubaddress = PartySubaddressIe<IeId::kConnectedSubaddress>;

// ---------------------------------------------------------------------------
// Cause (0x08), Q.2931 §4.5.15 / Q.2610.
namespace cause {
inline constexpr std::uint8_t kUnallocatedNumber = 1;
inline constexpr std::uint8_t kNoRouteToTransitNetwork = 2;
inline constexpr std::uint8_t kNoRouteToDestination = 3;
inline constexpr std::uint8_t kVpciVciUnacceptable = 10;
inline constexpr std::uint8_t kNormalCallClearing = 16;
inline constexpr std::uint8_t kUserBusy = 17;
inline constexpr std::uint8_t kNoUserResponding = 18;
inline constexpr std::uint8_t kCallRejected = 21;
inline constexpr std::uint8_t kNumberChanged = 22;
inline constexpr std::uint8_t kClirRejected = 23;
inline constexpr std::uint8_t kDestinationOutOfOrder = 27;
inline constexpr std::uint8_t kInvalidNumberFormat = 28;
inline constexpr std::uint8_t kResponseToStatusEnquiry = 30;
inline constexpr std::uint8_t kNormalUnspecified = 31;
inline constexpr std::uint8_t kTooManyPendingAddParty = 32;
inline constexpr std::uint8_t kRequestedVpciVciNotAvailable =
    35;  // Q.2931: "requested VPCI/VCI not available"
inline constexpr std::uint8_t kVpciVciAssignmentFailure = 36;
inline constexpr std::uint8_t kCellRateUnavailable = 37;
inline constexpr std::uint8_t kNetworkOutOfOrder = 38;
inline constexpr std::uint8_t kTemporaryFailure = 41;
inline constexpr std::uint8_t kAccessInfoDiscarded = 43;
inline constexpr std::uint8_t kNoVpciVciAvailable = 45;  // Q.2931: "no VPCI/VCI available"
inline constexpr std::uint8_t kResourceUnavailable = 47;
inline constexpr std::uint8_t kQosUnavailable = 49;
inline constexpr std::uint8_t kBearerNotAuthorized = 57;
inline constexpr std::uint8_t kBearerNotAvailable = 58;
inline constexpr std::uint8_t kServiceUnavailable = 63;
inline constexpr std::uint8_t kBearerNotImplemented = 65;
inline constexpr std::uint8_t kUnsupportedTrafficParams = 73;
inline constexpr std::uint8_t kAalNotSupported = 78;
inline constexpr std::uint8_t kInvalidCallReference = 81;
inline constexpr std::uint8_t kChannelDoesNotExist = 82;
inline constexpr std::uint8_t kIncompatibleDestination = 88;
inline constexpr std::uint8_t kInvalidEndpointReference = 89;
inline constexpr std::uint8_t kInvalidTransitNetwork = 91;
inline constexpr std::uint8_t kTooManyPendingAddPartyRequests = 92;
inline constexpr std::uint8_t kAalParametersNotSupported = 93;
inline constexpr std::uint8_t kMandatoryIeMissing = 96;
inline constexpr std::uint8_t kMessageTypeNonExistent = 97;
inline constexpr std::uint8_t kIeNonExistent = 99;
inline constexpr std::uint8_t kInvalidIeContents = 100;
inline constexpr std::uint8_t kMessageNotCompatibleWithState = 101;
inline constexpr std::uint8_t kRecoveryOnTimerExpiry = 102;
inline constexpr std::uint8_t kIncorrectMessageLength = 104;
inline constexpr std::uint8_t kProtocolError = 111;
inline constexpr std::uint8_t kInterworking = 127;
}  // namespace cause

// Cause location (octet 5 bits 4-1).
enum class CauseLocation : std::uint8_t {
  kUser = 0,
  kPrivateLocal = 1,
  kPublicLocal = 2,
  kTransit = 3,
  kPublicRemote = 4,
  kPrivateRemote = 5,
  kInternational = 7,
  kBeyondInterworking = 10,
};

struct Cause {
  static constexpr IeId kId = IeId::kCause;
  IeHeader hdr;
  CauseLocation location = CauseLocation::kUser;  // any 4-bit value is kept
  std::uint8_t value = cause::kNormalUnspecified;
  Bytes diagnostics;  // e.g. IE identifiers for 96/99/100, message type for 97/101
  bool operator==(const Cause&) const = default;
};

// Connection identifier (0x5a).
struct ConnectionIdentifier {
  static constexpr IeId kId = IeId::kConnectionIdentifier;
  IeHeader hdr;
  std::uint8_t vp_associated = 1;  // 0 VP-associated signalling, 1 explicit indication of VPCI
  std::uint8_t exclusivity = 0;    // 0 excl VPCI excl VCI, 1 excl VPCI any VCI, 4 excl VPCI no VCI
  std::uint16_t vpci = 0;
  std::uint16_t vci = 0;
  bool operator==(const ConnectionIdentifier&) const = default;
};

// End-to-end transit delay (0x42), milliseconds.
struct EndToEndTransitDelay {
  static constexpr IeId kId = IeId::kEndToEndTransitDelay;
  IeHeader hdr;
  std::optional<std::uint16_t> cumulative;  // 0x01
  std::optional<std::uint16_t> maximum;     // 0x03 (0xffff: any)
  bool network_generated = false;           // 0x0a (UNI 4.0)
  bool operator==(const EndToEndTransitDelay&) const = default;
};

// QoS parameter (0x5c). UNI 3.x codes classes 0..4 under coding standard kNetwork.
struct QosParameter {
  static constexpr IeId kId = IeId::kQosParameter;
  IeHeader hdr;
  std::uint8_t fwd_class = 0;
  std::uint8_t bwd_class = 0;
  bool operator==(const QosParameter&) const = default;
};

// Extended QoS parameters (0xec, UNI 4.0). CDV in microseconds, CLR as exponent.
struct ExtendedQosParameters {
  static constexpr IeId kId = IeId::kExtendedQosParameters;
  IeHeader hdr;
  std::uint8_t origin = 0;                          // 0 originating user, 1 intermediate network
  std::optional<std::uint32_t> fwd_acceptable_cdv;  // 0x94
  std::optional<std::uint32_t> bwd_acceptable_cdv;  // 0x95
  std::optional<std::uint32_t> fwd_cumulative_cdv;  // 0x96
  std::optional<std::uint32_t> bwd_cumulative_cdv;  // 0x97
  std::optional<std::uint8_t> fwd_acceptable_clr;   // 0xa2
  std::optional<std::uint8_t> bwd_acceptable_clr;   // 0xa3
  bool operator==(const ExtendedQosParameters&) const = default;
};

// Restart indicator (0x79): 0 indicated VC, 1 all VCs in the VPC, 2 all VCs.
struct RestartIndicator {
  static constexpr IeId kId = IeId::kRestartIndicator;
  IeHeader hdr;
  std::uint8_t restart_class = 2;
  bool operator==(const RestartIndicator&) const = default;
};

// Broadband sending complete (0x62): one octet 0xa1.
struct BroadbandSendingComplete {
  static constexpr IeId kId = IeId::kBroadbandSendingComplete;
  IeHeader hdr;
  bool operator==(const BroadbandSendingComplete&) const = default;
};

// Transit network selection (0x78).
struct TransitNetworkSelection {
  static constexpr IeId kId = IeId::kTransitNetworkSelection;
  IeHeader hdr;
  std::uint8_t type = 2;   // 2 national network identification
  std::uint8_t plan = 1;   // 1 carrier identification code
  std::string network_id;  // IA5
  bool operator==(const TransitNetworkSelection&) const = default;
};

// Notification indicator (0x27).
struct NotificationIndicator {
  static constexpr IeId kId = IeId::kNotificationIndicator;
  IeHeader hdr;
  Bytes description;
  bool operator==(const NotificationIndicator&) const = default;
};

// OAM traffic descriptor (0x5b, Q.2931 Amd.).
struct OamTrafficDescriptor {
  static constexpr IeId kId = IeId::kOamTrafficDescriptor;
  IeHeader hdr;
  std::uint8_t shaping = 0;     // octet 5 bits 7-6
  bool compliance = false;      // octet 5 bit 5: end-to-end F5 flow mandatory
  std::uint8_t fault_mgmt = 0;  // octet 5 bits 3-1
  std::uint8_t fwd_f5 = 0;      // octet 6 bits 7-5
  std::uint8_t bwd_f5 = 0;      // octet 6 bits 3-1
  bool operator==(const OamTrafficDescriptor&) const = default;
};

// Endpoint reference (0x54) and endpoint state (0x55), Q.2971.
struct EndpointReference {
  static constexpr IeId kId = IeId::kEndpointReference;
  IeHeader hdr;
  std::uint8_t type = 0;    // locally defined integer
  bool flag = false;        // true: sent to the side that originated the reference
  std::uint16_t value = 0;  // 15 bits
  bool operator==(const EndpointReference&) const = default;
};
struct EndpointState {
  static constexpr IeId kId = IeId::kEndpointState;
  IeHeader hdr;
  std::uint8_t state = 0;  // 0 null, 1 add party init, 6 add party rcvd, 10 active, 11/12 drop
  bool operator==(const EndpointState&) const = default;
};

// ABR setup parameters (0x84) and ABR additional parameters (0xe4), UNI 4.0.
struct AbrSetupParameters {
  static constexpr IeId kId = IeId::kAbrSetupParameters;
  IeHeader hdr;
  std::optional<std::uint32_t> fwd_icr;   // 0xc2
  std::optional<std::uint32_t> bwd_icr;   // 0xc3
  std::optional<std::uint32_t> fwd_tbe;   // 0xc4
  std::optional<std::uint32_t> bwd_tbe;   // 0xc5
  std::optional<std::uint32_t> crm_frtt;  // 0xc6 cumulative RM fixed round trip time
  std::optional<std::uint8_t> fwd_rif;    // 0xc8
  std::optional<std::uint8_t> bwd_rif;    // 0xc9
  std::optional<std::uint8_t> fwd_rdf;    // 0xca
  std::optional<std::uint8_t> bwd_rdf;    // 0xcb
  bool operator==(const AbrSetupParameters&) const = default;
};
// Minimum desired cell rate (0xf0, UNI 4.0 addendum af-cs-0147.000, UBR with
// an MDCR, TM 4.1). The coding is ngatm's (libunimsg uni_hdr.h / uni_ie.c, the
// one public source found): an origin octet, then the forward (identifier
// 0x00) and backward (0x02) MDCR in cells/s, 3 octets each; both required.
struct MinimumDesiredCellRate {
  static constexpr IeId kId = IeId::kMinimumDesiredCellRate;
  IeHeader hdr;
  std::uint8_t origin = 0;                // 0 originating user, 1 network
  std::optional<std::uint32_t> fwd_mdcr;  // 0x00
  std::optional<std::uint32_t> bwd_mdcr;  // 0x02
  bool operator==(const MinimumDesiredCellRate&) const = default;
};
struct AbrAdditionalParameters {
  static constexpr IeId kId = IeId::kAbrAdditionalParameters;
  IeHeader hdr;
  std::optional<std::uint32_t> fwd_record;  // 0xc2
  std::optional<std::uint32_t> bwd_record;  // 0xc3
  bool operator==(const AbrAdditionalParameters&) const = default;
};

// Generic identifier transport (0x7f).
struct GenericIdentifier {
  std::uint8_t type = 0;  // e.g. 0x01 session id, 0x02 resource id
  Bytes value;
  bool operator==(const GenericIdentifier&) const = default;
};
struct GenericIdentifierTransport {
  static constexpr IeId kId = IeId::kGenericIdentifierTransport;
  IeHeader hdr;
  std::uint8_t standard = 0x01;  // identifier related standard/application (1 DSM-CC, 2 H.245)
  std::vector<GenericIdentifier> identifiers;
  bool operator==(const GenericIdentifierTransport&) const = default;
};

// Leaf-initiated join (UNI 4.0).
struct LijCallIdentifier {
  static constexpr IeId kId = IeId::kLijCallIdentifier;
  IeHeader hdr;
  std::uint8_t type = 0;  // 0 root assigned
  std::uint32_t value = 0;
  bool operator==(const LijCallIdentifier&) const = default;
};
struct LijParameters {
  static constexpr IeId kId = IeId::kLijParameters;
  IeHeader hdr;
  std::uint8_t screening = 0;  // 0 network join without root notification
  bool operator==(const LijParameters&) const = default;
};
struct LeafSequenceNumber {
  static constexpr IeId kId = IeId::kLeafSequenceNumber;
  IeHeader hdr;
  std::uint32_t value = 0;
  bool operator==(const LeafSequenceNumber&) const = default;
};

// Connection scope selection (0xeb, UNI 4.0).
struct ConnectionScopeSelection {
  static constexpr IeId kId = IeId::kConnectionScopeSelection;
  IeHeader hdr;
  std::uint8_t type = 1;  // organizational
  std::uint8_t level = 0;
  bool operator==(const ConnectionScopeSelection&) const = default;
};

// Narrowband IEs (N-ISDN interworking, Q.2931 §4.6): the Q.931 contents after the
// broadband 4-octet header, carried transparently as opaque octets (inline up to
// 16, which holds the longest, N-LLC: no allocation per message).
template <IeId Id>
struct NarrowbandIe {
  static constexpr IeId kId = Id;
  IeHeader hdr;
  InlineBytes<16> content;
  bool operator==(const NarrowbandIe&) const = default;
};
using NarrowbandBearerCapability = NarrowbandIe<IeId::kNarrowbandBearerCapability>;
using NarrowbandHighLayerCompatibility = NarrowbandIe<IeId::kNarrowbandHighLayerCompatibility>;
using NarrowbandLowLayerCompatibility = NarrowbandIe<IeId::kNarrowbandLowLayerCompatibility>;
using ProgressIndicator = NarrowbandIe<IeId::kProgressIndicator>;

// User-user (0x7e), Q.2957.1: protocol discriminator (octet 5) and the user
// information (up to 128 octets; inline up to 20, beyond on the heap).
struct UserUser {
  static constexpr IeId kId = IeId::kUserUser;
  IeHeader hdr;
  std::uint8_t protocol = 0x04;  // 0x00 user-specific, 0x04 IA5 characters, ...
  InlineBytes<20> info;
  bool operator==(const UserUser&) const = default;
};

// Broadband locking (0x60) / non-locking (0x61) shift, Q.2931 §4.5.3 / §4.5.4: the
// IEs that follow (all up to the next locking shift / the next one only) belong to
// codeset `codeset` (0 Q.2931, 4 ISO/IEC, 5 national, 6 local network, 7 user
// specific). The decoder applies them (docs/q2931-coding.md, "Codeset shifts").
template <IeId Id>
struct ShiftIe {
  static constexpr IeId kId = Id;
  IeHeader hdr;
  std::uint8_t codeset = 5;  // octet 5 bits 3-1
  bool operator==(const ShiftIe&) const = default;
};
using BroadbandLockingShift = ShiftIe<IeId::kBroadbandLockingShift>;
using BroadbandNonLockingShift = ShiftIe<IeId::kBroadbandNonLockingShift>;

// Broadband report type (0x89, Q.2963.1 §8.2.2): in MODIFY ACKNOWLEDGE, asks
// the connection owner for CONNECTION AVAILABLE.
namespace report_type {
inline constexpr std::uint8_t kModificationConfirmation = 0x01;
}  // namespace report_type
struct BroadbandReportType {
  static constexpr IeId kId = IeId::kBroadbandReportType;
  IeHeader hdr;
  std::uint8_t type = report_type::kModificationConfirmation;  // octet 5
  bool operator==(const BroadbandReportType&) const = default;
};

// An IE that was not recognized (unknown identifier, not defined for the version
// or message) or whose contents could not be decoded: kept as opaque octets so
// traces show it and re-encoding reproduces it.
struct UnknownIe {
  std::uint8_t id = 0;
  IeHeader hdr;
  Bytes content;
  bool operator==(const UnknownIe&) const = default;
};

using Ie =
    std::variant<AalParameters, TrafficDescriptor, AlternativeTrafficDescriptor,
                 MinimumTrafficDescriptor, BroadbandBearerCapability, BroadbandHighLayerInfo,
                 BroadbandLowLayerInfo, BroadbandRepeatIndicator, CallState, CalledPartyNumber,
                 CallingPartyNumber, CalledPartySubaddress, CallingPartySubaddress, Cause,
                 ConnectionIdentifier, EndToEndTransitDelay, QosParameter, ExtendedQosParameters,
                 RestartIndicator, BroadbandSendingComplete, TransitNetworkSelection,
                 NotificationIndicator, OamTrafficDescriptor, EndpointReference, EndpointState,
                 AbrSetupParameters, AbrAdditionalParameters, GenericIdentifierTransport,
                 LijCallIdentifier, LijParameters, LeafSequenceNumber, ConnectionScopeSelection,
                 ConnectedNumber, ConnectedSubaddress, NarrowbandBearerCapability,
                 NarrowbandHighLayerCompatibility, NarrowbandLowLayerCompatibility,
                 ProgressIndicator, UserUser, BroadbandLockingShift, BroadbandNonLockingShift,
                 BroadbandReportType, MinimumDesiredCellRate, UnknownIe>;

// Identifier octet of any IE.
std::uint8_t ie_id(const Ie& ie);
const IeHeader& ie_header(const Ie& ie);

}  // namespace atmsigd::q2931
