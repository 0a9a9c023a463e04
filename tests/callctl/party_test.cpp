// Q.2971 point-to-multipoint and UNI 4.0 leaf-initiated join, in virtual
// time: the root's party machine (every party state and timer), the leaf
// (endpoint reference echoed, ADD PARTY offered as a new incoming call, DROP
// PARTY), the network side (a VC per added leaf), the LIJ flows, and two Unis
// back to back (root user <-> network: three leaves, one rejects, one dropped
// by the root, one hangs up, the root closes).
// Test names: <role>_<procedure>_<outcome>.
#include <gtest/gtest.h>

#include <linux/atm.h>

#include <cerrno>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

using atmsvc::CcAddParty;
using atmsvc::CcAddPartyResult;
using atmsvc::CcDropParty;
using atmsvc::CcDropPartyResult;
namespace cause = q2931::cause;

q2931::EndpointReference epref(std::uint16_t v, bool flag) {
  q2931::EndpointReference e;
  e.value = v;
  e.flag = flag;
  return e;
}

std::optional<std::uint16_t> ep_of(const Message& m) {
  if (const auto* e = m.find<q2931::EndpointReference>()) return e->value;
  return std::nullopt;
}
std::optional<bool> ep_flag(const Message& m) {
  if (const auto* e = m.find<q2931::EndpointReference>()) return e->flag;
  return std::nullopt;
}
std::optional<std::uint8_t> ep_state(const Message& m) {
  if (const auto* e = m.find<q2931::EndpointState>()) return e->state;
  return std::nullopt;
}

q2931::CalledPartyNumber called(std::uint8_t last) {
  q2931::CalledPartyNumber cd;
  const auto a = nsap(last);
  cd.address.assign(a.sas_addr.prv, a.sas_addr.prv + 20);
  return cd;
}

UniParams params(Side side) {
  auto p = UniParams::defaults(side, Version::kUni40);
  p.local_addresses = {nsap(1), nsap(2), nsap(3)};
  return p;
}

CcConnect p2mp_connect(atmsvc::SockId sock, std::uint8_t to = 5) {
  CcConnect c = connect_req(sock, to);
  c.session = 1;
  return c;
}

// A Uni under test facing a scripted peer, UNI 4.0.
struct Party : Fixture {
  explicit Party(Side s) : Fixture(params(s), Version::kUni40), side(s) {}
  Party(Side s, UniParams p) : Fixture(std::move(p), Version::kUni40), side(s) {}
  Side side;

  void peer_sends(MessageType t, std::uint32_t cref, bool flag, std::vector<q2931::Ie> ies = {}) {
    Message m = msg(t, cref, flag);
    m.ies = std::move(ies);
    send(m);
  }
  // Root: our p2mp call (socket `sock`) is active with party 0.
  std::uint32_t root_call(atmsvc::SockId sock = 1) {
    req(p2mp_connect(sock));
    const Message s = peer.expect(MessageType::kSetup);
    const auto* bc = s.find<q2931::BroadbandBearerCapability>();
    EXPECT_TRUE(bc != nullptr && bc->up_config == 1);
    EXPECT_EQ(ep_of(s), 0);
    EXPECT_EQ(ep_flag(s), false);
    if (side == Side::kUser)
      peer_sends(MessageType::kCallProceeding, s.cref.value, true, {conn_id(0, 32)});
    peer_sends(MessageType::kConnect, s.cref.value, true, {epref(0, true)});
    peer.expect(MessageType::kConnectAcknowledge);
    EXPECT_EQ(events_of<CcEstablished>(take()).size(), 1u);
    EXPECT_EQ(uni().party_info(s.cref.value, true, 0)->state, PartyState::kActive);
    return s.cref.value;
  }
  // Root: CcAddParty; the ADD PARTY's endpoint reference.
  std::uint16_t add(std::uint32_t cref, atmsvc::SockId sock = 1, std::uint8_t to = 6) {
    req(CcAddParty{sock, nsap(to)});
    const Message a = peer.expect(MessageType::kAddParty);
    EXPECT_EQ(a.cref.value, cref);
    EXPECT_NE(a.find<q2931::CalledPartyNumber>(), nullptr);
    EXPECT_EQ(ep_flag(a), false);
    EXPECT_TRUE(take().empty());
    return ep_of(a).value_or(0);
  }
  PartyState pstate(std::uint32_t cref, std::uint16_t ep, bool root = true) {
    const auto i = uni().party_info(cref, root, ep);
    return i ? i->state : PartyState::kNull;
  }
  std::optional<PartyTimer> ptimer(std::uint32_t cref, std::uint16_t ep, bool root = true) {
    const auto i = uni().party_info(cref, root, ep);
    return i ? i->timer : std::nullopt;
  }
  // Leaf: the peer's p2mp SETUP (endpoint reference 0), accepted by `sock`.
  std::uint32_t leaf_call(atmsvc::SockId sock = 2, std::uint32_t cref = 77) {
    Message s = network_setup(cref, 40, Version::kUni40, side == Side::kUser);
    for (auto& ie : s.ies)
      if (auto* bc = std::get_if<q2931::BroadbandBearerCapability>(&ie)) bc->up_config = 1;
    s.add(epref(0, false));
    send(s);
    if (side == Side::kNetwork) {
      const Message cp = peer.expect(MessageType::kCallProceeding);
      EXPECT_EQ(ep_of(cp), 0);
      EXPECT_EQ(ep_flag(cp), true);
    }
    auto inc = events_of<CcIncoming>(take());
    EXPECT_EQ(inc.size(), 1u);
    if (inc.empty()) return cref;
    req(CcAccept{inc[0].call, sock});
    const Message c = peer.expect(MessageType::kConnect);
    EXPECT_EQ(ep_of(c), 0);
    EXPECT_EQ(ep_flag(c), true);
    if (side == Side::kUser) peer_sends(MessageType::kConnectAcknowledge, cref, false);
    EXPECT_EQ(events_of<CcEstablished>(take()).size(), 1u);
    EXPECT_EQ(pstate(cref, 0, false), PartyState::kActive);
    return cref;
  }
  // Leaf: ADD PARTY from the root for our address 2; the CcIncoming.
  CcIncoming add_party_in(std::uint32_t cref, std::uint16_t ep) {
    peer_sends(MessageType::kAddParty, cref, false, {called(2), epref(ep, false)});
    auto inc = events_of<CcIncoming>(take());
    EXPECT_EQ(inc.size(), 1u);
    EXPECT_EQ(pstate(cref, ep, false), PartyState::kAddPartyReceived);
    return inc.empty() ? CcIncoming{} : inc[0];
  }
};

