#include "atmsigd/callctl/mapping.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <type_traits>
#include <utility>
#include <variant>

namespace atmsigd::callctl {

using namespace q2931;

namespace {

bool is_uni30(Version v) {
  return v == Version::kUni30;
}
// The original's `uni & S_UNI30`: UNI 3.0, or UNI 3.1 with 3.0 compatibility (where
// `uni == S_UNI30` is is_uni30()).
bool with_uni30(Version v) {
  return v == Version::kUni30 || v == Version::kUni31Compat30;
}

std::uint16_t sdu_or_default(int sdu) {
  if (sdu <= 0) return kDefaultMaxSdu;
  return static_cast<std::uint16_t>(std::min(sdu, 65535));
}

template <class Number, class Sub>
void encode_party(Message& msg, const struct sockaddr_atmsvc& a, Version v) {
  // Built in place in the message (no temporary IE copied in).
  Number& n = msg.emplace<Number>();
  if (a.sas_addr.pub[0] != '\0') {
    // strnlen inline: mostly no public number (one test), at most 13 octets.
    std::size_t publen = 1;
    while (publen < sizeof a.sas_addr.pub && a.sas_addr.pub[publen] != '\0') ++publen;
    n.plan = numbering::kPlanE164;
    n.type_of_number = numbering::kTypeInternational;
    n.address.assign(a.sas_addr.pub, a.sas_addr.pub + publen);
    if (std::any_of(std::begin(a.sas_addr.prv), std::end(a.sas_addr.prv),
                    [](unsigned char b) { return b != 0; })) {
      Sub& s = msg.emplace<Sub>();
      s.type = is_uni30(v) || v == Version::kUni31 || v == Version::kUni31Compat30
                   ? 0
                   : 1;  // NSAP / ATM end system address
      s.address.assign(a.sas_addr.prv, a.sas_addr.prv + ATM_ESA_LEN);
    }
  } else {
    n.plan = numbering::kPlanNsap;
    n.type_of_number = numbering::kTypeUnknown;
    n.address.assign(a.sas_addr.prv, a.sas_addr.prv + ATM_ESA_LEN);
  }
}

// The address of a party number and its subaddress (either may be absent),
// into `a` (zeroed here).
template <class Number, class Sub>
void party_address(const Number* n, const Sub* s, struct sockaddr_atmsvc& a) {
  std::memset(&a, 0, sizeof a);
  if (n == nullptr) return;
  a.sas_family = AF_ATMSVC;
  if (n->plan == numbering::kPlanE164) {
    const std::size_t len = std::min<std::size_t>(n->address.size(), ATM_E164_LEN);
    std::copy_n(n->address.begin(), len, a.sas_addr.pub);
    if (s != nullptr && s->address.size() == ATM_ESA_LEN)
      std::copy_n(s->address.begin(), ATM_ESA_LEN, a.sas_addr.prv);
  } else {
    const std::size_t len = std::min<std::size_t>(n->address.size(), ATM_ESA_LEN);
    std::copy_n(n->address.begin(), len, a.sas_addr.prv);
  }
}

template <class Number, class Sub>
struct sockaddr_atmsvc decode_party_t(const Message& msg) {
  struct sockaddr_atmsvc a;
  party_address(msg.find<Number>(), msg.find<Sub>(), a);
  return a;
}

std::optional<BroadbandLowLayerInfo> encode_blli(const struct atm_blli& b) {
  BroadbandLowLayerInfo ie;
  if (b.l2_proto != ATM_L2_NONE) {
    BlliLayer2 l2;
    l2.protocol = b.l2_proto;
    switch (b.l2_proto) {
      case ATM_L2_X25_LL:
      case ATM_L2_X25_ML:
      case ATM_L2_HDLC_ARM:
      case ATM_L2_HDLC_NRM:
      case ATM_L2_HDLC_ABM:
      case ATM_L2_Q922:
      case ATM_L2_ISO7776:
        if (b.l2.itu.mode != ATM_IMD_NONE) l2.mode = b.l2.itu.mode;
        if (b.l2.itu.window != 0) l2.window_size = b.l2.itu.window;
        // Octet 6 carries the mode: with a window and no mode, "normal"
        // (the original's default; 0 is not a mode).
        if (l2.window_size && !l2.mode) l2.mode = ATM_IMD_NORMAL;
        break;
      case ATM_L2_USER:
        l2.user_info = b.l2.user;
        break;
      default:
        break;
    }
    ie.l2 = l2;
  }
  if (b.l3_proto != ATM_L3_NONE) {
    BlliLayer3 l3;
    l3.protocol = b.l3_proto;
    switch (b.l3_proto) {
      case ATM_L3_X25:
      case ATM_L3_ISO8208:
      case ATM_L3_X223:
        if (b.l3.itu.mode != ATM_IMD_NONE) l3.mode = b.l3.itu.mode;
        if (b.l3.itu.def_size != 0) l3.default_packet_size = b.l3.itu.def_size;
        if (b.l3.itu.window != 0) l3.packet_window_size = b.l3.itu.window;
        if ((l3.default_packet_size || l3.packet_window_size) && !l3.mode)
          l3.mode = ATM_IMD_NORMAL;  // octet 7 carries the mode, as above
        break;
      case ATM_L3_TR9577:
        l3.ipi = b.l3.tr9577.ipi;
        if (b.l3.tr9577.ipi == 0x80) {
          const auto* s = b.l3.tr9577.snap;
          l3.snap_oui =
              static_cast<std::uint32_t>(s[0]) << 16 | static_cast<std::uint32_t>(s[1]) << 8 | s[2];
          l3.snap_pid = static_cast<std::uint16_t>(s[3] << 8 | s[4]);
        }
        break;
      case ATM_L3_USER:
        l3.user_info = b.l3.user;
        break;
      case ATM_L3_ISO8473:
      case ATM_L3_T70:
      case ATM_L3_H321:
        break;
      default:
        return std::nullopt;  // e.g. H.310: not codable here
    }
    ie.l3 = l3;
  }
  return ie;
}

void decode_blli(const BroadbandLowLayerInfo& ie, struct atm_blli& b) {
  std::memset(&b, 0, sizeof b);
  if (ie.l2) {
    b.l2_proto = ie.l2->protocol;
    // A mode field of 0 (not a mode) is taken as "normal", as the original does.
    if (ie.l2->mode) b.l2.itu.mode = *ie.l2->mode != 0 ? *ie.l2->mode : ATM_IMD_NORMAL;
    if (ie.l2->window_size) b.l2.itu.window = *ie.l2->window_size;
    if (ie.l2->user_info) b.l2.user = *ie.l2->user_info;
  }
  if (ie.l3) {
    b.l3_proto = ie.l3->protocol;
    if (ie.l3->mode) b.l3.itu.mode = *ie.l3->mode != 0 ? *ie.l3->mode : ATM_IMD_NORMAL;
    if (ie.l3->default_packet_size) b.l3.itu.def_size = *ie.l3->default_packet_size;
    if (ie.l3->packet_window_size) b.l3.itu.window = *ie.l3->packet_window_size;
    if (ie.l3->user_info) b.l3.user = *ie.l3->user_info;
    if (ie.l3->ipi) {
      b.l3.tr9577.ipi = *ie.l3->ipi;
      if (ie.l3->snap_oui && ie.l3->snap_pid) {
        b.l3.tr9577.snap[0] = static_cast<unsigned char>(*ie.l3->snap_oui >> 16);
        b.l3.tr9577.snap[1] = static_cast<unsigned char>(*ie.l3->snap_oui >> 8);
        b.l3.tr9577.snap[2] = static_cast<unsigned char>(*ie.l3->snap_oui);
        b.l3.tr9577.snap[3] = static_cast<unsigned char>(*ie.l3->snap_pid >> 8);
        b.l3.tr9577.snap[4] = static_cast<unsigned char>(*ie.l3->snap_pid);
      }
    }
  }
}

bool has_abr(Version v) {
  return v == Version::kUni40 || v == Version::kQ2931;
}

bool class_codable(unsigned char c, Version v) {
  return c == ATM_NONE || c == ATM_UBR || c == ATM_CBR || (c == ATM_ABR && has_abr(v));
}

constexpr std::uint8_t kAtcAbr = 0x0c;  // ATM transfer capability ABR (UNI 4.0)

// The UNI 4.0 negotiation IEs (minimum acceptable ATM traffic descriptor,
// extended QoS parameters) exist in UNI 4.0 only.
bool is_uni40(Version v) {
  return v == Version::kUni40;
}

// A CBR direction's minimum acceptable PCR (UNI 4.0 §9.1.2): min_pcr when it
// is below the PCR signalled, else none (0).
std::uint32_t min_acceptable_pcr(const struct atm_trafprm& tp, int link_rate) {
  if (tp.traffic_class != ATM_CBR || tp.min_pcr <= 0) return 0;
  const int pcr = signalled_pcr(tp, link_rate);
  return tp.min_pcr < pcr ? static_cast<std::uint32_t>(tp.min_pcr) : 0;
}

// ABR: PCR = max_pcr (or the link rate), MCR = min_pcr.
std::uint32_t abr_pcr(const struct atm_trafprm& tp, int link_rate) {
  if (tp.traffic_class == ATM_NONE) return 0;
  const int pcr = tp.max_pcr > 0 ? tp.max_pcr : link_rate;
  return static_cast<std::uint32_t>(std::min(pcr, 0xffffff));
}

}  // namespace

bool address_in_use(const struct sockaddr_atmsvc& a) {
  return a.sas_addr.prv[0] != 0 || a.sas_addr.pub[0] != 0 ||
         std::any_of(std::begin(a.sas_addr.prv), std::end(a.sas_addr.prv),
                     [](unsigned char b) { return b != 0; });
}

int signalled_pcr(const struct atm_trafprm& tp, int link_rate) {
  if (tp.traffic_class == ATM_NONE) return 0;
  int pcr = tp.pcr != 0                                    ? tp.pcr
            : tp.max_pcr != 0 && tp.max_pcr != ATM_MAX_PCR ? tp.max_pcr
            : tp.min_pcr != 0                              ? tp.min_pcr
                                                           : ATM_MAX_PCR;
  if (pcr == ATM_MAX_PCR || pcr < 0) pcr = link_rate;
  return std::min(pcr, 0xffffff);
}

std::optional<EncodeError> add_setup_ies(Message& msg, const struct sockaddr_atmsvc& called,
                                         const struct sockaddr_atmsvc& calling,
                                         const struct atm_sap& sap, const struct atm_qos& qos,
                                         Version v, int link_rate,
                                         const ConnectionIdentifier* conn_id) {
  if (!address_in_use(called)) return EncodeError{-EDESTADDRREQ};
  if (!class_codable(qos.txtp.traffic_class, v) || !class_codable(qos.rxtp.traffic_class, v))
    return EncodeError{-EINVAL};
  if (qos.aal != 0 && qos.aal != ATM_AAL5) return EncodeError{-EINVAL};
  const bool ubr = qos.txtp.traffic_class == ATM_UBR || qos.rxtp.traffic_class == ATM_UBR;
  const bool cbr = qos.txtp.traffic_class == ATM_CBR || qos.rxtp.traffic_class == ATM_CBR;
  const bool abr = qos.txtp.traffic_class == ATM_ABR || qos.rxtp.traffic_class == ATM_ABR;
  if (abr && (ubr || cbr)) return EncodeError{-EINVAL};  // one transfer capability per call

  // No reserve: the IEs below fit the message's inline room (kInlineIes; a
  // SETUP has 7-9, at most 17 with UNI 4.0 parameters and three B-LLIs, then
  // one heap block). Reserving the maximum took a heap block for every SETUP.
  // The usual IEs are built in place in the message (no temporary copied in).
  Aal5& a5 = *std::get_if<Aal5>(&msg.emplace<AalParameters>().aal);  // Aal5: the default
  a5.fwd_max_sdu = sdu_or_default(qos.txtp.max_sdu);
  a5.bwd_max_sdu = sdu_or_default(qos.rxtp.max_sdu);
  if (is_uni30(v)) a5.mode = static_cast<std::uint8_t>(AalMode::kMessage);
  a5.sscs = 0;

  TrafficDescriptor& td = msg.emplace<TrafficDescriptor>();
  if (abr) {
    td.td.fwd_pcr_01 = abr_pcr(qos.txtp, link_rate);
    td.td.bwd_pcr_01 = abr_pcr(qos.rxtp, link_rate);
    if (qos.txtp.traffic_class == ATM_ABR && qos.txtp.min_pcr > 0)
      td.td.fwd_mcr_01 = static_cast<std::uint32_t>(std::min(qos.txtp.min_pcr, 0xffffff));
    if (qos.rxtp.traffic_class == ATM_ABR && qos.rxtp.min_pcr > 0)
      td.td.bwd_mcr_01 = static_cast<std::uint32_t>(std::min(qos.rxtp.min_pcr, 0xffffff));
  } else {
    td.td.fwd_pcr_01 = static_cast<std::uint32_t>(signalled_pcr(qos.txtp, link_rate));
    td.td.bwd_pcr_01 = static_cast<std::uint32_t>(signalled_pcr(qos.rxtp, link_rate));
  }
  td.td.best_effort = ubr;

  BroadbandBearerCapability& bc = msg.emplace<BroadbandBearerCapability>();
  bc.bearer_class = bearer_class::kBcobX;
  if (cbr)
    bc.transfer_capability = 0x05;
  else if (abr)
    bc.transfer_capability = kAtcAbr;
  else if (ubr && with_uni30(v))  // octet 5a forced: UNI 3.0 wants it
    bc.transfer_capability = 0x00;

  if (sap.bhli.hl_type != ATM_HL_NONE) {
    BroadbandHighLayerInfo h;
    switch (sap.bhli.hl_type) {
      case ATM_HL_ISO:
      case ATM_HL_USER:
        h.info.assign(sap.bhli.hl_info,
                      sap.bhli.hl_info + std::min<int>(sap.bhli.hl_length, ATM_MAX_HLI));
        break;
      case ATM_HL_HLP:  // high layer profile: a UNI 3.0 form
        if (!with_uni30(v)) return EncodeError{-EINVAL};
        h.info.assign(sap.bhli.hl_info, sap.bhli.hl_info + 4);
        break;
      case ATM_HL_VENDOR:
        h.info.assign(sap.bhli.hl_info, sap.bhli.hl_info + 7);
        break;
      default:
        return EncodeError{-EINVAL};
    }
    h.type = static_cast<std::uint8_t>(sap.bhli.hl_type - 1);
    msg.add(h);
  }
  // The BLLIs (up to ATM_MAX_BLLI) straight into the message, behind a repeat
  // indicator if more than one: no list of their own.
  std::size_t n_blli = 0;
  while (n_blli < std::size(sap.blli) &&
         (sap.blli[n_blli].l2_proto != ATM_L2_NONE || sap.blli[n_blli].l3_proto != ATM_L3_NONE))
    ++n_blli;
  if (n_blli > 1) msg.add(BroadbandRepeatIndicator{});
  for (std::size_t i = 0; i < n_blli; ++i) {
    auto ie = encode_blli(sap.blli[i]);
    if (!ie) return EncodeError{-EINVAL};
    msg.add(std::move(*ie));
  }

  encode_party<CalledPartyNumber, CalledPartySubaddress>(msg, called, v);
  if (address_in_use(calling))
    encode_party<CallingPartyNumber, CallingPartySubaddress>(msg, calling, v);
  if (conn_id != nullptr) msg.add(*conn_id);

  QosParameter& q = msg.emplace<QosParameter>();
  q.hdr.coding = is_uni30(v) ? CodingStandard::kNetwork : CodingStandard::kItuT;
  q.fwd_class = 0;
  q.bwd_class = 0;
  if (is_uni40(v)) {
    // UNI 4.0 §9.1.2: a CBR range (min_pcr below the PCR signalled) asks for
    // at least min_pcr: the minimum acceptable ATM traffic descriptor.
    const std::uint32_t fmin = min_acceptable_pcr(qos.txtp, link_rate);
    const std::uint32_t bmin = min_acceptable_pcr(qos.rxtp, link_rate);
    if (fmin != 0 || bmin != 0) {
      MinimumTrafficDescriptor m;
      if (fmin != 0) m.td.fwd_pcr_01 = std::min<std::uint32_t>(fmin, 0xffffff);
      if (bmin != 0) m.td.bwd_pcr_01 = std::min<std::uint32_t>(bmin, 0xffffff);
      msg.add(m);
    }
    // UNI 4.0 §9.2: max_cdv is the acceptable peak-to-peak CDV (microseconds).
    if (qos.txtp.max_cdv > 0 || qos.rxtp.max_cdv > 0) {
      ExtendedQosParameters e;
      e.origin = 0;  // originating user
      if (qos.txtp.max_cdv > 0)
        e.fwd_acceptable_cdv = std::min<std::uint32_t>(qos.txtp.max_cdv, 0xffffff);
      if (qos.rxtp.max_cdv > 0)
        e.bwd_acceptable_cdv = std::min<std::uint32_t>(qos.rxtp.max_cdv, 0xffffff);
      msg.add(e);
    }
  }
  if (abr) {
    // UNI 4.0 §10: ABR setup parameters (defaults where the kernel gave 0:
    // ICR = PCR, TBE = 16777215, RIF = RDF = 1/16).
    AbrSetupParameters p;
    auto dir = [&](const struct atm_trafprm& tp, std::optional<std::uint32_t>& icr,
                   std::optional<std::uint32_t>& tbe, std::optional<std::uint8_t>& rif,
                   std::optional<std::uint8_t>& rdf) {
      if (tp.traffic_class != ATM_ABR) return;
      icr = tp.icr != 0 ? tp.icr : abr_pcr(tp, link_rate);
      tbe = tp.tbe != 0 ? tp.tbe : 0xffffffu;
      rif = static_cast<std::uint8_t>(tp.rif != 0 ? tp.rif : 11);
      rdf = static_cast<std::uint8_t>(tp.rdf != 0 ? tp.rdf : 11);
    };
    dir(qos.txtp, p.fwd_icr, p.fwd_tbe, p.fwd_rif, p.fwd_rdf);
    dir(qos.rxtp, p.bwd_icr, p.bwd_tbe, p.bwd_rif, p.bwd_rdf);
    p.crm_frtt = qos.txtp.traffic_class == ATM_ABR ? qos.txtp.frtt : qos.rxtp.frtt;
    msg.add(p);
  }
  return std::nullopt;
}

std::optional<TrafficDescriptor> connect_traffic(const struct atm_qos& callee_qos, Version v) {
  const auto ranged = [](const struct atm_trafprm& tp) {
    return tp.traffic_class == ATM_CBR && tp.min_pcr > 0;
  };
  if (!is_uni40(v) || (!ranged(callee_qos.rxtp) && !ranged(callee_qos.txtp))) return std::nullopt;
  TrafficDescriptor td;
  td.td.fwd_pcr_01 = static_cast<std::uint32_t>(std::max(callee_qos.rxtp.max_pcr, 0));
  td.td.bwd_pcr_01 = static_cast<std::uint32_t>(std::max(callee_qos.txtp.max_pcr, 0));
  return td;
}

std::optional<BroadbandLowLayerInfo> connect_blli(const struct atm_blli& blli) {
  if (blli.l2_proto == ATM_L2_NONE && blli.l3_proto == ATM_L3_NONE) return std::nullopt;
  return encode_blli(blli);
}

AalParameters connect_aal(const struct atm_qos& callee_qos, Version v) {
  AalParameters aal;
  Aal5 a5;
  a5.fwd_max_sdu = sdu_or_default(callee_qos.rxtp.max_sdu);
  a5.bwd_max_sdu = sdu_or_default(callee_qos.txtp.max_sdu);
  if (is_uni30(v)) a5.mode = static_cast<std::uint8_t>(AalMode::kMessage);
  a5.sscs = 0;
  aal.aal = a5;
  return aal;
}

void add_connected_party(Message& connect, const struct sockaddr_atmsvc& local, Version v) {
  if (!address_in_use(local) || !ie_known(static_cast<std::uint8_t>(IeId::kConnectedNumber), v))
    return;
  encode_party<ConnectedNumber, ConnectedSubaddress>(connect, local, v);
}

struct sockaddr_atmsvc decode_connected_party(const Message& connect) {
  return decode_party_t<ConnectedNumber, ConnectedSubaddress>(connect);
}

struct sockaddr_atmsvc decode_party(const Message& msg, bool called) {
  return called ? decode_party_t<CalledPartyNumber, CalledPartySubaddress>(msg)
                : decode_party_t<CallingPartyNumber, CallingPartySubaddress>(msg);
}

namespace {

// What struct atm_qos cannot present as the caller meant it, refused instead
// of offered wrong (docs/callctl.md, "Traffic and QoS refused"). The original
// offers all of these; only cases it would mis-present are refused, so that
// what it accepts stays accepted.
std::optional<SetupProblem> traffic_problem(const TrafficDescriptor* td,
                                            const ExtendedQosParameters* e, Version v, bool abr) {
  if (td == nullptr) return std::nullopt;
  const TrafficParams& t = td->td;
  // Every allowed combination of the traffic descriptor (UNI 3.1 Annex 9,
  // UNI 4.0 / TM 4.0's table of combinations) has the PCR for CLP=0+1 in each
  // direction that carries cells. A direction with a PCR for CLP=0, an SCR, an
  // MBS or an MCR but without it is not one of them: cause 73 (unsupported
  // combination of traffic parameters). The original would offer that
  // direction as ATM_NONE, i.e. as a one-way call.
  auto other_rates = [](const auto& pcr0, const auto& scr0, const auto& scr01, const auto& mbs0,
                        const auto& mbs01,
                        const auto& mcr) { return pcr0 || scr0 || scr01 || mbs0 || mbs01 || mcr; };
  if ((!t.fwd_pcr_01 && other_rates(t.fwd_pcr_0, t.fwd_scr_0, t.fwd_scr_01, t.fwd_mbs_0,
                                    t.fwd_mbs_01, t.fwd_mcr_01)) ||
      (!t.bwd_pcr_01 && other_rates(t.bwd_pcr_0, t.bwd_scr_0, t.bwd_scr_01, t.bwd_mbs_0,
                                    t.bwd_mbs_01, t.bwd_mcr_01)))
    return SetupProblem{cause::kUnsupportedTrafficParams, std::nullopt};
  // ABR (UNI 4.0, TM 4.0 §5.10): the MCR is at most the PCR. Above it the
  // kernel would get min_pcr > max_pcr: cause 73.
  if (abr && ((t.fwd_mcr_01 && t.fwd_pcr_01 && *t.fwd_mcr_01 > *t.fwd_pcr_01) ||
              (t.bwd_mcr_01 && t.bwd_pcr_01 && *t.bwd_mcr_01 > *t.bwd_pcr_01)))
    return SetupProblem{cause::kUnsupportedTrafficParams, std::nullopt};
  // Extended QoS (UNI 4.0 §9.2): a cumulative CDV already above the
  // acceptable one means the end-to-end objective is broken before the call
  // reaches us; the kernel would get max_cdv = the acceptable CDV as if it
  // held. Cause 49 (quality of service unavailable), as a network node clears
  // such a call.
  if (e != nullptr && is_uni40(v)) {
    auto broken = [](const auto& acceptable, const auto& cumulative) {
      return acceptable && cumulative && *cumulative > *acceptable;
    };
    if (broken(e->fwd_acceptable_cdv, e->fwd_cumulative_cdv) ||
        broken(e->bwd_acceptable_cdv, e->bwd_cumulative_cdv))
      return SetupProblem{cause::kQosUnavailable, std::nullopt};
  }
  return std::nullopt;
}

// The position of T among the alternatives of the variant V.
template <class T, class V>
struct AltIndex;
template <class T, class... Ts>
struct AltIndex<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool same[] = {std::is_same_v<T, Ts>...};
    for (std::size_t i = 0; i < sizeof...(Ts); ++i)
      if (same[i]) return i;
    return sizeof...(Ts);
  }();
};
template <class T>
inline constexpr std::size_t kAlt = AltIndex<T, Ie>::value;

