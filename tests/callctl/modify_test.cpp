// Q.2963.1 peak cell rate modification (UniParams::modification, UNI 4.0), in
// virtual time: every modification state and timer of both ends, against a
// scripted peer, on the user side and on the network side alike (the
// procedures are the same: U13/N13, U14/N14); then two Unis back to back.
// Test names: <end>, <procedure>_<outcome>. "Owner": the connection owner
// (the calling party, Q.2963.1 §5.2); "Other": the called end.
#include <gtest/gtest.h>

#include <linux/atmdev.h>

#include <cerrno>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

using atmsvc::CcModify;
using atmsvc::CcModifyQos;
using atmsvc::CcModifyQosAnswer;
using atmsvc::CcModifyResult;

constexpr int kOwnerReserve = ATM_MF_INC_RSV | ATM_MF_DEC_SHP;
constexpr int kOtherReserve = ATM_MF_INC_RSV | ATM_MF_DEC_RSV | ATM_MF_DEC_SHP;

struct atm_qos cbr(int tx_pcr, int rx_pcr, int sdu = 8192) {
  struct atm_qos q = ubr(sdu);
  q.txtp.traffic_class = ATM_CBR;
  q.rxtp.traffic_class = ATM_CBR;
  q.txtp.max_pcr = tx_pcr;
  q.rxtp.max_pcr = rx_pcr;
  return q;
}

UniParams params(Side side, bool modification = true) {
  auto p = UniParams::defaults(side, Version::kUni40);
  p.modification = modification;
  return p;
}

// A Uni under test (either side) facing a scripted peer.
struct Mod : Fixture {
  explicit Mod(Side s, bool modification = true)
      : Fixture(params(s, modification), Version::kUni40), side(s) {}
  Side side;

  // From the peer about a call: flag set when we originated the call.
  void peer_sends(MessageType t, std::uint32_t cref, bool we_originated,
                  std::vector<q2931::Ie> ies = {}) {
    Message m = msg(t, cref, we_originated);
    m.ies = std::move(ies);
    send(m);
  }
  // Our outgoing call, active: we are the connection owner.
  std::uint32_t owner_call(atmsvc::SockId sock = 1, struct atm_qos q = cbr(1000, 2000)) {
    const Message s = outgoing_active(connect_req(sock, 1, q), 32);
    EXPECT_EQ(events_of<CcEstablished>(take()).size(), 1u);
    EXPECT_EQ(uni().state_of_sock(sock), CallState::kActive);
    return s.cref.value;
  }
  // The peer's call, accepted by socket `sock`: the peer is the owner. Its
  // SETUP asks forward PCR 1000, backward 2000 (best effort).
  std::uint32_t other_call(atmsvc::SockId sock = 2, std::uint32_t cref = 77) {
    send(network_setup(cref, 40, Version::kUni40, side == Side::kUser));
    if (side == Side::kNetwork) peer.expect(MessageType::kCallProceeding);
    auto inc = events_of<CcIncoming>(take());
    EXPECT_EQ(inc.size(), 1u);
    if (inc.empty()) return cref;
    req(CcAccept{inc[0].call, sock});
    peer.expect(MessageType::kConnect);
    if (side == Side::kUser) peer_sends(MessageType::kConnectAcknowledge, cref, false);
    EXPECT_EQ(events_of<CcEstablished>(take()).size(), 1u);
    EXPECT_EQ(uni().state_of_sock(sock), CallState::kActive);
    return cref;
  }
  CallState state(atmsvc::SockId sock) { return uni().state_of_sock(sock); }
  std::optional<Timer> timer(std::uint32_t cref, bool ours) {
    const auto i = uni().call_info(cref, ours);
    return i ? i->timer : std::nullopt;
  }
  // The one CcModifyQos of the events taken; its flags and QoS.
  CcModifyQos qos_asked() {
    auto q = events_of<CcModifyQos>(take());
    EXPECT_EQ(q.size(), 1u);
    return q.empty() ? CcModifyQos{} : q[0];
  }
  int result() {
    auto r = events_of<CcModifyResult>(take());
    EXPECT_EQ(r.size(), 1u);
    return r.empty() ? 1 : r[0].err;
  }
  // The owner's modification up to MODIFY REQUEST sent (U13/N13).
  Message requested(atmsvc::SockId sock, struct atm_qos q) {
    req(CcModify{sock, q});
    const auto asked = qos_asked();
    EXPECT_EQ(asked.flags, kOwnerReserve);
    EXPECT_EQ(asked.qos.txtp.max_pcr, q.txtp.max_pcr);
    EXPECT_TRUE(peer.inbox.empty()) << "nothing is signalled before the kernel reserved";
    req(CcModifyQosAnswer{sock, 0});
    return peer.expect(MessageType::kModifyRequest);
  }
  // The other end's modification up to the reservation asked (U14/N14).
  CcModifyQos indicated(std::uint32_t cref, std::uint32_t fwd, std::uint32_t bwd) {
    q2931::TrafficDescriptor td;
    td.td.fwd_pcr_01 = fwd;
    td.td.bwd_pcr_01 = bwd;
    peer_sends(MessageType::kModifyRequest, cref, false, {td});
    return qos_asked();
  }
};