struct Root : ::testing::TestWithParam<Side>, Party {
  Root() : Party(GetParam()) {}
};
struct Leaf : ::testing::TestWithParam<Side>, Party {
  Leaf() : Party(GetParam()) {}
};
INSTANTIATE_TEST_SUITE_P(Q2971, Root, ::testing::Values(Side::kUser, Side::kNetwork),
                         [](const auto& i) { return i.param == Side::kUser ? "User" : "Network"; });
INSTANTIATE_TEST_SUITE_P(Q2971, Leaf, ::testing::Values(Side::kUser, Side::kNetwork),
                         [](const auto& i) { return i.param == Side::kUser ? "User" : "Network"; });

// --- the root ---------------------------------------------------------------

TEST_P(Root, AddParty_AlertingThenAck_EndpointReferenceToKernel) {
  const auto cref = root_call();
  const auto ep = add(cref);
  EXPECT_EQ(ep, 1);
  EXPECT_EQ(pstate(cref, ep), PartyState::kAddPartyInitiated);
  EXPECT_EQ(ptimer(cref, ep), PartyTimer::kT399);
  peer_sends(MessageType::kPartyAlerting, cref, true, {epref(ep, true)});
  EXPECT_EQ(pstate(cref, ep), PartyState::kPartyAlertingReceived);
  EXPECT_EQ(ptimer(cref, ep), PartyTimer::kT397);
  EXPECT_TRUE(take().empty());
  peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].sock, 1u);
  EXPECT_EQ(r[0].reply, 1);
  EXPECT_EQ(pstate(cref, ep), PartyState::kActive);
  EXPECT_FALSE(ptimer(cref, ep));
  // A second leaf gets the next reference.
  EXPECT_EQ(add(cref), 2);
  EXPECT_EQ(uni().party_count(cref, true), 3u);
}

TEST_P(Root, AddParty_Reject_CauseAsErrno) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kAddPartyReject, cref, true,
             {cause_ie(cause::kNoRouteToDestination), epref(ep, true)});
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, -EHOSTUNREACH);
  EXPECT_EQ(pstate(cref, ep), PartyState::kNull);
  EXPECT_EQ(uni().state_of_sock(1), CallState::kActive);  // party 0 goes on
}

TEST_P(Root, AddParty_RejectInAlerting_CauseAsErrno) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kPartyAlerting, cref, true, {epref(ep, true)});
  peer_sends(MessageType::kAddPartyReject, cref, true, {cause_ie(17), epref(ep, true)});
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, setup_failure_errno(17));
  EXPECT_EQ(uni().party_count(cref, true), 1u);
}

TEST_P(Root, T399Expiry_TimedOutThenDropPartyAndT398) {
  const auto cref = root_call();
  const auto ep = add(cref);
  advance(uni().params().t399 + 1ms);
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, -ETIMEDOUT);
  const Message d = peer.expect(MessageType::kDropParty);
  EXPECT_EQ(ep_of(d), ep);
  EXPECT_EQ(cause_of(d), cause::kRecoveryOnTimerExpiry);
  EXPECT_EQ(pstate(cref, ep), PartyState::kDropPartyInitiated);
  EXPECT_EQ(ptimer(cref, ep), PartyTimer::kT398);
  // T398 expiry: the party is released locally.
  advance(uni().params().t398 + 1ms);
  EXPECT_EQ(pstate(cref, ep), PartyState::kNull);
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(uni().state_of_sock(1), CallState::kActive);
}

TEST_P(Root, T397Expiry_TimedOut) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kPartyAlerting, cref, true, {epref(ep, true)});
  advance(uni().params().t397 + 1ms);
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, -ETIMEDOUT);
  peer.expect(MessageType::kDropParty);
  peer_sends(MessageType::kDropPartyAcknowledge, cref, true, {epref(ep, true)});
  EXPECT_EQ(pstate(cref, ep), PartyState::kNull);
}

TEST_P(Root, DropParty_AckAnswersZero) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
  take();
  req(CcDropParty{1, ep});
  const Message d = peer.expect(MessageType::kDropParty);
  EXPECT_EQ(ep_of(d), ep);
  EXPECT_EQ(pstate(cref, ep), PartyState::kDropPartyInitiated);
  EXPECT_TRUE(take().empty());
  // A second drop of the same party while the first runs.
  req(CcDropParty{1, ep});
  auto again = events_of<CcDropPartyResult>(take());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].reply, -EALREADY);
  peer_sends(MessageType::kDropPartyAcknowledge, cref, true, {epref(ep, true)});
  auto r = events_of<CcDropPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, 0);
  EXPECT_EQ(pstate(cref, ep), PartyState::kNull);
}

TEST_P(Root, DropParty_T398Expiry_AnswersZero) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
  take();
  req(CcDropParty{1, ep});
  peer.expect(MessageType::kDropParty);
  advance(uni().params().t398 + 1ms);
  auto r = events_of<CcDropPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, 0);
}

TEST_P(Root, DropParty_WhileAdding_AddAnsweredFirst) {
  const auto cref = root_call();
  const auto ep = add(cref);
  req(CcDropParty{1, ep});
  peer.expect(MessageType::kDropParty);
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, -ECONNABORTED);
  // The late ADD PARTY ACKNOWLEDGE is ignored in P11.
  peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
  EXPECT_TRUE(peer.inbox.empty());
  EXPECT_EQ(pstate(cref, ep), PartyState::kDropPartyInitiated);
}

TEST_P(Root, DropLastParty_ReleasesTheCall) {
  const auto cref = root_call();
  req(CcDropParty{1, 0});
  const Message rel = peer.expect(MessageType::kRelease);
  EXPECT_EQ(rel.cref.value, cref);
  auto ev = take();
  auto d = events_of<CcDropPartyResult>(ev);
  auto gone = events_of<CcReleased>(ev);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reply, 0);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].err, 0);
  EXPECT_TRUE(std::holds_alternative<CcDropPartyResult>(ev[0]));  // the answer first
  peer_sends(MessageType::kReleaseComplete, cref, true);
  EXPECT_EQ(uni().call_count(), 0u);
}

TEST_P(Root, DropPartyByNetwork_AckedNothingToKernel) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
  take();
  peer_sends(MessageType::kDropParty, cref, true, {cause_ie(16), epref(ep, true)});
  const Message a = peer.expect(MessageType::kDropPartyAcknowledge);
  EXPECT_EQ(ep_of(a), ep);
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(pstate(cref, ep), PartyState::kNull);
  // The last one: the call is released.
  peer_sends(MessageType::kDropParty, cref, true, {cause_ie(16), epref(0, true)});
  peer.expect(MessageType::kRelease);
  auto gone = events_of<CcReleased>(take());
  ASSERT_EQ(gone.size(), 1u);
}

TEST_P(Root, DropPartyByNetworkWhileAdding_CauseAsErrno) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kDropParty, cref, true, {cause_ie(3), epref(ep, true)});
  peer.expect(MessageType::kDropPartyAcknowledge);
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, -EHOSTUNREACH);
}

