// Trace text of messages, IEs and verdicts.
#include "atmsigd/q2931/text.hpp"

#include <cstdio>
#include <stdexcept>
#include <type_traits>

namespace atmsigd::q2931 {
namespace {

class Line {
 public:
  explicit Line(std::string_view head) : s_(head) {}
  Line& raw(std::string_view t) {
    s_ += t;
    return *this;
  }
  Line& kv(std::string_view k, std::string_view v) {
    s_ += ' ';
    s_ += k;
    s_ += '=';
    s_ += v;
    return *this;
  }
  Line& num(std::string_view k, unsigned long v) { return kv(k, std::to_string(v)); }
  template <class T>
  Line& opt(std::string_view k, const std::optional<T>& v) {
    if (v) num(k, static_cast<unsigned long>(*v));
    return *this;
  }
  Line& hex(std::string_view k, unsigned v, int width = 2) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", width, v);
    return kv(k, buf);
  }
  Line& bytes(std::string_view k, ByteView b) {
    std::string h;
    static constexpr char kDigits[] = "0123456789abcdef";
    for (std::uint8_t x : b) {
      h += kDigits[x >> 4];
      h += kDigits[x & 0x0f];
    }
    return kv(k, h.empty() ? "-" : h);
  }
  std::string str() && { return std::move(s_); }

 private:
  std::string s_;
};

std::string_view coding_name(CodingStandard c) {
  switch (c) {
    case CodingStandard::kItuT:
      return "itu";
    case CodingStandard::kIsoIec:
      return "iso";
    case CodingStandard::kNational:
      return "national";
    case CodingStandard::kNetwork:
      return "net";
  }
  return "?";
}

std::string head(std::uint8_t id, const IeHeader& h) {
  std::string s(ie_name(id));
  if (h.coding != CodingStandard::kItuT || h.follow_instructions) {
    s += " [";
    s += coding_name(h.coding);
    if (h.follow_instructions) s += " ai=" + std::to_string(static_cast<unsigned>(h.action));
    s += ']';
  }
  s += ':';
  return s;
}

std::string_view sscs_name(std::uint8_t s) {
  switch (s) {
    case 0:
      return "null";
    case 1:
      return "sscop-assured";
    case 2:
      return "sscop-non-assured";
    case 4:
      return "frame-relay";
    default:
      return "other";
  }
}

std::string_view bearer_name(std::uint8_t c) {
  switch (c) {
    case bearer_class::kBcobA:
      return "BCOB-A";
    case bearer_class::kBcobC:
      return "BCOB-C";
    case bearer_class::kBcobX:
      return "BCOB-X";
    case bearer_class::kTransparentVp:
      return "VP";
    default:
      return "other";
  }
}

std::string_view plan_name(std::uint8_t p) {
  switch (p) {
    case numbering::kPlanE164:
      return "e164";
    case numbering::kPlanNsap:
      return "nsap";
    case numbering::kPlanPrivate:
      return "private";
    default:
      return "unknown";
  }
}

void td_fields(Line& l, const TrafficParams& t) {
  l.opt("fwd_pcr0", t.fwd_pcr_0).opt("bwd_pcr0", t.bwd_pcr_0);
  l.opt("fwd_pcr", t.fwd_pcr_01).opt("bwd_pcr", t.bwd_pcr_01);
  l.opt("fwd_scr0", t.fwd_scr_0).opt("bwd_scr0", t.bwd_scr_0);
  l.opt("fwd_scr", t.fwd_scr_01).opt("bwd_scr", t.bwd_scr_01);
  l.opt("fwd_mcr", t.fwd_mcr_01).opt("bwd_mcr", t.bwd_mcr_01);
  l.opt("fwd_mbs0", t.fwd_mbs_0).opt("bwd_mbs0", t.bwd_mbs_0);
  l.opt("fwd_mbs", t.fwd_mbs_01).opt("bwd_mbs", t.bwd_mbs_01);
  if (t.best_effort) l.raw(" best_effort");
  if (t.tm_options) l.hex("tm_options", *t.tm_options);
}

std::string text(const AalParameters& x) {
  Line l(head(0x58, x.hdr));
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, Aal1>) {
          l.raw(" AAL1").opt("subtype", a.subtype).opt("cbr_rate", a.cbr_rate);
          l.opt("multiplier", a.multiplier).opt("clock_recovery", a.clock_recovery);
          l.opt("error_correction", a.error_correction).opt("sdt_blocks", a.structured_data_blocks);
          l.opt("partial_fill", a.partially_filled_cells);
        } else if constexpr (std::is_same_v<T, AalUserDefined>) {
          l.raw(" user-defined").bytes("info", a.info);
        } else {
          l.raw(std::is_same_v<T, Aal5> ? " AAL5" : " AAL3/4");
          l.opt("fwd_sdu", a.fwd_max_sdu).opt("bwd_sdu", a.bwd_max_sdu);
          if constexpr (std::is_same_v<T, Aal34>) {
            if (a.mid_low && a.mid_high)
              l.kv("mid", std::to_string(*a.mid_low) + "-" + std::to_string(*a.mid_high));
          }
          if (a.mode) l.kv("mode", *a.mode == 1 ? "message" : *a.mode == 2 ? "streaming" : "?");
          if (a.sscs) l.kv("sscs", sscs_name(*a.sscs));
        }
      },
      x.aal);
  return std::move(l).str();
}

