// Q.2931 / UNI 3.0, 3.1, 4.0 call control for one signaling link (one UNI),
// user side or network side, over its own SAAL (SSCF-UNI over SSCOP):
// point-to-point calls, Q.2963.1 modification (modify_machine.cpp) and Q.2971
// point-to-multipoint parties with UNI 4.0 leaf-initiated join
// (party_machine.cpp). Sans-I/O like every core: no socket, no clock, no timer of its own.
//
//   Uni uni(UniParams::defaults(Side::kUser, q2931::Version::kUni30));
//   std::vector<atmsvc::NetOutput> out;
//   uni.handle(atmsvc::StartLinks{}, now, out);          // AAL-ESTABLISH: BGN goes out
//   uni.handle(atmsvc::LinkPdu{0, pdu}, now, out);       // every SSCOP PDU received
//   uni.handle(atmsvc::CcConnect{...}, now, out);        // the socket layer's requests
//   uni.handle_timeouts(now, out);                       // at next_deadline()
//
// Outputs, in order: CcEvents for the socket layer, ToLink (send on VPI/VCI
// 0/5 or UDP), LinkState, log events (the catalog's call-control
// IDs at debug, the call lines at info) built only if the levels want them.
// After every call the shell re-arms its timer to next_deadline() (SSCOP's
// and the calls' timers together).
//
// The link: StartLinks asks SSCF for AAL-ESTABLISH; whenever the link is released
// (peer END, SSCOP failure) Uni asks again after UniParams::link_retry (SSCOP
// then paces the BGNs with Timer_CC/MaxCC), so the link comes back by itself
// when the peer does.
// Messages are queued while the link is down and sent when it is up.
//
// Kernel contract (include/atmsigd/atmsvc/call_control.hpp): exactly one
// CcEstablished or CcReleased per CcConnect/CcAccept; CcIncoming for every
// SETUP that can be offered; CcIncomingGone if the caller clears an offered
// call first; CcRelease/CcReject never answered; exactly one CcModifyResult
// per CcModify (before the call's CcReleased); CcModifyQos answered by the
// kernel's CcModifyQosAnswer, one at a time per call.
//
// States (Q.2931 §2.1): one enum for both sides, numbered as the call state IE
// codes them; user side U0 U1 U3 U4 U6 U7 U8 U9 U10 U11 U12, network side
// N0 N1 N3 N4 N6 N7 N8 N9 N10 N11 N12. The same number means corresponding
// states (U1 "user sent SETUP" <-> N1 "network received SETUP", U11 "user
// sent RELEASE" <-> N11 "network received RELEASE", U12 "user received
// RELEASE" <-> N12 "network sent RELEASE"). Every (state, event) pair is
// decided by a named handler found in the call machine's table
// (src/callctl/call_machine.cpp); unexpected ones answer STATUS cause 101
// (or are ignored where §5.6 says so) and leave a note — never an assert.
// With UniParams::modification (Q.2963.1) an active call may also be in U13
// / N13 Modify Request or U14 / N14 Modify Received.
// Files: coordinator.cpp (messages in, by call reference), call_machine.cpp
// (U0-U12 / N0-N12, state timers), modify_machine.cpp (Q.2963.1: U13/U14,
// T360/T361), restart.cpp (RESTART, T316/T317), uni.cpp (entry points, the
// SAAL link, messages out, allocation). docs/callctl.md.
//
// Timers (defaults per version, all configurable): T303 (SETUP sent: resend
// once, then RELEASE COMPLETE cause 102), T308 (RELEASE sent: resend once, then
// release the call reference and RESTART its VC), T309 (SAAL down with active calls: they survive
// a short outage, are checked with STATUS ENQUIRY when the link is back, and
// are cleared when T309 expires; calls in setup are cleared at once), T310
// (CALL PROCEEDING received: RELEASE cause 102), T313 (CONNECT sent by the
// user: RELEASE cause 102), T301 (ALERTING received, UNI 4.0/Q.2931 only:
// RELEASE cause 102), T322 (STATUS ENQUIRY sent: resend up to max, then
// RELEASE cause 41), T316 (RESTART sent: resend up to max), T317 (RESTART
// received: internal clearing, i.e. the kernel told of every cleared call;
// runs only while the shell's queue to the user of signaling is stalled,
// restart.cpp); Q.2963.1: T360 (MODIFY REQUEST sent: RELEASE cause 102), T361
// (MODIFY ACKNOWLEDGE sent asking for CONNECTION AVAILABLE: the new rates are
// committed all the same).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "atmsigd/atmsvc/call_control.hpp"
#include "atmsigd/atmsvc/cc_outputs.hpp"
#include "atmsigd/callctl/timer_queues.hpp"
#include "atmsigd/callctl/vc_allocator.hpp"
#include "atmsigd/log/log.hpp"
#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/message.hpp"
#include "atmsigd/sscf/sscf_uni.hpp"
#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/flat_map.hpp"
#include "atmsigd/util/intern_table.hpp"
#include "atmsigd/util/time.hpp"