// The IEs of a SETUP the kernel's view needs: the first of each (the B-LLIs:
// the first ATM_MAX_BLLI), found in one walk of the list, a switch on the
// alternative (one find per IE walked the list a dozen times).
struct SetupIes {
  const CalledPartyNumber* called = nullptr;
  const CalledPartySubaddress* called_sub = nullptr;
  const CallingPartyNumber* calling = nullptr;
  const CallingPartySubaddress* calling_sub = nullptr;
  const AalParameters* aal = nullptr;
  const TrafficDescriptor* td = nullptr;
  const BroadbandBearerCapability* bc = nullptr;
  const AbrSetupParameters* abr = nullptr;
  const MinimumTrafficDescriptor* min_td = nullptr;
  const ExtendedQosParameters* ext_qos = nullptr;
  const BroadbandHighLayerInfo* bhli = nullptr;
  const ConnectionIdentifier* conn_id = nullptr;
  std::array<const BroadbandLowLayerInfo*, ATM_MAX_BLLI> blli{};
  std::size_t n_blli = 0;
  bool endpoint_ref = false;
  bool leaf_seq = false;

  explicit SetupIes(const Message& setup) {
    for (const Ie& ie : setup.ies) {
      switch (ie.index()) {
        case kAlt<CalledPartyNumber>:
          first(called, ie);
          break;
        case kAlt<CalledPartySubaddress>:
          first(called_sub, ie);
          break;
        case kAlt<CallingPartyNumber>:
          first(calling, ie);
          break;
        case kAlt<CallingPartySubaddress>:
          first(calling_sub, ie);
          break;
        case kAlt<AalParameters>:
          first(aal, ie);
          break;
        case kAlt<TrafficDescriptor>:
          first(td, ie);
          break;
        case kAlt<BroadbandBearerCapability>:
          first(bc, ie);
          break;
        case kAlt<AbrSetupParameters>:
          first(abr, ie);
          break;
        case kAlt<MinimumTrafficDescriptor>:
          first(min_td, ie);
          break;
        case kAlt<ExtendedQosParameters>:
          first(ext_qos, ie);
          break;
        case kAlt<BroadbandHighLayerInfo>:
          first(bhli, ie);
          break;
        case kAlt<ConnectionIdentifier>:
          first(conn_id, ie);
          break;
        case kAlt<BroadbandLowLayerInfo>:
          if (n_blli < blli.size()) blli[n_blli++] = std::get_if<BroadbandLowLayerInfo>(&ie);
          break;
        case kAlt<EndpointReference>:
          endpoint_ref = true;
          break;
        case kAlt<LeafSequenceNumber>:
          leaf_seq = true;
          break;
        default:
          break;
      }
    }
  }

