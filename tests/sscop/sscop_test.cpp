// Named Q.2110 transitions, driven in virtual time.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace atmsigd::sscop::test {
namespace {

using namespace std::chrono_literals;
using T = PduType;

Bytes data(std::uint8_t v, std::size_t n = 5) {
  return Bytes(n, v);
}

std::vector<Bytes> delivered(const Harness& h) {
  std::vector<Bytes> r;
  for (const auto& a : h.out) {
    if (auto* d = std::get_if<AaDataIndication>(&a)) r.emplace_back(d->data.begin(), d->data.end());
  }
  return r;
}

// ---------------------------------------------------------------- establishment

TEST(SscopIdle, AaEstablishRequest_SendsBgnAndStartsTimerCc) {
  Harness h;
  h.in(AaEstablishRequest{{1, 2, 3}, true});
  ASSERT_EQ(h.sent().size(), 1u);
  const Pdu p = h.sent()[0];
  EXPECT_EQ(p.type, T::kBgn);
  EXPECT_EQ(p.sq, 1);
  EXPECT_EQ(p.mr, 30u);
  EXPECT_EQ(p.info, (Bytes{1, 2, 3}));
  EXPECT_EQ(h.s.state(), State::kOutConnPend);
  EXPECT_TRUE(h.s.timer_running(Timer::kCc));
  EXPECT_EQ(h.s.next_deadline(), h.now + 1s);
}

TEST(SscopOutConnPend, TimerCcExpiry_RetransmitsBgnUntilMaxCc) {
  Harness h;
  h.in(AaEstablishRequest{{7}, true});
  for (int i = 2; i <= 4; ++i) {
    h.advance(1s);
    ASSERT_EQ(h.sent_types(), std::vector<T>{T::kBgn});
    EXPECT_EQ(h.sent()[0].sq, 1) << "retransmission keeps N(SQ)";
    EXPECT_EQ(h.sent()[0].info, Bytes{7});
    EXPECT_EQ(h.s.vt_cc(), static_cast<std::uint32_t>(i));
  }
  h.advance(1s);
  EXPECT_EQ(h.maa(), "O");
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kEnd});
  EXPECT_TRUE(h.sent()[0].source_sscop);
  ASSERT_NE(h.first<AaReleaseIndication>(), nullptr);
  EXPECT_EQ(h.first<AaReleaseIndication>()->source, Source::kSscop);
  EXPECT_EQ(h.s.state(), State::kIdle);
  EXPECT_FALSE(h.s.next_deadline().has_value());
}

TEST(SscopOutConnPend, Bgak_ConfirmsAndStartsPollAndNoResponse) {
  Harness h;
  h.to_out_conn_pend();
  Pdu a = bgak(42);
  a.info = {9, 9};
  h.rx(a);
  ASSERT_NE(h.first<AaEstablishConfirm>(), nullptr);
  EXPECT_EQ(h.first<AaEstablishConfirm>()->uu, (Bytes{9, 9}));
  EXPECT_EQ(h.s.state(), State::kReady);
  EXPECT_EQ(h.s.vt_ms(), 42u);
  EXPECT_FALSE(h.s.timer_running(Timer::kCc));
  EXPECT_TRUE(h.s.timer_running(Timer::kPoll));
  EXPECT_TRUE(h.s.timer_running(Timer::kNoResponse));
}

TEST(SscopOutConnPend, Bgrej_ReleaseIndicationFromUser) {
  Harness h;
  h.to_out_conn_pend();
  Pdu r = pdu(T::kBgrej);
  r.info = {0xee};
  h.rx(r);
  ASSERT_NE(h.first<AaReleaseIndication>(), nullptr);
  EXPECT_EQ(h.first<AaReleaseIndication>()->source, Source::kUser);
  EXPECT_EQ(h.first<AaReleaseIndication>()->uu, Bytes{0xee});
  EXPECT_EQ(h.s.state(), State::kIdle);
}

TEST(SscopOutConnPend, CrossingBgn_SendsBgakAndConfirms) {
  Harness h;
  h.to_out_conn_pend();
  h.rx(bgn(5, 12));
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgak});
  EXPECT_EQ(h.count<AaEstablishConfirm>(), 1);
  EXPECT_EQ(h.s.vt_ms(), 12u);
  EXPECT_EQ(h.s.state(), State::kReady);
}

TEST(SscopOutConnPend, AaReleaseRequest_SendsEndAndWaits) {
  Harness h;
  h.to_out_conn_pend();
  h.in(AaReleaseRequest{{1}});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kEnd});
  EXPECT_FALSE(h.sent()[0].source_sscop);
  EXPECT_EQ(h.s.state(), State::kOutDisPend);
  h.rx(pdu(T::kEndak));
  EXPECT_EQ(h.count<AaReleaseConfirm>(), 1);
  EXPECT_EQ(h.s.state(), State::kIdle);
}

TEST(SscopIdle, Bgn_EstablishIndicationThenResponseSendsBgak) {
  Harness h;
  Pdu b = bgn(3, 17);
  b.info = {1, 2};
  h.rx(b);
  ASSERT_NE(h.first<AaEstablishIndication>(), nullptr);
  EXPECT_EQ(h.first<AaEstablishIndication>()->uu, (Bytes{1, 2}));
  EXPECT_EQ(h.s.state(), State::kInConnPend);
  EXPECT_TRUE(h.sent().empty());
  h.in(AaEstablishResponse{{5}, true});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kBgak});
  EXPECT_EQ(h.sent()[0].mr, 30u);
  EXPECT_EQ(h.sent()[0].info, Bytes{5});
  EXPECT_EQ(h.s.state(), State::kReady);
  EXPECT_EQ(h.s.vt_ms(), 17u);
}

TEST(SscopIdle, RetransmittedBgn_AnsweredWithBgrej) {
  Harness h;
  h.rx(bgn(4));
  h.in(AaReleaseRequest{});
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgrej});
  EXPECT_EQ(h.s.state(), State::kIdle);
  h.rx(bgn(4));  // the peer's retransmission crossed our BGREJ
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgrej});
  EXPECT_EQ(h.s.state(), State::kIdle);
  h.rx(bgn(5));  // a new attempt
  EXPECT_EQ(h.s.state(), State::kInConnPend);
}

TEST(SscopInConnPend, RetransmittedBgn_Ignored) {
  Harness h;
  h.rx(bgn(4));
  h.rx(bgn(4));
  EXPECT_EQ(h.count<AaEstablishIndication>(), 0);
  EXPECT_EQ(h.s.state(), State::kInConnPend);
}

TEST(SscopInConnPend, NewBgn_ReleaseThenEstablishIndication) {
  Harness h;
  h.rx(bgn(4));
  h.rx(bgn(9));
  ASSERT_EQ(h.out.size() >= 2, true);
  EXPECT_EQ(h.count<AaReleaseIndication>(), 1);
  EXPECT_EQ(h.count<AaEstablishIndication>(), 1);
}

// Q.2110 SDL p.61 (ngatm sscop_ready_bgn): a retransmitted BGN in Ready gets
// BGAK again and restarts Timer_NO-RESPONSE, without MAA-ERROR.
TEST(SscopReady, RetransmittedBgn_BgakAgainNoMaaError_p61) {
  Harness h;
  h.rx(bgn(4));
  h.in(AaEstablishResponse{});
  h.advance(5s);
  h.rx(bgn(4));  // our BGAK was lost
  EXPECT_EQ(h.maa(), "");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgak});
  EXPECT_EQ(h.s.state(), State::kReady);
  h.advance(5s);  // NO-RESPONSE (7 s) was restarted at 5 s
  EXPECT_EQ(h.s.state(), State::kReady);
}

