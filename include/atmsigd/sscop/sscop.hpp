// SSCOP (ITU-T Q.2110), sans-I/O: a plain state machine fed with events and the
// current time, answering with actions. It owns no socket and no timer and never
// reads a clock: the caller passes `now` with every input, asks next_deadline()
// when to call handle_timeouts(), and carries out the actions in order.
//
// The same class speaks the Q.SAAL1 draft SSCOP of UNI 3.0 when Params::mode is
// Mode::kQSaal1 (see docs/saal.md for the differences).
//
// Contract:
//  * handle() and handle_timeouts() append actions to `out` (never clear it).
//  * No callback, no re-entry: every output is an Action; internal signals
//    (e.g. "transmission queue not empty") are processed before handle() returns.
//  * Every (state, input) pair is decided: dispatch is data, one row of
//    Sscop::state_matrix() per (State, Signal), each naming its SDL handler.
//    Inputs not allowed in a state produce a Trace action (and for PDUs a
//    MaaErrorIndication where Q.2110 reports one); nothing asserts or throws.
//  * Malformed PDUs yield MaaErrorIndication{'U'} plus a Trace and are dropped.
//  * A Trace carries a log::Event of group saal (messages.def) and is emitted
//    only if Params::levels wants its ID: a disabled one costs one comparison.
//  * Buffers (docs/saal.md, "Buffers and ownership"): an AA-DATA.request's
//    data is taken over (moved in) and becomes the SD PDU that SendPdu hands
//    out, its trailer appended in place; the transmission buffer keeps its own
//    copy in a buffer of the thread's pool (util/buffer_pool.hpp), as is
//    every PDU SSCOP makes itself (POLL, STAT, ..., retransmissions) and each
//    copy of an out-of-sequence SD; the buffers it is done with go back to
//    the pool. AaDataIndication::data is a VIEW, not a
//    copy: of the PduReceived bytes for an SD received in sequence, else of
//    the receiver buffer. It is valid until the next PduReceived or
//    handle_timeouts() of this entity (any other input, e.g. an
//    AA-DATA.request made while acting on it, leaves it valid) and, for the
//    first kind, no longer than the caller keeps the PduReceived bytes. A user
//    that keeps the data copies it. Nothing is allocated per SD in steady
//    state (in sequence, window open).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "atmsigd/log/log.hpp"
#include "atmsigd/sscop/pdu.hpp"
#include "atmsigd/sscop/ring.hpp"
#include "atmsigd/util/buffer_pool.hpp"
#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/time.hpp"

