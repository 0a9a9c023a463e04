// Every call state of both sides x every message, local primitive and timer:
// each pair must be decided without a crash, every message sent must decode
// cleanly, the kernel contract must hold (at most one CcEstablished and one
// CcReleased per socket, at most one CcIncomingGone per offered call), the
// state reached must be the one the recommendation names, and after clearing
// nothing may be left (call references, VCIs).
// The outcome of every pair — the call's next state, the Q.2931 messages sent
// and the timers left running — is checked against kExpected below, reviewed
// against Q.2931 §5 and its Annex SDL (Figures 5-1..5-4 are not cited by
// number in the recommendation's text; the rows cite the procedure section).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

enum class Start : int {
  kOutCallInitiated,  // U1 / N6
  kOutProceeding,     // U3 / N9
  kOutAlerted,        // U4 / N7
  kOutActive,         // U10 / N10 (we called)
  kInOffered,         // U6 / N3
  kInAccepted,        // U8 / N10 (network: active at once)
  kInActive,          // U10 / N10 (we were called)
  kOutReleasing,      // U11 / N12 (the kernel closed)
  kCount
};
const char* kStartNames[] = {"OutCallInitiated", "OutProceeding", "OutAlerted", "OutActive",
                             "InOffered",        "InAccepted",    "InActive",   "OutReleasing"};

enum class Stim : int {
  kSetup,
  kCallProceeding,
  kAlerting,
  kConnect,
  kConnectAck,
  kRelease,
  kReleaseComplete,
  kStatusNull,
  kStatusActive,
  kStatusCallPresent,
  kStatusEnquiry,
  kNotify,
  kAddParty,
  kUnknownType,
  kGarbledIe,
  kKernelClose,
  kKernelAccept,
  kKernelReject,
  kTimers,
  kLinkLoss,
  kCount
};
const char* kStimNames[] = {"Setup",        "CallProceeding",    "Alerting",        "Connect",
                            "ConnectAck",   "Release",           "ReleaseComplete", "StatusNull",
                            "StatusActive", "StatusCallPresent", "StatusEnquiry",   "Notify",
                            "AddParty",     "UnknownType",       "GarbledIe",       "KernelClose",
                            "KernelAccept", "KernelReject",      "Timers",          "LinkLoss"};

using Param = std::tuple<Side, int, int>;

struct Scenario : Fixture {
  explicit Scenario(Side s) : Fixture(s, Version::kUni40) {}
  std::uint32_t cref = 0;
  bool peer_flag = false;  // flag of the messages the peer sends for this call
  atmsvc::SockId sock = 0;
  atmsvc::CallId call = 0;

  std::vector<std::string> sent;  // Q.2931 message types the Uni sent, in order
  void drain() {
    while (!peer.inbox.empty())  // decodes (and checks) everything
      sent.emplace_back(q2931::message_name(peer.next().type));
  }
  void place() {
    sock = 1;
    req(connect_req(sock));
    const Message s = peer.expect(MessageType::kSetup);
    cref = s.cref.value;
    peer_flag = true;
  }
  void offer() {
    cref = 55;
    peer_flag = false;
    Message s = network_setup(cref, 40, Version::kUni40, uni().params().side == Side::kUser);
    send(s);
    drain();
    for (const auto& e : ev())
      if (const auto* i = std::get_if<CcIncoming>(&e)) call = i->call;
  }
  void from_peer(MessageType t, std::vector<q2931::Ie> ies = {}) {
    Message m = msg(t, cref, peer_flag);
    m.ies = std::move(ies);
    send(m);
  }
  void reach(Start s) {
    switch (s) {
      case Start::kOutCallInitiated:
        place();
        break;
      case Start::kOutProceeding:
        place();
        from_peer(MessageType::kCallProceeding, {conn_id(0, 32)});
        break;
      case Start::kOutAlerted:
        place();
        from_peer(MessageType::kAlerting, {conn_id(0, 32)});
        break;
      case Start::kOutActive:
        place();
        from_peer(MessageType::kConnect, {conn_id(0, 32)});
        break;
      case Start::kInOffered:
        offer();
        break;
      case Start::kInAccepted:
        offer();
        sock = 9;
        req(CcAccept{call, sock});
        break;
      case Start::kInActive:
        offer();
        sock = 9;
        req(CcAccept{call, sock});
        from_peer(MessageType::kConnectAcknowledge);
        break;
      case Start::kOutReleasing:
        place();
        from_peer(MessageType::kConnect, {conn_id(0, 32)});
        req(CcRelease{sock});
        break;
      case Start::kCount:
        break;
    }
    drain();
  }
  void stimulate(Stim s) {
    q2931::CallState st;
    switch (s) {
      case Stim::kSetup: {
        Message m = network_setup(cref, 41, Version::kUni40);
        m.cref.flag = peer_flag;
        send(m);
        break;
      }
      case Stim::kCallProceeding:
        from_peer(MessageType::kCallProceeding, {conn_id(0, 32)});
        break;
      case Stim::kAlerting:
        from_peer(MessageType::kAlerting);
        break;
      case Stim::kConnect:
        from_peer(MessageType::kConnect, {conn_id(0, 32)});
        break;
      case Stim::kConnectAck:
        from_peer(MessageType::kConnectAcknowledge);
        break;
      case Stim::kRelease:
        from_peer(MessageType::kRelease, {cause_ie(16)});
        break;
      case Stim::kReleaseComplete:
        from_peer(MessageType::kReleaseComplete, {cause_ie(17)});
        break;
      case Stim::kStatusNull:
        st.state = 0;
        from_peer(MessageType::kStatus, {st, cause_ie(30)});
        break;
      case Stim::kStatusActive:
        st.state = 10;
        from_peer(MessageType::kStatus, {st, cause_ie(30)});
        break;
      case Stim::kStatusCallPresent:
        st.state = 6;
        from_peer(MessageType::kStatus, {st, cause_ie(30)});
        break;
      case Stim::kStatusEnquiry:
        from_peer(MessageType::kStatusEnquiry);
        break;
      case Stim::kNotify: {
        q2931::NotificationIndicator n;
        n.description = {1};
        from_peer(MessageType::kNotify, {n});
        break;
      }
      case Stim::kAddParty: {
        q2931::CalledPartyNumber cd;
        cd.address.assign(20, 0x47);
        from_peer(MessageType::kAddParty, {cd, q2931::EndpointReference{}});
        break;
      }
      case Stim::kUnknownType: {
        Bytes b =
            q2931::encode(msg(MessageType::kConnectAcknowledge, cref, peer_flag), Version::kUni40);
        b[5] = 0x3f;
        peer.send_bytes(b, link.now);
        link.pump();
        break;
      }
      case Stim::kGarbledIe: {
        q2931::UnknownIe bad;
        bad.id = 0x5a;  // connection identifier, 2 octets instead of 5
        bad.content = {0x88, 0x00};
        from_peer(MessageType::kConnect, {bad});
        break;
      }
      case Stim::kKernelClose:
        if (sock != 0) req(CcRelease{sock});
        break;
      case Stim::kKernelAccept:
        if (call != 0) req(CcAccept{call, 77});
        break;
      case Stim::kKernelReject:
        if (call != 0) req(CcReject{call, RejectReason::kKernelRejected, -EBUSY});
        break;
      case Stim::kTimers:
        advance(200s);
        break;
      case Stim::kLinkLoss:
        link.up = false;
        advance(9s);
        link.up = true;
        advance(5s);
        break;
      case Stim::kCount:
        break;
    }
    drain();
  }
  void check_contract() {
    std::map<atmsvc::SockId, int> est, rel;
    std::map<atmsvc::CallId, int> gone;
    for (const auto& e : ev()) {
      if (const auto* x = std::get_if<CcEstablished>(&e)) ++est[x->sock];
      if (const auto* x = std::get_if<CcReleased>(&e)) ++rel[x->sock];
      if (const auto* x = std::get_if<CcIncomingGone>(&e)) ++gone[x->call];
    }
    for (const auto& [s, n] : est) EXPECT_LE(n, 1) << "CcEstablished twice for " << s;
    for (const auto& [s, n] : rel) EXPECT_LE(n, 1) << "CcReleased twice for " << s;
    for (const auto& [c, n] : gone) EXPECT_LE(n, 1) << "CcIncomingGone twice for " << c;
  }
};

