// User side (Q.2931 Call-Control-U): every state against a scripted network,
// in virtual time. Test names: <state>, <procedure>_<outcome>.
#include <gtest/gtest.h>

#include <cerrno>
#include <random>
#include <set>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

struct User : Fixture {
  explicit User(Version v = Version::kUni30) : Fixture(Side::kUser, v) {}
  explicit User(UniParams p) : Fixture(p, p.version) {}

  // CcConnect -> SETUP seen by the network; returns its call reference.
  std::uint32_t place(atmsvc::SockId sock = 1) {
    req(connect_req(sock));
    const Message s = peer.expect(MessageType::kSetup);
    EXPECT_FALSE(s.cref.flag);
    return s.cref.value;
  }
  // Network answers (flag set: towards the originator).
  void net(MessageType t, std::uint32_t cref, std::vector<q2931::Ie> ies = {}) {
    Message m = msg(t, cref, true);
    m.ies = std::move(ies);
    send(m);
  }
  std::uint32_t active(atmsvc::SockId sock = 1, std::uint16_t vci = 32) {
    const auto cref = outgoing_active(sock, 1, vci).cref.value;
    take();
    return cref;
  }
  // A SETUP from the network, offered to the kernel; returns the CallId.
  atmsvc::CallId offered(std::uint32_t cref = 77, std::uint16_t vci = 40) {
    send(network_setup(cref, vci, peer.version));
    auto inc = events_of<CcIncoming>(take());
    EXPECT_EQ(inc.size(), 1u);
    return inc.empty() ? 0 : inc[0].call;
  }
};

// --- log events --------------------------------------------------------------

// The steps of a call are catalog events with typed arguments: the message
// sent (type, cref, length), the transition (from, to); a pair the state does
// not allow is a warning.
TEST(UserLogEvents, SetupSentTransitionAndUnexpectedMessage) {
  User u;
  u.uut->logs.clear();
  const auto cref = u.place();
  auto find = [&](log::Id id) -> const log::Event* {
    for (const auto& e : u.uut->logs)
      if (e.id == id) return &e;
    return nullptr;
  };
  const log::Event* sent = find(log::Id::kCallMsgSent);
  ASSERT_NE(sent, nullptr);
  ASSERT_EQ(sent->args.size(), 5u);
  EXPECT_EQ(std::get<std::string_view>(sent->args[1]), "SETUP");
  EXPECT_EQ(std::get<log::Hex>(sent->args[2]).value, cref);
  EXPECT_GT(std::get<std::uint64_t>(sent->args[4]), 0u);
  const log::Event* st = find(log::Id::kCallState);
  ASSERT_NE(st, nullptr);
  ASSERT_EQ(st->args.size(), 4u);
  EXPECT_EQ(std::get<std::string_view>(st->args[2]), "U0 Null");
  EXPECT_EQ(std::get<std::string_view>(st->args[3]), "U1 Call Initiated");
  EXPECT_EQ(find(log::Id::kCallUnexpected), nullptr);
  // CONNECT ACKNOWLEDGE in U1: STATUS cause 101 and a warning.
  u.net(MessageType::kConnectAcknowledge, cref);
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kStatus)), 101);
  const log::Event* unx = find(log::Id::kCallUnexpected);
  ASSERT_NE(unx, nullptr);
  EXPECT_EQ(log::spec(unx->id).level, log::Level::kWarn);
  EXPECT_EQ(std::get<std::string_view>(unx->args[3]), "U1 Call Initiated");
}

// Nothing is built when nobody wants it: at the default level (info) a call
// leaves only its two call lines.
TEST(UserLogEvents, DefaultLevelBuildsNoDebugEvents) {
  static const log::Levels kInfo;
  UniParams p = UniParams::defaults(Side::kUser, Version::kUni30);
  p.levels = &kInfo;
  User u(p);
  u.uut->logs.clear();
  const auto cref = u.active();
  u.net(MessageType::kRelease, cref, {cause_ie(16)});
  u.peer.expect(MessageType::kReleaseComplete);
  ASSERT_EQ(u.uut->logs.size(), 2u);
  EXPECT_EQ(u.uut->logs[0].id, log::Id::kCallEstablished);
  EXPECT_EQ(u.uut->logs[1].id, log::Id::kCallReleased);
  EXPECT_TRUE(u.uut->notes.empty());
}

// --- U0 Null ---------------------------------------------------------------

TEST(UserU0Null, ConnectRequest_SendsSetupAndEntersU1) {
  User u;
  u.req(connect_req(1));
  const Message s = u.peer.expect(MessageType::kSetup);
  EXPECT_NE(s.cref.value, 0u);
  EXPECT_NE(s.find<q2931::CalledPartyNumber>(), nullptr);
  EXPECT_EQ(s.find<q2931::ConnectionIdentifier>(), nullptr);
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kCallInitiated);
  EXPECT_EQ(u.uni().call_count(), 1u);
  EXPECT_TRUE(u.ev().empty());
}