namespace atmsigd::sscop {

// Q.2110 clause 8 states (numbers as in Q.2110).
enum class State : std::uint8_t {
  kIdle = 1,
  kOutConnPend = 2,    // Outgoing Connection Pending
  kInConnPend = 3,     // Incoming Connection Pending
  kOutDisPend = 4,     // Outgoing Disconnection Pending
  kOutResyncPend = 5,  // Outgoing Resynchronization Pending
  kInResyncPend = 6,   // Incoming Resynchronization Pending
  kOutRecPend = 7,     // Outgoing Recovery Pending
  kRecPend = 8,        // Recovery Response Pending
  kInRecPend = 9,      // Incoming Recovery Pending
  kReady = 10,         // Data Transfer Ready
};
std::string_view to_string(State s);

enum class Timer : std::uint8_t { kCc, kPoll, kNoResponse, kKeepAlive, kIdle };
inline constexpr std::size_t kTimerCount = 5;
std::string_view to_string(Timer t);

// Q.2110 signals a state reacts to: received PDUs (SDP is Q.SAAL1's), the
// upper-layer primitives and the timer expiries. One column of the state matrix each.
enum class Signal : std::uint8_t {
  // PDUs from the peer
  kBgn,
  kBgak,
  kBgrej,
  kEnd,
  kEndak,
  kRs,
  kRsak,
  kEr,
  kErak,
  kSd,
  kSdp,
  kPoll,
  kStat,
  kUstat,
  kUd,
  kMd,
  // AA- and MAA- primitives from the user (the Event alternatives, in their order)
  kEstablishRequest,
  kEstablishResponse,
  kReleaseRequest,
  kDataRequest,
  kUnitdataRequest,
  kResyncRequest,
  kResyncResponse,
  kRecoverResponse,
  kRetrieveRequest,
  kMaaUnitdataRequest,
  // Timer expiries (in Timer's order)
  kTimerCc,
  kTimerPoll,
  kTimerNoResponse,
  kTimerKeepAlive,
  kTimerIdle,
};
inline constexpr std::size_t kSignalCount = 31;
inline constexpr std::size_t kStateCount = 10;
// "BGN", "AA-ESTABLISH.request", "Timer_CC", ...
std::string_view to_string(Signal s);
Signal signal_of(PduType t);
Signal signal_of(Timer t);

struct Params {
  Mode mode = Mode::kQ2110;
  // Timers (defaults: the original demon's values; Q.2130 UNI uses POLL 750 ms).
  Duration timer_cc = std::chrono::seconds(1);
  Duration timer_poll = std::chrono::milliseconds(750);
  Duration timer_keepalive = std::chrono::seconds(2);
  Duration timer_noresponse = std::chrono::seconds(7);
  Duration timer_idle = std::chrono::seconds(15);
  std::uint32_t max_cc = 4;   // MaxCC: BGN/END/RS/ER transmissions
  std::uint32_t max_pd = 25;  // MaxPD: SD PDUs between POLLs
  std::uint32_t max_stat =
      67;                     // MaxSTAT: list elements per STAT (odd; even values are rounded down)
  std::uint32_t window = 30;  // receive window: N(MR) = VR(R) + window
  std::size_t max_sdu = kMaxInfo;  // longest AA-DATA/UNITDATA accepted from the user
  // SDUs waiting in the Transmission Queue (issue 14): a peer that grants no
  // credit cannot make it grow without bound. At the bound an AA-DATA.request
  // is discarded and counted (Q.2931's timers recover the message).
  std::size_t max_tx_queue = 4096;
  // Send a POLL as soon as the retransmission queue has been emptied, instead
  // of waiting for Timer_POLL (FreeBSD ngatm's SSCOP_POLLREX; see docs/saal.md).
  bool poll_after_retransmission = false;
  // ATM Forum SSCOP robustness (atmf/97-0216, ngatm's SSCOP_ROBUST): in Idle
  // a BGN is never taken for a retransmission (VR(SQ) := N(SQ), no BGREJ), so a
  // peer that restarted with the same N(SQ) is accepted. Off = Q.2110 SDL p.31.
  bool robustness = false;
  // The link below may duplicate and reorder PDUs (SSCOP over UDP, issue 14),
  // where Q.2110 assumes an ATM VC that does neither. Then a copy of an SD
  // already in the receiver buffer is discarded, a POLL overtaken by later SDs
  // is answered, a STAT or USTAT that answers no outstanding POLL or asks for
  // what is acknowledged already is discarded, and (Q.SAAL1, no N(SQ)) a BGN
  // before the peer has shown it got our BGAK is taken for a copy: none of
  // them is a protocol error that re-establishes the link (docs/saal.md).
  bool datagram_link = false;
  // Which log events anyone wants (null: every level, as tests want). A
  // Trace is built only for an enabled ID.
  const log::Levels* levels = nullptr;
};

// Source of a release (the S bit of END, or SSCOP itself).
enum class Source : std::uint8_t { kUser, kSscop };

// ---- Inputs ---------------------------------------------------------------
struct PduReceived {
  ByteView bytes;  // one SSCOP PDU (the AAL5 CPCS-SDU); only read during handle()
};
struct AaEstablishRequest {
  Bytes uu;
  bool clear_buffers = true;  // BR
};
struct AaEstablishResponse {
  Bytes uu;
  bool clear_buffers = true;  // BR
};
struct AaReleaseRequest {
  Bytes uu;
};
struct AaDataRequest {
  Bytes data;
};
struct AaUnitdataRequest {
  Bytes data;
};
struct AaResyncRequest {
  Bytes uu;
};
struct AaResyncResponse {};
struct AaRecoverResponse {};
// Q.2110 SDL p.76 "Data retrieval" (as ngatm reads it): RN = rn retrieves the unacknowledged
// SDs with N(S) > rn (rn is the last N(S) the user got); nullopt is RN "total"
// (every unacknowledged SD from VT(A) on); unknown = true is RN "unknown" (none
// of the transmitted SDs). The never-transmitted ones always follow.
struct AaRetrieveRequest {
  std::optional<std::uint32_t> rn;
  bool unknown = false;
};
struct MaaUnitdataRequest {
  Bytes data;
};
using Event = std::variant<PduReceived, AaEstablishRequest, AaEstablishResponse, AaReleaseRequest,
                           AaDataRequest, AaUnitdataRequest, AaResyncRequest, AaResyncResponse,
                           AaRecoverResponse, AaRetrieveRequest, MaaUnitdataRequest>;

// ---- Outputs --------------------------------------------------------------
struct SendPdu {
  Bytes bytes;
};
struct AaEstablishIndication {
  Bytes uu;
};
struct AaEstablishConfirm {
  Bytes uu;
};
struct AaReleaseIndication {
  Bytes uu;
  Source source = Source::kUser;
};
struct AaReleaseConfirm {};
struct AaDataIndication {
  ByteView data;         // a view: see the contract above for how long it is valid
  std::uint32_t sn = 0;  // N(S) it arrived with
};
struct AaUnitdataIndication {
  Bytes data;
};
struct AaResyncIndication {
  Bytes uu;
};
struct AaResyncConfirm {};
struct AaRecoverIndication {};
struct AaRetrieveIndication {
  Bytes data;
};
struct AaRetrieveCompleteIndication {};
struct MaaUnitdataIndication {
  Bytes data;
};
struct MaaErrorIndication {
  char code = 'A';          // Q.2110 MAA-ERROR code 'A'..'X'
  std::uint32_t count = 0;  // for 'V': number of SD PDUs to retransmit
};
// A step worth logging: a catalog event (group saal) with typed arguments.
// `text` is its formatted line, kept while call control still reads it
// (issue 12); it is built only for emitted, i.e. enabled, events.
struct Trace {
  Trace(log::Event e) : event(std::move(e)) {}  // NOLINT: log::emit appends Events
  log::Event event;
};
using Action =
    std::variant<SendPdu, AaEstablishIndication, AaEstablishConfirm, AaReleaseIndication,
                 AaReleaseConfirm, AaDataIndication, AaUnitdataIndication, AaResyncIndication,
                 AaResyncConfirm, AaRecoverIndication, AaRetrieveIndication,
                 AaRetrieveCompleteIndication, MaaUnitdataIndication, MaaErrorIndication, Trace>;

// Q.2110 text of an MAA-ERROR code ("SD or POLL N(S) error", ...).
std::string_view maa_error_text(char code);

// Counters for tests and statistics.
struct Stats {
  std::uint64_t sd_sent = 0;
  std::uint64_t sd_retransmitted = 0;
  std::uint64_t sd_delivered = 0;
  std::uint64_t polls_sent = 0;
  std::uint64_t stats_sent = 0;
  std::uint64_t ustats_sent = 0;
  std::uint64_t recoveries = 0;  // ER sent or received (Q.SAAL1: re-establishments)
  std::uint64_t resyncs = 0;     // RS sent or received
  std::uint64_t malformed = 0;
  std::uint64_t tx_discarded = 0;  // AA-DATA.requests discarded at max_tx_queue
  // MAA-ERROR.indications by code ('A'..'X' at index 0..23, Q.2110 Table
  // C.1): protocol errors of the peer, lost PDUs (V: retransmissions), ...
  static constexpr std::size_t kMaaCodes = 24;
  std::array<std::uint64_t, kMaaCodes> maa_errors{};
};

class Sscop {
 public:
  // What a handler is given: the signal, and the PDU or primitive it carries.
  struct SignalInput {
    Signal signal;
    Pdu* pdu = nullptr;            // PDU signals (the handler may move its info out)
    const Event* event = nullptr;  // AA-/MAA- primitives
    Event* owned = nullptr;        // the same, when the caller gave it up (its data may move)
    ByteView info{};               // PDU signals: the info field, in the received bytes
  };
  using Handler = void (Sscop::*)(SignalInput&);
  // One row of the state matrix (ngatm's state_matrix[SSCOP_NSTATES][SIG_NUM]
  // as a list): in `state`, `signal` is handled by `handler`.
  struct Transition {
    State state;
    Signal signal;
    Handler handler;
    std::string_view name;  // the handler's name
    std::string_view sdl;   // Q.2110 SDL page(s), "-" where Q.2110 has no such transition
  };
  // The rows handle() dispatches on: exactly one per (State, Signal).
  static std::span<const Transition> state_matrix();

