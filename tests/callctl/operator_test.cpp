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

TEST(OperatorView, ACallInSetupShowsItsAddressesAnActiveOneDoesNotKeepThem) {
  Operator p;
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
  ASSERT_TRUE(v[0].remote);
  EXPECT_EQ(std::memcmp(v[0].remote->sas_addr.prv, nsap(1).sas_addr.prv, 20), 0);
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
  EXPECT_FALSE(v[0].remote);  // freed with the setup part (issue 13, memory)
  EXPECT_FALSE(v[0].local);
}

TEST(OperatorRelease, AnActiveCallIsReleasedWithTheCauseAndTheKernelTold) {
  Operator p;
  p.req(connect_req(1));
  const Message s = p.peer.expect(MessageType::kSetup);
  Message cp = msg(MessageType::kCallProceeding, s.cref.value, true);
  cp.add(conn_id(0, 40));
  p.send(cp);
  p.send(msg(MessageType::kConnect, s.cref.value, true));
  p.peer.expect(MessageType::kConnectAcknowledge);
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
