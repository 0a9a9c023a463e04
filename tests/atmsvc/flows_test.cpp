// The message flows of the internal signaling protocol (figures 4-12 and
// sections 3.2-3.10, 5.1), driven in virtual time against the kernel model.
#include <linux/atmdev.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "atmsigd/util/atm_text.hpp"
#include "harness.hpp"

namespace atmsigd::test {
namespace {

constexpr Vcc kV1 = 0x1000, kV2 = 0x2000, kL = 0x3000, kN1 = 0x4000, kN2 = 0x5000, kN3 = 0x6000;

// Fig. 7: successful active open, then the remote party closes.
TEST(Fig7ActiveOpen, ConnectOkayThenRemoteClose) {
  Harness h;
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  EXPECT_EQ(h.table.state_of(kV1), SockState::kConnecting);
  EXPECT_TRUE(h.to_kernel.empty());
  h.cc_sends(h.established(c.sock, 40));
  ASSERT_EQ(h.last_to_kernel().type(), as_okay);
  EXPECT_EQ(h.last_to_kernel().vcc(), kV1);
  EXPECT_EQ(h.last_to_kernel().raw().pvc.sap_addr.vci, 40);
  EXPECT_EQ(h.kernel.socket(kV1)->state, kemu::KState::kConnected);
  h.cc_sends(CcReleased{c.sock, 0});
  // as_close(reply 0) to the kernel; the kernel model acknowledges at once.
  ASSERT_EQ(h.to_kernel.size(), 2u);
  EXPECT_EQ(h.to_kernel[1].type(), as_close);
  EXPECT_EQ(h.to_kernel[1].reply(), 0);
  EXPECT_EQ(h.table.socket_count(), 0u);
  EXPECT_EQ(h.kernel.socket_count(), 0u);
  EXPECT_TRUE(h.to_cc.empty());
}

// Fig. 7 variant: the local application closes an active call.
TEST(Fig7ActiveOpen, LocalCloseReleasesTheCall) {
  Harness h;
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  h.cc_sends(h.established(c.sock));
  h.kernel_sends(h.kernel.close(kV1));
  EXPECT_EQ(h.take_cc<CcRelease>().sock, c.sock);
  EXPECT_EQ(h.last_to_kernel().type(), as_close);
  EXPECT_EQ(h.table.socket_count(), 0u);
  EXPECT_EQ(h.kernel.socket_count(), 0u);
}

// Fig. 8: the connection is refused: as_error, the demon forgets the socket.
TEST(Fig8Refused, ConnectAnsweredWithError) {
  Harness h;
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  h.cc_sends(CcReleased{c.sock, -EHOSTUNREACH});
  ASSERT_EQ(h.last_to_kernel().type(), as_error);
  EXPECT_EQ(h.last_to_kernel().reply(), -EHOSTUNREACH);
  EXPECT_TRUE(h.logged(log::Level::kDebug, "{Connecting}: setup failed: -113 (No route to host)"));
  EXPECT_EQ(h.table.socket_count(), 0u);
  EXPECT_EQ(h.kernel.socket_count(), 0u);
}

// A normal release during setup still becomes an error for connect().
TEST(Fig8Refused, ReleaseWithoutErrnoBecomesConnRefused) {
  Harness h;
  h.connect(kV1);
  h.cc_sends(CcReleased{h.take_cc<CcConnect>().sock, 0});
  EXPECT_EQ(h.last_to_kernel().reply(), -ECONNREFUSED);
}

// Fig. 9: as_close crosses as_okay.
TEST(Fig9CloseCrossesOkay, CloseAfterOkayIsAcknowledged) {
  Harness h;
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  const Message close = h.kernel.close(kV1);  // kernel sends close first ...
  h.cc_sends(h.established(c.sock));          // ... while the demon sends okay
  h.kernel_sends(close);
  EXPECT_EQ(h.last_to_kernel().type(), as_close);
  EXPECT_EQ(h.take_cc<CcRelease>().sock, c.sock);
  EXPECT_EQ(h.table.socket_count(), 0u);
  EXPECT_EQ(h.kernel.socket_count(), 0u);
}

// Fig. 9 (section 3.6): the client closes before as_connect is answered.
TEST(Fig9CloseCrossesOkay, CloseWhileConnectingReleasesTheCall) {
  Harness h;
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  h.kernel_sends(h.kernel.close(kV1));
  EXPECT_EQ(h.take_cc<CcRelease>().sock, c.sock);
  EXPECT_EQ(h.last_to_kernel().type(), as_close);
  // Call control's late answer for the gone socket releases that call too.
  h.cc_sends(h.established(c.sock));
  EXPECT_EQ(h.take_cc<CcRelease>().sock, c.sock);
  EXPECT_EQ(h.to_kernel.size(), 1u);
}

// Fig. 10: as_close crosses as_error; the stray close is ignored.
TEST(Fig10CloseCrossesError, StrayCloseIgnored) {
  Harness h;
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  const Message close = h.kernel.close(kV1);
  h.cc_sends(CcReleased{c.sock, -ETIMEDOUT});
  EXPECT_EQ(h.last_to_kernel().type(), as_error);
  const auto sent = h.to_kernel.size();
  h.kernel_sends(close);
  EXPECT_EQ(h.to_kernel.size(), sent);  // no reply
  EXPECT_TRUE(h.to_cc.empty());
  EXPECT_TRUE(h.logged(log::Level::kDebug, "stray as_close"));
}

// Fig. 11: bind, listen, indicate, accept, then both sockets closed.
TEST(Fig11ListenAccept, IndicateAcceptOkayAndClose) {
  Harness h;
  std::vector<struct sockaddr_atmsvc> locals{kemu::svc_address(kAddrA)};
  std::vector<Action> out;
  h.table.set_local_addresses(0, locals, out);
  h.drain(out);
  h.kernel_sends(h.kernel.bind(kL, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr")));
  EXPECT_EQ(h.last_to_kernel().type(), as_okay);
  EXPECT_EQ(h.table.socket_count(), 0u);  // bind creates no state
  h.listen(kL);
  EXPECT_EQ(h.last_to_kernel().type(), as_okay);
  EXPECT_EQ(h.table.state_of(kL), SockState::kListening);
  h.cc_sends(h.incoming(7));
  const Message& ind = h.last_to_kernel();
  ASSERT_EQ(ind.type(), as_indicate);
  EXPECT_EQ(ind.listen_vcc(), kL);
  EXPECT_EQ(ind.raw().pvc.sap_addr.vci, 39);
  EXPECT_EQ(h.table.pending_count(kL), 1u);
  h.kernel_sends(*h.kernel.accept(kN1, kL));
  const auto a = h.take_cc<CcAccept>();
  EXPECT_EQ(a.call, 7u);
  EXPECT_EQ(h.table.state_of(kN1), SockState::kAccepting);
  h.cc_sends(h.established(a.sock, 39));
  EXPECT_EQ(h.last_to_kernel().type(), as_okay);
  EXPECT_EQ(h.last_to_kernel().vcc(), kN1);
  EXPECT_EQ(h.table.state_of(kN1), SockState::kActive);
  // Closing the listener does not affect the accepted socket.
  h.kernel_sends(h.kernel.close(kL));
  EXPECT_EQ(h.last_to_kernel().type(), as_close);
  EXPECT_FALSE(h.table.state_of(kL).has_value());
  EXPECT_EQ(h.table.state_of(kN1), SockState::kActive);
  h.kernel_sends(h.kernel.close(kN1));
  EXPECT_EQ(h.take_cc<CcRelease>().sock, a.sock);
  EXPECT_EQ(h.table.socket_count(), 0u);
  EXPECT_EQ(h.kernel.socket_count(), 0u);
}

// One incoming and one outgoing call, each from open to close, with both
// release directions.
void whole_calls(Harness& h) {
  h.listen(kL);
  h.cc_sends(h.incoming(7));
  h.kernel_sends(*h.kernel.accept(kN1, kL));
  const auto a = h.take_cc<CcAccept>();
  h.cc_sends(h.established(a.sock, 39));
  h.cc_sends(CcReleased{a.sock, 0});  // the caller clears
  h.kernel_sends(h.kernel.close(kL));
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  h.cc_sends(h.established(c.sock, 40));
  h.kernel_sends(h.kernel.close(kV1));  // we clear
  EXPECT_EQ(h.take_cc<CcRelease>().sock, c.sock);
  EXPECT_EQ(h.table.socket_count(), 0u);
  EXPECT_EQ(h.kernel.socket_count(), 0u);
}

// At the default level (info) the socket table's per-call steps are debug
// events that log::emit never builds: whole calls leave no event at all.
TEST(Logging, DefaultLevelsWholeCallsProduceNoEvent) {
  const log::Levels info;
  SocketTableParams p;
  p.levels = &info;
  Harness h(p);
  whole_calls(h);
  EXPECT_TRUE(h.logs.empty()) << log::format(h.logs.front());
}

// The same calls with sig at debug: every step is an event of its own ID,
// "atmsvc[vcc]{state}: ..." with the socket's vcc and state.
TEST(Logging, DebugLevelsNameEachStepWithVccAndState) {
  log::Levels levels;
  SocketTableParams p;
  p.levels = &levels;
  Harness h(p);
  levels.set(log::Group::kSig, log::Level::kDebug);  // read at every event (SIGHUP)
  whole_calls(h);
  std::vector<log::Id> ids;
  for (const auto& e : h.logs) ids.push_back(e.id);
  for (log::Id id : {log::Id::kSocketListen, log::Id::kSocketIndicate, log::Id::kSocketAccepting,
                     log::Id::kSocketCallUp, log::Id::kSocketReleased, log::Id::kSocketConnect})
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << log::id_name(id);
  EXPECT_TRUE(h.logged(log::Level::kDebug, std::string("atmsvc[0x1000]{Connecting}: connect to ") +
                                               svc_address_text(kemu::svc_address(kAddrB))));
  EXPECT_TRUE(h.logged(log::Level::kDebug, "atmsvc[0x4000]{ClosingByDemon}: released by the"));
  EXPECT_TRUE(h.logged(log::Level::kDebug, "atmsvc[0x3000]{Listening}: indicating call #7 from"));
  // Back at info: nothing more.
  levels.set(log::Group::kSig, log::Level::kInfo);
  h.logs.clear();
  whole_calls(h);
  EXPECT_TRUE(h.logs.empty());
}

// A SETUP need not carry a calling party number: the as_indicate still names
// an AF_ATMSVC remote address (empty), as the kernel expects of every
// indication (the kernel model checks the frame).
TEST(IncomingCall, WithoutCallingPartyIndicatesAnEmptyAtmsvcAddress) {
  Harness h;
  h.listen(kL);
  auto inc = h.incoming(7);
  std::memset(&inc.calling, 0, sizeof inc.calling);
  h.cc_sends(inc);
  const Message& ind = h.last_to_kernel();
  ASSERT_EQ(ind.type(), as_indicate);
  EXPECT_EQ(ind.raw().svc.sas_family, AF_ATMSVC);
  EXPECT_EQ(ind.raw().svc.sas_addr.prv[0], 0);
  EXPECT_EQ(ind.raw().svc.sas_addr.pub[0], 0);
  EXPECT_FALSE(validate_from_demon(ind).has_value());
  EXPECT_EQ(h.table.pending_count(kL), 1u);
}

// Fig. 12: the kernel rejects an incoming call; as_reject is not confirmed.
TEST(Fig12Reject, RejectGoesToCallControlWithTheKernelsReply) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(9));
  const auto sent = h.to_kernel.size();
  h.kernel_sends(*h.kernel.reject(kL, -ECONNREFUSED));
  EXPECT_EQ(h.to_kernel.size(), sent);
  const auto r = h.take_cc<CcReject>();
  EXPECT_EQ(r.call, 9u);
  EXPECT_EQ(r.reason, RejectReason::kKernelRejected);
  EXPECT_EQ(r.err, -ECONNREFUSED);
  EXPECT_EQ(h.table.pending_count(kL), 0u);
}

// Section 3.8: indications are answered strictly in order.
TEST(ListenFifo, AnswersAreMatchedToIndicationsInOrder) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(1));
  h.cc_sends(h.incoming(2));
  h.cc_sends(h.incoming(3));
  EXPECT_EQ(h.table.pending_count(kL), 3u);
  h.kernel_sends(*h.kernel.accept(kN1, kL));
  EXPECT_EQ(h.take_cc<CcAccept>().call, 1u);
  h.kernel_sends(*h.kernel.reject(kL, -EBUSY));
  EXPECT_EQ(h.take_cc<CcReject>().call, 2u);
  h.kernel_sends(*h.kernel.accept(kN2, kL));
  EXPECT_EQ(h.take_cc<CcAccept>().call, 3u);
  EXPECT_EQ(h.table.pending_count(kL), 0u);
}

