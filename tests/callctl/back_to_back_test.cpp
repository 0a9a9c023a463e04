// A user-side and a network-side Uni joined through their SSCOP PDUs (an
// in-memory link, virtual time): calls placed, accepted, rejected and released
// from either end, timers, link outages, RESTART, many calls. Both ends must
// come back to call_count() == 0.
#include <gtest/gtest.h>

#include <cerrno>
#include <set>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

TEST(BackToBack, LinkComesUp) {
  UniPair t;
  EXPECT_TRUE(t.user.uni.link_up());
  EXPECT_TRUE(t.net.uni.link_up());
}

TEST(BackToBack, UserCallsNetwork_AcceptedWithConsistentVciAndQos_ReleasedByCaller) {
  UniPair t;
  auto [a, b] = t.call(t.user, 1, t.net, 101);
  EXPECT_EQ(a.pvc.sap_addr.vci, 32);
  EXPECT_EQ(b.pvc.sap_addr.vci, 32);
  EXPECT_EQ(a.qos.txtp.traffic_class, ATM_UBR);
  EXPECT_EQ(a.qos.txtp.max_sdu, b.qos.rxtp.max_sdu);
  EXPECT_EQ(a.qos.rxtp.max_sdu, b.qos.txtp.max_sdu);
  EXPECT_EQ(b.qos.rxtp.max_pcr, 353207);  // what the caller signalled (ATM_MAX_PCR)
  t.req(t.user, CcRelease{1});
  auto rel = events_of<CcReleased>(UniPair::take(t.net));
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 101u);
  EXPECT_EQ(rel[0].err, 0);
  t.expect_idle();
}

TEST(BackToBack, NetworkCallsUser_ReleasedByCallee) {
  UniPair t;
  auto [a, b] = t.call(t.net, 7, t.user, 201);
  EXPECT_EQ(a.pvc.sap_addr.vci, b.pvc.sap_addr.vci);
  t.req(t.user, CcRelease{201});
  auto rel = events_of<CcReleased>(UniPair::take(t.net));
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 7u);
  EXPECT_EQ(rel[0].err, 0);
  t.expect_idle();
}

// The network side's ranges (atmsigd.conf vc_range) exhausted: the next SETUP
// is refused at once with RELEASE COMPLETE cause 45 (no VPCI/VCI available),
// the caller's kernel gets -ECONNREFUSED (the original's errno for it); after
// a release the next call succeeds on the identifier given back.
TEST(BackToBack, RangesExhausted_SetupRefusedCause45_CallerEconnrefused_ThenReused) {
  auto np = UniParams::defaults(Side::kNetwork, Version::kUni30);
  np.vc_ranges = {VcRange{1, 1, 32, 33}, VcRange{2, 2, 40, 40}};  // three VCs
  UniPair t(UniParams::defaults(Side::kUser, Version::kUni30), np);
  std::vector<std::pair<int, int>> vcs;
  for (atmsvc::SockId s = 1; s <= 3; ++s) {
    auto [a, b] = t.call(t.user, s, t.net, 100 + s);
    EXPECT_EQ(a.pvc.sap_addr.vpi, b.pvc.sap_addr.vpi);
    EXPECT_EQ(a.pvc.sap_addr.vci, b.pvc.sap_addr.vci);
    vcs.emplace_back(a.pvc.sap_addr.vpi, a.pvc.sap_addr.vci);
  }
  EXPECT_EQ(vcs, (std::vector<std::pair<int, int>>{{1, 32}, {1, 33}, {2, 40}}));
  EXPECT_EQ(t.net.uni.vcis_in_use(), 3u);

  // The fourth: refused before T303 could run, nothing offered to the called side.
  const TimePoint asked = t.link.now;
  t.req(t.user, connect_req(4));
  const auto rel = events_of<CcReleased>(UniPair::take(t.user));
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 4u);
  EXPECT_EQ(rel[0].err, -ECONNREFUSED);
  EXPECT_EQ(t.link.now, asked);
  EXPECT_TRUE(events_of<CcIncoming>(UniPair::take(t.net)).empty());
  std::size_t failed45 = 0;
  for (const auto& e : t.user.logs)
    if (e.id == log::Id::kCallFailed &&
        log::format(e).find("cause 45 (no VPCI/VCI available)") != std::string::npos)
      ++failed45;
  EXPECT_EQ(failed45, 1u);
  EXPECT_EQ(t.user.uni.call_count(), 3u);
  EXPECT_EQ(t.net.uni.call_count(), 3u);

  // One released: the next call gets exactly that VC.
  t.req(t.user, CcRelease{2});
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, 0);
  auto [a, b] = t.call(t.user, 5, t.net, 105);
  EXPECT_EQ(a.pvc.sap_addr.vpi, 1);
  EXPECT_EQ(a.pvc.sap_addr.vci, 33);
  EXPECT_EQ(b.pvc.sap_addr.vci, 33);
  for (atmsvc::SockId s : {1, 3, 5}) t.req(t.user, CcRelease{s});
  t.link.advance(100ms);
  t.expect_idle();
}

