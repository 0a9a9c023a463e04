// The per-call timer queues (callctl/timer_queues.hpp): the earliest queue is
// kept as entries come and go, and must name the entry a search of every
// front names (deadline, then key, then kind), whatever the order of pushes
// and pops, a clock that goes back included.
#include "atmsigd/callctl/timer_queues.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <tuple>

namespace atmsigd::callctl {
namespace {

constexpr std::size_t kKinds = 8;
using Queues = TimerQueues<kKinds>;

// The earliest front by a search of every queue (what earliest() computed
// before it was kept).
std::optional<std::size_t> searched(const Queues& q) {
  std::optional<std::size_t> best;
  for (std::size_t k = 0; k < kKinds; ++k) {
    if (q.size(k) == 0) continue;
    if (!best) {
      best = k;
      continue;
    }
    const auto& a = q.front(k);
    const auto& b = q.front(*best);
    if (std::tie(a.when, a.key) < std::tie(b.when, b.key)) best = k;
  }
  return best;
}

TimePoint at(int ms) {
  return TimePoint{} + std::chrono::milliseconds(ms);
}

TEST(TimerQueues, EmptyHasNoDeadline) {
  Queues q;
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.earliest());
  EXPECT_FALSE(q.next_deadline());
}

TEST(TimerQueues, EarliestFollowsPushesAndPops) {
  Queues q;
  q.push(3, at(100), 7);
  EXPECT_EQ(q.earliest(), 3u);
  EXPECT_EQ(q.next_deadline(), at(100));
  q.push(1, at(50), 9);  // an earlier front in another queue
  EXPECT_EQ(q.earliest(), 1u);
  q.push(1, at(200), 4);  // behind the front: nothing changes
  EXPECT_EQ(q.earliest(), 1u);
  q.pop(3);  // not the earliest: it stays
  EXPECT_EQ(q.earliest(), 1u);
  q.pop(1);  // the earliest: the next front is (200, 4) of queue 1
  EXPECT_EQ(q.earliest(), 1u);
  EXPECT_EQ(q.next_deadline(), at(200));
  q.push(5, at(200), 4);  // a tie of deadline and key: the lower kind
  EXPECT_EQ(q.earliest(), 1u);
  q.push(0, at(200), 3);  // a tie of deadline: the lower key
  EXPECT_EQ(q.earliest(), 0u);
  q.pop(0);
  EXPECT_EQ(q.earliest(), 1u);
  q.pop(1);
  EXPECT_EQ(q.earliest(), 5u);
  q.pop(5);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.earliest());
}

TEST(TimerQueues, AClockThatGoesBackMakesAnEarlierFront) {
  Queues q;
  q.push(2, at(100), 1);
  q.push(4, at(90), 2);
  EXPECT_EQ(q.earliest(), 4u);
  q.push(2, at(80), 3);  // moved before (100, 1): queue 2's front is earlier
  EXPECT_EQ(q.earliest(), 2u);
  EXPECT_EQ(q.next_deadline(), at(80));
}

TEST(TimerQueues, KeptEarliestIsTheSearchedOneUnderRandomTraffic) {
  std::mt19937 rng(13);
  Queues q;
  int now = 0;
  for (int step = 0; step < 200000; ++step) {
    const auto kind = static_cast<std::size_t>(rng() % kKinds);
    const unsigned op = rng() % 10;
    if (op < 5) {
      // Mostly forward; now and then a clock that went back.
      now += static_cast<int>(rng() % 3);
      const int when = now + static_cast<int>(rng() % 4) - (op == 0 ? 5 : 0);
      q.push(kind, at(when), static_cast<std::uint32_t>(rng() % 16));
    } else if (q.size(kind) != 0) {
      if (op < 8) {
        q.pop(kind);
      } else {
        const auto f = q.front(kind);
        q.drop_front_if(kind, f.key, f.when);
      }
    }
    ASSERT_EQ(q.earliest(), searched(q)) << "step " << step;
    const auto k = searched(q);
    ASSERT_EQ(q.next_deadline(), k ? std::optional<TimePoint>(q.front(*k).when) : std::nullopt);
    ASSERT_EQ(q.empty(), !k.has_value());
    if (k) {
      ASSERT_EQ(q.earliest_when(), q.front(*k).when);
    }
  }
}

}  // namespace
}  // namespace atmsigd::callctl
