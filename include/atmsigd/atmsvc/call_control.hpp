// The boundary between the kernel-side socket machines and the network side
// ("call control"). The socket layer turns kernel requests into CcRequests and
// kernel replies come out of CcEvents. Issue 3 provides test doubles behind
// this interface; Q.2931 call control implements it for the real network.
#pragma once

#include <sys/socket.h>

#include <linux/atm.h>
#include <linux/atmsap.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "atmsigd/log/log.hpp"
#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/time.hpp"

namespace atmsigd::callctl {
struct EntityCounters;  // include/atmsigd/callctl/entity_counters.hpp
}

namespace atmsigd::atmsvc {

// Demon-internal socket identity. Unlike the kernel's vcc it is never reused,
// so a late event for a socket that is gone can never hit a new socket that
// happens to get the same kernel pointer.
using SockId = std::uint64_t;
// Call control's identity of an incoming call (also never reused).
using CallId = std::uint64_t;

// --- requests: socket layer -> call control ---------------------------------

// Place an outgoing call (as_connect). Answered by CcEstablished or CcReleased.
struct CcConnect {
  SockId sock;
  struct sockaddr_atmsvc local;   // calling party (may be null: call control picks)
  struct sockaddr_atmsvc called;  // called party + (with sap) the SAP
  struct atm_sap sap;
  struct atm_qos qos;
  unsigned int session;  // point-to-multipoint session (0: point-to-point)
  // Switch mode only: the connection identifier the user of signaling chose
  // (as_connect's pvc; sap_family 0: none given). Ignored in the other modes.
  struct sockaddr_atmpvc pvc;
};

// Accept an incoming call (as_accept). Answered by CcEstablished or CcReleased.
struct CcAccept {
  CallId call;
  SockId sock;
  // The B-LLI CONNECT returns to the caller (Q.2931 Annex C), from the SAP
  // negotiation; l2_proto and l3_proto 0: none.
  struct atm_blli blli {};
};

enum class RejectReason : std::uint8_t {
  kNoListener,      // nobody listens on a matching SAP
  kKernelRejected,  // as_reject (err carries the kernel's reply)
  kListenerClosed,  // the listening socket went away with the call pending
  kPolicy,          // a "policy reject from" rule matches the calling party
  kNotIdentified,   // switch mode: as_accept without a connection identifier
  kUserStalled,     // the user of signaling does not read its replies (issue 14)
};

// Refuse an incoming call. No answer.
struct CcReject {
  CallId call;
  RejectReason reason;
  int err;  // negative errno from as_reject, or 0
};

// Switch mode (as_identify): the user of signaling names the connection
// identifier of an offered incoming call; call control answers the caller with
// CALL PROCEEDING carrying it. No answer; if the call is gone, nothing happens
// (the later as_accept gets -ECONNABORTED as usual).
struct CcIdentify {
  CallId call;
  SockId sock;  // the listening socket the call was indicated to (logs, routing)
  struct sockaddr_atmpvc pvc;
};

// The kernel closed the socket (as_close) during setup or while active.
// No answer: the socket layer has already forgotten the socket.
struct CcRelease {
  SockId sock;
};

// Q.2963.1 (UNI 4.0 with q.2963.1): the kernel asks to change the peak cell
// rates of an active call (as_modify: SO_ATMQOS on a connected SVC) to those
// of `qos`. Answered by exactly one CcModifyResult; if the call ends first,
// the CcModifyResult comes before its CcReleased.
struct CcModify {
  SockId sock;
  struct atm_qos qos;
};

// The kernel's answer to call control's CcModifyQos for this socket: 0
// (as_okay) or its negative errno (as_error). No answer.
struct CcModifyQosAnswer {
  SockId sock;
  int err;
};

// Q.2971 (point-to-multipoint), the root: add a leaf `called` to the call of
// socket `sock` (as_addparty; the socket's call was placed with a session,
// its first party has endpoint reference 0). Answered by exactly one
// CcAddPartyResult; if the call ends first, that comes before its CcReleased.
struct CcAddParty {
  SockId sock;
  struct sockaddr_atmsvc called;
};

// Q.2971, the root: drop the leaf with endpoint reference `ep_ref`
// (as_dropparty). Answered by exactly one CcDropPartyResult.
struct CcDropParty {
  SockId sock;
  int ep_ref;
};

using CcRequest = std::variant<CcConnect, CcAccept, CcReject, CcRelease, CcIdentify, CcModify,
                               CcModifyQosAnswer, CcAddParty, CcDropParty>;

// --- events: call control -> socket layer -----------------------------------

// The call is active (after as_connect: connected; after as_accept: the
// incoming call completed). Becomes as_okay.
struct CcEstablished {
  SockId sock;
  struct sockaddr_atmpvc pvc;
  struct sockaddr_atmsvc local;
  struct atm_qos qos;
};

// The call ended or failed. err is 0 for a normal release by the remote party,
// otherwise a negative errno. Becomes as_error during setup, as_close after.
struct CcReleased {
  SockId sock;
  int err;
};

// A call arrived for one of our addresses. Becomes as_indicate, or a CcReject.
struct CcIncoming {
  CallId call;
  struct sockaddr_atmpvc pvc;
  struct sockaddr_atmsvc called;
  struct sockaddr_atmsvc calling;
  struct atm_sap sap;
  struct atm_qos qos;
};

// An incoming call that is still waiting for the kernel's answer was cleared
// by the caller or the network.
struct CcIncomingGone {
  CallId call;
};

// The answer to CcModify: as_okay with reply `err` (0: the call now has the
// new peak cell rates; else a negative errno, the call goes on unchanged).
struct CcModifyResult {
  SockId sock;
  int err;
};

// Q.2963.1: apply `qos` to the call's VC (the demon's own as_modify to the
// kernel, `flags` ATM_MF_* in its reply field: a reservation before the
// modification is signalled, ATM_MF_SET to commit or roll back). The kernel
// answers with as_okay or as_error, which come back as CcModifyQosAnswer; at
// most one is outstanding per socket. A kernel that has closed the socket
// meanwhile never answers.
struct CcModifyQos {
  SockId sock;
  struct atm_qos qos;
  int flags;
};

// The answer to CcAddParty, as_addparty's reply (net/atm/signaling.c: the
// ATM_ADDPARTY ioctl returns it): the new party's endpoint reference (> 0)
// once it is added, or a negative errno.
struct CcAddPartyResult {
  SockId sock;
  int reply;
};

// The answer to CcDropParty, as_dropparty's reply: 0 or a negative errno.
struct CcDropPartyResult {
  SockId sock;
  int reply;
};

using CcEvent = std::variant<CcEstablished, CcReleased, CcIncoming, CcIncomingGone, CcModifyResult,
                             CcModifyQos, CcAddPartyResult, CcDropPartyResult>;

// --- the links: the engine <-> call control ---------------------------------
// Call control with signaling links (Q.2931 over SAAL) has one per entity,
// numbered from 0; a stand-in without links ignores these inputs.

// One SSCOP PDU received on entity `entity`'s link.
struct LinkPdu {
  std::size_t entity;
  ByteView bytes;
};
// Every entity asks for its link (AAL-ESTABLISH.request).
struct StartLinks {};
// Shutdown: every link is released (SSCOP END) and never established again;
// calls still held are forgotten without a message and without an event.
struct StopLinks {};
// The local addresses of interface `itf` (the kernel's, through the shell).
struct LocalAddresses {
  int itf;
  std::vector<struct sockaddr_atmsvc> addrs;
};
// RESTART (Q.2931 §5.5.1) on entity `entity`, asked by the operator or a
// procedure: of every VC (vc empty: restart indicator class 2), of one VC
// (VPCI, VCI: class 0) or, with `vpc`, of every VC in VPCI vc->first (class
// 1; UNI 4.0 / Q.2931 only, UNI 3.x has no such class). The calls on them are
// cleared locally (CcReleased -ENETRESET), RESTART is sent and T316 runs. A
// stand-in without links ignores it.
struct RestartVcs {
  std::size_t entity = 0;
  std::optional<std::pair<std::uint16_t, std::uint16_t>> vc;
  bool vpc = false;
};
// The shell's queue to the user of signaling stopped draining (stalled: the
// frames telling the kernel about cleared calls wait there) or drains again.
// Q.2931 call control answers a RESTART only once the kernel has been told
// (§5.5.2, T317); a stand-in ignores it.
struct KernelStalled {
  bool stalled = false;
};
// Send on entity `entity`'s link.
struct ToLink {
  std::size_t entity;
  Bytes pdu;
};
// Entity `entity`'s SAAL came up / went down.
struct LinkState {
  std::size_t entity;
  bool up;
};

// What call control takes: a socket layer request or something of the links.
using NetInput = std::variant<CcConnect, CcAccept, CcReject, CcRelease, CcIdentify, CcModify,
                              CcModifyQosAnswer, CcAddParty, CcDropParty, LinkPdu, StartLinks,
                              StopLinks, LocalAddresses, RestartVcs, KernelStalled>;
// What it gives back, in the order it happened: events for the socket layer
// (the CcEvent alternatives), PDUs for the links, link state changes, log events.
using NetOutput =
    std::variant<CcEstablished, CcReleased, CcIncoming, CcIncomingGone, CcModifyResult, CcModifyQos,
                 CcAddPartyResult, CcDropPartyResult, ToLink, LinkState, log::Event>;

// The CcEvent inside a NetOutput (none: a link or log output).
inline std::optional<CcEvent> cc_event_of(const NetOutput& o) {
  return std::visit(
      [](const auto& x) -> std::optional<CcEvent> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ToLink> || std::is_same_v<T, LinkState> ||
                      std::is_same_v<T, log::Event>)
          return std::nullopt;
        else
          return CcEvent(x);
      },
      o);
}

