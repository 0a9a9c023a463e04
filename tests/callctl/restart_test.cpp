// The restart machine (Q.2931 §5.5, src/callctl/restart.cpp) in virtual time
// against a scripted peer: classes 0, 1 and 2 sent and received, the
// connection identifier rules, RESTART ACKNOWLEDGE matching, T316, T317
// (completion and expiry), STATUS with the global call reference (§5.6.12),
// RESTART on link re-establishment.
#include <algorithm>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

struct Peer : Fixture {
  explicit Peer(Version v = Version::kUni40) : Fixture(Side::kUser, v) {}
  explicit Peer(UniParams p) : Fixture(p, p.version) {}

  std::uint32_t active(atmsvc::SockId sock, std::uint16_t vpci, std::uint16_t vci) {
    const Message s = outgoing_active(connect_req(sock), vci, vpci);
    take();
    return s.cref.value;
  }
  // The peer's RESTART (flag 0: its own global call reference).
  void restart(std::uint8_t cls, std::optional<q2931::ConnectionIdentifier> ci) {
    send(restart_msg(cls, ci));
  }
  // The peer's RESTART ACKNOWLEDGE of ours (flag 1).
  void acknowledge(std::uint8_t cls, std::optional<q2931::ConnectionIdentifier> ci) {
    Message a = msg(MessageType::kRestartAcknowledge, 0, true);
    if (ci) a.add(*ci);
    q2931::RestartIndicator ri;
    ri.restart_class = cls;
    a.add(ri);
    send(a);
  }
  void global_status(bool flag, std::uint8_t state) {
    Message s = msg(MessageType::kStatus, 0, flag);
    q2931::CallState cs;
    cs.state = state;
    s.add(cs);
    s.add(cause_ie(30));
    send(s);
  }
  void stalled(bool s) {
    uut->handle(atmsvc::KernelStalled{s}, link.now);
    link.pump();
  }
  void operator_restart(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc, bool vpc) {
    uut->handle(atmsvc::RestartVcs{0, vc, vpc}, link.now);
    link.pump();
  }
  std::vector<atmsvc::SockId> released() {
    std::vector<atmsvc::SockId> r;
    for (const auto& e : events_of<CcReleased>(take())) {
      EXPECT_EQ(e.err, -ENETRESET);
      r.push_back(e.sock);
    }
    std::sort(r.begin(), r.end());
    return r;
  }
  bool noted(std::string_view what) const {
    return std::any_of(uut->notes.begin(), uut->notes.end(),
                       [&](const std::string& n) { return n.find(what) != std::string::npos; });
  }
};

std::uint8_t class_of(const Message& m) {
  const auto* ri = m.find<q2931::RestartIndicator>();
  EXPECT_NE(ri, nullptr);
  return ri != nullptr ? ri->restart_class : 0xff;
}

std::uint8_t diag_of(const Message& m) {
  const auto* c = m.find<q2931::Cause>();
  return c != nullptr && !c->diagnostics.empty() ? c->diagnostics[0] : 0;
}

// --- RESTART received -----------------------------------------------------------

TEST(RestartReceived, Class1_ClearsEveryCallOfThatVpcAndEchoesTheIdentifier) {
  Peer p;
  p.active(1, 1, 32);
  p.active(2, 1, 33);
  p.active(3, 2, 32);
  p.restart(1, conn_id(1, 0));
  const Message ack = p.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_TRUE(ack.cref.is_global());
  EXPECT_TRUE(ack.cref.flag);
  EXPECT_EQ(class_of(ack), 1);
  ASSERT_NE(ack.find<q2931::ConnectionIdentifier>(), nullptr);
  EXPECT_EQ(ack.find<q2931::ConnectionIdentifier>()->vpci, 1);
  EXPECT_EQ(p.released(), (std::vector<atmsvc::SockId>{1, 2}));
  EXPECT_EQ(p.uni().call_count(), 1u);
  EXPECT_EQ(p.uni().state_of_sock(3), CallState::kActive);
}