TEST(UserU0Null, ConnectWithoutAddress_FailsEdestaddrreq) {
  User u;
  auto c = connect_req(1);
  std::memset(&c.called, 0, sizeof c.called);
  u.req(c);
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -EDESTADDRREQ);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU0Null, NullLocalAddress_ReplacedByOurs) {
  UniParams p = UniParams::defaults(Side::kUser, Version::kUni30);
  p.local_addresses.push_back(nsap(5));
  User u(p);
  u.req(connect_req(1));
  const Message s = u.peer.expect(MessageType::kSetup);
  const auto* cg = s.find<q2931::CallingPartyNumber>();
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->address[18], 5);
}

TEST(UserU0Null, CallReferences_UniqueAndFlagClear) {
  User u;
  std::set<std::uint32_t> seen;
  for (atmsvc::SockId s = 1; s <= 50; ++s) seen.insert(u.place(s));
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(u.uni().call_count(), 50u);
}

TEST(UserU0Null, StatusEnquiryUnknownCref_StatusNullCause30) {
  User u;
  u.send(msg(MessageType::kStatusEnquiry, 99, false));
  const Message st = u.peer.expect(MessageType::kStatus);
  EXPECT_EQ(state_of(st), 0);
  EXPECT_EQ(cause_of(st), 30);
  EXPECT_TRUE(st.cref.flag);
}

TEST(UserU0Null, ReleaseUnknownCref_ReleaseCompleteCause81) {
  User u;
  Message r = msg(MessageType::kRelease, 99, false);
  r.add(cause_ie(16));
  u.send(r);
  const Message rc = u.peer.expect(MessageType::kReleaseComplete);
  EXPECT_EQ(cause_of(rc), 81);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU0Null, ReleaseCompleteUnknownCref_Ignored) {
  User u;
  u.send(msg(MessageType::kReleaseComplete, 99, false));
  EXPECT_TRUE(u.peer.inbox.empty());
}

TEST(UserU0Null, StatusNonNullUnknownCref_ReleaseCompleteCause101) {
  User u;
  Message st = msg(MessageType::kStatus, 99, false);
  q2931::CallState cs;
  cs.state = 10;
  st.add(cs);
  st.add(cause_ie(30));
  u.send(st);
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kReleaseComplete)), 101);
}

TEST(UserU0Null, ConnectUnknownCref_ReleaseCompleteCause81) {
  User u;
  u.send(msg(MessageType::kConnect, 12, true));
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kReleaseComplete)), 81);
}

TEST(UserU0Null, SetupWithoutCalledNumber_ReleaseCompleteCause96) {
  User u;
  Message s = network_setup(5, 40, Version::kUni30);
  erase_if(s.ies, [](const q2931::Ie& ie) {
    return std::holds_alternative<q2931::CalledPartyNumber>(ie);
  });
  u.send(s);
  const Message rc = u.peer.expect(MessageType::kReleaseComplete);
  EXPECT_EQ(cause_of(rc), 96);
  EXPECT_TRUE(u.ev().empty());
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU0Null, UnknownMessageType_Status97) {
  User u;
  const auto cref = u.active();
  Bytes b = q2931::encode(msg(MessageType::kConnectAcknowledge, cref, true), Version::kUni30);
  b[5] = 0x33;  // no such message type
  u.peer.send_bytes(b, u.link.now);
  u.link.pump();
  const Message st = u.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 97);
  EXPECT_EQ(state_of(st), 10);
}

// --- U1 Call Initiated -----------------------------------------------------

TEST(UserU1CallInitiated, CallProceeding_EntersU3WithTheNetworksVci) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kCallProceeding, cref, {conn_id(0, 77)});
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kOutgoingCallProceeding);
  u.net(MessageType::kConnect, cref);
  auto est = events_of<CcEstablished>(u.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 77);
}

TEST(UserU1CallInitiated, T303ExpiryOnce_ResendsSetup) {
  User u;
  u.place();
  u.advance(4s);
  u.peer.expect(MessageType::kSetup);
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kCallInitiated);
  EXPECT_TRUE(u.ev().empty());
}

