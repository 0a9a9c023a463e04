// Switch mode (-m switch): the network side of the UNI whose connection
// identifiers come from the user of signaling (a switch controller), not from
// the demon. Against a scripted user and back to back against a user-side Uni,
// in virtual time.
#include <gtest/gtest.h>

#include <cerrno>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

using atmsvc::CcIdentify;

struct Switch : Fixture {
  explicit Switch(UniParams p = switch_params()) : Fixture(p, p.version) {}

  // The user calls: SETUP; the switch answers nothing until identified.
  CcIncoming incoming(std::uint32_t cref = 9) {
    send(network_setup(cref, 0, peer.version, false));
    EXPECT_TRUE(peer.inbox.empty()) << "switch mode answered SETUP before as_identify";
    auto inc = events_of<CcIncoming>(take());
    EXPECT_EQ(inc.size(), 1u);
    return inc.empty() ? CcIncoming{} : inc[0];
  }
};

TEST(SwitchOutgoing, ConnectWithPvc_SetupCarriesThatCiAndTheGivenCallingParty) {
  Switch s;
  CcConnect c = connect_req(1);
  c.pvc = pvc(3, 1234);
  c.local = nsap(0x42);  // not one of the demon's addresses
  s.req(c);
  const Message setup = s.peer.expect(MessageType::kSetup);
  const auto* ci = setup.find<q2931::ConnectionIdentifier>();
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->vpci, 3);
  EXPECT_EQ(ci->vci, 1234);
  const auto* cg = setup.find<q2931::CallingPartyNumber>();
  ASSERT_NE(cg, nullptr);
  ASSERT_EQ(cg->address.size(), 20u);
  EXPECT_EQ(cg->address[18], 0x42);
  EXPECT_EQ(s.uni().vcis_in_use(), 0u);  // nothing allocated from the pool
  s.send([&] {
    Message m = msg(MessageType::kConnect, setup.cref.value, true);
    return m;
  }());
  s.peer.expect(MessageType::kConnectAcknowledge);
  auto est = events_of<CcEstablished>(s.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].pvc.sap_addr.vpi, 3);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 1234);
}

TEST(SwitchOutgoing, ConnectWithoutPvc_RefusedEinvalNothingSent) {
  Switch s;
  s.req(connect_req(1));  // pvc.sap_family 0
  auto rel = events_of<CcReleased>(s.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 1u);
  EXPECT_EQ(rel[0].err, -EINVAL);
  EXPECT_TRUE(s.peer.inbox.empty());
  EXPECT_EQ(s.uni().call_count(), 0u);
}

TEST(SwitchOutgoing, ConnectWithACiInUse_RefusedEaddrinuse) {
  Switch s;
  CcConnect c = connect_req(1);
  c.pvc = pvc(0, 100);
  s.req(c);
  s.peer.expect(MessageType::kSetup);
  c.sock = 2;
  s.req(c);
  auto rel = events_of<CcReleased>(s.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 2u);
  EXPECT_EQ(rel[0].err, -EADDRINUSE);
  EXPECT_TRUE(s.peer.inbox.empty());
}

TEST(SwitchIncoming, IdentifyGivesCallProceedingWithThatCi_AcceptGivesConnect) {
  Switch s;
  const CcIncoming inc = s.incoming();
  EXPECT_EQ(s.uni().state_of_call(inc.call), CallState::kCallInitiated);
  s.req(CcIdentify{inc.call, 77, pvc(1, 555)});
  const Message cp = s.peer.expect(MessageType::kCallProceeding);
  const auto* ci = cp.find<q2931::ConnectionIdentifier>();
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->vpci, 1);
  EXPECT_EQ(ci->vci, 555);
  EXPECT_EQ(s.uni().state_of_call(inc.call), CallState::kOutgoingCallProceeding);
  s.req(CcAccept{inc.call, 5});
  s.peer.expect(MessageType::kConnect);
  auto est = events_of<CcEstablished>(s.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 5u);
  EXPECT_EQ(est[0].pvc.sap_addr.vpi, 1);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 555);
  EXPECT_EQ(s.uni().vcis_in_use(), 0u);
}

TEST(SwitchIncoming, AcceptWithoutIdentify_EinvalAndReleaseCause45) {
  Switch s;
  const CcIncoming inc = s.incoming();
  s.req(CcAccept{inc.call, 5});
  auto rel = events_of<CcReleased>(s.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 5u);
  EXPECT_EQ(rel[0].err, -EINVAL);
  const Message r = s.peer.expect(MessageType::kRelease);
  EXPECT_EQ(cause_of(r), 45);
  s.send(msg(MessageType::kReleaseComplete, r.cref.value, false));
  EXPECT_EQ(s.uni().call_count(), 0u);
}

TEST(SwitchIncoming, IdentifyWithoutPvc_ReleaseCompleteCause45AndIncomingGone) {
  Switch s;
  const CcIncoming inc = s.incoming();
  s.req(CcIdentify{inc.call, 77, {}});
  const Message rc = s.peer.expect(MessageType::kReleaseComplete);
  EXPECT_EQ(cause_of(rc), 45);
  auto gone = events_of<CcIncomingGone>(s.take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].call, inc.call);
  EXPECT_EQ(s.uni().call_count(), 0u);
}