TEST_P(Root, DropPartyAckOutsideP11_PartyCleared) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
  take();
  peer_sends(MessageType::kDropPartyAcknowledge, cref, true, {epref(ep, true)});
  EXPECT_EQ(pstate(cref, ep), PartyState::kNull);
  EXPECT_TRUE(take().empty());
}

TEST_P(Root, DropCollision_NoAck) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
  take();
  req(CcDropParty{1, ep});
  peer.expect(MessageType::kDropParty);
  peer_sends(MessageType::kDropParty, cref, true, {cause_ie(16), epref(ep, true)});
  EXPECT_TRUE(peer.inbox.empty());
  auto r = events_of<CcDropPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reply, 0);
}

TEST_P(Root, KernelCloses_ReleaseForEveryParty) {
  const auto cref = root_call();
  const auto ep = add(cref);
  req(CcRelease{1});
  const Message rel = peer.expect(MessageType::kRelease);
  EXPECT_EQ(rel.cref.value, cref);
  EXPECT_TRUE(take().empty());  // the socket is gone: nothing owed
  EXPECT_EQ(pstate(cref, ep), PartyState::kNull);
  peer_sends(MessageType::kReleaseComplete, cref, true);
  EXPECT_EQ(uni().call_count(), 0u);
}

TEST_P(Root, PeerReleasesWhileAdding_AddAnsweredBeforeReleased) {
  const auto cref = root_call();
  add(cref);
  peer_sends(MessageType::kRelease, cref, true, {cause_ie(16)});
  peer.expect(MessageType::kReleaseComplete);
  auto ev = take();
  ASSERT_EQ(ev.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<CcAddPartyResult>(ev[0]));
  EXPECT_LT(std::get<CcAddPartyResult>(ev[0]).reply, 0);
  EXPECT_TRUE(std::holds_alternative<CcReleased>(ev[1]));
}

TEST_P(Root, UnknownEndpointReference_Cause89) {
  const auto cref = root_call();
  peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(9, true)});
  Message d = peer.expect(MessageType::kDropParty);
  EXPECT_EQ(ep_of(d), 9);
  EXPECT_EQ(cause_of(d), cause::kInvalidEndpointReference);
  peer_sends(MessageType::kPartyAlerting, cref, true, {epref(9, true)});
  d = peer.expect(MessageType::kDropParty);
  EXPECT_EQ(cause_of(d), cause::kInvalidEndpointReference);
  peer_sends(MessageType::kDropParty, cref, true, {cause_ie(16), epref(9, true)});
  d = peer.expect(MessageType::kDropPartyAcknowledge);
  EXPECT_EQ(cause_of(d), cause::kInvalidEndpointReference);
  peer_sends(MessageType::kDropPartyAcknowledge, cref, true, {epref(9, true)});
  peer_sends(MessageType::kAddPartyReject, cref, true, {cause_ie(16), epref(9, true)});
  EXPECT_TRUE(peer.inbox.empty());
  EXPECT_TRUE(take().empty());
}

TEST_P(Root, MessageNotCompatibleWithPartyState_Status101) {
  const auto cref = root_call();
  // PARTY ALERTING for the active party 0.
  peer_sends(MessageType::kPartyAlerting, cref, true, {epref(0, true)});
  const Message st = peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), cause::kMessageNotCompatibleWithState);
  EXPECT_EQ(ep_of(st), 0);
  EXPECT_EQ(ep_state(st), 10);
  EXPECT_EQ(state_of(st), 10);
  // ADD PARTY towards the root.
  peer_sends(MessageType::kAddParty, cref, true, {called(1), epref(4, true)});
  const Message st2 = peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st2), cause::kMessageNotCompatibleWithState);
  EXPECT_EQ(ep_state(st2), 0);
}

TEST_P(Root, StatusEnquiry_EndpointReferenceAndState) {
  const auto cref = root_call();
  const auto ep = add(cref);
  peer_sends(MessageType::kStatusEnquiry, cref, true, {epref(ep, true)});
  Message st = peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), cause::kResponseToStatusEnquiry);
  EXPECT_EQ(ep_of(st), ep);
  EXPECT_EQ(ep_flag(st), false);
  EXPECT_EQ(ep_state(st), 1);
  peer_sends(MessageType::kStatusEnquiry, cref, true, {epref(77, true)});
  st = peer.expect(MessageType::kStatus);
  EXPECT_EQ(ep_of(st), 77);
  EXPECT_EQ(ep_state(st), 0);
  peer_sends(MessageType::kStatusEnquiry, cref, true);
  st = peer.expect(MessageType::kStatus);
  EXPECT_EQ(ep_of(st), 0);
  EXPECT_EQ(ep_state(st), 10);
}

TEST_P(Root, StatusEndpointNull_PartyCleared) {
  const auto cref = root_call();
  const auto ep = add(cref);
  q2931::CallState cs;
  cs.state = 10;
  q2931::EndpointState es;
  es.state = 0;
  peer_sends(MessageType::kStatus, cref, true, {cs, cause_ie(30), epref(ep, true), es});
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_LT(r[0].reply, 0);
  EXPECT_EQ(pstate(cref, ep), PartyState::kNull);
}

TEST_P(Root, Refused_NoP2mpCallUnknownPartyNotActive) {
  // No call on the socket; a point-to-point call.
  req(CcAddParty{9, nsap(6)});
  req(connect_req(3));
  const Message s = peer.expect(MessageType::kSetup);
  EXPECT_FALSE(ep_of(s));
  EXPECT_EQ(s.find<q2931::BroadbandBearerCapability>()->up_config, 0);
  req(CcAddParty{3, nsap(6)});
  auto r = events_of<CcAddPartyResult>(take());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].reply, -EINVAL);
  EXPECT_EQ(r[1].reply, -EINVAL);
  // A p2mp call still in setup; an unknown party.
  req(p2mp_connect(4));
  peer.expect(MessageType::kSetup);
  req(CcAddParty{4, nsap(6)});
  req(CcDropParty{4, 5});
  auto ev = take();
  ASSERT_EQ(events_of<CcAddPartyResult>(ev).size(), 1u);
  EXPECT_EQ(events_of<CcAddPartyResult>(ev)[0].reply, -EBUSY);
  ASSERT_EQ(events_of<CcDropPartyResult>(ev).size(), 1u);
  EXPECT_EQ(events_of<CcDropPartyResult>(ev)[0].reply, -ENOENT);
  EXPECT_TRUE(peer.inbox.empty());
}

// Every party state the root enters x every party message: the state after
// and the message answered (none: kNone), reviewed against Q.2971 §9.1, §9.3,
// §9.5. ADD PARTY names the party's own reference (towards the root: STATUS).
constexpr MessageType kNone = MessageType::kNotify;
struct Cell {
  MessageType in;
  PartyState after;
  MessageType answer;
};
struct StateRow {
  PartyState state;
  std::vector<Cell> cells;
};

