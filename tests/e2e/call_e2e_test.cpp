// Two demons back to back over SSCOP/UDP on loopback, one user side and one
// network side, each with its emulated kernel: real Q.2931 calls.
#include <gtest/gtest.h>

#include <set>

#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

class TwoDemons : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const int base = port_base();
    user = std::make_unique<Side>("user", "user", kUserAddr, base, base + 1, GetParam());
    net = std::make_unique<Side>("net", "network", kNetAddr, base + 1, base, GetParam());
    ASSERT_TRUE(user->wait_log("signaling link up")) << user->log();
    ASSERT_TRUE(net->wait_log("signaling link up")) << net->log();
  }
  void TearDown() override {
    if (user) {
      EXPECT_EQ(user->stop(), 0);
    }
    if (net) {
      EXPECT_EQ(net->stop(), 0);
    }
  }
  std::unique_ptr<Side> user, net;
};

TEST_P(TwoDemons, CallPlacedAcceptedAndReleasedByTheCaller) {
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr + " qos=ubr", "expect L okay"}));
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr + " qos=ubr,aal5:max_sdu=8192"}));
  ASSERT_TRUE(net->run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(user->run({"expect C okay"}));
  // Both ends were given the same VCI by the network side.
  const auto* c = user->runner->model().socket(0x1000);
  const auto* n = net->runner->model().socket(0x2000);
  ASSERT_NE(c, nullptr);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(c->last.raw().pvc.sap_addr.vci, n->last.raw().pvc.sap_addr.vci);
  EXPECT_GE(c->last.raw().pvc.sap_addr.vci, 32);
  EXPECT_EQ(c->last.raw().qos.txtp.traffic_class, ATM_UBR);
  ASSERT_TRUE(user->run({"close C", "expect C close"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));
}

TEST_P(TwoDemons, ReleaseByTheCalledSide) {
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr, "expect L okay"}));
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr}));
  ASSERT_TRUE(net->run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(user->run({"expect C okay"}));
  ASSERT_TRUE(net->run({"close N", "expect N close"}));
  ASSERT_TRUE(user->run({"expect C close reply=0"}));
}

TEST_P(TwoDemons, RejectedCallGivesConnRefused) {
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr, "expect L okay"}));
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr}));
  ASSERT_TRUE(net->run({"expect L indicate", "reject L reply=-111"}));
  ASSERT_TRUE(user->run({"expect C error reply=-111"}));
}

TEST_P(TwoDemons, NobodyListeningIsRefused) {
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr, "expect C error"}));
  const auto* c = user->runner->model().socket(0x1000);
  EXPECT_EQ(c, nullptr);  // the kernel model forgot it after as_error
}

// 100 connects issued before any answer: all indicated, accepted, okayed on
// both ends with distinct VCIs that agree, all released; nothing left after.
TEST_P(TwoDemons, HundredCallsAtOnce) {
  constexpr int kCalls = 100;
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr, "expect L okay"}));
  std::vector<std::string> lines;
  for (int i = 0; i < kCalls; ++i)
    lines.push_back("connect C" + std::to_string(i) + " to=" + kNetAddr);
  ASSERT_TRUE(user->run(lines));
  lines.clear();
  for (int i = 0; i < kCalls; ++i) lines.push_back("expect L indicate");
  for (int i = 0; i < kCalls; ++i) lines.push_back("accept N" + std::to_string(i) + " L");
  for (int i = 0; i < kCalls; ++i) lines.push_back("expect N" + std::to_string(i) + " okay");
  ASSERT_TRUE(net->run(lines));
  lines.clear();
  for (int i = 0; i < kCalls; ++i) lines.push_back("expect C" + std::to_string(i) + " okay");
  ASSERT_TRUE(user->run(lines));

  // Every call has its own VCI, and both ends agree on the set.
  std::set<int> user_vcis, net_vcis;
  for (int i = 0; i < kCalls; ++i) {
    const auto* c = user->runner->model().socket(user->runner->names().at("C" + std::to_string(i)));
    const auto* n = net->runner->model().socket(net->runner->names().at("N" + std::to_string(i)));
    ASSERT_NE(c, nullptr);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(c->last.raw().pvc.sap_addr.vpi, n->last.raw().pvc.sap_addr.vpi);
    user_vcis.insert(c->last.raw().pvc.sap_addr.vci);
    net_vcis.insert(n->last.raw().pvc.sap_addr.vci);
  }
  EXPECT_EQ(user_vcis.size(), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(user_vcis, net_vcis);
  EXPECT_TRUE(user->status_has({"calls held by the network side: 100"}));

  // Half released by the caller, half by the called side, all at once.
  std::vector<std::string> ucloses, ncloses, uexpects, nexpects;
  for (int i = 0; i < kCalls; ++i) {
    const std::string c = "C" + std::to_string(i), n = "N" + std::to_string(i);
    if (i % 2 == 0) {
      ucloses.push_back("close " + c);
      uexpects.push_back("expect " + c + " close");
      nexpects.push_back("expect " + n + " close reply=0");
    } else {
      ncloses.push_back("close " + n);
      nexpects.push_back("expect " + n + " close");
      uexpects.push_back("expect " + c + " close reply=0");
    }
  }
  ASSERT_TRUE(user->run(ucloses));
  ASSERT_TRUE(net->run(ncloses));
  ASSERT_TRUE(user->run(uexpects));
  ASSERT_TRUE(net->run(nexpects));
  EXPECT_EQ(user->runner->model().all_violations(), std::vector<std::string>{});
  EXPECT_EQ(net->runner->model().all_violations(), std::vector<std::string>{});

  // Nothing left on either demon: no call, only the listener's socket.
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0", "sockets: 0"}));
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0", "sockets: 1"}));
}

