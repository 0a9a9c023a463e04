// SSCOP state machine. Structure: handle() turns the input (a decoded PDU, a
// primitive, a timer expiry) into a Signal and looks the (state, signal) pair
// up in the state matrix (StateMatrix::kRows below, one row per pair); the row
// names the handler. Handlers are named after Q.2110's SDL (state_signal) and
// cite the page of the Q.2110 SDL diagrams they implement ("p.NN"), the same
// page numbers FreeBSD's ngatm SSCOP (saal_sscop.c) cites for each transition.
#include "atmsigd/sscop/sscop.hpp"

#include <algorithm>
#include <utility>

namespace atmsigd::sscop {
namespace {

constexpr std::uint32_t kHalf = 1u << 23;

// SD PDU: data, pad, PL|type|N(S). The SDU becomes the PDU: pad and trailer
// are appended in place (no copy while the buffer has the room; encode() is
// not asked, hot path).
void append_sd_trailer(Bytes& pdu, std::uint32_t ns) {
  const std::size_t pad = (4 - pdu.size() % 4) % 4;
  const std::uint32_t w = (static_cast<std::uint32_t>(pad) << 30) |
                          (static_cast<std::uint32_t>(PduType::kSd) << 24) | (ns & kSeqMask);
  // Octet by octet: inline stores while the buffer has room (a resize()
  // was a call and a memset for at most 7 octets).
  for (std::size_t i = 0; i < pad; ++i) pdu.push_back(0);
  pdu.push_back(static_cast<std::uint8_t>(w >> 24));
  pdu.push_back(static_cast<std::uint8_t>(w >> 16));
  pdu.push_back(static_cast<std::uint8_t>(w >> 8));
  pdu.push_back(static_cast<std::uint8_t>(w));
}

// MAA-ERROR code for an unsolicited or inappropriate PDU (Q.2110 Table, A..M).
char unsolicited_code(PduType t) {
  switch (t) {
    case PduType::kSd:
    case PduType::kSdp:
      return 'A';
    case PduType::kBgn:
      return 'B';
    case PduType::kBgak:
      return 'C';
    case PduType::kBgrej:
      return 'D';
    case PduType::kEnd:
      return 'E';
    case PduType::kEndak:
      return 'F';
    case PduType::kPoll:
      return 'G';
    case PduType::kStat:
      return 'H';
    case PduType::kUstat:
      return 'I';
    case PduType::kRs:
      return 'J';
    case PduType::kRsak:
      return 'K';
    case PduType::kEr:
      return 'L';
    case PduType::kErak:
      return 'M';
    case PduType::kUd:
    case PduType::kMd:
      return 'U';
  }
  return 'U';
}

}  // namespace

std::string_view to_string(State s) {
  switch (s) {
    case State::kIdle:
      return "Idle";
    case State::kOutConnPend:
      return "OutConnPend";
    case State::kInConnPend:
      return "InConnPend";
    case State::kOutDisPend:
      return "OutDisPend";
    case State::kOutResyncPend:
      return "OutResyncPend";
    case State::kInResyncPend:
      return "InResyncPend";
    case State::kOutRecPend:
      return "OutRecPend";
    case State::kRecPend:
      return "RecPend";
    case State::kInRecPend:
      return "InRecPend";
    case State::kReady:
      return "Ready";
  }
  return "?";
}

std::string_view to_string(Timer t) {
  switch (t) {
    case Timer::kCc:
      return "Timer_CC";
    case Timer::kPoll:
      return "Timer_POLL";
    case Timer::kNoResponse:
      return "Timer_NO-RESPONSE";
    case Timer::kKeepAlive:
      return "Timer_KEEP-ALIVE";
    case Timer::kIdle:
      return "Timer_IDLE";
  }
  return "?";
}

std::string_view maa_error_text(char code) {
  switch (code) {
    case 'A':
      return "unsolicited or inappropriate SD PDU";
    case 'B':
      return "unsolicited or inappropriate BGN PDU";
    case 'C':
      return "unsolicited or inappropriate BGAK PDU";
    case 'D':
      return "unsolicited or inappropriate BGREJ PDU";
    case 'E':
      return "unsolicited or inappropriate END PDU";
    case 'F':
      return "unsolicited or inappropriate ENDAK PDU";
    case 'G':
      return "unsolicited or inappropriate POLL PDU";
    case 'H':
      return "unsolicited or inappropriate STAT PDU";
    case 'I':
      return "unsolicited or inappropriate USTAT PDU";
    case 'J':
      return "unsolicited or inappropriate RS PDU";
    case 'K':
      return "unsolicited or inappropriate RSAK PDU";
    case 'L':
      return "unsolicited or inappropriate ER PDU";
    case 'M':
      return "unsolicited or inappropriate ERAK PDU";
    case 'O':
      return "unsuccessful retransmission (VT(CC) >= MaxCC)";
    case 'P':
      return "Timer_NO-RESPONSE expiry";
    case 'Q':
      return "SD or POLL PDU: N(S) error";
    case 'R':
      return "STAT PDU: N(PS) error";
    case 'S':
      return "STAT PDU: N(R) or list elements error";
    case 'T':
      return "USTAT PDU: N(R) or list elements error";
    case 'U':
      return "PDU length violation";
    case 'V':
      return "SD PDUs must be retransmitted";
    case 'W':
      return "lack of credit";
    case 'X':
      return "credit obtained";
    default:
      return "unknown MAA-ERROR code";
  }
}

Sscop::Sscop(const Params& params) : params_(params) {
  if (params_.max_stat < 3) params_.max_stat = 3;
  if (params_.max_stat % 2 == 0) --params_.max_stat;
  if (params_.max_cc == 0) params_.max_cc = 1;
  if (params_.max_pd == 0) params_.max_pd = 1;
  if (params_.window == 0) params_.window = 1;
  if (params_.window >= kHalf) params_.window = kHalf - 1;
}

// ---------------------------------------------------------------------------
// Signals

namespace {

constexpr std::array<std::string_view, kSignalCount> kSignalNames = {
    "BGN",
    "BGAK",
    "BGREJ",
    "END",
    "ENDAK",
    "RS",
    "RSAK",
    "ER",
    "ERAK",
    "SD",
    "SDP",
    "POLL",
    "STAT",
    "USTAT",
    "UD",
    "MD",
    "AA-ESTABLISH.request",
    "AA-ESTABLISH.response",
    "AA-RELEASE.request",
    "AA-DATA.request",
    "AA-UNITDATA.request",
    "AA-RESYNC.request",
    "AA-RESYNC.response",
    "AA-RECOVER.response",
    "AA-RETRIEVE.request",
    "MAA-UNITDATA.request",
    "Timer_CC",
    "Timer_POLL",
    "Timer_NO-RESPONSE",
    "Timer_KEEP-ALIVE",
    "Timer_IDLE",
};
static_assert(static_cast<std::size_t>(Signal::kTimerIdle) + 1 == kSignalCount);

// The primitive of each Event alternative (0, PduReceived, is decoded into a PDU signal).
constexpr std::array<Signal, std::variant_size_v<Event>> kEventSignal = {
    Signal::kUd,  // unused
    Signal::kEstablishRequest,
    Signal::kEstablishResponse,
    Signal::kReleaseRequest,
    Signal::kDataRequest,
    Signal::kUnitdataRequest,
    Signal::kResyncRequest,
    Signal::kResyncResponse,
    Signal::kRecoverResponse,
    Signal::kRetrieveRequest,
    Signal::kMaaUnitdataRequest,
};
static_assert(std::is_same_v<std::variant_alternative_t<1, Event>, AaEstablishRequest>);
static_assert(std::is_same_v<std::variant_alternative_t<10, Event>, MaaUnitdataRequest>);

constexpr std::size_t index_of(State s) {
  return static_cast<std::size_t>(s) - 1;
}
constexpr std::size_t index_of(Signal g) {
  return static_cast<std::size_t>(g);
}

// A PDU that shows the peer got our BGAK (see peer_past_bgn_).
bool data_phase(PduType t) {
  switch (t) {
    case PduType::kSd:
    case PduType::kSdp:
    case PduType::kPoll:
    case PduType::kStat:
    case PduType::kUstat:
    case PduType::kRs:
    case PduType::kRsak:
    case PduType::kEr:
    case PduType::kErak:
      return true;
    case PduType::kBgn:
    case PduType::kBgak:
    case PduType::kBgrej:
    case PduType::kEnd:
    case PduType::kEndak:
    case PduType::kUd:
    case PduType::kMd:
      return false;
  }
  return false;
}

}  // namespace

std::string_view to_string(Signal s) {
  const std::size_t i = index_of(s);
  return i < kSignalCount ? kSignalNames[i] : "?";
}

Signal signal_of(PduType t) {
  switch (t) {
    case PduType::kBgn:
      return Signal::kBgn;
    case PduType::kBgak:
      return Signal::kBgak;
    case PduType::kBgrej:
      return Signal::kBgrej;
    case PduType::kEnd:
      return Signal::kEnd;
    case PduType::kEndak:
      return Signal::kEndak;
    case PduType::kRs:
      return Signal::kRs;
    case PduType::kRsak:
      return Signal::kRsak;
    case PduType::kEr:
      return Signal::kEr;
    case PduType::kErak:
      return Signal::kErak;
    case PduType::kSd:
      return Signal::kSd;
    case PduType::kSdp:
      return Signal::kSdp;
    case PduType::kPoll:
      return Signal::kPoll;
    case PduType::kStat:
      return Signal::kStat;
    case PduType::kUstat:
      return Signal::kUstat;
    case PduType::kUd:
      return Signal::kUd;
    case PduType::kMd:
      return Signal::kMd;
  }
  return Signal::kUd;
}

Signal signal_of(Timer t) {
  static_assert(static_cast<int>(Timer::kIdle) + 1 == kTimerCount);
  return static_cast<Signal>(index_of(Signal::kTimerCc) + static_cast<std::size_t>(t));
}

// ---------------------------------------------------------------------------
// The state matrix: Q.2110's SDL as data, in the manner of ngatm's
// state_matrix[SSCOP_NSTATES][SIG_NUM]. One row per (state, signal), each with
// the SDL page of its transition; "-" marks a signal Q.2110 does not expect in
// that state (a user primitive it does not allow, a timer that is not running
// there): those rows trace and change nothing. The compiler checks that every
// pair has exactly one row.

namespace {

using StateIndex = std::array<std::array<std::uint16_t, kSignalCount>, kStateCount>;

template <std::size_t N>
consteval StateIndex build_index(const Sscop::Transition (&rows)[N]) {
  constexpr std::uint16_t kNone = 0xffff;
  StateIndex idx{};
  for (auto& r : idx) r.fill(kNone);
  for (std::size_t i = 0; i < N; ++i) {
    const std::size_t s = index_of(rows[i].state);
    const std::size_t g = index_of(rows[i].signal);
    if (s >= kStateCount || g >= kSignalCount) throw "row outside the state matrix";
    if (idx[s][g] != kNone) throw "two rows for one (state, signal)";
    // (The handler pointer is not compared with nullptr: GCC cannot evaluate
    // that in a constant expression under -fsanitize=undefined; ROW() sets
    // the name and the handler together.)
    if (rows[i].name.empty()) throw "row without a handler";
    idx[s][g] = static_cast<std::uint16_t>(i);
  }
  for (const auto& r : idx) {
    for (std::uint16_t c : r) {
      if (c == kNone) throw "(state, signal) without a row";
    }
  }
  return idx;
}

}  // namespace

#define ROW(state, signal, handler, sdl)                         \
  Sscop::Transition {                                            \
    State::state, Signal::signal, &Sscop::handler, #handler, sdl \
  }

struct StateMatrix {
  static constexpr Sscop::Transition kRows[] = {
      // 1 Idle (p.31-33)
      ROW(kIdle, kBgn, on_idle_bgn, "p.31"),
      ROW(kIdle, kBgak, unexpected_end, "p.32"),
      ROW(kIdle, kBgrej, unexpected, "p.31"),
      ROW(kIdle, kEnd, on_idle_end, "p.31"),
      ROW(kIdle, kEndak, ignore, "p.31"),
      ROW(kIdle, kRs, unexpected_end, "p.33"),
      ROW(kIdle, kRsak, unexpected_end, "p.33"),
      ROW(kIdle, kEr, unexpected_end, "p.31"),
      ROW(kIdle, kErak, unexpected_end, "p.32"),
      ROW(kIdle, kSd, unexpected_end, "p.32"),
      ROW(kIdle, kSdp, unexpected_end, "p.32"),
      ROW(kIdle, kPoll, unexpected_end, "p.32"),
      ROW(kIdle, kStat, unexpected_end, "p.32"),
      ROW(kIdle, kUstat, unexpected_end, "p.32"),
      ROW(kIdle, kUd, on_any_ud, "p.73"),
      ROW(kIdle, kMd, on_any_md, "p.73"),
      ROW(kIdle, kEstablishRequest, on_idle_establish_req, "p.31"),
      ROW(kIdle, kEstablishResponse, not_allowed, "-"),
      ROW(kIdle, kReleaseRequest, not_allowed, "-"),
      ROW(kIdle, kDataRequest, not_allowed, "-"),
      ROW(kIdle, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kIdle, kResyncRequest, not_allowed, "-"),
      ROW(kIdle, kResyncResponse, not_allowed, "-"),
      ROW(kIdle, kRecoverResponse, not_allowed, "-"),
      ROW(kIdle, kRetrieveRequest, retrieve_req, "p.33"),
      ROW(kIdle, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kIdle, kTimerCc, stale_timer, "-"),
      ROW(kIdle, kTimerPoll, stale_timer, "-"),
      ROW(kIdle, kTimerNoResponse, stale_timer, "-"),
      ROW(kIdle, kTimerKeepAlive, stale_timer, "-"),
      ROW(kIdle, kTimerIdle, stale_timer, "-"),
      // 2 Outgoing Connection Pending (p.34-36)
      ROW(kOutConnPend, kBgn, on_outconn_bgn, "p.36"),
      ROW(kOutConnPend, kBgak, on_outconn_bgak, "p.34"),
      ROW(kOutConnPend, kBgrej, on_outconn_bgrej, "p.34"),
      ROW(kOutConnPend, kEnd, ignore, "p.34"),
      ROW(kOutConnPend, kEndak, ignore, "p.34"),
      ROW(kOutConnPend, kRs, ignore, "p.36"),
      ROW(kOutConnPend, kRsak, ignore, "p.36"),
      ROW(kOutConnPend, kEr, ignore, "p.34"),
      ROW(kOutConnPend, kErak, ignore, "p.34"),
      ROW(kOutConnPend, kSd, ignore, "p.34"),
      ROW(kOutConnPend, kSdp, ignore, "p.34"),
      ROW(kOutConnPend, kPoll, ignore, "p.34"),
      ROW(kOutConnPend, kStat, ignore, "p.34"),
      ROW(kOutConnPend, kUstat, ignore, "p.34"),
      ROW(kOutConnPend, kUd, on_any_ud, "p.73"),
      ROW(kOutConnPend, kMd, on_any_md, "p.73"),
      ROW(kOutConnPend, kEstablishRequest, not_allowed, "-"),
      ROW(kOutConnPend, kEstablishResponse, not_allowed, "-"),
      ROW(kOutConnPend, kReleaseRequest, on_outconn_release_req, "p.35"),
      ROW(kOutConnPend, kDataRequest, on_outconn_data_req, "p.35"),
      ROW(kOutConnPend, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kOutConnPend, kResyncRequest, not_allowed, "-"),
      ROW(kOutConnPend, kResyncResponse, not_allowed, "-"),
      ROW(kOutConnPend, kRecoverResponse, not_allowed, "-"),
      ROW(kOutConnPend, kRetrieveRequest, not_allowed, "-"),
      ROW(kOutConnPend, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kOutConnPend, kTimerCc, on_outconn_timer_cc, "p.35"),
      ROW(kOutConnPend, kTimerPoll, stale_timer, "-"),
      ROW(kOutConnPend, kTimerNoResponse, stale_timer, "-"),
      ROW(kOutConnPend, kTimerKeepAlive, stale_timer, "-"),
      ROW(kOutConnPend, kTimerIdle, stale_timer, "-"),
      // 3 Incoming Connection Pending (p.37-39)
      ROW(kInConnPend, kBgn, on_inconn_bgn, "p.37"),
      ROW(kInConnPend, kBgak, unexpected, "p.38"),
      ROW(kInConnPend, kBgrej, peer_gone, "p.38"),
      ROW(kInConnPend, kEnd, peer_end, "p.39"),
      ROW(kInConnPend, kEndak, peer_gone, "p.37"),
      ROW(kInConnPend, kRs, unexpected, "p.39"),
      ROW(kInConnPend, kRsak, unexpected, "p.39"),
      ROW(kInConnPend, kEr, unexpected, "p.37"),
      ROW(kInConnPend, kErak, unexpected, "p.39"),
      ROW(kInConnPend, kSd, unexpected_release, "p.38"),
      ROW(kInConnPend, kSdp, unexpected_release, "p.38"),
      ROW(kInConnPend, kPoll, unexpected_release, "p.38"),
      ROW(kInConnPend, kStat, unexpected_release, "p.38"),
      ROW(kInConnPend, kUstat, unexpected_release, "p.38"),
      ROW(kInConnPend, kUd, on_any_ud, "p.73"),
      ROW(kInConnPend, kMd, on_any_md, "p.73"),
      ROW(kInConnPend, kEstablishRequest, not_allowed, "-"),
      ROW(kInConnPend, kEstablishResponse, on_inconn_establish_resp, "p.37"),
      ROW(kInConnPend, kReleaseRequest, on_inconn_release_req, "p.37"),
      ROW(kInConnPend, kDataRequest, not_allowed, "-"),
      ROW(kInConnPend, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kInConnPend, kResyncRequest, not_allowed, "-"),
      ROW(kInConnPend, kResyncResponse, not_allowed, "-"),
      ROW(kInConnPend, kRecoverResponse, not_allowed, "-"),
      ROW(kInConnPend, kRetrieveRequest, retrieve_req, "p.39"),
      ROW(kInConnPend, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kInConnPend, kTimerCc, stale_timer, "-"),
      ROW(kInConnPend, kTimerPoll, stale_timer, "-"),
      ROW(kInConnPend, kTimerNoResponse, stale_timer, "-"),
      ROW(kInConnPend, kTimerKeepAlive, stale_timer, "-"),
      ROW(kInConnPend, kTimerIdle, stale_timer, "-"),
      // 4 Outgoing Disconnection Pending (p.40-42)
      ROW(kOutDisPend, kBgn, on_outdis_bgn, "p.42"),
      ROW(kOutDisPend, kBgak, ignore, "p.40"),
      ROW(kOutDisPend, kBgrej, on_outdis_endak, "p.41"),
      ROW(kOutDisPend, kEnd, on_outdis_end, "p.41"),
      ROW(kOutDisPend, kEndak, on_outdis_endak, "p.41"),
      ROW(kOutDisPend, kRs, ignore, "p.42"),
      ROW(kOutDisPend, kRsak, ignore, "p.42"),
      ROW(kOutDisPend, kEr, ignore, "p.42"),
      ROW(kOutDisPend, kErak, ignore, "p.41"),
      ROW(kOutDisPend, kSd, ignore, "p.40"),
      ROW(kOutDisPend, kSdp, ignore, "p.40"),
      ROW(kOutDisPend, kPoll, ignore, "p.40"),
      ROW(kOutDisPend, kStat, ignore, "p.40"),
      ROW(kOutDisPend, kUstat, ignore, "p.40"),
      ROW(kOutDisPend, kUd, on_any_ud, "p.73"),
      ROW(kOutDisPend, kMd, on_any_md, "p.73"),
      ROW(kOutDisPend, kEstablishRequest, on_outdis_establish_req, "p.40"),
      ROW(kOutDisPend, kEstablishResponse, not_allowed, "-"),
      ROW(kOutDisPend, kReleaseRequest, not_allowed, "-"),
      ROW(kOutDisPend, kDataRequest, not_allowed, "-"),
      ROW(kOutDisPend, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kOutDisPend, kResyncRequest, not_allowed, "-"),
      ROW(kOutDisPend, kResyncResponse, not_allowed, "-"),
      ROW(kOutDisPend, kRecoverResponse, not_allowed, "-"),
      ROW(kOutDisPend, kRetrieveRequest, retrieve_req, "p.42"),
      ROW(kOutDisPend, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kOutDisPend, kTimerCc, on_outdis_timer_cc, "p.41"),
      ROW(kOutDisPend, kTimerPoll, stale_timer, "-"),
      ROW(kOutDisPend, kTimerNoResponse, stale_timer, "-"),
      ROW(kOutDisPend, kTimerKeepAlive, stale_timer, "-"),
      ROW(kOutDisPend, kTimerIdle, stale_timer, "-"),
      // 5 Outgoing Resynchronization Pending (p.43-45)
      ROW(kOutResyncPend, kBgn, on_outres_bgn, "p.43"),
      ROW(kOutResyncPend, kBgak, ignore, "p.45"),
      ROW(kOutResyncPend, kBgrej, peer_gone, "p.43"),
      ROW(kOutResyncPend, kEnd, peer_end, "p.43"),
      ROW(kOutResyncPend, kEndak, peer_gone, "p.43"),
      ROW(kOutResyncPend, kRs, on_outres_rs, "p.45"),
      ROW(kOutResyncPend, kRsak, on_outres_rsak, "p.45"),
      ROW(kOutResyncPend, kEr, ignore, "p.43"),
      ROW(kOutResyncPend, kErak, ignore, "p.45"),
      ROW(kOutResyncPend, kSd, ignore, "p.43-45"),
      ROW(kOutResyncPend, kSdp, ignore, "p.43-45"),
      ROW(kOutResyncPend, kPoll, ignore, "p.43-45"),
      ROW(kOutResyncPend, kStat, ignore, "p.43-45"),
      ROW(kOutResyncPend, kUstat, ignore, "p.43-45"),
      ROW(kOutResyncPend, kUd, on_any_ud, "p.73"),
      ROW(kOutResyncPend, kMd, on_any_md, "p.73"),
      ROW(kOutResyncPend, kEstablishRequest, not_allowed, "-"),
      ROW(kOutResyncPend, kEstablishResponse, not_allowed, "-"),
      ROW(kOutResyncPend, kReleaseRequest, release_req_connected, "p.44"),
      ROW(kOutResyncPend, kDataRequest, not_allowed, "-"),
      ROW(kOutResyncPend, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kOutResyncPend, kResyncRequest, not_allowed, "-"),
      ROW(kOutResyncPend, kResyncResponse, not_allowed, "-"),
      ROW(kOutResyncPend, kRecoverResponse, not_allowed, "-"),
      ROW(kOutResyncPend, kRetrieveRequest, not_allowed, "-"),
      ROW(kOutResyncPend, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kOutResyncPend, kTimerCc, on_outres_timer_cc, "p.44"),
      ROW(kOutResyncPend, kTimerPoll, stale_timer, "-"),
      ROW(kOutResyncPend, kTimerNoResponse, stale_timer, "-"),
      ROW(kOutResyncPend, kTimerKeepAlive, stale_timer, "-"),
      ROW(kOutResyncPend, kTimerIdle, stale_timer, "-"),
      // 6 Incoming Resynchronization Pending (p.46-48)
      ROW(kInResyncPend, kBgn, on_connected_bgn, "p.47"),
      ROW(kInResyncPend, kBgak, unexpected, "p.48"),
      ROW(kInResyncPend, kBgrej, peer_gone, "p.46"),
      ROW(kInResyncPend, kEnd, peer_end, "p.46"),
      ROW(kInResyncPend, kEndak, peer_gone, "p.46"),
      ROW(kInResyncPend, kRs, on_inres_rs, "p.48"),
      ROW(kInResyncPend, kRsak, unexpected, "p.48"),
      ROW(kInResyncPend, kEr, unexpected, "p.47"),
      ROW(kInResyncPend, kErak, unexpected, "p.48"),
      ROW(kInResyncPend, kSd, unexpected_release, "p.47"),
      ROW(kInResyncPend, kSdp, unexpected_release, "p.47"),
      ROW(kInResyncPend, kPoll, unexpected_release, "p.47"),
      ROW(kInResyncPend, kStat, unexpected_release, "p.47"),
      ROW(kInResyncPend, kUstat, unexpected_release, "p.47"),
      ROW(kInResyncPend, kUd, on_any_ud, "p.73"),
      ROW(kInResyncPend, kMd, on_any_md, "p.73"),
      ROW(kInResyncPend, kEstablishRequest, not_allowed, "-"),
      ROW(kInResyncPend, kEstablishResponse, not_allowed, "-"),
      ROW(kInResyncPend, kReleaseRequest, release_req_connected, "p.46"),
      ROW(kInResyncPend, kDataRequest, not_allowed, "-"),
      ROW(kInResyncPend, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kInResyncPend, kResyncRequest, not_allowed, "-"),
      ROW(kInResyncPend, kResyncResponse, on_inres_resync_resp, "p.46"),
      ROW(kInResyncPend, kRecoverResponse, not_allowed, "-"),
      ROW(kInResyncPend, kRetrieveRequest, retrieve_req, "p.48"),
      ROW(kInResyncPend, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kInResyncPend, kTimerCc, stale_timer, "-"),
      ROW(kInResyncPend, kTimerPoll, stale_timer, "-"),
      ROW(kInResyncPend, kTimerNoResponse, stale_timer, "-"),
      ROW(kInResyncPend, kTimerKeepAlive, stale_timer, "-"),
      ROW(kInResyncPend, kTimerIdle, stale_timer, "-"),
      // 7 Outgoing Recovery Pending (p.49-52)
      ROW(kOutRecPend, kBgn, on_connected_bgn, "p.51"),
      ROW(kOutRecPend, kBgak, unexpected, "p.49"),
      ROW(kOutRecPend, kBgrej, peer_gone, "p.49"),
      ROW(kOutRecPend, kEnd, peer_end, "p.49"),
      ROW(kOutRecPend, kEndak, peer_gone, "p.49"),
      ROW(kOutRecPend, kRs, on_recovery_rs, "p.52"),
      ROW(kOutRecPend, kRsak, unexpected, "p.52"),
      ROW(kOutRecPend, kEr, on_outrec_er, "p.51"),
      ROW(kOutRecPend, kErak, on_outrec_erak, "p.49"),
      ROW(kOutRecPend, kSd, ignore, "p.49-52"),
      ROW(kOutRecPend, kSdp, ignore, "p.49-52"),
      ROW(kOutRecPend, kPoll, ignore, "p.49-52"),
      ROW(kOutRecPend, kStat, ignore, "p.49-52"),
      ROW(kOutRecPend, kUstat, ignore, "p.49-52"),
      ROW(kOutRecPend, kUd, on_any_ud, "p.73"),
      ROW(kOutRecPend, kMd, on_any_md, "p.73"),
      ROW(kOutRecPend, kEstablishRequest, not_allowed, "-"),
      ROW(kOutRecPend, kEstablishResponse, not_allowed, "-"),
      ROW(kOutRecPend, kReleaseRequest, release_req_connected, "p.50"),
      ROW(kOutRecPend, kDataRequest, on_outrec_data_req, "p.49"),
      ROW(kOutRecPend, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kOutRecPend, kResyncRequest, resync_req, "p.51"),
      ROW(kOutRecPend, kResyncResponse, not_allowed, "-"),
      ROW(kOutRecPend, kRecoverResponse, not_allowed, "-"),
      ROW(kOutRecPend, kRetrieveRequest, not_allowed, "-"),
      ROW(kOutRecPend, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kOutRecPend, kTimerCc, on_outrec_timer_cc, "p.50"),
      ROW(kOutRecPend, kTimerPoll, stale_timer, "-"),
      ROW(kOutRecPend, kTimerNoResponse, stale_timer, "-"),
      ROW(kOutRecPend, kTimerKeepAlive, stale_timer, "-"),
      ROW(kOutRecPend, kTimerIdle, stale_timer, "-"),
      // 8 Recovery Response Pending (p.53-55)
      ROW(kRecPend, kBgn, on_connected_bgn, "p.55"),
      ROW(kRecPend, kBgak, unexpected, "p.53"),
      ROW(kRecPend, kBgrej, peer_gone, "p.53"),
      ROW(kRecPend, kEnd, peer_end, "p.53"),
      ROW(kRecPend, kEndak, peer_gone, "p.53"),
      ROW(kRecPend, kRs, on_recovery_rs, "p.54"),
      ROW(kRecPend, kRsak, unexpected, "p.54"),
      ROW(kRecPend, kEr, on_recpend_er, "p.55"),
      ROW(kRecPend, kErak, ignore, "p.53"),
      ROW(kRecPend, kSd, ignore, "p.55"),
      ROW(kRecPend, kSdp, ignore, "p.55"),
      ROW(kRecPend, kPoll, ignore, "p.55"),
      ROW(kRecPend, kStat, unexpected_release, "p.55"),
      ROW(kRecPend, kUstat, unexpected_release, "p.55"),
      ROW(kRecPend, kUd, on_any_ud, "p.73"),
      ROW(kRecPend, kMd, on_any_md, "p.73"),
      ROW(kRecPend, kEstablishRequest, not_allowed, "-"),
      ROW(kRecPend, kEstablishResponse, not_allowed, "-"),
      ROW(kRecPend, kReleaseRequest, release_req_connected, "p.54"),
      ROW(kRecPend, kDataRequest, not_allowed, "-"),
      ROW(kRecPend, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kRecPend, kResyncRequest, resync_req, "p.54"),
      ROW(kRecPend, kResyncResponse, not_allowed, "-"),
      ROW(kRecPend, kRecoverResponse, on_recpend_recover_resp, "p.54"),
      ROW(kRecPend, kRetrieveRequest, retrieve_req, "p.53"),
      ROW(kRecPend, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kRecPend, kTimerCc, stale_timer, "-"),
      ROW(kRecPend, kTimerPoll, stale_timer, "-"),
      ROW(kRecPend, kTimerNoResponse, stale_timer, "-"),
      ROW(kRecPend, kTimerKeepAlive, stale_timer, "-"),
      ROW(kRecPend, kTimerIdle, stale_timer, "-"),
      // 9 Incoming Recovery Pending (p.56-59)
      ROW(kInRecPend, kBgn, on_connected_bgn, "p.59"),
      ROW(kInRecPend, kBgak, unexpected, "p.59"),
      ROW(kInRecPend, kBgrej, peer_gone, "p.57"),
      ROW(kInRecPend, kEnd, peer_end, "p.56"),
      ROW(kInRecPend, kEndak, peer_gone, "p.57"),
      ROW(kInRecPend, kRs, on_recovery_rs, "p.58"),
      ROW(kInRecPend, kRsak, unexpected, "p.58"),
      ROW(kInRecPend, kEr, on_inrec_er, "p.59"),
      ROW(kInRecPend, kErak, unexpected, "p.59"),
      ROW(kInRecPend, kSd, unexpected_release, "p.57"),
      ROW(kInRecPend, kSdp, unexpected_release, "p.57"),
      ROW(kInRecPend, kPoll, unexpected_release, "p.57"),
      ROW(kInRecPend, kStat, unexpected_release, "p.57"),
      ROW(kInRecPend, kUstat, unexpected_release, "p.57"),
      ROW(kInRecPend, kUd, on_any_ud, "p.73"),
      ROW(kInRecPend, kMd, on_any_md, "p.73"),
      ROW(kInRecPend, kEstablishRequest, not_allowed, "-"),
      ROW(kInRecPend, kEstablishResponse, not_allowed, "-"),
      ROW(kInRecPend, kReleaseRequest, release_req_connected, "p.56"),
      ROW(kInRecPend, kDataRequest, not_allowed, "-"),
      ROW(kInRecPend, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kInRecPend, kResyncRequest, resync_req, "p.56"),
      ROW(kInRecPend, kResyncResponse, not_allowed, "-"),
      ROW(kInRecPend, kRecoverResponse, on_inrec_recover_resp, "p.56"),
      ROW(kInRecPend, kRetrieveRequest, retrieve_req, "p.58"),
      ROW(kInRecPend, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kInRecPend, kTimerCc, stale_timer, "-"),
      ROW(kInRecPend, kTimerPoll, stale_timer, "-"),
      ROW(kInRecPend, kTimerNoResponse, stale_timer, "-"),
      ROW(kInRecPend, kTimerKeepAlive, stale_timer, "-"),
      ROW(kInRecPend, kTimerIdle, stale_timer, "-"),
      // 10 Data Transfer Ready (p.60-72)
      ROW(kReady, kBgn, on_ready_bgn, "p.61"),
      ROW(kReady, kBgak, ignore, "p.60"),
      ROW(kReady, kBgrej, peer_gone, "p.62"),
      ROW(kReady, kEnd, on_ready_end, "p.62"),
      ROW(kReady, kEndak, peer_gone, "p.62"),
      ROW(kReady, kRs, on_ready_rs, "p.62"),
      ROW(kReady, kRsak, ignore, "p.60"),
      ROW(kReady, kEr, on_ready_er, "p.61"),
      ROW(kReady, kErak, ignore, "p.60"),
      ROW(kReady, kSd, on_ready_sd, "p.66"),
      ROW(kReady, kSdp, on_ready_sdp, "p.66-67"),
      ROW(kReady, kPoll, on_ready_poll, "p.67"),
      ROW(kReady, kStat, on_ready_stat, "p.70"),
      ROW(kReady, kUstat, on_ready_ustat, "p.69"),
      ROW(kReady, kUd, on_any_ud, "p.73"),
      ROW(kReady, kMd, on_any_md, "p.73"),
      ROW(kReady, kEstablishRequest, not_allowed, "-"),
      ROW(kReady, kEstablishResponse, not_allowed, "-"),
      ROW(kReady, kReleaseRequest, release_req_connected, "p.60"),
      ROW(kReady, kDataRequest, on_ready_data_req, "p.63"),
      ROW(kReady, kUnitdataRequest, on_any_unitdata_req, "p.73-74"),
      ROW(kReady, kResyncRequest, resync_req, "p.60"),
      ROW(kReady, kResyncResponse, not_allowed, "-"),
      ROW(kReady, kRecoverResponse, not_allowed, "-"),
      ROW(kReady, kRetrieveRequest, not_allowed, "-"),
      ROW(kReady, kMaaUnitdataRequest, on_any_maa_unitdata_req, "p.73-74"),
      ROW(kReady, kTimerCc, stale_timer, "-"),
      ROW(kReady, kTimerPoll, on_ready_timer_poll, "p.63"),
      ROW(kReady, kTimerNoResponse, on_ready_timer_noresponse, "p.63"),
      ROW(kReady, kTimerKeepAlive, on_ready_timer_keepalive, "p.63"),
      ROW(kReady, kTimerIdle, on_ready_timer_idle, "p.63"),
  };
  static constexpr StateIndex kIndex = build_index(kRows);
  static_assert(std::size(kRows) == kStateCount * kSignalCount);
};

#undef ROW

std::span<const Sscop::Transition> Sscop::state_matrix() {
  return StateMatrix::kRows;
}

void Sscop::dispatch(SignalInput& in) {
  const auto& row = StateMatrix::kRows[StateMatrix::kIndex[index_of(state_)][index_of(in.signal)]];
  (this->*row.handler)(in);
}

// ---------------------------------------------------------------------------
// Entry points

void Sscop::handle(const Event& ev, TimePoint now, std::vector<Action>& out) {
  handle_event(ev, nullptr, now, out);
}

void Sscop::handle(Event&& ev, TimePoint now, std::vector<Action>& out) {
  handle_event(ev, &ev, now, out);
}

void Sscop::handle_event(const Event& ev, Event* owned, TimePoint now, std::vector<Action>& out) {
  if (const auto* rx = std::get_if<PduReceived>(&ev)) {
    receive(rx->bytes, now, out);
    return;
  }
  out_ = &out;
  now_ = now;
  if (!sdu_too_long(ev)) {
    SignalInput in{kEventSignal[ev.index()], nullptr, &ev, owned};
    dispatch(in);
  }
  if (state_ == State::kReady && transmitter_pending()) service_transmitter();
  out_ = nullptr;
}

// The hot path: a PDU from the link, without an Event around it.
void Sscop::receive(ByteView pdu, TimePoint now, std::vector<Action>& out) {
  out_ = &out;
  now_ = now;
  if (!delivered_.empty()) release_delivered();  // the views of the last indications expire here
  receive_pdu(pdu);
  if (state_ == State::kReady && transmitter_pending()) service_transmitter();
  out_ = nullptr;
}

// The matrix's row the hot path below takes without asking it.
static_assert(
    StateMatrix::kRows[StateMatrix::kIndex[index_of(State::kReady)][index_of(Signal::kDataRequest)]]
        .name == "on_ready_data_req");

// The hot path: an AA-DATA.request in Ready goes to the transmission queue
// (Q.2110 SDL p.63, on_ready_data_req) without an Event around it; in any
// other state, or too long, it takes the matrix's way.
void Sscop::data_request(Bytes&& data, TimePoint now, std::vector<Action>& out) {
  if (state_ != State::kReady || data.size() > params_.max_sdu) {
    Event ev{AaDataRequest{std::move(data)}};
    handle_event(ev, &ev, now, out);
    return;
  }
  out_ = &out;
  now_ = now;
  if (tx_queue_.empty() && rexmit_q_.empty() && params_.max_tx_queue != 0 && !window_closed()) {
    // Nothing waits and the peer gave credit: what service_transmitter()
    // would do with it at once, without the trip through the queue.
    send_new_sd(std::move(data));
  } else {
    to_transmission_queue(std::move(data));
    if (transmitter_pending()) service_transmitter();
  }
  out_ = nullptr;
}

// An AA-DATA.request's data: moved if the caller gave the event up.
Bytes Sscop::take_data(SignalInput& in) {
  if (in.owned != nullptr) return std::move(std::get<AaDataRequest>(*in.owned).data);
  return std::get<AaDataRequest>(*in.event).data;
}

void Sscop::handle_timeouts(TimePoint now, std::vector<Action>& out) {
  out_ = &out;
  now_ = now;
  release_delivered();
  // Bounded: each expiry either stops its timer or restarts it after `now`.
  for (int guard = 0; guard < 64; ++guard) {
    std::optional<std::size_t> due;
    for (std::size_t i = 0; i < kTimerCount; ++i) {
      if (timers_[i] <= now && (!due || timers_[i] < timers_[*due])) due = i;
    }
    if (!due) break;
    stop(static_cast<Timer>(*due));
    SignalInput in{signal_of(static_cast<Timer>(*due))};
    dispatch(in);
    if (state_ == State::kReady && transmitter_pending()) service_transmitter();
  }
  out_ = nullptr;
}

// A received PDU: malformed ones are MAA-ERROR U (Q.2110 clause 9.1), the
// others go to the matrix.
// Decoded in place: an SD's data is not copied (its indication views it).
void Sscop::receive_pdu(ByteView bytes) {
  ByteView info;
  if (state_ == State::kReady && decode_sd_view(bytes, rx_pdu_, info)) {
    // Every message's PDU: decoded inline (as decode_view() would) and the
    // matrix's row (Ready, SD) without asking it.
    peer_past_bgn_ = true;
    SignalInput in{Signal::kSd, &rx_pdu_, nullptr, nullptr, info};
    on_ready_sd(in);
    return;
  }
  receive_other_pdu(bytes);
}

// Any PDU but a well-formed SD in Ready (out of line: the way above keeps no
// DecodeError on its stack).
void Sscop::receive_other_pdu(ByteView bytes) {
  ByteView info;
  // In Ready receive_pdu() has made the SD test already.
  if (auto err = state_ == State::kReady ? decode_view_other(bytes, params_.mode, rx_pdu_, info)
                                         : decode_view(bytes, params_.mode, rx_pdu_, info)) {
    ++stats_.malformed;
    maa_error(err->code);
    if (tracing(log::Id::kSscopMalformed))
      trace(log::Id::kSscopMalformed, std::move(err->reason), to_hex(bytes, 32));
    return;
  }
  // (An SD decodes here only outside Ready: in Ready decode_sd_view() took it.)
  // The handlers of the rarer PDUs take their SSCOP-UU/data as Bytes.
  if (rx_pdu_.type != PduType::kSd && rx_pdu_.type != PduType::kSdp)
    rx_pdu_.info.assign(info.begin(), info.end());
  on_pdu(rx_pdu_, info);
}
static_assert(
    StateMatrix::kRows[StateMatrix::kIndex[index_of(State::kReady)][index_of(Signal::kSd)]].name ==
    "on_ready_sd");

void Sscop::on_pdu(Pdu& p, ByteView info) {
  if (data_phase(p.type)) peer_past_bgn_ = true;
  SignalInput in{signal_of(p.type), &p, nullptr, nullptr, info};
  dispatch(in);
}

// An SD taken from the receiver buffer: kept in delivered_ while its
// indication's view may be read.
void Sscop::deliver(Bytes data, std::uint32_t sn) {
  delivered_.push_back(std::move(data));
  emit(AaDataIndication{ByteView(delivered_.back()), sn});
}

void Sscop::release_delivered() {
  for (auto& b : delivered_) give_back_buffer(std::move(b));
  delivered_.clear();
}

// AA-DATA, AA-UNITDATA and MAA-UNITDATA longer than max_sdu are refused in
// every state, before the matrix is asked.
bool Sscop::sdu_too_long(const Event& ev) {
  if (const auto* d = std::get_if<AaDataRequest>(&ev); d && d->data.size() > params_.max_sdu) {
    trace(log::Id::kSscopDataTooLong, d->data.size());
    return true;
  }
  if (const auto* u = std::get_if<AaUnitdataRequest>(&ev); u && u->data.size() > params_.max_sdu) {
    trace(log::Id::kSscopUnitdataTooLong);
    return true;
  }
  if (const auto* m = std::get_if<MaaUnitdataRequest>(&ev); m && m->data.size() > params_.max_sdu) {
    trace(log::Id::kSscopMaaUnitdataTooLong);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Every state (Q.2110 SDL p.73-74)

// Q.2110 SDL p.73: UD (every state) -> AA-UNITDATA.indication
void Sscop::on_any_ud(In& in) {
  emit(AaUnitdataIndication{std::move(in.pdu->info)});
}

// Q.2110 SDL p.73: MD (every state) -> MAA-UNITDATA.indication
void Sscop::on_any_md(In& in) {
  emit(MaaUnitdataIndication{std::move(in.pdu->info)});
}

// Q.2110 SDL p.73-74: AA-UNITDATA.request (every state) -> UD
void Sscop::on_any_unitdata_req(In& in) {
  Pdu p;
  p.type = PduType::kUd;
  p.info = std::get<AaUnitdataRequest>(*in.event).data;
  send(p);
}

// Q.2110 SDL p.73-74: MAA-UNITDATA.request (every state) -> MD
void Sscop::on_any_maa_unitdata_req(In& in) {
  Pdu p;
  p.type = PduType::kMd;
  p.info = std::get<MaaUnitdataRequest>(*in.event).data;
  send(p);
}

// ---------------------------------------------------------------------------
// Idle (state 1)

// Q.2110 SDL p.31: Idle, AA-ESTABLISH.request
void Sscop::on_idle_establish_req(In& in) {
  establish(std::get<AaEstablishRequest>(*in.event));
}

// Q.2110 SDL p.31 (Idle) and p.40 (OutDisPend): AA-ESTABLISH.request -> BGN
void Sscop::establish(const AaEstablishRequest& r) {
  clear_all_buffers();
  clear_buffers_ = r.clear_buffers;
  uu_bgn_ = r.uu;
  reestablish_ = false;
  vt_cc_ = 1;
  ++vt_sq_;
  initialize_vr_mr();
  send_bgn();
  start(Timer::kCc);
  set_state(State::kOutConnPend);
}

// Q.2110 SDL p.31: Idle, BGN. A retransmitted BGN (N(SQ) = VR(SQ)) is answered
// with BGREJ; with the ATM Forum robustness amendment it is taken as new.
void Sscop::on_idle_bgn(In& in) {
  const Pdu& p = *in.pdu;
  if (params_.robustness) {
    vr_sq_ = p.sq;
  } else if (detect_retransmission(p.sq)) {
    trace(log::Id::kSscopBgnRetransmission, p.sq);
    send_bgrej({});
    return;
  }
  vt_ms_ = p.mr;
  emit(AaEstablishIndication{p.info});
  set_state(State::kInConnPend);
}

// Q.2110 SDL p.31: Idle, END -> ENDAK
void Sscop::on_idle_end(In&) {
  send_endak();
}

// ---------------------------------------------------------------------------
// Outgoing Connection Pending (state 2)

// Q.2110 SDL p.34: OutConnPend, BGAK
void Sscop::on_outconn_bgak(In& in) {
  const Pdu& p = *in.pdu;
  stop(Timer::kCc);
  vt_ms_ = p.mr;
  initialize_state_variables();
  if (reestablish_) {  // Q.SAAL1 re-establishment after a protocol error
    reestablish_ = false;
    emit(AaRecoverIndication{});
    set_state(State::kRecPend);
    return;
  }
  emit(AaEstablishConfirm{p.info});
  set_data_transfer_timers();
  set_state(State::kReady);
}

// Q.2110 SDL p.36: OutConnPend, BGN (crossing BGNs; a retransmission is ignored)
void Sscop::on_outconn_bgn(In& in) {
  const Pdu& p = *in.pdu;
  if (detect_retransmission(p.sq)) {
    ignore(in);
    return;
  }
  stop(Timer::kCc);
  vt_ms_ = p.mr;
  initialize_vr_mr();
  send_bgak({});
  initialize_state_variables();
  if (reestablish_) {
    reestablish_ = false;
    emit(AaRecoverIndication{});
    set_state(State::kRecPend);
    return;
  }
  emit(AaEstablishConfirm{p.info});
  set_data_transfer_timers();
  set_state(State::kReady);
}

// Q.2110 SDL p.34: OutConnPend, BGREJ
void Sscop::on_outconn_bgrej(In& in) {
  stop(Timer::kCc);
  reestablish_ = false;
  emit(AaReleaseIndication{in.pdu->info, Source::kUser});
  set_state(State::kIdle);
}

// Q.2110 SDL p.35: OutConnPend, AA-RELEASE.request -> END, OutDisPend
void Sscop::on_outconn_release_req(In& in) {
  stop(Timer::kCc);
  vt_cc_ = 1;
  uu_end_ = std::get<AaReleaseRequest>(*in.event).uu;
  send_end(uu_end_, false);
  start(Timer::kCc);
  set_state(State::kOutDisPend);
}

// Q.2110 SDL p.35: OutConnPend, Timer_CC expiry
void Sscop::on_outconn_timer_cc(In&) {
  if (vt_cc_ >= params_.max_cc) {
    maa_error('O');
    send_end({}, true);
    reestablish_ = false;
    emit(AaReleaseIndication{{}, Source::kSscop});
    set_state(State::kIdle);
    return;
  }
  ++vt_cc_;
  send_bgn();
  start(Timer::kCc);
}

// Q.SAAL1 (HARP sscop_datreq_outconn): while SSCOP re-establishes on its own
// after a protocol error, SSCF-UNI and Q.2931 still see the link up, so an
// AA-DATA.request is queued for after the BGAK instead of being lost without
// a word. Otherwise (Q.2110 has no such transition) it is refused.
void Sscop::on_outconn_data_req(In& in) {
  if (!reestablish_) {
    not_allowed(in);
    return;
  }
  to_transmission_queue(std::get<AaDataRequest>(*in.event).data);
}

// ---------------------------------------------------------------------------
// Incoming Connection Pending (state 3)

// Q.2110 SDL p.37: InConnPend, AA-ESTABLISH.response
void Sscop::on_inconn_establish_resp(In& in) {
  const auto& r = std::get<AaEstablishResponse>(*in.event);
  const std::uint32_t ms = vt_ms_;
  clear_all_buffers();
  vt_ms_ = ms;
  clear_buffers_ = r.clear_buffers;
  initialize_vr_mr();
  send_bgak(r.uu);
  initialize_state_variables();
  set_data_transfer_timers();
  set_state(State::kReady);
}

// Q.2110 SDL p.37: InConnPend, AA-RELEASE.request -> BGREJ
void Sscop::on_inconn_release_req(In& in) {
  send_bgrej(std::get<AaReleaseRequest>(*in.event).uu);
  set_state(State::kIdle);
}

// Q.2110 SDL p.37: InConnPend, BGN (a retransmission is ignored)
void Sscop::on_inconn_bgn(In& in) {
  const Pdu& p = *in.pdu;
  // Q.SAAL1 cannot tell a retransmitted BGN; HARP ignores BGN here.
  if (detect_retransmission(p.sq) || params_.mode == Mode::kQSaal1) {
    ignore(in);
    return;
  }
  vt_ms_ = p.mr;
  emit(AaReleaseIndication{{}, Source::kUser});
  emit(AaEstablishIndication{p.info});
}

// ---------------------------------------------------------------------------
// Outgoing Disconnection Pending (state 4)

// Q.2110 SDL p.40: OutDisPend, AA-ESTABLISH.request: Timer_CC stopped, then as in Idle
void Sscop::on_outdis_establish_req(In& in) {
  stop(Timer::kCc);
  establish(std::get<AaEstablishRequest>(*in.event));
}

// Q.2110 SDL p.41: OutDisPend, ENDAK (and BGREJ)
void Sscop::on_outdis_endak(In&) {
  stop(Timer::kCc);
  emit(AaReleaseConfirm{});
  set_state(State::kIdle);
}

// Q.2110 SDL p.41: OutDisPend, END (crossing ENDs)
void Sscop::on_outdis_end(In&) {
  stop(Timer::kCc);
  send_endak();
  emit(AaReleaseConfirm{});
  set_state(State::kIdle);
}

// Q.2110 SDL p.42: OutDisPend, BGN. A retransmission (our BGAK was lost and
// the peer does not know yet that we release) is answered with BGAK and END.
void Sscop::on_outdis_bgn(In& in) {
  const Pdu& p = *in.pdu;
  if (detect_retransmission(p.sq)) {
    send_bgak({});
    send_end(uu_end_, false);
    return;
  }
  stop(Timer::kCc);
  vt_ms_ = p.mr;
  emit(AaReleaseConfirm{});
  emit(AaEstablishIndication{p.info});
  set_state(State::kInConnPend);
}

// Q.2110 SDL p.41: OutDisPend, Timer_CC expiry
void Sscop::on_outdis_timer_cc(In&) {
  if (vt_cc_ >= params_.max_cc) {
    maa_error('O');
    emit(AaReleaseConfirm{});
    set_state(State::kIdle);
    return;
  }
  ++vt_cc_;
  send_end(uu_end_, false);
  start(Timer::kCc);
}

// ---------------------------------------------------------------------------
// Outgoing Resynchronization Pending (state 5)

// Q.2110 SDL p.45: OutResyncPend, RSAK
void Sscop::on_outres_rsak(In& in) {
  const Pdu& p = *in.pdu;
  stop(Timer::kCc);
  // Q.SAAL1's RSAK has no N(MR): assume the peer grants our own window.
  vt_ms_ = params_.mode == Mode::kQ2110 ? p.mr : (params_.window & kSeqMask);
  initialize_state_variables();
  emit(AaResyncConfirm{});
  set_data_transfer_timers();
  set_state(State::kReady);
}

// Q.2110 SDL p.45: OutResyncPend, RS (crossing RSs)
void Sscop::on_outres_rs(In& in) {
  const Pdu& p = *in.pdu;
  if (detect_retransmission(p.sq)) {
    ignore(in);
    return;
  }
  stop(Timer::kCc);
  // Q.SAAL1's RS has no N(MR) (HARP sscop_send_rs): assume our own window.
  vt_ms_ = params_.mode == Mode::kQ2110 ? p.mr : (params_.window & kSeqMask);
  initialize_vr_mr();
  send_rsak();
  initialize_state_variables();
  emit(AaResyncConfirm{});
  set_data_transfer_timers();
  set_state(State::kReady);
}

// Q.2110 SDL p.44: OutResyncPend, Timer_CC expiry
void Sscop::on_outres_timer_cc(In&) {
  if (vt_cc_ >= params_.max_cc) {
    maa_error('O');
    send_end({}, true);
    emit(AaReleaseIndication{{}, Source::kSscop});
    prepare_retrieval();
    set_state(State::kIdle);
    return;
  }
  ++vt_cc_;
  send_rs();
  start(Timer::kCc);
}

// Q.2110 SDL p.43: OutResyncPend, BGN. A retransmission (our BGAK was lost):
// BGAK, then our RS again; a new BGN re-establishes.
void Sscop::on_outres_bgn(In& in) {
  const Pdu& p = *in.pdu;
  if (bgn_retransmission(p.sq)) {
    send_bgak({});
    send_rs();
    return;
  }
  peer_bgn_reestablish(p);
}

// ---------------------------------------------------------------------------
// Incoming Resynchronization Pending (state 6)

// Q.2110 SDL p.48: InResyncPend, RS: a retransmission is ignored, a new one is
// MAA-ERROR J. Q.SAAL1 cannot tell a retransmitted RS; HARP ignores RS here.
void Sscop::on_inres_rs(In& in) {
  if (params_.mode == Mode::kQSaal1) {
    ignore(in);
  } else if (!detect_retransmission(in.pdu->sq)) {
    unexpected(in);
  }
}

// Q.2110 SDL p.46: InResyncPend, AA-RESYNC.response
void Sscop::on_inres_resync_resp(In&) {
  initialize_vr_mr();
  send_rsak();
  clear_transmitter();
  initialize_state_variables();
  set_data_transfer_timers();
  set_state(State::kReady);
}

// ---------------------------------------------------------------------------
// Outgoing Recovery Pending (state 7)

// Q.2110 SDL p.49: OutRecPend, ERAK. The state variables are initialised by
// AA-RECOVER.response (p.54).
void Sscop::on_outrec_erak(In& in) {
  stop(Timer::kCc);
  vt_ms_ = in.pdu->mr;
  deliver_data();
  emit(AaRecoverIndication{});
  set_state(State::kRecPend);
}

// Q.2110 SDL p.51: OutRecPend, ER (crossing ERs; a retransmission: MAA-ERROR L)
void Sscop::on_outrec_er(In& in) {
  const Pdu& p = *in.pdu;
  if (detect_retransmission(p.sq)) {
    unexpected(in);
    return;
  }
  stop(Timer::kCc);
  vt_ms_ = p.mr;
  initialize_vr_mr();
  send_erak();
  deliver_data();
  emit(AaRecoverIndication{});
  set_state(State::kRecPend);
}

// Q.2110 SDL p.49: OutRecPend, AA-DATA.request: kept for after the recovery
// only if BR = no
void Sscop::on_outrec_data_req(In& in) {
  if (clear_buffers_) {
    trace(log::Id::kSscopDataInRecovery);
  } else {
    to_transmission_queue(take_data(in));
  }
}

// Q.2110 SDL p.50: OutRecPend, Timer_CC expiry
void Sscop::on_outrec_timer_cc(In&) {
  if (vt_cc_ >= params_.max_cc) {
    maa_error('O');
    send_end({}, true);
    emit(AaReleaseIndication{{}, Source::kSscop});
    prepare_retrieval();
    set_state(State::kIdle);
    return;
  }
  ++vt_cc_;
  send_er();
  start(Timer::kCc);
}

// ---------------------------------------------------------------------------
// Recovery Response Pending (8) and Incoming Recovery Pending (9)

// Q.2110 SDL p.55: RecPend, ER: a retransmission (our ERAK was lost) -> ERAK
// again; a new ER -> MAA-ERROR L
void Sscop::on_recpend_er(In& in) {
  if (detect_retransmission(in.pdu->sq)) {
    send_erak();
  } else {
    unexpected(in);
  }
}

// Q.2110 SDL p.54: RecPend, AA-RECOVER.response
void Sscop::on_recpend_recover_resp(In&) {
  if (!clear_buffers_) retrieve_buf_.clear();
  initialize_state_variables();
  set_data_transfer_timers();
  set_state(State::kReady);
}

// Q.2110 SDL p.59: InRecPend, ER: a retransmission is ignored, a new one is MAA-ERROR L
void Sscop::on_inrec_er(In& in) {
  if (!detect_retransmission(in.pdu->sq)) unexpected(in);
}

// Q.2110 SDL p.56: InRecPend, AA-RECOVER.response
void Sscop::on_inrec_recover_resp(In&) {
  if (!clear_buffers_) retrieve_buf_.clear();
  initialize_vr_mr();
  // Q.SAAL1 has no ERAK: the peer's re-establishment (BGN, S = SSCOP) is
  // answered with BGAK (see on_ready_bgn).
  if (params_.mode == Mode::kQSaal1)
    send_bgak({});
  else
    send_erak();
  initialize_state_variables();
  set_data_transfer_timers();
  set_state(State::kReady);
}

// ---------------------------------------------------------------------------
// Data Transfer Ready (state 10)

// Q.2110 SDL p.66-67: Ready, SD
void Sscop::on_ready_sd(In& in) {
  Pdu& p = *in.pdu;
  const std::uint32_t rel_ns = seq_rel(p.ns, vr_r_);
  const std::uint32_t rel_mr = seq_rel(vr_mr_, vr_r_);
  const std::uint32_t rel_h = seq_rel(vr_h_, vr_r_);
  if (rel_ns >= kHalf) {
    // Not in Q.2110 (its links never duplicate): an SD behind VR(R) was
    // delivered already; Q.2110's arithmetic would take it for one beyond VR(MR).
    trace(log::Id::kSscopSdDuplicate, p.ns, vr_r_);
    return;
  }
  if (rel_ns >= rel_mr) {
    // Outside the credit we gave: USTAT [VR(H), VR(MR)) once, VR(H) := VR(MR).
    // Q.SAAL1 (HARP sscop_sd_process) discards it silently.
    if (params_.mode == Mode::kQ2110 && rel_h < rel_mr) {
      send_ustat(vr_h_, vr_mr_);
      vr_h_ = vr_mr_;
    }
    trace(log::Id::kSscopSdOutsideWindow, p.ns, vr_r_, vr_mr_);
    return;
  }
  if (rel_ns == 0) {
    if (rel_h == 0) vr_h_ = seq_add(p.ns, 1);
    if (!rx_buf_.empty()) rx_buf_.pop_front();
    emit(AaDataIndication{in.info, p.ns});  // a view of the received PDU
    ++stats_.sd_delivered;
    vr_r_ = seq_add(vr_r_, 1);
    while (!rx_buf_.empty() && rx_buf_.front().has_value()) {
      deliver(std::move(*rx_buf_.front()), vr_r_);
      rx_buf_.pop_front();
      ++stats_.sd_delivered;
      vr_r_ = seq_add(vr_r_, 1);
    }
    const std::uint32_t mr = seq_add(vr_r_, params_.window);
    if (seq_rel(mr, vr_mr_) < kHalf) vr_mr_ = mr;
    return;
  }
  if (rel_ns < rel_h && rel_ns < rx_buf_.size() && rx_buf_[rel_ns].has_value()) {
    // A datagram link duplicates: the same SD again is a copy, not an error.
    if (params_.datagram_link && std::ranges::equal(*rx_buf_[rel_ns], in.info)) {
      ignore(in);
      return;
    }
    protocol_error('Q');  // p.67: an SD already in the receiver buffer: N(S) error
    return;
  }
  // A gap: USTAT [VR(H), N(S)); not for Q.SAAL1's SDP, whose POLL part reports it.
  if (rel_ns > rel_h && p.type == PduType::kSd) send_ustat(vr_h_, p.ns);
  if (rel_ns >= rel_h) vr_h_ = seq_add(p.ns, 1);
  if (rx_buf_.size() <= rel_ns) rx_buf_.resize(rel_ns + 1);
  rx_buf_[rel_ns] = pooled_copy(in.info);  // out of sequence: a copy
}

// Q.SAAL1 (Q.2110 SDL p.66-67 in one PDU): Ready, SDP -> as SD, then as POLL
void Sscop::on_ready_sdp(In& in) {
  Pdu poll = *in.pdu;
  SignalInput poll_in{Signal::kSdp, &poll, nullptr, nullptr, in.info};
  on_ready_sd(in);
  if (state_ == State::kReady) on_ready_poll(poll_in);
}

// Q.2110 SDL p.67-68: Ready, POLL (and the POLL part of Q.SAAL1's SDP)
void Sscop::on_ready_poll(In& in) {
  const Pdu& p = *in.pdu;
  std::uint32_t ns = p.ns;
  if (in.signal == Signal::kSdp) {
    // Q.SAAL1 SDP: the poll covers everything up to and including this SD.
    ns = seq_add(p.ns, 1);
    if (seq_rel(ns, vr_r_) < seq_rel(vr_h_, vr_r_)) ns = vr_h_;
  }
  const std::uint32_t rel_ns = seq_rel(ns, vr_r_);
  if (rel_ns >= kHalf || rel_ns < seq_rel(vr_h_, vr_r_)) {
    if (params_.datagram_link) {
      // Overtaken by SDs sent after it (or a late copy): answered with what
      // we have, VR(H) unchanged; the peer retransmits only SDs sent before it.
      send_stat(p.ps);
      return;
    }
    protocol_error('Q');
    return;
  }
  // N(S) beyond VR(MR) is no error: VR(H) := min(N(S), VR(MR)).
  vr_h_ = rel_ns > seq_rel(vr_mr_, vr_r_) ? vr_mr_ : ns;
  send_stat(p.ps);
}

// Q.2110 SDL p.70-72: Ready, STAT
void Sscop::on_ready_stat(In& in) {
  const Pdu& p = *in.pdu;
  if (const char code = stat_error(p)) {
    status_error(in, code);
    return;
  }
  release_acknowledged(p.nr);
  const std::uint32_t count = stat_apply_list(p);
  vt_pa_ = p.ps;
  vt_ms_ = p.mr;
  // p.71: ngatm reports V after every list (count possibly 0), HARP only when
  // something is retransmitted; we follow HARP (a V of 0 tells nothing).
  if (count != 0) maa_error('V', count);
  check_credit();
  stat_timers();
}

// Q.2110 SDL p.70-71: the checks of a STAT, in order; the MAA-ERROR code of the
// first that fails (R: N(PS), S: N(R) or the list), or 0.
char Sscop::stat_error(const Pdu& p) const {
  // VT(PA) <= N(PS) <= VT(PS); with no POLL outstanding (VT(PA) = VT(PS)+1) nothing is valid.
  const std::uint32_t poll_span = seq_rel(vt_ps_, vt_pa_);
  if (poll_span >= kHalf || seq_rel(p.ps, vt_pa_) > poll_span) return 'R';
  const std::uint32_t span = seq_rel(vt_s_, vt_a_);
  const std::uint32_t rel_nr = seq_rel(p.nr, vt_a_);
  if (rel_nr > span) return 'S';
  // A single list element bounds nothing and is ignored (as ngatm does).
  const std::size_t n = p.list.size() >= 2 ? p.list.size() : 0;
  std::uint32_t prev = rel_nr;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t r = seq_rel(p.list[i], vt_a_);
    // First element: N(R) <= SEQ1 < VT(S); then strictly increasing, <= VT(S).
    if ((i == 0 ? (r < prev || r >= span) : (r <= prev || r > span))) return 'S';
    prev = r;
  }
  // An SD asked for again that a STAT acknowledged and Clear-Buffers released
  // is no longer in the transmission buffer: list error.
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    for (std::uint32_t ns = p.list[i]; ns != p.list[i + 1]; ns = seq_add(ns, 1)) {
      const std::uint32_t idx = seq_rel(ns, vt_a_);
      if (idx >= tx_buf_.size() || (tx_buf_[idx].acked && clear_buffers_)) return 'S';
    }
  }
  return 0;
}

// Q.2110 SDL p.71: the list of a valid STAT. Each [list[i], list[i+1]) is
// missing (retransmitted if sent before the POLL this STAT answers), each
// [list[i+1], list[i+2]) received (selectively acknowledged). Returns how many
// SDs were queued for retransmission.
std::uint32_t Sscop::stat_apply_list(const Pdu& p) {
  const std::size_t n = p.list.size() >= 2 ? p.list.size() : 0;
  std::uint32_t count = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    for (std::uint32_t ns = p.list[i]; ns != p.list[i + 1]; ns = seq_add(ns, 1)) {
      const std::uint32_t idx = seq_rel(ns, vt_a_);
      if (idx >= tx_buf_.size()) continue;
      TxEntry& e = tx_buf_[idx];
      if (e.in_rexmit || !sd_before_poll(e.ps, p.ps)) continue;
      e.acked = false;
      e.in_rexmit = true;
      rexmit_q_.push_back(ns);
      ++count;
    }
    if (i + 2 < n) {
      for (std::uint32_t ns = p.list[i + 1]; ns != p.list[i + 2]; ns = seq_add(ns, 1)) {
        const std::uint32_t idx = seq_rel(ns, vt_a_);
        if (idx >= tx_buf_.size()) continue;
        TxEntry& e = tx_buf_[idx];
        e.acked = true;
        if (clear_buffers_) give_back_buffer(std::move(e.pdu));
      }
    }
  }
  return count;
}