// A peer that restarted reuses N(SQ) (linux-atm's SSCOP sends the same N(SQ)
// in every BGN). Once it has sent a data-phase PDU it has our BGAK and never repeats
// that BGN: an equal N(SQ) now starts a new connection (release + establish),
// not a retransmission (found against Debian's atmsigd, tests/interop).
TEST(SscopReady, BgnWithSameNsqAfterPeerData_NewConnection) {
  Harness h;
  h.rx(bgn(4));
  h.in(AaEstablishResponse{});
  h.rx(sd(0));
  ASSERT_EQ(h.count<AaDataIndication>(), 1);
  h.rx(bgn(4));  // the restarted peer
  EXPECT_EQ(h.count<AaReleaseIndication>(), 1);
  EXPECT_EQ(h.count<AaEstablishIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kInConnPend);
  h.in(AaEstablishResponse{});
  h.rx(sd(0));  // its first SD is new data, not a duplicate of the old one
  EXPECT_EQ(h.count<AaDataIndication>(), 1);
}

// The rule starts again with each connection: right after a new
// establishment an equal N(SQ) is a retransmission again (p.61).
TEST(SscopReady, BgnRetransmissionAfterReestablishment_StillBgakOnly) {
  Harness h;
  h.rx(bgn(4));
  h.in(AaEstablishResponse{});
  h.rx(sd(0));
  h.rx(bgn(4));
  h.in(AaEstablishResponse{});
  ASSERT_EQ(h.s.state(), State::kReady);
  h.rx(bgn(4));  // our BGAK to the new BGN was lost
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgak});
  EXPECT_EQ(h.count<AaReleaseIndication>(), 0);
  EXPECT_EQ(h.s.state(), State::kReady);
}

// ---------------------------------------------------------------- release

TEST(SscopReady, End_EndakAndReleaseIndicationWithSourceBit) {
  for (bool s : {false, true}) {
    Harness h;
    h.to_ready();
    Pdu e = end(s);
    e.info = {3};
    h.rx(e);
    EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEndak});
    ASSERT_NE(h.first<AaReleaseIndication>(), nullptr);
    EXPECT_EQ(h.first<AaReleaseIndication>()->source, s ? Source::kSscop : Source::kUser);
    EXPECT_EQ(h.first<AaReleaseIndication>()->uu, Bytes{3});
    EXPECT_EQ(h.s.state(), State::kIdle);
    EXPECT_FALSE(h.s.next_deadline().has_value());
  }
}

TEST(SscopOutDisPend, TimerCcExpiry_RetransmitsEndThenConfirmsWithMaaO) {
  Harness h;
  h.to_ready();
  h.in(AaReleaseRequest{{8}});
  for (int i = 0; i < 3; ++i) {
    h.advance(1s);
    ASSERT_EQ(h.sent_types(), std::vector<T>{T::kEnd});
    EXPECT_EQ(h.sent()[0].info, Bytes{8});
  }
  h.advance(1s);
  EXPECT_EQ(h.maa(), "O");
  EXPECT_EQ(h.count<AaReleaseConfirm>(), 1);
  EXPECT_EQ(h.s.state(), State::kIdle);
}

TEST(SscopOutDisPend, CrossingEnd_EndakAndConfirm) {
  Harness h;
  h.to_out_dis_pend();
  h.rx(end());
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEndak});
  EXPECT_EQ(h.count<AaReleaseConfirm>(), 1);
  EXPECT_EQ(h.s.state(), State::kIdle);
}

TEST(SscopOutDisPend, AaEstablishRequest_SendsBgn) {
  Harness h;
  h.to_out_dis_pend();
  h.in(AaEstablishRequest{});
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgn});
  EXPECT_EQ(h.sent()[0].sq, 2);
  EXPECT_EQ(h.s.state(), State::kOutConnPend);
}

TEST(SscopInConnPend, AaReleaseRequest_SendsBgrej) {
  Harness h;
  h.to_in_conn_pend();
  h.in(AaReleaseRequest{{4}});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kBgrej});
  EXPECT_EQ(h.sent()[0].info, Bytes{4});
  EXPECT_EQ(h.s.state(), State::kIdle);
}

// ---------------------------------------------------------------- resynchronization

TEST(SscopReady, AaResyncRequest_SendsRsThenRsakConfirms) {
  Harness h;
  h.to_ready();
  h.in(AaDataRequest{data(1)});
  h.in(AaResyncRequest{{6}});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kRs});
  EXPECT_EQ(h.sent()[0].sq, 2);
  EXPECT_EQ(h.sent()[0].info, Bytes{6});
  EXPECT_EQ(h.s.state(), State::kOutResyncPend);
  EXPECT_EQ(h.s.transmission_buffer_size(), 0u);
  h.rx(rsak(50));
  EXPECT_EQ(h.count<AaResyncConfirm>(), 1);
  EXPECT_EQ(h.s.state(), State::kReady);
  EXPECT_EQ(h.s.vt_s(), 0u);
  EXPECT_EQ(h.s.vt_ms(), 50u);
}

TEST(SscopOutResyncPend, TimerCcExpiry_RetransmitsRsThenReleases) {
  Harness h;
  h.to_out_resync_pend();
  for (int i = 0; i < 3; ++i) {
    h.advance(1s);
    EXPECT_EQ(h.sent_types(), std::vector<T>{T::kRs});
  }
  h.advance(1s);
  EXPECT_EQ(h.maa(), "O");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEnd});
  EXPECT_EQ(h.count<AaReleaseIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kIdle);
}

TEST(SscopReady, Rs_ResyncIndicationThenResponseSendsRsak) {
  Harness h;
  h.to_ready();
  Pdu r = rs(9, 44);
  r.info = {1};
  h.rx(r);
  ASSERT_NE(h.first<AaResyncIndication>(), nullptr);
  EXPECT_EQ(h.first<AaResyncIndication>()->uu, Bytes{1});
  EXPECT_EQ(h.s.state(), State::kInResyncPend);
  EXPECT_FALSE(h.s.next_deadline().has_value());
  h.in(AaResyncResponse{});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kRsak});
  EXPECT_EQ(h.sent()[0].mr, 30u);
  EXPECT_EQ(h.s.state(), State::kReady);
  EXPECT_EQ(h.s.vt_ms(), 44u);
  h.rx(rs(9, 44));  // our RSAK was lost: p.62, RSAK again, no MAA-ERROR
  EXPECT_EQ(h.maa(), "");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kRsak});
}

TEST(SscopOutResyncPend, CrossingRs_RsakAndConfirm) {
  Harness h;
  h.to_out_resync_pend();
  h.rx(rs(77));
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kRsak});
  EXPECT_EQ(h.count<AaResyncConfirm>(), 1);
  EXPECT_EQ(h.s.state(), State::kReady);
}

// ---------------------------------------------------------------- error recovery

// Q.2110 SDL p.67: a POLL with N(S) > VR(MR) is no error: VR(H) := VR(MR) and
// the STAT reports the whole window missing.
TEST(SscopReady, PollNsBeyondVrMr_VrHClampedToVrMr_p67) {
  Harness h;
  h.to_ready();
  h.rx(poll(1, 31));
  EXPECT_EQ(h.maa(), "");
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kStat});
  EXPECT_EQ(h.sent()[0].list, (std::vector<std::uint32_t>{0, 30}));
  EXPECT_EQ(h.s.vr_h(), 30u);
  EXPECT_EQ(h.s.state(), State::kReady);
}

// Q.2110 SDL p.67 "common recovery start": ER with N(SQ) = VT(SQ)+1, VR(MR),
// Timer_CC, data transfer timers stopped.
TEST(SscopReady, StatNpsError_MaaRAndEr_p70) {
  Harness h;
  h.to_ready();
  h.rx(stat(1, 0, 30));
  EXPECT_EQ(h.maa(), "R");
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kEr});
  EXPECT_EQ(h.sent()[0].sq, 2);
  EXPECT_EQ(h.sent()[0].mr, 30u);
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
  EXPECT_TRUE(h.s.timer_running(Timer::kCc));
  EXPECT_FALSE(h.s.timer_running(Timer::kPoll));
}