template <IeId Id>
std::string text(const TrafficDescriptorIe<Id>& x) {
  Line l(head(static_cast<std::uint8_t>(Id), x.hdr));
  td_fields(l, x.td);
  return std::move(l).str();
}
std::string text(const BroadbandBearerCapability& x) {
  Line l(head(0x5e, x.hdr));
  l.kv("class", bearer_name(x.bearer_class));
  if (x.transfer_capability) l.hex("atc", *x.transfer_capability);
  l.kv("clipping", x.clipping != 0 ? "yes" : "no");
  l.kv("config", x.up_config == 1 ? "p2mp" : x.up_config == 0 ? "p2p" : "?");
  return std::move(l).str();
}
std::string text(const BroadbandHighLayerInfo& x) {
  return std::move(Line(head(0x5d, x.hdr)).num("type", x.type).bytes("info", x.info)).str();
}
std::string text(const BroadbandLowLayerInfo& x) {
  Line l(head(0x5f, x.hdr));
  if (x.l1_protocol) l.num("l1", *x.l1_protocol);
  if (x.l2) {
    l.hex("l2", x.l2->protocol).opt("l2_mode", x.l2->mode).opt("l2_window", x.l2->window_size);
    l.opt("l2_user", x.l2->user_info);
  }
  if (x.l3) {
    l.hex("l3", x.l3->protocol).opt("l3_mode", x.l3->mode);
    l.opt("l3_pkt_size", x.l3->default_packet_size).opt("l3_window", x.l3->packet_window_size);
    l.opt("l3_user", x.l3->user_info);
    if (x.l3->ipi) l.hex("ipi", *x.l3->ipi);
    if (x.l3->snap_oui) l.hex("oui", *x.l3->snap_oui, 6);
    if (x.l3->snap_pid) l.hex("pid", *x.l3->snap_pid, 4);
  }
  return std::move(l).str();
}
std::string text(const BroadbandRepeatIndicator& x) {
  return std::move(Line(head(0x63, x.hdr)).num("indicator", x.indicator)).str();
}
std::string text(const CallState& x) {
  return std::move(Line(head(0x14, x.hdr)).num("state", x.state)).str();
}
template <IeId Id>
std::string text(const PartyNumberIe<Id>& x) {
  Line l(head(static_cast<std::uint8_t>(Id), x.hdr));
  l.kv("plan", plan_name(x.plan)).num("type", x.type_of_number);
  if (x.presentation)
    l.num("presentation", x.presentation->presentation).num("screening", x.presentation->screening);
  if (x.plan == numbering::kPlanE164)
    l.kv("number", std::string(x.address.begin(), x.address.end()));
  else
    l.bytes("address", x.address);
  return std::move(l).str();
}
template <IeId Id>
std::string text(const PartySubaddressIe<Id>& x) {
  Line l(head(static_cast<std::uint8_t>(Id), x.hdr));
  l.num("type", x.type);
  if (x.odd) l.raw(" odd");
  return std::move(l.bytes("address", x.address)).str();
}
std::string text(const Cause& x) {
  Line l(head(0x08, x.hdr));
  l.kv("loc", location_name(x.location)).num("cause", x.value);
  l.raw(" (").raw(cause_name(x.value)).raw(")");
  if (!x.diagnostics.empty()) l.bytes("diag", x.diagnostics);
  return std::move(l).str();
}
std::string text(const ConnectionIdentifier& x) {
  Line l(head(0x5a, x.hdr));
  l.kv("vpas", x.vp_associated == 0 ? "vp-associated" : "explicit");
  l.kv("excl", x.exclusivity == 0   ? "vpci+vci"
               : x.exclusivity == 1 ? "vpci-any-vci"
               : x.exclusivity == 4 ? "vpci-no-vci"
                                    : "?");
  return std::move(l.num("vpci", x.vpci).num("vci", x.vci)).str();
}
std::string text(const EndToEndTransitDelay& x) {
  Line l(head(0x42, x.hdr));
  l.opt("cumulative_ms", x.cumulative).opt("max_ms", x.maximum);
  if (x.network_generated) l.raw(" net-generated");
  return std::move(l).str();
}
std::string text(const QosParameter& x) {
  return std::move(
             Line(head(0x5c, x.hdr)).num("fwd_class", x.fwd_class).num("bwd_class", x.bwd_class))
      .str();
}
std::string text(const ExtendedQosParameters& x) {
  Line l(head(0xec, x.hdr));
  l.num("origin", x.origin)
      .opt("fwd_cdv", x.fwd_acceptable_cdv)
      .opt("bwd_cdv", x.bwd_acceptable_cdv);
  l.opt("fwd_cum_cdv", x.fwd_cumulative_cdv).opt("bwd_cum_cdv", x.bwd_cumulative_cdv);
  l.opt("fwd_clr", x.fwd_acceptable_clr).opt("bwd_clr", x.bwd_acceptable_clr);
  return std::move(l).str();
}
std::string text(const RestartIndicator& x) {
  return std::move(Line(head(0x79, x.hdr))
                       .kv("class", x.restart_class == 0   ? "vc"
                                    : x.restart_class == 1 ? "vpc"
                                    : x.restart_class == 2 ? "all"
                                                           : "?"))
      .str();
}
std::string text(const BroadbandSendingComplete& x) {
  return std::move(Line(head(0x62, x.hdr)).raw(" complete")).str();
}
std::string text(const TransitNetworkSelection& x) {
  return std::move(Line(head(0x78, x.hdr))
                       .num("type", x.type)
                       .num("plan", x.plan)
                       .kv("network", x.network_id))
      .str();
}
std::string text(const NotificationIndicator& x) {
  return std::move(Line(head(0x27, x.hdr)).bytes("description", x.description)).str();
}
std::string text(const OamTrafficDescriptor& x) {
  Line l(head(0x5b, x.hdr));
  l.num("shaping", x.shaping).kv("e2e_f5", x.compliance ? "mandatory" : "optional");
  return std::move(
             l.num("fault_mgmt", x.fault_mgmt).num("fwd_f5", x.fwd_f5).num("bwd_f5", x.bwd_f5))
      .str();
}
std::string text(const EndpointReference& x) {
  Line l(head(0x54, x.hdr));
  return std::move(l.num("type", x.type)
                       .num("value", x.value)
                       .kv("flag", x.flag ? "to-orig" : "from-orig"))
      .str();
}
std::string text(const EndpointState& x) {
  return std::move(Line(head(0x55, x.hdr)).num("state", x.state)).str();
}
std::string text(const BroadbandReportType& x) {
  Line l(head(0x89, x.hdr));
  if (x.type == report_type::kModificationConfirmation)
    l.kv("type", "modification-confirmation");
  else
    l.num("type", x.type);
  return std::move(l).str();
}
std::string text(const AbrSetupParameters& x) {
  Line l(head(0x84, x.hdr));
  l.opt("fwd_icr", x.fwd_icr).opt("bwd_icr", x.bwd_icr).opt("fwd_tbe", x.fwd_tbe);
  l.opt("bwd_tbe", x.bwd_tbe).opt("crm_frtt", x.crm_frtt).opt("fwd_rif", x.fwd_rif);
  l.opt("bwd_rif", x.bwd_rif).opt("fwd_rdf", x.fwd_rdf).opt("bwd_rdf", x.bwd_rdf);
  return std::move(l).str();
}
std::string text(const MinimumDesiredCellRate& x) {
  Line l(head(0xf0, x.hdr));
  l.num("origin", x.origin).opt("fwd_mdcr", x.fwd_mdcr).opt("bwd_mdcr", x.bwd_mdcr);
  return std::move(l).str();
}
std::string text(const AbrAdditionalParameters& x) {
  Line l(head(0xe4, x.hdr));
  if (x.fwd_record) l.hex("fwd", *x.fwd_record, 8);
  if (x.bwd_record) l.hex("bwd", *x.bwd_record, 8);
  return std::move(l).str();
}
std::string text(const GenericIdentifierTransport& x) {
  Line l(head(0x7f, x.hdr));
  l.num("standard", x.standard);
  for (const auto& id : x.identifiers) l.bytes("id" + std::to_string(id.type), id.value);
  return std::move(l).str();
}
std::string text(const LijCallIdentifier& x) {
  return std::move(Line(head(0xe8, x.hdr)).num("type", x.type).num("value", x.value)).str();
}
std::string text(const LijParameters& x) {
  return std::move(Line(head(0xe9, x.hdr)).num("screening", x.screening)).str();
}
std::string text(const LeafSequenceNumber& x) {
  return std::move(Line(head(0xea, x.hdr)).num("value", x.value)).str();
}
std::string text(const ConnectionScopeSelection& x) {
  return std::move(Line(head(0xeb, x.hdr)).num("type", x.type).num("level", x.level)).str();
}
template <IeId Id>
std::string text(const NarrowbandIe<Id>& x) {
  return std::move(Line(head(static_cast<std::uint8_t>(Id), x.hdr)).bytes("q931", x.content)).str();
}
std::string text(const UserUser& x) {
  return std::move(Line(head(0x7e, x.hdr)).hex("protocol", x.protocol).bytes("info", x.info)).str();
}
template <IeId Id>
std::string text(const ShiftIe<Id>& x) {
  return std::move(Line(head(static_cast<std::uint8_t>(Id), x.hdr)).num("codeset", x.codeset))
      .str();
}
std::string text(const UnknownIe& x) {
  Line l(head(x.id, x.hdr));
  return std::move(l.hex("id", x.id).bytes("content", x.content)).str();
}

}  // namespace

