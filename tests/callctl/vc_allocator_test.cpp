// The network side's (VPCI, VCI) allocator: ranges in order, FIFO reuse,
// exhaustion, and a million identifiers held across ranges.
#include "atmsigd/callctl/vc_allocator.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace atmsigd::callctl {
namespace {

using Vc = VcAllocator::Vc;

TEST(VcAllocator, DefaultIsVpci0Vci32To65535InOrder) {
  VcAllocator a({VcRange{}});
  EXPECT_EQ(a.capacity(), 65504u);
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
  EXPECT_EQ(a.allocate(), (Vc{0, 33}));
  EXPECT_EQ(a.in_use_count(), 2u);
  EXPECT_TRUE(a.in_use({0, 33}));
  EXPECT_FALSE(a.in_use({0, 34}));
}

TEST(VcAllocator, RangesInOrderEachVpciByVpciThenExhausted) {
  // 2 VPCIs x 2 VCIs, then 1 x 3.
  VcAllocator a({VcRange{1, 2, 100, 101}, VcRange{7, 7, 40, 42}});
  EXPECT_EQ(a.capacity(), 7u);
  const std::vector<Vc> want{{1, 100}, {1, 101}, {2, 100}, {2, 101}, {7, 40}, {7, 41}, {7, 42}};
  for (const auto& w : want) EXPECT_EQ(a.allocate(), w);
  EXPECT_EQ(a.allocate(), std::nullopt);
  EXPECT_EQ(a.in_use_count(), 7u);
}

TEST(VcAllocator, ReleasedReusedOldestFirstAfterTheFreshOnes) {
  VcAllocator a({VcRange{0, 0, 32, 35}});
  ASSERT_EQ(a.allocate(), (Vc{0, 32}));
  ASSERT_EQ(a.allocate(), (Vc{0, 33}));
  EXPECT_TRUE(a.release({0, 33}));
  EXPECT_TRUE(a.release({0, 32}));
  // Fresh ones first, then the released in the order they came back.
  EXPECT_EQ(a.allocate(), (Vc{0, 34}));
  EXPECT_EQ(a.allocate(), (Vc{0, 35}));
  EXPECT_EQ(a.allocate(), (Vc{0, 33}));
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
  EXPECT_EQ(a.allocate(), std::nullopt);
  // Exhausted, one back: exactly that one again.
  EXPECT_TRUE(a.release({0, 34}));
  EXPECT_EQ(a.allocate(), (Vc{0, 34}));
}

TEST(VcAllocator, ReleaseOfWhatIsNotHeldChangesNothing) {
  VcAllocator a({VcRange{0, 0, 32, 33}});
  ASSERT_EQ(a.allocate(), (Vc{0, 32}));
  EXPECT_FALSE(a.release({0, 33}));  // in range, never handed out
  EXPECT_FALSE(a.release({0, 31}));  // outside every range
  EXPECT_FALSE(a.release({1, 32}));
  EXPECT_TRUE(a.release({0, 32}));
  EXPECT_FALSE(a.release({0, 32}));  // twice
  EXPECT_EQ(a.in_use_count(), 0u);
  // 33 is still fresh, then 32 once: no duplicate from the double release.
  EXPECT_EQ(a.allocate(), (Vc{0, 33}));
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
  EXPECT_EQ(a.allocate(), std::nullopt);
}

TEST(VcAllocator, EmptyAndOverlappingRangesAreLeftOut) {
  VcAllocator a({VcRange{0, 0, 40, 41}, VcRange{3, 2, 32, 40}, VcRange{0, 1, 41, 50},
                 VcRange{5, 5, 60, 59}, VcRange{9, 9, 32, 32}});
  EXPECT_EQ(a.capacity(), 3u);
  EXPECT_EQ(a.allocate(), (Vc{0, 40}));
  EXPECT_EQ(a.allocate(), (Vc{0, 41}));
  EXPECT_EQ(a.allocate(), (Vc{9, 32}));
  EXPECT_EQ(a.allocate(), std::nullopt);
  VcAllocator none({});
  EXPECT_EQ(none.capacity(), 0u);
  EXPECT_EQ(none.allocate(), std::nullopt);
}

TEST(VcAllocator, WholeIdentifierSpace) {
  // Every VPCI and every non-reserved VCI: 65536 x 65504, above 2^31.
  VcAllocator a({VcRange{0, 65535, 32, 65535}});
  EXPECT_EQ(a.capacity(), 65536ull * 65504ull);
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
  EXPECT_TRUE(a.release({0, 32}));
  EXPECT_FALSE(a.in_use({65535, 65535}));
}

// A million calls held across 16 VPCIs and two ranges, all released, all
// reused: each identifier handed out once while held. Constant work per call
// (no scan over the calls held); the time is not asserted (shared CI boxes).
TEST(VcAllocator, AMillionHeldAcrossRangesThenReleasedAndReused) {
  VcAllocator a({VcRange{0, 7, 32, 65535}, VcRange{8, 15, 1024, 65535}});
  const std::uint64_t cap = 8ull * 65504 + 8ull * (65535 - 1024 + 1);
  EXPECT_EQ(a.capacity(), cap);
  constexpr std::size_t kHeld = 1'000'000;
  std::vector<Vc> held;
  held.reserve(kHeld);
  std::vector<std::uint64_t> seen(16ull * 65536 / 64);  // a bit per (VPCI 0-15, VCI)
  auto mark = [&](Vc v) {
    const std::uint64_t k = static_cast<std::uint64_t>(v.first) << 16 | v.second;
    const bool was = (seen[k / 64] >> (k % 64)) & 1u;
    seen[k / 64] ^= std::uint64_t{1} << (k % 64);
    return was;
  };
  std::size_t dup = 0;
  for (std::size_t i = 0; i < kHeld; ++i) {
    const auto v = a.allocate();
    ASSERT_TRUE(v);
    dup += mark(*v);
    held.push_back(*v);
  }
  EXPECT_EQ(dup, 0u);
  EXPECT_EQ(a.in_use_count(), kHeld);
  EXPECT_EQ(held.front(), (Vc{0, 32}));
  EXPECT_EQ(held[8 * 65504], (Vc{8, 1024}));  // the second range after the first
  // Every other one released; the rest of the ranges, then those, in order.
  std::size_t released = 0;
  for (std::size_t i = 0; i < kHeld; i += 2) {
    ASSERT_TRUE(a.release(held[i]));
    mark(held[i]);
    ++released;
  }
  EXPECT_EQ(a.in_use_count(), kHeld - released);
  for (std::uint64_t i = kHeld; i < cap; ++i) {  // never used yet
    const auto v = a.allocate();
    ASSERT_TRUE(v);
    dup += mark(*v);
  }
  // Then the released ones, oldest first.
  for (std::size_t i = 0; i < kHeld; i += 2) {
    const auto v = a.allocate();
    ASSERT_EQ(v, held[i]);
    dup += mark(*v);
  }
  EXPECT_EQ(dup, 0u);
  EXPECT_EQ(a.in_use_count(), cap);
  EXPECT_EQ(a.allocate(), std::nullopt);
  EXPECT_TRUE(a.release(held[2]));
  EXPECT_EQ(a.allocate(), held[2]);
}

// Restarts (Q.2931 §5.5): blocked identifiers are not handed out.
TEST(VcAllocatorBlocks, ABlockedReleasedVcIsSkippedAndComesBackFirst) {
  VcAllocator a({VcRange{0, 0, 32, 34}});
  for (int i = 0; i < 3; ++i) a.allocate();
  a.release({0, 33});
  a.release({0, 32});
  a.block_vc({0, 33});
  EXPECT_TRUE(a.blocked({0, 33}));
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
  EXPECT_EQ(a.allocate(), std::nullopt);
  a.unblock_vc({0, 33});
  EXPECT_FALSE(a.blocked({0, 33}));
  EXPECT_EQ(a.allocate(), (Vc{0, 33}));
  EXPECT_EQ(a.in_use_count(), 3u);
}

TEST(VcAllocatorBlocks, BlocksCount_TwoBlocksNeedTwoUnblocks) {
  VcAllocator a({VcRange{0, 0, 32, 32}});
  a.block_vc({0, 32});
  a.block_vc({0, 32});
  a.unblock_vc({0, 32});
  EXPECT_EQ(a.allocate(), std::nullopt);
  a.unblock_vc({0, 32});
  a.unblock_vc({0, 32});  // one too many: ignored
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
}

TEST(VcAllocatorBlocks, ABlockedVpciParksItsNeverUsedRowInOneStep) {
  VcAllocator a({VcRange{0, 1, 32, 65535}});
  a.block_vpci(0);
  // The next is VPCI 1's first: VPCI 0's 65504 never-used VCs parked at once.
  EXPECT_EQ(a.allocate(), (Vc{1, 32}));
  EXPECT_EQ(a.allocate(), (Vc{1, 33}));
  a.unblock_vpci(0);
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
  EXPECT_EQ(a.allocate(), (Vc{0, 33}));
  EXPECT_TRUE(a.in_use({0, 33}));
  EXPECT_TRUE(a.release({0, 32}));
  EXPECT_EQ(a.in_use_count(), 3u);
}

TEST(VcAllocatorBlocks, BlockAllRefusesEverythingUntilUnblocked) {
  VcAllocator a({VcRange{}});
  a.block_all();
  EXPECT_TRUE(a.blocked({0, 40}));
  EXPECT_EQ(a.allocate(), std::nullopt);
  a.unblock_all();
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
}

TEST(VcAllocatorBlocks, AVcBlockedInsideAParkedRowIsStillSkipped) {
  VcAllocator a({VcRange{0, 1, 32, 34}});
  a.block_vpci(0);
  a.block_vc({0, 33});
  EXPECT_EQ(a.allocate(), (Vc{1, 32}));
  a.unblock_vpci(0);
  EXPECT_EQ(a.allocate(), (Vc{0, 32}));
  EXPECT_EQ(a.allocate(), (Vc{0, 34}));
  EXPECT_EQ(a.allocate(), (Vc{1, 33}));
  EXPECT_EQ(a.allocate(), (Vc{1, 34}));
  EXPECT_EQ(a.allocate(), std::nullopt);
  a.unblock_vc({0, 33});
  EXPECT_EQ(a.allocate(), (Vc{0, 33}));
}

}  // namespace
}  // namespace atmsigd::callctl