TEST(RestartReceived, Class1InUni31_Status100NothingCleared) {
  Peer p(Version::kUni31);
  p.active(1, 1, 32);
  p.restart(1, conn_id(1, 0));
  const Message st = p.peer.expect(MessageType::kStatus);
  EXPECT_TRUE(st.cref.is_global());
  EXPECT_EQ(cause_of(st), 100);
  EXPECT_EQ(diag_of(st), 0x79);  // the restart indicator
  EXPECT_EQ(state_of(st), 0);
  EXPECT_TRUE(p.released().empty());
  EXPECT_TRUE(p.noted("refused: STATUS cause 100"));
}

TEST(RestartReceived, Class1WithoutConnectionIdentifier_Status96) {
  Peer p;
  p.active(1, 1, 32);
  p.restart(1, std::nullopt);
  const Message st = p.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 96);
  EXPECT_EQ(diag_of(st), 0x5a);  // connection identifier
  EXPECT_TRUE(p.released().empty());
}

TEST(RestartReceived, VpciNotOurs_Status82NothingCleared) {
  UniParams prm = UniParams::defaults(Side::kUser, Version::kUni40);
  prm.vpci_map = {VpciMapping{4, 0}};  // VPCIs 4.. are interface 0's
  Peer p(prm);
  p.active(1, 4, 32);
  p.restart(0, conn_id(3, 32));
  const Message st = p.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 82);
  EXPECT_EQ(diag_of(st), 0x5a);
  EXPECT_TRUE(p.released().empty());
  p.restart(0, conn_id(4, 32));  // ours: acted upon
  EXPECT_EQ(class_of(p.peer.expect(MessageType::kRestartAcknowledge)), 0);
  EXPECT_EQ(p.released(), (std::vector<atmsvc::SockId>{1}));
}

TEST(RestartReceived, Class0OfAnIdleVc_AcknowledgedAnyway) {
  Peer p;
  p.active(1, 0, 32);
  p.restart(0, conn_id(0, 99));
  const Message ack = p.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_EQ(ack.find<q2931::ConnectionIdentifier>()->vci, 99);
  EXPECT_TRUE(p.released().empty());
  EXPECT_EQ(p.uni().call_count(), 1u);
}

TEST(RestartReceived, Class2WithConnectionIdentifier_ActedUponThenStatus99) {
  Peer p;
  p.active(1, 0, 32);
  p.active(2, 3, 40);
  p.restart(2, conn_id(0, 32));
  const Message ack = p.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_EQ(class_of(ack), 2);
  EXPECT_EQ(ack.find<q2931::ConnectionIdentifier>(), nullptr);
  const Message st = p.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 99);
  EXPECT_EQ(diag_of(st), 0x5a);
  EXPECT_EQ(p.released(), (std::vector<atmsvc::SockId>{1, 2}));
}

TEST(RestartReceived, ReservedClass_Status100) {
  Peer p;
  p.restart(5, std::nullopt);
  const Message st = p.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 100);
  EXPECT_EQ(diag_of(st), 0x79);
}

// --- T317 ---------------------------------------------------------------------------

TEST(RestartT317, KernelStalled_AcknowledgementWaitsForTheDrain) {
  Peer p;
  p.active(1, 0, 32);
  p.stalled(true);
  p.restart(2, std::nullopt);
  EXPECT_EQ(p.released(), (std::vector<atmsvc::SockId>{1}));  // cleared toward the kernel
  EXPECT_TRUE(p.peer.inbox.empty());                          // but not acknowledged
  EXPECT_TRUE(p.uni().restart_answer_pending());
  EXPECT_TRUE(p.noted("T317 started"));
  // A STATUS sent meanwhile for the peer's global call reference says Rest 2.
  p.restart(7, std::nullopt);
  const Message st = p.peer.expect(MessageType::kStatus);
  EXPECT_EQ(state_of(st), 62);
  p.advance(60s);
  EXPECT_TRUE(p.peer.inbox.empty());
  p.stalled(false);  // the kernel has read the as_close: clearing complete
  const Message ack = p.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_EQ(class_of(ack), 2);
  EXPECT_FALSE(p.uni().restart_answer_pending());
  EXPECT_TRUE(p.noted("T317 stopped"));
}