TEST(UserU1CallInitiated, T303ExpiryTwice_ClearsWithCause102) {
  User u;
  const auto cref = u.place();
  u.advance(8s);
  u.peer.expect(MessageType::kSetup);
  const Message rc = u.peer.expect(MessageType::kReleaseComplete);
  EXPECT_EQ(rc.cref.value, cref);
  EXPECT_EQ(cause_of(rc), 102);
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -ETIMEDOUT);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU1CallInitiated, Connect_SendsConnectAckAndEstablishes) {
  User u;
  const auto cref = u.place();
  q2931::AalParameters aal;
  q2931::Aal5 a5;
  a5.fwd_max_sdu = 1500;
  a5.bwd_max_sdu = 9180;
  aal.aal = a5;
  u.net(MessageType::kConnect, cref, {conn_id(0, 33), aal});
  u.peer.expect(MessageType::kConnectAcknowledge);
  auto est = events_of<CcEstablished>(u.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 1u);
  EXPECT_EQ(est[0].pvc.sap_family, AF_ATMPVC);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 33);
  EXPECT_EQ(est[0].qos.txtp.max_sdu, 1500);  // granted by the callee
  EXPECT_EQ(est[0].qos.rxtp.max_sdu, 9180);
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kActive);
}

TEST(UserU1CallInitiated, ConnectWithoutConnectionIdentifier_ReleasesEproto) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kConnect, cref);
  const Message r = u.peer.expect(MessageType::kRelease);
  EXPECT_EQ(cause_of(r), 96);
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -EPROTO);
}

TEST(UserU1CallInitiated, Alerting_EntersU4AndKeepsTheVci) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kAlerting, cref, {conn_id(0, 50)});
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kCallDelivered);
  u.net(MessageType::kConnect, cref);
  auto est = events_of<CcEstablished>(u.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 50);
}

TEST(UserU1CallInitiated, ReleaseCompleteCause1_FailsEaddrnotavail) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kReleaseComplete, cref, {cause_ie(1)});
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -EADDRNOTAVAIL);
  EXPECT_TRUE(u.peer.inbox.empty());
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU1CallInitiated, ReleaseCause88_ReleaseCompleteAndEconnrefused) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kRelease, cref, {cause_ie(88)});
  const Message rc = u.peer.expect(MessageType::kReleaseComplete);
  EXPECT_TRUE(rc.ies.empty());
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -ECONNREFUSED);
}

TEST(UserU1CallInitiated, KernelClose_SendsReleaseAndWaits) {
  User u;
  u.place();
  u.req(CcRelease{1});
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 31);
  EXPECT_TRUE(u.ev().empty());  // no answer to CcRelease
  EXPECT_EQ(u.uni().call_count(), 1u);
}

TEST(UserU1CallInitiated, StatusEnquiry_StatusU1Cause30) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kStatusEnquiry, cref);
  const Message st = u.peer.expect(MessageType::kStatus);
  EXPECT_EQ(state_of(st), 1);
  EXPECT_EQ(cause_of(st), 30);
  EXPECT_FALSE(st.cref.flag);
}

TEST(UserU1CallInitiated, ConnectAck_Status101) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kConnectAcknowledge, cref);
  const Message st = u.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 101);
  EXPECT_EQ(state_of(st), 1);
}

// The network is Active, we never got its CONNECT (lost in an SSCOP
// recovery): incompatible, released with cause 101 at once.
TEST(UserU1CallInitiated, StatusActive_ReleasesCause101) {
  for (const bool proceeding : {false, true}) {
    User u;
    const auto cref = u.place();
    if (proceeding) u.net(MessageType::kCallProceeding, cref, {conn_id(0, 77)});
    q2931::CallState cs;
    cs.state = 10;
    u.net(MessageType::kStatus, cref, {cs, cause_ie(30)});
    EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 101) << proceeding;
    EXPECT_EQ(events_of<CcReleased>(u.take()).at(0).err, -EPROTO) << proceeding;
  }
}

// Issue 14: the queue of messages waiting for a link that is down is
// bounded (UniParams::max_pending): at the bound a new call is refused at
// once with -ENETDOWN; when the link is back the queued SETUPs go out.
TEST(UserLinkDown, PendingQueueBounded_CallsRefusedEnetdownAtTheBound) {
  UniParams p = UniParams::defaults(Side::kUser, Version::kUni30);
  p.max_pending = 3;
  User u(p);
  u.link.up = false;
  u.advance(20s);  // SSCOP gives up: the link is down
  ASSERT_FALSE(u.uni().link_up());
  for (atmsvc::SockId s = 1; s <= 5; ++s) u.req(connect_req(s));
  const auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 2u);
  EXPECT_EQ(rel[0].sock, 4u);
  EXPECT_EQ(rel[0].err, -ENETDOWN);
  EXPECT_EQ(rel[1].sock, 5u);
  EXPECT_EQ(u.uni().stats().calls_refused_link_down, 2u);
  EXPECT_EQ(u.uni().call_count(), 3u);
  u.link.up = true;
  u.advance(3s);  // re-established (link_retry): the three SETUPs go out
  for (int i = 0; i < 3; ++i) u.peer.expect(MessageType::kSetup);
}