TEST_P(Root, EveryPartyStateTimesEveryMessage) {
  using MT = MessageType;
  const std::vector<StateRow> table = {
      {PartyState::kAddPartyInitiated,
       {{MT::kPartyAlerting, PartyState::kPartyAlertingReceived, kNone},
        {MT::kAddPartyAcknowledge, PartyState::kActive, kNone},
        {MT::kAddPartyReject, PartyState::kNull, kNone},
        {MT::kDropParty, PartyState::kNull, MT::kDropPartyAcknowledge},
        {MT::kDropPartyAcknowledge, PartyState::kNull, kNone},
        {MT::kAddParty, PartyState::kAddPartyInitiated, MT::kStatus}}},
      {PartyState::kPartyAlertingReceived,
       {{MT::kPartyAlerting, PartyState::kPartyAlertingReceived, MT::kStatus},
        {MT::kAddPartyAcknowledge, PartyState::kActive, kNone},
        {MT::kAddPartyReject, PartyState::kNull, kNone},
        {MT::kDropParty, PartyState::kNull, MT::kDropPartyAcknowledge},
        {MT::kDropPartyAcknowledge, PartyState::kNull, kNone},
        {MT::kAddParty, PartyState::kPartyAlertingReceived, MT::kStatus}}},
      {PartyState::kActive,
       {{MT::kPartyAlerting, PartyState::kActive, MT::kStatus},
        {MT::kAddPartyAcknowledge, PartyState::kActive, MT::kStatus},
        {MT::kAddPartyReject, PartyState::kActive, MT::kStatus},
        {MT::kDropParty, PartyState::kNull, MT::kDropPartyAcknowledge},
        {MT::kDropPartyAcknowledge, PartyState::kNull, kNone},
        {MT::kAddParty, PartyState::kActive, MT::kStatus}}},
      {PartyState::kDropPartyInitiated,
       {{MT::kPartyAlerting, PartyState::kDropPartyInitiated, kNone},
        {MT::kAddPartyAcknowledge, PartyState::kDropPartyInitiated, kNone},
        {MT::kAddPartyReject, PartyState::kDropPartyInitiated, kNone},
        {MT::kDropParty, PartyState::kNull, kNone},
        {MT::kDropPartyAcknowledge, PartyState::kNull, kNone},
        {MT::kAddParty, PartyState::kDropPartyInitiated, MT::kStatus}}},
  };
  const auto cref = root_call();
  for (const auto& row : table) {
    for (const auto& cell : row.cells) {
      SCOPED_TRACE(std::string(party_state_label(row.state)) + " x " +
                   std::string(q2931::message_name(cell.in)));
      const auto ep = add(cref);
      if (row.state == PartyState::kPartyAlertingReceived)
        peer_sends(MT::kPartyAlerting, cref, true, {epref(ep, true)});
      if (row.state == PartyState::kActive || row.state == PartyState::kDropPartyInitiated)
        peer_sends(MT::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
      if (row.state == PartyState::kDropPartyInitiated) {
        req(CcDropParty{1, ep});
        peer.expect(MT::kDropParty);
      }
      ASSERT_EQ(pstate(cref, ep), row.state);
      take();
      std::vector<q2931::Ie> ies{epref(ep, true)};
      if (cell.in == MT::kAddPartyReject || cell.in == MT::kDropParty) ies.push_back(cause_ie(16));
      if (cell.in == MT::kAddParty) ies.insert(ies.begin(), called(7));
      peer_sends(cell.in, cref, true, ies);
      EXPECT_EQ(pstate(cref, ep), cell.after);
      if (cell.answer == kNone) {
        EXPECT_TRUE(peer.inbox.empty());
      } else {
        const Message a = peer.expect(cell.answer);
        EXPECT_EQ(ep_of(a), ep);
        if (cell.answer == MT::kStatus) {
          EXPECT_EQ(cause_of(a), cause::kMessageNotCompatibleWithState);
          EXPECT_EQ(ep_state(a), static_cast<std::uint8_t>(row.state));
        }
      }
      // Whatever is left of the party goes (locally), for the next cell.
      if (pstate(cref, ep) != PartyState::kNull) {
        peer_sends(MT::kDropPartyAcknowledge, cref, true, {epref(ep, true)});
        ASSERT_EQ(pstate(cref, ep), PartyState::kNull);
      }
      take();
      EXPECT_EQ(uni().state_of_sock(1), CallState::kActive);
    }
  }
}

// The leaf's party states (P6 offered, P10, P11) x the messages of the root.
TEST_P(Leaf, EveryPartyStateTimesEveryMessage) {
  using MT = MessageType;
  const std::vector<StateRow> table = {
      {PartyState::kAddPartyReceived,
       {{MT::kAddParty, PartyState::kAddPartyReceived, MT::kStatus},
        {MT::kAddPartyAcknowledge, PartyState::kAddPartyReceived, MT::kStatus},
        {MT::kPartyAlerting, PartyState::kAddPartyReceived, MT::kStatus},
        {MT::kDropParty, PartyState::kNull, MT::kDropPartyAcknowledge},
        {MT::kDropPartyAcknowledge, PartyState::kNull, kNone}}},
      {PartyState::kActive,
       {{MT::kAddParty, PartyState::kActive, MT::kStatus},
        {MT::kAddPartyReject, PartyState::kActive, MT::kStatus},
        {MT::kPartyAlerting, PartyState::kActive, MT::kStatus},
        {MT::kDropParty, PartyState::kNull, MT::kDropPartyAcknowledge},
        {MT::kDropPartyAcknowledge, PartyState::kNull, kNone}}},
      {PartyState::kDropPartyInitiated,
       {{MT::kAddParty, PartyState::kDropPartyInitiated, MT::kStatus},
        {MT::kAddPartyAcknowledge, PartyState::kDropPartyInitiated, kNone},
        {MT::kDropParty, PartyState::kNull, kNone},
        {MT::kDropPartyAcknowledge, PartyState::kNull, kNone}}},
  };
  const auto cref = leaf_call();
  std::uint16_t ep = 10;
  atmsvc::SockId sock = 20;
  for (const auto& row : table) {
    for (const auto& cell : row.cells) {
      SCOPED_TRACE(std::string(party_state_label(row.state)) + " x " +
                   std::string(q2931::message_name(cell.in)));
      ++ep;
      ++sock;
      const CcIncoming inc = add_party_in(cref, ep);
      if (row.state != PartyState::kAddPartyReceived) {
        req(CcAccept{inc.call, sock});
        peer.expect(MT::kAddPartyAcknowledge);
      }
      if (row.state == PartyState::kDropPartyInitiated) {
        req(CcRelease{sock});
        peer.expect(MT::kDropParty);
      }
      ASSERT_EQ(pstate(cref, ep, false), row.state);
      take();
      std::vector<q2931::Ie> ies{epref(ep, false)};
      if (cell.in == MT::kAddPartyReject || cell.in == MT::kDropParty) ies.push_back(cause_ie(16));
      if (cell.in == MT::kAddParty) ies.insert(ies.begin(), called(2));
      peer_sends(cell.in, cref, false, ies);
      EXPECT_EQ(pstate(cref, ep, false), cell.after);
      if (cell.answer == kNone) {
        EXPECT_TRUE(peer.inbox.empty());
      } else {
        const Message a = peer.expect(cell.answer);
        EXPECT_EQ(ep_of(a), ep);
      }
      // The party's kernel: told once its party is gone.
      const auto ev = take();
      if (cell.after == PartyState::kNull && row.state == PartyState::kAddPartyReceived) {
        EXPECT_EQ(events_of<CcIncomingGone>(ev).size(), 1u);
      }
      if (cell.after == PartyState::kNull && row.state == PartyState::kActive) {
        EXPECT_EQ(events_of<CcReleased>(ev).size(), 1u);
      }
      if (pstate(cref, ep, false) != PartyState::kNull) {
        peer_sends(MT::kDropPartyAcknowledge, cref, false, {epref(ep, false)});
        ASSERT_EQ(pstate(cref, ep, false), PartyState::kNull);
      }
      take();
      EXPECT_EQ(uni().state_of_sock(2), CallState::kActive);
    }
  }
}

// --- the leaf ---------------------------------------------------------------

TEST_P(Leaf, Setup_EndpointReferenceEchoedInConnectAndStatus) {
  const auto cref = leaf_call();
  peer_sends(MessageType::kStatusEnquiry, cref, false);
  const Message st = peer.expect(MessageType::kStatus);
  EXPECT_EQ(ep_of(st), 0);
  EXPECT_EQ(ep_flag(st), true);
  EXPECT_EQ(ep_state(st), 10);
  EXPECT_EQ(cause_of(st), cause::kResponseToStatusEnquiry);
}

TEST(LeafUser, CallProceedingAndAlertingEchoTheReference) {
  auto p = params(Side::kUser);
  p.user_sends_call_proceeding = true;
  Fixture f(p, Version::kUni40);
  Message s = network_setup(5, 40, Version::kUni40);
  s.add(epref(3, false));
  f.send(s);
  const Message cp = f.peer.expect(MessageType::kCallProceeding);
  EXPECT_EQ(ep_of(cp), 3);
  EXPECT_EQ(ep_flag(cp), true);
  f.send(msg(MessageType::kStatusEnquiry, 5, false));
  const Message st = f.peer.expect(MessageType::kStatus);
  EXPECT_EQ(ep_of(st), 3);
  EXPECT_EQ(ep_state(st), 6);  // Add Party Received
}

TEST_P(Leaf, AddParty_OfferedAcceptedDroppedByRoot) {
  const auto cref = leaf_call();
  const CcIncoming inc = add_party_in(cref, 5);
  EXPECT_EQ(inc.called.sas_addr.prv[18], 2);
  if (side == Side::kNetwork) {
    EXPECT_NE(inc.pvc.sap_addr.vci, 0);
    EXPECT_EQ(uni().vcis_in_use(), 2u);  // a VC of its own toward the kernel
  } else {
    EXPECT_EQ(inc.pvc.sap_addr.vci, 40);  // the call's VC
  }
  req(CcAccept{inc.call, 8});
  const Message a = peer.expect(MessageType::kAddPartyAcknowledge);
  EXPECT_EQ(ep_of(a), 5);
  EXPECT_EQ(ep_flag(a), true);
  auto est = events_of<CcEstablished>(take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 8u);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, inc.pvc.sap_addr.vci);
  EXPECT_EQ(pstate(cref, 5, false), PartyState::kActive);
  EXPECT_EQ(uni().party_info(cref, false, 5)->sock, 8u);
  // The root drops it: DROP PARTY ACKNOWLEDGE, that socket is closed.
  peer_sends(MessageType::kDropParty, cref, false, {cause_ie(16), epref(5, false)});
  peer.expect(MessageType::kDropPartyAcknowledge);
  auto gone = events_of<CcReleased>(take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].sock, 8u);
  EXPECT_EQ(uni().state_of_sock(2), CallState::kActive);
  if (side == Side::kNetwork) {
    EXPECT_EQ(uni().vcis_in_use(), 1u);
  }
}