class Owner : public ::testing::TestWithParam<Side> {};
class Other : public ::testing::TestWithParam<Side> {};

std::string side_name(const ::testing::TestParamInfo<Side>& i) {
  return i.param == Side::kUser ? "User" : "Network";
}

// --- the connection owner (Q.2963.1 §9.1) --------------------------------------

// §9.1.1, §9.1.2: reservation, MODIFY REQUEST with the new PCRs (forward =
// what we send), U13 with T360; MODIFY ACKNOWLEDGE: Active, the kernel
// commits, then its as_modify is answered 0. No report asked: no
// CONNECTION AVAILABLE.
TEST_P(Owner, Granted_ReserveRequestAckCommitResult0) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  const auto q = cbr(3000, 4000);
  const Message r = t.requested(1, q);
  EXPECT_FALSE(r.cref.flag);
  const auto* td = r.find<q2931::TrafficDescriptor>();
  ASSERT_NE(td, nullptr);
  EXPECT_EQ(td->td.fwd_pcr_01, 3000u);
  EXPECT_EQ(td->td.bwd_pcr_01, 4000u);
  EXPECT_EQ(t.state(1), CallState::kModifyRequest);
  EXPECT_EQ(t.timer(cref, true), Timer::kT360);
  t.peer_sends(MessageType::kModifyAcknowledge, cref, true);
  EXPECT_EQ(t.state(1), CallState::kActive);
  EXPECT_EQ(t.timer(cref, true), std::nullopt);
  const auto commit = t.qos_asked();
  EXPECT_EQ(commit.flags, ATM_MF_SET);
  EXPECT_EQ(commit.qos.txtp.max_pcr, 3000);
  EXPECT_EQ(commit.qos.rxtp.max_pcr, 4000);
  t.req(CcModifyQosAnswer{1, 0});
  EXPECT_EQ(t.result(), 0);
  EXPECT_TRUE(t.peer.inbox.empty());
  // The next modification starts from the new rates and goes through too.
  const Message again = t.requested(1, cbr(500, 4000));
  EXPECT_EQ(again.find<q2931::TrafficDescriptor>()->td.fwd_pcr_01, 500u);
}

// §9.1.2: an acknowledgement with a broadband report type asks for
// CONNECTION AVAILABLE: sent once the kernel has committed.
TEST_P(Owner, GrantedWithReportType_ConnectionAvailableAfterCommit) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.requested(1, cbr(3000, 2000));
  t.peer_sends(MessageType::kModifyAcknowledge, cref, true, {q2931::BroadbandReportType{}});
  EXPECT_TRUE(t.peer.inbox.empty()) << "not before the kernel runs at the new rates";
  EXPECT_EQ(t.qos_asked().flags, ATM_MF_SET);
  t.req(CcModifyQosAnswer{1, 0});
  EXPECT_EQ(t.result(), 0);
  const Message ca = t.peer.expect(MessageType::kConnectionAvailable);
  EXPECT_EQ(ca.cref.value, cref);
  EXPECT_FALSE(ca.cref.flag);
}

// §9.1.3: MODIFY REJECT: Active, the old rates set again (ATM_MF_SET), the
// kernel's as_modify answered with the cause's errno.
TEST_P(Owner, RejectedByPeer_OldRatesRestoredAndErrnoOfTheCause) {
  const std::pair<std::uint8_t, int> cases[] = {
      {q2931::cause::kCellRateUnavailable, -EAGAIN},
      {q2931::cause::kUnsupportedTrafficParams, -EINVAL},
      {q2931::cause::kMessageNotCompatibleWithState, -EBUSY},
      {q2931::cause::kNormalUnspecified, -EAGAIN},  // unlisted: the original's -EAGAIN
  };
  for (const auto& [cv, err] : cases) {
    SCOPED_TRACE(static_cast<int>(cv));
    Mod t(GetParam());
    const auto cref = t.owner_call();
    t.requested(1, cbr(3000, 4000));
    t.peer_sends(MessageType::kModifyReject, cref, true, {cause_ie(cv)});
    EXPECT_EQ(t.state(1), CallState::kActive);
    EXPECT_EQ(t.timer(cref, true), std::nullopt);
    const auto back = t.qos_asked();
    EXPECT_EQ(back.flags, ATM_MF_SET);
    EXPECT_EQ(back.qos.txtp.max_pcr, 1000);
    EXPECT_EQ(back.qos.rxtp.max_pcr, 2000);
    t.req(CcModifyQosAnswer{1, 0});
    EXPECT_EQ(t.result(), err);
  }
}