namespace atmsigd::callctl {

struct IncomingSetup;  // mapping.hpp: a decoded SETUP as the callee's kernel sees it

enum class Side : std::uint8_t { kUser, kNetwork };

// Call states; the value is the call state IE code (Q.2931 §4.5.7).
enum class CallState : std::uint8_t {
  kNull = 0,                    // U0 / N0
  kCallInitiated = 1,           // U1 sent SETUP / N1 received SETUP
  kOutgoingCallProceeding = 3,  // U3 received CALL PROC / N3 sent CALL PROC
  kCallDelivered = 4,           // U4 received ALERTING / N4 sent ALERTING
  kCallPresent = 6,             // U6 received SETUP / N6 sent SETUP
  kCallReceived = 7,            // U7 sent ALERTING / N7 received ALERTING
  kConnectRequest = 8,          // U8 sent CONNECT / N8 received CONNECT
  kIncomingCallProceeding = 9,  // U9 sent CALL PROC / N9 received CALL PROC
  kActive = 10,                 // U10 / N10
  kReleaseRequest = 11,         // U11 sent RELEASE / N11 received RELEASE
  kReleaseIndication = 12,      // U12 received RELEASE / N12 sent RELEASE
  // Q.2963.1 §7.2 (UniParams::modification): an active call being modified.
  kModifyRequest = 13,   // U13 / N13 sent MODIFY REQUEST (the connection owner)
  kModifyReceived = 14,  // U14 / N14 received MODIFY REQUEST (the other end)
};
// "U3 Outgoing Call Proceeding" / "N3 Outgoing Call Proceeding".
std::string state_name(Side side, CallState s);
// The same as a static text (log events keep a view, no allocation).
std::string_view state_label(Side side, CallState s);

// Timers, named after the recommendation.
enum class Timer : std::uint8_t { kT301, kT303, kT308, kT310, kT313, kT322, kT360, kT361 };

std::string_view timer_name(Timer t);

// Q.2971 party states (point-to-multipoint); the value is the endpoint state
// IE code (Q.2971 §8.2.2). The party machine is party_machine.cpp.
enum class PartyState : std::uint8_t {
  kNull = 0,
  kAddPartyInitiated = 1,       // root: ADD PARTY (or the SETUP of party 0) sent
  kPartyAlertingDelivered = 4,  // leaf: PARTY ALERTING sent
  kAddPartyReceived = 6,        // leaf: ADD PARTY (or the SETUP) received
  kPartyAlertingReceived = 7,   // root: PARTY ALERTING received (T397)
  kActive = 10,
  kDropPartyInitiated = 11,  // DROP PARTY sent (T398)
  kDropPartyReceived = 12,   // DROP PARTY received
};
std::string_view party_state_label(PartyState s);
// Q.2971 / UNI 4.0 party timers and T331 (UNI 4.0 §6, LEAF SETUP REQUEST).
enum class PartyTimer : std::uint8_t { kT397, kT398, kT399, kT331 };
std::string_view party_timer_name(PartyTimer t);

// VPCI -> (interface, VPI), like the original's "vpci N itf M": the entry with
// the largest vpci <= the VPCI applies, VPI = VPCI - entry.vpci.
struct VpciMapping {
  std::uint16_t vpci = 0;
  short itf = 0;
};

struct UniParams {
  Side side = Side::kUser;
  q2931::Version version = q2931::Version::kUni30;

  Duration t301 = std::chrono::seconds(180);  // used only if use_t301
  bool use_t301 = false;                      // UNI 4.0 / Q.2931 have it
  Duration t303 = std::chrono::seconds(4);
  Duration t308 = std::chrono::seconds(30);
  Duration t309 = std::chrono::seconds(10);
  Duration t310 = std::chrono::seconds(10);
  Duration t313 = std::chrono::seconds(4);
  Duration t316 = std::chrono::seconds(120);
  Duration t317 = std::chrono::seconds(90);
  Duration t322 = std::chrono::seconds(4);
  Duration t360 = std::chrono::seconds(30);   // Q.2963.1 §13.1: MODIFY REQUEST sent
  Duration t361 = std::chrono::seconds(20);   // Q.2963.1 §13.2: awaiting CONNECTION AVAILABLE
  Duration t397 = std::chrono::seconds(180);  // Q.2971: PARTY ALERTING received
  Duration t398 = std::chrono::seconds(4);    // Q.2971: DROP PARTY sent
  Duration t399 = std::chrono::seconds(14);   // Q.2971 / UNI 3.1 / UNI 4.0: ADD PARTY sent
  Duration t331 = std::chrono::seconds(60);   // UNI 4.0 §6: LEAF SETUP REQUEST sent
  unsigned leaf_setup_sends = 2;              // LEAF SETUP REQUEST at most this often (T331)
  unsigned setup_sends = 2;                   // SETUP sent at most this often (T303)
  unsigned release_sends = 2;                 // RELEASE sent at most this often (T308)
  unsigned status_enquiry_sends = 3;          // STATUS ENQUIRY at most this often (T322)
  unsigned restart_sends = 2;                 // RESTART at most this often (T316)
  bool trace_messages = true;                 // a note per message sent/received
  // COLP (Q.2951.5, UNI 4.0): the callee's CONNECT carries the connected number
  // (and subaddress) = the accepting socket's local address, in UNI 4.0 / Q.2931.
  // Off by default: the original demon aborts a call whose message has an IE it
  // does not know (RELEASE COMPLETE, cause 111), so a CONNECT with it to an
  // original caller would clear the call.
  bool connected_number = false;
  // Pause before asking SSCF to re-establish a released link (SSCOP then
  // paces its BGNs with Timer_CC/MaxCC). Without it two ends releasing at the
  // same instant could keep killing each other's establishment.
  Duration link_retry = std::chrono::seconds(1);
  // Q.2931 messages waiting for the link while it is down, at most (issue
  // 14). At the bound a new outgoing call is refused at once (-ENETDOWN) and
  // any other message is dropped (its procedure's timer recovers it).
  std::size_t max_pending = 4096;

  // Interface of the calls (for struct sockaddr_atmpvc) and VPCI mapping.
  short itf = 0;
  std::vector<VpciMapping> vpci_map;  // empty: VPCI n -> (itf, n)
  // Network side: the (VPCI, VCI) ranges the demon assigns from (atmsigd.conf
  // vc_range); the default is VPCI 0, VCI 32-65535.
  std::vector<VcRange> vc_ranges{VcRange{}};
  // -m switch (network side only): the user of signaling supplies every
  // connection identifier, none is allocated here. An outgoing call takes the
  // CcConnect's pvc (none: CcReleased -EINVAL) and its local address as the
  // calling party, as given. An incoming SETUP stays in N1 without an answer
  // until CcIdentify names its connection identifier: CALL PROCEEDING with it
  // (N3); CcAccept before that releases the call (cause 45) and answers
  // -EINVAL.
  bool switch_mode = false;

  // Our addresses: a call placed with a null local address gets the first one
  // as the calling party number (none: no calling party number is sent).
  std::vector<struct sockaddr_atmsvc> local_addresses;
  int link_rate = 353207;  // PCR signalled for ATM_MAX_PCR (cells/s)

  // User side: answer an incoming SETUP with CALL PROCEEDING (U9) before the
  // kernel accepts. The original does not (it stays in U6).
  bool user_sends_call_proceeding = false;
  // Send RESTART (all VCs) whenever the link comes up (the original's
  // THOMFLEX; atmsigd.conf "sig restart_on_link_up").
  bool restart_on_link_up = false;
  // After T308's second expiry, RESTART the call's VC (Q.2931 §5.4.3).
  bool restart_after_t308 = true;
  // Q.2963.1 peak cell rate modification (-u uni40+q.2963.1, UNI 4.0 /
  // Q.2931 only): CcModify, MODIFY REQUEST / ACKNOWLEDGE / REJECT and
  // CONNECTION AVAILABLE. Without it CcModify is answered -ENOPROTOOPT and
  // the messages with STATUS cause 97, as before.
  bool modification = false;