TEST(SscopReady, PollNsBelowVrH_MaaQ) {
  Harness h;
  h.to_ready();
  h.rx(sd(3));  // VR(H) = 4
  h.rx(poll(1, 2));
  EXPECT_EQ(h.maa(), "Q");
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
}

TEST(SscopOutRecPend, TimerCcExpiry_RetransmitsErThenReleases) {
  Harness h;
  h.to_out_rec_pend();
  for (int i = 0; i < 3; ++i) {
    h.advance(1s);
    EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEr});
  }
  h.advance(1s);
  EXPECT_EQ(h.maa(), "O");
  EXPECT_EQ(h.count<AaReleaseIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kIdle);
}

TEST(SscopOutRecPend, Erak_RecoverIndicationThenResponseReady) {
  Harness h;
  h.to_out_rec_pend();
  h.rx(erak(25));
  EXPECT_EQ(h.count<AaRecoverIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kRecPend);
  EXPECT_EQ(h.s.vt_ms(), 25u);
  h.in(AaRecoverResponse{});
  EXPECT_EQ(h.s.state(), State::kReady);
  EXPECT_TRUE(h.s.timer_running(Timer::kPoll));
}

TEST(SscopReady, Er_RecoverIndicationThenResponseSendsErak) {
  Harness h;
  h.to_ready();
  h.rx(er(50, 33));
  EXPECT_EQ(h.count<AaRecoverIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kInRecPend);
  h.in(AaRecoverResponse{});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kErak});
  EXPECT_EQ(h.sent()[0].mr, 30u);
  EXPECT_EQ(h.s.state(), State::kReady);
  h.rx(er(50, 33));  // our ERAK was lost: p.61, ERAK again, no MAA-ERROR
  EXPECT_EQ(h.maa(), "");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kErak});
  EXPECT_EQ(h.s.state(), State::kReady);
}

TEST(SscopRecPend, RetransmittedEr_ResendsErak) {
  Harness h;
  h.to_out_rec_pend();
  h.rx(er(60));  // crossing ER
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kErak});
  EXPECT_EQ(h.s.state(), State::kRecPend);
  h.rx(er(60));
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kErak});
  EXPECT_EQ(h.s.state(), State::kRecPend);
}

TEST(SscopRecPend, AaResyncRequest_SendsRs) {
  Harness h;
  h.to_rec_pend();
  h.in(AaResyncRequest{});
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kRs});
  EXPECT_EQ(h.s.state(), State::kOutResyncPend);
}

TEST(SscopInRecPend, AaReleaseRequest_SendsEnd) {
  Harness h;
  h.to_in_rec_pend();
  h.in(AaReleaseRequest{});
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEnd});
  EXPECT_EQ(h.s.state(), State::kOutDisPend);
}

// ---------------------------------------------------------------- assured data

TEST(SscopReady, AaDataRequest_SendsSdNumberedFromZero) {
  Harness h;
  h.to_ready();
  for (std::uint8_t i = 0; i < 3; ++i) {
    h.in(AaDataRequest{data(i, 3 + i)});
    ASSERT_EQ(h.sent_types(), std::vector<T>{T::kSd});
    EXPECT_EQ(h.sent()[0].ns, i);
    EXPECT_EQ(h.sent()[0].info, data(i, 3 + i));
  }
  EXPECT_EQ(h.s.vt_s(), 3u);
  EXPECT_EQ(h.s.transmission_buffer_size(), 3u);
}

TEST(SscopReady, SdInSequence_DeliveredAndWindowAdvances) {
  Harness h;
  h.to_ready();
  h.rx(sd(0, data(1)));
  ASSERT_EQ(delivered(h).size(), 1u);
  EXPECT_EQ(delivered(h)[0], data(1));
  EXPECT_EQ(h.s.vr_r(), 1u);
  EXPECT_EQ(h.s.vr_mr(), 31u);
}

TEST(SscopReady, SdGap_UstatThenDeliveryWhenFilled) {
  Harness h;
  h.to_ready();
  h.rx(sd(0, data(0)));
  h.rx(sd(3, data(3)));
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kUstat});
  const Pdu u = h.sent()[0];
  EXPECT_EQ(u.nr, 1u);
  EXPECT_EQ(u.list, (std::vector<std::uint32_t>{1, 3}));
  EXPECT_TRUE(delivered(h).empty());
  h.rx(sd(2, data(2)));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_TRUE(delivered(h).empty());
  h.rx(sd(1, data(1)));
  EXPECT_EQ(delivered(h), (std::vector<Bytes>{data(1), data(2), data(3)}));
  EXPECT_EQ(h.s.vr_r(), 4u);
}

// Not Q.2110 (whose AAL never duplicates): an SD behind VR(R) is discarded.
TEST(SscopReady, SdBehindVrR_Discarded) {
  Harness h;
  h.to_ready();
  h.rx(sd(0));
  h.rx(sd(0));
  EXPECT_TRUE(delivered(h).empty());
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.s.state(), State::kReady);
}

// Q.2110 SDL p.67: an SD already in the receiver buffer is an N(S) error:
// MAA-ERROR Q and error recovery.
TEST(SscopReady, SdAlreadyInReceiverBuffer_MaaQAndEr_p67) {
  Harness h;
  h.to_ready();
  h.rx(sd(2));
  h.rx(sd(1));
  EXPECT_TRUE(h.sent().empty());
  h.rx(sd(2));
  EXPECT_EQ(h.maa(), "Q");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEr});
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
}

// Q.2110 SDL p.66: an SD with N(S) >= VR(MR): USTAT [VR(H), VR(MR)) if VR(H) <
// VR(MR), VR(H) := VR(MR), the SD discarded; a second one sends nothing.
TEST(SscopReady, SdOutsideWindow_UstatUpToVrMrAndDiscarded_p66) {
  Harness h;
  h.to_ready();
  h.rx(sd(30));
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kUstat});
  EXPECT_EQ(h.sent()[0].list, (std::vector<std::uint32_t>{0, 30}));
  EXPECT_EQ(h.sent()[0].nr, 0u);
  EXPECT_EQ(h.s.vr_h(), 30u);
  EXPECT_TRUE(delivered(h).empty());
  h.rx(sd(31));
  EXPECT_TRUE(h.sent().empty());
}

TEST(SscopReady, Poll_StatListsEveryGap) {
  Harness h;
  h.to_ready();
  h.rx(sd(1));
  h.rx(sd(2));
  h.rx(sd(5));
  h.rx(poll(7, 8));
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kStat});
  const Pdu s = h.sent()[0];
  EXPECT_EQ(s.ps, 7u);
  EXPECT_EQ(s.nr, 0u);
  EXPECT_EQ(s.mr, 30u);
  EXPECT_EQ(s.list, (std::vector<std::uint32_t>{0, 1, 3, 5, 6, 8}));
  EXPECT_EQ(h.s.vr_h(), 8u);
}

TEST(SscopReady, Poll_StatSegmentedAtMaxStat) {
  Params p;
  p.max_stat = 5;
  p.window = 100;
  Harness h(p);
  h.to_ready();
  for (std::uint32_t n = 1; n < 12; n += 2) h.rx(sd(n));  // 0,2,4,6,8,10 missing
  h.rx(poll(1, 12));
  const auto s = h.sent();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].list, (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(s[1].list, (std::vector<std::uint32_t>{4, 5, 6, 7, 8}));
  // p.68: the run received last ends at VR(H) = 12: one more element.
  EXPECT_EQ(s[2].list, (std::vector<std::uint32_t>{8, 9, 10, 11, 12}));
  for (const auto& x : s) EXPECT_EQ(x.ps, 1u);
}

struct Sender {
  Harness h;
  explicit Sender(Params p = {}) : h(p) {
    h.to_ready();
    h.out.clear();
  }
};