TEST(BackToBack, Uni31AndUni40_CallAndRelease) {
  for (Version v : {Version::kUni31, Version::kUni40}) {
    UniPair t(v);
    t.call(t.user, 1, t.net, 101);
    t.req(t.net, CcRelease{101});
    EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.user)).at(0).err, 0);
    t.expect_idle();
  }
}

TEST(BackToBack, AbrCallUni40_CalleeSeesAbrWithMcr) {
  UniPair t(Version::kUni40);
  struct atm_qos q = ubr();
  q.txtp.traffic_class = ATM_ABR;
  q.rxtp.traffic_class = ATM_ABR;
  q.txtp.max_pcr = 20000;
  q.txtp.min_pcr = 500;
  q.rxtp.max_pcr = 10000;
  t.req(t.user, connect_req(1, 1, q));
  auto inc = events_of<CcIncoming>(UniPair::take(t.net));
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].qos.rxtp.traffic_class, ATM_ABR);
  EXPECT_EQ(inc[0].qos.rxtp.max_pcr, 20000);
  EXPECT_EQ(inc[0].qos.rxtp.min_pcr, 500);
  EXPECT_EQ(inc[0].qos.txtp.max_pcr, 10000);
  t.req(t.net, CcAccept{inc[0].call, 101});
  EXPECT_EQ(events_of<CcEstablished>(UniPair::take(t.user)).at(0).qos.txtp.traffic_class, ATM_ABR);
  t.req(t.user, CcRelease{1});
  t.expect_idle();
}

TEST(BackToBack, RejectedByTheKernel_CallerGetsEconnrefused) {
  UniPair t;
  t.req(t.user, connect_req(1));
  auto inc = events_of<CcIncoming>(UniPair::take(t.net));
  ASSERT_EQ(inc.size(), 1u);
  t.req(t.net, CcReject{inc[0].call, RejectReason::kKernelRejected, 0});
  auto rel = events_of<CcReleased>(UniPair::take(t.user));
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -ECONNREFUSED);
  t.expect_idle();
}

TEST(BackToBack, NobodyListens_CallerGetsEconnrefused) {
  UniPair t;
  t.req(t.net, connect_req(1));
  auto inc = events_of<CcIncoming>(UniPair::take(t.user));
  ASSERT_EQ(inc.size(), 1u);
  t.req(t.user, CcReject{inc[0].call, RejectReason::kNoListener, 0});
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, -ECONNREFUSED);
  t.expect_idle();
}

TEST(BackToBack, BusyCallee_CallerGetsEconnrefusedCause17) {
  UniPair t;
  t.req(t.net, connect_req(1));
  auto inc = events_of<CcIncoming>(UniPair::take(t.user));
  ASSERT_EQ(inc.size(), 1u);
  t.req(t.user, CcReject{inc[0].call, RejectReason::kKernelRejected, -EBUSY});
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, -ECONNREFUSED);
  t.expect_idle();
}

TEST(BackToBack, CallerGivesUpBeforeAnswer_CalleeGetsIncomingGone) {
  UniPair t;
  t.req(t.user, connect_req(1));
  auto inc = events_of<CcIncoming>(UniPair::take(t.net));
  ASSERT_EQ(inc.size(), 1u);
  t.req(t.user, CcRelease{1});
  auto gone = events_of<CcIncomingGone>(UniPair::take(t.net));
  ASSERT_EQ(gone.size(), 1u);
  t.req(t.net, CcAccept{inc[0].call, 101});
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, -ECONNABORTED);
  t.expect_idle();
}

TEST(BackToBack, UserCalleeNeverAnswers_T303TwiceEtimedoutAndGone) {
  UniPair t;
  t.req(t.net, connect_req(1));
  EXPECT_EQ(events_of<CcIncoming>(UniPair::take(t.user)).size(), 1u);
  t.link.advance(8s);
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, -ETIMEDOUT);
  EXPECT_EQ(events_of<CcIncomingGone>(UniPair::take(t.user)).size(), 1u);
  t.expect_idle();
}