// Q.2110 SDL p.72: after a STAT, Timer_NO-RESPONSE again while polling; in
// the transient phase (no Timer_POLL) the idle phase begins.
void Sscop::stat_timers() {
  if (params_.mode == Mode::kQSaal1 || running(Timer::kPoll)) {
    start(Timer::kNoResponse);
  } else if (!running(Timer::kIdle)) {
    stop(Timer::kKeepAlive);
    stop(Timer::kNoResponse);
    start(Timer::kIdle);
  }
}

// Q.2110 SDL p.69: Ready, USTAT
void Sscop::on_ready_ustat(In& in) {
  const Pdu& p = *in.pdu;
  const std::uint32_t span = seq_rel(vt_s_, vt_a_);
  const std::uint32_t rel_nr = seq_rel(p.nr, vt_a_);
  if (p.list.size() != 2) {
    status_error(in, 'T');
    return;
  }
  const std::uint32_t l1 = seq_rel(p.list[0], vt_a_);
  const std::uint32_t l2 = seq_rel(p.list[1], vt_a_);
  // VT(A) <= N(R) < VT(S); N(R) <= SEQ1 < SEQ2 < VT(S).
  if (rel_nr >= span || l1 < rel_nr || l2 <= l1 || l2 >= span) {
    status_error(in, 'T');
    return;
  }
  for (std::uint32_t i = l1; i < l2; ++i) {
    if (i >= tx_buf_.size() || (tx_buf_[i].acked && clear_buffers_)) {
      status_error(in, 'T');  // asked for an SD that is no longer buffered
      return;
    }
  }
  release_acknowledged(p.nr);
  vt_ms_ = p.mr;
  std::uint32_t count = 0;
  for (std::uint32_t ns = p.list[0]; ns != p.list[1]; ns = seq_add(ns, 1)) {
    const std::uint32_t idx = seq_rel(ns, vt_a_);
    if (idx >= tx_buf_.size()) continue;
    TxEntry& e = tx_buf_[idx];
    ++count;
    if (e.in_rexmit) continue;
    e.acked = false;
    e.in_rexmit = true;
    rexmit_q_.push_back(ns);
  }
  maa_error('V', count);
}