TEST(SscopReady, Stat_ReleasesAcknowledgedAndRetransmitsMissingSentBeforePoll) {
  Sender snd;
  Harness& h = snd.h;
  for (std::uint8_t i = 0; i < 6; ++i) h.in(AaDataRequest{data(i)});
  h.advance(750ms);  // Timer_POLL: POLL N(PS)=1 N(S)=6
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kPoll});
  EXPECT_EQ(h.sent()[0].ps, 1u);
  EXPECT_EQ(h.sent()[0].ns, 6u);
  // Peer got 0, 1, 3, 5: missing 2 and 4.
  h.rx(stat(1, 2, 40, {2, 3, 4, 5}));
  EXPECT_EQ(h.maa(), "V");
  EXPECT_EQ(h.first<MaaErrorIndication>()->count, 2u);
  const auto s = h.sent();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].ns, 2u);
  EXPECT_EQ(s[0].info, data(2));
  EXPECT_EQ(s[1].ns, 4u);
  EXPECT_EQ(h.s.vt_a(), 2u);
  EXPECT_EQ(h.s.vt_ms(), 40u);
  EXPECT_EQ(h.s.vt_pa(), 1u);
  EXPECT_EQ(h.s.stats().sd_retransmitted, 2u);
  // The same STAT again (a duplicate) does not retransmit twice: they went out after POLL 1.
  h.rx(stat(1, 2, 40, {2, 3, 4, 5}));
  EXPECT_TRUE(h.sent().empty());
}

TEST(SscopReady, Ustat_RetransmitsTheGap) {
  Sender snd;
  Harness& h = snd.h;
  for (std::uint8_t i = 0; i < 5; ++i) h.in(AaDataRequest{data(i)});
  h.rx(ustat(1, 30, 1, 3));
  EXPECT_EQ(h.maa(), "V");
  const auto s = h.sent();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].ns, 1u);
  EXPECT_EQ(s[1].ns, 2u);
  EXPECT_EQ(h.s.vt_a(), 1u);
}

TEST(SscopReady, StatNrBeyondVtS_MaaSAndEr) {
  Sender snd;
  Harness& h = snd.h;
  h.in(AaDataRequest{data(0)});
  h.advance(750ms);
  h.rx(stat(1, 2, 30));
  EXPECT_EQ(h.maa(), "S");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEr});
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
}

TEST(SscopReady, StatListNotIncreasing_MaaS) {
  Sender snd;
  Harness& h = snd.h;
  for (std::uint8_t i = 0; i < 4; ++i) h.in(AaDataRequest{data(i)});
  h.advance(750ms);
  h.rx(stat(1, 0, 30, {2, 1}));
  EXPECT_EQ(h.maa(), "S");
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
}

TEST(SscopReady, StatNpsNotOutstanding_MaaR) {
  Sender snd;
  Harness& h = snd.h;
  h.advance(750ms);  // POLL 1
  h.rx(stat(2, 0, 30));
  EXPECT_EQ(h.maa(), "R");
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
}

TEST(SscopReady, UstatListBeyondVtS_MaaT) {
  Sender snd;
  Harness& h = snd.h;
  for (std::uint8_t i = 0; i < 2; ++i) h.in(AaDataRequest{data(i)});
  h.rx(ustat(0, 30, 1, 5));
  EXPECT_EQ(h.maa(), "T");
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
}

TEST(SscopReady, MaxPd_PollAfterMaxPdSdPdus) {
  Params p;
  p.max_pd = 4;
  Sender snd(p);
  Harness& h = snd.h;
  std::vector<T> all;
  for (std::uint8_t i = 0; i < 4; ++i) {
    h.in(AaDataRequest{data(i)});
    for (T t : h.sent_types()) all.push_back(t);
  }
  EXPECT_EQ(all, (std::vector<T>{T::kSd, T::kSd, T::kSd, T::kSd, T::kPoll}));
  EXPECT_EQ(h.s.vt_pd(), 0u);
  EXPECT_EQ(h.s.vt_ps(), 1u);
}

// Issue 14: a peer that grants no credit cannot make the Transmission Queue
// grow without bound: at Params::max_tx_queue an AA-DATA.request is
// discarded, counted and traced; the queue drains again once credit comes.
TEST(SscopReady, NoCredit_TransmissionQueueBoundedRequestsDiscarded) {
  Params p;
  p.max_tx_queue = 5;
  Harness h(p);
  h.to_out_conn_pend();
  h.rx(bgak(2));  // peer grants N(MR) = 2
  for (std::uint8_t i = 0; i < 9; ++i) h.in(AaDataRequest{data(i)});
  EXPECT_EQ(h.s.vt_s(), 2u);  // two sent
  EXPECT_EQ(h.s.transmission_queue_size(), 5u);
  EXPECT_EQ(h.s.stats().tx_discarded, 2u);
  h.in(AaDataRequest{data(9)});
  ASSERT_EQ(h.traces().size(), 1u);
  EXPECT_NE(h.traces()[0].find("transmission queue full (5 SDUs"), std::string::npos);
  // Credit: the queue drains, requests are taken again.
  h.advance(750ms);  // POLL N(PS) = 1
  h.rx(stat(1, 2, 40));
  EXPECT_EQ(h.s.transmission_queue_size(), 0u);
  h.in(AaDataRequest{data(10)});
  EXPECT_EQ(h.s.stats().tx_discarded, 3u);
}

// Q.2110 SDL p.72: after a STAT, VT(S) >= VT(MS) -> MAA-ERROR W (once); a STAT
// that opens the window again -> MAA-ERROR X. Not reported by the transmitter.
TEST(SscopReady, StatWithoutCredit_MaaWThenXWhenStatOpensWindow_p72) {
  Harness h;
  h.to_out_conn_pend();
  h.rx(bgak(2));  // peer grants N(MR) = 2
  for (std::uint8_t i = 0; i < 3; ++i) h.in(AaDataRequest{data(i)});
  EXPECT_EQ(h.maa(), "");
  EXPECT_EQ(h.s.vt_s(), 2u);
  EXPECT_EQ(h.s.transmission_queue_size(), 1u);
  h.advance(750ms);
  h.rx(stat(1, 2, 2));
  EXPECT_EQ(h.maa(), "W");
  EXPECT_TRUE(h.sent().empty());
  h.advance(750ms);
  h.rx(stat(2, 2, 2));
  EXPECT_EQ(h.maa(), "");  // W only once
  h.advance(750ms);
  h.rx(stat(3, 2, 32));
  EXPECT_EQ(h.maa(), "X");
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kSd});
  EXPECT_EQ(h.sent()[0].ns, 2u);
}

// Q.2110 SDL p.64: data queued, no credit, idle phase: POLL at once (Timer_IDLE
// stopped, Timer_NO-RESPONSE and Timer_POLL started) to get credit.
TEST(SscopReady, NoCreditInIdlePhase_PollAtOnce_p64) {
  Harness h;
  h.to_out_conn_pend();
  h.rx(bgak(0));        // no credit at all
  h.advance(750ms);     // Timer_POLL: POLL 1, transient phase
  h.rx(stat(1, 0, 0));  // idle phase
  ASSERT_TRUE(h.s.timer_running(Timer::kIdle));
  h.in(AaDataRequest{data(1)});
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kPoll});
  EXPECT_FALSE(h.s.timer_running(Timer::kIdle));
  EXPECT_TRUE(h.s.timer_running(Timer::kPoll));
  EXPECT_TRUE(h.s.timer_running(Timer::kNoResponse));
  h.in(AaDataRequest{data(2)});  // active phase now: wait for Timer_POLL
  EXPECT_TRUE(h.sent().empty());
}

