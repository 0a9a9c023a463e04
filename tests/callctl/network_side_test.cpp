// Network side (Q.2931 Call-Control-N) against a scripted user, in virtual time.
// The demon terminates the calls and assigns VPCI/VCI (the original's -m network).
#include <gtest/gtest.h>

#include <cerrno>
#include <set>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

struct Net : Fixture {
  explicit Net(Version v = Version::kUni30) : Fixture(Side::kNetwork, v) {}
  explicit Net(UniParams p) : Fixture(p, p.version) {}

  // CcConnect -> SETUP (with connection identifier) seen by the user.
  Message place(atmsvc::SockId sock = 1) {
    req(connect_req(sock));
    return peer.expect(MessageType::kSetup);
  }
  void user(MessageType t, std::uint32_t cref, bool flag, std::vector<q2931::Ie> ies = {}) {
    Message m = msg(t, cref, flag);
    m.ies = std::move(ies);
    send(m);
  }
  // The user calls: SETUP -> CALL PROCEEDING; returns the CcIncoming.
  CcIncoming incoming(std::uint32_t cref = 9) {
    send(network_setup(cref, 0, peer.version, false));
    const Message cp = peer.expect(MessageType::kCallProceeding);
    EXPECT_TRUE(cp.cref.flag);
    auto inc = events_of<CcIncoming>(take());
    EXPECT_EQ(inc.size(), 1u);
    return inc.empty() ? CcIncoming{} : inc[0];
  }
};

// --- outgoing: N0 -> N6 -> N9/N7 -> N10 ------------------------------------------

TEST(NetworkN0Null, ConnectRequest_SetupWithConnectionIdentifierVci32) {
  Net n;
  const Message s = n.place();
  const auto* ci = s.find<q2931::ConnectionIdentifier>();
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->vpci, 0);
  EXPECT_EQ(ci->vci, 32);
  EXPECT_EQ(ci->vp_associated, 1);
  EXPECT_EQ(ci->exclusivity, 0);
  EXPECT_EQ(n.uni().state_of_sock(1), CallState::kCallPresent);
  EXPECT_EQ(n.uni().vcis_in_use(), 1u);
}

TEST(NetworkN6CallPresent, CallProceedingThenConnect_ConnectAckAndEstablished) {
  Net n;
  const Message s = n.place();
  n.user(MessageType::kCallProceeding, s.cref.value, true);
  EXPECT_EQ(n.uni().state_of_sock(1), CallState::kIncomingCallProceeding);
  n.user(MessageType::kConnect, s.cref.value, true);
  n.peer.expect(MessageType::kConnectAcknowledge);
  auto est = events_of<CcEstablished>(n.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 32);
  EXPECT_EQ(n.uni().state_of_sock(1), CallState::kActive);
}

TEST(NetworkN6CallPresent, T303ExpiryTwice_ReleaseCompleteCause102AndVciFreed) {
  Net n;
  n.place();
  n.advance(8s);
  n.peer.expect(MessageType::kSetup);
  EXPECT_EQ(cause_of(n.peer.expect(MessageType::kReleaseComplete)), 102);
  EXPECT_EQ(events_of<CcReleased>(n.take()).at(0).err, -ETIMEDOUT);
  EXPECT_EQ(n.uni().call_count(), 0u);
  EXPECT_EQ(n.uni().vcis_in_use(), 0u);
}

TEST(NetworkN6CallPresent, Alerting_N7ThenConnect) {
  Net n;
  const Message s = n.place();
  n.user(MessageType::kAlerting, s.cref.value, true);
  EXPECT_EQ(n.uni().state_of_sock(1), CallState::kCallReceived);
  n.user(MessageType::kConnect, s.cref.value, true);
  EXPECT_EQ(events_of<CcEstablished>(n.take()).size(), 1u);
}

TEST(NetworkN6CallPresent, ReleaseCompleteCause88_Econnrefused) {
  Net n;
  const Message s = n.place();
  n.user(MessageType::kReleaseComplete, s.cref.value, true, {cause_ie(88)});
  EXPECT_EQ(events_of<CcReleased>(n.take()).at(0).err, -ECONNREFUSED);
  EXPECT_EQ(n.uni().vcis_in_use(), 0u);
}

