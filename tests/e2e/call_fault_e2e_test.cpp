// Two demons back to back (see call_demons.hpp) when things go wrong: the
// peer never answers (T310, T303), the link goes down and up during a call
// (peer killed and restarted, killed for good, stopped for a while), and a
// demon shuts down while its peer is frozen. Timers are made short through
// the configuration keywords (docs/config.md: sig timer, saal timer).
#include <gtest/gtest.h>

#include <cerrno>

#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

const std::string kEtimedout = std::to_string(-ETIMEDOUT);
const std::string kEnetreset = std::to_string(-ENETRESET);
const std::string kEconnaborted = std::to_string(-ECONNABORTED);

class CallFaults : public ::testing::TestWithParam<const char*> {
 protected:
  void start(const std::vector<std::string>& user_conf, const std::vector<std::string>& net_conf) {
    const int base = port_base();
    user = std::make_unique<Side>("user", "user", kUserAddr, base, base + 1, GetParam(), user_conf);
    net = std::make_unique<Side>("net", "network", kNetAddr, base + 1, base, GetParam(), net_conf);
    ASSERT_TRUE(user->wait_log("signaling link up")) << user->log();
    ASSERT_TRUE(net->wait_log("signaling link up")) << net->log();
  }
  void TearDown() override {
    if (net && net_stopped) net->proc->signal(SIGCONT);
    if (user) {
      EXPECT_EQ(user->stop(), 0);
    }
    if (net) {
      EXPECT_EQ(net->stop(), 0);
    }
  }
  // A call from the user side's kernel to the network side's, accepted.
  void active_call() {
    ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr, "expect L okay"}));
    ASSERT_TRUE(user->run({"connect C to=" + kNetAddr}));
    ASSERT_TRUE(net->run({"expect L indicate", "accept N L", "expect N okay"}));
    ASSERT_TRUE(user->run({"expect C okay"}));
  }
  void freeze_net() {
    net->proc->signal(SIGSTOP);
    net_stopped = true;
  }
  void thaw_net() {
    net->proc->signal(SIGCONT);
    net_stopped = false;
  }
  std::unique_ptr<Side> user, net;
  bool net_stopped = false;
};

// 2a. The called side's kernel never accepts. The network side answered the
// SETUP with CALL PROCEEDING at once, so the caller's T310 runs out: RELEASE
// cause 102, the caller's kernel gets as_error -ETIMEDOUT; the called side's
// pending indication is gone, its late accept gets as_error -ECONNABORTED.
TEST_P(CallFaults, CalledKernelNeverAccepts_T310ExpiresAtTheCaller) {
  start({"sig timer t310 400ms"}, {});
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr, "expect L okay"}));
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr}));
  ASSERT_TRUE(net->run({"expect L indicate"}));
  ASSERT_TRUE(user->run({"expect C error reply=" + kEtimedout}));
  EXPECT_NE(user->log().find("T310 expired"), std::string::npos) << user->log();
  ASSERT_TRUE(net->wait_log("cleared by the caller")) << net->log();
  ASSERT_TRUE(net->run({"accept N L", "expect N error reply=" + kEconnaborted}));
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0"}));
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0"}));
}

// The other direction: the user side (end system) sends no CALL PROCEEDING
// (as the original), so the caller's equivalent is T303: SETUP sent twice,
// then RELEASE COMPLETE cause 102 and as_error -ETIMEDOUT.
TEST_P(CallFaults, CalledKernelNeverAccepts_T303ExpiresTwiceAtTheNetworkSide) {
  start({}, {"sig timer t303 300ms"});
  ASSERT_TRUE(user->run({"listen L addr=" + kUserAddr, "expect L okay"}));
  ASSERT_TRUE(net->run({"connect C to=" + kUserAddr}));
  ASSERT_TRUE(user->run({"expect L indicate"}));
  ASSERT_TRUE(net->run({"expect C error reply=" + kEtimedout}));
  EXPECT_EQ(count_of(net->log(), "T303 expired"), 2u) << net->log();
  EXPECT_EQ(count_of(net->log(), "SETUP sent again"), 1u) << net->log();
  ASSERT_TRUE(user->wait_log("cleared by the caller")) << user->log();
  ASSERT_TRUE(user->run({"accept N L", "expect N error reply=" + kEconnaborted}));
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0"}));
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0"}));
}