  // The operator's view (call_details.cpp): distinct addresses and QoS values
  // of established calls kept at most, each (beyond: shown unknown, counted).
  std::size_t details_bound = 4096;

  sscf::Params sscf;

  // Which log events anyone wants (null: every one, as tests want); an
  // event's arguments are built only if its level is enabled.
  const log::Levels* levels = nullptr;
  // ", entity 0.0.5" when there are several entities: in the call lines.
  std::string log_name;

  // The recommendation's / original's values for a side and version:
  // SSCOP in Q.SAAL1 mode for UNI 3.0, T301 in UNI 4.0 and Q.2931, T310 30 s on
  // the user side of UNI 4.0 / Q.2931.
  static UniParams defaults(Side side, q2931::Version v);
};

// Counters for status dumps, tests and the stats command (engine::Stats;
// their names and meanings: src/control/stats_render.cpp, docs/control.md).
// Plain increments where the fact happens; the arrays are indexed by the
// value itself (no lookup on the hot path).
struct UniStats {
  static constexpr std::size_t kCauses = 128;        // Q.2931 cause values are 7 bits
  static constexpr std::size_t kMessageTypes = 256;  // a message type is one octet
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t messages_bad = 0;  // discarded by §5.6
  std::uint64_t status_sent = 0;
  std::uint64_t link_up = 0;
  std::uint64_t link_down = 0;
  std::uint64_t pending_dropped = 0;          // messages dropped at max_pending
  std::uint64_t calls_refused_link_down = 0;  // outgoing calls refused at max_pending
  // Messages received (decoded) and sent, by message type (retransmissions too).
  std::array<std::uint64_t, kMessageTypes> messages_in_by_type{};
  std::array<std::uint64_t, kMessageTypes> messages_out_by_type{};
  // Calls. Outgoing: every CcConnect is placed; it ends connected (U10/N10
  // reached) or failed by its cause (0: refused here before a SETUP went
  // out). Incoming: every new SETUP is offered; it ends accepted or rejected
  // by its cause. A call that was active ends released by its cause.
  std::uint64_t calls_placed = 0;
  std::uint64_t calls_connected = 0;
  std::uint64_t calls_offered = 0;
  std::uint64_t calls_accepted = 0;
  std::array<std::uint64_t, kCauses> calls_failed{};
  std::array<std::uint64_t, kCauses> calls_rejected{};
  std::array<std::uint64_t, kCauses> calls_released{};
  std::size_t pending_high_water = 0;  // messages waiting for the link, at most
  // Established calls whose address or QoS the operator's view could not
  // keep (the Uni's intern table full; the call itself is not affected).
  std::uint64_t call_details_unknown = 0;
};

class Uni final : public atmsvc::CallControl {
 public:
  explicit Uni(UniParams params);

  // atmsvc::CallControl: one input and `now`, the outputs appended to `out`
  // in the order they happen. The link is entity 0: LinkPdu (one SSCOP PDU
  // received on the signaling VC), ToLink (one to send), LinkState.
  // StartLinks brings the signaling link up (AAL-ESTABLISH.request); without
  // it the link is requested on demand, when the first message has to be sent.
  // StopLinks (shutdown) releases the link (AAL-RELEASE.request, SSCOP END)
  // and never establishes it again; messages still waiting for the link are
  // dropped, calls still held are forgotten without a message and without an
  // event (the shell has closed the kernel; the peer clears them after its
  // T309). PDUs from the link are processed until the link is released
  // (ENDAK), ignored after (a peer's BGN goes unanswered). LocalAddresses for
  // this UNI's interface replace the local address list.
  void handle(const atmsvc::NetInput& in, TimePoint now,
              std::vector<atmsvc::NetOutput>& out) override;
  // The engine's path: a request by reference (no NetInput copy).
  void handle_request(const atmsvc::CcRequest& r, TimePoint now,
                      std::vector<atmsvc::NetOutput>& out) override;
  // The two with the outputs split (the engine's path): link PDUs, the link
  // state and log events straight into out.actions, the CcEvents into
  // out.events, each in the order they were made.
  void handle_split(const atmsvc::NetInput& in, TimePoint now, atmsvc::CcOutputs& out) override;
  void handle_request_split(const atmsvc::CcRequest& r, TimePoint now,
                            atmsvc::CcOutputs& out) override;
  const log::Levels* log_levels() const override { return &levels(); }
  void handle_timeouts(TimePoint now, std::vector<atmsvc::NetOutput>& out) override;
  std::optional<TimePoint> next_deadline() const override;
  // The same, TimePoint::max() for none: asked at the end of every turn of
  // the shell's loop, through the router (Uni is final: inline there).
  // SSCOP's and the calls' timers keep their earliest deadline as a plain
  // member; the timers beside them are seldom armed, one test says so.
  TimePoint earliest_deadline() const override {
    const TimePoint d = std::min(sscf_.earliest_deadline(), timers_.earliest_deadline());
    if (party_timers_.empty() && joins_.empty() && !t309_ && !link_retry_at_ && restarts_.empty() &&
        answers_.empty()) [[likely]]
      return d;
    return std::min(d, seldom_deadline());
  }
  std::size_t call_count() const override { return calls_.size(); }
  std::size_t link_count() const override { return 1; }
  bool link_up(std::size_t /*entity*/ = 0) const override { return sscf_.established(); }
  // The link is released (SSCF idle): after StopLinks, the peer acknowledged
  // the END or SSCOP gave up (Timer_CC x MaxCC).
  bool links_idle() const override { return link_idle(); }
  bool link_idle() const { return sscf_.state() == sscf::State::kIdle; }

  // Replaces the local address list (as_itf_notify / address registration).
  void set_local_addresses(std::vector<struct sockaddr_atmsvc> addrs) {
    params_.local_addresses = std::move(addrs);
  }

