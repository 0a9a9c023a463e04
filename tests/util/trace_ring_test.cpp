#include "atmsigd/util/trace_ring.hpp"

#include <gtest/gtest.h>

namespace atmsigd {
namespace {

TEST(TraceRing, KeepsTheNewestEntriesInOrder) {
  TraceRing r(3);
  for (int i = 0; i < 5; ++i) r.add(static_cast<std::uint64_t>(i), "e" + std::to_string(i));
  const auto s = r.snapshot();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].text, "e2");
  EXPECT_EQ(s[2].text, "e4");
  EXPECT_EQ(r.total(), 5u);
}

TEST(TraceRing, ZeroCapacityIsOff) {
  TraceRing r(0);
  r.add(1, "x");
  EXPECT_FALSE(r.enabled());
  EXPECT_TRUE(r.snapshot().empty());
  EXPECT_EQ(r.total(), 1u);
}

TEST(TraceRing, ResizeKeepsTheNewest) {
  TraceRing r(4);
  for (int i = 0; i < 4; ++i) r.add(0, "e" + std::to_string(i));
  r.resize(2);
  auto s = r.snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].text, "e2");
  r.resize(5);
  r.add(0, "e9");
  s = r.snapshot();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2].text, "e9");
}

TEST(TraceRing, FormatHasTimestampsAndHeader) {
  TraceRing r(2);
  r.add(1'000'000'000'123'456ULL, "as_connect vcc=0x1");
  const auto f = r.format();
  EXPECT_NE(f.find("trace: 1 of 1 entries (buffer 2)"), std::string::npos) << f;
  EXPECT_NE(f.find("2001-09-09 01:46:40.123456 as_connect vcc=0x1"), std::string::npos) << f;
}

}  // namespace
}  // namespace atmsigd
