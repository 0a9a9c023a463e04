// The operator's view and release of calls (control socket, issue 18):
// Uni::calls() and Uni::release_call() in virtual time against a scripted
// peer.
#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

struct Operator : Fixture {
  Operator() : Fixture(Side::kUser, Version::kUni31) {}
  std::vector<atmsvc::CallView> views() const {
    std::vector<atmsvc::CallView> v;
    uut->uni.calls(v);
    return v;
  }
  bool release(std::uint32_t cref, bool outgoing, std::uint8_t cause) {
    std::vector<atmsvc::NetOutput> out;
    const bool done = uni().release_call(0, cref, outgoing, cause, link.now, out);
    uut->sort(out);
    link.pump();
    return done;
  }
};

bool same_prv(const std::optional<struct sockaddr_atmsvc>& a, const struct sockaddr_atmsvc& b) {
  return a && std::memcmp(a->sas_addr.prv, b.sas_addr.prv, 20) == 0;
}

// Our call: active at the user side, the CONNECT received.
std::uint32_t place_active(Operator& p, atmsvc::SockId sock, std::uint16_t vci,
                           std::uint8_t to = 1) {
  const Message s = p.outgoing_active(sock, to, vci);
  p.take();
  return s.cref.value;
}

TEST(OperatorView, ACallShowsItsAddressesAndQosInSetupAndOnceActive) {
  Operator p;
  p.uni().set_local_addresses({nsap(7)});
  p.req(connect_req(1));
  const Message s = p.peer.expect(MessageType::kSetup);
  auto v = p.views();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].cref, s.cref.value);
  EXPECT_TRUE(v[0].outgoing);
  EXPECT_EQ(v[0].state, 1);
  EXPECT_EQ(v[0].state_name, "U1 Call Initiated");
  EXPECT_EQ(v[0].timer, "T303");
  EXPECT_EQ(v[0].sock, 1u);
  EXPECT_TRUE(same_prv(v[0].remote, nsap(1)));
  EXPECT_TRUE(same_prv(v[0].local, nsap(7)));  // a null local address: ours
  EXPECT_TRUE(v[0].qos);
  EXPECT_FALSE(v[0].pvc);
  Message cp = msg(MessageType::kCallProceeding, s.cref.value, true);
  cp.add(conn_id(0, 40));
  p.send(cp);
  p.send(msg(MessageType::kConnect, s.cref.value, true));
  p.peer.expect(MessageType::kConnectAcknowledge);
  v = p.views();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].state, 10);
  EXPECT_TRUE(v[0].timer.empty());
  ASSERT_TRUE(v[0].pvc);
  EXPECT_EQ(v[0].pvc->sap_addr.vci, 40);
  // The setup part is freed; the intern tables keep them (issue 18).
  EXPECT_TRUE(same_prv(v[0].remote, nsap(1)));
  EXPECT_TRUE(same_prv(v[0].local, nsap(7)));
  ASSERT_TRUE(v[0].qos);
  EXPECT_EQ(v[0].qos->txtp.traffic_class, ATM_UBR);
  EXPECT_FALSE(v[0].details_unknown);
  EXPECT_EQ(p.uni().details_held(), 3u);  // local, remote, QoS
}

TEST(OperatorView, AnIncomingCallShowsTheCallingPartyAsRemoteOnceActive) {
  Operator p;
  p.send(network_setup(77, 40, Version::kUni31));
  const auto inc = events_of<CcIncoming>(p.take());
  ASSERT_EQ(inc.size(), 1u);
  p.req(CcAccept{inc[0].call, 5});
  p.peer.expect(MessageType::kConnect);
  p.send(msg(MessageType::kConnectAcknowledge, 77, false));
  const auto v = p.views();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].state, 10);
  EXPECT_FALSE(v[0].outgoing);
  EXPECT_TRUE(same_prv(v[0].local, nsap(1)));   // the called party
  EXPECT_TRUE(same_prv(v[0].remote, nsap(9)));  // the calling party
  EXPECT_TRUE(v[0].qos);
}

