// Contents coding of each IE (the octets after the 4-octet IE header).
// Layouts: Q.2931 §4.5, UNI 3.1 §5.4.5, UNI 4.0 §4-§9, Q.2971, Q.2963.1.
#include <array>
#include <span>
#include <stdexcept>
#include <type_traits>

#include "atmsigd/q2931/codec.hpp"
#include "ie_codec.hpp"
#include "tables.hpp"
#include "wire.hpp"

namespace atmsigd::q2931 {
namespace {

using wire::put16;
using wire::put24;
using wire::put32;
using wire::put8;
using wire::Reader;

bool is_uni3x(Version v) {
  return v == Version::kUni30 || v == Version::kUni31;
}

// ---- Subfield tables: (identifier, member) for identifier-tagged subfields ----
template <class S, class V>
struct Field {
  std::uint8_t id;
  std::optional<V> S::*member;
  std::uint8_t octets;  // value length
};

template <class S, class V, std::size_t N>
void put_fields(Bytes& out, const S& s, const std::array<Field<S, V>, N>& fields) {
  for (const auto& f : fields) {
    const auto& val = s.*(f.member);
    if (!val) continue;
    put8(out, f.id);
    switch (f.octets) {
      case 1:
        put8(out, *val);
        break;
      case 2:
        put16(out, *val);
        break;
      case 3:
        put24(out, *val);
        break;
      default:
        put32(out, *val);
        break;
    }
  }
}

// Reads the value of subfield `id` if it is in `fields`. Returns 1 if read, 0 if the
// identifier is not in the table, -1 on truncation.
template <class S, class V, std::size_t N>
int get_field(Reader& r, std::uint8_t id, S& s, const std::array<Field<S, V>, N>& fields) {
  for (const auto& f : fields) {
    if (f.id != id) continue;
    std::uint32_t v = 0;
    bool ok = false;
    switch (f.octets) {
      case 1: {
        std::uint8_t b = 0;
        ok = r.u8(b);
        v = b;
        break;
      }
      case 2: {
        std::uint16_t w = 0;
        ok = r.u16(w);
        v = w;
        break;
      }
      case 3:
        ok = r.u24(v);
        break;
      default:
        ok = r.u32(v);
        break;
    }
    if (!ok) return -1;
    s.*(f.member) = static_cast<V>(v);
    return 1;
  }
  return 0;
}

// ---- AAL parameters ----
constexpr std::array<Field<Aal1, std::uint8_t>, 5> kAal1Octet{{
    {0x85, &Aal1::subtype, 1},
    {0x86, &Aal1::cbr_rate, 1},
    {0x88, &Aal1::clock_recovery, 1},
    {0x89, &Aal1::error_correction, 1},
    {0x8b, &Aal1::partially_filled_cells, 1},
}};
constexpr std::array<Field<Aal1, std::uint16_t>, 2> kAal1Word{{
    {0x87, &Aal1::multiplier, 2},
    {0x8a, &Aal1::structured_data_blocks, 2},
}};

void put_aal(Bytes& out, const AalParameters& a, Version v) {
  const bool with_mode = is_uni3x(v);
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Aal1>) {
          put8(out, 0x01);
          // Q.2931 order: subtype, CBR rate, multiplier, clock recovery, error
          // correction, SDT block size, partially filled cells.
          if (x.subtype) put8(out, 0x85), put8(out, *x.subtype);
          if (x.cbr_rate) put8(out, 0x86), put8(out, *x.cbr_rate);
          if (x.multiplier) put8(out, 0x87), put16(out, *x.multiplier);
          if (x.clock_recovery) put8(out, 0x88), put8(out, *x.clock_recovery);
          if (x.error_correction) put8(out, 0x89), put8(out, *x.error_correction);
          if (x.structured_data_blocks) put8(out, 0x8a), put16(out, *x.structured_data_blocks);
          if (x.partially_filled_cells) put8(out, 0x8b), put8(out, *x.partially_filled_cells);
        } else if constexpr (std::is_same_v<T, Aal34>) {
          put8(out, 0x03);
          if (x.fwd_max_sdu) put8(out, 0x8c), put16(out, *x.fwd_max_sdu);
          if (x.bwd_max_sdu) put8(out, 0x81), put16(out, *x.bwd_max_sdu);
          if (x.mid_low && x.mid_high)
            put8(out, 0x82), put16(out, *x.mid_low), put16(out, *x.mid_high);
          if (x.mode && with_mode) put8(out, 0x83), put8(out, *x.mode);
          if (x.sscs) put8(out, 0x84), put8(out, *x.sscs);
        } else if constexpr (std::is_same_v<T, Aal5>) {
          put8(out, 0x05);
          if (x.fwd_max_sdu) put8(out, 0x8c), put16(out, *x.fwd_max_sdu);
          if (x.bwd_max_sdu) put8(out, 0x81), put16(out, *x.bwd_max_sdu);
          if (x.mode && with_mode) put8(out, 0x83), put8(out, *x.mode);
          if (x.sscs) put8(out, 0x84), put8(out, *x.sscs);
        } else {
          put8(out, 0x10);
          wire::put(out, x.info);
        }
      },
      a.aal);
}