  // Inspection (tests, status dumps).
  const UniParams& params() const { return params_; }
  const UniStats& stats() const { return stats_; }
  // State of the call of socket `sock` / incoming call `call` (kNull if none).
  CallState state_of_sock(atmsvc::SockId sock) const;
  CallState state_of_call(atmsvc::CallId call) const;
  bool t309_running() const { return t309_.has_value(); }
  bool restart_pending() const { return !restarts_.empty(); }
  // A RESTART received waits for the kernel to be told (T317 runs).
  bool restart_answer_pending() const { return !answers_.empty(); }
  // The call with call reference `cref` (we_originated: the call reference
  // is ours): its state, its state's timer if running, whether T322 runs.
  struct CallInfo {
    CallState state = CallState::kNull;
    std::optional<Timer> timer;
    bool t322 = false;
  };
  std::optional<CallInfo> call_info(std::uint32_t cref, bool we_originated) const;
  // The operator's view and release (control socket, docs/control.md).
  void calls(std::vector<atmsvc::CallView>& out) const override;
  bool release_call(std::size_t entity, std::uint32_t cref, bool outgoing, std::uint8_t cause,
                    TimePoint now, std::vector<atmsvc::NetOutput>& out) override;
  void entity_counters(std::vector<EntityCounters>& out) const override;  // entity_counters.cpp
  // Distinct addresses / QoS values the established calls' view holds (tests).
  std::size_t details_held() const { return addresses_.size() + qos_.size(); }
  // The link's SSCF (its SSCOP: state and counters), for the operator.
  const sscf::SscfUni& sscf() const { return sscf_; }
  // Network side: VCIs in use (allocated from vc_ranges).
  std::size_t vcis_in_use() const { return vcs_.in_use_count(); }
  // Q.2971: the party with endpoint reference `ep` of the call with call
  // reference `cref` (we_originated as above): its state and running timer.
  struct PartyInfo {
    PartyState state = PartyState::kNull;
    std::optional<PartyTimer> timer;
    atmsvc::SockId sock = 0;  // a leaf party added by ADD PARTY: its socket
  };
  std::optional<PartyInfo> party_info(std::uint32_t cref, bool we_originated,
                                      std::uint16_t ep) const;
  // Parties (not Null) of that call; leaf joins (LEAF SETUP REQUEST) pending.
  std::size_t party_count(std::uint32_t cref, bool we_originated) const;
  std::size_t joins_pending() const { return joins_.size(); }
  // The coordinator's table of message types (kMessageRows), for its tests:
  // a type's procedure (none: not a type of q2931::MessageType), and the call
  // machine's event's name ("": the coordinator's own, STATUS / STATUS
  // ENQUIRY, or none) on a UNI with or without Q.2963.1 modification.
  static std::optional<q2931::Procedure> procedure_of(q2931::MessageType t);
  static std::string_view call_event_name(q2931::MessageType t, bool modification);
  // CcIncoming and CcIncomingGone outputs so far: the entity router with one
  // entity has nothing else to translate in an input's outputs.
  std::uint64_t offers_told() const { return offers_told_; }

 private:
  // The earliest of the timers beside SSCOP's and the calls' (out of line:
  // seldom armed); TimePoint::max() if none.
  TimePoint seldom_deadline() const;
  // Per-call events: local primitives, messages, timers.
  enum class Ev : std::uint8_t {
    kSetupRequest,     // CcConnect
    kAcceptRequest,    // CcAccept
    kRejectRequest,    // CcReject
    kReleaseRequest,   // CcRelease (the kernel closed the socket)
    kIdentifyRequest,  // CcIdentify (switch mode; the call's vc is set)
    kSetup,
    kCallProceeding,
    kAlerting,
    kConnect,
    kConnectAck,
    kRelease,
    kReleaseComplete,
    kNotify,
    kOtherMessage,  // a known message type p2p call control does not implement
    kT301,
    kT303,
    kT308,
    kT310,
    kT313,
    // Q.2963.1 (UniParams::modification; without it the messages are kOtherMessage)
    kModifyPrimitive,      // CcModify: MODIFY.request of the kernel (In::qos)
    kQosAnswer,            // CcModifyQosAnswer: the kernel's answer (In::err)
    kModifyRequest,        // MODIFY REQUEST
    kModifyAck,            // MODIFY ACKNOWLEDGE
    kModifyReject,         // MODIFY REJECT
    kConnectionAvailable,  // CONNECTION AVAILABLE
    kT360,
    kT361,
  };
  static std::string_view ev_name(Ev e);
  // Which message is which call event: one row per message type octet, the
  // one place that says it (coordinator.cpp; the procedure column is
  // kMsgSpecs', a test checks it against q2931::message_procedure).
  struct MessageRow {
    bool known = false;  // a type of q2931::MessageType
    q2931::Procedure procedure = q2931::Procedure::kCallControl;
    bool has_event = false;     // the call machine takes it (not STATUS / STATUS ENQUIRY)
    Ev ev = Ev::kOtherMessage;  // its event; modification's only with UniParams::modification
  };
  static const std::array<MessageRow, 256> kMessageRows;
  // Where the kernel's socket stands, i.e. what it must still be told.
  enum class Phase : std::uint8_t {
    kOutgoing,          // CcConnect not yet answered
    kIncomingOffered,   // CcIncoming sent, no CcAccept/CcReject yet
    kIncomingAccepted,  // CcAccept not yet answered
    kUp,                // CcEstablished sent
    kGone,              // nothing more to tell
  };
  using Key = std::uint32_t;  // cref | 0x800000 if we originated the call
  static Key key_of(std::uint32_t cref, bool we_originated) {
    return (cref & 0x7fffffu) | (we_originated ? 0x800000u : 0u);
  }

  // Q.2963.1: where a modification of the call stands (Call::Modify::phase).
  // Phases with a CcModifyQos outstanding are marked (*): the kernel's answer
  // (CcModifyQosAnswer, Ev::kQosAnswer) moves them on.
  enum class ModPhase : std::uint8_t {
    kIdle,           // none
    kReserving,      // (*) owner: reservation asked of the kernel, MODIFY REQUEST not sent
    kRequested,      // owner: MODIFY REQUEST sent (U13, T360)
    kCommitting,     // (*) the new QoS set in the kernel (ATM_MF_SET)
    kRollingBack,    // (*) owner: MODIFY REJECT received, the old QoS set again
    kIndicated,      // (*) other end: MODIFY REQUEST received (U14), reservation asked
    kAwaitingAvail,  // other end: MODIFY ACKNOWLEDGE sent with a report type (T361)
  };

