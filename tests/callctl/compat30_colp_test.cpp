// uni31+uni30 (UNI 3.1 with UNI 3.0 compatibility, the original's S_UNI31|S_UNI30)
// facing a UNI 3.0 peer, and COLP (the connected number in CONNECT).
//
// What the original does with both bits set (linux-atm sigd): the tests of `uni ==
// S_UNI30` are false (no AAL Mode in SETUP / CONNECT, ITU-T QoS coding, cause 16 on
// an active close, the UNI 3.1 endpoint reference rule, Q.2110 SSCOP), the tests of
// `uni & S_UNI30` true (B-BC octet 5a forced on UBR, a high layer profile B-HLI may
// be sent, cause 93 for an AAL it cannot support).
#include <gtest/gtest.h>

#include <cstring>

#include "atmsigd/callctl/mapping.hpp"
#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

constexpr Version kBoth = Version::kUni31Compat30;

// The unit under test (user side) and a scripted peer that codes its messages as
// UNI 3.0 (the peer's SSCOP is the combined mode's: Q.2110).
struct Peer30 : Fixture {
  explicit Peer30(Version v = kBoth) : Fixture(Side::kUser, v) {}
  void send30(const Message& m) {
    peer.send_bytes(q2931::encode(m, Version::kUni30), link.now);
    link.pump();
  }
  // A UNI 3.0 SETUP: AAL Mode "message", B-BC octet 5a, network-specific QoS.
  static Message setup30(std::uint32_t cref = 77, std::uint16_t vci = 40) {
    Message s = network_setup(cref, vci, Version::kUni30);
    for (auto& ie : s.ies)
      if (auto* a = std::get_if<q2931::AalParameters>(&ie)) std::get<q2931::Aal5>(a->aal).mode = 1;
    return s;
  }
};

// A Uni under test with the given parameters, facing a peer of the same version.
struct User40 : Fixture {
  explicit User40(UniParams p) : Fixture(p, p.version) {}
};

TEST(Compat30, SscopIsQ2110AsTheOriginalsCombinedMode) {
  EXPECT_EQ(sscf::Params::for_uni(kBoth).sscop.mode, sscop::Mode::kQ2110);
  EXPECT_EQ(sscf::Params::for_uni(Version::kUni30).sscop.mode, sscop::Mode::kQSaal1);
}

TEST(Compat30, Uni30PeersSetup_OfferedWithoutComplaint_ConnectHasNoAalMode) {
  Peer30 u;
  const Message s = Peer30::setup30();
  ASSERT_EQ(std::get<q2931::Aal5>(s.find<q2931::AalParameters>()->aal).mode, 1);
  u.send30(s);
  const auto inc = events_of<CcIncoming>(u.take());
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].qos.rxtp.max_sdu, 9180);
  EXPECT_EQ(inc[0].qos.txtp.traffic_class, ATM_UBR);
  EXPECT_TRUE(u.peer.inbox.empty());  // no STATUS: every UNI 3.0 coding was accepted
  u.req(CcAccept{inc[0].call, 5});
  const Message c = u.peer.expect(MessageType::kConnect);
  const auto& a5 = std::get<q2931::Aal5>(c.find<q2931::AalParameters>()->aal);
  EXPECT_EQ(a5.fwd_max_sdu, 9180);
  EXPECT_FALSE(a5.mode.has_value());  // `uni == S_UNI30` only
}

TEST(Compat30, OutgoingUbrSetup_Bbc5aForced_NoAalMode_ItuQos) {
  for (const Version v : {kBoth, Version::kUni31, Version::kUni30}) {
    SCOPED_TRACE(q2931::version_name(v));
    Peer30 u(v);
    u.req(connect_req(1));
    const Message s = u.peer.expect(MessageType::kSetup);
    const auto* bc = s.find<q2931::BroadbandBearerCapability>();
    ASSERT_NE(bc, nullptr);
    // `uni & S_UNI30`: octet 5a on UBR ("UNI 3.0 wants this").
    EXPECT_EQ(bc->transfer_capability.has_value(), v != Version::kUni31);
    const auto& a5 = std::get<q2931::Aal5>(s.find<q2931::AalParameters>()->aal);
    EXPECT_EQ(a5.mode.has_value(), v == Version::kUni30);
    EXPECT_EQ(s.find<q2931::QosParameter>()->hdr.coding, v == Version::kUni30
                                                             ? q2931::CodingStandard::kNetwork
                                                             : q2931::CodingStandard::kItuT);
  }
}

TEST(Compat30, ActiveClose_Cause16AsUni31) {
  for (const Version v : {kBoth, Version::kUni30}) {
    SCOPED_TRACE(q2931::version_name(v));
    Peer30 u(v);
    u.req(connect_req(1));
    const Message s = u.peer.expect(MessageType::kSetup);
    Message cp = msg(MessageType::kCallProceeding, s.cref.value, true);
    cp.add(conn_id(0, 33));
    u.send30(cp);
    u.send30(msg(MessageType::kConnect, s.cref.value, true));
    u.peer.expect(MessageType::kConnectAcknowledge);
    EXPECT_EQ(events_of<CcEstablished>(u.take()).size(), 1u);
    u.req(CcRelease{1});
    EXPECT_EQ(cause_of(u.peer.expect(MessageType::kRelease)), v == kBoth ? 16 : 31);
  }
}