bool get_aal(Reader& r, AalParameters& a, Version v) {
  std::uint8_t type = 0;
  if (!r.u8(type)) return false;
  const bool keep_mode = is_uni3x(v);  // Mode subfield is not defined in Q.2931/UNI 4.0
  std::uint8_t id = 0;
  switch (type) {
    case 0x01: {
      Aal1 x;
      while (r.u8(id)) {
        int got = get_field(r, id, x, kAal1Octet);
        if (got == 0) got = get_field(r, id, x, kAal1Word);
        if (got != 1) return false;
      }
      a.aal = x;
      return true;
    }
    case 0x03:
    case 0x05: {
      Aal34 x;
      while (r.u8(id)) {
        std::uint8_t b = 0;
        std::uint16_t w = 0;
        switch (id) {
          case 0x8c:
            if (!r.u16(w)) return false;
            x.fwd_max_sdu = w;
            break;
          case 0x81:
            if (!r.u16(w)) return false;
            x.bwd_max_sdu = w;
            break;
          case 0x82: {
            std::uint16_t hi = 0;
            if (type != 0x03 || !r.u16(w) || !r.u16(hi)) return false;
            x.mid_low = w;
            x.mid_high = hi;
            break;
          }
          case 0x83:
            if (!r.u8(b)) return false;
            if (keep_mode) x.mode = b;
            break;
          case 0x84:
            if (!r.u8(b)) return false;
            x.sscs = b;
            break;
          default:
            return false;
        }
      }
      if (type == 0x03) {
        a.aal = x;
      } else {
        a.aal = Aal5{x.fwd_max_sdu, x.bwd_max_sdu, x.mode, x.sscs};
      }
      return true;
    }
    case 0x10: {
      AalUserDefined x;
      if (r.left() > 4) return false;
      r.bytes(r.left(), x.info);
      a.aal = x;
      return true;
    }
    default:
      return false;
  }
}

// ---- ATM traffic descriptor ----
constexpr std::array<Field<TrafficParams, std::uint32_t>, 14> kRates{{
    {0x82, &TrafficParams::fwd_pcr_0, 3},
    {0x83, &TrafficParams::bwd_pcr_0, 3},
    {0x84, &TrafficParams::fwd_pcr_01, 3},
    {0x85, &TrafficParams::bwd_pcr_01, 3},
    {0x88, &TrafficParams::fwd_scr_0, 3},
    {0x89, &TrafficParams::bwd_scr_0, 3},
    {0x90, &TrafficParams::fwd_scr_01, 3},
    {0x91, &TrafficParams::bwd_scr_01, 3},
    {0x92, &TrafficParams::fwd_mcr_01, 3},
    {0x93, &TrafficParams::bwd_mcr_01, 3},
    {0xa0, &TrafficParams::fwd_mbs_0, 3},
    {0xa1, &TrafficParams::bwd_mbs_0, 3},
    {0xb0, &TrafficParams::fwd_mbs_01, 3},
    {0xb1, &TrafficParams::bwd_mbs_01, 3},
}};

void put_td(Bytes& out, const TrafficParams& t) {
  put_fields(out, t, kRates);
  if (t.best_effort) put8(out, 0xbe);
  if (t.tm_options) put8(out, 0xbf), put8(out, *t.tm_options);
}
bool get_td(Reader& r, TrafficParams& t) {
  std::uint8_t id = 0;
  while (r.u8(id)) {
    if (id == 0xbe) {
      t.best_effort = true;
      continue;
    }
    if (id == 0xbf) {
      std::uint8_t b = 0;
      if (!r.u8(b)) return false;
      t.tm_options = b;
      continue;
    }
    if (get_field(r, id, t, kRates) != 1) return false;
  }
  return true;
}