// SIGTERM in Q.2931 mode: the demon releases its calls (RELEASE) and the link
// (SSCOP END) before it exits, so the peer's kernel hears at once (as_close 0
// from the RELEASE), not after NO-RESPONSE (7 s) + T309 (10 s).
TEST_P(TwoDemons, ShutdownReleasesCallsAndLinkTowardsThePeer) {
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr, "expect L okay"}));
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr, "connect D to=" + kNetAddr}));
  ASSERT_TRUE(net->run({"expect L indicate", "expect L indicate", "accept N L", "accept M L",
                        "expect N okay", "expect M okay"}));
  ASSERT_TRUE(user->run({"expect C okay", "expect D okay"}));
  EXPECT_EQ(user->stop(), 0);
  const std::string ulog = user->log();
  user.reset();
  // Well within NO-RESPONSE + T309 (17 s): only the shutdown can explain it.
  ASSERT_TRUE(
      net->run({"expect N close reply=0 within=3000", "expect M close reply=0 within=3000"}))
      << ulog;
  EXPECT_NE(ulog.find("releasing the signaling link"), std::string::npos) << ulog;
  EXPECT_EQ(ulog.find("not released by the peer"), std::string::npos) << ulog;
  // The peer saw the END: its link went down at once.
  EXPECT_TRUE(net->wait_log("signaling link down", 1, std::chrono::milliseconds(3000)))
      << net->log();
  EXPECT_EQ(net->log().find("T309 started"), std::string::npos) << net->log();
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0"}));
}

// The default level logs what the original logs: one line when a call is
// established and one when it is released, on each demon. 1000 calls in
// sequence, each placed, accepted and released.
TEST_P(TwoDemons, DefaultLevelLogsTwoLinesPerCall) {
  // The fixture's demons log at debug: these run at the default level.
  EXPECT_EQ(user->stop(), 0);
  EXPECT_EQ(net->stop(), 0);
  user.reset();
  net.reset();
  const int base = port_base();
  user = std::make_unique<Side>("user", "user", kUserAddr, base, base + 1, GetParam(),
                                std::vector<std::string>{"sig level info"});
  net = std::make_unique<Side>("net", "network", kNetAddr, base + 1, base, GetParam(),
                               std::vector<std::string>{"sig level info"});
  ASSERT_TRUE(user->wait_log("signaling link up")) << user->log();
  ASSERT_TRUE(net->wait_log("signaling link up")) << net->log();
  const std::size_t user_before = count_of(user->log(), "\n");
  const std::size_t net_before = count_of(net->log(), "\n");
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr + " qos=ubr", "expect L okay"}));
  constexpr int kCalls = 1000;
  for (int i = 0; i < kCalls; ++i) {
    const std::string c = "C" + std::to_string(i), n = "N" + std::to_string(i);
    ASSERT_TRUE(user->run({"connect " + c + " to=" + kNetAddr + " qos=ubr"}));
    ASSERT_TRUE(net->run({"expect L indicate", "accept " + n + " L", "expect " + n + " okay"}));
    ASSERT_TRUE(user->run({"expect " + c + " okay", "close " + c, "expect " + c + " close"}));
    ASSERT_TRUE(net->run({"expect " + n + " close reply=0"}));
  }
  ASSERT_TRUE(user->wait_log("released", kCalls)) << user->log().substr(0, 4000);
  ASSERT_TRUE(net->wait_log("released", kCalls)) << net->log().substr(0, 4000);
  const std::string ulog = user->log(), nlog = net->log();
  EXPECT_LE(count_of(ulog, "\n") - user_before, 2u * kCalls) << ulog.substr(0, 4000);
  EXPECT_LE(count_of(nlog, "\n") - net_before, 2u * kCalls + 1) << nlog.substr(0, 4000);
  // The two lines say who called whom, on which VC, and why it ended.
  EXPECT_EQ(count_of(ulog,
                     ": out from 47.0005.80FFE1000000F21A26D8.0020EA000EE0.00 to "
                     "47.0005.80FFE1000000F21A26D8.0020EA000EE1.00 on 0.0."),
            static_cast<std::size_t>(kCalls));
  EXPECT_EQ(count_of(nlog,
                     ": in from 47.0005.80FFE1000000F21A26D8.0020EA000EE0.00 to "
                     "47.0005.80FFE1000000F21A26D8.0020EA000EE1.00 on 0.0."),
            static_cast<std::size_t>(kCalls));
  // The kernel's as_close carries no cause: RELEASE says 31 in UNI 3.0, 16
  // in 3.1/4.0, as the original's; both ends log the same one.
  const std::string cause = std::string(GetParam()) == "uni30"
                                ? "released, cause 31 (normal, unspecified)"
                                : "released, cause 16 (normal call clearing)";
  EXPECT_EQ(count_of(ulog, cause), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(count_of(nlog, cause), static_cast<std::size_t>(kCalls));
}