// Q.2110 SDL p.61: Ready, BGN. A retransmission (our BGAK was lost): BGAK again
// and Timer_NO-RESPONSE restarted, no MAA-ERROR.
void Sscop::on_ready_bgn(In& in) {
  if (bgn_retransmission(in.pdu->sq)) {
    start(Timer::kNoResponse);
    send_bgak({});
    return;
  }
  if (params_.mode == Mode::kQSaal1 && in.pdu->source_sscop) {
    peer_sscop_reestablish(*in.pdu);
    return;
  }
  peer_bgn_reestablish(*in.pdu);
}

// Q.SAAL1: a BGN with S = SSCOP is the peer SSCOP's own re-establishment
// after a protocol error, the draft's counterpart of Q.2110's ER (p.61): the
// peer reports AA-RECOVER.indication at its end (on_outconn_bgak), and so do
// we, instead of a release (HARP sscop_bgn_inresyn gives AA-RELEASE and
// AA-ESTABLISH.indication). With a release, Q.2931 at this end alone would
// clear every call being set up while the other end keeps them (issue 14's
// soak: every call of a run ended with -ENETRESET). AA-RECOVER.response sends
// the BGAK (on_inrec_recover_resp).
void Sscop::peer_sscop_reestablish(const Pdu& p) {
  stop_data_transfer_timers();
  vt_ms_ = p.mr;
  prepare_recovery();
  deliver_data();
  ++stats_.recoveries;
  emit(AaRecoverIndication{});
  set_state(State::kInRecPend);
}