TEST(RestartT317, Expiry_MaintenanceToldNoAcknowledgement) {
  Peer p;
  p.active(1, 0, 32);
  p.stalled(true);
  p.restart(0, conn_id(0, 32));
  EXPECT_EQ(p.released(), (std::vector<atmsvc::SockId>{1}));
  p.advance(89s);
  EXPECT_TRUE(p.uni().restart_answer_pending());
  p.advance(2s);  // T317 = 90 s
  EXPECT_FALSE(p.uni().restart_answer_pending());
  EXPECT_TRUE(p.noted("T317 expired"));
  p.stalled(false);
  p.advance(10s);
  EXPECT_TRUE(p.peer.inbox.empty());  // Rest 0: nothing left to acknowledge
  // The peer's T316 sends RESTART again: now answered at once.
  p.restart(0, conn_id(0, 32));
  EXPECT_EQ(class_of(p.peer.expect(MessageType::kRestartAcknowledge)), 0);
}

// The peer's T316 repeats its RESTART while we wait: one acknowledgement.
TEST(RestartT317, RepeatedRestartWhileWaiting_AcknowledgedOnce) {
  Peer p;
  p.active(1, 0, 32);
  p.active(2, 0, 33);
  p.stalled(true);
  p.restart(0, conn_id(0, 32));
  p.advance(80s);
  p.restart(0, conn_id(0, 32));  // nothing left to clear: but still not told
  p.restart(0, conn_id(0, 33));  // another VC: its own answer
  EXPECT_TRUE(p.peer.inbox.empty());
  p.stalled(false);
  const Message a1 = p.peer.expect(MessageType::kRestartAcknowledge);
  const Message a2 = p.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_EQ(a1.find<q2931::ConnectionIdentifier>()->vci, 32);
  EXPECT_EQ(a2.find<q2931::ConnectionIdentifier>()->vci, 33);
  EXPECT_TRUE(p.peer.inbox.empty());
}

TEST(RestartT317, StalledButNothingToClear_AcknowledgedAtOnce) {
  Peer p;
  p.stalled(true);
  p.restart(2, std::nullopt);
  p.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_FALSE(p.uni().restart_answer_pending());
}

// --- RESTART sent ----------------------------------------------------------------

TEST(RestartSent, Class1_ClearsThatVpcSendsTheVpciAndMatchesOnlyItsAcknowledge) {
  Peer p;
  p.active(1, 5, 32);
  p.active(2, 5, 77);
  p.active(3, 6, 32);
  p.operator_restart(std::make_pair(std::uint16_t{5}, std::uint16_t{0}), true);
  EXPECT_EQ(p.released(), (std::vector<atmsvc::SockId>{1, 2}));
  const Message r = p.peer.expect(MessageType::kRestart);
  EXPECT_FALSE(r.cref.flag);
  EXPECT_EQ(class_of(r), 1);
  ASSERT_NE(r.find<q2931::ConnectionIdentifier>(), nullptr);
  EXPECT_EQ(r.find<q2931::ConnectionIdentifier>()->vpci, 5);
  EXPECT_TRUE(p.uni().restart_pending());
  p.acknowledge(0, conn_id(5, 0));  // another class: not ours
  EXPECT_TRUE(p.uni().restart_pending());
  p.acknowledge(1, conn_id(6, 0));  // another VPCI: not ours
  EXPECT_TRUE(p.uni().restart_pending());
  p.acknowledge(1, conn_id(5, 0));
  EXPECT_FALSE(p.uni().restart_pending());
  EXPECT_EQ(p.uni().state_of_sock(3), CallState::kActive);
}

TEST(RestartSent, Class1InUni30_RefusedNothingClearedNothingSent) {
  Peer p(Version::kUni30);
  p.active(1, 5, 32);
  p.operator_restart(std::make_pair(std::uint16_t{5}, std::uint16_t{0}), true);
  EXPECT_TRUE(p.released().empty());
  EXPECT_TRUE(p.peer.inbox.empty());
  EXPECT_FALSE(p.uni().restart_pending());
  EXPECT_TRUE(p.noted("has no restart class 1"));
}