// ---- Broadband bearer capability ----
void put_bbc(Bytes& out, const BroadbandBearerCapability& b) {
  put8(out, (b.transfer_capability ? 0x00 : 0x80) | (b.bearer_class & 0x1f));
  if (b.transfer_capability) put8(out, 0x80 | (*b.transfer_capability & 0x7f));
  put8(out, 0x80 | (b.clipping & 0x03) << 5 | (b.up_config & 0x03));
}
bool get_bbc(Reader& r, BroadbandBearerCapability& b) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  b.bearer_class = o & 0x1f;
  if ((o & 0x80) == 0) {
    std::uint8_t a = 0;
    if (!r.u8(a)) return false;
    b.transfer_capability = a & 0x7f;
  }
  if (!r.u8(o)) return false;
  b.clipping = (o >> 5) & 0x03;
  b.up_config = o & 0x03;
  return true;
}

// ---- Broadband low layer information ----
// Reads one octet group ending with an octet whose extension bit is set.
bool get_group(Reader& r, std::uint8_t* g, std::size_t max, std::size_t& n) {
  n = 0;
  std::uint8_t o = 0;
  do {
    if (n == max || !r.u8(o)) return false;
    g[n++] = o;
  } while ((o & 0x80) == 0);
  return true;
}

void put_blli(Bytes& out, const BroadbandLowLayerInfo& b) {
  if (b.l1_protocol) put8(out, 0x80 | 0x20 | (*b.l1_protocol & 0x1f));
  if (b.l2) {
    const auto& l2 = *b.l2;
    const std::uint8_t o6 = 0x40 | (l2.protocol & 0x1f);
    if ((l2.protocol & 0x1f) == 0x10) {
      put8(out, o6 | (l2.user_info ? 0 : 0x80));
      if (l2.user_info) put8(out, 0x80 | (*l2.user_info & 0x7f));
    } else {
      const bool has6a = l2.mode.has_value() || l2.window_size.has_value();
      put8(out, o6 | (has6a ? 0 : 0x80));
      if (has6a) {
        put8(out,
             (l2.window_size ? 0 : 0x80) | (l2.mode.value_or(0) & 0x03) << 5 | (l2.q933 & 0x03));
        if (l2.window_size) put8(out, 0x80 | (*l2.window_size & 0x7f));
      }
    }
  }
  if (b.l3) {
    const auto& l3 = *b.l3;
    const std::uint8_t proto = l3.protocol & 0x1f;
    const std::uint8_t o7 = 0x60 | proto;
    if (proto == 0x10) {
      put8(out, o7 | (l3.user_info ? 0 : 0x80));
      if (l3.user_info) put8(out, 0x80 | (*l3.user_info & 0x0f));
    } else if (proto == 0x0b) {
      put8(out, o7 | (l3.ipi ? 0 : 0x80));
      if (l3.ipi) {
        put8(out, (*l3.ipi >> 1) & 0x7f);
        put8(out, 0x80 | (*l3.ipi & 0x01) << 6);
        if (*l3.ipi == 0x80 && l3.snap_oui && l3.snap_pid) {
          put8(out, 0x80);
          put24(out, *l3.snap_oui);
          put16(out, *l3.snap_pid);
        }
      }
    } else {
      const bool has7a = l3.mode || l3.default_packet_size || l3.packet_window_size;
      const bool has7b = l3.default_packet_size || l3.packet_window_size;
      put8(out, o7 | (has7a ? 0 : 0x80));
      if (has7a) put8(out, (has7b ? 0 : 0x80) | (l3.mode.value_or(0) & 0x03) << 5);
      if (has7b)
        put8(out, (l3.packet_window_size ? 0 : 0x80) | (l3.default_packet_size.value_or(0) & 0x0f));
      if (l3.packet_window_size) put8(out, 0x80 | (*l3.packet_window_size & 0x7f));
    }
  }
}