TEST(SwitchIncoming, RejectAfterIdentify_Release) {
  Switch s;
  const CcIncoming inc = s.incoming();
  s.req(CcIdentify{inc.call, 77, pvc(0, 40)});
  s.peer.expect(MessageType::kCallProceeding);
  s.req(CcReject{inc.call, RejectReason::kKernelRejected, -EBUSY});
  const Message r = s.peer.expect(MessageType::kRelease);
  s.send(msg(MessageType::kReleaseComplete, r.cref.value, false));
  EXPECT_EQ(s.uni().call_count(), 0u);
}

TEST(SwitchIncoming, IdentifyInNetworkMode_IgnoredCallProceedingAlreadySent) {
  UniParams p = UniParams::defaults(Side::kNetwork, Version::kUni30);
  Fixture f(p, p.version);
  f.send(network_setup(9, 0, f.peer.version, false));
  f.peer.expect(MessageType::kCallProceeding);
  auto inc = events_of<CcIncoming>(f.take());
  ASSERT_EQ(inc.size(), 1u);
  f.req(CcIdentify{inc[0].call, 77, pvc(0, 40)});
  EXPECT_TRUE(f.peer.inbox.empty());
  f.req(CcAccept{inc[0].call, 5});
  f.peer.expect(MessageType::kConnect);
  EXPECT_EQ(events_of<CcEstablished>(f.take()).at(0).pvc.sap_addr.vci, 32);
}

// --- back to back: a switch-mode Uni against a user-side Uni -----------------

// `net` is the switch-mode end.
struct SwitchB2B : UniPair {
  SwitchB2B() : UniPair(UniParams::defaults(Side::kUser, Version::kUni30), switch_params()) {}
};

TEST(SwitchBackToBack, UserCallsSwitch_IdentifyAcceptRelease_BothSeeTheControllersCi) {
  SwitchB2B t;
  t.req(t.user, connect_req(1));
  auto inc = events_of<CcIncoming>(SwitchB2B::take(t.net));
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(t.user.uni.state_of_sock(1), CallState::kCallInitiated);  // no CALL PROC yet
  t.req(t.net, CcIdentify{inc[0].call, 50, pvc(0, 321)});
  EXPECT_EQ(t.user.uni.state_of_sock(1), CallState::kOutgoingCallProceeding);
  t.req(t.net, CcAccept{inc[0].call, 101});
  t.link.advance(10ms);
  auto a = events_of<CcEstablished>(SwitchB2B::take(t.user));
  auto b = events_of<CcEstablished>(SwitchB2B::take(t.net));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].pvc.sap_addr.vci, 321);
  EXPECT_EQ(b[0].pvc.sap_addr.vci, 321);
  t.req(t.user, CcRelease{1});
  auto rel = events_of<CcReleased>(SwitchB2B::take(t.net));
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 101u);
  EXPECT_EQ(t.user.uni.call_count(), 0u);
  EXPECT_EQ(t.net.uni.call_count(), 0u);
}

TEST(SwitchBackToBack, SwitchCallsUser_WithPvc_UserGetsThatCi) {
  SwitchB2B t;
  CcConnect c = connect_req(7);
  c.pvc = pvc(0, 4000);
  c.local = nsap(0x33);
  t.req(t.net, c);
  auto inc = events_of<CcIncoming>(SwitchB2B::take(t.user));
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].pvc.sap_addr.vci, 4000);
  EXPECT_EQ(inc[0].calling.sas_addr.prv[18], 0x33);
  t.req(t.user, CcAccept{inc[0].call, 201});
  t.link.advance(10ms);
  EXPECT_EQ(events_of<CcEstablished>(SwitchB2B::take(t.net)).at(0).pvc.sap_addr.vci, 4000);
  EXPECT_EQ(events_of<CcEstablished>(SwitchB2B::take(t.user)).at(0).pvc.sap_addr.vci, 4000);
  t.req(t.user, CcRelease{201});
  EXPECT_EQ(events_of<CcReleased>(SwitchB2B::take(t.net)).at(0).err, 0);
  EXPECT_EQ(t.user.uni.call_count(), 0u);
  EXPECT_EQ(t.net.uni.call_count(), 0u);
}

TEST(SwitchBackToBack, AcceptWithoutIdentify_CallerReleasedCause45) {
  SwitchB2B t;
  t.req(t.user, connect_req(1));
  auto inc = events_of<CcIncoming>(SwitchB2B::take(t.net));
  ASSERT_EQ(inc.size(), 1u);
  t.req(t.net, CcAccept{inc[0].call, 101});
  t.link.advance(10ms);
  EXPECT_EQ(events_of<CcReleased>(SwitchB2B::take(t.net)).at(0).err, -EINVAL);
  auto rel = events_of<CcReleased>(SwitchB2B::take(t.user));
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 1u);
  EXPECT_LT(rel[0].err, 0);
  EXPECT_EQ(t.user.uni.call_count(), 0u);
  EXPECT_EQ(t.net.uni.call_count(), 0u);
}

}  // namespace
}  // namespace atmsigd::callctl::test