TEST(RestartSent, Class0_OnlyTheSameVcAcknowledges) {
  Peer p;
  p.active(1, 0, 32);
  p.active(2, 0, 33);
  p.operator_restart(std::make_pair(std::uint16_t{0}, std::uint16_t{33}), false);
  EXPECT_EQ(p.released(), (std::vector<atmsvc::SockId>{2}));
  const Message r = p.peer.expect(MessageType::kRestart);
  EXPECT_EQ(class_of(r), 0);
  EXPECT_EQ(r.find<q2931::ConnectionIdentifier>()->vci, 33);
  p.acknowledge(0, conn_id(0, 32));
  EXPECT_TRUE(p.uni().restart_pending());
  EXPECT_TRUE(p.noted("without a RESTART of ours"));
  p.acknowledge(2, std::nullopt);
  EXPECT_TRUE(p.uni().restart_pending());
  p.acknowledge(0, conn_id(0, 33));
  EXPECT_FALSE(p.uni().restart_pending());
}

TEST(RestartSent, T316_ResentWithTheSameClassThenGivenUp) {
  Peer p;
  p.operator_restart(std::make_pair(std::uint16_t{2}, std::uint16_t{0}), true);
  EXPECT_EQ(class_of(p.peer.expect(MessageType::kRestart)), 1);
  p.advance(119s);
  EXPECT_TRUE(p.peer.inbox.empty());
  p.advance(1s);
  const Message again = p.peer.expect(MessageType::kRestart);
  EXPECT_EQ(class_of(again), 1);
  EXPECT_EQ(again.find<q2931::ConnectionIdentifier>()->vpci, 2);
  p.advance(120s);
  EXPECT_TRUE(p.peer.inbox.empty());
  EXPECT_FALSE(p.uni().restart_pending());
  EXPECT_TRUE(p.noted("giving up"));
}

// --- STATUS with the global call reference (§5.6.12) -----------------------------

TEST(RestartStatus, InRest0_NoActionTaken) {
  Peer p;
  p.active(1, 0, 32);
  p.global_status(true, 61);
  p.global_status(false, 10);
  EXPECT_TRUE(p.peer.inbox.empty());
  EXPECT_TRUE(p.take().empty());
  EXPECT_FALSE(p.noted("while ours is"));
  EXPECT_TRUE(p.noted("global call reference noted"));
}

TEST(RestartStatus, InRest1_NullIsIncompatibleRest2Fits) {
  Peer p;
  p.operator_restart(std::nullopt, false);
  p.peer.expect(MessageType::kRestart);
  p.global_status(true, 62);  // the peer is clearing: fits
  EXPECT_FALSE(p.noted("while ours is"));
  p.global_status(true, 0);  // the peer has no restart of ours: management told
  EXPECT_TRUE(p.noted("reports state 0 while ours is 61"));
  EXPECT_TRUE(p.peer.inbox.empty());       // no further action
  EXPECT_TRUE(p.uni().restart_pending());  // T316 still runs
  p.advance(120s);
  p.peer.expect(MessageType::kRestart);
}

TEST(RestartStatus, InRest2_OnlyTheWaitingPeerFits) {
  Peer p;
  p.active(1, 0, 32);
  p.stalled(true);
  p.restart(2, std::nullopt);
  p.global_status(false, 61);  // the peer waits for our acknowledgement: fits
  EXPECT_FALSE(p.noted("while ours is"));
  p.global_status(false, 0);
  EXPECT_TRUE(p.noted("reports state 0 while ours is 62"));
  EXPECT_TRUE(p.peer.inbox.empty());
  EXPECT_TRUE(p.uni().restart_answer_pending());
}

// --- RESTART on link (re-)establishment -------------------------------------------