bool get_blli(Reader& r, BroadbandLowLayerInfo& b) {
  int last_layer = 0;
  while (!r.empty()) {
    std::uint8_t g[4] = {};
    std::size_t n = 0;
    if (!get_group(r, g, 4, n)) return false;
    const int layer = (g[0] >> 5) & 0x03;
    const std::uint8_t proto = g[0] & 0x1f;
    if (layer == 0 || layer <= last_layer) return false;
    last_layer = layer;
    if (layer == 1) {
      if (n != 1) return false;
      b.l1_protocol = proto;
    } else if (layer == 2) {
      BlliLayer2 l2;
      l2.protocol = proto;
      if (proto == 0x10) {
        if (n > 2) return false;
        if (n == 2) l2.user_info = g[1] & 0x7f;
      } else {
        if (n > 3) return false;
        if (n >= 2) {
          l2.mode = (g[1] >> 5) & 0x03;
          l2.q933 = g[1] & 0x03;
        }
        if (n == 3) l2.window_size = g[2] & 0x7f;
      }
      b.l2 = l2;
    } else {
      BlliLayer3 l3;
      l3.protocol = proto;
      if (proto == 0x10) {
        if (n > 2) return false;
        if (n == 2) l3.user_info = g[1] & 0x0f;
      } else if (proto == 0x0b) {
        if (n == 3) {
          l3.ipi = static_cast<std::uint8_t>((g[1] & 0x7f) << 1 | (g[2] >> 6 & 0x01));
          if (*l3.ipi == 0x80 && r.left() >= 6) {
            std::uint8_t snap = 0;
            std::uint32_t oui = 0;
            std::uint16_t pid = 0;
            r.u8(snap);
            r.u24(oui);
            r.u16(pid);
            if ((snap & 0x7f) != 0) return false;
            l3.snap_oui = oui;
            l3.snap_pid = pid;
          }
        } else if (n != 1) {
          return false;
        }
      } else {
        if (n >= 2) l3.mode = (g[1] >> 5) & 0x03;
        if (n >= 3) l3.default_packet_size = g[2] & 0x0f;
        if (n == 4) l3.packet_window_size = g[3] & 0x7f;
      }
      b.l3 = l3;
    }
  }
  return b.l1_protocol || b.l2 || b.l3;
}

// ---- Party number / subaddress ----
template <IeId Id>
void put_number(Bytes& out, const PartyNumberIe<Id>& n) {
  put8(out, (n.presentation ? 0x00 : 0x80) | (n.type_of_number & 0x07) << 4 | (n.plan & 0x0f));
  if (n.presentation)
    put8(out,
         0x80 | (n.presentation->presentation & 0x03) << 5 | (n.presentation->screening & 0x03));
  wire::put(out, n.address);
}
template <IeId Id>
bool get_number(Reader& r, PartyNumberIe<Id>& n) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  n.type_of_number = (o >> 4) & 0x07;
  n.plan = o & 0x0f;
  if ((o & 0x80) == 0) {
    std::uint8_t a = 0;
    if (!r.u8(a)) return false;
    n.presentation = PresentationScreening{static_cast<std::uint8_t>((a >> 5) & 0x03),
                                           static_cast<std::uint8_t>(a & 0x03)};
  }
  r.bytes(r.left(), n.address);
  return true;
}
template <IeId Id>
void put_subaddress(Bytes& out, const PartySubaddressIe<Id>& s) {
  put8(out, 0x80 | (s.type & 0x07) << 4 | (s.odd ? 0x08 : 0));
  wire::put(out, s.address);
}
template <IeId Id>
bool get_subaddress(Reader& r, PartySubaddressIe<Id>& s) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  s.type = (o >> 4) & 0x07;
  s.odd = (o & 0x08) != 0;
  r.bytes(r.left(), s.address);
  return true;
}

// ---- Extended QoS / ABR ----
constexpr std::array<Field<ExtendedQosParameters, std::uint32_t>, 4> kExtQos3{{
    {0x94, &ExtendedQosParameters::fwd_acceptable_cdv, 3},
    {0x95, &ExtendedQosParameters::bwd_acceptable_cdv, 3},
    {0x96, &ExtendedQosParameters::fwd_cumulative_cdv, 3},
    {0x97, &ExtendedQosParameters::bwd_cumulative_cdv, 3},
}};
constexpr std::array<Field<ExtendedQosParameters, std::uint8_t>, 2> kExtQos1{{
    {0xa2, &ExtendedQosParameters::fwd_acceptable_clr, 1},
    {0xa3, &ExtendedQosParameters::bwd_acceptable_clr, 1},
}};
constexpr std::array<Field<AbrSetupParameters, std::uint32_t>, 5> kAbr3{{
    {0xc2, &AbrSetupParameters::fwd_icr, 3},
    {0xc3, &AbrSetupParameters::bwd_icr, 3},
    {0xc4, &AbrSetupParameters::fwd_tbe, 3},
    {0xc5, &AbrSetupParameters::bwd_tbe, 3},
    {0xc6, &AbrSetupParameters::crm_frtt, 3},
}};
constexpr std::array<Field<AbrSetupParameters, std::uint8_t>, 4> kAbr1{{
    {0xc8, &AbrSetupParameters::fwd_rif, 1},
    {0xc9, &AbrSetupParameters::bwd_rif, 1},
    {0xca, &AbrSetupParameters::fwd_rdf, 1},
    {0xcb, &AbrSetupParameters::bwd_rdf, 1},
}};
constexpr std::array<Field<AbrAdditionalParameters, std::uint32_t>, 2> kAbrAdd{{
    {0xc2, &AbrAdditionalParameters::fwd_record, 4},
    {0xc3, &AbrAdditionalParameters::bwd_record, 4},
}};