// 2b. The peer demon is frozen while the SETUP goes out: T303 expires, the
// SETUP is sent again, T303 expires again: as_error -ETIMEDOUT (well before
// SSCOP's NO-RESPONSE, 7 s, would take the link down). When the peer wakes up
// it sees the SETUP and the RELEASE COMPLETE: its listener's indication is
// gone, and nothing is left on either side.
TEST_P(CallFaults, PeerFrozenDuringSetup_T303RetransmissionThenEtimedout) {
  start({"sig timer t303 300ms"}, {});
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr, "expect L okay"}));
  freeze_net();
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr, "expect C error reply=" + kEtimedout}));
  EXPECT_EQ(count_of(user->log(), "T303 expired"), 2u) << user->log();
  EXPECT_EQ(count_of(user->log(), "SETUP sent again"), 1u) << user->log();
  EXPECT_EQ(user->log().find("signaling link down"), std::string::npos) << user->log();
  thaw_net();
  ASSERT_TRUE(net->run({"expect L indicate"}));
  ASSERT_TRUE(net->wait_log("cleared by the caller")) << net->log();
  ASSERT_TRUE(net->run({"accept N L", "expect N error reply=" + kEconnaborted}));
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0"}));
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0"}));
}

// SSCOP timers of the survivor for the link tests: NO-RESPONSE 1 s.
const std::vector<std::string> kFastSaal = {"saal timer poll 200ms", "saal timer keepalive 300ms",
                                            "saal timer noresponse 1s"};
std::vector<std::string> with(std::vector<std::string> v, const std::string& more) {
  v.push_back(more);
  return v;
}

// 3a. The peer demon is killed with an active call and restarted within T309.
// The survivor's SAAL notices (NO-RESPONSE), keeps the call (T309), the link
// comes back with the new peer, the survivor checks the call with STATUS
// ENQUIRY, the new peer knows nothing of it (STATUS, Null): the call is
// cleared and the survivor's kernel gets as_close -ENETRESET.
TEST_P(CallFaults, PeerKilledAndRestartedWithinT309_StatusEnquiryClearsTheCall) {
  start(with(kFastSaal, "sig timer t309 8s"), {});
  active_call();
  net->kill();
  ASSERT_TRUE(user->wait_log("signaling link down")) << user->log();
  ASSERT_TRUE(user->wait_log("T309 started")) << user->log();
  net->launch();
  ASSERT_TRUE(user->run({"expect C close reply=" + kEnetreset + " within=8000"}));
  const std::string ulog = user->log();
  EXPECT_NE(ulog.find("T309 stopped"), std::string::npos) << ulog;
  EXPECT_NE(ulog.find("-> STATUS ENQUIRY"), std::string::npos) << ulog;
  EXPECT_NE(ulog.find("STATUS says the peer is in Null"), std::string::npos) << ulog;
  EXPECT_EQ(ulog.find("T309 expired"), std::string::npos) << ulog;
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0", "sockets: 0"}));
}