// The owner's kernel cannot reserve: nothing is signalled, the answer is
// its errno, the call stays Active.
TEST_P(Owner, ReservationRefusedByTheKernel_NothingSignalledItsErrno) {
  Mod t(GetParam());
  t.owner_call();
  t.req(CcModify{1, cbr(3000, 4000)});
  EXPECT_EQ(t.qos_asked().flags, kOwnerReserve);
  t.req(CcModifyQosAnswer{1, -EBUSY});
  EXPECT_EQ(t.result(), -EBUSY);
  EXPECT_TRUE(t.peer.inbox.empty());
  EXPECT_EQ(t.state(1), CallState::kActive);
}

// The commit refused: the new rates are the call's (acknowledged end to
// end); the kernel gets its own error, a warning is logged; the call goes on.
TEST_P(Owner, CommitRefusedByTheKernel_ItsErrnoAndAWarning) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.requested(1, cbr(3000, 4000));
  t.peer_sends(MessageType::kModifyAcknowledge, cref, true);
  t.take();
  t.uut->logs.clear();
  t.req(CcModifyQosAnswer{1, -EIO});
  EXPECT_EQ(t.result(), -EIO);
  bool warned = false;
  for (const auto& e : t.uut->logs) warned |= e.id == log::Id::kCallModifyKernelFailed;
  EXPECT_TRUE(warned);
  EXPECT_EQ(t.state(1), CallState::kActive);
  // The call's rates are the acknowledged ones: a request back to them is
  // signalled with them.
  const Message r = t.requested(1, cbr(3000, 4000));
  EXPECT_EQ(r.find<q2931::TrafficDescriptor>()->td.fwd_pcr_01, 3000u);
}

// The rollback refused: the answer is still the rejection's errno (as the
// original), with a warning.
TEST_P(Owner, RollbackRefusedByTheKernel_StillTheRejectionsErrno) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.requested(1, cbr(3000, 4000));
  t.peer_sends(MessageType::kModifyReject, cref, true,
               {cause_ie(q2931::cause::kCellRateUnavailable)});
  t.take();
  t.uut->logs.clear();
  t.req(CcModifyQosAnswer{1, -EIO});
  EXPECT_EQ(t.result(), -EAGAIN);
  bool warned = false;
  for (const auto& e : t.uut->logs) warned |= e.id == log::Id::kCallModifyKernelFailed;
  EXPECT_TRUE(warned);
}

// §9.1.5: no answer within T360 (30 s): the call is cleared with RELEASE
// cause 102 "360"; the kernel gets -ETIMEDOUT for the modification, then the
// release.
TEST_P(Owner, T360Expiry_ReleaseCause102AndEtimedoutTwice) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.requested(1, cbr(3000, 4000));
  t.advance(29s);
  EXPECT_TRUE(t.peer.inbox.empty());
  EXPECT_EQ(t.state(1), CallState::kModifyRequest);
  t.advance(2s);
  const Message rel = t.peer.expect(MessageType::kRelease);
  EXPECT_EQ(cause_of(rel), q2931::cause::kRecoveryOnTimerExpiry);
  EXPECT_EQ(rel.find<q2931::Cause>()->diagnostics, (Bytes{'3', '6', '0'}));
  const auto ev = t.take();
  ASSERT_EQ(ev.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<CcModifyResult>(ev[0]));
  EXPECT_EQ(std::get<CcModifyResult>(ev[0]).err, -ETIMEDOUT);
  ASSERT_TRUE(std::holds_alternative<CcReleased>(ev[1]));
  EXPECT_EQ(std::get<CcReleased>(ev[1]).err, -ETIMEDOUT);
  EXPECT_EQ(t.timer(cref, true), Timer::kT308);
  t.peer_sends(MessageType::kReleaseComplete, cref, true);
  EXPECT_EQ(t.uni().call_count(), 0u);
}

// One modification at a time: -EALREADY while the kernel reserves and in
// U13 (the first goes on).
TEST_P(Owner, SecondModification_Ealready) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.req(CcModify{1, cbr(3000, 4000)});
  t.qos_asked();
  t.req(CcModify{1, cbr(5000, 4000)});
  EXPECT_EQ(t.result(), -EALREADY);
  t.req(CcModifyQosAnswer{1, 0});
  t.peer.expect(MessageType::kModifyRequest);
  t.req(CcModify{1, cbr(5000, 4000)});
  EXPECT_EQ(t.result(), -EALREADY);
  EXPECT_EQ(t.state(1), CallState::kModifyRequest);
  t.peer_sends(MessageType::kModifyAcknowledge, cref, true);
  EXPECT_EQ(t.qos_asked().qos.txtp.max_pcr, 3000);
}