TEST(UserU1CallInitiated, LinkFailure_ClearedAtOnceEnetreset) {
  User u;
  u.place();
  u.link.up = false;
  u.advance(20s);  // SSCOP gives up (NO-RESPONSE) long before
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -ENETRESET);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

// --- U3 Outgoing Call Proceeding --------------------------------------------

TEST(UserU3OutgoingCallProceeding, T310Expiry_ReleasesWithCause102) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kCallProceeding, cref, {conn_id(0, 32)});
  u.advance(10s);
  const Message r = u.peer.expect(MessageType::kRelease);
  EXPECT_EQ(cause_of(r), 102);
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -ETIMEDOUT);
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kNull);  // socket forgotten
  u.net(MessageType::kReleaseComplete, cref);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU3OutgoingCallProceeding, SecondCallProceeding_Status101) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kCallProceeding, cref, {conn_id(0, 32)});
  u.net(MessageType::kCallProceeding, cref, {conn_id(0, 32)});
  EXPECT_EQ(state_of(u.peer.expect(MessageType::kStatus)), 3);
}

TEST(UserU3OutgoingCallProceeding, Uni40T310Is30s) {
  User u(Version::kUni40);
  const auto cref = u.place();
  u.net(MessageType::kCallProceeding, cref, {conn_id(0, 32)});
  u.advance(29s);
  EXPECT_TRUE(u.peer.inbox.empty());
  u.advance(1s);
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 102);
}

// --- U4 Call Delivered ------------------------------------------------------

TEST(UserU4CallDelivered, T301Expiry_Uni40_ReleasesCause102) {
  User u(Version::kUni40);
  const auto cref = u.place();
  u.net(MessageType::kAlerting, cref, {conn_id(0, 32)});
  u.advance(179s);
  EXPECT_TRUE(u.peer.inbox.empty());
  u.advance(1s);
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 102);
  EXPECT_EQ(events_of<CcReleased>(u.take()).at(0).err, -ETIMEDOUT);
}

TEST(UserU4CallDelivered, Uni30HasNoT301) {
  User u;
  const auto cref = u.place();
  u.net(MessageType::kAlerting, cref, {conn_id(0, 32)});
  u.advance(600s);
  EXPECT_TRUE(u.peer.inbox.empty());
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kCallDelivered);
}

TEST(UserU4CallDelivered, Notify_Uni40_Noted) {
  User u(Version::kUni40);
  const auto cref = u.place();
  u.net(MessageType::kAlerting, cref, {conn_id(0, 32)});
  q2931::NotificationIndicator n;
  n.description = {0x01};
  u.net(MessageType::kNotify, cref, {n});
  EXPECT_TRUE(u.peer.inbox.empty());
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kCallDelivered);
}

// --- U6 Call Present ---------------------------------------------------------

TEST(UserU6CallPresent, Setup_OffersTheCallWithTheNetworksVci) {
  User u;
  u.send(network_setup(77, 40, Version::kUni30));
  auto inc = events_of<CcIncoming>(u.take());
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].pvc.sap_addr.vci, 40);
  EXPECT_EQ(inc[0].pvc.sap_addr.vpi, 0);
  EXPECT_EQ(inc[0].qos.rxtp.max_pcr, 1000);
  EXPECT_EQ(inc[0].called.sas_addr.prv[18], 1);
  EXPECT_EQ(inc[0].calling.sas_addr.prv[18], 9);
  EXPECT_EQ(u.uni().state_of_call(inc[0].call), CallState::kCallPresent);
  EXPECT_TRUE(u.peer.inbox.empty());  // like the original: no CALL PROCEEDING
}

TEST(UserU6CallPresent, SetupWithoutConnectionIdentifier_ReleaseCompleteCause96) {
  User u;
  u.send(network_setup(77, 40, Version::kUni30, false));
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kReleaseComplete)), 96);
  EXPECT_TRUE(u.ev().empty());
}

TEST(UserU6CallPresent, SetupOnAVciInUse_ReleaseCompleteCause35) {
  User u;
  u.offered(77, 40);
  u.send(network_setup(78, 40, Version::kUni30));
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kReleaseComplete)), 35);
  EXPECT_EQ(u.uni().call_count(), 1u);
}

TEST(UserU6CallPresent, RepeatedSetup_Ignored) {
  User u;
  u.offered(77, 40);
  u.send(network_setup(77, 40, Version::kUni30));
  EXPECT_TRUE(u.peer.inbox.empty());
  EXPECT_TRUE(u.ev().empty());
}