// Closing a listener with pending indications: the close is acknowledged,
// and the kernel's as_rejects that follow (svc_disconnect) reach call control.
TEST(ListenClose, PendingIndicationsAreRejectedAfterTheAck) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(1));
  h.cc_sends(h.incoming(2));
  h.kernel_sends(h.kernel.close(kL));
  // The model answers the ack with one as_reject per queued indication.
  EXPECT_EQ(h.take_cc<CcReject>().call, 1u);
  EXPECT_EQ(h.take_cc<CcReject>().call, 2u);
  EXPECT_FALSE(h.table.state_of(kL).has_value());
  EXPECT_EQ(h.table.socket_count(), 0u);
}

// If the kernel never answers the indications of a closed listener, the
// demon rejects them itself after the zombie timeout: nothing leaks.
TEST(ListenClose, ZombieTimeoutRejectsUnansweredIndications) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(1));
  // Close delivered directly (not through the model, whose ack answer would
  // reject the indication): a kernel that never answers.
  Message close(as_close);
  close.set_vcc(kL);
  std::vector<Action> out;
  h.table.from_kernel(close, h.now, out);
  for (auto& a : out)
    if (auto* c = std::get_if<ToCallControl>(&a)) h.to_cc.push_back(c->req);
  EXPECT_EQ(h.table.state_of(kL), SockState::kListenZombie);
  h.advance(seconds(9));
  EXPECT_TRUE(h.to_cc.empty());
  h.advance(seconds(2));
  const auto r = h.take_cc<CcReject>();
  EXPECT_EQ(r.call, 1u);
  EXPECT_EQ(r.reason, RejectReason::kListenerClosed);
  EXPECT_EQ(h.table.socket_count(), 0u);
}