// Q.2963.1 changes the peak cell rates only: another traffic class or SDU
// size is -EINVAL (as the original); a max_sdu of 0 asks for no size (the
// call's stays, also in what the kernel is asked to set).
TEST_P(Owner, ClassOrSduChange_Einval) {
  Mod t(GetParam());
  t.owner_call();
  auto cls = cbr(3000, 4000);
  cls.txtp.traffic_class = ATM_UBR;
  t.req(CcModify{1, cls});
  EXPECT_EQ(t.result(), -EINVAL);
  auto sdu = cbr(3000, 4000);
  sdu.rxtp.max_sdu = 4096;
  t.req(CcModify{1, sdu});
  EXPECT_EQ(t.result(), -EINVAL);
  EXPECT_TRUE(t.peer.inbox.empty());
  t.req(CcModify{1, cbr(3000, 4000, 0)});
  const auto asked = t.qos_asked();
  EXPECT_EQ(asked.flags, kOwnerReserve);
  EXPECT_EQ(asked.qos.txtp.max_sdu, 8192);
  EXPECT_EQ(asked.qos.rxtp.max_sdu, 8192);
}

// §5.2: only the connection owner modifies; the called end's kernel gets
// -EBADFD (the original's answer on the called side).
TEST_P(Owner, CalledEndAsks_Ebadfd) {
  Mod t(GetParam());
  t.other_call(2);
  t.req(CcModify{2, cbr(3000, 4000)});
  EXPECT_EQ(t.result(), -EBADFD);
  t.req(CcModify{42, cbr(3000, 4000)});  // no call at all
  EXPECT_EQ(t.result(), -EBADFD);
  EXPECT_TRUE(t.peer.inbox.empty());
}

// Without q.2963.1: -ENOPROTOOPT (the original without -u uni40+q.2963.1)
// whatever the call, and the MODIFY messages stay unknown to call control
// (STATUS cause 97, as before).
TEST_P(Owner, WithoutQ2963_EnoprotooptAndStatus97) {
  Mod t(GetParam(), false);
  const auto cref = t.owner_call();
  t.req(CcModify{1, cbr(3000, 4000)});
  EXPECT_EQ(t.result(), -ENOPROTOOPT);
  t.req(CcModify{42, cbr(3000, 4000)});
  EXPECT_EQ(t.result(), -ENOPROTOOPT);
  for (const auto mt : {MessageType::kModifyRequest, MessageType::kModifyAcknowledge,
                        MessageType::kModifyReject, MessageType::kConnectionAvailable}) {
    std::vector<q2931::Ie> ies;
    if (mt == MessageType::kModifyRequest) {
      q2931::TrafficDescriptor td;
      td.td.fwd_pcr_01 = 1;
      ies.emplace_back(td);
    }
    if (mt == MessageType::kModifyReject) ies.emplace_back(cause_ie(37));
    t.peer_sends(mt, cref, true, ies);
    EXPECT_EQ(cause_of(t.peer.expect(MessageType::kStatus)), q2931::cause::kMessageTypeNonExistent);
  }
  EXPECT_EQ(t.state(1), CallState::kActive);
}

// Crossing modifications: in U13 a MODIFY REQUEST from the peer, which is
// not the connection owner (§5.2), is refused with MODIFY REJECT cause 101;
// ours goes on (T360 keeps running) and completes.
TEST_P(Owner, CrossingModifyRequest_RefusedOursGoesOn) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.requested(1, cbr(3000, 4000));
  t.advance(10s);
  q2931::TrafficDescriptor td;
  td.td.fwd_pcr_01 = 7000;
  t.peer_sends(MessageType::kModifyRequest, cref, true, {td});
  const Message rej = t.peer.expect(MessageType::kModifyReject);
  EXPECT_EQ(cause_of(rej), q2931::cause::kMessageNotCompatibleWithState);
  EXPECT_EQ(t.state(1), CallState::kModifyRequest);
  EXPECT_EQ(t.timer(cref, true), Timer::kT360);
  EXPECT_TRUE(events_of<CcModifyQos>(t.take()).empty());
  t.advance(19s);  // T360 still runs from the first MODIFY REQUEST
  t.peer_sends(MessageType::kModifyAcknowledge, cref, true);
  EXPECT_EQ(t.qos_asked().flags, ATM_MF_SET);
  t.req(CcModifyQosAnswer{1, 0});
  EXPECT_EQ(t.result(), 0);
}