TEST(UserU6CallPresent, Accept_SendsConnectAndEntersU8) {
  User u;
  const auto id = u.offered();
  u.req(CcAccept{id, 5});
  const Message c = u.peer.expect(MessageType::kConnect);
  EXPECT_TRUE(c.cref.flag);
  const auto& a5 = std::get<q2931::Aal5>(c.find<q2931::AalParameters>()->aal);
  EXPECT_EQ(a5.fwd_max_sdu, 9180);
  EXPECT_EQ(a5.mode, 1);
  EXPECT_EQ(u.uni().state_of_sock(5), CallState::kConnectRequest);
  EXPECT_TRUE(u.ev().empty());
}

TEST(UserU6CallPresent, RejectNoListener_ReleaseCompleteCause88) {
  User u;
  const auto id = u.offered();
  u.req(CcReject{id, RejectReason::kNoListener, 0});
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kReleaseComplete)), 88);
  EXPECT_EQ(u.uni().call_count(), 0u);
  EXPECT_TRUE(u.ev().empty());
}

// The user of signaling is not reading (issue 14): 41, try again soon.
TEST(UserU6CallPresent, RejectUserStalled_ReleaseCompleteCause41) {
  User u;
  const auto id = u.offered();
  u.req(CcReject{id, RejectReason::kUserStalled, 0});
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kReleaseComplete)), 41);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU6CallPresent, RejectByKernelEbusy_Cause17) {
  User u;
  const auto id = u.offered();
  u.req(CcReject{id, RejectReason::kKernelRejected, -EBUSY});
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kReleaseComplete)), 17);
}

TEST(UserU6CallPresent, PeerRelease_ReleaseCompleteAndIncomingGone) {
  User u;
  const auto id = u.offered(77);
  Message r = msg(MessageType::kRelease, 77, false);
  r.add(cause_ie(31));
  u.send(r);
  u.peer.expect(MessageType::kReleaseComplete);
  auto gone = events_of<CcIncomingGone>(u.take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].call, id);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU6CallPresent, AcceptOfAVanishedCall_Econnaborted) {
  User u;
  const auto id = u.offered(77);
  u.send(msg(MessageType::kReleaseComplete, 77, false));
  u.take();
  u.req(CcAccept{id, 5});
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -ECONNABORTED);
}

TEST(UserU9IncomingCallProceeding, Option_SendsCallProceedingThenConnect) {
  UniParams p = UniParams::defaults(Side::kUser, Version::kUni31);
  p.user_sends_call_proceeding = true;
  User u(p);
  const auto id = u.offered();
  u.peer.expect(MessageType::kCallProceeding);
  EXPECT_EQ(u.uni().state_of_call(id), CallState::kIncomingCallProceeding);
  u.req(CcReject{id, RejectReason::kKernelRejected, 0});
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 21);  // U9: RELEASE
}

// --- U8 Connect Request ------------------------------------------------------

TEST(UserU8ConnectRequest, ConnectAck_Establishes) {
  User u;
  const auto id = u.offered(77, 40);
  u.req(CcAccept{id, 5});
  u.peer.expect(MessageType::kConnect);
  u.send(msg(MessageType::kConnectAcknowledge, 77, false));
  auto est = events_of<CcEstablished>(u.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 5u);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 40);
  EXPECT_EQ(est[0].qos.rxtp.max_sdu, 9180);
  EXPECT_EQ(est[0].local.sas_addr.prv[18], 1);  // the called address
  EXPECT_EQ(u.uni().state_of_sock(5), CallState::kActive);
}

TEST(UserU8ConnectRequest, T313Expiry_ReleasesCause102Etimedout) {
  User u;
  const auto id = u.offered(77, 40);
  u.req(CcAccept{id, 5});
  u.peer.expect(MessageType::kConnect);
  u.advance(4s);
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 102);
  EXPECT_EQ(events_of<CcReleased>(u.take()).at(0).err, -ETIMEDOUT);
}

TEST(UserU8ConnectRequest, PeerRelease_Econnreset) {
  User u;
  const auto id = u.offered(77, 40);
  u.req(CcAccept{id, 5});
  u.peer.expect(MessageType::kConnect);
  Message r = msg(MessageType::kRelease, 77, false);
  r.add(cause_ie(31));
  u.send(r);
  u.peer.expect(MessageType::kReleaseComplete);
  EXPECT_EQ(events_of<CcReleased>(u.take()).at(0).err, -ECONNRESET);
}

TEST(UserU8ConnectRequest, KernelClose_Release) {
  User u;
  const auto id = u.offered(77, 40);
  u.req(CcAccept{id, 5});
  u.peer.expect(MessageType::kConnect);
  u.req(CcRelease{5});
  u.peer.expect(MessageType::kRelease);
  EXPECT_TRUE(u.ev().empty());
}

