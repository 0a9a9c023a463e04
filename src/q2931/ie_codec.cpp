// Contents coding of each IE (the octets after the 4-octet IE header).
// Layouts: Q.2931 §4.5, UNI 3.1 §5.4.5, UNI 4.0 §4-§9, Q.2971, Q.2963.1.
#include <array>
#include <span>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

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
using wire::Writer;

// ---- Identifier-tagged sub-fields ----
// An IE whose contents are (identifier, value) sub-fields has ONE table: a tuple of the
// sub-field descriptions below, in the order the encoder writes them (the order the
// recommendation lists them). The encoder walks the table; the decoder looks each
// identifier up in the same table, so an identifier it does not know is a content error.

// Identifier, then the value in `octets` octets (big endian). `versions`: where the
// encoder writes it and the decoder keeps it (read and dropped elsewhere).
template <class S, class V>
struct Tagged {
  std::uint8_t id;
  std::optional<V> S::*member;
  std::uint8_t octets;
  VersionMask versions = kAllVersions;
};
// Identifier alone: the sub-field is a flag.
template <class S>
struct TagOnly {
  std::uint8_t id;
  bool S::*member;
};
// Identifier, then two values that come together (AAL 3/4 MID range).
template <class S, class V>
struct TaggedPair {
  std::uint8_t id;
  std::optional<V> S::*first;
  std::optional<V> S::*second;
  std::uint8_t octets;  // of each value
};

// Inlined (as the sub-field accessors below): each table entry then is a
// presence test and a constant-width write, not a call with a switch.
[[gnu::always_inline]] inline void put_value(Writer& out, std::uint32_t v, std::uint8_t octets) {
  out.put_be(v, octets);
}
[[gnu::always_inline]] inline bool get_value(Reader& r, std::uint32_t& v, std::uint8_t octets) {
  std::uint8_t b = 0;
  std::uint16_t w = 0;
  switch (octets) {
    case 1:
      if (!r.u8(b)) return false;
      v = b;
      return true;
    case 2:
      if (!r.u16(w)) return false;
      v = w;
      return true;
    case 3:
      return r.u24(v);
    default:
      return r.u32(v);
  }
}

template <class S, class V>
[[gnu::always_inline]] inline void put_sub(Writer& out, const S& s, const Tagged<S, V>& f,
                                           Version v) {
  const auto& val = s.*(f.member);
  if (!val || !in_version(f.versions, v)) return;
  if (f.octets < 4) {  // identifier and value: one write
    const std::uint32_t bits = 8u * f.octets;
    out.put_be(
        std::uint32_t{f.id} << bits | (static_cast<std::uint32_t>(*val) & ((1u << bits) - 1)),
        f.octets + 1u);
    return;
  }
  put8(out, f.id);
  put_value(out, *val, f.octets);
}
template <class S>
[[gnu::always_inline]] inline void put_sub(Writer& out, const S& s, const TagOnly<S>& f, Version) {
  if (s.*(f.member)) put8(out, f.id);
}
template <class S, class V>
[[gnu::always_inline]] inline void put_sub(Writer& out, const S& s, const TaggedPair<S, V>& f,
                                           Version) {
  const auto& a = s.*(f.first);
  const auto& b = s.*(f.second);
  if (!a || !b) return;
  put8(out, f.id);
  put_value(out, *a, f.octets);
  put_value(out, *b, f.octets);
}

// Reads the value(s) of sub-field `f` (its identifier already read and
// matched): true when read, false when truncated.
template <class S, class V>
[[gnu::always_inline]] inline bool get_sub(Reader& r, S& s, const Tagged<S, V>& f, Version v) {
  std::uint32_t x = 0;
  if (!get_value(r, x, f.octets)) return false;
  if (in_version(f.versions, v)) s.*(f.member) = static_cast<V>(x);
  return true;
}
template <class S>
[[gnu::always_inline]] inline bool get_sub(Reader&, S& s, const TagOnly<S>& f, Version) {
  s.*(f.member) = true;
  return true;
}
template <class S, class V>
[[gnu::always_inline]] inline bool get_sub(Reader& r, S& s, const TaggedPair<S, V>& f, Version) {
  std::uint32_t a = 0, b = 0;
  if (!get_value(r, a, f.octets) || !get_value(r, b, f.octets)) return false;
  s.*(f.first) = static_cast<V>(a);
  s.*(f.second) = static_cast<V>(b);
  return true;
}

// From a sub-field table, made at compile time: each identifier's position in
// it plus one, 0 for an identifier it does not list.
template <class... F>
constexpr std::array<std::uint8_t, 256> sub_field_index(const std::tuple<F...>& fields) {
  std::array<std::uint8_t, 256> index{};
  std::apply(
      [&](const auto&... f) {
        std::uint8_t k = 0;
        ((index[f.id] = ++k), ...);
      },
      fields);
  return index;
}