  struct Call {
    // Q.2963.1, on a UNI with UniParams::modification only: the call's QoS as
    // the kernel has it (kept from the setup part when the call is
    // established) and the modification in progress. The QoS asked for lives
    // in a part of its own, allocated only while a modification runs.
    struct Modify {
      struct atm_qos qos;
      std::unique_ptr<struct atm_qos> pending;  // the QoS being signalled (none: idle)
      ModPhase phase = ModPhase::kIdle;
      bool kernel_waits = false;  // a CcModify awaits its CcModifyResult
      bool confirm = false;       // owner: MODIFY ACKNOWLEDGE asked for CONNECTION AVAILABLE
      int err = 0;                // the CcModifyResult to give once rolled back
    };
    // What only the setup needs: the QoS and the local address (until
    // CcEstablished), the remote party (for the CALL_ESTABLISHED line, or
    // CALL_FAILED if it never gets there) and the encoded SETUP (for T303's
    // retransmission in U1/N6). Freed once the call is established: a held
    // call does not carry them (a released call's line has no addresses).
    struct Setup {
      struct atm_qos qos;
      struct sockaddr_atmsvc local;
      struct sockaddr_atmsvc remote;  // called (outgoing) / calling (incoming) party
      Bytes last_setup;
    };
    // Fields ordered so that the record packs (a held call is mostly this).
    std::uint32_t cref = 0;
    CallState state = CallState::kNull;
    Phase phase = Phase::kOutgoing;
    std::uint16_t sends = 0;  // of the timed message
    atmsvc::SockId sock = 0;  // 0: none (incoming call not yet accepted)
    atmsvc::CallId id = 0;    // incoming calls
    std::optional<std::pair<std::uint16_t, std::uint16_t>> vc;  // VPCI, VCI
    bool we_originated = false;
    bool vci_ours = false;           // network side: allocated from our pool
    std::uint8_t release_cause = 0;  // of our RELEASE (T308 retransmission)
    std::uint8_t cause = 0;          // the last cause sent or received (the release line)
    bool was_active = false;         // reached U10/N10 (released, not failed)
    bool p2mp = false;               // Q.2971: its parties are in mp_ (party_machine.cpp)
    bool timer_on = false;           // the state's timer runs: timer, timer_at
    std::uint16_t enquiries = 0;     // STATUS ENQUIRYs sent (T322)
    Timer timer = Timer::kT303;      // the state's timer (or T361, beside the table)
    // Once established, for the operator (call_details.cpp): the local and
    // remote address and the QoS as indices into the Uni's intern tables
    // (util::InternTable: kNone none, kUnknown the table was full), in
    // what was padding.
    std::uint16_t local_ix = 0;
    std::uint16_t remote_ix = 0;
    std::uint16_t qos_ix = 0;
    TimePoint timer_at{};
    std::optional<TimePoint> t322;
    std::unique_ptr<Setup> setup;
    std::unique_ptr<Modify> mod;  // Q.2963.1 only (null without UniParams::modification)
    Key key() const { return key_of(cref, we_originated); }
  };
  // A held call is this record (docs/performance.md, "Memory"): Q.2963.1's
  // pointer fits in what packing the state timer's fields freed.
  static_assert(sizeof(Call) <= 88, "a held call's record grew");

  // One event for the call machine. `cause`: for REJECT.request the cause to
  // clear with; for a RELEASE received with a bad mandatory IE the §5.6 cause
  // for our RELEASE COMPLETE.
  // `qos`: the kernel's new QoS (kModifyPrimitive); `err`: the kernel's
  // answer (kQosAnswer).
  struct In {
    In(Ev e, const q2931::Message* msg = nullptr, std::optional<std::uint8_t> c = std::nullopt)
        : ev(e), m(msg), cause(c) {}
    Ev ev;
    const q2931::Message* m;
    std::optional<std::uint8_t> cause;
    const struct atm_blli* blli = nullptr;  // kAcceptRequest: the B-LLI for CONNECT
    const struct atm_qos* qos = nullptr;
    int err = 0;
  };
  // The call machine (call_machine.cpp): its named handlers and their table;
  // the modification's handlers (modify_machine.cpp, Q.2963.1) in its rows.
  struct Machine;
  struct ModifyMachine;
  void dispatch(Call& c, const In& in);

  // Entry points (uni.cpp)
  void start_link();
  void stop_link();
  // One input of handle() (a template over NetInput's types, uni.cpp).
  template <class T>
  void on_input(const T& x);
  // The socket layer's requests, one per type.
  void request(const atmsvc::CcConnect& c);
  void request(const atmsvc::CcAccept& a);
  void request(const atmsvc::CcReject& r);
  void request(const atmsvc::CcRelease& rel);
  void request(const atmsvc::CcIdentify& idf);
  void request(const atmsvc::CcModify& mr);
  void request(const atmsvc::CcModifyQosAnswer& qa);
  void request(const atmsvc::CcAddParty& ap);
  void request(const atmsvc::CcDropParty& dp);
  void restart_vcs(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc);
  void restart_request(const atmsvc::RestartVcs& r);  // restart.cpp
  // CcModify / CcModifyQosAnswer for the call of a socket (modify_machine.cpp).
  void modify_request(const atmsvc::CcModify& req);
  void qos_answer(const atmsvc::CcModifyQosAnswer& ans);
  // A LinkState output when the link changed since the last one.
  void report_link_state();