// A MODIFY REQUEST at the owner in Active: refused the same way.
TEST_P(Owner, ModifyRequestFromTheCalledEnd_ModifyReject101) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  q2931::TrafficDescriptor td;
  td.td.fwd_pcr_01 = 7000;
  t.peer_sends(MessageType::kModifyRequest, cref, true, {td});
  EXPECT_EQ(cause_of(t.peer.expect(MessageType::kModifyReject)),
            q2931::cause::kMessageNotCompatibleWithState);
  EXPECT_TRUE(t.take().empty());
  EXPECT_EQ(t.state(1), CallState::kActive);
}

// The peer clears during the modification: the kernel's as_modify is
// answered (-ECONNRESET) before the call's release (as_close 0).
TEST_P(Owner, ReleasedByThePeerInU13_ModifyAnsweredThenReleased) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.requested(1, cbr(3000, 4000));
  t.peer_sends(MessageType::kRelease, cref, true, {cause_ie(16)});
  t.peer.expect(MessageType::kReleaseComplete);
  const auto ev = t.take();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(std::get<CcModifyResult>(ev[0]).err, -ECONNRESET);
  EXPECT_EQ(std::get<CcReleased>(ev[1]).err, 0);
  EXPECT_EQ(t.uni().call_count(), 0u);
}

// The kernel closes the socket during the modification: RELEASE, T308
// instead of T360; nobody is left to answer.
TEST_P(Owner, KernelClosesInU13_ReleaseT308NoAnswer) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.requested(1, cbr(3000, 4000));
  t.req(CcRelease{1});
  t.peer.expect(MessageType::kRelease);
  EXPECT_TRUE(t.take().empty());
  EXPECT_EQ(t.timer(cref, true), Timer::kT308);
  // The kernel's late answer to a reservation is ignored.
  t.req(CcModifyQosAnswer{1, 0});
  EXPECT_TRUE(t.take().empty());
}

// STATUS ENQUIRY in U13: STATUS with call state 13 (Q.2963.1 §7.2).
TEST_P(Owner, StatusEnquiryInU13_Status13) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.requested(1, cbr(3000, 4000));
  t.peer_sends(MessageType::kStatusEnquiry, cref, true);
  const Message st = t.peer.expect(MessageType::kStatus);
  EXPECT_EQ(state_of(st), 13);
  EXPECT_EQ(cause_of(st), q2931::cause::kResponseToStatusEnquiry);
  // A STATUS reporting Modify Received is compatible: nothing happens.
  q2931::CallState cs;
  cs.state = 14;
  t.peer_sends(MessageType::kStatus, cref, true, {cs, cause_ie(30)});
  EXPECT_TRUE(t.peer.inbox.empty());
  EXPECT_EQ(t.state(1), CallState::kModifyRequest);
}

// MODIFY ACKNOWLEDGE / REJECT / CONNECTION AVAILABLE outside a
// modification: STATUS cause 101 (Q.2931 §5.6.5, as the original).
TEST_P(Owner, AnswersWithoutARequest_Status101) {
  Mod t(GetParam());
  const auto cref = t.owner_call();
  t.peer_sends(MessageType::kModifyAcknowledge, cref, true);
  EXPECT_EQ(cause_of(t.peer.expect(MessageType::kStatus)),
            q2931::cause::kMessageNotCompatibleWithState);
  t.peer_sends(MessageType::kModifyReject, cref, true, {cause_ie(37)});
  EXPECT_EQ(cause_of(t.peer.expect(MessageType::kStatus)),
            q2931::cause::kMessageNotCompatibleWithState);
  t.peer_sends(MessageType::kConnectionAvailable, cref, true);
  EXPECT_EQ(cause_of(t.peer.expect(MessageType::kStatus)),
            q2931::cause::kMessageNotCompatibleWithState);
  EXPECT_TRUE(t.take().empty());
}

// The link goes down in U13: the call survives as an active one (T309,
// Q.2931 §5.6.9); T360 clears it if the link does not come back in time.
TEST_P(Owner, LinkLostInU13_CallKeptUntilT309) {
  Mod t(GetParam());
  t.owner_call();
  t.requested(1, cbr(3000, 4000));
  t.link.up = false;
  t.advance(9s);  // SSCOP's no-response and more
  EXPECT_EQ(t.uni().call_count(), 1u);
  EXPECT_TRUE(t.uni().t309_running());
  t.advance(30s);
  const auto ev = t.take();
  ASSERT_GE(ev.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<CcModifyResult>(ev[0]));
  EXPECT_TRUE(std::holds_alternative<CcReleased>(ev[1]));
}

INSTANTIATE_TEST_SUITE_P(Q2963, Owner, ::testing::Values(Side::kUser, Side::kNetwork), side_name);

// --- the called end (Q.2963.1 §9.2) ---------------------------------------------