// A new listener on the same SAP is possible once the old one is closed.
TEST(ListenClose, SapIsFreeAfterClose) {
  Harness h;
  h.listen(kL);
  h.kernel_sends(h.kernel.close(kL));
  h.listen(kN1);
  EXPECT_EQ(h.last_to_kernel().type(), as_okay);
}

TEST(Listen, DuplicateSapIsRefusedWithAddrInUse) {
  Harness h;
  h.listen(kL);
  h.listen(kN1);
  EXPECT_EQ(h.last_to_kernel().type(), as_error);
  EXPECT_EQ(h.last_to_kernel().reply(), -EADDRINUSE);
  EXPECT_FALSE(h.table.state_of(kN1).has_value());
}

TEST(Listen, DifferentBlliOnTheSameAddressIsAnotherSap) {
  Harness h;
  h.listen(kL, kAddrA, "blli:l2=iso8802");
  h.listen(kN1, kAddrA, "blli:l3=tr9577,ipi=snap,oui=0x00A03E,pid=0x0002");
  EXPECT_EQ(h.last_to_kernel().type(), as_okay);
  h.cc_sends(h.incoming(5, kAddrA, "blli:l3=tr9577,ipi=snap,oui=0x00A03E,pid=0x0002"));
  EXPECT_EQ(h.last_to_kernel().type(), as_indicate);
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kN1);
}