TEST_P(Leaf, AddParty_RejectedByKernel) {
  const auto cref = leaf_call();
  const CcIncoming inc = add_party_in(cref, 5);
  req(CcReject{inc.call, RejectReason::kNoListener, 0});
  const Message r = peer.expect(MessageType::kAddPartyReject);
  EXPECT_EQ(ep_of(r), 5);
  EXPECT_EQ(cause_of(r), cause::kIncompatibleDestination);
  EXPECT_EQ(pstate(cref, 5, false), PartyState::kNull);
  EXPECT_TRUE(take().empty());
}

TEST_P(Leaf, AddParty_DroppedBeforeAccepted_IncomingGone) {
  const auto cref = leaf_call();
  const CcIncoming inc = add_party_in(cref, 5);
  peer_sends(MessageType::kDropParty, cref, false, {cause_ie(16), epref(5, false)});
  peer.expect(MessageType::kDropPartyAcknowledge);
  auto gone = events_of<CcIncomingGone>(take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].call, inc.call);
  req(CcAccept{inc.call, 8});
  auto r = events_of<CcReleased>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].err, -ECONNABORTED);
}

TEST_P(Leaf, PartySocketCloses_DropParty) {
  const auto cref = leaf_call();
  const CcIncoming inc = add_party_in(cref, 5);
  req(CcAccept{inc.call, 8});
  peer.expect(MessageType::kAddPartyAcknowledge);
  take();
  req(CcRelease{8});
  const Message d = peer.expect(MessageType::kDropParty);
  EXPECT_EQ(ep_of(d), 5);
  EXPECT_EQ(pstate(cref, 5, false), PartyState::kDropPartyInitiated);
  peer_sends(MessageType::kDropPartyAcknowledge, cref, false, {epref(5, false)});
  EXPECT_EQ(pstate(cref, 5, false), PartyState::kNull);
  EXPECT_TRUE(take().empty());
  // The call's own socket closes, it is the last party: RELEASE.
  req(CcRelease{2});
  peer.expect(MessageType::kRelease);
}

TEST_P(Leaf, OwnSocketClosesWithAnotherParty_OnlyItsPartyDropped) {
  const auto cref = leaf_call();
  const CcIncoming inc = add_party_in(cref, 5);
  req(CcAccept{inc.call, 8});
  peer.expect(MessageType::kAddPartyAcknowledge);
  take();
  req(CcRelease{2});
  const Message d = peer.expect(MessageType::kDropParty);
  EXPECT_EQ(ep_of(d), 0);
  EXPECT_TRUE(take().empty());
  // The root clears the call: the other party's socket is told.
  peer_sends(MessageType::kRelease, cref, false, {cause_ie(16)});
  peer.expect(MessageType::kReleaseComplete);
  auto gone = events_of<CcReleased>(take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].sock, 8u);
  EXPECT_EQ(uni().call_count(), 0u);
}