template <class S, class F1, class F2>
bool get_tagged(Reader& r, S& s, const F1& a, const F2& b) {
  std::uint8_t id = 0;
  while (r.u8(id)) {
    int got = get_field(r, id, s, a);
    if (got == 0) got = get_field(r, id, s, b);
    if (got != 1) return false;
  }
  return true;
}
template <class S, class F1>
bool get_tagged(Reader& r, S& s, const F1& a) {
  std::uint8_t id = 0;
  while (r.u8(id))
    if (get_field(r, id, s, a) != 1) return false;
  return true;
}

// ---- Contents encoders, one overload per IE type ----
void put_body(Bytes& out, const AalParameters& x, Version v) {
  put_aal(out, x, v);
}
template <IeId Id>
void put_body(Bytes& out, const TrafficDescriptorIe<Id>& x, Version) {
  put_td(out, x.td);
}
void put_body(Bytes& out, const BroadbandBearerCapability& x, Version) {
  put_bbc(out, x);
}
void put_body(Bytes& out, const BroadbandHighLayerInfo& x, Version) {
  put8(out, 0x80 | (x.type & 0x7f));
  wire::put(out, x.info);
}
void put_body(Bytes& out, const BroadbandLowLayerInfo& x, Version) {
  put_blli(out, x);
}
void put_body(Bytes& out, const BroadbandRepeatIndicator& x, Version) {
  put8(out, 0x80 | (x.indicator & 0x0f));
}
void put_body(Bytes& out, const CallState& x, Version) {
  put8(out, x.state & 0x3f);
}
template <IeId Id>
void put_body(Bytes& out, const PartyNumberIe<Id>& x, Version) {
  put_number(out, x);
}
template <IeId Id>
void put_body(Bytes& out, const PartySubaddressIe<Id>& x, Version) {
  put_subaddress(out, x);
}
void put_body(Bytes& out, const Cause& x, Version) {
  put8(out, 0x80 | (static_cast<std::uint8_t>(x.location) & 0x0f));
  put8(out, 0x80 | (x.value & 0x7f));
  wire::put(out, x.diagnostics);
}
void put_body(Bytes& out, const ConnectionIdentifier& x, Version) {
  put8(out, 0x80 | (x.vp_associated & 0x03) << 3 | (x.exclusivity & 0x07));
  put16(out, x.vpci);
  put16(out, x.vci);
}
void put_body(Bytes& out, const EndToEndTransitDelay& x, Version) {
  if (x.cumulative) put8(out, 0x01), put16(out, *x.cumulative);
  if (x.maximum) put8(out, 0x03), put16(out, *x.maximum);
  if (x.network_generated) put8(out, 0x0a);
}
void put_body(Bytes& out, const QosParameter& x, Version) {
  put8(out, x.fwd_class);
  put8(out, x.bwd_class);
}
void put_body(Bytes& out, const ExtendedQosParameters& x, Version) {
  put8(out, x.origin);
  put_fields(out, x, kExtQos3);
  put_fields(out, x, kExtQos1);
}
void put_body(Bytes& out, const RestartIndicator& x, Version) {
  put8(out, 0x80 | (x.restart_class & 0x07));
}
void put_body(Bytes& out, const BroadbandSendingComplete&, Version) {
  put8(out, 0xa1);
}
void put_body(Bytes& out, const TransitNetworkSelection& x, Version) {
  put8(out, 0x80 | (x.type & 0x07) << 4 | (x.plan & 0x0f));
  out.insert(out.end(), x.network_id.begin(), x.network_id.end());
}
void put_body(Bytes& out, const NotificationIndicator& x, Version) {
  wire::put(out, x.description);
}
void put_body(Bytes& out, const OamTrafficDescriptor& x, Version) {
  put8(out, 0x80 | (x.shaping & 0x03) << 5 | (x.compliance ? 0x10 : 0) | (x.fault_mgmt & 0x07));
  put8(out, 0x80 | (x.fwd_f5 & 0x07) << 4 | (x.bwd_f5 & 0x07));
}
void put_body(Bytes& out, const EndpointReference& x, Version) {
  put8(out, x.type);
  put16(out, (x.flag ? 0x8000u : 0u) | (x.value & 0x7fffu));
}
void put_body(Bytes& out, const EndpointState& x, Version) {
  put8(out, x.state & 0x3f);
}
void put_body(Bytes& out, const AbrSetupParameters& x, Version) {
  put_fields(out, x, kAbr3);
  put_fields(out, x, kAbr1);
}
void put_body(Bytes& out, const AbrAdditionalParameters& x, Version) {
  put_fields(out, x, kAbrAdd);
}
void put_body(Bytes& out, const GenericIdentifierTransport& x, Version) {
  put8(out, x.standard);
  for (const auto& id : x.identifiers) {
    put8(out, id.type);
    put8(out, id.value.size());
    wire::put(out, id.value);
  }
}
void put_body(Bytes& out, const LijCallIdentifier& x, Version) {
  put8(out, 0x80 | (x.type & 0x0f));
  put32(out, x.value);
}
void put_body(Bytes& out, const LijParameters& x, Version) {
  put8(out, 0x80 | (x.screening & 0x0f));
}
void put_body(Bytes& out, const LeafSequenceNumber& x, Version) {
  put32(out, x.value);
}
void put_body(Bytes& out, const ConnectionScopeSelection& x, Version) {
  put8(out, 0x80 | (x.type & 0x0f));
  put8(out, x.level);
}
void put_body(Bytes& out, const UnknownIe& x, Version) {
  wire::put(out, x.content);
}