TEST(Incoming, NoListenerIsRejectedTowardsCallControl) {
  Harness h;
  h.listen(kL, kAddrA);
  h.cc_sends(h.incoming(4, kAddrB));
  const auto r = h.take_cc<CcReject>();
  EXPECT_EQ(r.call, 4u);
  EXPECT_EQ(r.reason, RejectReason::kNoListener);
}

// Issue 14: while the user of signaling does not read, a new incoming call
// is refused (no indication queued for nobody); afterwards it is indicated.
TEST(Incoming, WhileTheUserIsStalledCallsAreRefusedThenIndicatedAgain) {
  Harness h;
  h.listen(kL, kAddrA);
  std::vector<Action> out;
  h.table.handle(UserStalled{true}, h.now, out);
  EXPECT_TRUE(out.empty());
  const std::size_t frames = h.to_kernel.size();
  h.cc_sends(h.incoming(4, kAddrA));
  const auto r = h.take_cc<CcReject>();
  EXPECT_EQ(r.call, 4u);
  EXPECT_EQ(r.reason, RejectReason::kUserStalled);
  EXPECT_EQ(h.to_kernel.size(), frames);  // no as_indicate
  h.table.handle(UserStalled{false}, h.now, out);
  h.cc_sends(h.incoming(5, kAddrA));
  EXPECT_EQ(h.last_to_kernel().type(), as_indicate);
}

TEST(Incoming, WildcardListenerTakesAnyAddress) {
  Harness h;
  h.listen(kL, "");
  h.cc_sends(h.incoming(4, kAddrB));
  EXPECT_EQ(h.last_to_kernel().type(), as_indicate);
}

TEST(Incoming, SpecificListenerBeatsWildcard) {
  Harness h;
  h.listen(kL, "");
  h.listen(kN1, kAddrB);
  h.cc_sends(h.incoming(4, kAddrB));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kN1);
}

// The listeners by address are found by a key written on the stack (issue
// 13): NSAP by its 20 octets, E.164 by its digits; a longer or shorter
// number, or another NSAP, is another address.
TEST(Incoming, ListenersByNsapAndByE164Digits) {
  Harness h;
  h.listen(kL, "");
  h.listen(kN1, kAddrB);
  h.listen(kN2, "+4121");
  h.cc_sends(h.incoming(4, "+4121"));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kN2);
  h.cc_sends(h.incoming(5, kAddrB));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kN1);
  h.cc_sends(h.incoming(6, "+41212"));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kL);
  h.cc_sends(h.incoming(7, "+412"));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kL);
  h.cc_sends(h.incoming(8, kAddrA));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kL);
}

TEST(Incoming, TrafficClassMustMatchUnlessAny) {
  Harness h;
  h.listen(kL, kAddrA, "", "cbr:max_pcr=1000");
  h.cc_sends(h.incoming(4, kAddrA, "", "ubr"));
  EXPECT_EQ(h.take_cc<CcReject>().reason, RejectReason::kNoListener);
}

// The caller clears while the indication waits in the kernel.
TEST(Incoming, CallerGoneBeforeAcceptGivesConnAborted) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(1));
  h.cc_sends(CcIncomingGone{1});
  h.kernel_sends(*h.kernel.accept(kN1, kL));
  EXPECT_EQ(h.last_to_kernel().type(), as_error);
  EXPECT_EQ(h.last_to_kernel().reply(), -ECONNABORTED);
  EXPECT_TRUE(h.to_cc.empty());
}

TEST(Incoming, CallerGoneBeforeRejectNeedsNoRelease) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(1));
  h.cc_sends(CcIncomingGone{1});
  h.kernel_sends(*h.kernel.reject(kL, -ECONNREFUSED));
  EXPECT_TRUE(h.to_cc.empty());
}

TEST(Accept, FailureDuringAcceptIsAnError) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(1));
  h.kernel_sends(*h.kernel.accept(kN1, kL));
  const auto a = h.take_cc<CcAccept>();
  h.cc_sends(CcReleased{a.sock, -ETIMEDOUT});
  EXPECT_EQ(h.last_to_kernel().type(), as_error);
  EXPECT_EQ(h.last_to_kernel().reply(), -ETIMEDOUT);
  EXPECT_FALSE(h.table.state_of(kN1).has_value());
}

TEST(Accept, CloseWhileAcceptingReleasesTheCall) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(1));
  h.kernel_sends(*h.kernel.accept(kN1, kL));
  const auto a = h.take_cc<CcAccept>();
  h.kernel_sends(h.kernel.close(kN1));
  EXPECT_EQ(h.take_cc<CcRelease>().sock, a.sock);
  EXPECT_EQ(h.last_to_kernel().type(), as_close);
}

