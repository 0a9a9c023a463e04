// The kernel's view of a call (struct atm_qos, struct atm_sap, struct
// sockaddr_atmsvc) <-> Q.2931 information elements, as the original demon
// (linux-atm sigd/sap.c, kernel.c) codes them:
//
//  * ATM traffic descriptor: forward = what the caller sends (its txtp),
//    PCR CLP=0+1 = SELECT_TOP_PCR(tp) (ATM_MAX_PCR -> the link rate), 0 for
//    ATM_NONE; best effort indicator when either direction is UBR.
//  * Broadband bearer capability: BCOB-X, point-to-point, not susceptible to
//    clipping; octet 5a = 0x00 for UBR only in UNI 3.0 (the original "forces
//    presence"), 0x05 (CBR) for CBR in every version, 0x0c (ABR) for ABR in
//    UNI 4.0 / Q.2931 (PCR = max_pcr, MCR = min_pcr, ABR setup parameters from
//    icr/tbe/frtt/rif/rdf); absent otherwise. VBR cannot be described by
//    struct atm_trafprm (no SCR/MBS) and is refused (-EINVAL) like the original.
//    An incoming VBR call (SCR/MBS) is offered as CBR at its PCR CLP=0+1, as
//    the original does (it knows only best effort -> UBR, else CBR).
//  * UNI 4.0 only: a CBR min_pcr below the PCR signalled <-> the minimum
//    acceptable ATM traffic descriptor (PCR CLP=0+1; CONNECT then carries the
//    traffic descriptor granted); max_cdv <-> the extended QoS parameters'
//    acceptable peak-to-peak CDV. Alternative traffic descriptors, cumulative
//    CDV and CLR are not expressible in struct atm_qos: never sent, and a
//    SETUP carrying them is offered with its primary descriptor (the original
//    ignores all three IEs).
//  * QoS parameter: class 0/0, coding "network specific" in UNI 3.0, ITU-T else.
//  * AAL parameters: AAL5, forward/backward max CPCS-SDU from max_sdu (8192 if
//    0), Mode = message only in UNI 3.0 (as the original), SSCS null.
//  * Called/calling party number: NSAP (plan ISO 8348, type unknown, 20
//    octets) or E.164 (plan E.164, type international, IA5 digits); with both,
//    the number is the E.164 one and the NSAP goes into the subaddress.
//  * struct atm_sap: BHLI (type = hl_type - 1) and up to three BLLIs (with a
//    broadband repeat indicator when there are several).
// Decoding is the inverse, from the callee's point of view (rxtp = forward).
#pragma once

#include <sys/socket.h>

#include <linux/atm.h>
#include <linux/atmsap.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "atmsigd/q2931/message.hpp"

namespace atmsigd::callctl {

inline constexpr int kDefaultMaxSdu = 8192;
inline constexpr int kDefaultLinkRate = 353207;  // OC-3 payload, cells/s (the original's)

// Errors the encoder finds in the kernel's request (negative errno):
//   -EDESTADDRREQ no called address, -EINVAL a traffic class/SAP it cannot code.
struct EncodeError {
  int err = 0;
};

// IEs describing a call the demon places: AAL, traffic descriptor, bearer
// capability, BHLI, BLLI(s), called party number/subaddress, calling party
// number/subaddress (if `calling` is in use), QoS parameter. Appended in
// Q.2931 order to `msg`; the connection identifier (network side) is added by
// the caller at the right place via `conn_id`.
std::optional<EncodeError> add_setup_ies(q2931::Message& msg, const struct sockaddr_atmsvc& called,
                                         const struct sockaddr_atmsvc& calling,
                                         const struct atm_sap& sap, const struct atm_qos& qos,
                                         q2931::Version v, int link_rate,
                                         const q2931::ConnectionIdentifier* conn_id);

// The AAL parameters IE of CONNECT for the callee's QoS (forward = rxtp).
q2931::AalParameters connect_aal(const struct atm_qos& callee_qos, q2931::Version v);
// COLP: the connected number (and, for an E.164 number with an NSAP, the connected
// subaddress) of CONNECT for the callee's local address. Nothing when the address
// is null or the version has no connected number (UNI 3.x).
void add_connected_party(q2931::Message& connect, const struct sockaddr_atmsvc& local,
                         q2931::Version v);
// The connected party a CONNECT names (AF_ATMSVC), or a null address.
struct sockaddr_atmsvc decode_connected_party(const q2931::Message& connect);

// The ATM traffic descriptor CONNECT carries when the SETUP asked for
// negotiation (UNI 4.0 §9.1.2: a minimum acceptable descriptor, here a CBR
// min_pcr): the PCRs granted, which are the SETUP's. nullopt otherwise.
std::optional<q2931::TrafficDescriptor> connect_traffic(const struct atm_qos& callee_qos,
                                                        q2931::Version v);

// The B-LLI IE CONNECT returns for a negotiated struct atm_blli; nullopt when
// none is in use (or it cannot be coded).
std::optional<q2931::BroadbandLowLayerInfo> connect_blli(const struct atm_blli& blli);

// A decoded SETUP as the callee's kernel sees it.
struct IncomingSetup {
  struct sockaddr_atmsvc called;
  struct sockaddr_atmsvc calling;
  struct atm_sap sap;
  struct atm_qos qos;  // callee's view: txtp = backward, rxtp = forward
  std::optional<q2931::ConnectionIdentifier> conn_id;
  // Q.2971 / UNI 4.0 §6, seen in the same walk of the IEs (the call control
  // looks for the IE itself only when it is there): an endpoint reference (a
  // leaf of a point-to-multipoint call) and a leaf sequence number (the
  // root's answer to a LEAF SETUP REQUEST).
  bool has_endpoint_ref = false;
  bool has_leaf_seq = false;
};
// nullopt + cause when the call cannot be offered (e.g. an AAL other than 5:
// cause 93 in UNI 3.0, 78 otherwise). `cause_ie` gets the IE identifier.
struct SetupProblem {
  std::uint8_t cause = 0;
  std::optional<std::uint8_t> ie;
};
std::optional<SetupProblem> decode_setup(const q2931::Message& setup, q2931::Version v,
                                         IncomingSetup& out);

// Updates the caller's QoS from the CONNECT (AAL max SDU sizes, traffic
// descriptor if the network changed it).
void apply_connect(const q2931::Message& connect, struct atm_qos& caller_qos);

// Q.2963.1 MODIFY REQUEST of the connection owner: the ATM traffic descriptor
// of its new QoS, PCR CLP=0+1 forward (txtp) and backward (rxtp) as the SETUP
// codes them (SELECT_TOP_PCR; ABR: max_pcr), for each direction with a
// traffic class (the original's send_modify_request).
q2931::TrafficDescriptor modify_traffic(const struct atm_qos& qos, int link_rate);
// The other end: a MODIFY REQUEST's PCRs applied to its QoS (forward ->
// rxtp.max_pcr, backward -> txtp.max_pcr) for each direction with a traffic
// class, as the original does.
void apply_modify(const q2931::TrafficParams& td, struct atm_qos& callee_qos);

// Party number/subaddress pair <-> struct sockaddr_atmsvc.
bool address_in_use(const struct sockaddr_atmsvc& a);
struct sockaddr_atmsvc decode_party(const q2931::Message& msg, bool called);

// The PCR the original signals for one direction.
int signalled_pcr(const struct atm_trafprm& tp, int link_rate);

}  // namespace atmsigd::callctl