// A CcRequest as a NetInput.
// Whether a NetOutput is one of the CcEvents (no copy, unlike cc_event_of).
inline bool is_cc_event(const NetOutput& o) {
  return !std::holds_alternative<ToLink>(o) && !std::holds_alternative<LinkState>(o) &&
         !std::holds_alternative<log::Event>(o);
}

inline NetInput net_input(const CcRequest& r) {
  return std::visit([](const auto& x) -> NetInput { return x; }, r);
}

// The operator's view of one call held by call control (the control socket,
// docs/control.md): what its record holds, copied out on request (never on
// the message path). The addresses and the QoS only while the call is being
// set up: an established call keeps none (docs/performance.md, "Memory").
struct CallView {
  std::size_t entity = 0;
  std::uint32_t cref = 0;
  bool outgoing = false;        // our call reference: our user of signaling placed the call
  std::uint8_t state = 0;       // the call state IE's code (U/N number)
  std::string_view state_name;  // "U10 Active" (static text)
  std::string_view timer;       // the state's timer if it runs ("T303"), else empty
  SockId sock = 0;              // 0: offered, not accepted yet
  std::optional<struct sockaddr_atmpvc> pvc;  // the call's VC once known
  std::uint8_t cause = 0;                     // the last cause sent or received (0: none)
  bool modifying = false;                     // Q.2963.1: a modification in progress
  std::optional<struct sockaddr_atmsvc> local, remote;
  std::optional<struct atm_qos> qos;
  bool details_unknown = false;  // an address or the QoS was not kept (a table was full)
};

