// The counters of the stats command that call control and its SSCOP keep
// (callctl::UniStats, sscop::Stats): each one moves when its event happens.
// A user-side and a network-side Uni joined by the in-memory link, virtual
// time.
#include <gtest/gtest.h>

#include <numeric>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

struct Pair : UniPair {
  Pair() : UniPair(Version::kUni31) {}
};

std::uint64_t in_of(const UniEnd& e, MessageType t) {
  return e.uni.stats().messages_in_by_type[static_cast<std::uint8_t>(t)];
}
std::uint64_t out_of(const UniEnd& e, MessageType t) {
  return e.uni.stats().messages_out_by_type[static_cast<std::uint8_t>(t)];
}
template <std::size_t N>
std::uint64_t sum(const std::array<std::uint64_t, N>& a) {
  return std::accumulate(a.begin(), a.end(), std::uint64_t{0});
}

TEST(UniStatsCounters, LinkUpCountedOnceOnEachSide) {
  Pair p;
  EXPECT_EQ(p.user.uni.stats().link_up, 1u);
  EXPECT_EQ(p.net.uni.stats().link_up, 1u);
  EXPECT_EQ(p.user.uni.stats().link_down, 0u);
}

TEST(UniStatsCounters, CallAcceptedAndReleased_PlacedConnectedOfferedAcceptedReleasedByCause) {
  Pair p;
  const auto call = p.offer(p.user, 1, p.net);
  p.req(p.net, CcAccept{call, 101});
  p.link.advance(10ms);
  const UniStats& u = p.user.uni.stats();
  const UniStats& n = p.net.uni.stats();
  EXPECT_EQ(u.calls_placed, 1u);
  EXPECT_EQ(u.calls_connected, 1u);
  EXPECT_EQ(u.calls_offered, 0u);
  EXPECT_EQ(n.calls_offered, 1u);
  EXPECT_EQ(n.calls_accepted, 1u);
  EXPECT_EQ(n.calls_placed, 0u);
  // One increment per message, per type, on both ends of the wire.
  EXPECT_EQ(out_of(p.user, MessageType::kSetup), 1u);
  EXPECT_EQ(in_of(p.net, MessageType::kSetup), 1u);
  EXPECT_EQ(out_of(p.net, MessageType::kConnect), 1u);
  EXPECT_EQ(in_of(p.user, MessageType::kConnect), 1u);
  EXPECT_EQ(out_of(p.user, MessageType::kConnectAcknowledge), 1u);
  EXPECT_EQ(in_of(p.net, MessageType::kConnectAcknowledge), 1u);
  EXPECT_EQ(sum(u.messages_out_by_type), u.messages_out);
  EXPECT_EQ(sum(n.messages_in_by_type), n.messages_in);

  p.req(p.user, CcRelease{1});
  p.link.advance(10ms);
  EXPECT_EQ(u.calls_released[q2931::cause::kNormalCallClearing], 1u);
  EXPECT_EQ(n.calls_released[q2931::cause::kNormalCallClearing], 1u);
  EXPECT_EQ(sum(u.calls_released), 1u);
  EXPECT_EQ(sum(u.calls_failed), 0u);
  EXPECT_EQ(sum(n.calls_rejected), 0u);
  EXPECT_EQ(out_of(p.user, MessageType::kRelease), 1u);
  EXPECT_EQ(in_of(p.user, MessageType::kReleaseComplete), 1u);
  EXPECT_EQ(out_of(p.net, MessageType::kReleaseComplete), 1u);
}

TEST(UniStatsCounters, RejectedByTheKernel_CalleeRejectedAndCallerFailedByTheSameCause) {
  Pair p;
  const auto call = p.offer(p.net, 1, p.user);
  p.req(p.user, CcReject{call, RejectReason::kKernelRejected, -EBUSY});
  p.link.advance(10ms);
  const UniStats& u = p.user.uni.stats();
  const UniStats& n = p.net.uni.stats();
  EXPECT_EQ(sum(u.calls_rejected), 1u);
  EXPECT_EQ(sum(n.calls_failed), 1u);
  EXPECT_EQ(u.calls_accepted, 0u);
  EXPECT_EQ(n.calls_connected, 0u);
  // -EBUSY: cause 17, user busy (cause_errno.cpp); the caller learns it.
  EXPECT_EQ(u.calls_rejected[17], 1u);
  EXPECT_EQ(n.calls_failed[17], 1u);
}