std::string to_string(const Ie& ie) {
  return std::visit([](const auto& x) { return text(x); }, ie);
}

std::string summary(const Message& m, Version v) {
  char buf[96];
  std::size_t len = 0;
  try {
    len = encode(m, v).size() - kHeaderLength;
  } catch (const std::length_error&) {
  }
  std::snprintf(buf, sizeof buf, "cref=0x%06x/%s len=%zu", static_cast<unsigned>(m.cref.value),
                m.cref.flag ? "dest" : "orig", len);
  std::string s;
  if (message_known(m.type, v) || message_name(m.type) != "UNKNOWN") {
    s = message_name(m.type);
  } else {
    char t[24];
    std::snprintf(t, sizeof t, "UNKNOWN(0x%02x)", static_cast<unsigned>(m.type));
    s = t;
  }
  s += ' ';
  s += buf;
  if (m.follow_instructions) s += " ai=" + std::to_string(static_cast<unsigned>(m.action));
  return s;
}

std::string to_string(const Message& m, Version v) {
  std::string s = summary(m, v);
  for (const auto& ie : m.ies) {
    s += "\n  ";
    s += to_string(ie);
  }
  return s;
}

std::string to_string(const Verdict& verdict) {
  std::string s(problem_name(verdict.problem));
  if (verdict.ie) {
    char b[16];
    std::snprintf(b, sizeof b, " 0x%02x", static_cast<unsigned>(*verdict.ie));
    s += b;
  }
  s += ": ";
  s += action_name(verdict.action);
  if (verdict.cause != 0) s += " cause " + std::to_string(verdict.cause);
  if (!verdict.diagnostics.empty()) s += " diag=" + to_hex(verdict.diagnostics);
  return s;
}