 private:
  template <class T>
  static void first(const T*& p, const Ie& ie) {
    if (p == nullptr) p = std::get_if<T>(&ie);
  }
};

}  // namespace

std::optional<SetupProblem> decode_setup(const Message& setup, Version v, IncomingSetup& out) {
  const SetupIes ies(setup);
  out.has_endpoint_ref = ies.endpoint_ref;
  out.has_leaf_seq = ies.leaf_seq;
  std::memset(&out.sap, 0, sizeof out.sap);
  std::memset(&out.qos, 0, sizeof out.qos);
  party_address(ies.called, ies.called_sub, out.called);
  party_address(ies.calling, ies.calling_sub, out.calling);
  if (!address_in_use(out.called)) return SetupProblem{cause::kUnallocatedNumber, std::nullopt};
  out.qos.aal = ATM_AAL5;
  if (const auto* aal = ies.aal) {
    const auto* a5 = std::get_if<Aal5>(&aal->aal);
    if (a5 == nullptr)
      return SetupProblem{
          with_uni30(v) ? cause::kAalParametersNotSupported : cause::kAalNotSupported,
          static_cast<std::uint8_t>(IeId::kAalParameters)};
    if (a5->fwd_max_sdu) out.qos.rxtp.max_sdu = *a5->fwd_max_sdu;
    if (a5->bwd_max_sdu) out.qos.txtp.max_sdu = *a5->bwd_max_sdu;
  }
  const TrafficDescriptor* td = ies.td;
  const auto* bc = ies.bc;
  const bool abr = has_abr(v) && bc != nullptr && bc->transfer_capability == kAtcAbr;
  if (auto prob = traffic_problem(td, ies.ext_qos, v, abr)) return prob;
  const unsigned char cls = td != nullptr && td->td.best_effort ? ATM_UBR : abr ? ATM_ABR : ATM_CBR;
  out.qos.rxtp.traffic_class = cls;
  out.qos.txtp.traffic_class = cls;
  if (td != nullptr) {
    if (td->td.fwd_pcr_01) out.qos.rxtp.max_pcr = static_cast<int>(*td->td.fwd_pcr_01);
    if (td->td.bwd_pcr_01) out.qos.txtp.max_pcr = static_cast<int>(*td->td.bwd_pcr_01);
    if (abr && td->td.fwd_mcr_01) out.qos.rxtp.min_pcr = static_cast<int>(*td->td.fwd_mcr_01);
    if (abr && td->td.bwd_mcr_01) out.qos.txtp.min_pcr = static_cast<int>(*td->td.bwd_mcr_01);
  }
  if (const auto* p = ies.abr; abr && p != nullptr) {
    // Forward = what the callee receives (rxtp).
    if (p->fwd_icr) out.qos.rxtp.icr = *p->fwd_icr;
    if (p->bwd_icr) out.qos.txtp.icr = *p->bwd_icr;
    if (p->fwd_tbe) out.qos.rxtp.tbe = *p->fwd_tbe;
    if (p->bwd_tbe) out.qos.txtp.tbe = *p->bwd_tbe;
    if (p->fwd_rif) out.qos.rxtp.rif = *p->fwd_rif & 0x0f;
    if (p->bwd_rif) out.qos.txtp.rif = *p->bwd_rif & 0x0f;
    if (p->fwd_rdf) out.qos.rxtp.rdf = *p->fwd_rdf & 0x0f;
    if (p->bwd_rdf) out.qos.txtp.rdf = *p->bwd_rdf & 0x0f;
    if (p->crm_frtt) {
      out.qos.rxtp.frtt = *p->crm_frtt & 0xffffff;
      out.qos.txtp.frtt = *p->crm_frtt & 0xffffff;
    }
  }
  if (out.qos.rxtp.max_pcr == 0) out.qos.rxtp.traffic_class = ATM_NONE;
  if (out.qos.txtp.max_pcr == 0) out.qos.txtp.traffic_class = ATM_NONE;
  // UNI 4.0 §9.1.2: a minimum acceptable PCR (CBR; the original ignores the
  // IE) is the kernel's min_pcr; the call is offered at the full PCR, which
  // CONNECT confirms (connect_traffic). Alternative descriptors are not taken
  // (struct atm_qos holds one): the call is offered with its primary one.
  if (const auto* m = ies.min_td; m != nullptr && is_uni40(v)) {
    auto take = [](const std::optional<std::uint32_t>& min, struct atm_trafprm& tp) {
      if (!min || tp.traffic_class != ATM_CBR) return;
      tp.min_pcr = static_cast<int>(std::min<std::uint32_t>(*min, tp.max_pcr));
    };
    take(m->td.fwd_pcr_01, out.qos.rxtp);
    take(m->td.bwd_pcr_01, out.qos.txtp);
  }
  // UNI 4.0 §9.2: the acceptable peak-to-peak CDV is the kernel's max_cdv
  // (cumulative CDV and CLR have no place in struct atm_qos).
  if (const auto* e = ies.ext_qos; e != nullptr && is_uni40(v)) {
    if (e->fwd_acceptable_cdv && out.qos.rxtp.traffic_class != ATM_NONE)
      out.qos.rxtp.max_cdv = static_cast<int>(*e->fwd_acceptable_cdv);
    if (e->bwd_acceptable_cdv && out.qos.txtp.traffic_class != ATM_NONE)
      out.qos.txtp.max_cdv = static_cast<int>(*e->bwd_acceptable_cdv);
  }

  if (const auto* h = ies.bhli) {
    out.sap.bhli.hl_type = static_cast<unsigned char>(h->type + 1);
    switch (out.sap.bhli.hl_type) {
      case ATM_HL_ISO:
      case ATM_HL_USER:
      case ATM_HL_VENDOR:
      case ATM_HL_HLP: {
        if (out.sap.bhli.hl_type == ATM_HL_HLP && !is_uni30(v))
          return SetupProblem{cause::kInvalidIeContents,
                              static_cast<std::uint8_t>(IeId::kBroadbandHighLayerInfo)};
        const std::size_t n = std::min<std::size_t>(h->info.size(), ATM_MAX_HLI);
        std::copy_n(h->info.begin(), n, out.sap.bhli.hl_info);
        out.sap.bhli.hl_length = static_cast<unsigned char>(n);
        break;
      }
      default:
        return SetupProblem{cause::kInvalidIeContents,
                            static_cast<std::uint8_t>(IeId::kBroadbandHighLayerInfo)};
    }
  }
  for (std::size_t i = 0; i < ies.n_blli; ++i) decode_blli(*ies.blli[i], out.sap.blli[i]);
  if (const auto* ci = ies.conn_id) out.conn_id = *ci;
  return std::nullopt;
}