  // The coordinator (coordinator.cpp)
  void on_q2931(ByteView bytes);
  // The call machine's event for a message type: kOtherMessage for one p2p
  // call control does not implement; none for STATUS / STATUS ENQUIRY (the
  // coordinator answers them) and for a type outside the enum.
  static std::optional<Ev> call_event_of(q2931::MessageType t);
  // The same for this UNI: the modification messages are events of the call
  // machine only with UniParams::modification.
  std::optional<Ev> event_of(q2931::MessageType t) const;
  void on_no_call(const q2931::Message& m, q2931::Action a, const std::optional<q2931::Cause>& c,
                  bool unknown_type);
  void on_call_message(Call& call, const q2931::Message& m, q2931::Action a,
                       const std::optional<q2931::Cause>& c);
  void on_global(const q2931::Message& m, q2931::Action a, const std::optional<q2931::Cause>& c);
  void on_unknown_cref(const q2931::Message& m);
  void on_new_setup(const q2931::Message& m);
  void on_status(Call& c, const q2931::Message& m);
  // The restart machine (restart.cpp)
  void on_restart(const q2931::Message& m);
  void on_restart_ack(const q2931::Message& m);
  void on_global_status(const q2931::Message& m);
  void on_kernel_stalled(bool stalled);
  // The restart state of the global call reference a message with flag
  // `flag` we send would name (Q.2931 §2.1.3: Rest 0, 1 or 2; the call state
  // IE codes them 0, 61, 62).
  CallState global_state(bool flag) const;
  void acknowledge_restart(const q2931::RestartIndicator& ri,
                           const std::optional<q2931::ConnectionIdentifier>& ci, bool flag);
  // Procedures the call machine's handlers share (call_machine.cpp)
  void place_call(const atmsvc::CcConnect& req);
  std::optional<int> outgoing_vc(Call& c, const atmsvc::CcConnect& req);
  void identify_call(const atmsvc::CcIdentify& req);
  // Switch mode: (VPCI, VCI) of a connection identifier given as (itf, VPI,
  // VCI), the inverse of pvc_of() (none: no VPCI maps to that itf/VPI).
  std::optional<std::pair<std::uint16_t, std::uint16_t>> vc_of_pvc(
      const struct sockaddr_atmpvc& pvc) const;
  void accept_call(Call& c, const struct atm_blli* blli = nullptr);
  void reject_call(Call& c, std::uint8_t cause);
  void clear_by_peer(Call& c, const q2931::Message& m, bool complete,
                     std::optional<std::uint8_t> release_complete_cause = std::nullopt);
  void start_release(Call& c, std::uint8_t cause, std::optional<int> tell_kernel, Bytes diag = {});
  void drop_call(Call& c, std::optional<int> tell_kernel);
  void tell_kernel_gone(Call& c, int err);
  // The call's own socket (CcReleased) or, still offered, its offer
  // (CcIncomingGone) is told once; the call's phase becomes kGone.
  void tell_socket_gone(Call& c, int err);
  // CcIncoming: the SETUP (or ADD PARTY) `in` offered to the kernel as call
  // `id` on VC `vc`.
  void offer(atmsvc::CallId id, const std::optional<std::pair<std::uint16_t, std::uint16_t>>& vc,
             const IncomingSetup& in);
  // Q.2963.1 procedures the modification's handlers share (modify_machine.cpp).
  // The CcModifyResult a waiting kernel is owed, once; the modification is over.
  void end_modification(Call& c, std::optional<int> tell_kernel);
  // Asks the kernel to apply qos with the ATM_MF_* flags (CcModifyQos).
  void ask_kernel_qos(Call& c, const struct atm_qos& qos, int flags, ModPhase next);
  void send_modify_reject(Call& c, std::uint8_t cause, Bytes diag = {});
  void take_conn_id(Call& c, const q2931::Message& m);
  void connected(Call& c, const q2931::Message& m);
  // CcEstablished for the kernel; the call's setup part is freed.
  void tell_established(Call& c);
  // The operator's view of a held call (call_details.cpp): its addresses and
  // QoS interned once established, released at its end, read by calls().
  void keep_details(Call& c);
  void drop_details(const Call& c);
  void view_details(const Call& c, atmsvc::CallView& v) const;
  // A setup part from the pool (its fields are the caller's to set), and
  // back to it (c.setup is null after).
  std::unique_ptr<Call::Setup> take_setup();
  void free_setup(Call& c);
  // The call's setup part (a zeroed one once freed: never read then).
  static const Call::Setup& setup_of(const Call& c) { return c.setup ? *c.setup : kNoSetup; }
  static const Call::Setup kNoSetup;  // setup_of() of a call without one (call_machine.cpp)
  // Enters state s: stops the old state's timer, starts the new one's.
  void set_state(Call& c, CallState s);
  // set_state()'s rare parts, out of line: the state trace (kCallState, its
  // level enabled) and the first entry into U10 / N10.
  [[gnu::noinline]] void log_state(const Call& c, CallState s);
  [[gnu::noinline]] void became_active(Call& c);
  // A retransmission re-enters the state: its timer starts again.
  void reenter_state(Call& c);
  // The state->timer table (call_machine.cpp), for this Uni's side and
  // use_t301: state_timers_ below.
  std::optional<Timer> state_timer(CallState s) const;
  // Fills state_timers_ and durations_ from params_ (the constructor).
  void make_timer_tables();
  void erase_call(Key k);
  // A call's phase changes here: by_id_ names a call only while it is
  // offered (CcAccept, CcReject and CcIdentify name it by its id; the socket
  // table names it by its socket once accepted).
  void set_phase(Call& c, Phase p);
  // The offered call with id `id` (by_id_), or null.
  Call* find_offered(atmsvc::CallId id);
  std::vector<Key> keys_where(bool (*pred)(const Call&)) const;