// Calls to one party share its entry; the entries go with the last call.
TEST(OperatorView, ManyCallsShareTheirAddressesAndTheTableEmptiesWithThem) {
  Operator p;
  std::vector<std::uint32_t> crefs;
  for (std::uint16_t i = 0; i < 8; ++i)
    crefs.push_back(place_active(p, 10 + i, static_cast<std::uint16_t>(40 + i), i % 2 ? 1 : 2));
  // Two remote parties, one local (null: none kept), one QoS.
  EXPECT_EQ(p.uni().details_held(), 3u);
  for (const auto& v : p.views()) EXPECT_TRUE(v.remote);
  for (auto cref : crefs) {
    ASSERT_TRUE(p.release(cref, true, 16));
    p.peer.expect(MessageType::kRelease);
    p.send(msg(MessageType::kReleaseComplete, cref, true));
  }
  EXPECT_EQ(p.uni().call_count(), 0u);
  EXPECT_EQ(p.uni().details_held(), 0u);
}

// A full table: the call goes on, its address is unknown, a counter says so.
TEST(OperatorView, AFullTableLeavesTheAddressUnknownAndCountsIt) {
  UniParams params = UniParams::defaults(Side::kUser, Version::kUni31);
  params.details_bound = 1;
  Fixture f(params, Version::kUni31);
  auto views = [&] {
    std::vector<atmsvc::CallView> v;
    f.uni().calls(v);
    return v;
  };
  const Message s = f.outgoing_active(1, 1, 40);
  const auto est = events_of<CcEstablished>(f.take());
  ASSERT_EQ(est.size(), 1u);  // the call itself is not affected
  const auto v = views();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(same_prv(v[0].remote, nsap(1)));  // the first value fits
  EXPECT_TRUE(v[0].qos);                        // its own table
  const Message s2 = f.outgoing_active(2, 2, 41);
  ASSERT_EQ(events_of<CcEstablished>(f.take()).size(), 1u);
  bool unknown_seen = false;
  for (const auto& w : views()) {
    if (w.cref != s2.cref.value) continue;
    unknown_seen = true;
    EXPECT_TRUE(w.details_unknown);
    EXPECT_FALSE(w.remote);  // nsap(2): no room
    EXPECT_TRUE(w.qos);      // the same QoS: shared
  }
  EXPECT_TRUE(unknown_seen);
  EXPECT_EQ(f.uni().stats().call_details_unknown, 1u);
}

TEST(OperatorRelease, AnActiveCallIsReleasedWithTheCauseAndTheKernelTold) {
  Operator p;
  const Message s = p.outgoing_active(1, 1, 40);
  p.take();
  EXPECT_FALSE(p.release(s.cref.value, false, 31));  // not that direction: nothing
  EXPECT_FALSE(p.release(s.cref.value + 1, true, 31));
  EXPECT_TRUE(p.peer.inbox.empty());
  ASSERT_TRUE(p.release(s.cref.value, true, 31));
  const Message rel = p.peer.expect(MessageType::kRelease);
  EXPECT_EQ(cause_of(rel), 31);
  const auto gone = events_of<CcReleased>(p.take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].sock, 1u);
  EXPECT_EQ(gone[0].err, -ECONNRESET);
  EXPECT_EQ(p.views()[0].state, 11);  // U11, T308
  EXPECT_EQ(p.views()[0].cause, 31);
  EXPECT_FALSE(p.release(s.cref.value, true, 16));  // being cleared already
  p.send(msg(MessageType::kReleaseComplete, s.cref.value, true));
  EXPECT_EQ(p.uni().call_count(), 0u);
}

TEST(OperatorRelease, DuringSetupTheKernelGetsTheCausesErrno) {
  Operator p;
  p.req(connect_req(1));
  const Message s = p.peer.expect(MessageType::kSetup);
  ASSERT_TRUE(p.release(s.cref.value, true, 17));  // user busy
  EXPECT_EQ(cause_of(p.peer.expect(MessageType::kRelease)), 17);
  const auto gone = events_of<CcReleased>(p.take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].err, setup_failure_errno(17));
}

}  // namespace
}  // namespace atmsigd::callctl::test