TEST(SscopReady, TimerPoll_WithNothingOutstandingStartsKeepAlive) {
  Sender snd;
  Harness& h = snd.h;
  h.advance(750ms);
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kPoll});
  EXPECT_TRUE(h.s.timer_running(Timer::kKeepAlive));
  EXPECT_FALSE(h.s.timer_running(Timer::kPoll));
  h.advance(2s);  // p.63 Timer_KEEP-ALIVE: POLL; p.76 "set POLL timer": KEEP-ALIVE again
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kPoll});
  EXPECT_TRUE(h.s.timer_running(Timer::kKeepAlive));
  EXPECT_FALSE(h.s.timer_running(Timer::kPoll));
}

// Q.2110 SDL p.76 "set POLL timer": data waiting in the transmission queue
// (no credit) keeps Timer_POLL running after a POLL.
TEST(SscopReady, TimerPoll_WithQueuedDataKeepsTimerPoll_p63) {
  Harness h;
  h.to_out_conn_pend();
  h.rx(bgak(0));
  h.in(AaDataRequest{data(1)});
  h.advance(750ms);
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kPoll});
  EXPECT_TRUE(h.s.timer_running(Timer::kPoll));
  EXPECT_FALSE(h.s.timer_running(Timer::kKeepAlive));
}

TEST(SscopReady, StatInTransientPhase_EntersIdlePhase) {
  Sender snd;
  Harness& h = snd.h;
  h.advance(750ms);  // POLL 1, KEEP-ALIVE running
  h.rx(stat(1, 0, 30));
  EXPECT_TRUE(h.s.timer_running(Timer::kIdle));
  EXPECT_FALSE(h.s.timer_running(Timer::kNoResponse));
  EXPECT_FALSE(h.s.timer_running(Timer::kKeepAlive));
  h.advance(15s);  // p.63 Timer_IDLE: NO-RESPONSE, POLL, transient phase (KEEP-ALIVE)
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kPoll});
  EXPECT_TRUE(h.s.timer_running(Timer::kKeepAlive));
  EXPECT_TRUE(h.s.timer_running(Timer::kNoResponse));
}

TEST(SscopReady, SdInIdlePhase_StopsIdleStartsPollAndNoResponse) {
  Sender snd;
  Harness& h = snd.h;
  h.advance(750ms);
  h.rx(stat(1, 0, 30));
  h.in(AaDataRequest{data(1)});
  EXPECT_FALSE(h.s.timer_running(Timer::kIdle));
  EXPECT_TRUE(h.s.timer_running(Timer::kPoll));
  EXPECT_TRUE(h.s.timer_running(Timer::kNoResponse));
}

TEST(SscopReady, TimerNoResponseExpiry_ReleasesWithMaaP) {
  Sender snd;
  Harness& h = snd.h;
  std::string maa;
  bool released = false;
  for (int i = 0; i < 20 && h.s.state() == State::kReady; ++i) {
    h.fire_next();
    maa += h.maa();
    released |= h.count<AaReleaseIndication>() > 0;
  }
  EXPECT_EQ(maa, "P");
  EXPECT_TRUE(released);
  EXPECT_EQ(h.s.state(), State::kIdle);
  EXPECT_EQ(h.now - TimePoint{}, Duration(7s));
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEnd});
}

TEST(SscopReady, PollAfterRetransmission_Option) {
  Params p;
  p.poll_after_retransmission = true;
  Sender snd(p);
  Harness& h = snd.h;
  for (std::uint8_t i = 0; i < 3; ++i) h.in(AaDataRequest{data(i)});
  h.rx(ustat(0, 30, 0, 2));
  EXPECT_EQ(h.sent_types(), (std::vector<T>{T::kSd, T::kSd, T::kPoll}));
}

TEST(SscopReady, UnitdataAndManagementData) {
  Harness h;
  h.in(AaUnitdataRequest{{1, 2, 3}});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kUd});
  EXPECT_EQ(h.sent()[0].info, (Bytes{1, 2, 3}));
  h.in(MaaUnitdataRequest{{4}});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kMd});
  Pdu ud = pdu(T::kUd);
  ud.info = {7, 7};
  h.rx(ud);
  ASSERT_NE(h.first<AaUnitdataIndication>(), nullptr);
  EXPECT_EQ(h.first<AaUnitdataIndication>()->data, (Bytes{7, 7}));
  Pdu md = pdu(T::kMd);
  md.info = {8};
  h.rx(md);
  ASSERT_NE(h.first<MaaUnitdataIndication>(), nullptr);
}

TEST(SscopIdle, AaRetrieveRequest_ReturnsUnacknowledgedAndUnsent) {
  Harness h;
  h.in(AaEstablishRequest{{}, false});  // BR = no: keep buffers for retrieval
  h.rx(bgak(2));
  for (std::uint8_t i = 0; i < 4; ++i) h.in(AaDataRequest{data(i)});  // 2 sent, 2 queued
  h.rx(end());
  EXPECT_EQ(h.s.state(), State::kIdle);
  h.in(AaRetrieveRequest{});
  std::vector<Bytes> got;
  for (const auto& a : h.out) {
    if (auto* r = std::get_if<AaRetrieveIndication>(&a)) got.push_back(r->data);
  }
  EXPECT_EQ(got, (std::vector<Bytes>{data(0), data(1), data(2), data(3)}));
  EXPECT_EQ(h.count<AaRetrieveCompleteIndication>(), 1);
}

// Q.2110 SDL p.76 data retrieval: RN = n retrieves the SDs with N(S) > n.
TEST(SscopIdle, AaRetrieveRequestWithRn_RetrievesAfterRn_p76) {
  Harness h;
  h.in(AaEstablishRequest{{}, false});
  h.rx(bgak(10));
  for (std::uint8_t i = 0; i < 3; ++i) h.in(AaDataRequest{data(i)});
  h.rx(end());
  h.in(AaRetrieveRequest{1});
  EXPECT_EQ(h.count<AaRetrieveIndication>(), 1);
  EXPECT_EQ(h.first<AaRetrieveIndication>()->data, data(2));
}

// Q.2110 SDL p.76: RN "unknown" retrieves only what was never transmitted.
TEST(SscopIdle, AaRetrieveRequestRnUnknown_OnlyTransmissionQueue_p76) {
  Harness h;
  h.in(AaEstablishRequest{{}, false});
  h.rx(bgak(2));
  for (std::uint8_t i = 0; i < 4; ++i) h.in(AaDataRequest{data(i)});  // 2 sent, 2 queued
  h.rx(end());
  AaRetrieveRequest r;
  r.unknown = true;
  h.in(r);
  std::vector<Bytes> got;
  for (const auto& a : h.out) {
    if (auto* x = std::get_if<AaRetrieveIndication>(&a)) got.push_back(x->data);
  }
  EXPECT_EQ(got, (std::vector<Bytes>{data(2), data(3)}));
}

// Q.2110 SDL p.62 (Ready, RS: prepare retrieval) and p.48: with BR = no the
// unacknowledged SDs can be retrieved in InResyncPend; AA-RESYNC.response
// (p.46, clear transmitter) discards them.
TEST(SscopInResyncPend, AaRetrieveRequest_AfterRsWithBrNo_p48) {
  Harness h;
  h.in(AaEstablishRequest{{}, false});
  h.rx(bgak(10));
  for (std::uint8_t i = 0; i < 2; ++i) h.in(AaDataRequest{data(i)});
  h.rx(rs(9));
  ASSERT_EQ(h.s.state(), State::kInResyncPend);
  h.in(AaRetrieveRequest{});
  EXPECT_EQ(h.count<AaRetrieveIndication>(), 2);
  EXPECT_EQ(h.count<AaRetrieveCompleteIndication>(), 1);
}

TEST(SscopAnyState, UpperSignalsAndTimersNeverCrash) {
  const std::vector<Event> events = {
      AaEstablishRequest{},   AaEstablishResponse{},  AaReleaseRequest{}, AaDataRequest{{1}},
      AaUnitdataRequest{{2}}, AaResyncRequest{},      AaResyncResponse{}, AaRecoverResponse{},
      AaRetrieveRequest{},    MaaUnitdataRequest{{3}}};
  for (State s : all_states()) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      Harness h;
      h.to(s);
      h.in(events[i]);
      EXPECT_FALSE(h.out.empty() && h.s.state() == s && i != 3)
          << to_string(s) << " event " << i << " produced nothing";
      for (int k = 0; k < 40 && h.s.next_deadline(); ++k) h.fire_next();
      EXPECT_FALSE(h.s.next_deadline().has_value()) << to_string(s) << " event " << i;
    }
  }
}