// ---- Contents decoders ----
bool get_body(Reader& r, AalParameters& x, Version v) {
  return get_aal(r, x, v);
}
template <IeId Id>
bool get_body(Reader& r, TrafficDescriptorIe<Id>& x, Version) {
  return get_td(r, x.td);
}
bool get_body(Reader& r, BroadbandBearerCapability& x, Version) {
  return get_bbc(r, x);
}
bool get_body(Reader& r, BroadbandHighLayerInfo& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  x.type = o & 0x7f;
  return r.bytes(r.left(), x.info);
}
bool get_body(Reader& r, BroadbandLowLayerInfo& x, Version) {
  return get_blli(r, x);
}
bool get_body(Reader& r, BroadbandRepeatIndicator& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  x.indicator = o & 0x0f;
  return true;
}
bool get_body(Reader& r, CallState& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  x.state = o & 0x3f;
  return true;
}
template <IeId Id>
bool get_body(Reader& r, PartyNumberIe<Id>& x, Version) {
  return get_number(r, x);
}
template <IeId Id>
bool get_body(Reader& r, PartySubaddressIe<Id>& x, Version) {
  return get_subaddress(r, x);
}
bool get_body(Reader& r, Cause& x, Version) {
  std::uint8_t loc = 0, val = 0;
  if (!r.u8(loc) || !r.u8(val)) return false;
  x.location = static_cast<CauseLocation>(loc & 0x0f);
  x.value = val & 0x7f;
  return r.bytes(r.left(), x.diagnostics);
}
bool get_body(Reader& r, ConnectionIdentifier& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o) || !r.u16(x.vpci) || !r.u16(x.vci)) return false;
  x.vp_associated = (o >> 3) & 0x03;
  x.exclusivity = o & 0x07;
  return true;
}
bool get_body(Reader& r, EndToEndTransitDelay& x, Version) {
  std::uint8_t id = 0;
  while (r.u8(id)) {
    std::uint16_t w = 0;
    switch (id) {
      case 0x01:
        if (!r.u16(w)) return false;
        x.cumulative = w;
        break;
      case 0x03:
        if (!r.u16(w)) return false;
        x.maximum = w;
        break;
      case 0x0a:
        x.network_generated = true;
        break;
      default:
        return false;
    }
  }
  return true;
}
bool get_body(Reader& r, QosParameter& x, Version) {
  return r.u8(x.fwd_class) && r.u8(x.bwd_class);
}
bool get_body(Reader& r, ExtendedQosParameters& x, Version) {
  return r.u8(x.origin) && get_tagged(r, x, kExtQos3, kExtQos1);
}
bool get_body(Reader& r, RestartIndicator& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  x.restart_class = o & 0x07;
  return true;
}
bool get_body(Reader& r, BroadbandSendingComplete&, Version) {
  std::uint8_t o = 0;
  return r.u8(o) && o == 0xa1;
}
bool get_body(Reader& r, TransitNetworkSelection& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  x.type = (o >> 4) & 0x07;
  x.plan = o & 0x0f;
  const ByteView rest = r.rest();
  x.network_id.assign(rest.begin(), rest.end());
  r.skip_all();
  return true;
}
bool get_body(Reader& r, NotificationIndicator& x, Version) {
  return r.bytes(r.left(), x.description);
}
bool get_body(Reader& r, OamTrafficDescriptor& x, Version) {
  std::uint8_t a = 0, b = 0;
  if (!r.u8(a) || !r.u8(b)) return false;
  x.shaping = (a >> 5) & 0x03;
  x.compliance = (a & 0x10) != 0;
  x.fault_mgmt = a & 0x07;
  x.fwd_f5 = (b >> 4) & 0x07;
  x.bwd_f5 = b & 0x07;
  return true;
}
bool get_body(Reader& r, EndpointReference& x, Version) {
  std::uint16_t w = 0;
  if (!r.u8(x.type) || !r.u16(w)) return false;
  x.flag = (w & 0x8000) != 0;
  x.value = w & 0x7fff;
  return true;
}
bool get_body(Reader& r, EndpointState& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  x.state = o & 0x3f;
  return true;
}
bool get_body(Reader& r, AbrSetupParameters& x, Version) {
  return get_tagged(r, x, kAbr3, kAbr1);
}
bool get_body(Reader& r, AbrAdditionalParameters& x, Version) {
  return get_tagged(r, x, kAbrAdd);
}
bool get_body(Reader& r, GenericIdentifierTransport& x, Version) {
  if (!r.u8(x.standard)) return false;
  while (!r.empty()) {
    GenericIdentifier id;
    std::uint8_t len = 0;
    if (!r.u8(id.type) || !r.u8(len) || !r.bytes(len, id.value)) return false;
    x.identifiers.push_back(std::move(id));
  }
  return true;
}
bool get_body(Reader& r, LijCallIdentifier& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o) || !r.u32(x.value)) return false;
  x.type = o & 0x0f;
  return true;
}
bool get_body(Reader& r, LijParameters& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  x.screening = o & 0x0f;
  return true;
}
bool get_body(Reader& r, LeafSequenceNumber& x, Version) {
  return r.u32(x.value);
}
bool get_body(Reader& r, ConnectionScopeSelection& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o) || !r.u8(x.level)) return false;
  x.type = o & 0x0f;
  return true;
}