TEST(BackToBack, NetworkCalleeNeverAnswers_T310EtimedoutAndGone) {
  UniPair t;
  t.req(t.user, connect_req(1));
  EXPECT_EQ(events_of<CcIncoming>(UniPair::take(t.net)).size(), 1u);
  t.link.advance(10s);
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.user)).at(0).err, -ETIMEDOUT);
  EXPECT_EQ(events_of<CcIncomingGone>(UniPair::take(t.net)).size(), 1u);
  t.expect_idle();
}

TEST(BackToBack, PeerSilent_LinkNeverUp_ConnectFailsAfterT303) {
  UniEnd user(UniParams::defaults(Side::kUser, Version::kUni30));
  RawEnd dead(Version::kUni30);
  Link link(user, dead);
  link.up = false;
  user.start(link.now);
  user.request(connect_req(1), link.now);
  link.advance(8s);
  auto rel = events_of<CcReleased>(user.events);
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_TRUE(rel[0].err == -ETIMEDOUT || rel[0].err == -ENETRESET) << rel[0].err;
  EXPECT_EQ(user.uni.call_count(), 0u);
}

TEST(BackToBack, ShortLinkOutageDuringCall_CallSurvivesStatusEnquiryBothSides) {
  UniPair t;
  t.call(t.user, 1, t.net, 101);
  t.link.up = false;
  t.link.advance(8s);
  EXPECT_TRUE(t.user.uni.t309_running());
  EXPECT_TRUE(t.net.uni.t309_running());
  t.link.up = true;
  t.link.advance(20s);
  EXPECT_TRUE(t.user.uni.link_up());
  EXPECT_TRUE(t.user.events.empty());
  EXPECT_TRUE(t.net.events.empty());
  EXPECT_EQ(t.user.uni.state_of_sock(1), CallState::kActive);
  EXPECT_EQ(t.net.uni.state_of_sock(101), CallState::kActive);
  EXPECT_GE(t.user.uni.stats().messages_out, 4u);
  t.req(t.user, CcRelease{1});
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, 0);
  t.expect_idle();
}

TEST(BackToBack, LongLinkOutage_T309ClearsBothSidesEnetreset) {
  UniPair t;
  t.call(t.user, 1, t.net, 101);
  t.link.up = false;
  t.link.advance(30s);
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.user)).at(0).err, -ENETRESET);
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, -ENETRESET);
  t.link.up = true;
  t.link.advance(5s);
  EXPECT_TRUE(t.user.uni.link_up());
  t.expect_idle();
  t.call(t.user, 2, t.net, 102);  // and calls work again
}

TEST(BackToBack, OutageDuringSetup_ClearedAtOnce) {
  UniPair t;
  t.req(t.user, connect_req(1));
  UniPair::take(t.net);
  t.link.up = false;
  t.link.advance(8s);
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.user)).at(0).err, -ENETRESET);
  auto ev = UniPair::take(t.net);
  EXPECT_EQ(events_of<CcIncomingGone>(ev).size(), 1u);
  t.expect_idle();
}

TEST(BackToBack, Restart_ClearsEverythingOnBothSides) {
  UniPair t;
  t.call(t.user, 1, t.net, 101);
  t.call(t.net, 2, t.user, 102);
  t.net.restart(std::nullopt, t.link.now);
  t.link.advance(10ms);
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).size(), 2u);
  auto rel = events_of<CcReleased>(UniPair::take(t.user));
  EXPECT_EQ(rel.size(), 2u);
  for (const auto& r : rel) EXPECT_EQ(r.err, -ENETRESET);
  EXPECT_FALSE(t.net.uni.restart_pending());  // acknowledged
  t.expect_idle();
}

TEST(BackToBack, RestartOneVc_OnlyThatCall) {
  UniPair t;
  auto [a, b] = t.call(t.user, 1, t.net, 101);
  t.call(t.user, 2, t.net, 102);
  t.user.restart(std::make_pair(std::uint16_t{0}, static_cast<std::uint16_t>(a.pvc.sap_addr.vci)),
                 t.link.now);
  t.link.advance(10ms);
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).sock, 101u);
  EXPECT_EQ(t.user.uni.call_count(), 1u);
  EXPECT_EQ(t.net.uni.call_count(), 1u);
  EXPECT_FALSE(t.user.uni.restart_pending());
}