// --- U10 Active ----------------------------------------------------------------

TEST(UserU10Active, PeerRelease_ReleaseCompleteAndNormalClose) {
  User u;
  const auto cref = u.active();
  u.net(MessageType::kRelease, cref, {cause_ie(16)});
  u.peer.expect(MessageType::kReleaseComplete);
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, 0);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU10Active, KernelCloseUni30_ReleaseCause31LocationUser) {
  User u;
  u.active();
  u.req(CcRelease{1});
  const Message r = u.peer.expect(MessageType::kRelease);
  EXPECT_EQ(cause_of(r), 31);
  EXPECT_EQ(r.find<q2931::Cause>()->location, q2931::CauseLocation::kUser);
}

TEST(UserU10Active, KernelCloseUni31_ReleaseCause16) {
  User u(Version::kUni31);
  u.active();
  u.req(CcRelease{1});
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 16);
}

TEST(UserU10Active, StatusEnquiry_StatusActive) {
  User u;
  const auto cref = u.active();
  u.net(MessageType::kStatusEnquiry, cref);
  const Message st = u.peer.expect(MessageType::kStatus);
  EXPECT_EQ(state_of(st), 10);
  EXPECT_EQ(cause_of(st), 30);
}

TEST(UserU10Active, StatusNull_CallReleasedLocally) {
  User u;
  const auto cref = u.active();
  q2931::CallState cs;
  cs.state = 0;
  u.net(MessageType::kStatus, cref, {cs, cause_ie(30)});
  const auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -ENETRESET);  // the peer lost the call (the original: 0)
  EXPECT_EQ(u.uni().call_count(), 0u);
  EXPECT_TRUE(u.peer.inbox.empty());
}

TEST(UserU10Active, StatusIncompatibleState_ReleasesCause101) {
  User u;
  const auto cref = u.active();
  q2931::CallState cs;
  cs.state = 6;
  u.net(MessageType::kStatus, cref, {cs, cause_ie(30)});
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 101);
  EXPECT_EQ(events_of<CcReleased>(u.take()).at(0).err, -EPROTO);
}

TEST(UserU10Active, StatusCompatibleState_NoAction) {
  User u;
  const auto cref = u.active();
  q2931::CallState cs;
  cs.state = 10;
  u.net(MessageType::kStatus, cref, {cs, cause_ie(97)});
  EXPECT_TRUE(u.peer.inbox.empty());
  EXPECT_TRUE(u.ev().empty());
}

TEST(UserU10Active, UnexpectedConnect_Status101) {
  User u;
  const auto cref = u.active();
  u.net(MessageType::kConnect, cref);
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kStatus)), 101);
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kActive);
}

TEST(UserU10Active, UnimplementedAddParty_Status97) {
  User u;
  const auto cref = u.active();
  q2931::CalledPartyNumber cd;
  cd.address.assign(20, 0x47);
  q2931::EndpointReference er;
  u.net(MessageType::kAddParty, cref, {cd, er});
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kStatus)), 97);
}

TEST(UserU10Active, UnrecognizedIe_ActsAndReportsStatus99) {
  User u;
  const auto cref = u.active();
  q2931::UnknownIe x;
  x.id = 0x7a;
  x.content = {0x01};
  u.net(MessageType::kRelease, cref, {cause_ie(16), x});
  u.peer.expect(MessageType::kReleaseComplete);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU10Active, ReleaseWithoutCause_ReleaseCompleteCause96) {
  User u;
  const auto cref = u.active();
  u.net(MessageType::kRelease, cref);
  const Message rc = u.peer.expect(MessageType::kReleaseComplete);
  EXPECT_EQ(cause_of(rc), 96);
  EXPECT_EQ(events_of<CcReleased>(u.take()).at(0).err, 0);
}

// --- U11 Release Request ---------------------------------------------------------

TEST(UserU11ReleaseRequest, ReleaseComplete_ToNull) {
  User u;
  const auto cref = u.active();
  u.req(CcRelease{1});
  u.peer.expect(MessageType::kRelease);
  u.net(MessageType::kReleaseComplete, cref);
  EXPECT_EQ(u.uni().call_count(), 0u);
  EXPECT_TRUE(u.ev().empty());
}

TEST(UserU11ReleaseRequest, T308ExpiryOnce_ResendsRelease) {
  User u;
  u.active();
  u.req(CcRelease{1});
  u.peer.expect(MessageType::kRelease);
  u.advance(30s);
  const Message r = u.peer.expect(MessageType::kRelease);
  EXPECT_EQ(r.all<q2931::Cause>().size(), 2u);
  EXPECT_EQ(r.all<q2931::Cause>()[1]->value, 102);
  EXPECT_EQ(u.uni().call_count(), 1u);
}

