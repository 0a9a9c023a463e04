// The fault-injecting link: each fault does what it says, the plan is a
// function of the seed (a failing run replays), order is kept without jitter.
#include "atmsigd/relay/fault_link.hpp"

#include <gtest/gtest.h>

namespace atmsigd::relay {
namespace {

using namespace std::chrono_literals;

Bytes numbered(std::uint32_t i) {
  return Bytes{std::uint8_t(i >> 24), std::uint8_t(i >> 16), std::uint8_t(i >> 8), std::uint8_t(i)};
}
std::uint32_t number(const Bytes& b) {
  return std::uint32_t(b[0]) << 24 | std::uint32_t(b[1]) << 16 | std::uint32_t(b[2]) << 8 | b[3];
}

// Sends n numbered datagrams A->B, 1 ms apart, and collects what arrives.
std::vector<Delivery> run(FaultLink& l, int n, TimePoint& now) {
  std::vector<Delivery> out;
  for (int i = 0; i < n; ++i) {
    const Bytes b = numbered(static_cast<std::uint32_t>(i));
    l.handle(Dir::kAtoB, b, now, out);
    now += 1ms;
    l.handle_timeouts(now, out);
  }
  for (int i = 0; i < 10000 && l.next_deadline(); ++i) {
    now = std::max(now, *l.next_deadline());
    l.handle_timeouts(now, out);
  }
  return out;
}

TEST(FaultLink, NoFaultsDeliversEverythingInOrderAtOnce) {
  FaultLink l(1, Faults{});
  std::vector<Delivery> out;
  l.handle(Dir::kBtoA, numbered(7), TimePoint{}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dir, Dir::kBtoA);
  EXPECT_EQ(number(out[0].bytes), 7u);
  EXPECT_FALSE(l.next_deadline());
}

TEST(FaultLink, LossDropsAboutTheGivenShare) {
  Faults f;
  f.loss = 0.2;
  FaultLink l(42, f);
  TimePoint now{};
  const auto out = run(l, 10000, now);
  EXPECT_EQ(l.stats().lost + out.size(), 10000u);
  EXPECT_GT(l.stats().lost, 1700u);
  EXPECT_LT(l.stats().lost, 2300u);
  for (std::size_t i = 1; i < out.size(); ++i)
    EXPECT_LT(number(out[i - 1].bytes), number(out[i].bytes));  // survivors keep their order
}

TEST(FaultLink, TheSameSeedGivesTheSamePlan) {
  Faults f;
  f.loss = 0.1;
  f.dup = 0.1;
  f.reorder = 0.1;
  f.corrupt = 0.1;
  f.jitter = 3ms;
  FaultLink a(7, f), b(7, f), c(8, f);
  TimePoint ta{}, tb{}, tc{};
  const auto oa = run(a, 2000, ta), ob = run(b, 2000, tb), oc = run(c, 2000, tc);
  ASSERT_EQ(oa.size(), ob.size());
  for (std::size_t i = 0; i < oa.size(); ++i) EXPECT_EQ(oa[i].bytes, ob[i].bytes);
  bool differs = oa.size() != oc.size();
  for (std::size_t i = 0; !differs && i < oa.size(); ++i) differs = oa[i].bytes != oc[i].bytes;
  EXPECT_TRUE(differs) << "another seed, another plan";
}

TEST(FaultLink, DuplicationDeliversTwice) {
  Faults f;
  f.dup = 1;
  FaultLink l(1, f);
  TimePoint now{};
  const auto out = run(l, 10, now);
  ASSERT_EQ(out.size(), 20u);
  for (std::size_t i = 0; i < out.size(); i += 2) EXPECT_EQ(out[i].bytes, out[i + 1].bytes);
  EXPECT_EQ(l.stats().duplicated, 10u);
}

TEST(FaultLink, ReorderLetsTheNextOneOvertake) {
  Faults f;
  f.reorder = 1;  // every other datagram is held (one at a time per direction)
  FaultLink l(1, f);
  std::vector<Delivery> out;
  l.handle(Dir::kAtoB, numbered(0), TimePoint{}, out);
  EXPECT_TRUE(out.empty());
  l.handle(Dir::kAtoB, numbered(1), TimePoint{} + 1ms, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(number(out[0].bytes), 1u);
  EXPECT_EQ(number(out[1].bytes), 0u);
  // Alone, a held datagram goes out after the hold time.
  out.clear();
  l.handle(Dir::kAtoB, numbered(2), TimePoint{} + 2ms, out);
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(l.next_deadline());
  EXPECT_EQ(*l.next_deadline(), TimePoint{} + 2ms + FaultLink::kReorderHold);
  l.handle_timeouts(*l.next_deadline(), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(number(out[0].bytes), 2u);
}

TEST(FaultLink, CorruptionFlipsOneBit) {
  Faults f;
  f.corrupt = 1;
  FaultLink l(3, f);
  std::vector<Delivery> out;
  const Bytes b(32, 0);
  l.handle(Dir::kAtoB, b, TimePoint{}, out);
  ASSERT_EQ(out.size(), 1u);
  int bits = 0;
  for (auto x : out[0].bytes) bits += __builtin_popcount(x);
  EXPECT_EQ(bits, 1);
}

TEST(FaultLink, OutageDropsBothWaysUntilItEnds) {
  FaultLink l(1, Faults{});
  std::vector<Delivery> out;
  l.set_outage(TimePoint{} + 100ms);
  l.handle(Dir::kAtoB, numbered(1), TimePoint{}, out);
  l.handle(Dir::kBtoA, numbered(2), TimePoint{} + 99ms, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(l.stats().lost_in_outage, 2u);
  l.handle(Dir::kAtoB, numbered(3), TimePoint{} + 100ms, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(number(out[0].bytes), 3u);
}

TEST(FaultLink, DelayWithoutJitterKeepsOrderAndTiming) {
  Faults f;
  f.delay = 10ms;
  FaultLink l(1, f);
  std::vector<Delivery> out;
  l.handle(Dir::kAtoB, numbered(1), TimePoint{}, out);
  l.handle(Dir::kAtoB, numbered(2), TimePoint{} + 1ms, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(*l.next_deadline(), TimePoint{} + 10ms);
  l.handle_timeouts(TimePoint{} + 10ms, out);
  ASSERT_EQ(out.size(), 1u);
  l.handle_timeouts(TimePoint{} + 11ms, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(number(out[0].bytes), 1u);
  EXPECT_EQ(number(out[1].bytes), 2u);
  EXPECT_FALSE(l.next_deadline());
}

}  // namespace
}  // namespace atmsigd::relay