// §9.2.1, §9.2.2: MODIFY REQUEST (forward PCR = what we receive): U14, the
// kernel reserves; then MODIFY ACKNOWLEDGE, Active. Forward rate lowered: no
// report type, the kernel commits at once.
TEST_P(Other, RateLowered_AckWithoutReportAndCommit) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  const auto reserve = t.indicated(cref, 800, 1500);
  EXPECT_EQ(t.state(2), CallState::kModifyReceived);
  EXPECT_EQ(reserve.flags, kOtherReserve);
  EXPECT_EQ(reserve.qos.rxtp.max_pcr, 800);
  EXPECT_EQ(reserve.qos.txtp.max_pcr, 1500);
  EXPECT_EQ(reserve.qos.rxtp.traffic_class, ATM_UBR);
  EXPECT_TRUE(t.peer.inbox.empty()) << "nothing before the kernel reserved";
  t.req(CcModifyQosAnswer{2, 0});
  const Message ack = t.peer.expect(MessageType::kModifyAcknowledge);
  EXPECT_TRUE(ack.cref.flag);
  EXPECT_EQ(ack.find<q2931::BroadbandReportType>(), nullptr);
  EXPECT_EQ(t.state(2), CallState::kActive);
  const auto commit = t.qos_asked();
  EXPECT_EQ(commit.flags, ATM_MF_SET);
  EXPECT_EQ(commit.qos.rxtp.max_pcr, 800);
  t.req(CcModifyQosAnswer{2, 0});
  EXPECT_TRUE(t.take().empty()) << "no as_modify of the kernel to answer here";
  EXPECT_EQ(t.timer(cref, false), std::nullopt);
}

// §9.2.2, §9.2.3: forward rate raised: MODIFY ACKNOWLEDGE with a broadband
// report type (modification confirmation), T361; CONNECTION AVAILABLE stops
// it and the kernel commits.
TEST_P(Other, RateRaised_ReportTypeT361ThenConnectionAvailable) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  t.indicated(cref, 3000, 2000);
  t.req(CcModifyQosAnswer{2, 0});
  const Message ack = t.peer.expect(MessageType::kModifyAcknowledge);
  const auto* rt = ack.find<q2931::BroadbandReportType>();
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->type, q2931::report_type::kModificationConfirmation);
  EXPECT_EQ(t.state(2), CallState::kActive);
  EXPECT_EQ(t.timer(cref, false), Timer::kT361);
  EXPECT_TRUE(events_of<CcModifyQos>(t.take()).empty()) << "the commit waits";
  t.advance(5s);
  t.peer_sends(MessageType::kConnectionAvailable, cref, false);
  EXPECT_EQ(t.timer(cref, false), std::nullopt);
  const auto commit = t.qos_asked();
  EXPECT_EQ(commit.flags, ATM_MF_SET);
  EXPECT_EQ(commit.qos.rxtp.max_pcr, 3000);
  t.req(CcModifyQosAnswer{2, 0});
  EXPECT_TRUE(t.peer.inbox.empty());
}

// §9.2.3, §13.2: no CONNECTION AVAILABLE within T361 (20 s): the new rates
// are committed all the same (as the original).
TEST_P(Other, T361Expiry_CommittedAllTheSame) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  t.indicated(cref, 3000, 2000);
  t.req(CcModifyQosAnswer{2, 0});
  t.peer.expect(MessageType::kModifyAcknowledge);
  t.take();
  t.advance(19s);
  EXPECT_TRUE(events_of<CcModifyQos>(t.take()).empty());
  t.advance(2s);
  EXPECT_EQ(t.qos_asked().flags, ATM_MF_SET);
  EXPECT_EQ(t.timer(cref, false), std::nullopt);
  t.req(CcModifyQosAnswer{2, 0});
  // A CONNECTION AVAILABLE after T361: not awaited any more, STATUS 101.
  t.peer_sends(MessageType::kConnectionAvailable, cref, false);
  EXPECT_EQ(cause_of(t.peer.expect(MessageType::kStatus)),
            q2931::cause::kMessageNotCompatibleWithState);
}

// §9.2.4: the kernel refuses the reservation: MODIFY REJECT with the cause of
// its errno (the original: 47 always), Active.
TEST_P(Other, ReservationRefusedByTheKernel_ModifyRejectWithItsCause) {
  const std::pair<int, std::uint8_t> cases[] = {
      {-EAGAIN, q2931::cause::kCellRateUnavailable},
      {-ENOMEM, q2931::cause::kResourceUnavailable},
      {-EOPNOTSUPP, q2931::cause::kServiceUnavailable},
      {-EIO, q2931::cause::kResourceUnavailable},
  };
  for (const auto& [err, cv] : cases) {
    SCOPED_TRACE(err);
    Mod t(GetParam());
    const auto cref = t.other_call(2);
    t.indicated(cref, 3000, 2000);
    t.req(CcModifyQosAnswer{2, err});
    EXPECT_EQ(cause_of(t.peer.expect(MessageType::kModifyReject)), cv);
    EXPECT_EQ(t.state(2), CallState::kActive);
    EXPECT_TRUE(t.take().empty());
    // The next request is taken.
    t.indicated(cref, 3000, 2000);
    EXPECT_EQ(t.state(2), CallState::kModifyReceived);
  }
}