TEST_P(Leaf, DropPartyForTheLastParty_ReleasesTheCall) {
  const auto cref = leaf_call();
  peer_sends(MessageType::kDropParty, cref, false, {cause_ie(16), epref(0, false)});
  peer.expect(MessageType::kRelease);
  auto gone = events_of<CcReleased>(take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].sock, 2u);
}

TEST_P(Leaf, AddPartyForAReferenceInUse_Status101) {
  const auto cref = leaf_call();
  peer_sends(MessageType::kAddParty, cref, false, {called(2), epref(0, false)});
  const Message st = peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), cause::kMessageNotCompatibleWithState);
  EXPECT_EQ(ep_state(st), 10);
  EXPECT_TRUE(take().empty());
}

// After the peer's RESTART of the VC (or VPCI) of the added, accepted leaf
// (endpoint 5, socket 8): DROP PARTY cause 41 to the root, then the RESTART
// ACKNOWLEDGE (returned, for the class and connection identifier); the
// leaf's socket is told -ENETRESET, the call's own party and socket stay;
// the VC goes back to the pool when the drop is acknowledged.
Message expect_added_leaf_cleared(Party& f, std::uint32_t cref) {
  const Message d = f.peer.expect(MessageType::kDropParty);
  EXPECT_EQ(ep_of(d), 5);
  EXPECT_EQ(cause_of(d), cause::kTemporaryFailure);
  Message ack = f.peer.expect(MessageType::kRestartAcknowledge);
  const auto gone = events_of<CcReleased>(f.take());
  EXPECT_EQ(gone.size(), 1u);
  if (!gone.empty()) {
    EXPECT_EQ(gone[0].sock, 8u);
    EXPECT_EQ(gone[0].err, -ENETRESET);
  }
  EXPECT_EQ(f.pstate(cref, 5, false), PartyState::kDropPartyInitiated);
  EXPECT_EQ(f.pstate(cref, 0, false), PartyState::kActive);
  EXPECT_EQ(f.uni().state_of_sock(2), CallState::kActive);
  f.peer_sends(MessageType::kDropPartyAcknowledge, cref, false, {epref(5, false)});
  EXPECT_EQ(f.pstate(cref, 5, false), PartyState::kNull);
  EXPECT_EQ(f.uni().vcis_in_use(), 1u);
  EXPECT_TRUE(f.take().empty());
  return ack;
}

// Network side: an added leaf's own VC is in the RESTART index. The peer's
// RESTART of that one VC (class 0) clears that leaf only: its socket is told
// -ENETRESET, the root is sent DROP PARTY cause 41, the call's own party
// stays; the VC goes back to the pool when the drop is acknowledged.
TEST(LeafNetwork, RestartOfAnAddedLeafsVc_ClearsThatLeafOnly) {
  Party f(Side::kNetwork);
  const auto cref = f.leaf_call();
  const CcIncoming inc = f.add_party_in(cref, 5);
  f.req(CcAccept{inc.call, 8});
  f.peer.expect(MessageType::kAddPartyAcknowledge);
  f.take();
  ASSERT_EQ(f.uni().vcis_in_use(), 2u);
  f.send(restart_msg(0, conn_id(inc.pvc.sap_addr.vpi, inc.pvc.sap_addr.vci)));
  expect_added_leaf_cleared(f, cref);
}

// The same for our own RESTART of that VC (the operator's, class 0), and for
// a leaf still offered: CcIncomingGone and ADD PARTY REJECT.
TEST(LeafNetwork, OurRestartOfAnOfferedLeafsVc_RejectsThatLeaf) {
  Party f(Side::kNetwork);
  const auto cref = f.leaf_call();
  const CcIncoming inc = f.add_party_in(cref, 5);
  f.uut->restart(
      std::pair<std::uint16_t, std::uint16_t>{inc.pvc.sap_addr.vpi, inc.pvc.sap_addr.vci},
      f.link.now);
  f.link.pump();
  const Message rej = f.peer.expect(MessageType::kAddPartyReject);
  EXPECT_EQ(ep_of(rej), 5);
  EXPECT_EQ(cause_of(rej), cause::kTemporaryFailure);
  const Message rs = f.peer.expect(MessageType::kRestart);
  ASSERT_NE(rs.find<q2931::ConnectionIdentifier>(), nullptr);
  EXPECT_EQ(rs.find<q2931::ConnectionIdentifier>()->vci, inc.pvc.sap_addr.vci);
  const auto gone = events_of<CcIncomingGone>(f.take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].call, inc.call);
  EXPECT_EQ(f.pstate(cref, 5, false), PartyState::kNull);
  EXPECT_EQ(f.uni().state_of_sock(2), CallState::kActive);
}

// Class 1 (UNI 4.0, a VPCI's VCs) on a leaf whose VC is on a VPCI of its own:
// VPCI 0 has one VCI, which the call takes, so the added leaf gets VPCI 1.
UniParams two_vpcis() {
  auto p = params(Side::kNetwork);
  p.vc_ranges = {VcRange{0, 0, 32, 32}, VcRange{1, 1, 32, 100}};
  return p;
}

// The peer's RESTART class 1 of the leaf's VPCI clears that leaf only (its
// socket -ENETRESET, DROP PARTY cause 41 to the root); the call on VPCI 0
// and its own party stay; the acknowledgement echoes class and VPCI.
TEST(LeafNetwork, Class1RestartOfAnAddedLeafsVpci_ClearsThatLeafOnly) {
  Party f(Side::kNetwork, two_vpcis());
  const auto cref = f.leaf_call();
  const CcIncoming inc = f.add_party_in(cref, 5);
  ASSERT_EQ(inc.pvc.sap_addr.vpi, 1);
  f.req(CcAccept{inc.call, 8});
  f.peer.expect(MessageType::kAddPartyAcknowledge);
  f.take();
  f.send(restart_msg(1, conn_id(1, 0)));  // class 1: the VCI does not count
  const Message ack = expect_added_leaf_cleared(f, cref);
  ASSERT_NE(ack.find<q2931::RestartIndicator>(), nullptr);
  EXPECT_EQ(ack.find<q2931::RestartIndicator>()->restart_class, 1);
  ASSERT_NE(ack.find<q2931::ConnectionIdentifier>(), nullptr);
  EXPECT_EQ(ack.find<q2931::ConnectionIdentifier>()->vpci, 1);
}