TEST(RestartOnLinkUp, EveryEstablishmentSendsRestartOfAllVcs) {
  UniParams prm = UniParams::defaults(Side::kUser, Version::kUni40);
  prm.restart_on_link_up = true;
  Peer p(prm);
  const Message r = p.peer.expect(MessageType::kRestart);
  EXPECT_EQ(class_of(r), 2);
  p.acknowledge(2, std::nullopt);
  EXPECT_FALSE(p.uni().restart_pending());
  p.active(1, 0, 32);
  // The peer's SAAL goes away and comes back: the calls are cleared and the
  // VCs restarted on re-establishment.
  std::vector<sscf::Action> acts;
  p.peer.sscf.handle(sscf::AalReleaseRequest{}, p.link.now, acts);
  p.peer.act(acts);
  p.advance(100ms);
  EXPECT_FALSE(p.uni().link_up());
  p.advance(3s);  // link_retry: the BGN goes out again, the peer takes it
  EXPECT_TRUE(p.uni().link_up());
  // The link is back within T309: the call is checked (STATUS ENQUIRY), then
  // cleared by the RESTART.
  p.peer.expect(MessageType::kStatusEnquiry);
  EXPECT_EQ(class_of(p.peer.expect(MessageType::kRestart)), 2);
  EXPECT_EQ(events_of<CcReleased>(p.take()).size(), 1u);
  EXPECT_TRUE(p.uni().restart_pending());
}

TEST(RestartOnLinkUp, OffByDefault) {
  Peer p;
  EXPECT_TRUE(p.peer.inbox.empty());
  EXPECT_FALSE(p.uni().restart_pending());
}

// --- §5.5: the VCs of a restart in progress are not given to new calls -----------

UniParams network(std::vector<VcRange> r, Version v = Version::kUni40) {
  UniParams p = UniParams::defaults(Side::kNetwork, v);
  p.vc_ranges = std::move(r);
  return p;
}

// The peer (a user) calls: the VC of our CALL PROCEEDING, or none when the
// SETUP is refused with RELEASE COMPLETE cause 45 (no VPCI/VCI available).
std::optional<std::pair<int, int>> offer(Peer& p, std::uint32_t cref) {
  p.send(network_setup(cref, 0, p.peer.version, false));
  const Message m = p.peer.next();
  p.take();
  if (m.type == MessageType::kReleaseComplete) {
    EXPECT_EQ(cause_of(m), 45);
    return std::nullopt;
  }
  EXPECT_EQ(q2931::message_name(m.type), q2931::message_name(MessageType::kCallProceeding));
  const auto* ci = m.find<q2931::ConnectionIdentifier>();
  EXPECT_NE(ci, nullptr);
  if (ci == nullptr) return std::nullopt;
  return std::pair<int, int>{ci->vpci, ci->vci};
}

// The caller gives up (RELEASE COMPLETE): its VC is free again.
void hang_up(Peer& p, std::uint32_t cref) {
  Message rc = msg(MessageType::kReleaseComplete, cref, false);
  rc.add(cause_ie(16));
  p.send(rc);
  p.take();
}

using VcPair = std::optional<std::pair<int, int>>;

TEST(RestartBlocksVcs, OurClass0_TheVcIsNotReusedBeforeTheAcknowledgement) {
  Peer p(network({VcRange{0, 0, 32, 33}}));
  EXPECT_EQ(offer(p, 1), (VcPair{{0, 32}}));
  EXPECT_EQ(offer(p, 2), (VcPair{{0, 33}}));
  hang_up(p, 1);
  hang_up(p, 2);  // both free, 32 the longest: the next call would get it
  p.operator_restart(std::pair<std::uint16_t, std::uint16_t>{0, 32}, false);
  EXPECT_EQ(class_of(p.peer.expect(MessageType::kRestart)), 0);
  EXPECT_EQ(offer(p, 3), (VcPair{{0, 33}}));  // another VC
  EXPECT_EQ(offer(p, 4), std::nullopt);       // none other free: cause 45
  p.acknowledge(0, conn_id(0, 32));
  EXPECT_FALSE(p.uni().restart_pending());
  EXPECT_EQ(offer(p, 5), (VcPair{{0, 32}}));
}

TEST(RestartBlocksVcs, OurClass0_BackInServiceWhenT316GivesUp) {
  Peer p(network({VcRange{0, 0, 32, 32}}));
  EXPECT_EQ(offer(p, 1), (VcPair{{0, 32}}));
  p.operator_restart(std::pair<std::uint16_t, std::uint16_t>{0, 32}, false);  // clears call 1
  p.peer.expect(MessageType::kRestart);
  EXPECT_EQ(p.uni().call_count(), 0u);
  EXPECT_EQ(offer(p, 2), std::nullopt);
  p.advance(p.fixture_params.t316);
  p.peer.expect(MessageType::kRestart);  // sent again
  EXPECT_EQ(offer(p, 3), std::nullopt);
  p.advance(p.fixture_params.t316);  // given up: maintenance is told
  EXPECT_FALSE(p.uni().restart_pending());
  EXPECT_TRUE(p.noted("giving up"));
  EXPECT_EQ(offer(p, 4), (VcPair{{0, 32}}));
}