// The commit refused after the acknowledgement: a warning; the call goes on.
TEST_P(Other, CommitRefusedByTheKernel_Warning) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  t.indicated(cref, 800, 2000);
  t.req(CcModifyQosAnswer{2, 0});
  t.peer.expect(MessageType::kModifyAcknowledge);
  t.take();
  t.uut->logs.clear();
  t.req(CcModifyQosAnswer{2, -EIO});
  bool warned = false;
  for (const auto& e : t.uut->logs) warned |= e.id == log::Id::kCallModifyKernelFailed;
  EXPECT_TRUE(warned);
  EXPECT_EQ(t.state(2), CallState::kActive);
  EXPECT_TRUE(t.peer.inbox.empty());
}

// In U14 a second MODIFY REQUEST is not compatible with the state (STATUS
// 101, Q.2931 §5.6.5); while T361 runs one is refused with MODIFY REJECT 101.
TEST_P(Other, SecondModifyRequest_Status101InU14_ModifyReject101WhileT361) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  t.indicated(cref, 3000, 2000);
  q2931::TrafficDescriptor td;
  td.td.fwd_pcr_01 = 9000;
  t.peer_sends(MessageType::kModifyRequest, cref, false, {td});
  const Message st = t.peer.expect(MessageType::kStatus);
  EXPECT_EQ(cause_of(st), q2931::cause::kMessageNotCompatibleWithState);
  EXPECT_EQ(state_of(st), 14);
  EXPECT_EQ(t.state(2), CallState::kModifyReceived);
  t.req(CcModifyQosAnswer{2, 0});
  t.peer.expect(MessageType::kModifyAcknowledge);
  t.peer_sends(MessageType::kModifyRequest, cref, false, {td});
  EXPECT_EQ(cause_of(t.peer.expect(MessageType::kModifyReject)),
            q2931::cause::kMessageNotCompatibleWithState);
  EXPECT_EQ(t.timer(cref, false), Timer::kT361);
}

// The called end's kernel asks during one: -EALREADY (the original's first
// check), else -EBADFD.
TEST_P(Other, KernelAsksDuringOne_Ealready) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  t.indicated(cref, 3000, 2000);
  t.req(CcModify{2, cbr(1, 1)});
  EXPECT_EQ(t.result(), -EALREADY);
}

// STATUS ENQUIRY in U14: STATUS with call state 14.
TEST_P(Other, StatusEnquiryInU14_Status14) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  t.indicated(cref, 3000, 2000);
  t.peer_sends(MessageType::kStatusEnquiry, cref, false);
  EXPECT_EQ(state_of(t.peer.expect(MessageType::kStatus)), 14);
}

// Cleared in U14: the kernel awaits no modification answer here; the release
// alone (as_close 0); the reservation's late answer is ignored.
TEST_P(Other, ReleasedByThePeerInU14_OnlyTheRelease) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  t.indicated(cref, 3000, 2000);
  t.peer_sends(MessageType::kRelease, cref, false, {cause_ie(16)});
  t.peer.expect(MessageType::kReleaseComplete);
  const auto ev = t.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<CcReleased>(ev[0]).err, 0);
  t.req(CcModifyQosAnswer{2, 0});
  EXPECT_TRUE(t.take().empty());
  EXPECT_EQ(t.uni().call_count(), 0u);
}