template <class S, class... F>
void put_tagged(Writer& out, const S& s, const std::tuple<F...>& fields, Version v) {
  std::apply([&](const auto&... f) { (put_sub(out, s, f, v), ...); }, fields);
}
// Reads sub-fields to the end of the contents; an unknown identifier or a truncated
// value is a content error. The identifier selects the table's entry by its
// position (one load, then one branch on it), not by a test of each entry's.
template <const auto& Fields, class S>
bool get_tagged(Reader& r, S& s, Version v) {
  static constexpr std::array<std::uint8_t, 256> kIndex = sub_field_index(Fields);
  constexpr std::size_t kCount = std::tuple_size_v<std::remove_cvref_t<decltype(Fields)>>;
  std::uint8_t id = 0;
  while (r.u8(id)) {
    const std::size_t k = kIndex[id];
    const bool read = [&]<std::size_t... K>(std::index_sequence<K...>) {
      bool ok = false;  // stays false for k == 0 (unknown identifier)
      static_cast<void>(
          ((k == K + 1 && (ok = get_sub(r, s, std::get<K>(Fields), v), true)) || ...));
      return ok;
    }
    (std::make_index_sequence<kCount>{});
    if (!read) return false;
  }
  return true;
}

template <class... F>
constexpr bool unique_ids(const std::tuple<F...>& fields) {
  return std::apply(
      [](const auto&... f) {
        const std::array<std::uint8_t, sizeof...(F)> ids{f.id...};
        for (std::size_t i = 0; i < ids.size(); ++i)
          for (std::size_t j = i + 1; j < ids.size(); ++j)
            if (ids[i] == ids[j]) return false;
        return true;
      },
      fields);
}

// ---- AAL parameters (Q.2931 §4.5.5, UNI 3.1 §5.4.5.5) ----
// Per AAL type: the type code (octet 5) and the sub-field table.
template <class T>
struct AalCoding;
template <>
struct AalCoding<Aal1> {
  static constexpr std::uint8_t kType = 0x01;
  static constexpr std::tuple kFields{
      Tagged<Aal1, std::uint8_t>{0x85, &Aal1::subtype, 1},
      Tagged<Aal1, std::uint8_t>{0x86, &Aal1::cbr_rate, 1},
      Tagged<Aal1, std::uint16_t>{0x87, &Aal1::multiplier, 2},
      Tagged<Aal1, std::uint8_t>{0x88, &Aal1::clock_recovery, 1},
      Tagged<Aal1, std::uint8_t>{0x89, &Aal1::error_correction, 1},
      Tagged<Aal1, std::uint16_t>{0x8a, &Aal1::structured_data_blocks, 2},
      Tagged<Aal1, std::uint8_t>{0x8b, &Aal1::partially_filled_cells, 1},
  };
};
// The Mode sub-field (0x83) is a UNI 3.0 coding (linux-atm: "UNI 3.0 only"): kept
// in UNI 3.0 and UNI 3.1 with 3.0 compatibility; plain UNI 3.1, Q.2931 and UNI 4.0
// do not write it and drop a received one.
constexpr VersionMask kModeVersions = kUni30Codings;
template <>
struct AalCoding<Aal34> {
  static constexpr std::uint8_t kType = 0x03;
  static constexpr std::tuple kFields{
      Tagged<Aal34, std::uint16_t>{0x8c, &Aal34::fwd_max_sdu, 2},
      Tagged<Aal34, std::uint16_t>{0x81, &Aal34::bwd_max_sdu, 2},
      TaggedPair<Aal34, std::uint16_t>{0x82, &Aal34::mid_low, &Aal34::mid_high, 2},
      Tagged<Aal34, std::uint8_t>{0x83, &Aal34::mode, 1, kModeVersions},
      Tagged<Aal34, std::uint8_t>{0x84, &Aal34::sscs, 1},
  };
};
template <>
struct AalCoding<Aal5> {
  static constexpr std::uint8_t kType = 0x05;
  static constexpr std::tuple kFields{
      Tagged<Aal5, std::uint16_t>{0x8c, &Aal5::fwd_max_sdu, 2},
      Tagged<Aal5, std::uint16_t>{0x81, &Aal5::bwd_max_sdu, 2},
      Tagged<Aal5, std::uint8_t>{0x83, &Aal5::mode, 1, kModeVersions},
      Tagged<Aal5, std::uint8_t>{0x84, &Aal5::sscs, 1},
  };
};
template <>
struct AalCoding<AalUserDefined> {
  static constexpr std::uint8_t kType = 0x10;  // up to 4 octets of user information
  static constexpr std::size_t kMaxInfo = 4;
};
static_assert(unique_ids(AalCoding<Aal1>::kFields) && unique_ids(AalCoding<Aal34>::kFields) &&
              unique_ids(AalCoding<Aal5>::kFields));