TEST(RestartBlocksVcs, PeersClass0_TheVcWaitsUntilWeAcknowledge) {
  Peer p(network({VcRange{0, 0, 32, 32}}));
  EXPECT_EQ(offer(p, 1), (VcPair{{0, 32}}));
  p.stalled(true);  // the kernel is not reading: the acknowledgement waits (T317)
  p.restart(0, conn_id(0, 32));
  EXPECT_TRUE(p.peer.inbox.empty());
  EXPECT_TRUE(p.uni().restart_answer_pending());
  EXPECT_EQ(offer(p, 2), std::nullopt);
  p.stalled(false);
  p.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_EQ(offer(p, 3), (VcPair{{0, 32}}));
}

TEST(RestartBlocksVcs, PeersClass0_BackInServiceWhenT317Expires) {
  Peer p(network({VcRange{0, 0, 32, 32}}));
  EXPECT_EQ(offer(p, 1), (VcPair{{0, 32}}));
  p.stalled(true);
  p.restart(0, conn_id(0, 32));
  EXPECT_EQ(offer(p, 2), std::nullopt);
  p.advance(p.fixture_params.t317);
  EXPECT_FALSE(p.uni().restart_answer_pending());
  EXPECT_TRUE(p.peer.inbox.empty());  // no RESTART ACKNOWLEDGE
  EXPECT_EQ(offer(p, 3), (VcPair{{0, 32}}));
}

TEST(RestartBlocksVcs, OurClass2_EveryNewCallRefusedUntilAcknowledged) {
  Peer p(network({VcRange{}}));
  p.operator_restart(std::nullopt, false);
  EXPECT_EQ(class_of(p.peer.expect(MessageType::kRestart)), 2);
  EXPECT_EQ(offer(p, 1), std::nullopt);
  p.req(connect_req(7));  // nor an outgoing one
  EXPECT_EQ(events_of<CcReleased>(p.take()).at(0).err, -EAGAIN);
  p.acknowledge(2, std::nullopt);
  EXPECT_EQ(offer(p, 2), (VcPair{{0, 32}}));
}

TEST(RestartBlocksVcs, OurClass1_OnlyThatVpciIsHeldBack) {
  Peer p(network({VcRange{0, 0, 32, 33}, VcRange{1, 1, 32, 33}}));
  p.operator_restart(std::pair<std::uint16_t, std::uint16_t>{0, 0}, true);
  EXPECT_EQ(class_of(p.peer.expect(MessageType::kRestart)), 1);
  EXPECT_EQ(offer(p, 1), (VcPair{{1, 32}}));
  EXPECT_EQ(offer(p, 2), (VcPair{{1, 33}}));
  EXPECT_EQ(offer(p, 3), std::nullopt);
  p.acknowledge(1, conn_id(0, 0));
  EXPECT_EQ(offer(p, 4), (VcPair{{0, 32}}));
  EXPECT_EQ(offer(p, 5), (VcPair{{0, 33}}));
}

TEST(RestartBlocksVcs, RestartsOfBothEndsOnOneVc_HeldUntilBothAreOver) {
  Peer p(network({VcRange{0, 0, 32, 32}}));
  p.operator_restart(std::pair<std::uint16_t, std::uint16_t>{0, 32}, false);
  p.peer.expect(MessageType::kRestart);
  EXPECT_EQ(offer(p, 1), std::nullopt);
  p.stalled(true);
  p.restart(0, conn_id(0, 32));  // nothing to clear: acknowledged at once
  p.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_EQ(offer(p, 2), std::nullopt);  // ours still waits
  p.acknowledge(0, conn_id(0, 32));
  EXPECT_EQ(offer(p, 3), (VcPair{{0, 32}}));
}

}  // namespace
}  // namespace atmsigd::callctl::test