template <class T>
std::optional<Ie> decode_as(const IeHeader& hdr, ByteView content, Version v) {
  T x{};
  x.hdr = hdr;
  Reader r(content);
  if (!get_body(r, x, v)) return std::nullopt;
  if (!r.empty()) return std::nullopt;  // octets the coding does not define
  return Ie{std::move(x)};
}

}  // namespace

std::uint8_t ie_id(const Ie& ie) {
  return std::visit(
      [](const auto& x) -> std::uint8_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, UnknownIe>) {
          return x.id;
        } else {
          return static_cast<std::uint8_t>(T::kId);
        }
      },
      ie);
}

const IeHeader& ie_header(const Ie& ie) {
  return std::visit([](const auto& x) -> const IeHeader& { return x.hdr; }, ie);
}

void encode_ie_into(Bytes& out, const Ie& ie, Version v) {
  const IeHeader& h = ie_header(ie);
  put8(out, ie_id(ie));
  put8(out, 0x80 | static_cast<std::uint8_t>(h.coding) << 5 | (h.follow_instructions ? 0x10 : 0) |
                (static_cast<std::uint8_t>(h.action) & 0x07));
  const std::size_t len_at = out.size();
  put16(out, 0);
  std::visit([&](const auto& x) { put_body(out, x, v); }, ie);
  const std::size_t len = out.size() - len_at - 2;
  if (len > 0xffff) throw std::length_error("q2931: IE longer than 65535 octets");
  out[len_at] = static_cast<std::uint8_t>(len >> 8);
  out[len_at + 1] = static_cast<std::uint8_t>(len);
}

