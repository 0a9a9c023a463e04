// -m switch between two demons: the switch-mode demon runs the network side
// but takes every connection identifier from its user of signaling (a switch
// controller): as_connect's pvc, as_identify before as_accept; as_terminate
// stops it. The peer is a user-side demon.
#include <gtest/gtest.h>

#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

class SwitchMode : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const int base = port_base();
    user = std::make_unique<Side>("user", "user", kUserAddr, base, base + 1, GetParam());
    sw = std::make_unique<Side>("switch", "switch", kNetAddr, base + 1, base, GetParam());
    ASSERT_TRUE(user->wait_log("signaling link up")) << user->log();
    ASSERT_TRUE(sw->wait_log("signaling link up")) << sw->log();
  }
  void TearDown() override {
    if (user) {
      EXPECT_EQ(user->stop(), 0);
    }
    if (sw) {
      EXPECT_EQ(sw->stop(), 0);
    }
  }
  const kemu::KSocket* sock(Side& s, const std::string& name) {
    return s.runner->model().socket(s.runner->names().at(name));
  }
  std::unique_ptr<Side> user, sw;
};

// The controller names the CI of an incoming call (as_identify): both ends get it.
TEST_P(SwitchMode, IncomingCallTakesTheControllersConnectionIdentifier) {
  ASSERT_TRUE(sw->run({"listen L addr=" + kNetAddr, "expect L okay"}));
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr}));
  ASSERT_TRUE(
      sw->run({"expect L indicate", "identify N L pvc=0.0.77", "accept N L", "expect N okay"}));
  ASSERT_TRUE(user->run({"expect C okay"}));
  EXPECT_EQ(sock(*user, "C")->last.raw().pvc.sap_addr.vci, 77);
  EXPECT_EQ(sock(*sw, "N")->last.raw().pvc.sap_addr.vci, 77);
  ASSERT_TRUE(user->run({"close C"}));
  ASSERT_TRUE(sw->run({"expect N close reply=0", "close N"}));
  EXPECT_TRUE(sw->status_has({"calls held by the network side: 0"}));
}

// An outgoing call carries the as_connect's pvc; without one it is refused.
TEST_P(SwitchMode, OutgoingCallUsesTheGivenPvcAndNeedsOne) {
  ASSERT_TRUE(user->run({"listen L addr=" + kUserAddr, "expect L okay"}));
  ASSERT_TRUE(sw->run({"connect X to=" + kUserAddr, "expect X error reply=-22"}));
  ASSERT_TRUE(sw->run({"connect C to=" + kUserAddr + " from=" + kNetAddr + " pvc=0.0.91"}));
  ASSERT_TRUE(user->run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(sw->run({"expect C okay"}));
  EXPECT_EQ(sock(*user, "N")->last.raw().pvc.sap_addr.vci, 91);
  EXPECT_EQ(sock(*sw, "C")->last.raw().pvc.sap_addr.vci, 91);
  ASSERT_TRUE(sw->run({"close C"}));
  ASSERT_TRUE(user->run({"expect N close reply=0", "close N"}));
}

// as_terminate from the controller stops the demon (cleanly: exit status 0).
TEST_P(SwitchMode, TerminateStopsTheDemon) {
  ASSERT_TRUE(sw->run({"terminate"}));
  EXPECT_EQ(sw->proc->wait(), 0) << sw->log();
  sw.reset();
}

INSTANTIATE_TEST_SUITE_P(Uni, SwitchMode, ::testing::Values("uni30", "uni31", "uni40"));

}  // namespace
}  // namespace atmsigd::test