TrafficDescriptor modify_traffic(const struct atm_qos& qos, int link_rate) {
  auto pcr = [&](const struct atm_trafprm& tp) -> std::uint32_t {
    return tp.traffic_class == ATM_ABR ? abr_pcr(tp, link_rate)
                                       : static_cast<std::uint32_t>(signalled_pcr(tp, link_rate));
  };
  TrafficDescriptor td;
  if (qos.txtp.traffic_class != ATM_NONE) td.td.fwd_pcr_01 = pcr(qos.txtp);
  if (qos.rxtp.traffic_class != ATM_NONE) td.td.bwd_pcr_01 = pcr(qos.rxtp);
  return td;
}

void apply_modify(const TrafficParams& td, struct atm_qos& q) {
  if (td.fwd_pcr_01 && q.rxtp.traffic_class != ATM_NONE)
    q.rxtp.max_pcr = static_cast<int>(*td.fwd_pcr_01);
  if (td.bwd_pcr_01 && q.txtp.traffic_class != ATM_NONE)
    q.txtp.max_pcr = static_cast<int>(*td.bwd_pcr_01);
}

void apply_connect(const Message& connect, struct atm_qos& q) {
  if (const auto* aal = connect.find<AalParameters>()) {
    if (const auto* a5 = std::get_if<Aal5>(&aal->aal)) {
      if (a5->fwd_max_sdu) q.txtp.max_sdu = *a5->fwd_max_sdu;
      if (a5->bwd_max_sdu) q.rxtp.max_sdu = *a5->bwd_max_sdu;
    }
  }
  if (const auto* td = connect.find<TrafficDescriptor>()) {
    if (td->td.fwd_pcr_01 && q.txtp.traffic_class != ATM_NONE)
      q.txtp.max_pcr = static_cast<int>(*td->td.fwd_pcr_01);
    if (td->td.bwd_pcr_01 && q.rxtp.traffic_class != ATM_NONE)
      q.rxtp.max_pcr = static_cast<int>(*td->td.bwd_pcr_01);
  }
}

}  // namespace atmsigd::callctl
