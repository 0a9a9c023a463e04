// Every call state of both sides x every message, local primitive and timer:
// each pair must be decided without a crash, every message sent must decode
// cleanly, the kernel contract must hold (at most one CcEstablished and one
// CcReleased per socket, at most one CcIncomingGone per offered call), the
// state reached must be the one the recommendation names, and after clearing
// nothing may be left (call references, VCIs).
#include <gtest/gtest.h>

#include <map>
#include <string>
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

  void drain() {
    while (!peer.inbox.empty()) peer.next();  // decodes (and checks) everything
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
  r.stimulate(static_cast<Stim>(stim));
  r.check_contract();
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