TEST(NetworkN9IncomingCallProceeding, T310Expiry_ReleaseCause102) {
  Net n;
  const Message s = n.place();
  n.user(MessageType::kCallProceeding, s.cref.value, true);
  n.advance(10s);
  EXPECT_EQ(cause_of(n.peer.expect(MessageType::kRelease)), 102);
  EXPECT_EQ(events_of<CcReleased>(n.take()).at(0).err, -ETIMEDOUT);
  n.user(MessageType::kReleaseComplete, s.cref.value, true);
  EXPECT_EQ(n.uni().call_count(), 0u);
}

TEST(NetworkN7CallReceived, T301Expiry_Uni40) {
  Net n(Version::kUni40);
  const Message s = n.place();
  n.user(MessageType::kAlerting, s.cref.value, true);
  n.advance(180s);
  EXPECT_EQ(cause_of(n.peer.expect(MessageType::kRelease)), 102);
}

// --- incoming: N1 -> N3 -> N10 ------------------------------------------------------

TEST(NetworkN1CallInitiated, Setup_CallProceedingWithOurVciAndOffer) {
  Net n;
  n.send(network_setup(9, 0, Version::kUni30, false));
  const Message cp = n.peer.expect(MessageType::kCallProceeding);
  const auto* ci = cp.find<q2931::ConnectionIdentifier>();
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->vci, 32);
  auto inc = events_of<CcIncoming>(n.take());
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].pvc.sap_addr.vci, 32);
  EXPECT_EQ(n.uni().state_of_call(inc[0].call), CallState::kOutgoingCallProceeding);
}

TEST(NetworkN3OutgoingCallProceeding, Accept_ConnectAndEstablishedAtOnce) {
  Net n;
  const auto inc = n.incoming(9);
  n.req(CcAccept{inc.call, 4});
  const Message c = n.peer.expect(MessageType::kConnect);
  EXPECT_NE(c.find<q2931::AalParameters>(), nullptr);
  auto est = events_of<CcEstablished>(n.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 4u);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 32);
  EXPECT_EQ(n.uni().state_of_sock(4), CallState::kActive);
  n.user(MessageType::kConnectAcknowledge, 9, false);
  EXPECT_TRUE(n.peer.inbox.empty());  // expected in N10
}

TEST(NetworkN3OutgoingCallProceeding, Reject_ReleaseCause21ThenN12) {
  Net n;
  const auto inc = n.incoming(9);
  n.req(CcReject{inc.call, RejectReason::kKernelRejected, 0});
  EXPECT_EQ(cause_of(n.peer.expect(MessageType::kRelease)), 21);
  EXPECT_EQ(n.uni().state_of_call(inc.call), CallState::kReleaseIndication);
  n.user(MessageType::kReleaseComplete, 9, false);
  EXPECT_EQ(n.uni().call_count(), 0u);
  EXPECT_EQ(n.uni().vcis_in_use(), 0u);
}

TEST(NetworkN3OutgoingCallProceeding, CallerReleases_IncomingGone) {
  Net n;
  const auto inc = n.incoming(9);
  n.user(MessageType::kRelease, 9, false, {cause_ie(16)});
  n.peer.expect(MessageType::kReleaseComplete);
  auto gone = events_of<CcIncomingGone>(n.take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].call, inc.call);
}

TEST(NetworkN12ReleaseIndication, T308Twice_CallReferenceReleased) {
  Net n;
  const auto inc = n.incoming(9);
  n.req(CcAccept{inc.call, 4});
  n.take();
  n.req(CcRelease{4});
  n.peer.expect(MessageType::kConnect);
  n.peer.expect(MessageType::kRelease);
  n.advance(30s);
  n.peer.expect(MessageType::kRelease);
  n.advance(30s);
  EXPECT_EQ(n.uni().call_count(), 0u);
  EXPECT_EQ(n.uni().vcis_in_use(), 0u);
}

TEST(NetworkN10Active, StatusEnquiry_StatusN10) {
  Net n;
  const auto inc = n.incoming(9);
  n.req(CcAccept{inc.call, 4});
  n.peer.expect(MessageType::kConnect);
  n.user(MessageType::kStatusEnquiry, 9, false);
  const Message st = n.peer.expect(MessageType::kStatus);
  EXPECT_EQ(state_of(st), 10);
  EXPECT_TRUE(st.cref.flag);
}

// --- VPCI/VCI allocation --------------------------------------------------------------