  explicit Sscop(const Params& params = {});

  void handle(const Event& ev, TimePoint now, std::vector<Action>& out);
  // The same, the event's data moved into the transmission queue, not copied.
  void handle(Event&& ev, TimePoint now, std::vector<Action>& out);
  // The two inputs of every message, without building an Event (the hot path,
  // docs/saal.md, "Buffers and ownership"): the same as handle(PduReceived{pdu}) and
  // handle(AaDataRequest{std::move(data)}) (the data moved in), action for action.
  void receive(ByteView pdu, TimePoint now, std::vector<Action>& out);
  void data_request(Bytes&& data, TimePoint now, std::vector<Action>& out);
  // Fires every timer due at or before now, earliest first.
  void handle_timeouts(TimePoint now, std::vector<Action>& out);
  // The earliest running timer, kept up to date as timers change (asked once
  // per turn of the event loop, through every layer).
  std::optional<TimePoint> next_deadline() const {
    if (deadline_ == kNotRunning) return std::nullopt;
    return deadline_;
  }
  // The same without the std::optional: TimePoint::max() when no timer runs
  // (the shell's end-of-turn query, a plain load).
  TimePoint earliest_deadline() const { return deadline_; }
  State state() const { return state_; }
  // How many actions other than SendPdu, AaDataIndication and Trace (the
  // actions of every message) this entity has emitted: a user that maps
  // SSCOP's signals (SSCF) looks at its list only when this moved.
  std::uint64_t signals_emitted() const { return signals_; }