// Q.2110 SDL p.62: Ready, END
void Sscop::on_ready_end(In& in) {
  peer_end(in);
}

// Q.2110 SDL p.62: Ready, RS. A retransmission (our RSAK was lost): RSAK again,
// Timer_NO-RESPONSE restarted.
void Sscop::on_ready_rs(In& in) {
  if (detect_retransmission(in.pdu->sq)) {
    start(Timer::kNoResponse);
    send_rsak();
    return;
  }
  peer_rs_resync(*in.pdu);
}

// Q.2110 SDL p.61: Ready, ER. A retransmission (our ERAK was lost): ERAK again,
// Timer_NO-RESPONSE restarted.
void Sscop::on_ready_er(In& in) {
  const Pdu& p = *in.pdu;
  if (detect_retransmission(p.sq)) {
    start(Timer::kNoResponse);
    send_erak();
    return;
  }
  stop_data_transfer_timers();
  vt_ms_ = p.mr;
  prepare_recovery();
  deliver_data();
  ++stats_.recoveries;
  emit(AaRecoverIndication{});
  set_state(State::kInRecPend);
}

// Q.2110 SDL p.63: Ready, AA-DATA.request -> transmission queue
void Sscop::on_ready_data_req(In& in) {
  to_transmission_queue(take_data(in));
}