  // Q.2971 point-to-multipoint (party_machine.cpp). Only p2mp calls have a
  // Multipoint, in mp_ (a held point-to-point call does not grow). Endpoint
  // references are allocated by the call's originator (the root side).
  enum class PEv : std::uint8_t {
    kAddPartyRequest,   // CcAddParty (root)
    kAcceptRequest,     // CcAccept of an offered leaf party
    kRejectRequest,     // CcReject of an offered leaf party (In::cause)
    kDropPartyRequest,  // CcDropParty (root) / CcRelease of a leaf party's socket
    kAddParty,
    kAddPartyAck,
    kAddPartyReject,
    kPartyAlerting,
    kDropParty,
    kDropPartyAck,
    kT397,
    kT398,
    kT399,
  };
  static std::string_view pev_name(PEv e);
  struct Party {
    std::uint16_t ep = 0;
    PartyState state = PartyState::kNull;
    bool own_sock = false;    // an added leaf party: sock/id are its own
    bool add_waits = false;   // root: a CcAddPartyResult is owed
    bool drop_waits = false;  // root: a CcDropPartyResult is owed
    bool timer_on = false;
    PartyTimer timer = PartyTimer::kT399;
    std::uint8_t cause = 0;  // of our DROP PARTY (T398), or the one that ended it
    TimePoint timer_at{};
    atmsvc::SockId sock = 0;
    atmsvc::CallId id = 0;
    std::optional<std::pair<std::uint16_t, std::uint16_t>> vc;  // network side: its own VC
    struct sockaddr_atmsvc local {};                            // leaf: the called address
  };
  struct Multipoint {
    std::unordered_map<std::uint16_t, Party> parties;  // by endpoint reference
    std::uint16_t next_ep = 1;                         // root: the next reference to try
    struct atm_qos qos {};                             // leaf: the call's, for added parties
    struct atm_sap sap {};
    char lij_type = 0;  // root: ATM_LIJ_RPJ / ATM_LIJ_NJ
    std::uint32_t lij_id = 0;
  };
  struct PIn {
    PEv ev;
    const q2931::Message* m = nullptr;
    std::optional<std::uint8_t> cause{};
  };
  struct PartyMachine;
  using PartyRef = std::pair<Key, std::uint16_t>;
  // A leaf-initiated join of ours (UNI 4.0 §6): LEAF SETUP REQUEST sent on
  // call reference `cref`, waiting for the root's SETUP / ADD PARTY (T331).
  struct Join {
    atmsvc::SockId sock = 0;
    std::uint32_t seq = 0;
    struct sockaddr_atmsvc local {};
    struct atm_qos qos {};
    Bytes request;  // the encoded LEAF SETUP REQUEST (T331's retransmission)
    unsigned sends = 1;
    TimePoint t331{};
  };
  void party_dispatch(Call& c, Multipoint& mp, Party& p, const PIn& in);
  void add_party_request(const atmsvc::CcAddParty& req);
  void drop_party_request(const atmsvc::CcDropParty& req);
  bool party_accept(const atmsvc::CcAccept& a);
  bool party_reject(const atmsvc::CcReject& r, std::uint8_t cause);
  bool party_release(atmsvc::SockId sock);
  void on_party_message(Call& c, const q2931::Message& m);
  void on_party_status_enquiry(Call& c, const q2931::Message& m);
  void on_party_status(Call& c, const q2931::Message& m);
  void on_incoming_add_party(Call& c, Multipoint& mp, const q2931::Message& m);
  void set_party_state(Call& c, Party& p, PartyState s);
  void start_party_timer(Call& c, Party& p, PartyTimer t);
  void stop_party_timer(Call& c, Party& p);
  void party_timeout(Key k, std::uint16_t ep, PartyTimer t, TimePoint when);
  // The party is gone (Null): its records, maps, timer and VC; the call is
  // released when it was the last (cause, tell the root's kernel err).
  void remove_party(Call& c, Multipoint& mp, std::uint16_t ep, std::uint8_t cause,
                    std::optional<int> root_err);
  bool last_party(const Multipoint& mp, std::uint16_t ep) const;
  void send_party_message(const Call& c, q2931::MessageType t, const Party& p,
                          std::optional<std::uint8_t> cause = std::nullopt, Bytes diag = {});
  void send_party_status(const Call& c, const Party* p, std::uint16_t ep, std::uint8_t cause,
                         Bytes diag = {});
  // The call ends: what every party's kernel is still owed (before the
  // call's CcReleased), then the party records go.
  void end_parties(Call& c, int err, bool tell);
  // An added leaf's own VC back to the pool, out of RESTART's index.
  void release_party_vc(Party& p);
  // The added leaves whose own VC a RESTART names (class 0: that VC; class 1:
  // every VC of the VPCI), and the clearing of one of them (restart.cpp).
  std::vector<PartyRef> parties_on(std::uint16_t vpci, std::optional<std::uint16_t> vci) const;
  void restart_party(PartyRef ref);
  Multipoint* mp_of(const Call& c);
  const Multipoint* mp_of(const Call& c) const;
  // The endpoint reference IE of party `ep` as this side sends it.
  q2931::EndpointReference ep_ie(const Call& c, std::uint16_t ep) const;
  void start_multipoint(Call& c, q2931::Message& setup, const atmsvc::CcConnect& req);
  void start_leaf(Call& c, const q2931::Message& setup, const struct atm_qos& qos,
                  const struct atm_sap& sap);
  // UNI 4.0 §6 leaf-initiated join (party_machine.cpp).
  void place_join(const atmsvc::CcConnect& req);
  void on_leaf_setup_request(const q2931::Message& m);
  void on_leaf_setup_failure(const q2931::Message& m);
  // A SETUP / ADD PARTY answering a join of ours: its socket, else 0.
  std::optional<Join> take_join(const q2931::Message& m);
  void join_timeouts();

  // messages
  q2931::Message make(q2931::MessageType t, const Call& c) const;
  void send(const q2931::Message& m, Key owner);
  void send_encoded(const q2931::Message& m, Bytes bytes, Key owner);
  // A retransmission of an encoded message (T303's SETUP): sent only while
  // the link is up, never queued.
  void resend(const Bytes& bytes);
  void to_saal(Bytes bytes);
  void send_call_proceeding_with_ci(Call& c);
  void send_status(std::uint32_t cref, bool flag, CallState st, std::uint8_t cause,
                   Bytes diag = {});
  void send_status(const Call& c, std::uint8_t cause, Bytes diag = {});
  void send_release_complete(std::uint32_t cref, bool flag, std::optional<std::uint8_t> cause,
                             Bytes diag = {});
  void send_status_enquiry(Call& c);
  void send_restart(std::uint8_t cls, std::pair<std::uint16_t, std::uint16_t> vc);
  void queue_restart(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc);
  // class 0: (VPCI, VCI); class 1: VPCI (vc.second unused); class 2: vc unused.
  void queue_restart(std::uint8_t cls, std::pair<std::uint16_t, std::uint16_t> vc);
  bool vpci_ours(std::uint16_t vpci) const;
  bool pending_room();

  // timers (the state's timer only through set_state / reenter_state)
  void start_state_timer(Call& c, Timer t);
  // Inline (every state change stops one): the record says the timer is off;
  // its queue entry is dropped if it is the front (the usual case, one call
  // in flight), and the entries behind it pruned only if there are some (not
  // the front: the front is another call's live timer, nothing to prune).
  [[gnu::always_inline]] void stop_state_timer(Call& c) {
    if (!c.timer_on) return;
    c.timer_on = false;
    const auto kind = static_cast<std::size_t>(c.timer);
    if (timers_.drop_front_if(kind, c.key(), c.timer_at) && timers_.size(kind) != 0)
      prune_timers(c.timer);
  }
  void stop_t322(Call& c);
  void restart_timeouts();  // T316, T317 (restart.cpp)
  void call_timeout(Call& c, Timer t, TimePoint when);
  Duration duration(Timer t) const;

  // link
  // Each call into SSCF appends to acts_ and acts on what it appended
  // (process(from), uni.cpp: "The link (SSCF-UNI)").
  void run_sscf(const sscf::Event& ev);
  void receive_pdu(ByteView pdu);  // a PDU from the link
  void process(std::size_t from);
  void ensure_link();
  void on_link_up(bool indication);
  void on_link_down();