  const Params& params() const { return params_; }
  const Stats& stats() const { return stats_; }
  bool timer_running(Timer t) const { return running(t); }
  // State variables, for tests and traces.
  std::uint32_t vt_s() const { return vt_s_; }
  std::uint32_t vt_a() const { return vt_a_; }
  std::uint32_t vt_ms() const { return vt_ms_; }
  std::uint32_t vt_ps() const { return vt_ps_; }
  std::uint32_t vt_pa() const { return vt_pa_; }
  std::uint32_t vt_pd() const { return vt_pd_; }
  std::uint32_t vt_cc() const { return vt_cc_; }
  std::uint8_t vt_sq() const { return vt_sq_; }
  std::uint32_t vr_r() const { return vr_r_; }
  std::uint32_t vr_h() const { return vr_h_; }
  std::uint32_t vr_mr() const { return vr_mr_; }
  std::size_t transmission_queue_size() const { return tx_queue_.size(); }
  std::size_t receiver_buffer_size() const { return rx_buf_.size(); }

  // Test support: renumbers a Ready connection with nothing outstanding so that
  // the next SD sent and the next SD expected are N(S) = origin (both ends must
  // do it; Q.2110 itself always starts at 0). Lets tests cross the 2^24 wrap.
  // Returns false, changing nothing, unless Ready with empty buffers.
  bool testing_set_sequence_origin(std::uint32_t origin);
  std::size_t transmission_buffer_size() const { return tx_buf_.size(); }