// T361 stops when the call is cleared.
TEST_P(Other, ReleasedWhileT361_TimerGone) {
  Mod t(GetParam());
  const auto cref = t.other_call(2);
  t.indicated(cref, 3000, 2000);
  t.req(CcModifyQosAnswer{2, 0});
  t.peer.expect(MessageType::kModifyAcknowledge);
  t.req(CcRelease{2});
  t.peer.expect(MessageType::kRelease);
  EXPECT_EQ(t.timer(cref, false), Timer::kT308);
  t.peer_sends(MessageType::kReleaseComplete, cref, false);
  t.take();
  t.advance(30s);
  EXPECT_TRUE(t.take().empty());
  EXPECT_EQ(t.uni().call_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Q2963, Other, ::testing::Values(Side::kUser, Side::kNetwork), side_name);

// --- back to back -----------------------------------------------------------------

// A user-side and a network-side Uni with Q.2963.1, each playing its kernel
// (it answers every CcModifyQos with `answer`, or never).
struct ModB2B : UniPair {
  ModB2B() : UniPair(params(Side::kUser), params(Side::kNetwork)) {}
  std::optional<int> user_answer = 0;
  std::optional<int> net_answer = 0;
  std::vector<CcModifyQos> user_asked, net_asked;
  std::vector<int> results;  // CcModifyResult at the user side (the owner's kernel)

  // Runs the kernels' answers until neither asks anything.
  void settle() {
    for (int i = 0; i < 20; ++i) {
      link.pump();
      bool any = false;
      for (auto* e : {&user, &net}) {
        auto ev = std::exchange(e->events, {});
        for (auto& x : ev) {
          if (const auto* q = std::get_if<CcModifyQos>(&x)) {
            any = true;
            (e == &user ? user_asked : net_asked).push_back(*q);
            const auto a = e == &user ? user_answer : net_answer;
            if (a) e->request(CcModifyQosAnswer{q->sock, *a}, link.now);
          } else if (const auto* r = std::get_if<CcModifyResult>(&x)) {
            if (e == &user) results.push_back(r->err);
          } else {
            e->events.push_back(x);
          }
        }
      }
      if (!any) return;
    }
  }
  void call() {
    user.request(connect_req(1, 1, cbr(1000, 2000)), link.now);
    link.pump();
    auto inc = events_of<CcIncoming>(std::exchange(net.events, {}));
    ASSERT_EQ(inc.size(), 1u);
    net.request(CcAccept{inc[0].call, 101}, link.now);
    link.advance(10ms);
    ASSERT_EQ(events_of<CcEstablished>(std::exchange(user.events, {})).size(), 1u);
    ASSERT_EQ(events_of<CcEstablished>(std::exchange(net.events, {})).size(), 1u);
  }
};

// Granted end to end, forward rate raised: the report type, CONNECTION
// AVAILABLE, both kernels commit the same rates (each from its view).
TEST(ModifyBackToBack, Granted_BothEndsCommitTheSameRates) {
  ModB2B t;
  t.call();
  t.user.request(CcModify{1, cbr(3000, 4000)}, t.link.now);
  t.settle();
  ASSERT_EQ(t.results, std::vector<int>{0});
  ASSERT_EQ(t.user_asked.size(), 2u);
  EXPECT_EQ(t.user_asked[1].flags, ATM_MF_SET);
  ASSERT_EQ(t.net_asked.size(), 2u);
  EXPECT_EQ(t.net_asked[0].flags, kOtherReserve);
  EXPECT_EQ(t.net_asked[1].flags, ATM_MF_SET);
  EXPECT_EQ(t.net_asked[1].qos.rxtp.max_pcr, 3000);
  EXPECT_EQ(t.net_asked[1].qos.txtp.max_pcr, 4000);
  EXPECT_EQ(t.user.uni.state_of_sock(1), CallState::kActive);
  EXPECT_EQ(t.net.uni.state_of_sock(101), CallState::kActive);
  const auto i = t.net.uni.call_info(1, false);
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->timer, std::nullopt) << "CONNECTION AVAILABLE stopped T361";
}

// The called end's kernel refuses: MODIFY REJECT 37, the owner's kernel gets
// -EAGAIN after its rates are set back.
TEST(ModifyBackToBack, RefusedByTheCalledKernel_OwnerGetsEagain) {
  ModB2B t;
  t.call();
  t.net_answer = -EAGAIN;
  t.user.request(CcModify{1, cbr(3000, 4000)}, t.link.now);
  t.settle();
  ASSERT_EQ(t.results, std::vector<int>{-EAGAIN});
  ASSERT_EQ(t.user_asked.size(), 2u);
  EXPECT_EQ(t.user_asked[1].qos.txtp.max_pcr, 1000);
  EXPECT_EQ(t.net_asked.size(), 1u);
}

// The called end's kernel never answers the reservation: the owner's T360
// clears the call; both kernels are told.
TEST(ModifyBackToBack, CalledKernelSilent_T360ClearsTheCall) {
  ModB2B t;
  t.call();
  t.net_answer.reset();
  t.user.request(CcModify{1, cbr(3000, 4000)}, t.link.now);
  t.settle();
  t.link.advance(31s);
  t.settle();
  EXPECT_EQ(t.results, std::vector<int>{-ETIMEDOUT});
  const auto ur = events_of<CcReleased>(std::exchange(t.user.events, {}));
  ASSERT_EQ(ur.size(), 1u);
  EXPECT_EQ(ur[0].err, -ETIMEDOUT);
  const auto nr = events_of<CcReleased>(std::exchange(t.net.events, {}));
  ASSERT_EQ(nr.size(), 1u);
  EXPECT_EQ(nr[0].sock, 101u);
  t.link.advance(1s);
  EXPECT_EQ(t.user.uni.call_count(), 0u);
  EXPECT_EQ(t.net.uni.call_count(), 0u);
}

}  // namespace
}  // namespace atmsigd::callctl::test