TEST(Accept, WithEmptyQueueIsAnError) {
  Harness h;
  h.listen(kL);
  Message acc(as_accept);
  acc.set_vcc(kN1);
  acc.set_listen_vcc(kL);
  std::vector<Action> out;
  h.table.from_kernel(acc, h.now, out);
  ASSERT_FALSE(out.empty());
  bool error_sent = false;
  for (auto& a : out)
    if (auto* k = std::get_if<ToKernel>(&a))
      error_sent = k->msg.type() == as_error && k->msg.vcc() == kN1 && k->msg.reply() == -EINVAL;
  EXPECT_TRUE(error_sent);
}

// Section 3.5: bind verifies the address and creates no state.
TEST(Bind, NullAddressGetsALocalAddress) {
  Harness h;
  std::vector<Action> out;
  h.table.set_local_addresses(0, {kemu::svc_address(kAddrA)}, out);
  h.drain(out);
  h.kernel_sends(h.kernel.bind(kV1, kemu::svc_address(""), kemu::qos_from_text("ubr")));
  ASSERT_EQ(h.last_to_kernel().type(), as_okay);
  EXPECT_EQ(std::memcmp(h.last_to_kernel().raw().local.sas_addr.prv,
                        kemu::svc_address(kAddrA).sas_addr.prv, ATM_ESA_LEN),
            0);
  EXPECT_EQ(h.table.socket_count(), 0u);
}

TEST(Bind, ForeignAddressIsRefused) {
  Harness h;
  h.kernel_sends(h.kernel.bind(kV1, kemu::svc_address(kAddrB), kemu::qos_from_text("ubr")));
  EXPECT_EQ(h.last_to_kernel().type(), as_error);
  EXPECT_EQ(h.last_to_kernel().reply(), -EADDRNOTAVAIL);
}

TEST(Bind, LocalAddressWithAnotherSelectorIsAccepted) {
  Harness h;
  std::vector<Action> out;
  h.table.set_local_addresses(0, {kemu::svc_address(kAddrA)}, out);
  h.drain(out);
  h.kernel_sends(h.kernel.bind(kV1,
                               kemu::svc_address("47.0005.80ffe1000000f21a26d8.0020ea000ee0.7f"),
                               kemu::qos_from_text("ubr")));
  EXPECT_EQ(h.last_to_kernel().type(), as_okay);
}

// Section 4.1.7: the null local address of as_connect is replaced.
TEST(Connect, NullLocalAddressIsReplacedByALocalOne) {
  Harness h;
  std::vector<Action> out;
  h.table.set_local_addresses(1, {kemu::svc_address(kAddrA)}, out);
  h.drain(out);
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  EXPECT_EQ(std::memcmp(c.local.sas_addr.prv, kemu::svc_address(kAddrA).sas_addr.prv, ATM_ESA_LEN),
            0);
}

// Section 5.1.
TEST(ItfNotify, AsksForTheInterfacesAddresses) {
  Harness h;
  h.kernel_sends(KernelModel::itf_notify(2));
  ASSERT_EQ(h.queried_itfs.size(), 1u);
  EXPECT_EQ(h.queried_itfs[0], 2);
  EXPECT_TRUE(h.to_kernel.empty());
  std::vector<Action> out;
  h.table.set_local_addresses(2, {kemu::svc_address(kAddrA)}, out);
  h.drain(out);
  EXPECT_TRUE(h.logged(log::Level::kInfo, "added local ATM address"));
  EXPECT_EQ(h.table.local_addresses(2).size(), 1u);
  h.table.set_local_addresses(2, {}, out);
  h.drain(out);
  EXPECT_TRUE(h.logged(log::Level::kInfo, "removed local ATM address"));
}

TEST(Modify, WithoutQ29631IsRefusedLikeTheOriginal) {
  Harness h;
  h.connect(kV1);
  h.cc_sends(h.established(h.take_cc<CcConnect>().sock));
  Message mod(as_modify);
  mod.set_vcc(kV1);
  std::vector<Action> out;
  h.table.from_kernel(mod, h.now, out);
  auto* k = std::get_if<ToKernel>(&out.back());
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->msg.type(), as_okay);
  EXPECT_EQ(k->msg.reply(), -ENOPROTOOPT);
}

// --- Q.2963.1 (SocketTableParams::modification) ----------------------------------

SocketTableParams with_modification() {
  SocketTableParams p;
  p.modification = true;
  return p;
}

// An active call of kV1 (the caller) under a table with Q.2963.1.
SockId active_call(Harness& h) {
  h.connect(kV1, kAddrB, "cbr:max_pcr=1000");
  const SockId id = h.take_cc<CcConnect>().sock;
  h.cc_sends(h.established(id));
  return id;
}