// Call control's outputs in two lists, the engine's path (issue 13): the
// CcEvents (the socket table's) in `events`; what is for the shell (ToLink,
// LinkState, log events) appended straight to the engine's action list
// `actions` (include/atmsigd/atmsvc/cc_outputs.hpp: Action is the socket
// table's).
struct CcOutputs;

// The network side as the socket layer sees it. Sans-I/O like every core:
// one input and `now` in, its outputs appended to `out`, next_deadline().
class CallControl {
 public:
  virtual ~CallControl() = default;
  virtual void handle(const NetInput& in, TimePoint now, std::vector<NetOutput>& out) = 0;
  // A request of the socket layer, the same as handle(net_input(r), ...):
  // the engine's path, which hands over the request in its action list by
  // reference. Call control overrides it to take the request without a copy
  // into a NetInput (issue 13); a stand-in need not.
  virtual void handle_request(const CcRequest& r, TimePoint now, std::vector<NetOutput>& out) {
    handle(net_input(r), now, out);
  }
  // The same two with the outputs split (the engine's path): the CcEvents
  // to out.events, the rest to out.actions, each list in the order call
  // control made them (a log event or a link PDU is never moved again). A
  // log event may still come in out.events (a stand-in, a router's own):
  // the caller passes it on. The default splits the single list (a
  // stand-in need not override); Q.2931 call control writes both directly.
  virtual void handle_split(const NetInput& in, TimePoint now, CcOutputs& out);
  virtual void handle_request_split(const CcRequest& r, TimePoint now, CcOutputs& out);
  // The levels its log events were emitted for (null: unknown, a
  // stand-in's). The engine filters call control's log events by its own
  // levels unless they are these.
  virtual const log::Levels* log_levels() const { return nullptr; }
  virtual void handle_timeouts(TimePoint now, std::vector<NetOutput>& out) = 0;
  virtual std::optional<TimePoint> next_deadline() const = 0;
  // The same as a plain time point, TimePoint::max() for none: the engine's
  // path, asked at the end of every turn of the shell's loop (no optional
  // through the stack). The default asks next_deadline() (a stand-in need
  // not override); Q.2931 call control reads its kept deadlines.
  virtual TimePoint earliest_deadline() const { return next_deadline().value_or(TimePoint::max()); }
  // Number of calls it still holds (for leak checks and status dumps).
  virtual std::size_t call_count() const = 0;
  // Its links (none for a stand-in): up, and all released after StopLinks.
  virtual std::size_t link_count() const { return 0; }
  virtual bool link_up(std::size_t /*entity*/) const { return false; }
  virtual bool links_idle() const { return true; }
  // The operator's view (control socket): every call held, appended to
  // `out` (none for a stand-in).
  virtual void calls(std::vector<CallView>& /*out*/) const {}
  // The operator's release (control socket): the call with call reference
  // `cref` on entity `entity` (outgoing: the call reference is ours) is
  // cleared with RELEASE cause `cause` and the kernel told. False if there is
  // no such call or it is already being cleared (nothing happens then).
  virtual bool release_call(std::size_t /*entity*/, std::uint32_t /*cref*/, bool /*outgoing*/,
                            std::uint8_t /*cause*/, TimePoint /*now*/,
                            std::vector<NetOutput>& /*out*/) {
    return false;
  }
  // The counters of each signaling entity (the stats snapshot, off the hot
  // path), appended to `out`; none for a stand-in. Named by a declaration
  // only: the type is call control's (the layer that implements this), so
  // neither this layer nor the engine needs a concrete call control type.
  virtual void entity_counters(std::vector<callctl::EntityCounters>& /*out*/) const {}
};

}  // namespace atmsigd::atmsvc