// The Transmission Queue has a bound (Params::max_tx_queue); Q.2110 has none
// because it leaves flow control towards the user to the implementation.
void Sscop::to_transmission_queue(Bytes data) {
  if (tx_queue_.size() >= params_.max_tx_queue) {
    ++stats_.tx_discarded;
    trace(log::Id::kSscopTxQueueFull, tx_queue_.size());
    give_back_buffer(std::move(data));
    return;
  }
  tx_queue_.push_back(std::move(data));
}

// Q.2110 SDL p.63: Ready, Timer_POLL expiry
void Sscop::on_ready_timer_poll(In&) {
  vt_ps_ = seq_add(vt_ps_, 1);
  Pdu p;
  p.type = PduType::kPoll;
  p.ps = vt_ps_;
  p.ns = vt_s_;
  send(p);
  ++stats_.polls_sent;
  vt_pd_ = 0;
  set_poll_timer();
}

// Q.2110 SDL p.63: Ready, Timer_KEEP-ALIVE expiry (as Timer_POLL)
void Sscop::on_ready_timer_keepalive(In& in) {
  on_ready_timer_poll(in);
}

// Q.2110 SDL p.63: Ready, Timer_IDLE expiry: Timer_NO-RESPONSE, then as Timer_POLL
void Sscop::on_ready_timer_idle(In& in) {
  start(Timer::kNoResponse);
  on_ready_timer_poll(in);
}