 private:
  // One SD of the Transmission Buffer: the whole SD PDU as sent (data, pad,
  // trailer: N(S) never changes), so a retransmission is a copy and nothing
  // is encoded again; `len` octets of it are the SDU (for AA-RETRIEVE).
  struct TxEntry {
    Bytes pdu;
    std::uint32_t len = 0;
    std::uint32_t ps = 0;    // VT(PS) when last (re)transmitted
    bool acked = false;      // selectively acknowledged by a STAT
    bool in_rexmit = false;  // queued for retransmission
  };

  friend struct StateMatrix;  // the table (sscop.cpp) names the private handlers

  // Dispatch.
  void receive_pdu(ByteView bytes);
  [[gnu::noinline]] void receive_other_pdu(ByteView bytes);
  // Ready only: SDs to send (queued or to retransmit)? Asked after every input.
  bool transmitter_pending() const { return !rexmit_q_.empty() || !tx_queue_.empty(); }
  void on_pdu(Pdu& pdu, ByteView info);
  bool sdu_too_long(const Event& ev);
  void dispatch(SignalInput& in);
  void handle_event(const Event& ev, Event* owned, TimePoint now, std::vector<Action>& out);
  static Bytes take_data(SignalInput& in);
  void deliver(Bytes data, std::uint32_t sn);  // AA-DATA.indication of a buffered SD
  void release_delivered();                    // delivered_ back to the pool
  static Bytes sdu_of(TxEntry& e) {            // the SDU of an entry (its PDU is gone)
    e.pdu.resize(e.len);
    return std::move(e.pdu);
  }

  // Q.2110 SDL handlers, <state>_<signal>, the rows of the state matrix.
  using In = SignalInput;
  void on_idle_establish_req(In& in);
  void on_idle_bgn(In& in);
  void on_idle_end(In& in);
  void on_outconn_bgak(In& in);
  void on_outconn_bgn(In& in);
  void on_outconn_bgrej(In& in);
  void on_outconn_release_req(In& in);
  void on_outconn_timer_cc(In& in);
  void on_outconn_data_req(In& in);
  void on_inconn_establish_resp(In& in);
  void on_inconn_release_req(In& in);
  void on_inconn_bgn(In& in);
  void on_outdis_establish_req(In& in);
  void on_outdis_endak(In& in);
  void on_outdis_end(In& in);
  void on_outdis_bgn(In& in);
  void on_outdis_timer_cc(In& in);
  void on_outres_rsak(In& in);
  void on_outres_rs(In& in);
  void on_outres_timer_cc(In& in);
  void on_outres_bgn(In& in);
  void on_inres_rs(In& in);
  void on_inres_resync_resp(In& in);
  void on_outrec_erak(In& in);
  void on_outrec_er(In& in);
  void on_outrec_data_req(In& in);
  void on_outrec_timer_cc(In& in);
  void on_recpend_er(In& in);
  void on_recpend_recover_resp(In& in);
  void on_inrec_er(In& in);
  void on_inrec_recover_resp(In& in);
  void on_ready_sd(In& in);
  void on_ready_sdp(In& in);
  void on_ready_poll(In& in);
  void on_ready_stat(In& in);
  void on_ready_ustat(In& in);
  void on_ready_bgn(In& in);
  void on_ready_end(In& in);
  void on_ready_rs(In& in);
  void on_ready_er(In& in);
  void on_ready_data_req(In& in);
  void on_ready_timer_poll(In& in);
  void on_ready_timer_keepalive(In& in);
  void on_ready_timer_idle(In& in);
  void on_ready_timer_noresponse(In& in);

