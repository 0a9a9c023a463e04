// Switch mode (-m switch) in the socket machines: as_connect must carry the
// connection identifier, as_identify names it for an indicated call before
// as_accept, as_terminate asks the shell to stop. In the other modes
// as_identify and as_terminate stay refused. Driven frame by frame in virtual
// time (no kernel model: the user of signaling here is a switch controller,
// not the Linux kernel).
#include <cerrno>

#include "harness.hpp"

namespace atmsigd::test {
namespace {

constexpr Vcc kV1 = 0x1000, kL = 0x3000, kN1 = 0x4000, kN2 = 0x5000;

SocketTableParams switch_mode() {
  SocketTableParams p;
  p.switch_mode = true;
  return p;
}

struct Table {
  explicit Table(SocketTableParams p = switch_mode()) : table(p) {}
  SocketTable table;
  TimePoint now{};
  Out feed(const Message& m) {
    std::vector<Action> out;
    table.from_kernel(m, now, out);
    return split(out);
  }
  Out cc(const CcEvent& e) {
    std::vector<Action> out;
    table.from_call_control(e, now, out);
    return split(out);
  }
  void listen() {
    kemu::KernelModel k;
    const Out o = feed(k.listen(kL, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                                kemu::sap_from_text("")));
    ASSERT_EQ(o.to_kernel.size(), 1u);
    ASSERT_EQ(o.to_kernel[0].type(), as_okay);
  }
  void indicate(CallId call) {
    Harness h;
    const Out o = cc(h.incoming(call));
    ASSERT_EQ(o.to_kernel.size(), 1u);
    ASSERT_EQ(o.to_kernel[0].type(), as_indicate);
  }
};

Message identify(Vcc vcc, Vcc listener, int vpi, int vci, bool with_pvc = true) {
  Message m(as_identify);
  m.set_vcc(vcc);
  m.set_listen_vcc(listener);
  if (with_pvc) {
    m.raw().pvc.sap_family = AF_ATMPVC;
    m.raw().pvc.sap_addr.vpi = static_cast<short>(vpi);
    m.raw().pvc.sap_addr.vci = vci;
  }
  return m;
}

Message accept(Vcc vcc, Vcc listener) {
  Message m(as_accept);
  m.set_vcc(vcc);
  m.set_listen_vcc(listener);
  return m;
}

Message connect(Vcc vcc, bool with_pvc) {
  kemu::KernelModel k;
  Message m = k.connect(vcc, kemu::svc_address(kAddrA), kemu::svc_address(kAddrB),
                        kemu::qos_from_text("ubr"), kemu::sap_from_text(""));
  if (with_pvc) {
    m.raw().pvc.sap_family = AF_ATMPVC;
    m.raw().pvc.sap_addr.vpi = 2;
    m.raw().pvc.sap_addr.vci = 900;
  }
  return m;
}

TEST(SwitchConnect, WithPvc_CcConnectCarriesThePvcAndTheLocalAddressAsGiven) {
  Table t;
  std::vector<Action> out;
  t.table.set_local_addresses(0, {kemu::svc_address(kAddrB)}, out);
  Message m = connect(kV1, true);
  std::memset(&m.raw().local, 0, sizeof m.raw().local);  // null: stays null in switch mode
  const Out o = t.feed(m);
  ASSERT_EQ(o.to_cc.size(), 1u);
  const auto& c = std::get<CcConnect>(o.to_cc[0]);
  EXPECT_EQ(c.pvc.sap_family, AF_ATMPVC);
  EXPECT_EQ(c.pvc.sap_addr.vpi, 2);
  EXPECT_EQ(c.pvc.sap_addr.vci, 900);
  EXPECT_FALSE(svc_addr_in_use(c.local));
  EXPECT_EQ(t.table.state_of(kV1), SockState::kConnecting);
}

TEST(SwitchConnect, WithoutPvc_AsErrorEinvalLoggedNoCall) {
  Table t;
  const Out o = t.feed(connect(kV1, false));
  EXPECT_TRUE(o.to_cc.empty());
  ASSERT_EQ(o.to_kernel.size(), 1u);
  EXPECT_EQ(o.to_kernel[0].type(), as_error);
  EXPECT_EQ(o.to_kernel[0].vcc(), kV1);
  EXPECT_EQ(o.to_kernel[0].reply(), -EINVAL);
  EXPECT_TRUE(o.logged(log::Level::kError, "connection identifier"));
  EXPECT_EQ(t.table.socket_count(), 0u);
}

TEST(SwitchIncoming, IdentifyThenAccept_CcIdentifyWithThePvcThenCcAccept) {
  Table t;
  t.listen();
  t.indicate(7);
  Out o = t.feed(identify(kN1, kL, 0, 555));
  ASSERT_EQ(o.to_cc.size(), 1u);
  const auto& idf = std::get<CcIdentify>(o.to_cc[0]);
  EXPECT_EQ(idf.call, 7u);
  EXPECT_EQ(idf.pvc.sap_addr.vci, 555);
  EXPECT_TRUE(o.to_kernel.empty());  // no answer to as_identify
  EXPECT_EQ(t.table.pending_count(kL), 1u);
  o = t.feed(accept(kN1, kL));
  ASSERT_EQ(o.to_cc.size(), 1u);
  EXPECT_EQ(std::get<CcAccept>(o.to_cc[0]).call, 7u);
  EXPECT_EQ(t.table.state_of(kN1), SockState::kAccepting);
  EXPECT_EQ(t.table.pending_count(kL), 0u);
}

TEST(SwitchIncoming, AcceptsMatchTheirIdentifiedCallsNotTheFifoOrder) {
  Table t;
  t.listen();
  t.indicate(7);
  t.indicate(8);
  EXPECT_EQ(std::get<CcIdentify>(t.feed(identify(kN1, kL, 0, 40)).to_cc.at(0)).call, 7u);
  EXPECT_EQ(std::get<CcIdentify>(t.feed(identify(kN2, kL, 0, 41)).to_cc.at(0)).call, 8u);
  EXPECT_EQ(std::get<CcAccept>(t.feed(accept(kN2, kL)).to_cc.at(0)).call, 8u);
  EXPECT_EQ(std::get<CcAccept>(t.feed(accept(kN1, kL)).to_cc.at(0)).call, 7u);
}

TEST(SwitchIncoming, AcceptWithoutIdentify_AsErrorEinvalAndCallRejectedNotIdentified) {
  Table t;
  t.listen();
  t.indicate(7);
  const Out o = t.feed(accept(kN1, kL));
  ASSERT_EQ(o.to_kernel.size(), 1u);
  EXPECT_EQ(o.to_kernel[0].type(), as_error);
  EXPECT_EQ(o.to_kernel[0].vcc(), kN1);
  EXPECT_EQ(o.to_kernel[0].reply(), -EINVAL);
  ASSERT_EQ(o.to_cc.size(), 1u);
  const auto& r = std::get<CcReject>(o.to_cc[0]);
  EXPECT_EQ(r.call, 7u);
  EXPECT_EQ(r.reason, RejectReason::kNotIdentified);
  EXPECT_TRUE(o.logged(log::Level::kError, "without as_identify"));
  EXPECT_FALSE(t.table.state_of(kN1).has_value());
  EXPECT_EQ(t.table.pending_count(kL), 0u);
}

TEST(SwitchIncoming, IdentifyWithoutPvc_AsErrorAndCallRejected_LaterAcceptAborted) {
  Table t;
  t.listen();
  t.indicate(7);
  Out o = t.feed(identify(kN1, kL, 0, 0, false));
  ASSERT_EQ(o.to_kernel.size(), 1u);
  EXPECT_EQ(o.to_kernel[0].type(), as_error);
  EXPECT_EQ(o.to_kernel[0].reply(), -EINVAL);
  ASSERT_EQ(o.to_cc.size(), 1u);
  EXPECT_EQ(std::get<CcReject>(o.to_cc[0]).reason, RejectReason::kNotIdentified);
  EXPECT_TRUE(o.logged(log::Level::kError, "without a connection identifier"));
  o = t.feed(accept(kN1, kL));
  ASSERT_EQ(o.to_kernel.size(), 1u);
  EXPECT_EQ(o.to_kernel[0].reply(), -ECONNABORTED);
  EXPECT_TRUE(o.to_cc.empty());
  EXPECT_EQ(t.table.pending_count(kL), 0u);
}

TEST(SwitchIncoming, IdentifyWithNothingPendingOrUnknownListener_AsErrorEinval) {
  Table t;
  t.listen();
  Out o = t.feed(identify(kN1, kL, 0, 40));
  ASSERT_EQ(o.to_kernel.size(), 1u);
  EXPECT_EQ(o.to_kernel[0].reply(), -EINVAL);
  o = t.feed(identify(kN1, 0x9999, 0, 40));
  ASSERT_EQ(o.to_kernel.size(), 1u);
  EXPECT_EQ(o.to_kernel[0].reply(), -EINVAL);
  EXPECT_TRUE(o.to_cc.empty());
}

TEST(SwitchIncoming, RejectAfterIdentifyRejectsThatCall) {
  Table t;
  t.listen();
  t.indicate(7);
  t.indicate(8);
  t.feed(identify(kN2, kL, 0, 40));  // identifies call 7 (the oldest)
  Message rej(as_reject);
  rej.set_vcc(kN2);
  rej.set_listen_vcc(kL);
  rej.set_reply(-EBUSY);
  const Out o = t.feed(rej);
  ASSERT_EQ(o.to_cc.size(), 1u);
  EXPECT_EQ(std::get<CcReject>(o.to_cc[0]).call, 7u);
  EXPECT_EQ(t.table.pending_count(kL), 1u);
}

TEST(SwitchTerminate, AsTerminate_TerminateActionForTheShell) {
  Table t;
  const Out o = t.feed(Message(as_terminate));
  ASSERT_EQ(o.terminations.size(), 1u);
  EXPECT_NE(o.terminations[0].find("as_terminate"), std::string::npos);
  EXPECT_TRUE(o.to_kernel.empty());
}

TEST(OtherModes, IdentifyAndTerminateRefusedAsToday) {
  Table t(SocketTableParams{});
  t.listen();
  t.indicate(7);
  for (const Message& m : {identify(kN1, kL, 0, 40), Message(as_terminate)}) {
    const Out o = t.feed(m);
    EXPECT_TRUE(o.to_cc.empty());
    EXPECT_TRUE(o.terminations.empty());
    EXPECT_TRUE(o.to_kernel.empty());
    EXPECT_TRUE(o.logged(log::Level::kError, "not a message the kernel sends"));
  }
  EXPECT_EQ(t.table.pending_count(kL), 1u);
}

TEST(OtherModes, ConnectWithoutPvcStillWorks) {
  Table t(SocketTableParams{});
  const Out o = t.feed(connect(kV1, false));
  ASSERT_EQ(o.to_cc.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<CcConnect>(o.to_cc[0]));
}

}  // namespace
}  // namespace atmsigd::test