// Q.2110 SDL p.63: Ready, Timer_NO-RESPONSE expiry
void Sscop::on_ready_timer_noresponse(In&) {
  maa_error('P');
  stop_data_transfer_timers();
  send_end({}, true);
  emit(AaReleaseIndication{{}, Source::kSscop});
  prepare_retrieval();
  set_state(State::kIdle);
}

// ---------------------------------------------------------------------------
// Shared handlers

// Q.2110 SDL p.44 (5), p.46 (6), p.50 (7), p.54 (8), p.56 (9), p.60 (10):
// AA-RELEASE.request -> END, OutDisPend
void Sscop::release_req_connected(In& in) {
  stop_data_transfer_timers();
  stop(Timer::kCc);
  vt_cc_ = 1;
  uu_end_ = std::get<AaReleaseRequest>(*in.event).uu;
  send_end(uu_end_, false);
  prepare_retrieval();
  start(Timer::kCc);
  set_state(State::kOutDisPend);
}

// Q.2110 SDL p.60 (Ready), p.51 (OutRecPend), p.54 (RecPend), p.56 (InRecPend):
// AA-RESYNC.request -> RS, OutResyncPend
void Sscop::resync_req(In& in) {
  stop_data_transfer_timers();
  stop(Timer::kCc);
  vt_cc_ = 1;
  ++vt_sq_;
  initialize_vr_mr();
  uu_rs_ = std::get<AaResyncRequest>(*in.event).uu;
  clear_all_buffers();
  send_rs();
  ++stats_.resyncs;
  start(Timer::kCc);
  set_state(State::kOutResyncPend);
}