TEST(UserU11ReleaseRequest, T308ExpiryTwice_ReleasesTheCallReferenceAndRestartsTheVc) {
  User u;
  u.active(1, 44);
  u.req(CcRelease{1});
  u.advance(60s);
  EXPECT_EQ(u.uni().call_count(), 0u);
  EXPECT_TRUE(u.ev().empty());
  u.peer.expect(MessageType::kRelease);
  u.peer.expect(MessageType::kRelease);
  const Message r = u.peer.expect(MessageType::kRestart);
  EXPECT_EQ(r.find<q2931::RestartIndicator>()->restart_class, 0);
  EXPECT_EQ(r.find<q2931::ConnectionIdentifier>()->vci, 44);
  EXPECT_TRUE(u.uni().restart_pending());
}

TEST(UserU11ReleaseRequest, ReleaseCollision_NoReleaseComplete) {
  User u;
  const auto cref = u.active();
  u.req(CcRelease{1});
  u.peer.expect(MessageType::kRelease);
  u.net(MessageType::kRelease, cref, {cause_ie(16)});
  EXPECT_TRUE(u.peer.inbox.empty());
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserU11ReleaseRequest, OtherMessages_Ignored) {
  User u;
  const auto cref = u.active();
  u.req(CcRelease{1});
  u.peer.expect(MessageType::kRelease);
  u.net(MessageType::kConnect, cref);
  EXPECT_TRUE(u.peer.inbox.empty());
}

// --- Link (T309) and STATUS ENQUIRY (T322) -----------------------------------------

TEST(UserT309, ShortOutage_ActiveCallSurvivesAndIsCheckedWithStatusEnquiry) {
  User u;
  const auto cref = u.active();
  u.link.up = false;
  u.advance(8s);  // SSCOP NO-RESPONSE after 7 s
  EXPECT_TRUE(u.uni().t309_running());
  u.link.up = true;
  u.advance(3s);  // the link comes back (BGN every second)
  EXPECT_TRUE(u.uni().link_up());
  EXPECT_FALSE(u.uni().t309_running());
  const Message se = u.peer.expect(MessageType::kStatusEnquiry);
  EXPECT_EQ(se.cref.value, cref);
  q2931::CallState cs;
  cs.state = 10;
  u.net(MessageType::kStatus, cref, {cs, cause_ie(30)});
  u.advance(30s);
  EXPECT_TRUE(u.peer.inbox.empty());  // T322 stopped
  EXPECT_EQ(u.uni().state_of_sock(1), CallState::kActive);
  EXPECT_TRUE(u.ev().empty());
}

TEST(UserT309, Expiry_ClearsTheActiveCallsEnetreset) {
  User u;
  u.active();
  u.link.up = false;
  u.advance(7s + 10s + 1s);
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, -ENETRESET);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserT322, NoStatus_EnquiryRepeatedThenReleasedCause41) {
  User u;
  u.active();
  u.link.up = false;
  u.advance(8s);
  u.link.up = true;
  u.advance(2s);
  u.peer.expect(MessageType::kStatusEnquiry);
  u.advance(4s);
  u.peer.expect(MessageType::kStatusEnquiry);
  u.advance(4s);
  u.peer.expect(MessageType::kStatusEnquiry);
  u.advance(4s);
  EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), 41);
  EXPECT_EQ(events_of<CcReleased>(u.take()).at(0).err, -ETIMEDOUT);
}

TEST(UserLink, ConnectWhileLinkDown_SetupSentWhenTheLinkComesUp) {
  UniParams p = UniParams::defaults(Side::kUser, Version::kUni30);
  UniEnd uut(p);
  RawEnd peer(Version::kUni30);
  Link link(uut, peer);
  uut.request(connect_req(1), link.now);  // never started: on demand
  link.advance(100ms);
  EXPECT_TRUE(uut.uni.link_up());
  peer.expect(MessageType::kSetup);
}

// --- RESTART ---------------------------------------------------------------------