// Read in place (the caller drops the IE on a content error, so a partly
// read alternative is never seen): no copy of it into the variant.
template <class T>
bool get_aal_as(Reader& r, AalParameters& a, Version v) {
  T& x = a.aal.template emplace<T>();
  if constexpr (std::is_same_v<T, AalUserDefined>) {
    if (r.left() > AalCoding<T>::kMaxInfo) return false;
    r.bytes(r.left(), x.info);
  } else {
    if (!get_tagged<AalCoding<T>::kFields>(r, x, v)) return false;
  }
  return true;
}

void put_aal(Writer& out, const AalParameters& a, Version v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        put8(out, AalCoding<T>::kType);
        if constexpr (std::is_same_v<T, AalUserDefined>) {
          wire::put(out, x.info);
        } else {
          put_tagged(out, x, AalCoding<T>::kFields, v);
        }
      },
      a.aal);
}

// The AAL type code selects the alternative of AalParameters::aal; unknown: content error.
bool get_aal(Reader& r, AalParameters& a, Version v) {
  std::uint8_t type = 0;
  if (!r.u8(type)) return false;
  using Alternatives = decltype(a.aal);
  return [&]<std::size_t... K>(std::index_sequence<K...>) {
    bool ok = false;
    const bool known =
        ((type == AalCoding<std::variant_alternative_t<K, Alternatives>>::kType &&
          (ok = get_aal_as<std::variant_alternative_t<K, Alternatives>>(r, a, v), true)) ||
         ...);
    return known && ok;
  }
  (std::make_index_sequence<std::variant_size_v<Alternatives>>{});
}

// ---- ATM traffic descriptor (Q.2931 §4.5.6, UNI 4.0 §4.5.6) ----
using TdRate = Tagged<TrafficParams, std::uint32_t>;
constexpr std::tuple kTdFields{
    TdRate{0x82, &TrafficParams::fwd_pcr_0, 3},
    TdRate{0x83, &TrafficParams::bwd_pcr_0, 3},
    TdRate{0x84, &TrafficParams::fwd_pcr_01, 3},
    TdRate{0x85, &TrafficParams::bwd_pcr_01, 3},
    TdRate{0x88, &TrafficParams::fwd_scr_0, 3},
    TdRate{0x89, &TrafficParams::bwd_scr_0, 3},
    TdRate{0x90, &TrafficParams::fwd_scr_01, 3},
    TdRate{0x91, &TrafficParams::bwd_scr_01, 3},
    TdRate{0x92, &TrafficParams::fwd_mcr_01, 3},
    TdRate{0x93, &TrafficParams::bwd_mcr_01, 3},
    TdRate{0xa0, &TrafficParams::fwd_mbs_0, 3},
    TdRate{0xa1, &TrafficParams::bwd_mbs_0, 3},
    TdRate{0xb0, &TrafficParams::fwd_mbs_01, 3},
    TdRate{0xb1, &TrafficParams::bwd_mbs_01, 3},
    TagOnly<TrafficParams>{0xbe, &TrafficParams::best_effort},
    Tagged<TrafficParams, std::uint8_t>{0xbf, &TrafficParams::tm_options, 1},
};
static_assert(unique_ids(kTdFields));