// Q.2110 SDL p.39 (3), p.43 (5), p.46 (6), p.49 (7), p.53 (8), p.56 (9), p.62
// (10): END -> ENDAK, AA-RELEASE.indication (Source from the S bit), Idle
void Sscop::peer_end(In& in) {
  const Pdu& p = *in.pdu;
  stop(Timer::kCc);
  stop_data_transfer_timers();
  send_endak();
  reestablish_ = false;
  emit(AaReleaseIndication{p.info, p.source_sscop ? Source::kSscop : Source::kUser});
  prepare_retrieval();
  set_state(State::kIdle);
}

// Q.2110 SDL p.47 (6), p.51 (7), p.55 (8), p.59 (9): BGN. A retransmission
// is MAA-ERROR B; a new BGN -> AA-RELEASE.indication, AA-ESTABLISH.indication.
void Sscop::on_connected_bgn(In& in) {
  if (bgn_retransmission(in.pdu->sq)) {
    unexpected(in);
  } else {
    peer_bgn_reestablish(*in.pdu);
  }
}

// Q.2110 SDL p.52 (7), p.54 (8), p.58 (9): RS. A retransmission is MAA-ERROR
// J; a new RS -> AA-RESYNC.indication.
void Sscop::on_recovery_rs(In& in) {
  if (detect_retransmission(in.pdu->sq)) {
    unexpected(in);
  } else {
    peer_rs_resync(*in.pdu);
  }
}

// Q.2110 SDL p.43, 47, 51, 55, 59, 61: BGN (not a retransmission) in states 5..10
// -> AA-RELEASE.indication, AA-ESTABLISH.indication, InConnPend. The release
// is reported with Source = user (the peer's user asked for the new connection),
// as ngatm does.
void Sscop::peer_bgn_reestablish(const Pdu& p) {
  stop(Timer::kCc);
  stop_data_transfer_timers();
  vt_ms_ = p.mr;
  prepare_retrieval();
  emit(AaReleaseIndication{{}, Source::kUser});
  emit(AaEstablishIndication{p.info});
  set_state(State::kInConnPend);
}

// Q.2110 SDL p.62 (Ready: prepare retrieval), p.52 (OutRecPend: clear the
// receiver buffer), p.54, p.58: RS (not a retransmission) -> AA-RESYNC.indication
void Sscop::peer_rs_resync(const Pdu& p) {
  const bool from_ready = state_ == State::kReady;
  stop(Timer::kCc);
  stop_data_transfer_timers();
  // Q.SAAL1's RS has no N(MR): assume the peer grants our own window.
  vt_ms_ = params_.mode == Mode::kQ2110 ? p.mr : (params_.window & kSeqMask);
  if (from_ready) {
    prepare_retrieval();
  } else {
    rx_buf_.clear();
  }
  ++stats_.resyncs;
  emit(AaResyncIndication{p.info});
  set_state(State::kInResyncPend);
}

// Q.2110 SDL, every state: an unsolicited or inappropriate PDU is reported
// with its MAA-ERROR code (A..M) and otherwise ignored.
void Sscop::unexpected(In& in) {
  maa_error(unsolicited_code(in.pdu->type));
  if (tracing(log::Id::kSscopPduUnexpected))
    trace(log::Id::kSscopPduUnexpected, describe(*in.pdu, in.info), to_string(state_));
}

// Q.2110 SDL p.32-33: Idle, a PDU of a connection we do not have: MAA-ERROR, END (S = SSCOP)
void Sscop::unexpected_end(In& in) {
  unexpected(in);
  send_end({}, true);
}

// SD, POLL, STAT, USTAT where Q.2110 releases: MAA-ERROR, END (S = SSCOP),
// AA-RELEASE.indication, Idle (p.38, 47, 55, 57).
void Sscop::unexpected_release(In& in) {
  unexpected(in);
  stop(Timer::kCc);
  stop_data_transfer_timers();
  send_end({}, true);
  reestablish_ = false;
  emit(AaReleaseIndication{{}, Source::kSscop});
  prepare_retrieval();
  set_state(State::kIdle);
}

// ENDAK or BGREJ where the connection is up or coming up (p.37-38, 43, 46, 49,
// 53, 57, 62): the peer has already released, so no END is sent. MAA-ERROR F/D,
// AA-RELEASE.indication (Source = SSCOP), Idle.
void Sscop::peer_gone(In& in) {
  unexpected(in);
  stop(Timer::kCc);
  stop_data_transfer_timers();
  reestablish_ = false;
  emit(AaReleaseIndication{{}, Source::kSscop});
  prepare_retrieval();
  set_state(State::kIdle);
}

// A PDU Q.2110's SDL drops without a word in this state (e.g. p.34, 40, 60).
void Sscop::ignore(In& in) {
  if (tracing(log::Id::kSscopPduIgnored))
    trace(log::Id::kSscopPduIgnored, describe(*in.pdu, in.info), to_string(state_));
}

// A primitive the user may not issue in this state (Q.2110 has no transition for it).
void Sscop::not_allowed(In& in) {
  trace(log::Id::kSscopNotAllowed, to_string(in.signal), to_string(state_));
}

// A timer expiry in a state where that timer does not run (it was stopped on
// the way here): nothing to do.
void Sscop::stale_timer(In& in) {
  trace(log::Id::kSscopStaleTimer, to_string(in.signal), to_string(state_));
}

// Q.2110 SDL p.67 "common recovery start" (Ready: a protocol error in an SD,
// POLL, STAT or USTAT): ER, OutRecPend; the receiver buffer is delivered when
// the ERAK arrives (p.49). Q.SAAL1 has no ER: SSCOP re-establishes with BGN.
void Sscop::protocol_error(char code) {
  maa_error(code);
  stop_data_transfer_timers();
  vt_cc_ = 1;
  ++vt_sq_;
  initialize_vr_mr();
  ++stats_.recoveries;
  if (params_.mode == Mode::kQ2110) {
    prepare_recovery();
    send_er();
    start(Timer::kCc);
    set_state(State::kOutRecPend);
  } else {
    prepare_retrieval();
    uu_bgn_.clear();
    reestablish_ = true;
    send_bgn();
    start(Timer::kCc);
    set_state(State::kOutConnPend);
  }
}

bool Sscop::testing_set_sequence_origin(std::uint32_t origin) {
  if (state_ != State::kReady || !tx_buf_.empty() || !rx_buf_.empty() || !rexmit_q_.empty() ||
      vt_s_ != vt_a_ || vr_r_ != vr_h_) {
    return false;
  }
  origin &= kSeqMask;
  vt_ms_ = seq_add(origin, seq_rel(vt_ms_, vt_a_));
  vr_mr_ = seq_add(origin, seq_rel(vr_mr_, vr_r_));
  vt_s_ = vt_a_ = vr_r_ = vr_h_ = origin;
  return true;
}

// ---------------------------------------------------------------------------
// Procedures

// A STAT or USTAT that fails Q.2110's checks (p.69-71): a protocol error,
// except on a datagram link, where it is a late copy or was overtaken (it
// answers a POLL already answered, or asks for SDs acknowledged since): then
// it carries nothing new and is discarded; Timer_NO-RESPONSE still bounds a
// peer that never sends a valid one.
void Sscop::status_error(In& in, char code) {
  if (params_.datagram_link) {
    ignore(in);
    return;
  }
  protocol_error(code);
}

// Q.2110 SDL p.76: detect retransmission (N(SQ) = VR(SQ)?; VR(SQ) := N(SQ)).
// Q.SAAL1 has no N(SQ) check: every BGN/RS is new.
bool Sscop::detect_retransmission(std::uint8_t nsq) {
  if (params_.mode == Mode::kQSaal1) {
    vr_sq_ = nsq;
    return false;
  }
  if (vr_sq_ == nsq) return true;
  vr_sq_ = nsq;
  return false;
}

// A BGN in states 5..10 (Q.2110 SDL p.43, 47, 51, 55, 59, 61) repeats the one
// of the current connection only if the peer has not shown yet that it got
// our BGAK. Q.2110 looks at N(SQ) alone, which cannot tell a restarted peer
// whose SSCOP starts again at the same N(SQ) (linux-atm: always 0) from a
// retransmission: the old connection's calls would stay up, and the new
// connection's first SDs be discarded as duplicates.
bool Sscop::bgn_retransmission(std::uint8_t nsq) {
  if (!peer_past_bgn_) {
    // Q.SAAL1 has no N(SQ): on a datagram link, a BGN before the peer has
    // shown it got our BGAK is taken for a copy of the one we answered.
    if (params_.mode == Mode::kQSaal1 && params_.datagram_link) return true;
    return detect_retransmission(nsq);
  }
  vr_sq_ = nsq;
  return false;
}

void Sscop::initialize_state_variables() {
  vt_s_ = vt_ps_ = vt_a_ = 0;
  vt_pa_ = 1;
  vt_pd_ = 0;
  credit_ = true;
  vr_r_ = vr_h_ = 0;
  tx_buf_.clear();
  rexmit_q_.clear();
  rx_buf_.clear();
}

void Sscop::set_data_transfer_timers() {
  stop(Timer::kKeepAlive);
  stop(Timer::kIdle);
  start(Timer::kPoll);
  start(Timer::kNoResponse);
}

void Sscop::stop_data_transfer_timers() {
  stop(Timer::kPoll);
  stop(Timer::kNoResponse);
  stop(Timer::kKeepAlive);
  stop(Timer::kIdle);
}

void Sscop::release_buffers() {
  drop_transmitter();
  rexmit_q_.clear();
  drop_receiver();
}

// The buffers of what is discarded go back to the pool.
void Sscop::drop_transmitter() {
  tx_queue_.for_each([](Bytes& b) { give_back_buffer(std::move(b)); });
  tx_queue_.clear();
  tx_buf_.for_each([](TxEntry& e) { give_back_buffer(std::move(e.pdu)); });
  tx_buf_.clear();
}

void Sscop::drop_receiver() {
  rx_buf_.for_each([](std::optional<Bytes>& b) {
    if (b) give_back_buffer(std::move(*b));
  });
  rx_buf_.clear();
}

void Sscop::clear_all_buffers() {
  release_buffers();
  retrieve_buf_.clear();
}

// Q.2110 SDL p.75: clear transmitter. With Clear-Buffers = no the transmission
// queue and buffer survived a release/resync for AA-RETRIEVE; now they go.
void Sscop::clear_transmitter() {
  if (clear_buffers_) return;
  drop_transmitter();
  retrieve_buf_.clear();
}

// Q.2110 SDL p.76: set POLL timer. Nothing queued and nothing outstanding:
// Timer_KEEP-ALIVE (transient phase), else Timer_POLL. Q.SAAL1: always POLL.
void Sscop::set_poll_timer() {
  if (params_.mode == Mode::kQ2110 && tx_queue_.empty() && vt_s_ == vt_a_) {
    start(Timer::kKeepAlive);
  } else {
    start(Timer::kPoll);
  }
}

bool Sscop::window_closed() const {
  const std::uint32_t rel_ms = seq_rel(vt_ms_, vt_a_);
  const std::uint32_t window = rel_ms < kHalf ? rel_ms : 0;
  return seq_rel(vt_s_, vt_a_) >= window;
}

// Q.2110 SDL p.72 (after a STAT, label "L"): VT(S) >= VT(MS) -> MAA-ERROR W
// once; the window open again -> MAA-ERROR X.
void Sscop::check_credit() {
  if (window_closed()) {
    if (credit_) {
      credit_ = false;
      maa_error('W');
    }
  } else if (!credit_) {
    credit_ = true;
    maa_error('X');
  }
}

void Sscop::send_ustat(std::uint32_t l1, std::uint32_t l2) {
  Pdu u;
  u.type = PduType::kUstat;
  u.nr = vr_r_;
  u.mr = vr_mr_;
  u.list = {l1, l2};
  send(u);
  ++stats_.ustats_sent;
}

void Sscop::prepare_retrieval() {
  rexmit_q_.clear();
  drop_receiver();
  if (clear_buffers_) {
    drop_transmitter();
    retrieve_buf_.clear();
    return;
  }
  for (std::size_t i = 0; i < tx_buf_.size(); ++i) {
    if (!tx_buf_[i].acked) {
      retrieve_buf_.emplace_back(seq_add(vt_a_, static_cast<std::uint32_t>(i)), sdu_of(tx_buf_[i]));
    }
  }
  tx_buf_.clear();
}