// The kernel's as_modify goes to call control; call control's reservation is
// the demon's as_modify (reply = ATM_MF_* flags), the kernel's as_okay comes
// back as CcModifyQosAnswer 0; the result is the as_okay that ends the
// kernel's wait.
TEST(Modify, ForwardedReservedAndAnswered) {
  Harness h(with_modification());
  const SockId id = active_call(h);
  const auto q = kemu::qos_from_text("cbr:max_pcr=3000");
  h.kernel_sends(h.kernel.modify(kV1, q));
  const auto m = h.take_cc<CcModify>();
  EXPECT_EQ(m.sock, id);
  EXPECT_EQ(m.qos.txtp.max_pcr, 3000);
  EXPECT_EQ(h.table.state_of(kV1), SockState::kActive);
  const int reserve = ATM_MF_INC_RSV | ATM_MF_DEC_SHP;
  h.cc_sends(CcModifyQos{id, q, reserve});
  // The demon's as_modify; the kernel model answered it at once (as_okay).
  ASSERT_EQ(h.kernel.socket(kV1)->qos_asked.size(), 1u);
  EXPECT_EQ(h.kernel.socket(kV1)->qos_asked[0].reply(), reserve);
  EXPECT_EQ(h.kernel.socket(kV1)->qos_asked[0].raw().qos.txtp.max_pcr, 3000);
  const auto a = h.take_cc<CcModifyQosAnswer>();
  EXPECT_EQ(a.sock, id);
  EXPECT_EQ(a.err, 0);
  EXPECT_EQ(h.table.state_of(kV1), SockState::kActive);
  h.cc_sends(CcModifyQos{id, q, ATM_MF_SET});
  EXPECT_EQ(h.take_cc<CcModifyQosAnswer>().err, 0);
  EXPECT_EQ(h.kernel.socket(kV1)->qos->txtp.max_pcr, 3000);
  h.cc_sends(CcModifyResult{id, 0});
  EXPECT_EQ(h.last_to_kernel().type(), as_okay);
  EXPECT_EQ(h.last_to_kernel().reply(), 0);
  EXPECT_EQ(h.kernel.socket(kV1)->modifies_pending, 0);
  EXPECT_EQ(h.kernel.socket(kV1)->modify_result, 0);
  EXPECT_TRUE(h.to_cc.empty());
}

// The kernel refuses (as_error): call control gets its errno; a refusal of
// call control ends in the as_okay's reply.
TEST(Modify, KernelRefusesTheReservation_ErrnoToCallControl) {
  Harness h(with_modification());
  const SockId id = active_call(h);
  h.kernel.set_modify_answer(kV1, {-EBUSY, 0});
  h.kernel_sends(h.kernel.modify(kV1, kemu::qos_from_text("cbr:max_pcr=3000")));
  (void)h.take_cc<CcModify>();
  h.cc_sends(CcModifyQos{id, kemu::qos_from_text("cbr:max_pcr=3000"), ATM_MF_INC_RSV});
  EXPECT_EQ(h.take_cc<CcModifyQosAnswer>().err, -EBUSY);
  h.cc_sends(CcModifyResult{id, -EBUSY});
  EXPECT_EQ(h.last_to_kernel().reply(), -EBUSY);
  EXPECT_EQ(h.kernel.socket(kV1)->modify_result, -EBUSY);
  EXPECT_EQ(h.table.state_of(kV1), SockState::kActive);
}

// The application closes while our as_modify is unanswered: the call is
// released as from Active; the kernel's late answer is a stray.
TEST(Modify, CloseWhileTheKernelAnswers_ReleasedLateAnswerIgnored) {
  Harness h(with_modification());
  const SockId id = active_call(h);
  h.kernel.set_modify_answer(kV1, {std::nullopt, std::nullopt});
  h.cc_sends(CcModifyQos{id, kemu::qos_from_text("cbr:max_pcr=3000"), ATM_MF_INC_RSV});
  EXPECT_EQ(h.table.state_of(kV1), SockState::kActiveQosWait);
  EXPECT_TRUE(h.to_cc.empty());
  h.kernel_sends(h.kernel.close(kV1));
  EXPECT_EQ(h.take_cc<CcRelease>().sock, id);
  EXPECT_EQ(h.table.socket_count(), 0u);
  Message late(as_okay);
  late.set_vcc(kV1);
  h.kernel_sends(late);
  EXPECT_TRUE(h.to_cc.empty());
  EXPECT_TRUE(h.logged(log::Level::kDebug, "without an as_modify of ours"));
}

// Call control releases while our as_modify is unanswered: as_close, as
// from Active; the shutdown releases a call in that state too.
TEST(Modify, ReleasedWhileTheKernelAnswers_AsCloseAndShutdown) {
  Harness h(with_modification());
  const SockId id = active_call(h);
  h.kernel.set_modify_answer(kV1, {std::nullopt, std::nullopt});
  h.cc_sends(CcModifyQos{id, kemu::qos_from_text("cbr:max_pcr=3000"), ATM_MF_INC_RSV});
  h.cc_sends(CcReleased{id, -ETIMEDOUT});
  EXPECT_EQ(h.last_to_kernel().type(), as_close);
  EXPECT_EQ(h.last_to_kernel().reply(), -ETIMEDOUT);

  Harness s(with_modification());
  const SockId sid = active_call(s);
  s.kernel.set_modify_answer(kV1, {std::nullopt, std::nullopt});
  s.cc_sends(CcModifyQos{sid, kemu::qos_from_text("cbr:max_pcr=3000"), ATM_MF_INC_RSV});
  std::vector<Action> out;
  s.table.shutdown(out);
  s.drain(out);
  EXPECT_EQ(s.take_cc<CcRelease>().sock, sid);
}