// The same, the peer back before the survivor's SSCOP noticed anything: the
// new peer's BGN re-establishes the link (AAL-ESTABLISH.indication while up),
// which is checked with STATUS ENQUIRY as well. Under Q.2110 (UNI 3.1/4.0) the
// new SSCOP's BGN carries the same N(SQ) as its predecessor's: it is a new
// connection because the old peer had long been past its BGN (fb94bd6).
TEST_P(CallFaults, PeerKilledAndRestartedAtOnce_StatusEnquiryClearsTheCall) {
  start({}, {});
  active_call();
  net->kill();
  net->launch();
  ASSERT_TRUE(user->run({"expect C close reply=" + kEnetreset + " within=8000"}));
  const std::string ulog = user->log();
  EXPECT_NE(ulog.find("-> STATUS ENQUIRY"), std::string::npos) << ulog;
  EXPECT_NE(ulog.find("STATUS says the peer is in Null"), std::string::npos) << ulog;
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0", "sockets: 0"}));
  // And the link serves new calls.
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr, "expect L okay"}));
  ASSERT_TRUE(user->run({"connect D to=" + kNetAddr}));
  ASSERT_TRUE(net->run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(user->run({"expect D okay", "close D", "expect D close"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));
}

// 3b. The peer is killed and never comes back: NO-RESPONSE, then T309
// expires: as_close -ENETRESET, as the original (which does it at +17 s).
TEST_P(CallFaults, PeerKilledForGood_T309ExpiresEnetreset) {
  start(with(kFastSaal, "sig timer t309 1s"), {});
  active_call();
  net->kill();
  net.reset();
  ASSERT_TRUE(user->run({"expect C close reply=" + kEnetreset + " within=8000"}));
  const std::string ulog = user->log();
  EXPECT_NE(ulog.find("T309 started"), std::string::npos) << ulog;
  EXPECT_NE(ulog.find("T309 expired"), std::string::npos) << ulog;
  EXPECT_LT(ulog.find("signaling link down"), ulog.find("T309 expired")) << ulog;
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0", "sockets: 0"}));
}

// 3c. A short outage: the peer frozen for less than NO-RESPONSE. Nothing is
// noticed; the call is released normally afterwards.
TEST_P(CallFaults, PeerFrozenShorterThanNoResponse_CallSurvives) {
  start({"saal timer poll 200ms", "saal timer keepalive 300ms", "saal timer noresponse 3s"}, {});
  active_call();
  freeze_net();
  ASSERT_TRUE(user->run({"wait 1000"}));
  thaw_net();
  ASSERT_TRUE(user->run({"expect-none within=500", "close C", "expect C close"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));
  EXPECT_EQ(user->log().find("signaling link down"), std::string::npos) << user->log();
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0", "sockets: 0"}));
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0", "sockets: 1"}));
}

// A longer one: frozen for more than NO-RESPONSE but less than T309. The
// survivor's link goes down, T309 keeps the call; when the peer wakes up the
// link is re-established, both ends check the call with STATUS ENQUIRY, find
// it active on the other side and keep it; it is released normally.
TEST_P(CallFaults, PeerFrozenLongerThanNoResponseShorterThanT309_CallSurvives) {
  start(with(kFastSaal, "sig timer t309 10s"), with(kFastSaal, "sig timer t309 10s"));
  active_call();
  freeze_net();
  ASSERT_TRUE(user->wait_log("signaling link down")) << user->log();
  ASSERT_TRUE(user->wait_log("T309 started")) << user->log();
  thaw_net();
  ASSERT_TRUE(user->wait_log("T309 stopped")) << user->log();
  ASSERT_TRUE(user->wait_log("signaling link up", 2)) << user->log();
  // Let both ends' STATUS ENQUIRY be answered: the call must still be there.
  ASSERT_TRUE(user->run({"expect-none within=1000"}));
  ASSERT_TRUE(net->run({"expect-none within=100"}));
  ASSERT_TRUE(user->run({"close C", "expect C close"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));
  const std::string ulog = user->log();
  EXPECT_EQ(ulog.find("T309 expired"), std::string::npos) << ulog;
  EXPECT_EQ(ulog.find("STATUS says the peer is in Null"), std::string::npos) << ulog;
  EXPECT_EQ(net->log().find("STATUS says the peer is in Null"), std::string::npos) << net->log();
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0", "sockets: 0"}));
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0", "sockets: 1"}));
}

// 4. Shutdown while the peer is frozen: the demon sends RELEASE and END, but
// waits for nobody longer than its grace period, and exits 0. The peer, when
// it wakes up, clears the call at once (RELEASE: as_close 0).
TEST_P(CallFaults, ShutdownWithPeerFrozen_BoundedAndPeerClearsWhenItWakes) {
  start({}, {});
  active_call();
  freeze_net();
  EXPECT_EQ(user->stop(), 0);
  EXPECT_NE(user->log().find("not released by the peer"), std::string::npos) << user->log();
  user.reset();
  thaw_net();
  ASSERT_TRUE(net->run({"expect N close reply=0 within=3000"}));
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0"}));
}

INSTANTIATE_TEST_SUITE_P(Uni, CallFaults, ::testing::Values("uni30", "uni31", "uni40"));

}  // namespace
}  // namespace atmsigd::test
