// SSCOP PDU coding (ITU-T Q.2110 clause 7, and the Q.SAAL1 draft used by UNI 3.0).
//
// Every SSCOP PDU is a multiple of 4 octets and carries its control fields in a
// trailer at the END of the PDU:
//
//   PDU    trailer words (big-endian, last word last)              info field
//   BGN    rsvd(24) N(SQ)(8) | PL(2) r(2) type(4) N(MR)(24)        SSCOP-UU
//   BGAK   rsvd(32)          | PL r type N(MR)                     SSCOP-UU
//   BGREJ  rsvd(32)          | PL r type rsvd(24)                  SSCOP-UU
//   END    rsvd(32)          | PL r(1) S(1) type rsvd(24)          SSCOP-UU
//   ENDAK  rsvd(32)          | r type rsvd(24)   (Q.SAAL1: last word only)
//   RS     rsvd(24) N(SQ)    | PL r type N(MR)                     SSCOP-UU
//   RSAK   rsvd(32)          | r type N(MR)      (Q.SAAL1: r type rsvd, one word)
//   ER     rsvd(24) N(SQ)    | r type N(MR)      (Q.2110 only)
//   ERAK   rsvd(32)          | r type N(MR)      (Q.2110 only)
//   SD                         PL r type N(S)                      data
//   SDP    rsvd(8) N(PS)     | PL r type N(S)    (Q.SAAL1 only, code 9) data
//   POLL   rsvd(8) N(PS)     | r type N(S)
//   STAT   list... | rsvd N(PS) | rsvd N(MR) | r type N(R)   list element = rsvd(8) N(24)
//   USTAT  L1 | L2 | rsvd N(MR) | r type N(R)
//   UD                         PL r type rsvd(24)                  data
//   MD                         PL r type rsvd(24)                  data
//
// PL is the number of pad octets (0..3) that follow the info field to reach a
// 4-octet boundary. The decoder never throws and never reads out of bounds; any
// violation is returned as a DecodeError carrying Q.2110's MAA-ERROR code 'U'
// (PDU length violation) and a reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd::sscop {

// Which SSCOP: ITU-T Q.2110 (UNI 3.1/4.0) or the Q.SAAL1 draft (UNI 3.0).
enum class Mode : std::uint8_t { kQ2110, kQSaal1 };

enum class PduType : std::uint8_t {
  kBgn = 0x1,
  kBgak = 0x2,
  kEnd = 0x3,
  kEndak = 0x4,
  kRs = 0x5,
  kRsak = 0x6,
  kBgrej = 0x7,
  kSd = 0x8,
  kEr = 0x9,  // Q.2110; the same code is SDP in Q.SAAL1
  kPoll = 0xa,
  kStat = 0xb,
  kUstat = 0xc,
  kUd = 0xd,
  kMd = 0xe,
  kErak = 0xf,  // Q.2110 only
  kSdp = 0x19,  // Q.SAAL1 "SD with poll"; wire code 0x9 (internal value differs from ER)
};

std::string_view to_string(PduType t);

// 24-bit modular sequence numbers (Q.2110 clause 8: arithmetic modulo 2^24).
inline constexpr std::uint32_t kSeqMask = 0xffffff;
inline constexpr std::uint32_t seq_add(std::uint32_t a, std::uint32_t d) {
  return (a + d) & kSeqMask;
}
// Distance from base to x going forward, 0..2^24-1: the "relative to base"
// value Q.2110 compares (e.g. VT(A) <= N(R) <= VT(S) is rel(N(R),VT(A)) <= rel(VT(S),VT(A))).
inline constexpr std::uint32_t seq_rel(std::uint32_t x, std::uint32_t base) {
  return (x - base) & kSeqMask;
}

// Largest info field (SD data, SSCOP-UU) the codec accepts (Q.2110 7.1: k <= 65528).
inline constexpr std::size_t kMaxInfo = 65528;

struct Pdu {
  PduType type = PduType::kBgn;
  std::uint8_t sq = 0;        // N(SQ): BGN, RS, ER
  std::uint32_t mr = 0;       // N(MR): BGN, BGAK, RS, RSAK, ER, ERAK, STAT, USTAT
  std::uint32_t ns = 0;       // N(S): SD, SDP, POLL
  std::uint32_t ps = 0;       // N(PS): POLL, STAT, SDP
  std::uint32_t nr = 0;       // N(R): STAT, USTAT
  bool source_sscop = false;  // S bit of END (and of BGN in Q.SAAL1): true = sent by SSCOP itself
  std::vector<std::uint32_t> list;  // STAT list elements; USTAT: exactly 2
  Bytes info;                       // SSCOP-UU (BGN BGAK BGREJ END RS) or data (SD SDP UD MD)
};

struct DecodeError {
  char code = 'U';  // Q.2110 MAA-ERROR code
  std::string reason;
};

// Encodes a PDU; fields that the type does not carry are ignored. Q.SAAL1 mode
// uses the short ENDAK/RSAK and codes SDP as 9; ER/ERAK cannot be coded in
// Q.SAAL1 (an empty Bytes is returned), nor SDP in Q.2110.
Bytes encode(const Pdu& pdu, Mode mode = Mode::kQ2110);
// Appends the encoding to out (avoids an allocation on the hot path).
void encode_to(const Pdu& pdu, Mode mode, Bytes& out);

std::variant<Pdu, DecodeError> decode(ByteView bytes, Mode mode = Mode::kQ2110);
// The same in place, for the receive path: every field of `pdu` is set (its
// list keeps its capacity), pdu.info is left empty and `info` views the info
// field inside `bytes` instead (no copy). Returns the error, if any.
std::optional<DecodeError> decode_view(ByteView bytes, Mode mode, Pdu& pdu, ByteView& info);

// decode_view()'s first way, inline for SSCOP's receive path: a well-formed
// SD (type 8, the same code in both modes, 4 <= length <= kMaxInfo + 3 + 4, a
// multiple of 4, no pad without data) sets every field of `pdu` as
// decode_view() does and returns true; for anything else it returns false
// and changes nothing (decode_view() then decides). One comparison bounds
// the length (n - 4 wraps below 4 octets); the last word is read once.
inline bool decode_sd_view(ByteView b, Pdu& p, ByteView& info) {
  const std::size_t n = b.size();
  if (n - 4 > kMaxInfo + 3 || n % 4 != 0) return false;
  const std::uint32_t last = (static_cast<std::uint32_t>(b[n - 4]) << 24) |
                             (static_cast<std::uint32_t>(b[n - 3]) << 16) |
                             (static_cast<std::uint32_t>(b[n - 2]) << 8) | b[n - 1];
  const std::uint32_t pad = last >> 30;
  if (((last >> 24) & 0x0f) != 0x8 || (n == 4 && pad != 0)) return false;
  p.type = PduType::kSd;
  p.sq = 0;
  p.mr = p.ps = p.nr = 0;
  p.ns = last & kSeqMask;
  p.source_sscop = false;
  p.list.clear();
  p.info.clear();
  info = b.first(n - 4 - pad);
  return true;
}

// decode_view() of a PDU that decode_sd_view() refused (SSCOP's receive path
// in Ready: the SD test is not made twice).
std::optional<DecodeError> decode_view_other(ByteView bytes, Mode mode, Pdu& pdu, ByteView& info);

// One-line human description ("SD N(S)=5 len=12"), for traces.
std::string describe(const Pdu& pdu);
// The same for a Pdu from decode_view(), whose info field is `info`.
std::string describe(const Pdu& pdu, ByteView info);

}  // namespace atmsigd::sscop