  // allocation
  std::optional<std::uint32_t> alloc_cref();
  std::optional<VcAllocator::Vc> alloc_vc();
  void free_vc(Call& c);
  // The kernel's (itf, VPI, VCI) of a (VPCI, VCI) (vpci_map); none: AF_ATMPVC, all zero.
  struct sockaddr_atmpvc pvc_of(
      const std::optional<std::pair<std::uint16_t, std::uint16_t>>& vc) const;
  static std::uint32_t vc_key(std::uint16_t vpci, std::uint16_t vci) {
    return static_cast<std::uint32_t>(vpci) << 16 | vci;
  }
  // Inline (asked at every state change and message): the daemon's levels,
  // or every level (tests).
  const log::Levels& levels() const {
    return params_.levels != nullptr ? *params_.levels : every_level();
  }
  static const log::Levels& every_level();
  // A catalog event, built only if the levels want it.
  template <class... A>
  void emit(log::Id id, A&&... a) {
    ShellSink sink{this};
    log::emit(levels(), sink, id, std::forward<A>(a)...);
  }
  // A call's event: its call reference and the entity come first.
  template <class... A>
  void emit_call(log::Id id, const Call& c, A&&... a) {
    if (!levels().enabled(id)) return;
    ShellSink sink{this};
    log::emit(levels(), sink, id, log::Hex{c.cref}, params_.log_name, std::forward<A>(a)...);
  }
  // What is for the shell (a link PDU, the link state, a log event): into
  // the engine's action list on its path (handle_split), else into out_.
  template <class T>
  void to_shell(T&& x) {
    if (shell_ != nullptr)
      shell_->emplace_back(std::in_place_type<std::decay_t<T>>, std::forward<T>(x));
    else
      out_->emplace_back(std::forward<T>(x));
  }
  // log::emit's list: an event goes where to_shell() puts it.
  struct ShellSink {
    Uni* u;
    void emplace_back(log::Event&& e) { u->to_shell(std::move(e)); }
  };
  std::string_view label(CallState s) const { return state_label(params_.side, s); }
  // The two lines a call logs at the default level: established, and
  // released or failed (with cause).
  void log_established(const Call& c);
  void log_ended(const Call& c);

  UniParams params_;
  sscf::SscfUni sscf_;
  bool started_ = false;
  bool stopping_ = false;  // stop_link(): never re-establish
  bool was_up_ = false;
  TimePoint now_{};
  bool reported_up_ = false;  // the link state the last LinkState said
  // The outputs of the input being handled (set by every entry point).
  std::vector<atmsvc::NetOutput>* out_ = nullptr;
  // The engine's action list on its path (handle_split): what is for the
  // shell goes there (to_shell()); null: into out_ as well.
  std::vector<atmsvc::Action>* shell_ = nullptr;
  // SSCF's actions for the whole input (nested calls into SSCF append
  // behind; the outermost clears it), kept for its capacity.
  std::vector<sscf::Action> acts_;
  // on_q2931()'s decoding, kept for its IE list's storage (no allocation per
  // message received); a nested on_q2931() (none today) decodes into its own.
  q2931::DecodeResult rx_;
  bool rx_busy_ = false;
  static constexpr Key kGlobalKey = 0xffffffffu;
  std::deque<std::pair<Key, Bytes>> pending_;  // Q.2931 messages waiting for the link

  // Per-call state in flat tables (util/flat_map.hpp): a held call costs its
  // record in the slab plus a slot in each index, no node (issue 13, memory).
  util::SlabMap<Key, Call> calls_;
  // Setup parts of calls gone or established, for the next calls (take_setup).
  static constexpr std::size_t kSetupPool = 32;
  std::vector<std::unique_ptr<Call::Setup>> setup_pool_;
  util::FlatMap<atmsvc::SockId, Key> by_sock_;
  util::FlatMap<atmsvc::CallId, Key> by_id_;  // offered calls only (set_phase())
  util::FlatMap<std::uint32_t, Key> by_vc_;
  // Armed per-call timers, one FIFO per Timer (timer_queues.hpp): starting
  // one is an append, stopping one marks the call's record (pruned at the
  // front). Nothing is allocated per timer once the queues have their peak.
  static constexpr std::size_t kTimerKinds = static_cast<std::size_t>(Timer::kT361) + 1;
  TimerQueues<kTimerKinds> timers_;
  // Made once from params_ (make_timer_tables(); params_ never changes): the
  // timer each state starts, by state (kNoStateTimer: none; T301 only with
  // use_t301), and each timer's duration. set_state() reads them instead of
  // the rows of the table and the switch of duration().
  static constexpr std::uint8_t kNoStateTimer = 0xff;
  std::array<std::uint8_t, 16> state_timers_{};
  std::array<Duration, kTimerKinds> durations_{};
  // Whether timer `t` of call `k` is armed for `when` (a queue's entry is live).
  bool timer_live(Key k, std::size_t t, TimePoint when) const;
  void prune_timers(Timer t);

  std::uint32_t next_cref_ = 1;
  atmsvc::CallId next_call_id_ = 1;
  // VPCI/VCI allocation (network side), O(1): never-used identifiers of
  // vc_ranges first, then released ones in FIFO order.
  VcAllocator vcs_;

  std::optional<TimePoint> t309_;
  std::optional<TimePoint> link_retry_at_;
  // Restart-Start (Rest 1): a RESTART of ours waiting for its acknowledgement.
  struct RestartJob {
    std::uint8_t cls = 2;                          // restart indicator class
    std::pair<std::uint16_t, std::uint16_t> vc{};  // class 0: VPCI, VCI; class 1: VPCI
    TimePoint deadline;                            // T316
    unsigned sends = 0;
  };
  std::vector<RestartJob> restarts_;
  // Restart-Respond (Rest 2): a RESTART received, cleared here, whose
  // RESTART ACKNOWLEDGE waits until the kernel has been told (T317).
  struct RestartAnswer {
    q2931::RestartIndicator ri;
    std::optional<q2931::ConnectionIdentifier> ci;
    bool flag = true;  // of our RESTART ACKNOWLEDGE
    TimePoint t317;
  };
  std::vector<RestartAnswer> answers_;
  bool kernel_stalled_ = false;  // KernelStalled: the kernel is not reading

  // Q.2971 (party_machine.cpp)
  std::unordered_map<Key, Multipoint> mp_;
  std::unordered_map<atmsvc::CallId, PartyRef> party_ids_;    // offered leaf parties
  std::unordered_map<atmsvc::SockId, PartyRef> party_socks_;  // accepted leaf parties
  // Network side: the added leaves' own VCs (vc_key), RESTART's index of them.
  std::unordered_map<std::uint32_t, PartyRef> party_vcs_;
  std::set<std::tuple<TimePoint, Key, std::uint16_t, std::uint8_t>> party_timers_;
  std::unordered_map<std::uint32_t, Join> joins_;  // by our call reference
  std::uint32_t next_leaf_seq_ = 1;

  UniStats stats_;
  std::uint64_t offers_told_ = 0;  // offers_told()
  // The addresses (local and remote) and QoS of the established calls, each
  // distinct value once (call_details.cpp).
  util::InternTable<struct sockaddr_atmsvc> addresses_{params_.details_bound};
  util::InternTable<struct atm_qos> qos_{params_.details_bound};
  // The indices the last call's values got: tried first (InternTable's hint).
  struct {
    std::uint16_t local = 0, remote = 0, qos = 0;
  } details_hints_;
};

}  // namespace atmsigd::callctl