  // Handlers shared by several states (the default rows among them).
  void on_any_ud(In& in);                // every state: AA-UNITDATA.indication
  void on_any_md(In& in);                // every state: MAA-UNITDATA.indication
  void on_any_unitdata_req(In& in);      // every state: UD
  void on_any_maa_unitdata_req(In& in);  // every state: MD
  void on_connected_bgn(In& in);         // states 6..9: BGN
  void on_recovery_rs(In& in);           // states 7..9: RS
  void release_req_connected(In& in);    // states 5..10: send END
  void resync_req(In& in);               // states 7..10: send RS
  void retrieve_req(In& in);             // AA-RETRIEVE.request
  void peer_end(In& in);                 // END -> ENDAK, release.ind
  void unexpected(In& in);               // MAA-ERROR only
  void unexpected_end(In& in);           // MAA-ERROR, END(S=SSCOP)
  void unexpected_release(In& in);       // MAA-ERROR, END, release.ind -> Idle
  void peer_gone(In& in);                // ENDAK/BGREJ: MAA-ERROR, release.ind -> Idle (no END)
  void ignore(In& in);                   // PDU: Trace only
  void not_allowed(In& in);              // upper signal not valid here: Trace only
  void stale_timer(In& in);              // a timer that cannot run in this state: Trace only

  // Pieces of handlers.
  void peer_bgn_reestablish(const Pdu& p);  // BGN (not a retransmission)
  void peer_rs_resync(const Pdu& p);        // RS (not a retransmission)
  void protocol_error(char code);           // Ready: ER (Q.SAAL1: BGN)
  void establish(const AaEstablishRequest& r);
  char stat_error(const Pdu& p) const;          // SDL p.70-71 checks: MAA-ERROR code or 0
  std::uint32_t stat_apply_list(const Pdu& p);  // SDL p.71: returns the SDs to retransmit
  void stat_timers();                           // SDL p.72

  // Q.2110 procedures (SDL macros).
  bool detect_retransmission(std::uint8_t nsq);
  bool bgn_retransmission(std::uint8_t nsq);
  void status_error(In& in, char code);
  void peer_sscop_reestablish(const Pdu& p);
  void initialize_state_variables();
  void initialize_vr_mr() { vr_mr_ = params_.window & kSeqMask; }
  void set_data_transfer_timers();
  void stop_data_transfer_timers();
  void release_buffers();
  void drop_transmitter();  // transmission queue and buffer emptied, buffers to the pool
  void drop_receiver();     // the receiver buffer likewise
  void prepare_retrieval();
  void prepare_recovery();
  void deliver_data();
  void clear_all_buffers();
  void clear_transmitter();    // SDL p.75: BR = no -> discard what retrieval kept
  void set_poll_timer();       // SDL p.76
  bool window_closed() const;  // VT(S) >= VT(MS)
  void check_credit();         // SDL p.72 label L: MAA-ERROR W / X
  void retrieve(const AaRetrieveRequest& r);
  void service_transmitter();     // Ready: send retransmissions and new SDs
  void send_new_sd(Bytes&& sdu);  // p.64: N(S) = VT(S), the SDU becomes the PDU
  void ensure_poll_phase();       // an SD goes out: IDLE/KEEP-ALIVE -> POLL
  void send_poll();
  void send_stat(std::uint32_t nps);
  void send_ustat(std::uint32_t l1, std::uint32_t l2);
  void release_acknowledged(std::uint32_t nr);
  bool sd_before_poll(std::uint32_t sd_ps, std::uint32_t nps) const;

  // PDU senders.
  void send(const Pdu& p);
  void send_bgn();
  void send_bgak(const Bytes& uu);
  void send_bgrej(const Bytes& uu);
  void send_end(const Bytes& uu, bool source_sscop);
  void send_endak();
  void send_rs();
  void send_rsak();
  void send_er();
  void send_erak();