std::string_view location_name(CauseLocation loc) {
  switch (loc) {
    case CauseLocation::kUser:
      return "user";
    case CauseLocation::kPrivateLocal:
      return "private-local";
    case CauseLocation::kPublicLocal:
      return "public-local";
    case CauseLocation::kTransit:
      return "transit";
    case CauseLocation::kPublicRemote:
      return "public-remote";
    case CauseLocation::kPrivateRemote:
      return "private-remote";
    case CauseLocation::kInternational:
      return "international";
    case CauseLocation::kBeyondInterworking:
      return "beyond-interworking";
  }
  return "?";
}

std::string_view cause_name(std::uint8_t value) {
  switch (value) {
    case 1:
      return "unallocated number";
    case 2:
      return "no route to specified transit network";
    case 3:
      return "no route to destination";
    case 10:
      return "VPCI/VCI unacceptable";
    case 16:
      return "normal call clearing";
    case 17:
      return "user busy";
    case 18:
      return "no user responding";
    case 21:
      return "call rejected";
    case 22:
      return "number changed";
    case 23:
      return "user rejects calls with CLIR";
    case 27:
      return "destination out of order";
    case 28:
      return "invalid number format";
    case 30:
      return "response to STATUS ENQUIRY";
    case 31:
      return "normal, unspecified";
    case 32:
      return "too many pending add party requests";
    case 35:
      return "requested VPCI/VCI not available";
    case 36:
      return "VPCI/VCI assignment failure";
    case 37:
      return "user cell rate not available";
    case 38:
      return "network out of order";
    case 41:
      return "temporary failure";
    case 43:
      return "access information discarded";
    case 45:
      return "no VPCI/VCI available";
    case 47:
      return "resource unavailable, unspecified";
    case 49:
      return "quality of service unavailable";
    case 51:
      return "user cell rate not available";
    case 57:
      return "bearer capability not authorized";
    case 58:
      return "bearer capability not presently available";
    case 63:
      return "service or option not available, unspecified";
    case 65:
      return "bearer capability not implemented";
    case 73:
      return "unsupported combination of traffic parameters";
    case 78:
      return "AAL parameters cannot be supported";
    case 81:
      return "invalid call reference value";
    case 82:
      return "identified channel does not exist";
    case 88:
      return "incompatible destination";
    case 89:
      return "invalid endpoint reference";
    case 91:
      return "invalid transit network selection";
    case 92:
      return "too many pending add party requests";
    case 93:
      return "AAL parameters cannot be supported";
    case 96:
      return "mandatory information element is missing";
    case 97:
      return "message type non-existent or not implemented";
    case 99:
      return "information element non-existent or not implemented";
    case 100:
      return "invalid information element contents";
    case 101:
      return "message not compatible with call state";
    case 102:
      return "recovery on timer expiry";
    case 104:
      return "incorrect message length";
    case 111:
      return "protocol error, unspecified";
    case 127:
      return "interworking, unspecified";
    default:
      return "unknown cause";
  }
}

}  // namespace atmsigd::q2931