TEST(UserRestart, RestartAllReceived_ClearsCallsAndAcknowledges) {
  User u;
  u.active(1, 32);
  u.active(2, 33);
  u.offered(77, 40);
  u.send(restart_msg(2));
  const Message ack = u.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_TRUE(ack.cref.flag);
  EXPECT_EQ(ack.find<q2931::RestartIndicator>()->restart_class, 2);
  auto ev = u.take();
  EXPECT_EQ(events_of<CcReleased>(ev).size(), 2u);
  for (const auto& e : events_of<CcReleased>(ev)) EXPECT_EQ(e.err, -ENETRESET);
  EXPECT_EQ(events_of<CcIncomingGone>(ev).size(), 1u);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

TEST(UserRestart, RestartOneVcReceived_ClearsOnlyThatCall) {
  User u;
  u.active(1, 32);
  u.active(2, 33);
  u.send(restart_msg(0, conn_id(0, 33)));
  const Message ack = u.peer.expect(MessageType::kRestartAcknowledge);
  EXPECT_EQ(ack.find<q2931::ConnectionIdentifier>()->vci, 33);
  auto rel = events_of<CcReleased>(u.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 2u);
  EXPECT_EQ(u.uni().call_count(), 1u);
}

TEST(UserRestart, RestartClass0WithoutConnectionIdentifier_Status96) {
  User u;
  u.send(restart_msg(0));  // class 0 without its connection identifier
  const Message st = u.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), 96);
  EXPECT_TRUE(st.cref.is_global());
}

TEST(UserRestart, SendRestart_T316RetransmitsThenGivesUp) {
  User u;
  u.active();
  u.uut->restart(std::nullopt, u.link.now);
  u.link.pump();
  EXPECT_EQ(events_of<CcReleased>(u.take()).at(0).err, -ENETRESET);
  const Message r = u.peer.expect(MessageType::kRestart);
  EXPECT_TRUE(r.cref.is_global());
  EXPECT_FALSE(r.cref.flag);
  EXPECT_TRUE(u.uni().restart_pending());
  u.advance(120s);
  u.peer.expect(MessageType::kRestart);
  u.advance(120s);
  EXPECT_TRUE(u.peer.inbox.empty());
  EXPECT_FALSE(u.uni().restart_pending());
}

TEST(UserRestart, RestartAcknowledge_StopsT316) {
  User u;
  u.uut->restart(std::nullopt, u.link.now);
  u.link.pump();
  u.peer.expect(MessageType::kRestart);
  Message a = msg(MessageType::kRestartAcknowledge, 0, true);
  q2931::RestartIndicator ri;
  ri.restart_class = 2;
  a.add(ri);
  u.send(a);
  EXPECT_FALSE(u.uni().restart_pending());
  u.advance(300s);
  EXPECT_TRUE(u.peer.inbox.empty());
}

TEST(UserRestart, UnsolicitedRestartAcknowledge_Ignored) {
  User u;
  Message a = msg(MessageType::kRestartAcknowledge, 0, true);
  q2931::RestartIndicator ri;
  a.add(ri);
  u.send(a);
  EXPECT_TRUE(u.peer.inbox.empty());
}

TEST(UserRobustness, GarbageFromTheLink_NeverCrashes) {
  User u;
  const auto cref = u.active();
  const UniStats before = u.uni().stats();
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    Bytes b(rng() % 40);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (b.size() > 2 && (i % 2) == 0) {
      b[0] = 0x09;
      b[1] = 0x03;
    }
    u.peer.send_bytes(b, u.link.now);
    u.link.pump();
  }
  u.peer.inbox.clear();
  // Every message reached call control, and the garbage was counted as bad.
  const UniStats& after = u.uni().stats();
  EXPECT_EQ(after.messages_in - before.messages_in, 2000u);
  EXPECT_GT(after.messages_bad - before.messages_bad, 1000u);
  EXPECT_TRUE(u.uni().link_up());
  // Whatever the garbage offered is refused; the active call is still there
  // (or was cleared once, with the kernel told).
  for (const auto& inc : events_of<CcIncoming>(u.ev()))
    u.req(CcReject{inc.call, RejectReason::kListenerClosed, 0});
  u.peer.inbox.clear();
  const auto gone = events_of<CcReleased>(u.take());
  EXPECT_LE(gone.size(), 1u);
  EXPECT_EQ(u.uni().state_of_sock(1), gone.empty() ? CallState::kActive : CallState::kNull);
  // A new call is placed, connected and released as usual.
  const auto cref2 = u.place(2);
  u.net(MessageType::kConnect, cref2, {conn_id(0, 33)});
  u.peer.expect(MessageType::kConnectAcknowledge);
  EXPECT_EQ(events_of<CcEstablished>(u.take()).size(), 1u);
  u.req(CcRelease{2});
  u.peer.expect(MessageType::kRelease);
  u.net(MessageType::kReleaseComplete, cref2);
  EXPECT_EQ(u.uni().state_of_sock(2), CallState::kNull);
  // No call leaked: with the first call cleared too, nothing is left.
  if (gone.empty()) {
    u.req(CcRelease{1});
    u.peer.expect(MessageType::kRelease);
    u.net(MessageType::kReleaseComplete, cref);
  }
  u.advance(200s);
  EXPECT_EQ(u.uni().call_count(), 0u);
}

}  // namespace
}  // namespace atmsigd::callctl::test