// The operator's class-1 restart of that VPCI: the offered leaf is rejected
// (ADD PARTY REJECT cause 41, CcIncomingGone), RESTART class 1 names VPCI 1,
// and the call on VPCI 0 stays.
TEST(LeafNetwork, OurClass1RestartOfAnOfferedLeafsVpci_RejectsThatLeaf) {
  Party f(Side::kNetwork, two_vpcis());
  const auto cref = f.leaf_call();
  const CcIncoming inc = f.add_party_in(cref, 5);
  ASSERT_EQ(inc.pvc.sap_addr.vpi, 1);
  f.uut->handle(atmsvc::RestartVcs{0, std::pair<std::uint16_t, std::uint16_t>{1, 0}, true},
                f.link.now);
  f.link.pump();
  const Message rej = f.peer.expect(MessageType::kAddPartyReject);
  EXPECT_EQ(ep_of(rej), 5);
  EXPECT_EQ(cause_of(rej), cause::kTemporaryFailure);
  const Message rs = f.peer.expect(MessageType::kRestart);
  ASSERT_NE(rs.find<q2931::RestartIndicator>(), nullptr);
  EXPECT_EQ(rs.find<q2931::RestartIndicator>()->restart_class, 1);
  ASSERT_NE(rs.find<q2931::ConnectionIdentifier>(), nullptr);
  EXPECT_EQ(rs.find<q2931::ConnectionIdentifier>()->vpci, 1);
  const auto gone = events_of<CcIncomingGone>(f.take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].call, inc.call);
  EXPECT_EQ(f.pstate(cref, 5, false), PartyState::kNull);
  EXPECT_EQ(f.uni().state_of_sock(2), CallState::kActive);
}

TEST(PointToPoint, PartyMessagesStillStatus97) {
  Fixture f(params(Side::kUser), Version::kUni40);
  f.send(network_setup(5, 40, Version::kUni40));
  EXPECT_EQ(events_of<CcIncoming>(f.take()).size(), 1u);
  Message a = msg(MessageType::kAddParty, 5, false);
  a.add(called(2));
  a.add(epref(1, false));
  f.send(a);
  const Message st = f.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), cause::kMessageTypeNonExistent);
  EXPECT_FALSE(ep_of(st));
}

// --- leaf-initiated join (UNI 4.0 §6) -------------------------------------

CcConnect join_req(atmsvc::SockId sock, std::uint32_t lij_id) {
  CcConnect c = connect_req(sock, 5);
  c.called.sas_addr.lij_type = ATM_LIJ;
  c.called.sas_addr.lij_id = lij_id;
  c.local = nsap(2);
  return c;
}

TEST(Lij, Leaf_JoinAnsweredBySetup_Established) {
  Party f(Side::kUser);
  f.req(join_req(4, 0x1234));
  const Message lsr = f.peer.expect(MessageType::kLeafSetupRequest);
  ASSERT_NE(lsr.find<q2931::LijCallIdentifier>(), nullptr);
  EXPECT_EQ(lsr.find<q2931::LijCallIdentifier>()->value, 0x1234u);
  ASSERT_NE(lsr.find<q2931::LeafSequenceNumber>(), nullptr);
  EXPECT_NE(lsr.find<q2931::CalledPartyNumber>(), nullptr);
  EXPECT_NE(lsr.find<q2931::CallingPartyNumber>(), nullptr);
  EXPECT_EQ(f.uni().joins_pending(), 1u);
  Message s = network_setup(9, 41, Version::kUni40);
  s.add(epref(2, false));
  s.add(*lsr.find<q2931::LeafSequenceNumber>());
  f.send(s);
  EXPECT_TRUE(events_of<CcIncoming>(f.take()).empty());  // not offered: it is the join's
  const Message c = f.peer.expect(MessageType::kConnect);
  EXPECT_EQ(ep_of(c), 2);
  f.peer_sends(MessageType::kConnectAcknowledge, 9, false);
  auto est = events_of<CcEstablished>(f.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 4u);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 41);
  EXPECT_EQ(f.uni().joins_pending(), 0u);
}

TEST(Lij, Leaf_JoinAnsweredByAddParty_Established) {
  Party f(Side::kUser);
  const auto cref = f.leaf_call();
  f.req(join_req(4, 7));
  const Message lsr = f.peer.expect(MessageType::kLeafSetupRequest);
  f.peer_sends(MessageType::kAddParty, cref, false,
               {called(2), epref(6, false), *lsr.find<q2931::LeafSequenceNumber>()});
  const Message a = f.peer.expect(MessageType::kAddPartyAcknowledge);
  EXPECT_EQ(ep_of(a), 6);
  auto ev = f.take();
  EXPECT_TRUE(events_of<CcIncoming>(ev).empty());
  auto est = events_of<CcEstablished>(ev);
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 4u);
}

TEST(Lij, Leaf_LeafSetupFailure_CauseAsErrno) {
  Party f(Side::kUser);
  f.req(join_req(4, 7));
  const Message lsr = f.peer.expect(MessageType::kLeafSetupRequest);
  Message fail = msg(MessageType::kLeafSetupFailure, lsr.cref.value, true);
  fail.add(cause_ie(cause::kNoRouteToDestination));
  fail.add(*lsr.find<q2931::LeafSequenceNumber>());
  f.send(fail);
  auto r = events_of<CcReleased>(f.take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].sock, 4u);
  EXPECT_EQ(r[0].err, -EHOSTUNREACH);
  EXPECT_EQ(f.uni().joins_pending(), 0u);
}

TEST(Lij, Leaf_T331_ResentOnceThenTimedOut) {
  Party f(Side::kUser);
  f.req(join_req(4, 7));
  f.peer.expect(MessageType::kLeafSetupRequest);
  f.advance(f.uni().params().t331 + 1ms);
  f.peer.expect(MessageType::kLeafSetupRequest);
  EXPECT_TRUE(f.take().empty());
  f.advance(f.uni().params().t331 + 1ms);
  auto r = events_of<CcReleased>(f.take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].err, -ETIMEDOUT);
  EXPECT_TRUE(f.peer.inbox.empty());
}

TEST(Lij, Leaf_SocketClosesWhileJoining_Forgotten) {
  Party f(Side::kUser);
  f.req(join_req(4, 7));
  f.peer.expect(MessageType::kLeafSetupRequest);
  f.req(CcRelease{4});
  EXPECT_EQ(f.uni().joins_pending(), 0u);
  f.advance(f.uni().params().t331 * 3);
  EXPECT_TRUE(f.take().empty());
}

