// SSCOP state machine. Structure: handle() decodes the input and dispatches on
// the signal, then on the state (every state listed in every switch); the
// handlers are named after Q.2110's SDL (state_signal) and cite the page of
// the Q.2110 SDL diagrams they implement ("p.NN"), the same page
// numbers FreeBSD's ngatm SSCOP (saal_sscop.c) cites for each transition.
#include "atmsigd/sscop/sscop.hpp"

#include <algorithm>
#include <utility>

namespace atmsigd::sscop {
namespace {

constexpr std::uint32_t kHalf = 1u << 23;

// SD PDU: data, pad, PL|type|N(S). Built directly (hot path, no Pdu copy).
Bytes make_sd(const Bytes& data, std::uint32_t ns) {
  const std::size_t pad = (4 - data.size() % 4) % 4;
  Bytes pdu;
  pdu.reserve(data.size() + pad + 4);
  pdu.insert(pdu.end(), data.begin(), data.end());
  pdu.insert(pdu.end(), pad, std::uint8_t{0});
  const std::uint32_t w = (static_cast<std::uint32_t>(pad) << 30) |
                          (static_cast<std::uint32_t>(PduType::kSd) << 24) | (ns & kSeqMask);
  pdu.push_back(static_cast<std::uint8_t>(w >> 24));
  pdu.push_back(static_cast<std::uint8_t>(w >> 16));
  pdu.push_back(static_cast<std::uint8_t>(w >> 8));
  pdu.push_back(static_cast<std::uint8_t>(w));
  return pdu;
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
// Entry points

void Sscop::handle(const Event& ev, TimePoint now, std::vector<Action>& out) {
  out_ = &out;
  now_ = now;
  std::visit(
      [this](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, PduReceived>) {
          auto decoded = decode(e.bytes, params_.mode);
          if (auto* err = std::get_if<DecodeError>(&decoded)) {
            ++stats_.malformed;
            maa_error(err->code);
            trace("malformed PDU dropped: " + err->reason + " [" + to_hex(e.bytes, 32) + "]");
            return;
          }
          on_pdu(std::get<Pdu>(decoded));
        } else if constexpr (std::is_same_v<E, AaEstablishRequest>) {
          switch (state_) {
            case State::kIdle:
              on_idle_establish_req(e);
              break;
            case State::kOutDisPend:  // Q.2110 SDL p.40: OutDisPend, AA-ESTABLISH.request
              stop(Timer::kCc);
              on_idle_establish_req(e);
              break;
            case State::kOutConnPend:
            case State::kInConnPend:
            case State::kOutResyncPend:
            case State::kInResyncPend:
            case State::kOutRecPend:
            case State::kRecPend:
            case State::kInRecPend:
            case State::kReady:
              not_allowed("AA-ESTABLISH.request");
              break;
          }
        } else if constexpr (std::is_same_v<E, AaEstablishResponse>) {
          switch (state_) {
            case State::kInConnPend:
              on_inconn_establish_resp(e);
              break;
            case State::kIdle:
            case State::kOutConnPend:
            case State::kOutDisPend:
            case State::kOutResyncPend:
            case State::kInResyncPend:
            case State::kOutRecPend:
            case State::kRecPend:
            case State::kInRecPend:
            case State::kReady:
              not_allowed("AA-ESTABLISH.response");
              break;
          }
        } else if constexpr (std::is_same_v<E, AaReleaseRequest>) {
          switch (state_) {
            case State::kOutConnPend:  // Q.2110 SDL p.35: OutConnPend, AA-RELEASE.request
              stop(Timer::kCc);
              vt_cc_ = 1;
              uu_end_ = e.uu;
              send_end(uu_end_, false);
              start(Timer::kCc);
              set_state(State::kOutDisPend);
              break;
            case State::kInConnPend:
              on_inconn_release_req(e);
              break;
            case State::kOutResyncPend:
            case State::kInResyncPend:
            case State::kOutRecPend:
            case State::kRecPend:
            case State::kInRecPend:
            case State::kReady:
              release_req_connected(e);
              break;
            case State::kIdle:
            case State::kOutDisPend:
              not_allowed("AA-RELEASE.request");
              break;
          }
        } else if constexpr (std::is_same_v<E, AaDataRequest>) {
          if (e.data.size() > params_.max_sdu) {
            trace("AA-DATA.request of " + std::to_string(e.data.size()) +
                  " octets exceeds max_sdu; discarded");
            return;
          }
          switch (state_) {
            case State::kReady:  // Q.2110 SDL p.63: AA-DATA.request -> transmission queue
              tx_queue_.push_back(e.data);
              break;
            case State::kOutRecPend:  // p.49: kept for after the recovery only if BR = no
              if (clear_buffers_) {
                trace("AA-DATA.request in OutRecPend with Clear-Buffers = yes; discarded");
              } else {
                tx_queue_.push_back(e.data);
              }
              break;
            case State::kIdle:
            case State::kOutConnPend:
            case State::kInConnPend:
            case State::kOutDisPend:
            case State::kOutResyncPend:
            case State::kInResyncPend:
            case State::kRecPend:
            case State::kInRecPend:
              not_allowed("AA-DATA.request");
              break;
          }
        } else if constexpr (std::is_same_v<E, AaUnitdataRequest>) {
          // Q.2110 SDL p.73-74: every state, AA-UNITDATA.request -> UD
          if (e.data.size() > params_.max_sdu) {
            trace("AA-UNITDATA.request too long; discarded");
            return;
          }
          Pdu p;
          p.type = PduType::kUd;
          p.info = e.data;
          send(p);
        } else if constexpr (std::is_same_v<E, MaaUnitdataRequest>) {
          // Q.2110 SDL p.73-74: every state, MAA-UNITDATA.request -> MD
          if (e.data.size() > params_.max_sdu) {
            trace("MAA-UNITDATA.request too long; discarded");
            return;
          }
          Pdu p;
          p.type = PduType::kMd;
          p.info = e.data;
          send(p);
        } else if constexpr (std::is_same_v<E, AaResyncRequest>) {
          switch (state_) {
            case State::kReady:
            case State::kOutRecPend:
            case State::kRecPend:
            case State::kInRecPend:
              resync_req(e);
              break;
            case State::kIdle:
            case State::kOutConnPend:
            case State::kInConnPend:
            case State::kOutDisPend:
            case State::kOutResyncPend:
            case State::kInResyncPend:
              not_allowed("AA-RESYNC.request");
              break;
          }
        } else if constexpr (std::is_same_v<E, AaResyncResponse>) {
          switch (state_) {
            case State::kInResyncPend:
              on_inres_resync_resp();
              break;
            case State::kIdle:
            case State::kOutConnPend:
            case State::kInConnPend:
            case State::kOutDisPend:
            case State::kOutResyncPend:
            case State::kOutRecPend:
            case State::kRecPend:
            case State::kInRecPend:
            case State::kReady:
              not_allowed("AA-RESYNC.response");
              break;
          }
        } else if constexpr (std::is_same_v<E, AaRecoverResponse>) {
          switch (state_) {
            case State::kRecPend:
              on_recpend_recover_resp();
              break;
            case State::kInRecPend:
              on_inrec_recover_resp();
              break;
            case State::kIdle:
            case State::kOutConnPend:
            case State::kInConnPend:
            case State::kOutDisPend:
            case State::kOutResyncPend:
            case State::kInResyncPend:
            case State::kOutRecPend:
            case State::kReady:
              not_allowed("AA-RECOVER.response");
              break;
          }
        } else if constexpr (std::is_same_v<E, AaRetrieveRequest>) {
          switch (state_) {
            case State::kIdle:          // Q.2110 SDL p.33
            case State::kInConnPend:    // p.39
            case State::kOutDisPend:    // p.42
            case State::kInResyncPend:  // p.48
            case State::kRecPend:       // p.53
            case State::kInRecPend:     // p.58
              retrieve(e);
              break;
            case State::kOutConnPend:
            case State::kOutResyncPend:
            case State::kOutRecPend:
            case State::kReady:
              not_allowed("AA-RETRIEVE.request");
              break;
          }
        }
      },
      ev);
  if (state_ == State::kReady) service_transmitter();
  out_ = nullptr;
}

void Sscop::handle_timeouts(TimePoint now, std::vector<Action>& out) {
  out_ = &out;
  now_ = now;
  // Bounded: each expiry either stops its timer or restarts it after `now`.
  for (int guard = 0; guard < 64; ++guard) {
    std::optional<std::size_t> due;
    for (std::size_t i = 0; i < kTimerCount; ++i) {
      if (timers_[i] && *timers_[i] <= now && (!due || *timers_[i] < *timers_[*due])) due = i;
    }
    if (!due) break;
    timers_[*due].reset();
    on_timer(static_cast<Timer>(*due));
    if (state_ == State::kReady) service_transmitter();
  }
  out_ = nullptr;
}

std::optional<TimePoint> Sscop::next_deadline() const {
  std::optional<TimePoint> d;
  for (const auto& t : timers_) d = earliest(d, t);
  return d;
}

// ---------------------------------------------------------------------------
// PDU dispatch: signal first, then state.

void Sscop::on_pdu(Pdu& p) {
  const State s = state_;
  if (p.type == PduType::kSd || p.type == PduType::kSdp || p.type == PduType::kPoll ||
      p.type == PduType::kStat || p.type == PduType::kUstat || p.type == PduType::kRs ||
      p.type == PduType::kRsak || p.type == PduType::kEr || p.type == PduType::kErak)
    peer_past_bgn_ = true;
  switch (p.type) {
    case PduType::kUd:  // Q.2110 SDL p.73: UD (every state) -> AA-UNITDATA.indication
      emit(AaUnitdataIndication{std::move(p.info)});
      return;
    case PduType::kMd:  // Q.2110 SDL p.73: MD (every state) -> MAA-UNITDATA.indication
      emit(MaaUnitdataIndication{std::move(p.info)});
      return;
    case PduType::kBgn:
      switch (s) {
        case State::kIdle:  // p.31
          on_idle_bgn(p);
          return;
        case State::kOutConnPend:  // p.36
          on_outconn_bgn(p);
          return;
        case State::kInConnPend:  // p.37
          on_inconn_bgn(p);
          return;
        case State::kOutDisPend:  // p.42
          on_outdis_bgn(p);
          return;
        case State::kOutResyncPend:  // p.43
          on_outres_bgn(p);
          return;
        case State::kReady:  // p.61
          on_ready_bgn(p);
          return;
        case State::kInResyncPend:  // p.47
        case State::kOutRecPend:    // p.51
        case State::kRecPend:       // p.55
        case State::kInRecPend:     // p.59
          // BGN: retransmission? MAA-ERROR B : AA-RELEASE.ind, AA-ESTABLISH.ind
          if (bgn_retransmission(p.sq)) {
            unexpected(p);
          } else {
            peer_bgn_reestablish(p);
          }
          return;
      }
      return;
    case PduType::kBgak:
      switch (s) {
        case State::kIdle:  // p.32: MAA-ERROR C, END
          unexpected_end(p);
          return;
        case State::kOutConnPend:  // p.34
          on_outconn_bgak(p);
          return;
        case State::kOutDisPend:     // p.40
        case State::kOutResyncPend:  // p.45
        case State::kReady:          // p.60
          ignore(p);
          return;
        case State::kInConnPend:    // p.38
        case State::kInResyncPend:  // p.48
        case State::kOutRecPend:    // p.49
        case State::kRecPend:       // p.53
        case State::kInRecPend:     // p.59
          unexpected(p);
          return;
      }
      return;
    case PduType::kBgrej:
      switch (s) {
        case State::kIdle:  // p.31: MAA-ERROR D only
          unexpected(p);
          return;
        case State::kOutConnPend:  // p.34
          on_outconn_bgrej(p);
          return;
        case State::kOutDisPend:  // p.41: as ENDAK
          on_outdis_endak();
          return;
        case State::kInConnPend:     // p.38
        case State::kOutResyncPend:  // p.43
        case State::kInResyncPend:   // p.46
        case State::kOutRecPend:     // p.49
        case State::kRecPend:        // p.53
        case State::kInRecPend:      // p.57
        case State::kReady:          // p.62
          peer_gone(p);
          return;
      }
      return;
    case PduType::kEnd:
      switch (s) {
        case State::kIdle:  // p.31: END -> ENDAK
          send_endak();
          return;
        case State::kOutConnPend:  // p.34: ignored (the peer answers our BGN)
          ignore(p);
          return;
        case State::kOutDisPend:  // p.41
          on_outdis_end();
          return;
        case State::kReady:  // p.62
          on_ready_end(p);
          return;
        case State::kInConnPend:     // p.39
        case State::kOutResyncPend:  // p.43
        case State::kInResyncPend:   // p.46
        case State::kOutRecPend:     // p.49
        case State::kRecPend:        // p.53
        case State::kInRecPend:      // p.56
          peer_end(p);
          return;
      }
      return;
    case PduType::kEndak:
      switch (s) {
        case State::kIdle:         // p.31
        case State::kOutConnPend:  // p.34
          ignore(p);
          return;
        case State::kOutDisPend:  // p.41
          on_outdis_endak();
          return;
        case State::kInConnPend:     // p.37
        case State::kOutResyncPend:  // p.43
        case State::kInResyncPend:   // p.46
        case State::kOutRecPend:     // p.49
        case State::kRecPend:        // p.53
        case State::kInRecPend:      // p.57
        case State::kReady:          // p.62
          peer_gone(p);
          return;
      }
      return;
    case PduType::kRs:
      switch (s) {
        case State::kIdle:  // p.33: MAA-ERROR J, END
          unexpected_end(p);
          return;
        case State::kOutConnPend:  // p.36
        case State::kOutDisPend:   // p.42
          ignore(p);
          return;
        case State::kInConnPend:  // p.39
          unexpected(p);
          return;
        case State::kOutResyncPend:  // p.45
          on_outres_rs(p);
          return;
        case State::kInResyncPend:  // p.48: retransmission? nothing : MAA-ERROR J
          // Q.SAAL1 cannot tell a retransmitted RS; HARP ignores RS here.
          if (params_.mode == Mode::kQSaal1) {
            ignore(p);
          } else if (!detect_retransmission(p.sq)) {
            unexpected(p);
          }
          return;
        case State::kReady:  // p.62
          on_ready_rs(p);
          return;
        case State::kOutRecPend:  // p.52
        case State::kRecPend:     // p.54
        case State::kInRecPend:   // p.58
          // RS: retransmission? MAA-ERROR J : AA-RESYNC.indication
          if (detect_retransmission(p.sq)) {
            unexpected(p);
          } else {
            peer_rs_resync(p);
          }
          return;
      }
      return;
    case PduType::kRsak:
      switch (s) {
        case State::kIdle:  // p.33: MAA-ERROR K, END
          unexpected_end(p);
          return;
        case State::kOutConnPend:  // p.36
        case State::kOutDisPend:   // p.42
        case State::kReady:        // p.60
          ignore(p);
          return;
        case State::kOutResyncPend:  // p.45
          on_outres_rsak(p);
          return;
        case State::kInConnPend:    // p.39
        case State::kInResyncPend:  // p.48
        case State::kOutRecPend:    // p.52
        case State::kRecPend:       // p.54
        case State::kInRecPend:     // p.58
          unexpected(p);
          return;
      }
      return;
    case PduType::kEr:
      switch (s) {
        case State::kIdle:  // p.31: MAA-ERROR L, END
          unexpected_end(p);
          return;
        case State::kOutConnPend:    // p.34
        case State::kOutDisPend:     // p.42
        case State::kOutResyncPend:  // p.43
          ignore(p);
          return;
        case State::kInConnPend:    // p.37
        case State::kInResyncPend:  // p.47
          unexpected(p);
          return;
        case State::kOutRecPend:  // p.51
          on_outrec_er(p);
          return;
        case State::kRecPend:  // p.55: retransmission? ERAK : MAA-ERROR L
          if (detect_retransmission(p.sq)) {
            send_erak();
          } else {
            unexpected(p);
          }
          return;
        case State::kInRecPend:  // p.59: retransmission? nothing : MAA-ERROR L
          if (!detect_retransmission(p.sq)) unexpected(p);
          return;
        case State::kReady:  // p.61
          on_ready_er(p);
          return;
      }
      return;
    case PduType::kErak:
      switch (s) {
        case State::kIdle:  // p.32: MAA-ERROR M, END
          unexpected_end(p);
          return;
        case State::kOutConnPend:    // p.34
        case State::kOutDisPend:     // p.41
        case State::kOutResyncPend:  // p.45
        case State::kRecPend:        // p.53
        case State::kReady:          // p.60
          ignore(p);
          return;
        case State::kOutRecPend:  // p.49
          on_outrec_erak(p);
          return;
        case State::kInConnPend:    // p.39
        case State::kInResyncPend:  // p.48
        case State::kInRecPend:     // p.59
          unexpected(p);
          return;
      }
      return;
    case PduType::kSd:
    case PduType::kSdp:
    case PduType::kPoll:
    case PduType::kStat:
    case PduType::kUstat:
      switch (s) {
        case State::kIdle:  // p.32: MAA-ERROR A/G/H/I, END
          unexpected_end(p);
          return;
        case State::kInConnPend:    // p.38
        case State::kInResyncPend:  // p.47
        case State::kInRecPend:     // p.57
          unexpected_release(p);
          return;
        case State::kOutConnPend:    // p.34
        case State::kOutDisPend:     // p.40
        case State::kOutResyncPend:  // p.43-45
        case State::kOutRecPend:     // p.49-52 (SD, POLL, STAT, USTAT ignored)
          ignore(p);
          return;
        case State::kRecPend:  // p.55: STAT, USTAT release; SD, POLL ignored
          if (p.type == PduType::kStat || p.type == PduType::kUstat) {
            unexpected_release(p);
          } else {
            ignore(p);
          }
          return;
        case State::kReady:
          switch (p.type) {
            case PduType::kSd:  // p.66
              on_ready_sd(p);
              return;
            case PduType::kSdp: {  // Q.SAAL1 only: SD, then POLL
              const Pdu poll = p;
              on_ready_sd(p);
              if (state_ == State::kReady) on_ready_poll(poll, true);
              return;
            }
            case PduType::kPoll:  // p.67
              on_ready_poll(p);
              return;
            case PduType::kStat:  // p.70
              on_ready_stat(p);
              return;
            case PduType::kUstat:  // p.69
              on_ready_ustat(p);
              return;
            case PduType::kBgn:
            case PduType::kBgak:
            case PduType::kEnd:
            case PduType::kEndak:
            case PduType::kRs:
            case PduType::kRsak:
            case PduType::kBgrej:
            case PduType::kEr:
            case PduType::kUd:
            case PduType::kMd:
            case PduType::kErak:
              return;
          }
          return;
      }
      return;
  }
}

void Sscop::on_timer(Timer t) {
  switch (t) {
    case Timer::kCc:
      switch (state_) {
        case State::kOutConnPend:
          on_outconn_timer_cc();
          return;
        case State::kOutDisPend:
          on_outdis_timer_cc();
          return;
        case State::kOutResyncPend:
          on_outres_timer_cc();
          return;
        case State::kOutRecPend:
          on_outrec_timer_cc();
          return;
        case State::kIdle:
        case State::kInConnPend:
        case State::kInResyncPend:
        case State::kRecPend:
        case State::kInRecPend:
        case State::kReady:
          trace("stale Timer_CC expiry ignored in " + std::string(to_string(state_)));
          return;
      }
      return;
    case Timer::kPoll:
    case Timer::kNoResponse:
    case Timer::kKeepAlive:
    case Timer::kIdle:
      if (state_ != State::kReady) {
        trace("stale " + std::string(to_string(t)) + " expiry ignored in " +
              std::string(to_string(state_)));
        return;
      }
      switch (t) {
        case Timer::kPoll:
          on_ready_timer_poll();
          return;
        case Timer::kNoResponse:
          on_ready_timer_noresponse();
          return;
        case Timer::kKeepAlive:
          on_ready_timer_keepalive();
          return;
        case Timer::kIdle:
          on_ready_timer_idle();
          return;
        case Timer::kCc:
          return;
      }
      return;
  }
}

// ---------------------------------------------------------------------------
// Idle (state 1)

// Q.2110 SDL p.31: Idle, AA-ESTABLISH.request (p.40: also OutDisPend after
// stopping Timer_CC)
void Sscop::on_idle_establish_req(const AaEstablishRequest& r) {
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
void Sscop::on_idle_bgn(const Pdu& p) {
  if (params_.robustness) {
    vr_sq_ = p.sq;
  } else if (detect_retransmission(p.sq)) {
    trace("BGN N(SQ)=" + std::to_string(p.sq) + " is a retransmission: BGREJ");
    send_bgrej({});
    return;
  }
  vt_ms_ = p.mr;
  emit(AaEstablishIndication{p.info});
  set_state(State::kInConnPend);
}

// ---------------------------------------------------------------------------
// Outgoing Connection Pending (state 2)

// Q.2110 SDL p.34: OutConnPend, BGAK
void Sscop::on_outconn_bgak(const Pdu& p) {
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
void Sscop::on_outconn_bgn(const Pdu& p) {
  if (detect_retransmission(p.sq)) {
    ignore(p);
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
void Sscop::on_outconn_bgrej(const Pdu& p) {
  stop(Timer::kCc);
  reestablish_ = false;
  emit(AaReleaseIndication{p.info, Source::kUser});
  set_state(State::kIdle);
}

// Q.2110 SDL p.35: OutConnPend, Timer_CC expiry
void Sscop::on_outconn_timer_cc() {
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

// ---------------------------------------------------------------------------
// Incoming Connection Pending (state 3)

// Q.2110 SDL p.37: InConnPend, AA-ESTABLISH.response
void Sscop::on_inconn_establish_resp(const AaEstablishResponse& r) {
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
void Sscop::on_inconn_release_req(const AaReleaseRequest& r) {
  send_bgrej(r.uu);
  set_state(State::kIdle);
}

// Q.2110 SDL p.37: InConnPend, BGN (a retransmission is ignored)
void Sscop::on_inconn_bgn(const Pdu& p) {
  // Q.SAAL1 cannot tell a retransmitted BGN; HARP ignores BGN here.
  if (detect_retransmission(p.sq) || params_.mode == Mode::kQSaal1) {
    ignore(p);
    return;
  }
  vt_ms_ = p.mr;
  emit(AaReleaseIndication{{}, Source::kUser});
  emit(AaEstablishIndication{p.info});
}

// ---------------------------------------------------------------------------
// Outgoing Disconnection Pending (state 4)

// Q.2110 SDL p.41: OutDisPend, ENDAK (and BGREJ)
void Sscop::on_outdis_endak() {
  stop(Timer::kCc);
  emit(AaReleaseConfirm{});
  set_state(State::kIdle);
}

// Q.2110 SDL p.41: OutDisPend, END (crossing ENDs)
void Sscop::on_outdis_end() {
  stop(Timer::kCc);
  send_endak();
  emit(AaReleaseConfirm{});
  set_state(State::kIdle);
}

// Q.2110 SDL p.42: OutDisPend, BGN. A retransmission (our BGAK was lost and
// the peer does not know yet that we release) is answered with BGAK and END.
void Sscop::on_outdis_bgn(const Pdu& p) {
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
void Sscop::on_outdis_timer_cc() {
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
void Sscop::on_outres_rsak(const Pdu& p) {
  stop(Timer::kCc);
  // Q.SAAL1's RSAK has no N(MR): assume the peer grants our own window.
  vt_ms_ = params_.mode == Mode::kQ2110 ? p.mr : (params_.window & kSeqMask);
  initialize_state_variables();
  emit(AaResyncConfirm{});
  set_data_transfer_timers();
  set_state(State::kReady);
}

// Q.2110 SDL p.45: OutResyncPend, RS (crossing RSs)
void Sscop::on_outres_rs(const Pdu& p) {
  if (detect_retransmission(p.sq)) {
    ignore(p);
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
void Sscop::on_outres_timer_cc() {
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
void Sscop::on_outres_bgn(const Pdu& p) {
  if (bgn_retransmission(p.sq)) {
    send_bgak({});
    send_rs();
    return;
  }
  peer_bgn_reestablish(p);
}

// ---------------------------------------------------------------------------
// Incoming Resynchronization Pending (state 6)

// Q.2110 SDL p.46: InResyncPend, AA-RESYNC.response
void Sscop::on_inres_resync_resp() {
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
void Sscop::on_outrec_erak(const Pdu& p) {
  stop(Timer::kCc);
  vt_ms_ = p.mr;
  deliver_data();
  emit(AaRecoverIndication{});
  set_state(State::kRecPend);
}

// Q.2110 SDL p.51: OutRecPend, ER (crossing ERs; a retransmission: MAA-ERROR L)
void Sscop::on_outrec_er(const Pdu& p) {
  if (detect_retransmission(p.sq)) {
    unexpected(p);
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

// Q.2110 SDL p.50: OutRecPend, Timer_CC expiry
void Sscop::on_outrec_timer_cc() {
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

// Q.2110 SDL p.54: RecPend, AA-RECOVER.response
void Sscop::on_recpend_recover_resp() {
  if (!clear_buffers_) retrieve_buf_.clear();
  initialize_state_variables();
  set_data_transfer_timers();
  set_state(State::kReady);
}

// Q.2110 SDL p.56: InRecPend, AA-RECOVER.response
void Sscop::on_inrec_recover_resp() {
  if (!clear_buffers_) retrieve_buf_.clear();
  initialize_vr_mr();
  send_erak();
  initialize_state_variables();
  set_data_transfer_timers();
  set_state(State::kReady);
}

// ---------------------------------------------------------------------------
// Data Transfer Ready (state 10)

// Q.2110 SDL p.66-67: Ready, SD
void Sscop::on_ready_sd(Pdu& p) {
  const std::uint32_t rel_ns = seq_rel(p.ns, vr_r_);
  const std::uint32_t rel_mr = seq_rel(vr_mr_, vr_r_);
  const std::uint32_t rel_h = seq_rel(vr_h_, vr_r_);
  if (rel_ns >= kHalf) {
    // Not in Q.2110 (its links never duplicate): an SD behind VR(R) was
    // delivered already; Q.2110's arithmetic would take it for one beyond VR(MR).
    trace("SD N(S)=" + std::to_string(p.ns) + " behind VR(R)=" + std::to_string(vr_r_) +
          " (duplicate): discarded");
    return;
  }
  if (rel_ns >= rel_mr) {
    // Outside the credit we gave: USTAT [VR(H), VR(MR)) once, VR(H) := VR(MR).
    // Q.SAAL1 (HARP sscop_sd_process) discards it silently.
    if (params_.mode == Mode::kQ2110 && rel_h < rel_mr) {
      send_ustat(vr_h_, vr_mr_);
      vr_h_ = vr_mr_;
    }
    trace("SD N(S)=" + std::to_string(p.ns) + " outside the receive window [" +
          std::to_string(vr_r_) + "," + std::to_string(vr_mr_) + "): discarded");
    return;
  }
  if (rel_ns == 0) {
    if (rel_h == 0) vr_h_ = seq_add(p.ns, 1);
    if (!rx_buf_.empty()) rx_buf_.pop_front();
    emit(AaDataIndication{std::move(p.info), p.ns});
    ++stats_.sd_delivered;
    vr_r_ = seq_add(vr_r_, 1);
    while (!rx_buf_.empty() && rx_buf_.front().has_value()) {
      emit(AaDataIndication{std::move(*rx_buf_.front()), vr_r_});
      rx_buf_.pop_front();
      ++stats_.sd_delivered;
      vr_r_ = seq_add(vr_r_, 1);
    }
    const std::uint32_t mr = seq_add(vr_r_, params_.window);
    if (seq_rel(mr, vr_mr_) < kHalf) vr_mr_ = mr;
    return;
  }
  if (rel_ns < rel_h && rel_ns < rx_buf_.size() && rx_buf_[rel_ns].has_value()) {
    protocol_error('Q');  // p.67: an SD already in the receiver buffer: N(S) error
    return;
  }
  // A gap: USTAT [VR(H), N(S)); not for Q.SAAL1's SDP, whose POLL part reports it.
  if (rel_ns > rel_h && p.type == PduType::kSd) send_ustat(vr_h_, p.ns);
  if (rel_ns >= rel_h) vr_h_ = seq_add(p.ns, 1);
  if (rx_buf_.size() <= rel_ns) rx_buf_.resize(rel_ns + 1);
  rx_buf_[rel_ns] = std::move(p.info);
}

// Q.2110 SDL p.67-68: Ready, POLL
void Sscop::on_ready_poll(const Pdu& p, bool from_sdp) {
  std::uint32_t ns = p.ns;
  if (from_sdp) {
    // Q.SAAL1 SDP: the poll covers everything up to and including this SD.
    ns = seq_add(p.ns, 1);
    if (seq_rel(ns, vr_r_) < seq_rel(vr_h_, vr_r_)) ns = vr_h_;
  }
  const std::uint32_t rel_ns = seq_rel(ns, vr_r_);
  if (rel_ns >= kHalf || rel_ns < seq_rel(vr_h_, vr_r_)) {
    protocol_error('Q');
    return;
  }
  // N(S) beyond VR(MR) is no error: VR(H) := min(N(S), VR(MR)).
  vr_h_ = rel_ns > seq_rel(vr_mr_, vr_r_) ? vr_mr_ : ns;
  send_stat(p.ps);
}

// Q.2110 SDL p.70-72: Ready, STAT
void Sscop::on_ready_stat(const Pdu& p) {
  // VT(PA) <= N(PS) <= VT(PS); with no POLL outstanding (VT(PA) = VT(PS)+1) nothing is valid.
  const std::uint32_t poll_span = seq_rel(vt_ps_, vt_pa_);
  if (poll_span >= kHalf || seq_rel(p.ps, vt_pa_) > poll_span) {
    protocol_error('R');
    return;
  }
  const std::uint32_t span = seq_rel(vt_s_, vt_a_);
  const std::uint32_t rel_nr = seq_rel(p.nr, vt_a_);
  if (rel_nr > span) {
    protocol_error('S');
    return;
  }
  // A single list element bounds nothing and is ignored (as ngatm does).
  const std::size_t n = p.list.size() >= 2 ? p.list.size() : 0;
  std::uint32_t prev = rel_nr;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t r = seq_rel(p.list[i], vt_a_);
    // First element: N(R) <= SEQ1 < VT(S); then strictly increasing, <= VT(S).
    if ((i == 0 ? (r < prev || r >= span) : (r <= prev || r > span))) {
      protocol_error('S');
      return;
    }
    prev = r;
  }
  // An SD asked for again that a STAT acknowledged and Clear-Buffers released
  // is no longer in the transmission buffer: list error.
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    for (std::uint32_t ns = p.list[i]; ns != p.list[i + 1]; ns = seq_add(ns, 1)) {
      const std::uint32_t idx = seq_rel(ns, vt_a_);
      if (idx >= tx_buf_.size() || (tx_buf_[idx].acked && clear_buffers_)) {
        protocol_error('S');
        return;
      }
    }
  }
  release_acknowledged(p.nr);
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
        if (clear_buffers_) Bytes().swap(e.data);
      }
    }
  }
  vt_pa_ = p.ps;
  vt_ms_ = p.mr;
  // p.71: ngatm reports V after every list (count possibly 0), HARP only when
  // something is retransmitted; we follow HARP (a V of 0 tells nothing).
  if (count != 0) maa_error('V', count);
  check_credit();
  if (params_.mode == Mode::kQSaal1 || running(Timer::kPoll)) {
    start(Timer::kNoResponse);
  } else if (!running(Timer::kIdle)) {
    stop(Timer::kKeepAlive);
    stop(Timer::kNoResponse);
    start(Timer::kIdle);
  }
}

// Q.2110 SDL p.69: Ready, USTAT
void Sscop::on_ready_ustat(const Pdu& p) {
  const std::uint32_t span = seq_rel(vt_s_, vt_a_);
  const std::uint32_t rel_nr = seq_rel(p.nr, vt_a_);
  if (p.list.size() != 2) {
    protocol_error('T');
    return;
  }
  const std::uint32_t l1 = seq_rel(p.list[0], vt_a_);
  const std::uint32_t l2 = seq_rel(p.list[1], vt_a_);
  // VT(A) <= N(R) < VT(S); N(R) <= SEQ1 < SEQ2 < VT(S).
  if (rel_nr >= span || l1 < rel_nr || l2 <= l1 || l2 >= span) {
    protocol_error('T');
    return;
  }
  for (std::uint32_t i = l1; i < l2; ++i) {
    if (i >= tx_buf_.size() || (tx_buf_[i].acked && clear_buffers_)) {
      protocol_error('T');  // asked for an SD that is no longer buffered
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
void Sscop::on_ready_bgn(const Pdu& p) {
  if (bgn_retransmission(p.sq)) {
    start(Timer::kNoResponse);
    send_bgak({});
    return;
  }
  peer_bgn_reestablish(p);
}

// Q.2110 SDL p.62: Ready, END
void Sscop::on_ready_end(const Pdu& p) {
  peer_end(p);
}

// Q.2110 SDL p.62: Ready, RS. A retransmission (our RSAK was lost): RSAK again,
// Timer_NO-RESPONSE restarted.
void Sscop::on_ready_rs(const Pdu& p) {
  if (detect_retransmission(p.sq)) {
    start(Timer::kNoResponse);
    send_rsak();
    return;
  }
  peer_rs_resync(p);
}

// Q.2110 SDL p.61: Ready, ER. A retransmission (our ERAK was lost): ERAK again,
// Timer_NO-RESPONSE restarted.
void Sscop::on_ready_er(const Pdu& p) {
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

// Q.2110 SDL p.63: Ready, Timer_POLL expiry
void Sscop::on_ready_timer_poll() {
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
void Sscop::on_ready_timer_keepalive() {
  on_ready_timer_poll();
}

// Q.2110 SDL p.63: Ready, Timer_IDLE expiry: Timer_NO-RESPONSE, then as Timer_POLL
void Sscop::on_ready_timer_idle() {
  start(Timer::kNoResponse);
  on_ready_timer_poll();
}

// Q.2110 SDL p.63: Ready, Timer_NO-RESPONSE expiry
void Sscop::on_ready_timer_noresponse() {
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
void Sscop::release_req_connected(const AaReleaseRequest& r) {
  stop_data_transfer_timers();
  stop(Timer::kCc);
  vt_cc_ = 1;
  uu_end_ = r.uu;
  send_end(uu_end_, false);
  prepare_retrieval();
  start(Timer::kCc);
  set_state(State::kOutDisPend);
}

// Q.2110 SDL p.60 (Ready), p.51 (OutRecPend), p.54 (RecPend), p.56 (InRecPend):
// AA-RESYNC.request -> RS, OutResyncPend
void Sscop::resync_req(const AaResyncRequest& r) {
  stop_data_transfer_timers();
  stop(Timer::kCc);
  vt_cc_ = 1;
  ++vt_sq_;
  initialize_vr_mr();
  uu_rs_ = r.uu;
  clear_all_buffers();
  send_rs();
  ++stats_.resyncs;
  start(Timer::kCc);
  set_state(State::kOutResyncPend);
}

// Q.2110 SDL p.39 (3), p.43 (5), p.46 (6), p.49 (7), p.53 (8), p.56 (9), p.62
// (10): END -> ENDAK, AA-RELEASE.indication (Source from the S bit), Idle
void Sscop::peer_end(const Pdu& p) {
  stop(Timer::kCc);
  stop_data_transfer_timers();
  send_endak();
  reestablish_ = false;
  emit(AaReleaseIndication{p.info, p.source_sscop ? Source::kSscop : Source::kUser});
  prepare_retrieval();
  set_state(State::kIdle);
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

void Sscop::unexpected(const Pdu& p) {
  maa_error(unsolicited_code(p.type));
  trace(describe(p) + " unexpected in " + std::string(to_string(state_)));
}

void Sscop::unexpected_end(const Pdu& p) {
  unexpected(p);
  send_end({}, true);
}

// SD, POLL, STAT, USTAT where Q.2110 releases: MAA-ERROR, END (S = SSCOP),
// AA-RELEASE.indication, Idle (p.38, 47, 55, 57).
void Sscop::unexpected_release(const Pdu& p) {
  unexpected(p);
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
void Sscop::peer_gone(const Pdu& p) {
  unexpected(p);
  stop(Timer::kCc);
  stop_data_transfer_timers();
  reestablish_ = false;
  emit(AaReleaseIndication{{}, Source::kSscop});
  prepare_retrieval();
  set_state(State::kIdle);
}

void Sscop::ignore(const Pdu& p) {
  trace(describe(p) + " ignored in " + std::string(to_string(state_)));
}

void Sscop::not_allowed(std::string_view what) {
  trace(std::string(what) + " not allowed in " + std::string(to_string(state_)) + "; ignored");
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
  if (!peer_past_bgn_) return detect_retransmission(nsq);
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
  tx_queue_.clear();
  tx_buf_.clear();
  rexmit_q_.clear();
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
  tx_queue_.clear();
  tx_buf_.clear();
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
  rx_buf_.clear();
  if (clear_buffers_) {
    tx_queue_.clear();
    tx_buf_.clear();
    retrieve_buf_.clear();
    return;
  }
  for (std::size_t i = 0; i < tx_buf_.size(); ++i) {
    if (!tx_buf_[i].acked) {
      retrieve_buf_.emplace_back(seq_add(vt_a_, static_cast<std::uint32_t>(i)),
                                 std::move(tx_buf_[i].data));
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
      retrieve_buf_.emplace_back(seq_add(vt_a_, static_cast<std::uint32_t>(i)),
                                 std::move(tx_buf_[i].data));
    }
  }
  tx_buf_.clear();
}

void Sscop::deliver_data() {
  if (!clear_buffers_) {
    for (std::size_t i = 0; i < rx_buf_.size(); ++i) {
      if (rx_buf_[i]) {
        emit(AaDataIndication{std::move(*rx_buf_[i]),
                              seq_add(vr_r_, static_cast<std::uint32_t>(i))});
        ++stats_.sd_delivered;
      }
    }
  }
  rx_buf_.clear();
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
  for (auto& data : tx_queue_) emit(AaRetrieveIndication{std::move(data)});
  tx_queue_.clear();
  emit(AaRetrieveCompleteIndication{});
}

bool Sscop::sd_before_poll(std::uint32_t sd_ps, std::uint32_t nps) const {
  const std::uint32_t d = seq_rel(nps, sd_ps);
  return d != 0 && d < kHalf;
}

void Sscop::release_acknowledged(std::uint32_t nr) {
  const std::uint32_t k = seq_rel(nr, vt_a_);
  for (std::uint32_t i = 0; i < k && !tx_buf_.empty(); ++i) tx_buf_.pop_front();
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
  Pdu s;
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
      emit(SendPdu{make_sd(e.data, ns)});
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
    TxEntry e;
    e.data = std::move(tx_queue_.front());
    tx_queue_.pop_front();
    e.ps = vt_ps_;
    Bytes pdu = make_sd(e.data, vt_s_);
    tx_buf_.push_back(std::move(e));
    emit(SendPdu{std::move(pdu)});
    ++stats_.sd_sent;
    vt_s_ = seq_add(vt_s_, 1);
    vt_pd_ += 1;
    ensure_poll_phase();
    if (vt_pd_ >= params_.max_pd) send_poll();
  }
}

// ---------------------------------------------------------------------------
// PDU senders

void Sscop::send(const Pdu& p) {
  Bytes b = encode(p, params_.mode);
  if (b.empty()) {
    trace(std::string(to_string(p.type)) + " cannot be coded in this SSCOP mode; not sent");
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

void Sscop::trace(std::string text) {
  emit(Trace{std::move(text)});
}

void Sscop::maa_error(char code, std::uint32_t count) {
  emit(MaaErrorIndication{code, count});
}

void Sscop::set_state(State s) {
  if (s == state_) return;
  // A new connection: the peer has not seen our BGAK yet.
  if (s == State::kReady && (state_ == State::kOutConnPend || state_ == State::kInConnPend))
    peer_past_bgn_ = false;
  trace("state " + std::string(to_string(state_)) + " -> " + std::string(to_string(s)));
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
  timers_[static_cast<std::size_t>(t)] = now_ + duration(t);
}

}  // namespace atmsigd::sscop