Bytes encode_ie(const Ie& ie, Version v) {
  Bytes out;
  encode_ie_into(out, ie, v);
  return out;
}

std::optional<Ie> decode_ie(std::uint8_t id, const IeHeader& hdr, ByteView content, Version v) {
  if (ie_spec(id) == nullptr) return std::nullopt;
  switch (static_cast<IeId>(id)) {
    case IeId::kCause:
      return decode_as<Cause>(hdr, content, v);
    case IeId::kCallState:
      return decode_as<CallState>(hdr, content, v);
    case IeId::kNotificationIndicator:
      return decode_as<NotificationIndicator>(hdr, content, v);
    case IeId::kEndToEndTransitDelay:
      return decode_as<EndToEndTransitDelay>(hdr, content, v);
    case IeId::kEndpointReference:
      return decode_as<EndpointReference>(hdr, content, v);
    case IeId::kEndpointState:
      return decode_as<EndpointState>(hdr, content, v);
    case IeId::kAalParameters:
      return decode_as<AalParameters>(hdr, content, v);
    case IeId::kTrafficDescriptor:
      return decode_as<TrafficDescriptor>(hdr, content, v);
    case IeId::kConnectionIdentifier:
      return decode_as<ConnectionIdentifier>(hdr, content, v);
    case IeId::kOamTrafficDescriptor:
      return decode_as<OamTrafficDescriptor>(hdr, content, v);
    case IeId::kQosParameter:
      return decode_as<QosParameter>(hdr, content, v);
    case IeId::kBroadbandHighLayerInfo:
      return decode_as<BroadbandHighLayerInfo>(hdr, content, v);
    case IeId::kBroadbandBearerCapability:
      return decode_as<BroadbandBearerCapability>(hdr, content, v);
    case IeId::kBroadbandLowLayerInfo:
      return decode_as<BroadbandLowLayerInfo>(hdr, content, v);
    case IeId::kBroadbandSendingComplete:
      return decode_as<BroadbandSendingComplete>(hdr, content, v);
    case IeId::kBroadbandRepeatIndicator:
      return decode_as<BroadbandRepeatIndicator>(hdr, content, v);
    case IeId::kCallingPartyNumber:
      return decode_as<CallingPartyNumber>(hdr, content, v);
    case IeId::kCallingPartySubaddress:
      return decode_as<CallingPartySubaddress>(hdr, content, v);
    case IeId::kCalledPartyNumber:
      return decode_as<CalledPartyNumber>(hdr, content, v);
    case IeId::kCalledPartySubaddress:
      return decode_as<CalledPartySubaddress>(hdr, content, v);
    case IeId::kTransitNetworkSelection:
      return decode_as<TransitNetworkSelection>(hdr, content, v);
    case IeId::kRestartIndicator:
      return decode_as<RestartIndicator>(hdr, content, v);
    case IeId::kGenericIdentifierTransport:
      return decode_as<GenericIdentifierTransport>(hdr, content, v);
    case IeId::kMinimumTrafficDescriptor:
      return decode_as<MinimumTrafficDescriptor>(hdr, content, v);
    case IeId::kAlternativeTrafficDescriptor:
      return decode_as<AlternativeTrafficDescriptor>(hdr, content, v);
    case IeId::kAbrSetupParameters:
      return decode_as<AbrSetupParameters>(hdr, content, v);
    case IeId::kAbrAdditionalParameters:
      return decode_as<AbrAdditionalParameters>(hdr, content, v);
    case IeId::kLijCallIdentifier:
      return decode_as<LijCallIdentifier>(hdr, content, v);
    case IeId::kLijParameters:
      return decode_as<LijParameters>(hdr, content, v);
    case IeId::kLeafSequenceNumber:
      return decode_as<LeafSequenceNumber>(hdr, content, v);
    case IeId::kConnectionScopeSelection:
      return decode_as<ConnectionScopeSelection>(hdr, content, v);
    case IeId::kExtendedQosParameters:
      return decode_as<ExtendedQosParameters>(hdr, content, v);
  }
  return std::nullopt;
}

}  // namespace atmsigd::q2931