INSTANTIATE_TEST_SUITE_P(Uni, TwoDemons, ::testing::Values("uni30", "uni31", "uni40"));

// The network side's atmsigd.conf gives it three VCs (vc_range): the fourth
// call is refused at once with RELEASE COMPLETE cause 45 and the caller's
// kernel gets as_error -ECONNREFUSED (not T303's -ETIMEDOUT); after a release
// the next call gets the VC given back.
TEST(VcRanges, ExhaustedRefusedWithCause45ThenTheReleasedVcIsReused) {
  const int base = port_base();
  Side user("user", "user", kUserAddr, base, base + 1, "uni31");
  Side net("net", "network", kNetAddr, base + 1, base, "uni31",
           {"sig vc_range 1 32-33", "sig vc_range 2 40"});
  ASSERT_TRUE(user.wait_log("signaling link up")) << user.log();
  ASSERT_TRUE(net.wait_log("signaling link up")) << net.log();
  ASSERT_TRUE(net.run({"listen L addr=" + kNetAddr, "expect L okay"}));
  auto call = [&](const std::string& i) {
    return user.run({"connect C" + i + " to=" + kNetAddr}) &&
           net.run({"expect L indicate", "accept N" + i + " L", "expect N" + i + " okay"}) &&
           user.run({"expect C" + i + " okay"});
  };
  auto vc_of = [&](const std::string& i) {
    const auto* c = user.runner->model().socket(user.runner->names().at("C" + i));
    const auto* n = net.runner->model().socket(net.runner->names().at("N" + i));
    EXPECT_NE(c, nullptr);
    EXPECT_NE(n, nullptr);
    if (c == nullptr || n == nullptr) return std::pair<int, int>{-1, -1};
    EXPECT_EQ(c->last.raw().pvc.sap_addr.vpi, n->last.raw().pvc.sap_addr.vpi);
    EXPECT_EQ(c->last.raw().pvc.sap_addr.vci, n->last.raw().pvc.sap_addr.vci);
    return std::pair<int, int>{c->last.raw().pvc.sap_addr.vpi, c->last.raw().pvc.sap_addr.vci};
  };
  for (const char* i : {"0", "1", "2"}) ASSERT_TRUE(call(i));
  EXPECT_EQ(vc_of("0"), (std::pair<int, int>{1, 32}));
  EXPECT_EQ(vc_of("1"), (std::pair<int, int>{1, 33}));
  EXPECT_EQ(vc_of("2"), (std::pair<int, int>{2, 40}));

  ASSERT_TRUE(user.run({"connect C3 to=" + kNetAddr, "expect C3 error reply=-111"}));
  EXPECT_TRUE(user.wait_log("failed, cause 45 (no VPCI/VCI available)")) << user.log();
  EXPECT_TRUE(net.wait_log("no VCI left: SETUP refused with cause 45")) << net.log();

  ASSERT_TRUE(user.run({"close C1", "expect C1 close"}));
  ASSERT_TRUE(net.run({"expect N1 close reply=0"}));
  ASSERT_TRUE(call("4"));
  EXPECT_EQ(vc_of("4"), (std::pair<int, int>{1, 33}));

  for (const char* i : {"0", "2", "4"})
    ASSERT_TRUE(user.run({"close C" + std::string(i), "expect C" + std::string(i) + " close"}));
  ASSERT_TRUE(
      net.run({"expect N0 close reply=0", "expect N2 close reply=0", "expect N4 close reply=0"}));
  EXPECT_EQ(user.runner->model().all_violations(), std::vector<std::string>{});
  EXPECT_EQ(net.runner->model().all_violations(), std::vector<std::string>{});
  EXPECT_TRUE(user.status_has({"calls held by the network side: 0", "sockets: 0"}));
  EXPECT_TRUE(net.status_has({"calls held by the network side: 0", "sockets: 1"}));
  EXPECT_EQ(user.stop(), 0);
  EXPECT_EQ(net.stop(), 0);
}

}  // namespace
}  // namespace atmsigd::test