TEST(NetworkVciAllocation, NoReuseWhileInUse_FifoAfterRelease) {
  Net n;
  std::set<int> vcis;
  for (atmsvc::SockId s = 1; s <= 20; ++s) {
    const Message setup = n.place(s);
    vcis.insert(setup.find<q2931::ConnectionIdentifier>()->vci);
  }
  EXPECT_EQ(vcis.size(), 20u);
  EXPECT_EQ(*vcis.begin(), 32);
  EXPECT_EQ(*vcis.rbegin(), 51);
  EXPECT_EQ(n.uni().vcis_in_use(), 20u);
}

TEST(NetworkVciAllocation, Exhausted_SetupRefusedCause45AndConnectEagain) {
  UniParams p = UniParams::defaults(Side::kNetwork, Version::kUni30);
  p.vc_ranges = {VcRange{0, 0, 32, 33}};
  Net n(p);
  n.place(1);
  n.place(2);
  n.req(connect_req(3));
  EXPECT_EQ(events_of<CcReleased>(n.take()).at(0).err, -EAGAIN);
  n.send(network_setup(9, 0, Version::kUni30, false));
  EXPECT_EQ(cause_of(n.peer.expect(MessageType::kReleaseComplete)), 45);
}

TEST(NetworkVciAllocation, ReleasedVciReusedOnlyAfterFreshOnes) {
  UniParams p = UniParams::defaults(Side::kNetwork, Version::kUni30);
  p.vc_ranges = {VcRange{0, 0, 32, 34}};
  Net n(p);
  const Message a = n.place(1);
  n.user(MessageType::kReleaseComplete, a.cref.value, true, {cause_ie(17)});
  EXPECT_EQ(n.place(2).find<q2931::ConnectionIdentifier>()->vci, 33);
  EXPECT_EQ(n.place(3).find<q2931::ConnectionIdentifier>()->vci, 34);
  EXPECT_EQ(n.place(4).find<q2931::ConnectionIdentifier>()->vci, 32);
}

TEST(NetworkVciAllocation, SeveralRanges_InOrder_ThenCause45_ThenReuse) {
  UniParams p = UniParams::defaults(Side::kNetwork, Version::kUni30);
  p.vc_ranges = {VcRange{3, 4, 100, 100}, VcRange{0, 0, 32, 32}};
  Net n(p);
  std::vector<std::pair<int, int>> got;
  std::vector<std::uint32_t> crefs;
  for (atmsvc::SockId s = 1; s <= 3; ++s) {
    const Message setup = n.place(s);
    const auto* ci = setup.find<q2931::ConnectionIdentifier>();
    ASSERT_NE(ci, nullptr);
    got.emplace_back(ci->vpci, ci->vci);
    crefs.push_back(setup.cref.value);
  }
  EXPECT_EQ(got, (std::vector<std::pair<int, int>>{{3, 100}, {4, 100}, {0, 32}}));
  // Exhausted: an incoming SETUP gets RELEASE COMPLETE cause 45 at once.
  n.send(network_setup(9, 0, Version::kUni30, false));
  EXPECT_EQ(cause_of(n.peer.expect(MessageType::kReleaseComplete)), 45);
  EXPECT_EQ(n.uni().call_count(), 3u);
  // One back: the next call (incoming this time) gets it in CALL PROCEEDING.
  n.user(MessageType::kReleaseComplete, crefs[1], true, {cause_ie(17)});
  EXPECT_EQ(n.uni().vcis_in_use(), 2u);
  n.send(network_setup(10, 0, Version::kUni30, false));
  const Message cp = n.peer.expect(MessageType::kCallProceeding);
  const auto* ci = cp.find<q2931::ConnectionIdentifier>();
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->vpci, 4);
  EXPECT_EQ(ci->vci, 100);
}

TEST(NetworkVpciMapping, VpciMapsToInterfaceAndVpi) {
  UniParams p = UniParams::defaults(Side::kNetwork, Version::kUni30);
  p.vc_ranges = {VcRange{5, 5, 32, 65535}};
  p.vpci_map = {{0, 1}, {4, 2}};
  Net n(p);
  const Message s = n.place(1);
  n.user(MessageType::kConnect, s.cref.value, true);
  auto est = events_of<CcEstablished>(n.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].pvc.sap_addr.itf, 2);
  EXPECT_EQ(est[0].pvc.sap_addr.vpi, 1);
}

}  // namespace
}  // namespace atmsigd::callctl::test