TEST(SscopAnyState, OversizedDataIsRefused) {
  Params p;
  p.max_sdu = 8;
  Harness h(p);
  h.to_ready();
  h.in(AaDataRequest{Bytes(9, 1)});
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.traces(),
            std::vector<std::string>{"AA-DATA.request of 9 octets exceeds max_sdu; discarded"});
}

// ---------------------------------------------------------------- checked transitions

// Q.2110 SDL p.36: OutConnPend, a retransmitted BGN (N(SQ) = VR(SQ)) is ignored.
TEST(SscopOutConnPend, RetransmittedBgn_Ignored_p36) {
  Harness h;
  h.rx(bgn(7));
  h.in(AaReleaseRequest{});  // BGREJ, Idle; VR(SQ) = 7
  h.in(AaEstablishRequest{});
  h.rx(bgn(7));  // an old copy
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.s.state(), State::kOutConnPend);
  h.rx(bgn(8));  // crossing BGNs
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgak});
  EXPECT_EQ(h.s.state(), State::kReady);
}

// Q.2110 SDL p.34: OutConnPend ignores END (the peer answers the BGN).
TEST(SscopOutConnPend, End_Ignored_p34) {
  Harness h;
  h.to_out_conn_pend();
  h.rx(end());
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.count<AaReleaseIndication>(), 0);
  EXPECT_EQ(h.s.state(), State::kOutConnPend);
}

// Q.2110 SDL p.42: OutDisPend, a retransmitted BGN: BGAK and END again.
TEST(SscopOutDisPend, RetransmittedBgn_BgakAndEndAgain_p42) {
  Harness h;
  h.rx(bgn(4));
  h.in(AaEstablishResponse{});
  h.in(AaReleaseRequest{{9}});
  h.rx(bgn(4));
  ASSERT_EQ(h.sent_types(), (std::vector<T>{T::kBgak, T::kEnd}));
  EXPECT_FALSE(h.sent()[1].source_sscop);
  EXPECT_EQ(h.s.state(), State::kOutDisPend);
}

// Q.2110 SDL p.43: OutResyncPend, a retransmitted BGN: BGAK, then RS again.
TEST(SscopOutResyncPend, RetransmittedBgn_BgakAndRsAgain_p43) {
  Harness h;
  h.rx(bgn(4));
  h.in(AaEstablishResponse{});
  h.in(AaResyncRequest{});
  h.rx(bgn(4));
  ASSERT_EQ(h.sent_types(), (std::vector<T>{T::kBgak, T::kRs}));
  EXPECT_EQ(h.sent()[1].sq, h.s.vt_sq());
  EXPECT_EQ(h.s.state(), State::kOutResyncPend);
}

// Q.2110 SDL p.51: OutRecPend, a retransmitted ER: MAA-ERROR L, nothing else.
TEST(SscopOutRecPend, RetransmittedEr_MaaL_p51) {
  Harness h;
  h.to_ready();
  h.rx(er(5));
  h.in(AaRecoverResponse{});
  h.rx(stat(1, 0, 30));  // protocol error: ER, OutRecPend
  ASSERT_EQ(h.s.state(), State::kOutRecPend);
  h.rx(er(5));
  EXPECT_EQ(h.maa(), "L");
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
}

// Q.2110 SDL p.67 and p.49: error recovery delivers the receiver buffer (BR =
// no) when the ERAK arrives, not when the error is found.
TEST(SscopOutRecPend, Erak_DeliversReceiverBuffer_p49) {
  Harness h;
  h.in(AaEstablishRequest{{}, false});
  h.rx(bgak());
  h.rx(sd(1, {0x11}));
  h.rx(stat(1, 0, 30));  // N(PS) error: ER
  EXPECT_TRUE(delivered(h).empty());
  h.rx(erak());
  EXPECT_EQ(delivered(h), std::vector<Bytes>{Bytes{0x11}});
  EXPECT_EQ(h.s.state(), State::kRecPend);
}

// Q.2110 SDL p.49: AA-DATA.request in OutRecPend is queued only if BR = no.
TEST(SscopOutRecPend, AaDataRequest_QueuedOnlyWithoutClearBuffers_p49) {
  for (bool br : {true, false}) {
    Harness h;
    h.in(AaEstablishRequest{{}, br});
    h.rx(bgak());
    h.rx(stat(1, 0, 30));
    ASSERT_EQ(h.s.state(), State::kOutRecPend);
    h.in(AaDataRequest{data(1)});
    EXPECT_EQ(h.s.transmission_queue_size(), br ? 0u : 1u) << "BR=" << br;
  }
}

// Q.2110 SDL p.62: ENDAK in Ready releases (MAA-ERROR F) without sending END.
TEST(SscopReady, Endak_MaaFAndReleaseWithoutEnd_p62) {
  Harness h;
  h.to_ready();
  h.rx(pdu(T::kEndak));
  EXPECT_EQ(h.maa(), "F");
  EXPECT_TRUE(h.sent().empty());
  ASSERT_EQ(h.count<AaReleaseIndication>(), 1);
  EXPECT_EQ(h.first<AaReleaseIndication>()->source, Source::kSscop);
  EXPECT_EQ(h.s.state(), State::kIdle);
}

// Q.2110 SDL p.47: SD in InResyncPend: MAA-ERROR A, END, release.
TEST(SscopInResyncPend, Sd_MaaAEndAndRelease_p47) {
  Harness h;
  h.to_in_resync_pend();
  h.rx(sd(0));
  EXPECT_EQ(h.maa(), "A");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEnd});
  EXPECT_EQ(h.count<AaReleaseIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kIdle);
}

// Q.2110 SDL p.70: a STAT asking again for an SD that an earlier STAT
// acknowledged (released with Clear-Buffers = yes): list error S.
TEST(SscopReady, StatAsksForReleasedSd_MaaS_p70) {
  Sender snd;
  Harness& h = snd.h;
  for (std::uint8_t i = 0; i < 3; ++i) h.in(AaDataRequest{data(i)});
  h.advance(750ms);                 // POLL 1
  h.rx(stat(1, 0, 30, {0, 1, 3}));  // SD 0 missing, 1..2 received
  h.advance(750ms);                 // POLL 2
  h.rx(stat(2, 0, 30, {0, 2}));     // asks for 1 again
  EXPECT_EQ(h.maa(), "S");
  EXPECT_EQ(h.s.state(), State::kOutRecPend);
}

// HARP sscop_stat_ready: MAA-ERROR V only when a STAT retransmits something
// (ngatm would report V with count 0 here).
TEST(SscopReady, StatRetransmittingNothing_NoMaaV_p71) {
  Sender snd;
  Harness& h = snd.h;
  for (std::uint8_t i = 0; i < 3; ++i) h.in(AaDataRequest{data(i)});
  h.advance(750ms);  // POLL 1
  h.rx(stat(1, 0, 30, {0, 1, 3}));
  ASSERT_NE(h.first<MaaErrorIndication>(), nullptr);
  EXPECT_EQ(h.first<MaaErrorIndication>()->code, 'V');
  EXPECT_EQ(h.first<MaaErrorIndication>()->count, 1u);
  h.rx(stat(1, 0, 30, {0, 1, 3}));  // the same STAT again: SD 0 went after POLL 1
  EXPECT_EQ(h.maa(), "");
  EXPECT_TRUE(h.sent().empty());
}