// Root with network LIJ: the SETUP carries the LIJ IEs; a LEAF SETUP REQUEST
// on the network side is answered by the network adding the leaf.
struct LijRoot : Party {
  explicit LijRoot(Side s) : Party(s) {}
  std::uint32_t root(char type, std::uint32_t id) {
    CcConnect c = p2mp_connect(1);
    c.local = nsap(1);
    c.local.sas_addr.lij_type = type;
    c.local.sas_addr.lij_id = id;
    req(c);
    const Message s = peer.expect(MessageType::kSetup);
    EXPECT_NE(s.find<q2931::LijCallIdentifier>(), nullptr);
    EXPECT_EQ(s.find<q2931::LijParameters>() != nullptr, type == ATM_LIJ_NJ);
    if (side == Side::kUser)
      peer_sends(MessageType::kCallProceeding, s.cref.value, true, {conn_id(0, 32)});
    peer_sends(MessageType::kConnect, s.cref.value, true, {epref(0, true)});
    peer.expect(MessageType::kConnectAcknowledge);
    take();
    return s.cref.value;
  }
  void lsr(std::uint32_t id, std::uint32_t seq) {
    Message m = msg(MessageType::kLeafSetupRequest, 50, false);
    q2931::CallingPartyNumber cg;
    const auto a = nsap(8);
    cg.address.assign(a.sas_addr.prv, a.sas_addr.prv + 20);
    m.add(cg);
    m.add(called(1));
    q2931::LijCallIdentifier li;
    li.value = id;
    m.add(li);
    q2931::LeafSequenceNumber sn;
    sn.value = seq;
    m.add(sn);
    send(m);
  }
};

TEST(Lij, NetworkJoinWithoutNotification_NetworkAddsTheLeaf) {
  LijRoot f(Side::kNetwork);
  const auto cref = f.root(ATM_LIJ_NJ, 0x42);
  f.lsr(0x42, 17);
  const Message a = f.peer.expect(MessageType::kAddParty);
  EXPECT_EQ(a.cref.value, cref);
  ASSERT_NE(a.find<q2931::LeafSequenceNumber>(), nullptr);
  EXPECT_EQ(a.find<q2931::LeafSequenceNumber>()->value, 17u);
  ASSERT_NE(a.find<q2931::CalledPartyNumber>(), nullptr);
  EXPECT_EQ(a.find<q2931::CalledPartyNumber>()->address[18], 8);
  const auto ep = ep_of(a).value_or(0);
  f.peer_sends(MessageType::kAddPartyAcknowledge, cref, true, {epref(ep, true)});
  EXPECT_EQ(f.pstate(cref, ep), PartyState::kActive);
  EXPECT_TRUE(f.take().empty());  // the kernel never asked: nothing to tell
}

TEST(Lij, RootNotificationOrUnknownCall_LeafSetupFailure) {
  LijRoot f(Side::kNetwork);
  f.root(ATM_LIJ_RPJ, 0x42);
  f.lsr(0x42, 17);
  Message fail = f.peer.expect(MessageType::kLeafSetupFailure);
  EXPECT_EQ(fail.cref.value, 50u);
  EXPECT_TRUE(fail.cref.flag);
  EXPECT_EQ(cause_of(fail), cause::kServiceUnavailable);
  EXPECT_EQ(fail.find<q2931::LeafSequenceNumber>()->value, 17u);
  f.lsr(0x99, 18);
  fail = f.peer.expect(MessageType::kLeafSetupFailure);
  EXPECT_EQ(cause_of(fail), cause::kNoRouteToDestination);
}

TEST(Lij, RootUser_CannotBeNotified_LeafSetupFailure) {
  LijRoot f(Side::kUser);
  f.root(ATM_LIJ_RPJ, 5);
  f.lsr(5, 1);
  const Message fail = f.peer.expect(MessageType::kLeafSetupFailure);
  EXPECT_EQ(cause_of(fail), cause::kServiceUnavailable);
}

// --- two Unis back to back ---------------------------------------------------

TEST(Q2971BackToBack, ThreeLeaves_OneRejects_OneDropped_OneHangsUp_RootCloses) {
  UniEnd root(params(Side::kUser));
  UniEnd net(params(Side::kNetwork));
  Link link(root, net);
  root.start(link.now);
  net.start(link.now);
  link.advance(100ms);
  auto req = [&](UniEnd& e, const atmsvc::CcRequest& r) {
    e.request(r, link.now);
    link.pump();
  };
  auto take = [](UniEnd& e) { return std::exchange(e.events, {}); };
  // The root's call to the first leaf (address 1 behind the network demon).
  req(root, p2mp_connect(1, 1));
  auto inc = events_of<CcIncoming>(take(net));
  ASSERT_EQ(inc.size(), 1u);
  req(net, CcAccept{inc[0].call, 101});
  link.advance(10ms);
  ASSERT_EQ(events_of<CcEstablished>(take(root)).size(), 1u);
  ASSERT_EQ(events_of<CcEstablished>(take(net)).size(), 1u);
  // Three more leaves: addresses 2, 3 and 4.
  std::vector<CcIncoming> offered;
  for (std::uint8_t to : {2, 3, 4}) {
    req(root, CcAddParty{1, nsap(to)});
    auto i = events_of<CcIncoming>(take(net));
    ASSERT_EQ(i.size(), 1u);
    EXPECT_EQ(i[0].called.sas_addr.prv[18], to);
    offered.push_back(i[0]);
  }
  EXPECT_EQ(net.uni.vcis_in_use(), 4u);  // one VC per leaf toward its kernel
  // Leaf 2 rejects; 3 and 4 accept.
  req(net, CcReject{offered[0].call, RejectReason::kKernelRejected, -EBUSY});
  req(net, CcAccept{offered[1].call, 103});
  req(net, CcAccept{offered[2].call, 104});
  link.advance(10ms);
  auto results = events_of<CcAddPartyResult>(take(root));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_LT(results[0].reply, 0);  // the rejected one
  EXPECT_EQ(results[1].reply, 2);
  EXPECT_EQ(results[2].reply, 3);
  EXPECT_EQ(events_of<CcEstablished>(take(net)).size(), 2u);
  // The root drops leaf 3 (endpoint reference 2).
  req(root, CcDropParty{1, 2});
  link.advance(10ms);
  auto dr = events_of<CcDropPartyResult>(take(root));
  ASSERT_EQ(dr.size(), 1u);
  EXPECT_EQ(dr[0].reply, 0);
  auto gone = events_of<CcReleased>(take(net));
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].sock, 103u);
  // Leaf 4 hangs up: the root's kernel hears nothing.
  req(net, CcRelease{104});
  link.advance(10ms);
  EXPECT_TRUE(take(root).empty());
  EXPECT_EQ(net.uni.vcis_in_use(), 1u);
  // The root closes: the first leaf's socket is closed, everything is gone.
  req(root, CcRelease{1});
  link.advance(10ms);
  gone = events_of<CcReleased>(take(net));
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].sock, 101u);
  EXPECT_EQ(root.uni.call_count(), 0u);
  EXPECT_EQ(net.uni.call_count(), 0u);
  EXPECT_EQ(net.uni.vcis_in_use(), 0u);
}

}  // namespace
}  // namespace atmsigd::callctl::test
