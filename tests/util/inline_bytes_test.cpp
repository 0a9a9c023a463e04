// InlineBytes: inline up to N octets, whole on the heap beyond (a longer
// address received is kept as a std::vector kept it).
#include "atmsigd/util/inline_bytes.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace atmsigd {
namespace {

using B4 = InlineBytes<4>;

TEST(InlineBytes, InlineAndHeapHoldTheSameOctets) {
  const Bytes small{1, 2, 3};
  const Bytes big{1, 2, 3, 4, 5, 6};
  B4 a;
  EXPECT_TRUE(a.empty());
  a.assign(small.begin(), small.end());
  EXPECT_EQ(a.size(), 3u);
  EXPECT_TRUE(a == small);
  a.assign(big.begin(), big.end());  // past N: on the heap, whole
  EXPECT_EQ(a.size(), 6u);
  EXPECT_TRUE(a == big);
  a.assign(small.begin(), small.end());  // back inline
  EXPECT_TRUE(a == small);
  a.assign(5, 0x47);
  EXPECT_TRUE(a == Bytes(5, 0x47));
  const ByteView v = a;
  EXPECT_EQ(v.size(), 5u);
  EXPECT_EQ(v[4], 0x47);
}

TEST(InlineBytes, CopiesAndMovesKeepTheOctets) {
  for (const Bytes& src : {Bytes{9, 8}, Bytes{1, 2, 3, 4, 5, 6, 7}}) {
    B4 a = src;
    B4 copy = a;
    EXPECT_TRUE(copy == a);
    B4 moved = std::move(copy);
    EXPECT_TRUE(moved == src);
    B4 assigned;
    assigned = std::move(moved);
    EXPECT_TRUE(assigned == src);
    B4 copied;
    copied = assigned;
    EXPECT_TRUE(copied == src);
    EXPECT_FALSE(copied == B4{9});
  }
  B4 il = {1, 2};
  EXPECT_TRUE(il == (Bytes{1, 2}));
  il = {3};
  EXPECT_EQ(il[0], 3);
}

}  // namespace
}  // namespace atmsigd
