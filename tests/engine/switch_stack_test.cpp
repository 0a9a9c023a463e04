// Switch mode through the whole sans-I/O stack: a switch controller speaks
// atmsvc frames to the Engine (socket table + switch-mode Uni), whose link
// goes to a user-side Uni, in virtual time.
#include <gtest/gtest.h>

#include <cerrno>

#include "../callctl/harness.hpp"
#include "atmsigd/callctl/entity_router.hpp"
#include "atmsigd/engine/engine.hpp"

namespace atmsigd::callctl::test {
namespace {

using atmsvc::Message;

constexpr atmsvc::Vcc kL = 0x10, kN = 0x20, kC = 0x30;

// The demon in switch mode as one end of the link.
struct SwitchDemon : End {
  static callctl::EntitySpec spec() {
    return callctl::EntitySpec{"0.0.5", switch_params(), {}, false};
  }
  SwitchDemon() : table(switch_table_params()), router({spec()}), eng(table, router) {}
  atmsvc::SocketTable table;
  callctl::EntityRouter router;
  engine::Engine eng;
  std::vector<Message> to_ctl;  // frames to the switch controller
  std::vector<std::string> shutdowns;
  std::vector<Bytes> link_out;

  Uni& uni() { return router.uni(0); }
  void feed(const engine::Input& in, TimePoint t) {
    std::vector<engine::Action> out;
    eng.handle(in, t, out);
    take(out);
  }
  void take(std::vector<engine::Action>& out) {
    for (auto& a : out) {
      if (auto* k = std::get_if<engine::ToKernel>(&a)) {
        EXPECT_FALSE(atmsvc::validate_from_demon(k->msg)) << k->msg.summary();
        to_ctl.push_back(k->msg);
      } else if (auto* l = std::get_if<engine::ToLink>(&a)) {
        EXPECT_EQ(l->entity, 0u);
        link_out.push_back(std::move(l->pdu));
      } else if (auto* t = std::get_if<engine::Terminate>(&a)) {
        shutdowns.push_back(t->why);
      }
    }
  }
  // End
  std::vector<Bytes> take_pdus() override { return std::exchange(link_out, {}); }
  void rx(const Bytes& pdu, TimePoint t) override { feed(engine::LinkPdu{0, ByteView(pdu)}, t); }
  void timeouts(TimePoint t) override {
    std::vector<engine::Action> out;
    eng.handle_timeouts(t, out);
    take(out);
  }
  std::optional<TimePoint> deadline() const override { return eng.next_deadline(); }
};

struct Stack {
  Stack() : user(UniParams::defaults(Side::kUser, Version::kUni30)), link(user, demon) {
    user.start(link.now);
    demon.feed(engine::Start{}, link.now);
    link.advance(100ms);
  }
  UniEnd user;
  SwitchDemon demon;
  Link link;

  void ctl(const Message& m) {
    const Bytes b = atmsvc::encode(m);
    demon.feed(engine::KernelFrame{ByteView(b)}, link.now);
    link.pump();
  }
  // A call from the user side, with a calling party number.
  void call_in() {
    CcConnect c = connect_req(1);
    c.local = nsap(9);
    req(c);
  }
  void req(const atmsvc::CcRequest& r) {
    user.request(r, link.now);
    link.pump();
  }
  const Message& last() const { return demon.to_ctl.back(); }
};

TEST(SwitchStack, IncomingCall_IndicateIdentifyCallProceedingAcceptConnectRelease) {
  Stack s;
  s.ctl(listen_msg(kL));
  ASSERT_EQ(s.last().type(), as_okay);
  s.call_in();
  ASSERT_EQ(s.last().type(), as_indicate);
  EXPECT_EQ(s.user.uni.state_of_sock(1), CallState::kCallInitiated);
  Message id = two_vccs(as_identify, kN, kL);
  id.raw().pvc = pvc(0, 321);
  s.ctl(id);
  EXPECT_EQ(s.user.uni.state_of_sock(1), CallState::kOutgoingCallProceeding);
  s.ctl(two_vccs(as_accept, kN, kL));
  s.link.advance(10ms);
  ASSERT_EQ(s.last().type(), as_okay);
  EXPECT_EQ(s.last().vcc(), kN);
  EXPECT_EQ(s.last().raw().pvc.sap_addr.vci, 321);
  auto est = events_of<CcEstablished>(std::exchange(s.user.events, {}));
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 321);
  s.req(CcRelease{1});
  ASSERT_EQ(s.last().type(), as_close);
  EXPECT_EQ(s.last().vcc(), kN);
  Message close(as_close);
  close.set_vcc(kN);
  s.ctl(close);
  EXPECT_EQ(s.demon.table.state_of(kN), std::nullopt);
  EXPECT_EQ(s.demon.uni().call_count(), 0u);
  EXPECT_EQ(s.user.uni.call_count(), 0u);
}

TEST(SwitchStack, AcceptWithoutIdentify_AsErrorAndTheCallerReleased) {
  Stack s;
  s.ctl(listen_msg(kL));
  s.call_in();
  ASSERT_EQ(s.last().type(), as_indicate);
  s.ctl(two_vccs(as_accept, kN, kL));
  s.link.advance(10ms);
  const Message* err = nullptr;
  for (const auto& m : s.demon.to_ctl)
    if (m.type() == as_error && m.vcc() == kN) err = &m;
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->reply(), -EINVAL);
  auto rel = events_of<CcReleased>(std::exchange(s.user.events, {}));
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_LT(rel[0].err, 0);
  EXPECT_EQ(s.demon.uni().call_count(), 0u);
  EXPECT_EQ(s.user.uni.call_count(), 0u);
}

TEST(SwitchStack, OutgoingCallWithPvc_UserGetsThatCi_WithoutPvcAsErrorEinval) {
  Stack s;
  Message c(as_connect);
  c.set_vcc(kC);
  c.raw().svc = nsap(1);
  c.raw().local = nsap(0x33);
  c.raw().qos = ubr();
  s.ctl(c);  // no pvc
  ASSERT_EQ(s.last().type(), as_error);
  EXPECT_EQ(s.last().reply(), -EINVAL);
  EXPECT_TRUE(s.user.events.empty());
  c.raw().pvc = pvc(0, 4000);
  s.ctl(c);
  auto inc = events_of<CcIncoming>(std::exchange(s.user.events, {}));
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].pvc.sap_addr.vci, 4000);
  EXPECT_EQ(inc[0].calling.sas_addr.prv[18], 0x33);
  s.req(CcAccept{inc[0].call, 201});
  s.link.advance(10ms);
  ASSERT_EQ(s.last().type(), as_okay);
  EXPECT_EQ(s.last().vcc(), kC);
  EXPECT_EQ(s.last().raw().pvc.sap_addr.vci, 4000);
}

TEST(SwitchStack, AsTerminate_ShutdownRequested) {
  Stack s;
  s.ctl(Message(as_terminate));
  ASSERT_EQ(s.demon.shutdowns.size(), 1u);
}

}  // namespace
}  // namespace atmsigd::callctl::test