// ---- Broadband bearer capability ----
void put_bbc(Writer& out, const BroadbandBearerCapability& b) {
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

// ---- Broadband low layer information (Q.2931 §4.5.9, UNI 3.1 §5.4.5.9) ----
// Octet groups: the first octet of a group carries the layer (bits 7-6) and protocol
// (bits 5-1); bit 8 set marks the last octet of a group.
constexpr std::uint8_t kExt = 0x80;
constexpr std::uint8_t kBlliLayer1 = 1, kBlliLayer2 = 2, kBlliLayer3 = 3;
constexpr std::size_t kBlliMaxGroup = 4;  // octets 7, 7a, 7b, 7c
// Protocols whose groups differ from the X.25-like layout (mode, sizes, window):
constexpr std::uint8_t kBlliUserSpecified = 0x10;  // L2 6a / L3 7a: user information
constexpr std::uint8_t kBlliTr9577 = 0x0b;         // L3: initial protocol identifier (IPI)
constexpr std::uint8_t kIpiSnap = 0x80;            // IPI of IEEE 802.1 SNAP: octets 8.1-8.5

constexpr std::uint8_t blli_head(std::uint8_t layer, std::uint8_t protocol, bool last) {
  return static_cast<std::uint8_t>((last ? kExt : 0) | layer << 5 | (protocol & 0x1f));
}

// Reads one octet group ending with an octet whose extension bit is set.
bool get_group(Reader& r, std::uint8_t* g, std::size_t max, std::size_t& n) {
  n = 0;
  std::uint8_t o = 0;
  do {
    if (n == max || !r.u8(o)) return false;
    g[n++] = o;
  } while ((o & kExt) == 0);
  return true;
}

void put_blli_l2(Writer& out, const BlliLayer2& l2) {
  if ((l2.protocol & 0x1f) == kBlliUserSpecified) {
    put8(out, blli_head(kBlliLayer2, l2.protocol, !l2.user_info));
    if (l2.user_info) put8(out, kExt | (*l2.user_info & 0x7f));
    return;
  }
  const bool has6a = l2.mode.has_value() || l2.window_size.has_value();
  put8(out, blli_head(kBlliLayer2, l2.protocol, !has6a));
  if (!has6a) return;
  put8(out, (l2.window_size ? 0 : kExt) | (l2.mode.value_or(0) & 0x03) << 5 | (l2.q933 & 0x03));
  if (l2.window_size) put8(out, kExt | (*l2.window_size & 0x7f));
}
bool get_blli_l2(const std::uint8_t* g, std::size_t n, BlliLayer2& l2) {
  l2.protocol = g[0] & 0x1f;
  if (l2.protocol == kBlliUserSpecified) {
    if (n > 2) return false;
    if (n == 2) l2.user_info = g[1] & 0x7f;
    return true;
  }
  if (n > 3) return false;
  if (n >= 2) {
    l2.mode = (g[1] >> 5) & 0x03;
    l2.q933 = g[1] & 0x03;
  }
  if (n == 3) l2.window_size = g[2] & 0x7f;
  return true;
}

void put_blli_l3(Writer& out, const BlliLayer3& l3) {
  const std::uint8_t proto = l3.protocol & 0x1f;
  if (proto == kBlliUserSpecified) {
    put8(out, blli_head(kBlliLayer3, proto, !l3.user_info));
    if (l3.user_info) put8(out, kExt | (*l3.user_info & 0x0f));
  } else if (proto == kBlliTr9577) {
    put8(out, blli_head(kBlliLayer3, proto, !l3.ipi));
    if (!l3.ipi) return;
    put8(out, (*l3.ipi >> 1) & 0x7f);
    put8(out, kExt | (*l3.ipi & 0x01) << 6);
    if (*l3.ipi == kIpiSnap && l3.snap_oui && l3.snap_pid) {
      put8(out, kExt);
      put24(out, *l3.snap_oui);
      put16(out, *l3.snap_pid);
    }
  } else {
    const bool has7a = l3.mode || l3.default_packet_size || l3.packet_window_size;
    const bool has7b = l3.default_packet_size || l3.packet_window_size;
    put8(out, blli_head(kBlliLayer3, proto, !has7a));
    if (has7a) put8(out, (has7b ? 0 : kExt) | (l3.mode.value_or(0) & 0x03) << 5);
    if (has7b)
      put8(out, (l3.packet_window_size ? 0 : kExt) | (l3.default_packet_size.value_or(0) & 0x0f));
    if (l3.packet_window_size) put8(out, kExt | (*l3.packet_window_size & 0x7f));
  }
}
// `r` is positioned after the group, where the SNAP octets of IPI 0x80 follow.
bool get_blli_l3(Reader& r, const std::uint8_t* g, std::size_t n, BlliLayer3& l3) {
  l3.protocol = g[0] & 0x1f;
  if (l3.protocol == kBlliUserSpecified) {
    if (n > 2) return false;
    if (n == 2) l3.user_info = g[1] & 0x0f;
    return true;
  }
  if (l3.protocol != kBlliTr9577) {
    if (n >= 2) l3.mode = (g[1] >> 5) & 0x03;
    if (n >= 3) l3.default_packet_size = g[2] & 0x0f;
    if (n == 4) l3.packet_window_size = g[3] & 0x7f;
    return true;
  }
  if (n == 1) return true;
  if (n != 3) return false;
  l3.ipi = static_cast<std::uint8_t>((g[1] & 0x7f) << 1 | (g[2] >> 6 & 0x01));
  if (*l3.ipi == kIpiSnap && r.left() >= 6) {
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
  return true;
}

void put_blli(Writer& out, const BroadbandLowLayerInfo& b) {
  if (b.l1_protocol) put8(out, blli_head(kBlliLayer1, *b.l1_protocol, true));
  if (b.l2) put_blli_l2(out, *b.l2);
  if (b.l3) put_blli_l3(out, *b.l3);
}

// Layers in ascending order, each at most once.
bool get_blli(Reader& r, BroadbandLowLayerInfo& b) {
  int last_layer = 0;
  while (!r.empty()) {
    std::uint8_t g[kBlliMaxGroup] = {};
    std::size_t n = 0;
    if (!get_group(r, g, kBlliMaxGroup, n)) return false;
    const int layer = (g[0] >> 5) & 0x03;
    if (layer == 0 || layer <= last_layer) return false;
    last_layer = layer;
    if (layer == kBlliLayer1) {
      if (n != 1) return false;
      b.l1_protocol = g[0] & 0x1f;
    } else if (layer == kBlliLayer2) {
      if (!get_blli_l2(g, n, b.l2.emplace())) return false;
    } else if (!get_blli_l3(r, g, n, b.l3.emplace())) {
      return false;
    }
  }
  return b.l1_protocol || b.l2 || b.l3;
}

// ---- Party number / subaddress ----
template <IeId Id>
void put_number(Writer& out, const PartyNumberIe<Id>& n) {
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
void put_subaddress(Writer& out, const PartySubaddressIe<Id>& s) {
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

// ---- Extended QoS (UNI 4.0 §9.1.2), ABR setup / additional (UNI 4.0 §10.1.2) ----
constexpr std::tuple kExtQosFields{
    Tagged<ExtendedQosParameters, std::uint32_t>{0x94, &ExtendedQosParameters::fwd_acceptable_cdv,
                                                 3},
    Tagged<ExtendedQosParameters, std::uint32_t>{0x95, &ExtendedQosParameters::bwd_acceptable_cdv,
                                                 3},
    Tagged<ExtendedQosParameters, std::uint32_t>{0x96, &ExtendedQosParameters::fwd_cumulative_cdv,
                                                 3},
    Tagged<ExtendedQosParameters, std::uint32_t>{0x97, &ExtendedQosParameters::bwd_cumulative_cdv,
                                                 3},
    Tagged<ExtendedQosParameters, std::uint8_t>{0xa2, &ExtendedQosParameters::fwd_acceptable_clr,
                                                1},
    Tagged<ExtendedQosParameters, std::uint8_t>{0xa3, &ExtendedQosParameters::bwd_acceptable_clr,
                                                1},
};
// MDCR (af-cs-0147; coding as ngatm's): both sub-fields, nothing else.
constexpr std::tuple kMdcrFields{
    Tagged<MinimumDesiredCellRate, std::uint32_t>{0x00, &MinimumDesiredCellRate::fwd_mdcr, 3},
    Tagged<MinimumDesiredCellRate, std::uint32_t>{0x02, &MinimumDesiredCellRate::bwd_mdcr, 3},
};
constexpr std::tuple kAbrSetupFields{
    Tagged<AbrSetupParameters, std::uint32_t>{0xc2, &AbrSetupParameters::fwd_icr, 3},
    Tagged<AbrSetupParameters, std::uint32_t>{0xc3, &AbrSetupParameters::bwd_icr, 3},
    Tagged<AbrSetupParameters, std::uint32_t>{0xc4, &AbrSetupParameters::fwd_tbe, 3},
    Tagged<AbrSetupParameters, std::uint32_t>{0xc5, &AbrSetupParameters::bwd_tbe, 3},
    Tagged<AbrSetupParameters, std::uint32_t>{0xc6, &AbrSetupParameters::crm_frtt, 3},
    Tagged<AbrSetupParameters, std::uint8_t>{0xc8, &AbrSetupParameters::fwd_rif, 1},
    Tagged<AbrSetupParameters, std::uint8_t>{0xc9, &AbrSetupParameters::bwd_rif, 1},
    Tagged<AbrSetupParameters, std::uint8_t>{0xca, &AbrSetupParameters::fwd_rdf, 1},
    Tagged<AbrSetupParameters, std::uint8_t>{0xcb, &AbrSetupParameters::bwd_rdf, 1},
};
constexpr std::tuple kAbrAdditionalFields{
    Tagged<AbrAdditionalParameters, std::uint32_t>{0xc2, &AbrAdditionalParameters::fwd_record, 4},
    Tagged<AbrAdditionalParameters, std::uint32_t>{0xc3, &AbrAdditionalParameters::bwd_record, 4},
};
static_assert(unique_ids(kExtQosFields) && unique_ids(kAbrSetupFields) &&
              unique_ids(kAbrAdditionalFields));

// ---- End-to-end transit delay (Q.2931 §4.5.13, UNI 4.0 §9.1.1) ----
constexpr std::tuple kTransitDelayFields{
    Tagged<EndToEndTransitDelay, std::uint16_t>{0x01, &EndToEndTransitDelay::cumulative, 2},
    Tagged<EndToEndTransitDelay, std::uint16_t>{0x03, &EndToEndTransitDelay::maximum, 2},
    TagOnly<EndToEndTransitDelay>{0x0a, &EndToEndTransitDelay::network_generated},
};
static_assert(unique_ids(kTransitDelayFields));

// ---- Contents encoders, one overload per IE type ----
void put_body(Writer& out, const AalParameters& x, Version v) {
  put_aal(out, x, v);
}
template <IeId Id>
void put_body(Writer& out, const TrafficDescriptorIe<Id>& x, Version v) {
  put_tagged(out, x.td, kTdFields, v);
}
void put_body(Writer& out, const BroadbandBearerCapability& x, Version) {
  put_bbc(out, x);
}
void put_body(Writer& out, const BroadbandHighLayerInfo& x, Version) {
  put8(out, 0x80 | (x.type & 0x7f));
  wire::put(out, x.info);
}
void put_body(Writer& out, const BroadbandLowLayerInfo& x, Version) {
  put_blli(out, x);
}
void put_body(Writer& out, const BroadbandRepeatIndicator& x, Version) {
  put8(out, 0x80 | (x.indicator & 0x0f));
}
void put_body(Writer& out, const CallState& x, Version) {
  put8(out, x.state & 0x3f);
}
template <IeId Id>
void put_body(Writer& out, const PartyNumberIe<Id>& x, Version) {
  put_number(out, x);
}
template <IeId Id>
void put_body(Writer& out, const PartySubaddressIe<Id>& x, Version) {
  put_subaddress(out, x);
}
void put_body(Writer& out, const Cause& x, Version) {
  put8(out, 0x80 | (static_cast<std::uint8_t>(x.location) & 0x0f));
  put8(out, 0x80 | (x.value & 0x7f));
  wire::put(out, x.diagnostics);
}
void put_body(Writer& out, const ConnectionIdentifier& x, Version) {
  put8(out, 0x80 | (x.vp_associated & 0x03) << 3 | (x.exclusivity & 0x07));
  put16(out, x.vpci);
  put16(out, x.vci);
}
void put_body(Writer& out, const EndToEndTransitDelay& x, Version v) {
  put_tagged(out, x, kTransitDelayFields, v);
}
void put_body(Writer& out, const QosParameter& x, Version) {
  put8(out, x.fwd_class);
  put8(out, x.bwd_class);
}
void put_body(Writer& out, const ExtendedQosParameters& x, Version v) {
  put8(out, x.origin);
  put_tagged(out, x, kExtQosFields, v);
}
void put_body(Writer& out, const RestartIndicator& x, Version) {
  put8(out, 0x80 | (x.restart_class & 0x07));
}
void put_body(Writer& out, const BroadbandSendingComplete&, Version) {
  put8(out, 0xa1);
}
void put_body(Writer& out, const TransitNetworkSelection& x, Version) {
  put8(out, 0x80 | (x.type & 0x07) << 4 | (x.plan & 0x0f));
  wire::put(out, {reinterpret_cast<const std::uint8_t*>(x.network_id.data()), x.network_id.size()});
}
void put_body(Writer& out, const NotificationIndicator& x, Version) {
  wire::put(out, x.description);
}
void put_body(Writer& out, const OamTrafficDescriptor& x, Version) {
  put8(out, 0x80 | (x.shaping & 0x03) << 5 | (x.compliance ? 0x10 : 0) | (x.fault_mgmt & 0x07));
  put8(out, 0x80 | (x.fwd_f5 & 0x07) << 4 | (x.bwd_f5 & 0x07));
}
void put_body(Writer& out, const EndpointReference& x, Version) {
  put8(out, x.type);
  put16(out, (x.flag ? 0x8000u : 0u) | (x.value & 0x7fffu));
}
void put_body(Writer& out, const EndpointState& x, Version) {
  put8(out, x.state & 0x3f);
}
void put_body(Writer& out, const BroadbandReportType& x, Version) {
  put8(out, x.type);
}
void put_body(Writer& out, const AbrSetupParameters& x, Version v) {
  put_tagged(out, x, kAbrSetupFields, v);
}
void put_body(Writer& out, const MinimumDesiredCellRate& x, Version v) {
  put8(out, x.origin);
  put_tagged(out, x, kMdcrFields, v);
}
void put_body(Writer& out, const AbrAdditionalParameters& x, Version v) {
  put_tagged(out, x, kAbrAdditionalFields, v);
}
void put_body(Writer& out, const GenericIdentifierTransport& x, Version) {
  put8(out, x.standard);
  for (const auto& id : x.identifiers) {
    put8(out, id.type);
    put8(out, id.value.size());
    wire::put(out, id.value);
  }
}
void put_body(Writer& out, const LijCallIdentifier& x, Version) {
  put8(out, 0x80 | (x.type & 0x0f));
  put32(out, x.value);
}
void put_body(Writer& out, const LijParameters& x, Version) {
  put8(out, 0x80 | (x.screening & 0x0f));
}
void put_body(Writer& out, const LeafSequenceNumber& x, Version) {
  put32(out, x.value);
}
void put_body(Writer& out, const ConnectionScopeSelection& x, Version) {
  put8(out, 0x80 | (x.type & 0x0f));
  put8(out, x.level);
}
template <IeId Id>
void put_body(Writer& out, const NarrowbandIe<Id>& x, Version) {
  wire::put(out, x.content);
}
void put_body(Writer& out, const UserUser& x, Version) {
  put8(out, x.protocol);
  wire::put(out, x.info);
}
template <IeId Id>
void put_body(Writer& out, const ShiftIe<Id>& x, Version) {
  put8(out, 0x80 | (x.codeset & 0x07));
}
void put_body(Writer& out, const UnknownIe& x, Version) {
  wire::put(out, x.content);
}

// ---- Contents decoders ----
bool get_body(Reader& r, AalParameters& x, Version v) {
  return get_aal(r, x, v);
}
template <IeId Id>
bool get_body(Reader& r, TrafficDescriptorIe<Id>& x, Version v) {
  return get_tagged<kTdFields>(r, x.td, v);
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
bool get_body(Reader& r, EndToEndTransitDelay& x, Version v) {
  return get_tagged<kTransitDelayFields>(r, x, v);
}
bool get_body(Reader& r, QosParameter& x, Version) {
  return r.u8(x.fwd_class) && r.u8(x.bwd_class);
}
bool get_body(Reader& r, ExtendedQosParameters& x, Version v) {
  return r.u8(x.origin) && get_tagged<kExtQosFields>(r, x, v);
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
bool get_body(Reader& r, BroadbandReportType& x, Version) {
  return r.u8(x.type);
}
bool get_body(Reader& r, AbrSetupParameters& x, Version v) {
  return get_tagged<kAbrSetupFields>(r, x, v);
}
bool get_body(Reader& r, MinimumDesiredCellRate& x, Version v) {
  return r.u8(x.origin) && x.origin <= 1 && get_tagged<kMdcrFields>(r, x, v) && x.fwd_mdcr &&
         x.bwd_mdcr;
}
bool get_body(Reader& r, AbrAdditionalParameters& x, Version v) {
  return get_tagged<kAbrAdditionalFields>(r, x, v);
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

// Narrowband IEs: their Q.931 octets, untouched (the table gives the lengths).
template <IeId Id>
bool get_body(Reader& r, NarrowbandIe<Id>& x, Version) {
  return r.bytes(r.left(), x.content);
}
bool get_body(Reader& r, UserUser& x, Version) {
  return r.u8(x.protocol) && r.bytes(r.left(), x.info);
}
// Codesets 1-3 are reserved (Q.2931 §4.5.3): a content error.
constexpr std::uint8_t kFirstOtherCodeset = 4;
template <IeId Id>
bool get_body(Reader& r, ShiftIe<Id>& x, Version) {
  std::uint8_t o = 0;
  if (!r.u8(o)) return false;
  x.codeset = o & 0x07;
  return x.codeset == 0 || x.codeset >= kFirstOtherCodeset;
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

// The decoder's path: the IE built in its place at the end of the list.
template <class T>
bool append_as(IeList& ies, const IeHeader& hdr, ByteView content, Version v) {
  T& x = *std::get_if<T>(&ies.emplace_back(std::in_place_type<T>));
  x.hdr = hdr;
  Reader r(content);
  if (get_body(r, x, v) && r.empty()) return true;  // no octets the coding does not define
  ies.pop_back();
  return false;
}

// ---- Decoder dispatch, derived from kIeSpecs and the alternatives of Ie ----
using IeDecoder = std::optional<Ie> (*)(const IeHeader&, ByteView, Version);
using IeAlternatives = std::make_index_sequence<std::variant_size_v<Ie>>;

template <class T>
constexpr bool typed_alternative_for(IeId id) {
  if constexpr (std::is_same_v<T, UnknownIe>) {
    return false;
  } else {
    return T::kId == id;
  }
}
// How many typed alternatives of Ie carry identifier `id`.
template <std::size_t... K>
constexpr int alternatives_for(IeId id, std::index_sequence<K...>) {
  return (int{typed_alternative_for<std::variant_alternative_t<K, Ie>>(id)} + ...);
}
// (A found flag, not a comparison of the function pointer with nullptr: GCC
// cannot evaluate the latter in a constant expression under
// -fsanitize=undefined.)
template <class T>
constexpr void typed_decoder(IeId id, IeDecoder& d, bool& found) {
  if constexpr (!std::is_same_v<T, UnknownIe>) {
    if (!found && T::kId == id) {
      d = &decode_as<T>;
      found = true;
    }
  }
}
template <std::size_t... K>
constexpr IeDecoder decoder_for(IeId id, std::index_sequence<K...>) {
  IeDecoder d = nullptr;
  bool found = false;
  (typed_decoder<std::variant_alternative_t<K, Ie>>(id, d, found), ...);
  return d;
}
template <class T>
constexpr void typed_appender(IeId id, IeAppender& d, bool& found) {
  if constexpr (!std::is_same_v<T, UnknownIe>) {
    if (!found && T::kId == id) {
      d = &append_as<T>;
      found = true;
    }
  }
}
template <std::size_t... K>
constexpr IeAppender appender_for(IeId id, std::index_sequence<K...>) {
  IeAppender d = nullptr;
  bool found = false;
  (typed_appender<std::variant_alternative_t<K, Ie>>(id, d, found), ...);
  return d;
}

// Row i of kIeSpecs decodes with kIeDecoders[i] (kIeAppenders[i] in place).
constexpr auto kIeDecoders = [] {
  std::array<IeDecoder, kIeSpecs.size()> d{};
  for (std::size_t i = 0; i < kIeSpecs.size(); ++i)
    d[i] = decoder_for(kIeSpecs[i].id, IeAlternatives{});
  return d;
}();
// The decoder's per-IE row: the length limits beside the appender (one
// compact row read per IE, not kIeSpecs' wide one).
constexpr auto kIeAppenders = [] {
  std::array<AppendRow, kIeSpecs.size()> d{};
  for (std::size_t i = 0; i < kIeSpecs.size(); ++i)
    d[i] = {appender_for(kIeSpecs[i].id, IeAlternatives{}), kIeSpecs[i].min_len,
            kIeSpecs[i].max_len};
  return d;
}();

constexpr bool every_row_has_one_decoder() {
  for (const auto& s : kIeSpecs)
    if (alternatives_for(s.id, IeAlternatives{}) != 1) return false;
  return true;
}
static_assert(every_row_has_one_decoder(), "each IE row is decoded by exactly one Ie alternative");
// With the above, no typed alternative is left without a row (UnknownIe is the untyped one).
static_assert(std::variant_size_v<Ie> == kIeSpecs.size() + 1);

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

void encode_ie_into(Writer& out, const Ie& ie, Version v) {
  const std::size_t len_at = out.size() + 2;
  // One dispatch on the IE's type: identifier, octet 2, the length patched below.
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        std::uint8_t id = 0;
        if constexpr (std::is_same_v<T, UnknownIe>) {
          id = x.id;
        } else {
          id = static_cast<std::uint8_t>(T::kId);
        }
        const IeHeader& h = x.hdr;
        // Identifier, octet 2, length 0 (patched below): one 4-octet write.
        const std::uint32_t octet2 = 0x80 | static_cast<std::uint32_t>(h.coding) << 5 |
                                     (h.follow_instructions ? 0x10 : 0) |
                                     (static_cast<std::uint32_t>(h.action) & 0x07);
        put32(out, std::uint32_t{id} << 24 | octet2 << 16);
        put_body(out, x, v);
      },
      ie);
  const std::size_t len = out.size() - len_at - 2;
  if (len > 0xffff) throw std::length_error("q2931: IE longer than 65535 octets");
  out.patch(len_at, static_cast<std::uint8_t>(len >> 8));
  out.patch(len_at + 1, static_cast<std::uint8_t>(len));
}

void encode_ie_into(Bytes& out, const Ie& ie, Version v) {
  std::uint8_t scratch[256];
  Bytes spill;
  Writer w(scratch, sizeof scratch, spill);
  encode_ie_into(w, ie, v);
  bool spilled = false;
  const ByteView b = w.take(spilled);
  out.insert(out.end(), b.begin(), b.end());
}

Bytes encode_ie(const Ie& ie, Version v) {
  Bytes out;
  encode_ie_into(out, ie, v);
  return out;
}

// Constant-initialized (no start-up code), read by the inline decode_ie_append.
const std::array<AppendRow, kIeSpecs.size()> kIeAppendRows = kIeAppenders;

std::optional<Ie> decode_ie(std::uint8_t id, const IeHeader& hdr, ByteView content, Version v) {
  const IeSpec* spec = ie_spec(id);
  if (spec == nullptr) return std::nullopt;
  return kIeDecoders[static_cast<std::size_t>(spec - kIeSpecs.data())](hdr, content, v);
}

}  // namespace atmsigd::q2931