// Q.2110 SDL p.31: VT(SQ) and VR(SQ) start at 0, so a first BGN with N(SQ) =
// 0 is taken for a retransmission and rejected.
TEST(SscopIdle, FirstBgnWithNsq0_Bgrej_p31) {
  Harness h;
  h.rx(bgn(0));
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgrej});
  EXPECT_EQ(h.s.state(), State::kIdle);
}

// ATM Forum robustness (ngatm SSCOP_ROBUST): in Idle a BGN is never a
// retransmission; VR(SQ) takes its N(SQ).
TEST(SscopIdle, RobustnessBgnWithOldNsq_Accepted) {
  Params p;
  p.robustness = true;
  Harness h(p);
  h.rx(bgn(0));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.count<AaEstablishIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kInConnPend);
  h.rx(bgn(0));  // in InConnPend the check still applies (p.37)
  EXPECT_EQ(h.count<AaEstablishIndication>(), 0);
}

// ---------------------------------------------------------------- Q.SAAL1 mode

Params qsaal() {
  Params p;
  p.mode = Mode::kQSaal1;
  return p;
}

TEST(SscopQSaal1, ProtocolErrorReestablishesWithBgn) {
  Harness h(qsaal());
  h.to_ready();
  h.rx(sd(3));
  h.rx(poll(1, 2));
  EXPECT_EQ(h.maa(), "Q");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgn});
  EXPECT_EQ(h.s.state(), State::kOutConnPend);
  h.rx(bgak());
  EXPECT_EQ(h.count<AaRecoverIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kRecPend);
  h.in(AaRecoverResponse{});
  EXPECT_EQ(h.s.state(), State::kReady);
}

// FreeBSD HARP (sscop_pdu.c sscop_send_bgn/sscop_send_rs, qsaal1_subr.c
// qsaal1_reestablish): Q.SAAL1 BGN and RS carry no N(SQ), RS no N(MR), and the
// BGN of an SSCOP re-establishment has the S bit set.
TEST(SscopQSaal1, BgnAndRsWithoutNsq_ReestablishmentBgnHasSourceBit) {
  Harness h(qsaal());
  h.in(AaEstablishRequest{});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kBgn});
  EXPECT_EQ(h.sent()[0].sq, 0);
  EXPECT_EQ(h.sent()[0].mr, 30u);
  EXPECT_FALSE(h.sent()[0].source_sscop);
  h.rx(bgak());
  h.in(AaResyncRequest{});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kRs});
  EXPECT_EQ(h.sent()[0].sq, 0);
  EXPECT_EQ(h.sent()[0].mr, 0u);
  h.rx_bytes({0x06, 0, 0, 0});  // RSAK
  h.rx(stat(1, 0, 30));         // protocol error: re-establish
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kBgn});
  EXPECT_TRUE(h.sent()[0].source_sscop);
}

// HARP sscop_sd_process: in Q.SAAL1 an SD beyond the window is discarded
// silently (no USTAT), and a gap before an SDP is not reported by USTAT.
TEST(SscopQSaal1, SdBeyondWindowSilentlyDiscarded) {
  Harness h(qsaal());
  h.to_ready();
  h.rx(sd(30));
  EXPECT_TRUE(h.sent().empty());
  Pdu sdp = sd(3);
  sdp.type = T::kSdp;
  sdp.ps = 1;
  h.rx(sdp);
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kStat});  // only the POLL part answers
  EXPECT_EQ(h.sent()[0].list, (std::vector<std::uint32_t>{0, 3, 4}));
}

// Q.SAAL1's RS has no N(MR): the credit after an incoming resync is our window.
TEST(SscopQSaal1, IncomingRsWithoutNmr_CreditIsOwnWindow) {
  Harness h(qsaal());
  h.to_ready();
  h.rx(rs(0, 0));
  h.in(AaResyncResponse{});
  EXPECT_EQ(h.s.vt_ms(), 30u);
  h.in(AaResyncRequest{});  // crossing RSs
  h.rx(rs(0, 0));
  EXPECT_EQ(h.s.state(), State::kReady);
  EXPECT_EQ(h.s.vt_ms(), 30u);
}

// HARP qsaal1_sigcpcs.c tables: BGN in InConnPend and RS in InResyncPend are
// no-ops in Q.SAAL1 (without N(SQ) the peer's Timer_CC retransmissions look new).
TEST(SscopQSaal1, BgnInInConnPendAndRsInInResyncPend_Ignored) {
  Harness h(qsaal());
  h.rx(bgn(0));
  h.rx(bgn(0));  // the peer's retransmission
  EXPECT_EQ(h.count<AaReleaseIndication>(), 0);
  EXPECT_EQ(h.count<AaEstablishIndication>(), 0);
  EXPECT_EQ(h.s.state(), State::kInConnPend);
  h.in(AaEstablishResponse{});
  h.rx(rs(0, 0));
  ASSERT_EQ(h.s.state(), State::kInResyncPend);
  h.rx(rs(0, 0));
  EXPECT_EQ(h.maa(), "");
  EXPECT_EQ(h.s.state(), State::kInResyncPend);
}

TEST(SscopQSaal1, ShortRsakAndEndak) {
  Harness h(qsaal());
  h.to_ready();
  h.in(AaResyncRequest{});
  h.rx_bytes({0x06, 0, 0, 0});
  EXPECT_EQ(h.count<AaResyncConfirm>(), 1);
  EXPECT_EQ(h.s.vt_ms(), 30u);
  h.rx(rs(5));
  h.in(AaResyncResponse{});
  EXPECT_EQ(h.out.size() >= 1, true);
  ASSERT_FALSE(h.out.empty());
  const auto* sp = std::get_if<SendPdu>(&h.out[0]);
  ASSERT_NE(sp, nullptr);
  EXPECT_EQ(sp->bytes, (Bytes{0x06, 0, 0, 0}));
  h.rx(end());
  ASSERT_EQ(h.sent().size(), 1u);
  EXPECT_EQ(std::get<SendPdu>(h.out[0]).bytes, (Bytes{0x04, 0, 0, 0}));
}

TEST(SscopQSaal1, SdpIsDeliveredAndAnsweredWithStat) {
  Harness h(qsaal());
  h.to_ready();
  Pdu p = pdu(T::kSdp);
  p.ns = 0;
  p.ps = 1;
  p.info = data(9);
  h.rx(p);
  EXPECT_EQ(delivered(h), std::vector<Bytes>{data(9)});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kStat});
  EXPECT_EQ(h.sent()[0].nr, 1u);
  EXPECT_EQ(h.sent()[0].ps, 1u);
}

TEST(SscopQSaal1, NoKeepAliveOrIdlePhase) {
  Harness h(qsaal());
  h.to_ready();
  h.advance(750ms);
  EXPECT_TRUE(h.s.timer_running(Timer::kPoll));
  EXPECT_FALSE(h.s.timer_running(Timer::kKeepAlive));
  h.rx(stat(1, 0, 30));
  EXPECT_TRUE(h.s.timer_running(Timer::kPoll));
  EXPECT_FALSE(h.s.timer_running(Timer::kIdle));
}

TEST(SscopQSaal1, EveryBgnIsNew) {
  Harness h(qsaal());
  h.rx(bgn(4));
  h.in(AaReleaseRequest{});
  h.rx(bgn(4));
  EXPECT_EQ(h.s.state(), State::kInConnPend);
}

// HARP sscop_datreq_outconn: while SSCOP re-establishes on its own after a
// protocol error, SSCF-UNI still sees the link up and hands data down; it is
// queued and sent after the BGAK, not dropped (issue 14, found by the soak).
TEST(SscopQSaal1, DataWhileSscopReestablishes_QueuedAndSentAfterTheBgak) {
  Harness h(qsaal());
  h.to_ready();
  h.rx(sd(3));
  h.rx(poll(1, 2));  // protocol error: BGN (S = SSCOP)
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kBgn});
  ASSERT_EQ(h.s.state(), State::kOutConnPend);
  h.in(AaDataRequest{data(7)});
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.count<Trace>(), 0) << "not refused";
  EXPECT_EQ(h.s.transmission_queue_size(), 1u);
  h.rx(bgak());
  EXPECT_EQ(h.count<AaRecoverIndication>(), 1);
  h.in(AaRecoverResponse{});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kSd});
  EXPECT_EQ(h.sent()[0].ns, 0u);
  EXPECT_EQ(h.sent()[0].info, data(7));
}