void Sscop::prepare_recovery() {
  rexmit_q_.clear();
  if (clear_buffers_) {
    tx_queue_.clear();
    tx_buf_.clear();
    return;
  }
  for (std::size_t i = 0; i < tx_buf_.size(); ++i) {
    if (!tx_buf_[i].acked) {
      retrieve_buf_.emplace_back(seq_add(vt_a_, static_cast<std::uint32_t>(i)), sdu_of(tx_buf_[i]));
    }
  }
  tx_buf_.clear();
}

void Sscop::deliver_data() {
  if (!clear_buffers_) {
    for (std::size_t i = 0; i < rx_buf_.size(); ++i) {
      if (rx_buf_[i]) {
        deliver(std::move(*rx_buf_[i]), seq_add(vr_r_, static_cast<std::uint32_t>(i)));
        ++stats_.sd_delivered;
      }
    }
  }
  rx_buf_.clear();
}

// Q.2110 SDL p.33 (1), p.39 (3), p.42 (4), p.48 (6), p.53 (8), p.58 (9):
// AA-RETRIEVE.request
void Sscop::retrieve_req(In& in) {
  retrieve(std::get<AaRetrieveRequest>(*in.event));
}

// Q.2110 SDL p.76: data retrieval
void Sscop::retrieve(const AaRetrieveRequest& r) {
  if (!r.unknown) {
    for (auto& [ns, data] : retrieve_buf_) {
      const std::uint32_t d = r.rn ? seq_rel(ns, *r.rn) : 1;
      if (d != 0 && d < kHalf) emit(AaRetrieveIndication{std::move(data)});
    }
  }
  retrieve_buf_.clear();
  for (std::size_t i = 0; i < tx_queue_.size(); ++i)
    emit(AaRetrieveIndication{std::move(tx_queue_[i])});
  tx_queue_.clear();
  emit(AaRetrieveCompleteIndication{});
}

bool Sscop::sd_before_poll(std::uint32_t sd_ps, std::uint32_t nps) const {
  const std::uint32_t d = seq_rel(nps, sd_ps);
  return d != 0 && d < kHalf;
}

void Sscop::release_acknowledged(std::uint32_t nr) {
  // The acknowledged SDs' buffers back to the pool, in order; their slots
  // are left as they are (emptied), not reset one by one.
  const std::size_t n = std::min<std::size_t>(seq_rel(nr, vt_a_), tx_buf_.size());
  for (std::size_t i = 0; i < n; ++i) give_back_buffer(std::move(tx_buf_[i].pdu));
  tx_buf_.drop_front_emptied(n);
  vt_a_ = nr;
}

// Q.2110 SDL p.65: an SD PDU is sent (Timer_POLL takes over from IDLE/KEEP-ALIVE)
void Sscop::ensure_poll_phase() {
  if (running(Timer::kPoll)) return;
  if (params_.mode == Mode::kQ2110) {
    if (running(Timer::kIdle)) {
      stop(Timer::kIdle);
      start(Timer::kNoResponse);
    } else {
      stop(Timer::kKeepAlive);
    }
  }
  start(Timer::kPoll);
}

void Sscop::send_poll() {
  vt_ps_ = seq_add(vt_ps_, 1);
  Pdu p;
  p.type = PduType::kPoll;
  p.ps = vt_ps_;
  p.ns = vt_s_;
  send(p);
  ++stats_.polls_sent;
  vt_pd_ = 0;
  start(Timer::kPoll);
}

// Q.2110 SDL p.68: the STAT answering a POLL, segmented at MaxSTAT elements.
void Sscop::send_stat(std::uint32_t nps) {
  Pdu& s = stat_pdu_;  // reused: the list keeps its capacity
  s.list.clear();
  s.type = PduType::kStat;
  s.ps = nps;
  s.mr = vr_mr_;
  s.nr = vr_r_;
  const std::uint32_t h = seq_rel(vr_h_, vr_r_);
  auto present = [this](std::uint32_t i) { return i < rx_buf_.size() && rx_buf_[i].has_value(); };
  std::uint32_t i = 0;
  while (i < h) {
    if (present(i)) {
      ++i;
      continue;
    }
    std::uint32_t j = i + 1;
    while (j < h && !present(j)) ++j;
    s.list.push_back(seq_add(vr_r_, i));
    s.list.push_back(seq_add(vr_r_, j));
    if (s.list.size() >= params_.max_stat) {
      // Send MaxSTAT elements; the next STAT starts with the last one sent.
      std::vector<std::uint32_t> rest(s.list.begin() + params_.max_stat - 1, s.list.end());
      s.list.resize(params_.max_stat);
      send(s);
      ++stats_.stats_sent;
      s.list = std::move(rest);
    }
    i = j;
    // The last run received after a gap ends at VR(H): one more element (p.68).
    if (i < h && [&] {
          std::uint32_t k = i;
          while (k < h && present(k)) ++k;
          return k == h;
        }()) {
      s.list.push_back(vr_h_);
      break;
    }
  }
  send(s);
  ++stats_.stats_sent;
}

// Q.2110 SDL p.64-65: Ready, "SD PDU queued": retransmissions first, then new
// SDs within the credit; POLL after MaxPD SDs (and, optionally, after the last
// retransmission).
void Sscop::service_transmitter() {
  for (;;) {
    if (!rexmit_q_.empty()) {
      const std::uint32_t ns = rexmit_q_.front();
      rexmit_q_.pop_front();
      const std::uint32_t idx = seq_rel(ns, vt_a_);
      if (idx >= tx_buf_.size() || !tx_buf_[idx].in_rexmit || tx_buf_[idx].acked) continue;
      TxEntry& e = tx_buf_[idx];
      e.in_rexmit = false;
      e.ps = vt_ps_;
      emit(SendPdu{pooled_copy(e.pdu)});  // the PDU as first sent (same N(S)): a copy
      ++stats_.sd_retransmitted;
      vt_pd_ += 1;
      ensure_poll_phase();
      if (vt_pd_ >= params_.max_pd) {
        send_poll();
      } else if (params_.poll_after_retransmission && rexmit_q_.empty()) {
        send_poll();
      }
      continue;
    }
    if (tx_queue_.empty()) return;
    if (window_closed()) {
      // p.64: no credit. In the idle phase the peer would not be asked for a
      // STAT (and so for credit) before Timer_IDLE: POLL at once.
      if (params_.mode == Mode::kQ2110 && running(Timer::kIdle)) {
        stop(Timer::kIdle);
        start(Timer::kNoResponse);
        send_poll();
      }
      return;
    }
    Bytes sdu = std::move(tx_queue_.front());
    tx_queue_.pop_front();
    send_new_sd(std::move(sdu));
  }
}

// Q.2110 SDL p.64: a new SD, N(S) = VT(S), within the credit. The SDU becomes
// the SD PDU that goes out; the transmission buffer keeps a copy in a buffer
// of the pool, given back when the SD is acknowledged (no allocation in
// steady state).
void Sscop::send_new_sd(Bytes&& pdu) {
  const auto len = static_cast<std::uint32_t>(pdu.size());
  append_sd_trailer(pdu, vt_s_);
  TxEntry& e = tx_buf_.push_back_slot();  // every member set here
  e.pdu = pooled_copy(pdu);
  e.len = len;
  e.ps = vt_ps_;
  e.acked = false;
  e.in_rexmit = false;
  emit(SendPdu{std::move(pdu)});
  ++stats_.sd_sent;
  vt_s_ = seq_add(vt_s_, 1);
  vt_pd_ += 1;
  ensure_poll_phase();
  if (vt_pd_ >= params_.max_pd) send_poll();
}

// ---------------------------------------------------------------------------
// PDU senders

void Sscop::send(const Pdu& p) {
  Bytes b = take_buffer();  // POLL, STAT, ...: no allocation either
  encode_to(p, params_.mode, b);
  if (b.empty()) {
    give_back_buffer(std::move(b));
    trace(log::Id::kSscopNotCodable, to_string(p.type));
    return;
  }
  emit(SendPdu{std::move(b)});
}

void Sscop::send_bgn() {
  Pdu p;
  p.type = PduType::kBgn;
  // Q.SAAL1 (FreeBSD HARP sscop_send_bgn): no N(SQ) (the octet stays 0); the
  // S bit marks a re-establishment by SSCOP.
  p.sq = params_.mode == Mode::kQ2110 ? vt_sq_ : 0;
  p.source_sscop = params_.mode == Mode::kQSaal1 && reestablish_;
  p.mr = vr_mr_;
  p.info = uu_bgn_;
  send(p);
}

void Sscop::send_bgak(const Bytes& uu) {
  Pdu p;
  p.type = PduType::kBgak;
  p.mr = vr_mr_;
  p.info = uu;
  send(p);
}

void Sscop::send_bgrej(const Bytes& uu) {
  Pdu p;
  p.type = PduType::kBgrej;
  p.info = uu;
  send(p);
}

void Sscop::send_end(const Bytes& uu, bool source_sscop) {
  Pdu p;
  p.type = PduType::kEnd;
  p.source_sscop = source_sscop;
  p.info = uu;
  send(p);
}

void Sscop::send_endak() {
  Pdu p;
  p.type = PduType::kEndak;
  send(p);
}

void Sscop::send_rs() {
  Pdu p;
  p.type = PduType::kRs;
  // Q.SAAL1 (HARP sscop_send_rs): neither N(SQ) nor N(MR), both fields are 0.
  if (params_.mode == Mode::kQ2110) {
    p.sq = vt_sq_;
    p.mr = vr_mr_;
  }
  p.info = uu_rs_;
  send(p);
}

void Sscop::send_rsak() {
  Pdu p;
  p.type = PduType::kRsak;
  p.mr = vr_mr_;
  send(p);
}

void Sscop::send_er() {
  Pdu p;
  p.type = PduType::kEr;
  p.sq = vt_sq_;
  p.mr = vr_mr_;
  send(p);
}

void Sscop::send_erak() {
  Pdu p;
  p.type = PduType::kErak;
  p.mr = vr_mr_;
  send(p);
}

// ---------------------------------------------------------------------------
// Outputs and timers

const log::Levels& Sscop::levels() const {
  static const log::Levels kEveryLevel = log::Levels::all();
  return params_.levels != nullptr ? *params_.levels : kEveryLevel;
}

void Sscop::maa_error(char code, std::uint32_t count) {
  if (code >= 'A' && code < 'A' + static_cast<int>(Stats::kMaaCodes))
    ++stats_.maa_errors[code - 'A'];
  emit(MaaErrorIndication{code, count});
}

void Sscop::set_state(State s) {
  if (s == state_) return;
  // A new connection: the peer has not seen our BGAK yet.
  // Q.SAAL1's re-establishment (RecPend, InRecPend) is one too (BGN/BGAK).
  if (s == State::kReady && (state_ == State::kOutConnPend || state_ == State::kInConnPend ||
                             (params_.mode == Mode::kQSaal1 &&
                              (state_ == State::kRecPend || state_ == State::kInRecPend))))
    peer_past_bgn_ = false;
  trace(log::Id::kSscopState, to_string(state_), to_string(s));
  state_ = s;
}

Duration Sscop::duration(Timer t) const {
  switch (t) {
    case Timer::kCc:
      return params_.timer_cc;
    case Timer::kPoll:
      return params_.timer_poll;
    case Timer::kNoResponse:
      return params_.timer_noresponse;
    case Timer::kKeepAlive:
      return params_.timer_keepalive;
    case Timer::kIdle:
      return params_.timer_idle;
  }
  return params_.timer_cc;
}

void Sscop::start(Timer t) {
  TimePoint& at = timers_[static_cast<std::size_t>(t)];
  const TimePoint was = at;
  at = now_ + duration(t);
  if (at <= deadline_) {
    deadline_ = at;
  } else if (was == deadline_) {
    update_deadline();  // the earliest one moved later
  }
}

void Sscop::stop(Timer t) {
  TimePoint& at = timers_[static_cast<std::size_t>(t)];
  if (at == kNotRunning) return;
  const TimePoint was = at;
  at = kNotRunning;
  if (was == deadline_) update_deadline();
}

void Sscop::update_deadline() {
  TimePoint d = kNotRunning;
  for (const TimePoint t : timers_) d = std::min(d, t);
  deadline_ = d;
}

}  // namespace atmsigd::sscop