TEST(Compat30, IncomingAal1_ReleaseComplete93AsUni30) {
  for (const Version v : {kBoth, Version::kUni30, Version::kUni31}) {
    SCOPED_TRACE(q2931::version_name(v));
    Peer30 u(v);
    Message s = Peer30::setup30();
    for (auto& ie : s.ies)
      if (auto* a = std::get_if<q2931::AalParameters>(&ie)) a->aal = q2931::Aal1{};
    u.send30(s);
    EXPECT_EQ(cause_of(u.peer.expect(MessageType::kReleaseComplete)),
              v == Version::kUni31 ? 78 : 93);
    EXPECT_TRUE(u.take().empty());
  }
}

TEST(Compat30, HighLayerProfileBhli_SentOnlyWithUni30) {
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  sap.bhli.hl_type = ATM_HL_HLP;
  sap.bhli.hl_length = 4;
  const unsigned char hlp[4] = {1, 2, 3, 4};
  std::memcpy(sap.bhli.hl_info, hlp, 4);
  for (const Version v : {kBoth, Version::kUni30, Version::kUni31, Version::kUni40}) {
    SCOPED_TRACE(q2931::version_name(v));
    Message m = msg(MessageType::kSetup, 1, false);
    const auto err = add_setup_ies(m, nsap(2), nsap(1), sap, ubr(), v, kDefaultLinkRate, nullptr);
    const bool allowed = v == kBoth || v == Version::kUni30;
    EXPECT_EQ(err.has_value(), !allowed);
    if (allowed) {
      const auto* h = m.find<q2931::BroadbandHighLayerInfo>();
      ASSERT_NE(h, nullptr);
      EXPECT_EQ(h->type, 2);  // high layer profile
    }
  }
}

// ---- COLP ----

TEST(Colp, CalleesConnectCarriesTheLocalAddressWhenEnabled) {
  UniParams p = UniParams::defaults(Side::kUser, Version::kUni40);
  p.connected_number = true;
  User40 u(p);
  u.send(network_setup(77, 40, Version::kUni40));
  const auto inc = events_of<CcIncoming>(u.take());
  ASSERT_EQ(inc.size(), 1u);
  u.req(CcAccept{inc[0].call, 5});
  const Message c = u.peer.expect(MessageType::kConnect);
  const auto* n = c.find<q2931::ConnectedNumber>();
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->plan, q2931::numbering::kPlanNsap);
  // The address the kernel gets as the socket's local address (the called one).
  const auto local = decode_connected_party(c);
  EXPECT_EQ(std::memcmp(local.sas_addr.prv, inc[0].called.sas_addr.prv, ATM_ESA_LEN), 0);
  u.send(msg(MessageType::kConnectAcknowledge, 77, false));
  const auto est = events_of<CcEstablished>(u.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(std::memcmp(est[0].local.sas_addr.prv, local.sas_addr.prv, ATM_ESA_LEN), 0);
}

TEST(Colp, OffByDefaultAndNeverInUni3x) {
  {
    User40 u(UniParams::defaults(Side::kUser, Version::kUni40));
    u.send(network_setup(77, 40, Version::kUni40));
    const auto inc = events_of<CcIncoming>(u.take());
    ASSERT_EQ(inc.size(), 1u);
    u.req(CcAccept{inc[0].call, 5});
    EXPECT_EQ(u.peer.expect(MessageType::kConnect).find<q2931::ConnectedNumber>(), nullptr);
  }
  UniParams p = UniParams::defaults(Side::kUser, Version::kUni31);
  p.connected_number = true;
  User40 u(p);
  u.send(network_setup(77, 40, Version::kUni31));
  const auto inc = events_of<CcIncoming>(u.take());
  ASSERT_EQ(inc.size(), 1u);
  u.req(CcAccept{inc[0].call, 5});
  EXPECT_EQ(u.peer.expect(MessageType::kConnect).find<q2931::ConnectedNumber>(), nullptr);
}

TEST(Colp, CallerAcceptsAConnectWithConnectedNumberAndSubaddress) {
  User40 u(UniParams::defaults(Side::kUser, Version::kUni40));
  u.req(connect_req(1));
  const Message s = u.peer.expect(MessageType::kSetup);
  Message cp = msg(MessageType::kCallProceeding, s.cref.value, true);
  cp.add(conn_id(0, 33));
  u.send(cp);
  Message c = msg(MessageType::kConnect, s.cref.value, true);
  struct sockaddr_atmsvc e164 = nsap(2);
  std::strcpy(e164.sas_addr.pub, "4122");
  add_connected_party(c, e164, Version::kUni40);
  ASSERT_NE(c.find<q2931::ConnectedSubaddress>(), nullptr);
  u.send(c);
  u.peer.expect(MessageType::kConnectAcknowledge);  // no STATUS: both IEs known
  EXPECT_TRUE(u.peer.inbox.empty());
  EXPECT_EQ(events_of<CcEstablished>(u.take()).size(), 1u);
  const auto back = decode_connected_party(c);
  EXPECT_STREQ(back.sas_addr.pub, "4122");
  EXPECT_EQ(std::memcmp(back.sas_addr.prv, e164.sas_addr.prv, ATM_ESA_LEN), 0);
}

}  // namespace
}  // namespace atmsigd::callctl::test