// Shutdown (the demon's SIGTERM): RELEASE for the call, then stop_link():
// END, the peer's ENDAK, the link idle; the peer cleared the call at once and
// its link is down; the stopped end never establishes the link again, not even
// when the peer offers it (BGN).
TEST(BackToBack, StopLinkAfterRelease_PeerClearsAtOnceAndTheLinkStaysDown) {
  UniPair t;
  t.call(t.user, 1, t.net, 101);
  t.req(t.user, CcRelease{1});
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, 0);
  EXPECT_EQ(t.user.uni.call_count(), 0u);  // RELEASE COMPLETE came back
  t.user.stop_link(t.link.now);
  EXPECT_FALSE(t.user.uni.link_idle());  // END sent, ENDAK not yet received
  t.link.pump();
  EXPECT_TRUE(t.user.uni.link_idle());
  EXPECT_FALSE(t.net.uni.link_up());
  EXPECT_FALSE(t.net.uni.t309_running());
  t.link.advance(10s);  // the peer asks again (link_retry, BGN): unanswered
  EXPECT_FALSE(t.user.uni.link_up());
  EXPECT_FALSE(t.net.uni.link_up());
  EXPECT_TRUE(t.user.events.empty());
  t.expect_idle();
}

// stop_link() with an active call still up: the call is forgotten here (the
// kernel side is gone), the peer keeps it under T309 and clears it with
// -ENETRESET when T309 expires.
TEST(BackToBack, StopLinkWithAnActiveCall_PeerClearsAfterT309) {
  UniPair t;
  t.call(t.user, 1, t.net, 101);
  t.user.stop_link(t.link.now);
  EXPECT_EQ(t.user.uni.call_count(), 0u);
  t.link.pump();
  EXPECT_TRUE(t.user.uni.link_idle());
  EXPECT_FALSE(t.user.uni.t309_running());
  EXPECT_TRUE(t.net.uni.t309_running());
  t.link.advance(11s);
  EXPECT_EQ(events_of<CcReleased>(UniPair::take(t.net)).at(0).err, -ENETRESET);
  EXPECT_EQ(t.net.uni.call_count(), 0u);
  EXPECT_TRUE(t.user.events.empty());  // nothing for a kernel that is gone
}

TEST(BackToBack, ManyCallsAtOnce_BothDirections_NothingLeaks) {
  UniPair t;
  constexpr int kCalls = 300;
  for (int i = 1; i <= kCalls; ++i) {
    UniEnd& from = (i % 2) != 0 ? t.user : t.net;
    from.request(connect_req(static_cast<atmsvc::SockId>(i)), t.link.now);
  }
  t.link.pump();
  t.link.advance(100ms);
  for (UniEnd* e : {&t.user, &t.net}) {
    for (const auto& inc : events_of<CcIncoming>(UniPair::take(*e)))
      e->request(CcAccept{inc.call, 100000 + inc.call}, t.link.now);
  }
  t.link.advance(1s);
  auto ua = UniPair::take(t.user);
  auto na = UniPair::take(t.net);
  EXPECT_EQ(events_of<CcEstablished>(ua).size() + events_of<CcEstablished>(na).size(), 2u * kCalls);
  EXPECT_EQ(t.user.uni.call_count(), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(t.net.uni.vcis_in_use(), static_cast<std::size_t>(kCalls));
  std::set<int> vcis;
  for (const auto& e : events_of<CcEstablished>(ua)) vcis.insert(e.pvc.sap_addr.vci);
  EXPECT_EQ(vcis.size(), static_cast<std::size_t>(kCalls));
  for (int i = 1; i <= kCalls; ++i) {
    UniEnd& from = (i % 2) != 0 ? t.user : t.net;
    from.request(CcRelease{static_cast<atmsvc::SockId>(i)}, t.link.now);
  }
  t.link.advance(1s);
  auto ur = events_of<CcReleased>(UniPair::take(t.user));
  auto nr = events_of<CcReleased>(UniPair::take(t.net));
  EXPECT_EQ(ur.size() + nr.size(), static_cast<std::size_t>(kCalls));
  for (const auto& r : ur) EXPECT_EQ(r.err, 0);
  t.expect_idle();
}

TEST(BackToBack, EveryMessageOnTheWireDecodesCleanly) {
  // Wraps the link to decode every Q.2931 message inside the SSCOP SDs.
  UniPair t;
  t.call(t.user, 1, t.net, 101);
  t.call(t.net, 2, t.user, 102);
  t.req(t.user, CcRelease{1});
  t.req(t.user, CcRelease{102});
  t.link.advance(1s);
  EXPECT_EQ(t.user.uni.stats().messages_bad, 0u);
  EXPECT_EQ(t.net.uni.stats().messages_bad, 0u);
  EXPECT_GE(t.user.uni.stats().messages_in, 6u);
  t.expect_idle();
}

}  // namespace
}  // namespace atmsigd::callctl::test