// Without an active call: as the original, -ENOPROTOOPT without Q.2963.1
// (whatever the socket), -EBADFD with it; an unknown vcc: -EBADFD.
TEST(Modify, WithoutAnActiveCall_EnoprotooptOrEbadfd) {
  for (const bool q2963 : {false, true}) {
    SCOPED_TRACE(q2963);
    SocketTableParams p;
    p.modification = q2963;
    Harness h(p);
    h.listen(kL);
    Message mod = h.kernel.modify(kL, kemu::qos_from_text("ubr"));
    h.kernel_sends(mod);
    EXPECT_EQ(h.last_to_kernel().type(), as_okay);
    EXPECT_EQ(h.last_to_kernel().reply(), q2963 ? -EBADFD : -ENOPROTOOPT);
    EXPECT_EQ(h.kernel.socket(kL)->modifies_pending, 0);
    // A socket still connecting and an unknown vcc: the table alone (no
    // kernel sends as_modify then).
    h.connect(kV1);
    (void)h.take_cc<CcConnect>();
    for (const Vcc v : {kV1, Vcc{0x9999}}) {
      mod.set_vcc(v);
      std::vector<Action> out;
      h.table.from_kernel(mod, h.now, out);
      const Out o = split(out);
      ASSERT_EQ(o.to_kernel.size(), 1u);
      EXPECT_EQ(o.to_kernel[0].type(), as_okay);
      EXPECT_EQ(o.to_kernel[0].reply(), v == kV1 && !q2963 ? -ENOPROTOOPT : -EBADFD);
    }
    EXPECT_TRUE(h.to_cc.empty());
  }
}

// Unknown (state, event) pairs are logged, and nothing changes.
TEST(UnexpectedPairs, ConnectOnAnExistingVccIsLoggedAndIgnored) {
  Harness h;
  h.connect(kV1);
  (void)h.take_cc<CcConnect>();
  Message again(as_connect);
  again.set_vcc(kV1);
  again.raw().qos = kemu::qos_from_text("ubr");
  again.raw().svc = kemu::svc_address(kAddrB);
  h.kernel_sends(again);
  EXPECT_TRUE(h.logged(log::Level::kWarn, "not allowed in state Connecting"));
  EXPECT_TRUE(h.to_cc.empty());
  EXPECT_TRUE(h.to_kernel.empty());
  EXPECT_EQ(h.table.state_of(kV1), SockState::kConnecting);
}

TEST(UnexpectedPairs, EstablishedTwiceIsLogged) {
  Harness h;
  h.connect(kV1);
  const auto c = h.take_cc<CcConnect>();
  h.cc_sends(h.established(c.sock));
  h.cc_sends(h.established(c.sock));
  EXPECT_EQ(h.to_kernel.size(), 1u);
  EXPECT_TRUE(h.logged(log::Level::kWarn, "not allowed in state Active"));
}

TEST(Shutdown, ReleasesEveryCallAndPendingIndication) {
  Harness h;
  h.connect(kV1);
  const auto c1 = h.take_cc<CcConnect>();
  h.connect(kV2);
  const auto c2 = h.take_cc<CcConnect>();
  h.cc_sends(h.established(c2.sock));
  h.listen(kL);
  h.cc_sends(h.incoming(8));
  std::vector<Action> out;
  h.table.shutdown(out);
  h.drain(out);
  EXPECT_EQ(h.table.socket_count(), 0u);
  std::vector<SockId> released;
  std::vector<CallId> rejected;
  for (auto& r : h.to_cc) {
    if (auto* x = std::get_if<CcRelease>(&r)) released.push_back(x->sock);
    if (auto* x = std::get_if<CcReject>(&r)) rejected.push_back(x->call);
  }
  EXPECT_THAT(released, ::testing::UnorderedElementsAre(c1.sock, c2.sock));
  EXPECT_THAT(rejected, ::testing::ElementsAre(8u));
}

TEST(StatusDump, ListsSocketsWithStates) {
  Harness h;
  h.listen(kL);
  h.cc_sends(h.incoming(1));
  h.connect(kV1);
  const auto d = h.table.status_dump();
  EXPECT_NE(d.find("sockets: 2"), std::string::npos);
  EXPECT_NE(d.find("Listening"), std::string::npos);
  EXPECT_NE(d.find("pending=1"), std::string::npos);
  EXPECT_NE(d.find("Connecting"), std::string::npos);
}

}  // namespace
}  // namespace atmsigd::test