// Q.SAAL1: the peer SSCOP's own re-establishment (BGN with S = SSCOP) is a
// recovery at this end too, as it is at the peer's (AA-RECOVER.indication),
// not a release: Q.2931 keeps its calls (issue 14). A BGN of the peer's user
// (S = user) is still a new connection.
TEST(SscopQSaal1, PeerSscopReestablishment_RecoverNotRelease) {
  Harness h(qsaal());
  h.to_ready();
  h.rx(sd(0));
  h.rx(sd(2));
  Pdu b = bgn(0, 40);
  b.source_sscop = true;
  h.rx(b);
  EXPECT_EQ(h.count<AaRecoverIndication>(), 1);
  EXPECT_EQ(h.count<AaReleaseIndication>(), 0);
  EXPECT_EQ(h.count<AaEstablishIndication>(), 0);
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.s.state(), State::kInRecPend);
  h.in(AaRecoverResponse{});
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kBgak});
  EXPECT_EQ(h.s.state(), State::kReady);
  EXPECT_EQ(h.s.vr_r(), 0u);
  EXPECT_EQ(h.s.vt_ms(), 40u);
  h.rx(sd(0, data(4)));  // the new connection's first SD
  EXPECT_EQ(delivered(h), std::vector<Bytes>{data(4)});
  h.rx(bgn(0));  // S = user
  EXPECT_EQ(h.count<AaReleaseIndication>(), 1);
  EXPECT_EQ(h.count<AaEstablishIndication>(), 1);
}

// A user's own establishment is no re-establishment: data is still refused.
TEST(SscopQSaal1, DataWhileTheUserEstablishes_Refused) {
  Harness h(qsaal());
  h.in(AaEstablishRequest{});
  h.in(AaDataRequest{data(7)});
  EXPECT_EQ(h.s.transmission_queue_size(), 0u);
  EXPECT_EQ(h.count<Trace>(), 1);
}

// ------------------------------------------------ a datagram link (issue 14)
// SSCOP over UDP (Params::datagram_link): the PDU sequences of the soak's
// fault relay (duplication, reordering) that each re-established the link.

Params datagram(Mode m = Mode::kQ2110) {
  Params p;
  p.mode = m;
  p.datagram_link = true;
  return p;
}

TEST(SscopDatagramLink, CopyOfAnSdInTheReceiverBuffer_DiscardedNoRecovery) {
  Harness h(datagram());
  h.to_ready();
  h.rx(sd(2, data(2)));  // USTAT [0,2)
  h.rx(sd(1, data(1)));
  h.rx(sd(2, data(2)));  // the relay's copy
  EXPECT_EQ(h.maa(), "");
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.s.state(), State::kReady);
  h.rx(sd(0, data(0)));
  EXPECT_EQ(delivered(h), (std::vector<Bytes>{data(0), data(1), data(2)}));
  EXPECT_EQ(h.s.stats().recoveries, 0u);
}

// Another SD under the same N(S) is no copy: still Q.2110's N(S) error.
TEST(SscopDatagramLink, AnotherSdUnderTheSameNs_StillAnNsError) {
  Harness h(datagram());
  h.to_ready();
  h.rx(sd(2, data(2)));
  h.rx(sd(2, data(9)));
  EXPECT_EQ(h.maa(), "Q");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEr});
}

// Q.SAAL1, as the UNI 3.0 demon runs: the peer sent SD 0..2, POLL N(PS)=1
// N(S)=3, SD 3; SD 2 was lost and SD 3 overtook the POLL.
TEST(SscopDatagramLink, PollOvertakenByALaterSd_AnsweredVrHKept) {
  Harness h(datagram(Mode::kQSaal1));
  h.to_ready();
  h.rx(sd(0));
  h.rx(sd(1));
  h.rx(sd(3));
  h.rx(poll(1, 3));
  EXPECT_EQ(h.maa(), "");
  ASSERT_EQ(h.sent_types(), std::vector<T>{T::kStat});
  EXPECT_EQ(h.sent()[0].ps, 1u);
  EXPECT_EQ(h.sent()[0].nr, 2u);
  EXPECT_EQ(h.sent()[0].list, (std::vector<std::uint32_t>{2, 3, 4}));
  EXPECT_EQ(h.s.vr_h(), 4u);
  EXPECT_EQ(h.s.state(), State::kReady);
}

TEST(SscopDatagramLink, StatOvertakenByALaterOne_Discarded) {
  Harness h(datagram());
  h.to_ready();
  for (std::uint8_t i = 0; i < 4; ++i) h.in(AaDataRequest{data(i)});
  h.advance(750ms);  // POLL 1
  h.advance(750ms);  // POLL 2
  ASSERT_EQ(h.s.vt_ps(), 2u);
  h.rx(stat(2, 4, 40));  // the answer to POLL 2 first: everything acknowledged
  EXPECT_EQ(h.s.vt_a(), 4u);
  h.rx(stat(1, 2, 40, {2, 4}));  // the answer to POLL 1, late
  EXPECT_EQ(h.maa(), "");
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.s.state(), State::kReady);
  EXPECT_EQ(h.s.vt_a(), 4u);
  EXPECT_EQ(h.s.vt_pa(), 2u);
}

TEST(SscopDatagramLink, UstatOvertakenByAStat_Discarded) {
  Harness h(datagram());
  h.to_ready();
  for (std::uint8_t i = 0; i < 5; ++i) h.in(AaDataRequest{data(i)});
  h.advance(750ms);          // POLL 1
  h.rx(stat(1, 5, 40));      // everything acknowledged
  h.rx(ustat(1, 30, 1, 3));  // sent before that STAT, overtaken
  EXPECT_EQ(h.maa(), "");
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.s.state(), State::kReady);
}

// Q.SAAL1's BGN has no N(SQ): a copy that arrives after we answered the
// original is answered again; once the peer has sent in the new connection a
// BGN is a new connection, as before.
TEST(SscopDatagramLink, QSaal1CopyOfTheBgnInReady_BgakAgainNoRelease) {
  Harness h(datagram(Mode::kQSaal1));
  h.rx(bgn(0));
  h.in(AaEstablishResponse{});
  ASSERT_EQ(h.s.state(), State::kReady);
  h.rx(bgn(0));  // the relay's copy
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kBgak});
  EXPECT_EQ(h.count<AaReleaseIndication>(), 0);
  EXPECT_EQ(h.count<AaEstablishIndication>(), 0);
  EXPECT_EQ(h.s.state(), State::kReady);
  h.rx(sd(0));
  h.rx(bgn(0));
  EXPECT_EQ(h.count<AaReleaseIndication>(), 1);
  EXPECT_EQ(h.count<AaEstablishIndication>(), 1);
  EXPECT_EQ(h.s.state(), State::kInConnPend);
}

// The same sequences without datagram_link: Q.2110's protocol errors, as
// the tests above (SdAlreadyInReceiverBuffer_MaaQAndEr_p67, ...) show.
TEST(SscopDatagramLink, WithoutIt_StaleUstatIsAProtocolError) {
  Harness h;
  h.to_ready();
  for (std::uint8_t i = 0; i < 5; ++i) h.in(AaDataRequest{data(i)});
  h.advance(750ms);
  h.rx(stat(1, 5, 40));
  h.rx(ustat(1, 30, 1, 3));
  EXPECT_EQ(h.maa(), "T");
  EXPECT_EQ(h.sent_types(), std::vector<T>{T::kEr});
}

}  // namespace
}  // namespace atmsigd::sscop::test