// What a (state, event) pair leads to: the call's next state (kGone: the call
// reference is released), the messages sent in order, the timers running.
constexpr int kGone = -1;
struct Row {
  Side side;
  Start start;
  Stim stim;
  int next;           // call state IE code, or kGone
  const char* sent;   // message types, ", "-separated
  const char* timer;  // "T303", "T308+T322", "" for none
};

constexpr Side U = Side::kUser;
constexpr Side N = Side::kNetwork;
using S = Start;
using E = Stim;

// The expected outcome of every (state, event) pair (UNI 4.0 defaults, so T301
// runs in U4/N7). Rows that deviate from Q.2931 keep today's behaviour and say so.
const Row kExpected[] = {
    // U1 Call Initiated (SETUP sent, T303): §5.1.1-§5.1.5
    {U, S::kOutCallInitiated, E::kSetup, 1, "", "T303"},
    {U, S::kOutCallInitiated, E::kCallProceeding, 3, "", "T310"},
    {U, S::kOutCallInitiated, E::kAlerting, 4, "", "T301"},
    {U, S::kOutCallInitiated, E::kConnect, 10, "CONNECT ACKNOWLEDGE", ""},
    // §5.6.5 (UNI 3.1 §5.6.6): a message not compatible with the state: STATUS cause 101.
    {U, S::kOutCallInitiated, E::kConnectAck, 1, "STATUS", "T303"},
    {U, S::kOutCallInitiated, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {U, S::kOutCallInitiated, E::kReleaseComplete, kGone, "", ""},
    {U, S::kOutCallInitiated, E::kStatusNull, kGone, "", ""},
    // §5.6.11: a peer in N10 is taken as compatible with U1 (deviation: Q.2931 leaves it to the
    // implementation; the original does the same).
    {U, S::kOutCallInitiated, E::kStatusActive, 11, "RELEASE", "T308"},  // CONNECT lost
    {U, S::kOutCallInitiated, E::kStatusCallPresent, 11, "RELEASE", "T308"},
    {U, S::kOutCallInitiated, E::kStatusEnquiry, 1, "STATUS", "T303"},
    {U, S::kOutCallInitiated, E::kNotify, 1, "", "T303"},
    {U, S::kOutCallInitiated, E::kAddParty, 1, "STATUS", "T303"},
    {U, S::kOutCallInitiated, E::kUnknownType, 1, "STATUS", "T303"},
    // CONNECT whose connection identifier is garbled: acted upon (§5.6.8.2), no usable CI: RELEASE
    // cause 96; the STATUS for the IE follows the RELEASE (deviation: superfluous in U11, kept).
    {U, S::kOutCallInitiated, E::kGarbledIe, 11, "RELEASE, STATUS", "T308"},
    {U, S::kOutCallInitiated, E::kKernelClose, 11, "RELEASE", "T308"},
    {U, S::kOutCallInitiated, E::kKernelAccept, 1, "", "T303"},
    {U, S::kOutCallInitiated, E::kKernelReject, 1, "", "T303"},
    // §5.1.1: T303 twice: SETUP once more, then RELEASE COMPLETE cause 102, Null.
    {U, S::kOutCallInitiated, E::kTimers, kGone, "SETUP, RELEASE COMPLETE", ""},
    {U, S::kOutCallInitiated, E::kLinkLoss, kGone, "", ""},
    // U3 Outgoing Call Proceeding (T310): §5.1.5, §5.1.6
    {U, S::kOutProceeding, E::kSetup, 3, "", "T310"},
    {U, S::kOutProceeding, E::kCallProceeding, 3, "STATUS", "T310"},
    {U, S::kOutProceeding, E::kAlerting, 4, "", "T301"},
    {U, S::kOutProceeding, E::kConnect, 10, "CONNECT ACKNOWLEDGE", ""},
    {U, S::kOutProceeding, E::kConnectAck, 3, "STATUS", "T310"},
    {U, S::kOutProceeding, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {U, S::kOutProceeding, E::kReleaseComplete, kGone, "", ""},
    {U, S::kOutProceeding, E::kStatusNull, kGone, "", ""},
    {U, S::kOutProceeding, E::kStatusActive, 11, "RELEASE", "T308"},  // CONNECT lost
    {U, S::kOutProceeding, E::kStatusCallPresent, 11, "RELEASE", "T308"},
    {U, S::kOutProceeding, E::kStatusEnquiry, 3, "STATUS", "T310"},
    {U, S::kOutProceeding, E::kNotify, 3, "", "T310"},
    {U, S::kOutProceeding, E::kAddParty, 3, "STATUS", "T310"},
    {U, S::kOutProceeding, E::kUnknownType, 3, "STATUS", "T310"},
    // §5.6.8.2: CONNECT acted upon (CI known from CALL PROCEEDING), STATUS for the bad IE.
    {U, S::kOutProceeding, E::kGarbledIe, 10, "CONNECT ACKNOWLEDGE, STATUS", ""},
    {U, S::kOutProceeding, E::kKernelClose, 11, "RELEASE", "T308"},
    {U, S::kOutProceeding, E::kKernelAccept, 3, "", "T310"},
    {U, S::kOutProceeding, E::kKernelReject, 3, "", "T310"},
    // §5.1.5: T310: RELEASE cause 102; §5.4.3: T308 twice: RELEASE again, then the call reference
    // is released and the VC restarted (T316 running).
    {U, S::kOutProceeding, E::kTimers, kGone, "RELEASE, RELEASE, RESTART", ""},
    {U, S::kOutProceeding, E::kLinkLoss, kGone, "", ""},
    // U4 Call Delivered (T301, UNI 4.0 / Q.2931 only): §5.1.7
    {U, S::kOutAlerted, E::kSetup, 4, "", "T301"},
    {U, S::kOutAlerted, E::kCallProceeding, 4, "STATUS", "T301"},
    {U, S::kOutAlerted, E::kAlerting, 4, "STATUS", "T301"},
    {U, S::kOutAlerted, E::kConnect, 10, "CONNECT ACKNOWLEDGE", ""},
    {U, S::kOutAlerted, E::kConnectAck, 4, "STATUS", "T301"},
    {U, S::kOutAlerted, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {U, S::kOutAlerted, E::kReleaseComplete, kGone, "", ""},
    {U, S::kOutAlerted, E::kStatusNull, kGone, "", ""},
    {U, S::kOutAlerted, E::kStatusActive, 11, "RELEASE", "T308"},  // CONNECT lost
    {U, S::kOutAlerted, E::kStatusCallPresent, 11, "RELEASE", "T308"},
    {U, S::kOutAlerted, E::kStatusEnquiry, 4, "STATUS", "T301"},
    {U, S::kOutAlerted, E::kNotify, 4, "", "T301"},
    {U, S::kOutAlerted, E::kAddParty, 4, "STATUS", "T301"},
    {U, S::kOutAlerted, E::kUnknownType, 4, "STATUS", "T301"},
    {U, S::kOutAlerted, E::kGarbledIe, 10, "CONNECT ACKNOWLEDGE, STATUS", ""},
    {U, S::kOutAlerted, E::kKernelClose, 11, "RELEASE", "T308"},
    {U, S::kOutAlerted, E::kKernelAccept, 4, "", "T301"},
    {U, S::kOutAlerted, E::kKernelReject, 4, "", "T301"},
    {U, S::kOutAlerted, E::kTimers, 11, "RELEASE", "T308"},
    {U, S::kOutAlerted, E::kLinkLoss, kGone, "", ""},
    // U10 Active, we called: §5.1.6, §5.4
    {U, S::kOutActive, E::kSetup, 10, "", ""},
    {U, S::kOutActive, E::kCallProceeding, 10, "STATUS", ""},
    {U, S::kOutActive, E::kAlerting, 10, "STATUS", ""},
    {U, S::kOutActive, E::kConnect, 10, "STATUS", ""},
    {U, S::kOutActive, E::kConnectAck, 10, "STATUS", ""},
    {U, S::kOutActive, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {U, S::kOutActive, E::kReleaseComplete, kGone, "", ""},
    {U, S::kOutActive, E::kStatusNull, kGone, "", ""},
    {U, S::kOutActive, E::kStatusActive, 10, "", ""},
    // §5.6.11: peer state 6 is incompatible with 10: RELEASE cause 101.
    {U, S::kOutActive, E::kStatusCallPresent, 11, "RELEASE", "T308"},
    {U, S::kOutActive, E::kStatusEnquiry, 10, "STATUS", ""},
    {U, S::kOutActive, E::kNotify, 10, "", ""},
    {U, S::kOutActive, E::kAddParty, 10, "STATUS", ""},
    {U, S::kOutActive, E::kUnknownType, 10, "STATUS", ""},
    {U, S::kOutActive, E::kGarbledIe, 10, "STATUS, STATUS", ""},
    {U, S::kOutActive, E::kKernelClose, 11, "RELEASE", "T308"},
    {U, S::kOutActive, E::kKernelAccept, 10, "", ""},
    {U, S::kOutActive, E::kKernelReject, 10, "", ""},
    {U, S::kOutActive, E::kTimers, 10, "", ""},
    // §5.6.9: the active call survives the outage (T309), STATUS ENQUIRY at link up, again on T322
    // (the scripted peer never answers).
    {U, S::kOutActive, E::kLinkLoss, 10, "STATUS ENQUIRY, STATUS ENQUIRY", "T322"},
    // U6 Call Present (no timer on the user side): §5.2.1, §5.2.5
    {U, S::kInOffered, E::kSetup, 6, "", ""},
    {U, S::kInOffered, E::kCallProceeding, 6, "STATUS", ""},
    {U, S::kInOffered, E::kAlerting, 6, "STATUS", ""},
    {U, S::kInOffered, E::kConnect, 6, "STATUS", ""},
    {U, S::kInOffered, E::kConnectAck, 6, "STATUS", ""},
    {U, S::kInOffered, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {U, S::kInOffered, E::kReleaseComplete, kGone, "", ""},
    {U, S::kInOffered, E::kStatusNull, kGone, "", ""},
    {U, S::kInOffered, E::kStatusActive, 6, "", ""},
    {U, S::kInOffered, E::kStatusCallPresent, 6, "", ""},
    {U, S::kInOffered, E::kStatusEnquiry, 6, "STATUS", ""},
    {U, S::kInOffered, E::kNotify, 6, "", ""},
    {U, S::kInOffered, E::kAddParty, 6, "STATUS", ""},
    {U, S::kInOffered, E::kUnknownType, 6, "STATUS", ""},
    {U, S::kInOffered, E::kGarbledIe, 6, "STATUS, STATUS", ""},
    // No socket yet: nothing to close.
    {U, S::kInOffered, E::kKernelClose, 6, "", ""},
    {U, S::kInOffered, E::kKernelAccept, 8, "CONNECT", "T313"},
    // Nothing answered yet in U6: RELEASE COMPLETE (as the original; Q.2931 §5.2.5.3 allows it).
    {U, S::kInOffered, E::kKernelReject, kGone, "RELEASE COMPLETE", ""},
    {U, S::kInOffered, E::kTimers, 6, "", ""},
    {U, S::kInOffered, E::kLinkLoss, kGone, "", ""},
    // U8 Connect Request (CONNECT sent, T313): §5.2.7
    {U, S::kInAccepted, E::kSetup, 8, "", "T313"},
    {U, S::kInAccepted, E::kCallProceeding, 8, "STATUS", "T313"},
    {U, S::kInAccepted, E::kAlerting, 8, "STATUS", "T313"},
    {U, S::kInAccepted, E::kConnect, 8, "STATUS", "T313"},
    {U, S::kInAccepted, E::kConnectAck, 10, "", ""},
    {U, S::kInAccepted, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {U, S::kInAccepted, E::kReleaseComplete, kGone, "", ""},
    {U, S::kInAccepted, E::kStatusNull, kGone, "", ""},
    {U, S::kInAccepted, E::kStatusActive, 8, "", "T313"},
    {U, S::kInAccepted, E::kStatusCallPresent, 8, "", "T313"},
    {U, S::kInAccepted, E::kStatusEnquiry, 8, "STATUS", "T313"},
    {U, S::kInAccepted, E::kNotify, 8, "", "T313"},
    {U, S::kInAccepted, E::kAddParty, 8, "STATUS", "T313"},
    {U, S::kInAccepted, E::kUnknownType, 8, "STATUS", "T313"},
    {U, S::kInAccepted, E::kGarbledIe, 8, "STATUS, STATUS", "T313"},
    {U, S::kInAccepted, E::kKernelClose, 11, "RELEASE", "T308"},
    {U, S::kInAccepted, E::kKernelAccept, 8, "", "T313"},
    {U, S::kInAccepted, E::kKernelReject, 8, "", "T313"},
    // §5.2.7: T313: RELEASE cause 102; then T308 twice and RESTART of the VC (T316 resends once).
    {U, S::kInAccepted, E::kTimers, kGone, "RELEASE, RELEASE, RESTART, RESTART", ""},
    {U, S::kInAccepted, E::kLinkLoss, kGone, "", ""},
    // U10 Active, we were called: §5.2.8, §5.4
    {U, S::kInActive, E::kSetup, 10, "", ""},
    {U, S::kInActive, E::kCallProceeding, 10, "STATUS", ""},
    {U, S::kInActive, E::kAlerting, 10, "STATUS", ""},
    {U, S::kInActive, E::kConnect, 10, "STATUS", ""},
    {U, S::kInActive, E::kConnectAck, 10, "STATUS", ""},
    {U, S::kInActive, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {U, S::kInActive, E::kReleaseComplete, kGone, "", ""},
    {U, S::kInActive, E::kStatusNull, kGone, "", ""},
    {U, S::kInActive, E::kStatusActive, 10, "", ""},
    {U, S::kInActive, E::kStatusCallPresent, 11, "RELEASE", "T308"},
    {U, S::kInActive, E::kStatusEnquiry, 10, "STATUS", ""},
    {U, S::kInActive, E::kNotify, 10, "", ""},
    {U, S::kInActive, E::kAddParty, 10, "STATUS", ""},
    {U, S::kInActive, E::kUnknownType, 10, "STATUS", ""},
    {U, S::kInActive, E::kGarbledIe, 10, "STATUS, STATUS", ""},
    {U, S::kInActive, E::kKernelClose, 11, "RELEASE", "T308"},
    {U, S::kInActive, E::kKernelAccept, 10, "", ""},
    {U, S::kInActive, E::kKernelReject, 10, "", ""},
    {U, S::kInActive, E::kTimers, 10, "", ""},
    {U, S::kInActive, E::kLinkLoss, 10, "STATUS ENQUIRY, STATUS ENQUIRY", "T322"},
    // U11 Release Request (RELEASE sent, T308): §5.4.3, §5.4.5
    // §5.4: anything but RELEASE / RELEASE COMPLETE / STATUS ENQUIRY is ignored while clearing.
    {U, S::kOutReleasing, E::kSetup, 11, "", "T308"},
    {U, S::kOutReleasing, E::kCallProceeding, 11, "", "T308"},
    {U, S::kOutReleasing, E::kAlerting, 11, "", "T308"},
    {U, S::kOutReleasing, E::kConnect, 11, "", "T308"},
    {U, S::kOutReleasing, E::kConnectAck, 11, "", "T308"},
    // §5.4.5 clear collision: no RELEASE COMPLETE, call reference released.
    {U, S::kOutReleasing, E::kRelease, kGone, "", ""},
    {U, S::kOutReleasing, E::kReleaseComplete, kGone, "", ""},
    {U, S::kOutReleasing, E::kStatusNull, kGone, "", ""},
    {U, S::kOutReleasing, E::kStatusActive, 11, "", "T308"},
    {U, S::kOutReleasing, E::kStatusCallPresent, 11, "", "T308"},
    {U, S::kOutReleasing, E::kStatusEnquiry, 11, "STATUS", "T308"},
    {U, S::kOutReleasing, E::kNotify, 11, "", "T308"},
    {U, S::kOutReleasing, E::kAddParty, 11, "STATUS", "T308"},
    {U, S::kOutReleasing, E::kUnknownType, 11, "STATUS", "T308"},
    {U, S::kOutReleasing, E::kGarbledIe, 11, "STATUS", "T308"},
    {U, S::kOutReleasing, E::kKernelClose, 11, "", "T308"},
    {U, S::kOutReleasing, E::kKernelAccept, 11, "", "T308"},
    {U, S::kOutReleasing, E::kKernelReject, 11, "", "T308"},
    // §5.4.3: T308 expires twice: RELEASE again, then RESTART of the VC.
    {U, S::kOutReleasing, E::kTimers, kGone, "RELEASE, RESTART, RESTART", ""},
    {U, S::kOutReleasing, E::kLinkLoss, kGone, "", ""},
    // N6 Call Present (SETUP sent, T303): §5.2.1, §5.2.2
    {N, S::kOutCallInitiated, E::kSetup, 6, "", "T303"},
    {N, S::kOutCallInitiated, E::kCallProceeding, 9, "", "T310"},
    {N, S::kOutCallInitiated, E::kAlerting, 7, "", "T301"},
    {N, S::kOutCallInitiated, E::kConnect, 10, "CONNECT ACKNOWLEDGE", ""},
    {N, S::kOutCallInitiated, E::kConnectAck, 6, "STATUS", "T303"},
    {N, S::kOutCallInitiated, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {N, S::kOutCallInitiated, E::kReleaseComplete, kGone, "", ""},
    {N, S::kOutCallInitiated, E::kStatusNull, kGone, "", ""},
    {N, S::kOutCallInitiated, E::kStatusActive, 6, "", "T303"},
    // §5.6.11: peer state 6 = ours: compatible.
    {N, S::kOutCallInitiated, E::kStatusCallPresent, 6, "", "T303"},
    {N, S::kOutCallInitiated, E::kStatusEnquiry, 6, "STATUS", "T303"},
    {N, S::kOutCallInitiated, E::kNotify, 6, "", "T303"},
    {N, S::kOutCallInitiated, E::kAddParty, 6, "STATUS", "T303"},
    {N, S::kOutCallInitiated, E::kUnknownType, 6, "STATUS", "T303"},
    {N, S::kOutCallInitiated, E::kGarbledIe, 10, "CONNECT ACKNOWLEDGE, STATUS", ""},
    {N, S::kOutCallInitiated, E::kKernelClose, 12, "RELEASE", "T308"},
    {N, S::kOutCallInitiated, E::kKernelAccept, 6, "", "T303"},
    {N, S::kOutCallInitiated, E::kKernelReject, 6, "", "T303"},
    {N, S::kOutCallInitiated, E::kTimers, kGone, "SETUP, RELEASE COMPLETE", ""},
    {N, S::kOutCallInitiated, E::kLinkLoss, kGone, "", ""},
    // N9 Incoming Call Proceeding (T310): §5.2.5.2
    {N, S::kOutProceeding, E::kSetup, 9, "", "T310"},
    {N, S::kOutProceeding, E::kCallProceeding, 9, "STATUS", "T310"},
    {N, S::kOutProceeding, E::kAlerting, 7, "", "T301"},
    {N, S::kOutProceeding, E::kConnect, 10, "CONNECT ACKNOWLEDGE", ""},
    {N, S::kOutProceeding, E::kConnectAck, 9, "STATUS", "T310"},
    {N, S::kOutProceeding, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {N, S::kOutProceeding, E::kReleaseComplete, kGone, "", ""},
    {N, S::kOutProceeding, E::kStatusNull, kGone, "", ""},
    {N, S::kOutProceeding, E::kStatusActive, 9, "", "T310"},
    {N, S::kOutProceeding, E::kStatusCallPresent, 9, "", "T310"},
    {N, S::kOutProceeding, E::kStatusEnquiry, 9, "STATUS", "T310"},
    {N, S::kOutProceeding, E::kNotify, 9, "", "T310"},
    {N, S::kOutProceeding, E::kAddParty, 9, "STATUS", "T310"},
    {N, S::kOutProceeding, E::kUnknownType, 9, "STATUS", "T310"},
    {N, S::kOutProceeding, E::kGarbledIe, 10, "CONNECT ACKNOWLEDGE, STATUS", ""},
    {N, S::kOutProceeding, E::kKernelClose, 12, "RELEASE", "T308"},
    {N, S::kOutProceeding, E::kKernelAccept, 9, "", "T310"},
    {N, S::kOutProceeding, E::kKernelReject, 9, "", "T310"},
    {N, S::kOutProceeding, E::kTimers, kGone, "RELEASE, RELEASE, RESTART, RESTART", ""},
    {N, S::kOutProceeding, E::kLinkLoss, kGone, "", ""},
    // N7 Call Received (T301): §5.2.6
    {N, S::kOutAlerted, E::kSetup, 7, "", "T301"},
    {N, S::kOutAlerted, E::kCallProceeding, 7, "STATUS", "T301"},
    {N, S::kOutAlerted, E::kAlerting, 7, "STATUS", "T301"},
    {N, S::kOutAlerted, E::kConnect, 10, "CONNECT ACKNOWLEDGE", ""},
    {N, S::kOutAlerted, E::kConnectAck, 7, "STATUS", "T301"},
    {N, S::kOutAlerted, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {N, S::kOutAlerted, E::kReleaseComplete, kGone, "", ""},
    {N, S::kOutAlerted, E::kStatusNull, kGone, "", ""},
    {N, S::kOutAlerted, E::kStatusActive, 7, "", "T301"},
    {N, S::kOutAlerted, E::kStatusCallPresent, 7, "", "T301"},
    {N, S::kOutAlerted, E::kStatusEnquiry, 7, "STATUS", "T301"},
    {N, S::kOutAlerted, E::kNotify, 7, "", "T301"},
    {N, S::kOutAlerted, E::kAddParty, 7, "STATUS", "T301"},
    {N, S::kOutAlerted, E::kUnknownType, 7, "STATUS", "T301"},
    {N, S::kOutAlerted, E::kGarbledIe, 10, "CONNECT ACKNOWLEDGE, STATUS", ""},
    {N, S::kOutAlerted, E::kKernelClose, 12, "RELEASE", "T308"},
    {N, S::kOutAlerted, E::kKernelAccept, 7, "", "T301"},
    {N, S::kOutAlerted, E::kKernelReject, 7, "", "T301"},
    {N, S::kOutAlerted, E::kTimers, 12, "RELEASE", "T308"},
    {N, S::kOutAlerted, E::kLinkLoss, kGone, "", ""},
    // N10 Active, we called: §5.2.8
    {N, S::kOutActive, E::kSetup, 10, "", ""},
    {N, S::kOutActive, E::kCallProceeding, 10, "STATUS", ""},
    {N, S::kOutActive, E::kAlerting, 10, "STATUS", ""},
    {N, S::kOutActive, E::kConnect, 10, "STATUS", ""},
    // N10: the user's CONNECT ACKNOWLEDGE is ignored in every N10 (deviation: Q.2931 §5.6.5 would
    // answer STATUS 101 when we did not send CONNECT; kept).
    {N, S::kOutActive, E::kConnectAck, 10, "", ""},
    {N, S::kOutActive, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {N, S::kOutActive, E::kReleaseComplete, kGone, "", ""},
    {N, S::kOutActive, E::kStatusNull, kGone, "", ""},
    {N, S::kOutActive, E::kStatusActive, 10, "", ""},
    {N, S::kOutActive, E::kStatusCallPresent, 12, "RELEASE", "T308"},
    {N, S::kOutActive, E::kStatusEnquiry, 10, "STATUS", ""},
    {N, S::kOutActive, E::kNotify, 10, "", ""},
    {N, S::kOutActive, E::kAddParty, 10, "STATUS", ""},
    {N, S::kOutActive, E::kUnknownType, 10, "STATUS", ""},
    {N, S::kOutActive, E::kGarbledIe, 10, "STATUS, STATUS", ""},
    {N, S::kOutActive, E::kKernelClose, 12, "RELEASE", "T308"},
    {N, S::kOutActive, E::kKernelAccept, 10, "", ""},
    {N, S::kOutActive, E::kKernelReject, 10, "", ""},
    {N, S::kOutActive, E::kTimers, 10, "", ""},
    {N, S::kOutActive, E::kLinkLoss, 10, "STATUS ENQUIRY, STATUS ENQUIRY", "T322"},
    // N3 Outgoing Call Proceeding (no timer): §5.1.5
    {N, S::kInOffered, E::kSetup, 3, "", ""},
    {N, S::kInOffered, E::kCallProceeding, 3, "STATUS", ""},
    {N, S::kInOffered, E::kAlerting, 3, "STATUS", ""},
    {N, S::kInOffered, E::kConnect, 3, "STATUS", ""},
    {N, S::kInOffered, E::kConnectAck, 3, "STATUS", ""},
    {N, S::kInOffered, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {N, S::kInOffered, E::kReleaseComplete, kGone, "", ""},
    {N, S::kInOffered, E::kStatusNull, kGone, "", ""},
    {N, S::kInOffered, E::kStatusActive, 12, "RELEASE", "T308"},  // impossible in order
    // §5.6.11: peer state 6 is incompatible with 3: RELEASE cause 101.
    {N, S::kInOffered, E::kStatusCallPresent, 12, "RELEASE", "T308"},
    {N, S::kInOffered, E::kStatusEnquiry, 3, "STATUS", ""},
    {N, S::kInOffered, E::kNotify, 3, "", ""},
    {N, S::kInOffered, E::kAddParty, 3, "STATUS", ""},
    {N, S::kInOffered, E::kUnknownType, 3, "STATUS", ""},
    {N, S::kInOffered, E::kGarbledIe, 3, "STATUS, STATUS", ""},
    {N, S::kInOffered, E::kKernelClose, 3, "", ""},
    // §5.1.6: CONNECT sent, N10 at once (no T313 on the network side).
    {N, S::kInOffered, E::kKernelAccept, 10, "CONNECT", ""},
    // §5.4.2: CALL PROCEEDING was sent: RELEASE, N12, T308.
    {N, S::kInOffered, E::kKernelReject, 12, "RELEASE", "T308"},
    {N, S::kInOffered, E::kTimers, 3, "", ""},
    {N, S::kInOffered, E::kLinkLoss, kGone, "", ""},
    // N10 Active (the network enters N10 on sending CONNECT, §5.1.6)
    {N, S::kInAccepted, E::kSetup, 10, "", ""},
    {N, S::kInAccepted, E::kCallProceeding, 10, "STATUS", ""},
    {N, S::kInAccepted, E::kAlerting, 10, "STATUS", ""},
    {N, S::kInAccepted, E::kConnect, 10, "STATUS", ""},
    {N, S::kInAccepted, E::kConnectAck, 10, "", ""},
    {N, S::kInAccepted, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {N, S::kInAccepted, E::kReleaseComplete, kGone, "", ""},
    {N, S::kInAccepted, E::kStatusNull, kGone, "", ""},
    {N, S::kInAccepted, E::kStatusActive, 10, "", ""},
    {N, S::kInAccepted, E::kStatusCallPresent, 12, "RELEASE", "T308"},
    {N, S::kInAccepted, E::kStatusEnquiry, 10, "STATUS", ""},
    {N, S::kInAccepted, E::kNotify, 10, "", ""},
    {N, S::kInAccepted, E::kAddParty, 10, "STATUS", ""},
    {N, S::kInAccepted, E::kUnknownType, 10, "STATUS", ""},
    {N, S::kInAccepted, E::kGarbledIe, 10, "STATUS, STATUS", ""},
    {N, S::kInAccepted, E::kKernelClose, 12, "RELEASE", "T308"},
    {N, S::kInAccepted, E::kKernelAccept, 10, "", ""},
    {N, S::kInAccepted, E::kKernelReject, 10, "", ""},
    {N, S::kInAccepted, E::kTimers, 10, "", ""},
    {N, S::kInAccepted, E::kLinkLoss, 10, "STATUS ENQUIRY, STATUS ENQUIRY", "T322"},
    // N10 Active, CONNECT ACKNOWLEDGE received: §5.1.6
    {N, S::kInActive, E::kSetup, 10, "", ""},
    {N, S::kInActive, E::kCallProceeding, 10, "STATUS", ""},
    {N, S::kInActive, E::kAlerting, 10, "STATUS", ""},
    {N, S::kInActive, E::kConnect, 10, "STATUS", ""},
    {N, S::kInActive, E::kConnectAck, 10, "", ""},
    {N, S::kInActive, E::kRelease, kGone, "RELEASE COMPLETE", ""},
    {N, S::kInActive, E::kReleaseComplete, kGone, "", ""},
    {N, S::kInActive, E::kStatusNull, kGone, "", ""},
    {N, S::kInActive, E::kStatusActive, 10, "", ""},
    {N, S::kInActive, E::kStatusCallPresent, 12, "RELEASE", "T308"},
    {N, S::kInActive, E::kStatusEnquiry, 10, "STATUS", ""},
    {N, S::kInActive, E::kNotify, 10, "", ""},
    {N, S::kInActive, E::kAddParty, 10, "STATUS", ""},
    {N, S::kInActive, E::kUnknownType, 10, "STATUS", ""},
    {N, S::kInActive, E::kGarbledIe, 10, "STATUS, STATUS", ""},
    {N, S::kInActive, E::kKernelClose, 12, "RELEASE", "T308"},
    {N, S::kInActive, E::kKernelAccept, 10, "", ""},
    {N, S::kInActive, E::kKernelReject, 10, "", ""},
    {N, S::kInActive, E::kTimers, 10, "", ""},
    {N, S::kInActive, E::kLinkLoss, 10, "STATUS ENQUIRY, STATUS ENQUIRY", "T322"},
    // N12 Release Indication (RELEASE sent, T308): §5.4.3, §5.4.5
    {N, S::kOutReleasing, E::kSetup, 12, "", "T308"},
    {N, S::kOutReleasing, E::kCallProceeding, 12, "", "T308"},
    {N, S::kOutReleasing, E::kAlerting, 12, "", "T308"},
    {N, S::kOutReleasing, E::kConnect, 12, "", "T308"},
    {N, S::kOutReleasing, E::kConnectAck, 12, "", "T308"},
    {N, S::kOutReleasing, E::kRelease, kGone, "", ""},
    {N, S::kOutReleasing, E::kReleaseComplete, kGone, "", ""},
    {N, S::kOutReleasing, E::kStatusNull, kGone, "", ""},
    {N, S::kOutReleasing, E::kStatusActive, 12, "", "T308"},
    {N, S::kOutReleasing, E::kStatusCallPresent, 12, "", "T308"},
    {N, S::kOutReleasing, E::kStatusEnquiry, 12, "STATUS", "T308"},
    {N, S::kOutReleasing, E::kNotify, 12, "", "T308"},
    {N, S::kOutReleasing, E::kAddParty, 12, "STATUS", "T308"},
    {N, S::kOutReleasing, E::kUnknownType, 12, "STATUS", "T308"},
    {N, S::kOutReleasing, E::kGarbledIe, 12, "STATUS", "T308"},
    {N, S::kOutReleasing, E::kKernelClose, 12, "", "T308"},
    {N, S::kOutReleasing, E::kKernelAccept, 12, "", "T308"},
    {N, S::kOutReleasing, E::kKernelReject, 12, "", "T308"},
    {N, S::kOutReleasing, E::kTimers, kGone, "RELEASE, RESTART, RESTART", ""},
    {N, S::kOutReleasing, E::kLinkLoss, kGone, "", ""},
};

const Row* expected(Side side, int start, int stim) {
  for (const Row& r : kExpected)
    if (r.side == side && static_cast<int>(r.start) == start && static_cast<int>(r.stim) == stim)
      return &r;
  return nullptr;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

class StateTable : public ::testing::TestWithParam<Param> {};

TEST_P(StateTable, EveryPairDecided_ContractKept_NothingLeaks) {
  const auto [side, start, stim] = GetParam();
  Scenario r(side);
  r.reach(static_cast<Start>(start));
  ASSERT_EQ(r.uni().call_count(), 1u);
  // The state reached, as the call state IE codes it.
  constexpr int kUser[] = {1, 3, 4, 10, 6, 8, 10, 11};
  constexpr int kNet[] = {6, 9, 7, 10, 3, 10, 10, 12};
  const int want = side == Side::kUser ? kUser[start] : kNet[start];
  if (static_cast<Start>(start) != Start::kOutReleasing) {
    const CallState got =
        r.sock != 0 ? r.uni().state_of_sock(r.sock) : r.uni().state_of_call(r.call);
    ASSERT_EQ(static_cast<int>(got), want) << state_name(side, got);
  }
  r.sent.clear();
  r.stimulate(static_cast<Stim>(stim));
  r.check_contract();
  // The outcome against the table.
  const auto info = r.uni().call_info(r.cref, r.peer_flag);
  const int next = info ? static_cast<int>(info->state) : kGone;
  std::string timer;
  if (info && info->timer) timer = timer_name(*info->timer);
  if (info && info->t322) timer += timer.empty() ? "T322" : "+T322";
  const std::string sent = join(r.sent);
  const std::string row = std::string("{") + (side == Side::kUser ? "U" : "N") + ", S::k" +
                          kStartNames[start] + ", E::k" + kStimNames[stim] + ", " +
                          (next == kGone ? std::string("kGone") : std::to_string(next)) + ", \"" +
                          sent + "\", \"" + timer + "\"},";
  const Row* want_row = expected(side, start, stim);
  ASSERT_NE(want_row, nullptr) << "no expected row; actual: " << row;
  EXPECT_EQ(next, want_row->next) << row;
  EXPECT_EQ(sent, want_row->sent) << row;
  EXPECT_EQ(timer, want_row->timer) << row;
  // Clear whatever is left: the kernel closes, the peer forgets, time passes.
  if (r.sock != 0) r.req(CcRelease{r.sock});
  if (r.call != 0) r.req(CcReject{r.call, RejectReason::kListenerClosed, 0});
  r.req(CcRelease{77});
  r.from_peer(MessageType::kReleaseComplete);
  r.advance(200s);
  r.drain();
  r.check_contract();
  EXPECT_EQ(r.uni().call_count(), 0u);
  EXPECT_EQ(r.uni().vcis_in_use(), 0u);
}

std::string name(const ::testing::TestParamInfo<Param>& info) {
  const auto [side, start, stim] = info.param;
  return std::string(side == Side::kUser ? "User" : "Network") + "_" + kStartNames[start] + "_" +
         kStimNames[stim];
}

INSTANTIATE_TEST_SUITE_P(AllPairs, StateTable,
                         ::testing::Combine(::testing::Values(Side::kUser, Side::kNetwork),
                                            ::testing::Range(0, static_cast<int>(Start::kCount)),
                                            ::testing::Range(0, static_cast<int>(Stim::kCount))),
                         name);

}  // namespace
}  // namespace atmsigd::callctl::test

namespace atmsigd::callctl::test {
namespace {

// The coordinator's one table of message types (Uni::kMessageRows) says the
// same as the codec's kMsgSpecs for every type octet: which types exist and
// their procedure; the call machine's events are the eight point-to-point
// messages, kOtherMessage for the other procedures, none for STATUS / STATUS
// ENQUIRY and for unknown types; modification's own events only with it.
TEST(MessageRows, AgreeWithTheCodecsProcedureTable) {
  using q2931::MessageType;
  using q2931::Procedure;
  const std::map<MessageType, std::string_view> kPointToPoint = {
      {MessageType::kSetup, "SETUP"},
      {MessageType::kCallProceeding, "CALL PROCEEDING"},
      {MessageType::kAlerting, "ALERTING"},
      {MessageType::kConnect, "CONNECT"},
      {MessageType::kConnectAcknowledge, "CONNECT ACKNOWLEDGE"},
      {MessageType::kRelease, "RELEASE"},
      {MessageType::kReleaseComplete, "RELEASE COMPLETE"},
      {MessageType::kNotify, "NOTIFY"},
  };
  int known = 0;
  for (int octet = 0; octet < 256; ++octet) {
    const auto t = static_cast<MessageType>(octet);
    SCOPED_TRACE(octet);
    const std::optional<Procedure> proc = q2931::message_procedure(t);
    EXPECT_EQ(Uni::procedure_of(t), proc);
    const std::string_view plain = Uni::call_event_name(t, false);
    const std::string_view with_modify = Uni::call_event_name(t, true);
    if (!proc) {
      EXPECT_EQ(plain, "");
      EXPECT_EQ(with_modify, "");
      continue;
    }
    ++known;
    if (auto p2p = kPointToPoint.find(t); p2p != kPointToPoint.end()) {
      EXPECT_EQ(*proc, Procedure::kCallControl);
      EXPECT_EQ(plain, p2p->second);
      EXPECT_EQ(with_modify, p2p->second);
    } else if (*proc == Procedure::kCallControl) {  // STATUS, STATUS ENQUIRY
      EXPECT_TRUE(t == MessageType::kStatus || t == MessageType::kStatusEnquiry);
      EXPECT_EQ(plain, "");
      EXPECT_EQ(with_modify, "");
    } else {
      EXPECT_EQ(plain, "unimplemented message");
      if (*proc == Procedure::kModification)
        EXPECT_NE(with_modify, "unimplemented message");
      else
        EXPECT_EQ(with_modify, "unimplemented message");
    }
  }
  EXPECT_EQ(known, 24);
  EXPECT_EQ(Uni::call_event_name(MessageType::kModifyRequest, true), "MODIFY REQUEST");
  EXPECT_EQ(Uni::call_event_name(MessageType::kConnectionAvailable, true), "CONNECTION AVAILABLE");
}

}  // namespace
}  // namespace atmsigd::callctl::test