  // Outputs.
  template <typename A>
  void emit(A&& a) {
    using T = std::decay_t<A>;
    if constexpr (!std::is_same_v<T, SendPdu> && !std::is_same_v<T, AaDataIndication>) ++signals_;
    out_->emplace_back(std::forward<A>(a));
  }
  const log::Levels& levels() const;
  bool tracing(log::Id id) const { return levels().enabled(id); }
  // Appends a Trace of `id` if the levels want it; arguments must be cheap
  // (guard costly ones with tracing()).
  template <class... A>
  void trace(log::Id id, A&&... a) {
    log::emit(levels(), *out_, id, std::forward<A>(a)...);
  }
  void maa_error(char code, std::uint32_t count = 0);
  void to_transmission_queue(Bytes data);
  void set_state(State s);

  void start(Timer t);
  void stop(Timer t);
  bool running(Timer t) const { return timers_[static_cast<std::size_t>(t)] != kNotRunning; }
  void update_deadline();
  Duration duration(Timer t) const;

  Params params_;
  State state_ = State::kIdle;
  std::uint64_t signals_ = 0;  // signals_emitted()
  // A stopped timer holds kNotRunning; deadline_ is the least of timers_.
  static constexpr TimePoint kNotRunning = TimePoint::max();
  std::array<TimePoint, kTimerCount> timers_ = [] {
    std::array<TimePoint, kTimerCount> a{};
    a.fill(kNotRunning);
    return a;
  }();
  TimePoint deadline_ = kNotRunning;
  std::vector<Action>* out_ = nullptr;
  TimePoint now_{};
  Stats stats_;

  // Transmitter state variables.
  std::uint32_t vt_s_ = 0, vt_ps_ = 0, vt_a_ = 0, vt_pa_ = 1, vt_ms_ = 0, vt_pd_ = 0, vt_cc_ = 0;
  std::uint8_t vt_sq_ = 0;
  // Receiver state variables.
  std::uint32_t vr_r_ = 0, vr_h_ = 0, vr_mr_ = 0;
  std::uint8_t vr_sq_ = 0;  // Q.2110: VT(SQ) and VR(SQ) start at 0
  // A data-phase PDU (SD, POLL, STAT, USTAT, RS, RSAK, ER, ERAK) came from the
  // peer since the connection was established: it got our BGAK, so a BGN now
  // is a new connection whatever its N(SQ) (linux-atm's SSCOP sends N(SQ) = 0
  // in every BGN, a restarted peer too).
  bool peer_past_bgn_ = false;
  bool credit_ = true;
  bool clear_buffers_ = true;
  bool reestablish_ = false;  // Q.SAAL1: OutConnPend entered because of a protocol error
  // Saved SSCOP-UU of the PDU being retransmitted under Timer_CC.
  Bytes uu_bgn_, uu_end_, uu_rs_;

  // Rings, not deques: their storage stays when elements go (no allocation
  // per SD in steady state).
  Ring<Bytes> tx_queue_;               // Transmission Queue (not yet sent)
  Ring<TxEntry> tx_buf_;               // Transmission Buffer, index = N(S) - VT(A)
  Ring<std::uint32_t> rexmit_q_;       // Retransmission Queue (N(S) values)
  Ring<std::optional<Bytes>> rx_buf_;  // Receiver Buffer, index = N(S) - VR(R)
  std::deque<std::pair<std::uint32_t, Bytes>>
      retrieve_buf_;  // unacknowledged SDs kept for AA-RETRIEVE
  // The receive path decodes into rx_pdu_ (its STAT list keeps its capacity).
  Pdu rx_pdu_;
  Pdu stat_pdu_;  // send_stat()'s, for the same reason
  // SDs delivered from the receiver buffer, kept while their indications'
  // views may be read (cleared by the next PduReceived or handle_timeouts()).
  std::vector<Bytes> delivered_;
};

}  // namespace atmsigd::sscop
