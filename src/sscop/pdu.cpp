#include "atmsigd/sscop/pdu.hpp"

#include <cstddef>

namespace atmsigd::sscop {
namespace {

constexpr std::uint8_t kTypeMask = 0x0f;
constexpr std::uint8_t kSourceBit = 0x10;

// Length of the trailer (octets after the info field) and whether the PDU has an
// info field / pad length.
struct Layout {
  std::size_t trailer = 0;
  bool has_info = false;
  bool variable_list = false;  // STAT
};

Layout layout(PduType t, Mode mode) {
  switch (t) {
    case PduType::kBgn:
    case PduType::kBgak:
    case PduType::kBgrej:
    case PduType::kEnd:
    case PduType::kRs:
      return {8, true, false};
    case PduType::kEndak:
    case PduType::kRsak:
      return {mode == Mode::kQSaal1 ? std::size_t{4} : std::size_t{8}, false, false};
    case PduType::kEr:
    case PduType::kErak:
    case PduType::kPoll:
      return {8, false, false};
    case PduType::kSdp:
      return {8, true, false};
    case PduType::kSd:
    case PduType::kUd:
    case PduType::kMd:
      return {4, true, false};
    case PduType::kStat:
      return {12, false, true};
    case PduType::kUstat:
      return {16, false, false};
  }
  return {4, false, false};
}

std::uint8_t wire_code(PduType t) {
  return t == PduType::kSdp ? std::uint8_t{0x9} : static_cast<std::uint8_t>(t);
}

void put32(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// Last trailer word: PL(2) r(1) S(1) type(4) | 24-bit field.
void put_type_word(Bytes& out, std::uint8_t pad, bool s, PduType t, std::uint32_t field) {
  const std::uint32_t first = (static_cast<std::uint32_t>(pad & 3) << 6) |
                              (s ? std::uint32_t{kSourceBit} : 0u) | wire_code(t);
  put32(out, (first << 24) | (field & kSeqMask));
}

std::uint32_t get32(ByteView b, std::size_t off) {
  return (static_cast<std::uint32_t>(b[off]) << 24) |
         (static_cast<std::uint32_t>(b[off + 1]) << 16) |
         (static_cast<std::uint32_t>(b[off + 2]) << 8) | static_cast<std::uint32_t>(b[off + 3]);
}

}  // namespace

std::string_view to_string(PduType t) {
  switch (t) {
    case PduType::kBgn:
      return "BGN";
    case PduType::kBgak:
      return "BGAK";
    case PduType::kEnd:
      return "END";
    case PduType::kEndak:
      return "ENDAK";
    case PduType::kRs:
      return "RS";
    case PduType::kRsak:
      return "RSAK";
    case PduType::kBgrej:
      return "BGREJ";
    case PduType::kSd:
      return "SD";
    case PduType::kEr:
      return "ER";
    case PduType::kPoll:
      return "POLL";
    case PduType::kStat:
      return "STAT";
    case PduType::kUstat:
      return "USTAT";
    case PduType::kUd:
      return "UD";
    case PduType::kMd:
      return "MD";
    case PduType::kErak:
      return "ERAK";
    case PduType::kSdp:
      return "SDP";
  }
  return "?";
}

void encode_to(const Pdu& p, Mode mode, Bytes& out) {
  if (mode == Mode::kQSaal1 && (p.type == PduType::kEr || p.type == PduType::kErak)) return;
  if (mode == Mode::kQ2110 && p.type == PduType::kSdp) return;
  const Layout lay = layout(p.type, mode);
  std::uint8_t pad = 0;
  if (lay.has_info && !p.info.empty()) {
    pad = static_cast<std::uint8_t>((4 - p.info.size() % 4) % 4);
    out.insert(out.end(), p.info.begin(), p.info.end());
    out.insert(out.end(), pad, std::uint8_t{0});
  }
  switch (p.type) {
    case PduType::kBgn:
    case PduType::kRs:
    case PduType::kEr:
      put32(out, p.sq);
      // Q.SAAL1: a BGN sent by SSCOP itself (re-establishment) carries the S
      // bit as END does (FreeBSD HARP sscop_send_bgn).
      put_type_word(out, pad, mode == Mode::kQSaal1 && p.type == PduType::kBgn && p.source_sscop,
                    p.type, p.mr);
      break;
    case PduType::kBgak:
    case PduType::kErak:
      put32(out, 0);
      put_type_word(out, pad, false, p.type, p.mr);
      break;
    case PduType::kRsak:
      if (mode == Mode::kQ2110) {
        put32(out, 0);
        put_type_word(out, pad, false, p.type, p.mr);
      } else {
        put_type_word(out, pad, false, p.type, 0);
      }
      break;
    case PduType::kBgrej:
      put32(out, 0);
      put_type_word(out, pad, false, p.type, 0);
      break;
    case PduType::kEnd:
      put32(out, 0);
      put_type_word(out, pad, p.source_sscop, p.type, 0);
      break;
    case PduType::kEndak:
      if (mode == Mode::kQ2110) put32(out, 0);
      put_type_word(out, pad, false, p.type, 0);
      break;
    case PduType::kSd:
      put_type_word(out, pad, false, p.type, p.ns);
      break;
    case PduType::kSdp:
    case PduType::kPoll:
      put32(out, p.ps & kSeqMask);
      put_type_word(out, pad, false, p.type, p.ns);
      break;
    case PduType::kStat:
      for (std::uint32_t e : p.list) put32(out, e & kSeqMask);
      put32(out, p.ps & kSeqMask);
      put32(out, p.mr & kSeqMask);
      put_type_word(out, pad, false, p.type, p.nr);
      break;
    case PduType::kUstat:
      put32(out, p.list.size() > 0 ? p.list[0] & kSeqMask : 0);
      put32(out, p.list.size() > 1 ? p.list[1] & kSeqMask : 0);
      put32(out, p.mr & kSeqMask);
      put_type_word(out, pad, false, p.type, p.nr);
      break;
    case PduType::kUd:
    case PduType::kMd:
      put_type_word(out, pad, false, p.type, 0);
      break;
  }
}

Bytes encode(const Pdu& pdu, Mode mode) {
  Bytes out;
  out.reserve(pdu.info.size() + 16 + pdu.list.size() * 4);
  encode_to(pdu, mode, out);
  return out;
}

std::variant<Pdu, DecodeError> decode(ByteView b, Mode mode) {
  Pdu p;
  ByteView info;
  if (auto err = decode_view(b, mode, p, info)) return std::move(*err);
  p.info.assign(info.begin(), info.end());
  return p;
}

// decode_view() of every PDU but a well-formed SD: out of line, so that the
// SD's way keeps no registers and no frame of its own.
[[gnu::noinline]] std::optional<DecodeError> decode_view_other(ByteView b, Mode mode, Pdu& p,
                                                               ByteView& info) {
  const std::size_t n = b.size();
  if (n < 4) return DecodeError{'U', "PDU shorter than 4 octets (" + std::to_string(n) + ")"};
  if (n % 4 != 0)
    return DecodeError{'U', "PDU length " + std::to_string(n) + " not a multiple of 4"};
  const std::uint8_t first = b[n - 4];
  const std::uint8_t code = first & kTypeMask;
  const std::uint8_t pad = first >> 6;
  // Every field afresh; the list keeps its capacity (no allocation per STAT).
  p.sq = 0;
  p.mr = p.ns = p.ps = p.nr = 0;
  p.source_sscop = false;
  p.list.clear();
  p.info.clear();
  info = {};
  switch (code) {
    case 0x1:
      p.type = PduType::kBgn;
      break;
    case 0x2:
      p.type = PduType::kBgak;
      break;
    case 0x3:
      p.type = PduType::kEnd;
      break;
    case 0x4:
      p.type = PduType::kEndak;
      break;
    case 0x5:
      p.type = PduType::kRs;
      break;
    case 0x6:
      p.type = PduType::kRsak;
      break;
    case 0x7:
      p.type = PduType::kBgrej;
      break;
    case 0x8:
      p.type = PduType::kSd;
      break;
    case 0x9:
      p.type = mode == Mode::kQSaal1 ? PduType::kSdp : PduType::kEr;
      break;
    case 0xa:
      p.type = PduType::kPoll;
      break;
    case 0xb:
      p.type = PduType::kStat;
      break;
    case 0xc:
      p.type = PduType::kUstat;
      break;
    case 0xd:
      p.type = PduType::kUd;
      break;
    case 0xe:
      p.type = PduType::kMd;
      break;
    case 0xf:
      if (mode == Mode::kQSaal1) return DecodeError{'U', "PDU type 0xf (ERAK) unknown in Q.SAAL1"};
      p.type = PduType::kErak;
      break;
    default:
      return DecodeError{'U', "unknown PDU type " + std::to_string(code)};
  }
  Layout lay = layout(p.type, mode);
  // Q.SAAL1's ENDAK and RSAK are one word (HARP); linux-atm sends them with
  // the Q.2110 layout (a reserved word first) in UNI 3.0 mode too: take both.
  if (mode == Mode::kQSaal1 && (p.type == PduType::kEndak || p.type == PduType::kRsak) && n == 8)
    lay.trailer = 8;
  if (n < lay.trailer) {
    return DecodeError{'U', std::string(to_string(p.type)) + " shorter than its trailer (" +
                                std::to_string(n) + " < " + std::to_string(lay.trailer) + ")"};
  }
  const std::size_t body = n - lay.trailer;  // a multiple of 4
  if (lay.has_info) {
    if (body == 0 && pad != 0) {
      return DecodeError{'U', std::string(to_string(p.type)) + " pad length " +
                                  std::to_string(pad) + " without an information field"};
    }
    if (body > kMaxInfo + 3) {
      return DecodeError{'U', std::string(to_string(p.type)) + " information field too long"};
    }
    info = b.first(body - pad);
  } else if (lay.variable_list) {
    for (std::size_t off = 0; off < body; off += 4) p.list.push_back(get32(b, off) & kSeqMask);
  } else if (body != 0) {
    return DecodeError{'U', std::string(to_string(p.type)) + " length " + std::to_string(n) +
                                ", expected " + std::to_string(lay.trailer)};
  }
  const std::uint32_t last = get32(b, n - 4) & kSeqMask;
  switch (p.type) {
    case PduType::kBgn:
    case PduType::kRs:
    case PduType::kEr:
      p.sq = b[n - 5];
      p.mr = last;
      if (mode == Mode::kQSaal1 && p.type == PduType::kBgn) {
        p.source_sscop = (first & kSourceBit) != 0;
      }
      break;
    case PduType::kBgak:
    case PduType::kErak:
      p.mr = last;
      break;
    case PduType::kRsak:
      if (mode == Mode::kQ2110) p.mr = last;
      break;
    case PduType::kEnd:
      p.source_sscop = (first & kSourceBit) != 0;
      break;
    case PduType::kBgrej:
    case PduType::kEndak:
    case PduType::kUd:
    case PduType::kMd:
      break;
    case PduType::kSd:
      p.ns = last;
      break;
    case PduType::kSdp:
    case PduType::kPoll:
      p.ns = last;
      p.ps = get32(b, n - 8) & kSeqMask;
      break;
    case PduType::kStat:
      p.nr = last;
      p.mr = get32(b, n - 8) & kSeqMask;
      p.ps = get32(b, n - 12) & kSeqMask;
      break;
    case PduType::kUstat:
      p.nr = last;
      p.mr = get32(b, n - 8) & kSeqMask;
      p.list.push_back(get32(b, n - 16) & kSeqMask);
      p.list.push_back(get32(b, n - 12) & kSeqMask);
      break;
  }
  return std::nullopt;
}

std::optional<DecodeError> decode_view(ByteView b, Mode mode, Pdu& p, ByteView& info) {
  // The PDU of every message first and in one go.
  if (decode_sd_view(b, p, info)) return std::nullopt;
  return decode_view_other(b, mode, p, info);
}

std::string describe(const Pdu& p) {
  return describe(p, p.info);
}

std::string describe(const Pdu& p, ByteView info) {
  std::string s(to_string(p.type));
  auto num = [&s](const char* name, std::uint32_t v) {
    s += ' ';
    s += name;
    s += '=';
    s += std::to_string(v);
  };
  switch (p.type) {
    case PduType::kBgn:
    case PduType::kRs:
    case PduType::kEr:
      num("N(SQ)", p.sq);
      num("N(MR)", p.mr);
      break;
    case PduType::kBgak:
    case PduType::kRsak:
    case PduType::kErak:
      num("N(MR)", p.mr);
      break;
    case PduType::kEnd:
      s += p.source_sscop ? " S=SSCOP" : " S=user";
      break;
    case PduType::kBgrej:
    case PduType::kEndak:
    case PduType::kUd:
    case PduType::kMd:
      break;
    case PduType::kSd:
      num("N(S)", p.ns);
      break;
    case PduType::kSdp:
    case PduType::kPoll:
      num("N(PS)", p.ps);
      num("N(S)", p.ns);
      break;
    case PduType::kStat:
    case PduType::kUstat:
      if (p.type == PduType::kStat) num("N(PS)", p.ps);
      num("N(MR)", p.mr);
      num("N(R)", p.nr);
      s += " list=[";
      for (std::size_t i = 0; i < p.list.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(p.list[i]);
      }
      s += ']';
      break;
  }
  if (!info.empty()) num("len", static_cast<std::uint32_t>(info.size()));
  return s;
}

}  // namespace atmsigd::sscop
