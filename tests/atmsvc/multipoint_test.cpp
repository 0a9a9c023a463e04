// Q.2971, the root's socket (issue 17, docs/multipoint.md): the session of
// as_connect, as_addparty / as_dropparty through call control (driven here
// by hand, as a fake call control) and back to the kernel as the message of
// the same type, with the kernel model checking every frame.
#include <cerrno>
#include <cstring>

#include "harness.hpp"

namespace atmsigd::test {
namespace {

constexpr Vcc kRoot = 0x1000, kPlain = 0x2000;

// A root socket (SO_MULTIPOINT: the connect carries a session) with its call up.
SockId root_call(Harness& h, Vcc vcc = kRoot) {
  h.kernel_sends(h.kernel.connect(vcc, kemu::svc_address(""), kemu::svc_address(kAddrB),
                                  kemu::qos_from_text("ubr"), kemu::sap_from_text(""), true));
  const auto c = h.take_cc<CcConnect>();
  EXPECT_NE(c.session, 0u);
  h.cc_sends(h.established(c.sock));
  EXPECT_EQ(h.table.state_of(vcc), SockState::kActive);
  return c.sock;
}

TEST(Multipoint, SessionNumbersFromTheKernel_KeptAndPassedOn) {
  Harness h;
  h.kernel_sends(h.kernel.connect(kRoot, kemu::svc_address(""), kemu::svc_address(kAddrB),
                                  kemu::qos_from_text("ubr"), kemu::sap_from_text(""), true));
  h.kernel_sends(h.kernel.connect(0x3000, kemu::svc_address(""), kemu::svc_address(kAddrB),
                                  kemu::qos_from_text("ubr"), kemu::sap_from_text(""), true));
  h.connect(kPlain);
  EXPECT_EQ(h.take_cc<CcConnect>().session, 1u);  // sigd_enq2: ++session
  EXPECT_EQ(h.take_cc<CcConnect>().session, 2u);
  EXPECT_EQ(h.take_cc<CcConnect>().session, 0u);  // point-to-point
  EXPECT_NE(h.table.status_dump().find(" multipoint"), std::string::npos);
}

// Add party: CcAddParty with the leaf; the answer (the endpoint reference)
// is the as_addparty the kernel's ioctl returns. Then drop it.
TEST(Multipoint, AddAndDropParty_AnswersAsTheKernelWaitsForThem) {
  Harness h;
  const SockId id = root_call(h);
  h.kernel_sends(h.kernel.add_party(kRoot, kemu::svc_address(kAddrA)));
  EXPECT_EQ(h.table.state_of(kRoot), SockState::kAddPartyWait);
  const auto a = h.take_cc<CcAddParty>();
  EXPECT_EQ(a.sock, id);
  const struct sockaddr_atmsvc leaf = kemu::svc_address(kAddrA);
  EXPECT_EQ(std::memcmp(&a.called.sas_addr, &leaf.sas_addr, sizeof leaf.sas_addr), 0);
  h.cc_sends(CcAddPartyResult{id, 3});
  EXPECT_EQ(h.last_to_kernel().type(), as_addparty);
  EXPECT_EQ(h.kernel.socket(kRoot)->party_result, 3);
  EXPECT_EQ(h.table.state_of(kRoot), SockState::kActive);

  h.kernel_sends(h.kernel.drop_party(kRoot, 3));
  EXPECT_EQ(h.table.state_of(kRoot), SockState::kDropPartyWait);
  const auto d = h.take_cc<CcDropParty>();
  EXPECT_EQ(d.sock, id);
  EXPECT_EQ(d.ep_ref, 3);
  h.cc_sends(CcDropPartyResult{id, 0});
  EXPECT_EQ(h.last_to_kernel().type(), as_dropparty);
  EXPECT_EQ(h.kernel.socket(kRoot)->party_result, 0);
  EXPECT_EQ(h.table.state_of(kRoot), SockState::kActive);
  EXPECT_TRUE(h.kernel.all_violations().empty());
}

// A rejected leaf: the errno is the ioctl's result; the call goes on.
TEST(Multipoint, AddPartyRejected_ErrnoToTheKernel) {
  Harness h;
  const SockId id = root_call(h);
  h.kernel_sends(h.kernel.add_party(kRoot, kemu::svc_address(kAddrA)));
  (void)h.take_cc<CcAddParty>();
  h.cc_sends(CcAddPartyResult{id, -ECONNREFUSED});
  EXPECT_EQ(h.kernel.socket(kRoot)->party_result, -ECONNREFUSED);
  EXPECT_EQ(h.table.state_of(kRoot), SockState::kActive);
}

// SO_MULTIPOINT set after connect(): the kernel sends as_addparty for a
// point-to-point call; answered -EINVAL as svc_ioctl answers without a session.
TEST(Multipoint, PartyRequestOnAPointToPointCall_EINVAL) {
  Harness h;
  h.connect(kPlain);
  const auto c = h.take_cc<CcConnect>();
  h.cc_sends(h.established(c.sock));
  h.kernel_sends(h.kernel.add_party(kPlain, kemu::svc_address(kAddrA)));
  EXPECT_EQ(h.kernel.socket(kPlain)->party_result, -EINVAL);
  h.kernel_sends(h.kernel.drop_party(kPlain, 1));
  EXPECT_EQ(h.kernel.socket(kPlain)->party_result, -EINVAL);
  EXPECT_TRUE(h.to_cc.empty());
  EXPECT_EQ(h.table.state_of(kPlain), SockState::kActive);
}

// A leaf address the kernel copied unchecked: refused by the table.
TEST(Multipoint, AddPartyWithoutAUsableAddress_Refused) {
  Harness h;
  (void)root_call(h);
  h.kernel_sends(h.kernel.add_party(kRoot, kemu::svc_address("")));
  EXPECT_EQ(h.kernel.socket(kRoot)->party_result, -EDESTADDRREQ);
  struct sockaddr_atmsvc bad = kemu::svc_address(kAddrA);
  bad.sas_family = AF_INET;
  h.kernel_sends(h.kernel.add_party(kRoot, bad));
  EXPECT_EQ(h.kernel.socket(kRoot)->party_result, -EAFNOSUPPORT);
  EXPECT_TRUE(h.to_cc.empty());
}

// Before the call is up (non-blocking connect) and after it: -EBADFD.
TEST(Multipoint, PartyRequestWithoutACall_EBADFD) {
  Harness h;
  h.kernel_sends(h.kernel.connect(kRoot, kemu::svc_address(""), kemu::svc_address(kAddrB),
                                  kemu::qos_from_text("ubr"), kemu::sap_from_text(""), true));
  (void)h.take_cc<CcConnect>();
  h.kernel_sends(h.kernel.add_party(kRoot, kemu::svc_address(kAddrA)));
  EXPECT_EQ(h.kernel.socket(kRoot)->party_result, -EBADFD);
  Message unknown(as_dropparty);  // a socket the demon does not know
  unknown.set_vcc(0x7000);
  unknown.set_reply(1);
  std::vector<Action> out;
  h.table.from_kernel(unknown, h.now, out);
  const Out o = split(out);
  ASSERT_EQ(o.to_kernel.size(), 1u);
  EXPECT_EQ(o.to_kernel[0].type(), as_dropparty);
  EXPECT_EQ(o.to_kernel[0].reply(), -EBADFD);
}

// One request at a time: a second one (a kernel that does not serialise
// them) gets -EALREADY and the first one's answer still comes.
TEST(Multipoint, SecondRequestWhileOneWaits_EALREADY) {
  Harness h;
  const SockId id = root_call(h);
  h.kernel_sends(h.kernel.add_party(kRoot, kemu::svc_address(kAddrA)));
  (void)h.take_cc<CcAddParty>();
  Message second(as_dropparty);
  second.set_vcc(kRoot);
  second.set_reply(1);
  std::vector<Action> out;
  h.table.from_kernel(second, h.now, out);
  Out o = split(out);
  ASSERT_EQ(o.to_kernel.size(), 1u);
  EXPECT_EQ(o.to_kernel[0].type(), as_dropparty);
  EXPECT_EQ(o.to_kernel[0].reply(), -EALREADY);
  EXPECT_TRUE(o.to_cc.empty());
  h.cc_sends(CcAddPartyResult{id, 1});
  EXPECT_EQ(h.kernel.socket(kRoot)->party_result, 1);
}

// as_close while the party request waits (the real kernel cannot: the
// ioctl holds the socket): released as from Active; the late answer is
// logged and goes nowhere.
TEST(Multipoint, CloseWhileAddPartyWaits_ReleasedLateAnswerIgnored) {
  Harness h;
  const SockId id = root_call(h);
  h.kernel_sends(h.kernel.add_party(kRoot, kemu::svc_address(kAddrA)));
  (void)h.take_cc<CcAddParty>();
  Message close(as_close);
  close.set_vcc(kRoot);
  std::vector<Action> out;
  h.table.from_kernel(close, h.now, out);
  Out o = split(out);
  ASSERT_EQ(o.to_cc.size(), 1u);
  EXPECT_EQ(std::get<CcRelease>(o.to_cc[0]).sock, id);
  EXPECT_EQ(h.table.socket_count(), 0u);
  const auto before = h.to_kernel.size();
  h.cc_sends(CcAddPartyResult{id, 2});
  EXPECT_EQ(h.to_kernel.size(), before);
  EXPECT_TRUE(h.logged(log::Level::kDebug, "CC-ADD-PARTY-RESULT for socket"));
}

// Call control releases the call with the request unanswered (it must
// answer first): the table answers the kernel itself, then as_close, so the
// ioctl does not return 0.
TEST(Multipoint, ReleasedWhileDropPartyWaits_AnsweredBeforeTheClose) {
  Harness h;
  const SockId id = root_call(h);
  h.kernel_sends(h.kernel.drop_party(kRoot, 1));
  (void)h.take_cc<CcDropParty>();
  h.cc_sends(CcReleased{id, -ECONNRESET});
  ASSERT_GE(h.to_kernel.size(), 2u);
  EXPECT_EQ(h.to_kernel[h.to_kernel.size() - 2].type(), as_dropparty);
  EXPECT_EQ(h.to_kernel[h.to_kernel.size() - 2].reply(), -ECONNRESET);
  EXPECT_EQ(h.kernel.socket(kRoot), nullptr);  // the model acknowledged the as_close
  EXPECT_TRUE(h.logged(log::Level::kWarn, "unanswered by call control"));
  EXPECT_TRUE(h.kernel.all_violations().empty());
  h.cc_sends(CcDropPartyResult{id, 0});  // late: logged only
  EXPECT_EQ(h.table.socket_count(), 0u);
}

// Shutdown releases a root whose request waits.
TEST(Multipoint, ShutdownWithARequestWaiting_Released) {
  Harness h;
  const SockId id = root_call(h);
  h.kernel_sends(h.kernel.add_party(kRoot, kemu::svc_address(kAddrA)));
  (void)h.take_cc<CcAddParty>();
  std::vector<Action> out;
  h.table.shutdown(out);
  Out o = split(out);
  ASSERT_EQ(o.to_cc.size(), 1u);
  EXPECT_EQ(std::get<CcRelease>(o.to_cc[0]).sock, id);
}

}  // namespace
}  // namespace atmsigd::test