TEST(UniStatsCounters, CallRefusedBeforeASetup_FailedCauseZero) {
  Pair p;
  p.req(p.user, connect_req(1));
  p.req(p.user, connect_req(1));  // the same socket again: -EALREADY, no SETUP
  EXPECT_EQ(p.user.uni.stats().calls_placed, 2u);
  EXPECT_EQ(p.user.uni.stats().calls_failed[0], 1u);
  EXPECT_EQ(out_of(p.user, MessageType::kSetup), 1u);
}

TEST(UniStatsCounters, CallerGivesUp_CalleeCountsItRejected) {
  Pair p;
  const auto call = p.offer(p.user, 1, p.net);
  ASSERT_NE(call, 0u);
  p.req(p.user, CcRelease{1});
  p.link.advance(10ms);
  EXPECT_EQ(sum(p.user.uni.stats().calls_failed), 1u);
  EXPECT_EQ(sum(p.net.uni.stats().calls_rejected), 1u);
}

TEST(UniStatsCounters, T303TwiceSetupCountedTwice) {
  Pair p;
  p.offer(p.net, 1, p.user);  // the user side never answers
  p.link.advance(8s);
  EXPECT_EQ(out_of(p.net, MessageType::kSetup), 2u);
  EXPECT_EQ(in_of(p.user, MessageType::kSetup), 2u);
  EXPECT_EQ(sum(p.net.uni.stats().calls_failed), 1u);
}

TEST(UniStatsCounters, LinkLost_DownEventsAndSscopNoResponseError) {
  Pair p;
  p.link.up = false;
  p.link.advance(20s);  // Timer_NO-RESPONSE expires on both sides
  EXPECT_GE(p.user.uni.stats().link_down, 1u);
  EXPECT_GE(p.net.uni.stats().link_down, 1u);
  const auto& maa = p.user.uni.sscf().sscop().stats().maa_errors;
  EXPECT_GE(maa['P' - 'A'], 1u);  // Q.2110: Timer_NO-RESPONSE expiry
  p.link.up = true;
  p.link.advance(10s);
  EXPECT_TRUE(p.user.uni.link_up());
  EXPECT_GE(p.user.uni.stats().link_up, 2u);
}

TEST(UniStatsCounters, PduLostOnce_SscopRetransmitsIt) {
  Pair p;
  const auto call = p.offer(p.user, 1, p.net);
  p.req(p.net, CcAccept{call, 101});
  p.link.advance(10ms);
  const auto before = p.user.uni.sscf().sscop().stats().sd_retransmitted;
  p.link.up = false;
  p.req(p.user, CcRelease{1});  // its RELEASE is lost
  p.link.up = true;
  p.link.advance(5s);  // the next POLL's STAT names the gap
  EXPECT_GT(p.user.uni.sscf().sscop().stats().sd_retransmitted, before);
  EXPECT_EQ(p.net.uni.stats().calls_released[q2931::cause::kNormalCallClearing], 1u);
}

TEST(UniStatsCounters, MessagesWaitForTheLink_PendingHighWater) {
  UniEnd user(UniParams::defaults(Side::kUser, Version::kUni31));
  UniEnd net(UniParams::defaults(Side::kNetwork, Version::kUni31));
  Link link(user, net);
  link.up = false;
  user.request(connect_req(1), link.now);
  user.request(connect_req(2), link.now);
  link.pump();
  EXPECT_EQ(user.uni.stats().pending_high_water, 2u);
}

}  // namespace
}  // namespace atmsigd::callctl::test