namespace atmsigd::test {
namespace {

AddressPrefix prefix(const std::string& text, std::optional<int> bits) {
  return AddressPrefix{*parse_svc_address(text, true), bits, text};
}

TEST(PolicyPrefix, NsapBitsE164DigitsAndExact) {
  const auto a = kemu::svc_address(kAddrA);  // ...0020ea000ee0.00
  EXPECT_TRUE(prefix_matches(prefix(kAddrA, std::nullopt), a));
  EXPECT_FALSE(prefix_matches(prefix(kAddrB, std::nullopt), a));
  // kAddrA and kAddrB differ in the last bit of octet 18 (0xe0 / 0xe1).
  EXPECT_TRUE(prefix_matches(prefix(kAddrB, 151), a));
  EXPECT_FALSE(prefix_matches(prefix(kAddrB, 152), a));
  EXPECT_TRUE(prefix_matches(prefix(kAddrB, 8), a));
  const auto e = *parse_svc_address("+41216935111");
  EXPECT_TRUE(prefix_matches(prefix("+4121", 4), e));
  EXPECT_FALSE(prefix_matches(prefix("+4122", 4), e));
  EXPECT_FALSE(prefix_matches(prefix("+4121", std::nullopt), e));
  EXPECT_FALSE(prefix_matches(prefix("+4121", 4), a));  // E.164 rule, NSAP address
}

TEST(Policy, FirstMatchOfTheDirectionWinsAndDefaultAllows) {
  Policy p;
  p.set_rules({PolicyRule{true, false, prefix(kAddrA, std::nullopt)},
               PolicyRule{false, false, prefix(kAddrA, 8)},
               PolicyRule{false, true, prefix(kAddrB, std::nullopt)}});
  EXPECT_TRUE(p.outgoing(kemu::svc_address(kAddrA)).allow);   // rule 1
  EXPECT_FALSE(p.outgoing(kemu::svc_address(kAddrB)).allow);  // rule 2
  EXPECT_NE(p.outgoing(kemu::svc_address(kAddrB)).describe().find("reject to"), std::string::npos);
  EXPECT_FALSE(p.incoming(kemu::svc_address(kAddrB)).allow);  // rule 3
  EXPECT_TRUE(p.incoming(kemu::svc_address(kAddrA)).allow);   // no "from" rule matches
  EXPECT_EQ(p.incoming(kemu::svc_address(kAddrA)).rule, nullptr);
}

TEST(Policy, RejectedIncomingCallIsRefusedTowardsTheNetwork) {
  Harness h;
  Policy p;
  p.set_rules({PolicyRule{false, true, prefix(kAddrB, std::nullopt)}});
  h.table.set_policy(p);
  h.listen(0x10, kAddrA);
  h.cc_sends(h.incoming(5));  // the calling party is kAddrB
  const auto r = h.take_cc<CcReject>();
  EXPECT_EQ(r.call, 5u);
  EXPECT_EQ(r.reason, RejectReason::kPolicy);
  EXPECT_EQ(h.table.pending_count(0x10), 0u);
  EXPECT_TRUE(h.logged(log::Level::kInfo, "rejected by rule \"reject from"));
}

TEST(Policy, RejectedConnectGetsEaccesAndNoCall) {
  Harness h;
  Policy p;
  p.set_rules({PolicyRule{false, false, prefix(kAddrB, std::nullopt)}});
  h.table.set_policy(p);
  h.connect(0x10, kAddrB);
  EXPECT_EQ(h.last_to_kernel().type(), as_error);
  EXPECT_EQ(h.last_to_kernel().reply(), -EACCES);
  EXPECT_TRUE(h.to_cc.empty());
  EXPECT_EQ(h.table.socket_count(), 0u);
  EXPECT_TRUE(h.logged(log::Level::kInfo, "rejected by rule \"reject to"));
  h.connect(0x11, kAddrA);
  EXPECT_EQ(h.take_cc<CcConnect>().called.sas_addr.prv[19], 0x00);
}

// The one face: handle(TableInput) reaches the same machines as the named
// entry points (the Engine uses only handle()).
TEST(OneFace, HandleDrivesListenAddressesCallControlAndShutdown) {
  SocketTable t;
  std::vector<Action> out;
  std::vector<struct sockaddr_atmsvc> addrs{
      kemu::svc_address("47.0005.80ffe1000000f21a26d8.0020ea000ee0.00")};
  t.handle(SetLocalAddresses{0, addrs}, TimePoint{}, out);
  EXPECT_EQ(t.local_addresses(0).size(), 1u);
  out.clear();
  kemu::KernelModel k;
  const Message listen =
      k.listen(kL, addrs[0], kemu::qos_from_text("ubr"), kemu::sap_from_text(""));
  t.handle(FromKernel{listen}, TimePoint{}, out);
  EXPECT_EQ(t.state_of(kL), SockState::kListening);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(std::get<ToKernel>(out.back()).msg.type(), as_okay);
  out.clear();
  const Message connect = k.connect(kV1, kemu::svc_address(""), addrs[0],
                                    kemu::qos_from_text("ubr"), kemu::sap_from_text(""));
  t.handle(FromKernel{connect}, TimePoint{}, out);
  const auto* req = std::get_if<ToCallControl>(&out.back());
  ASSERT_NE(req, nullptr);
  const auto sock = std::get<CcConnect>(req->req).sock;
  out.clear();
  const CcEvent released = CcReleased{sock, -ECONNREFUSED};
  t.handle(FromCallControl{released}, TimePoint{}, out);
  EXPECT_EQ(std::get<ToKernel>(out.back()).msg.type(), as_error);
  EXPECT_EQ(t.state_of(kV1), std::nullopt);
  out.clear();
  const std::uint8_t junk[3] = {1, 2, 3};
  t.handle(FromKernelBytes{ByteView(junk, 3)}, TimePoint{}, out);
  EXPECT_EQ(t.socket_count(), 1u);  // named in the log, nothing changed
  t.handle(ShutdownAll{}, TimePoint{}, out);
  EXPECT_EQ(t.socket_count(), 0u);
}

}  // namespace
}  // namespace atmsigd::test
