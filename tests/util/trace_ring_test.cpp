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

// Raw entries keep their octets whatever the sizes before them in the slot
// (its buffer grows and is reused), mixed with text entries, across resize.
TEST(TraceRing, RawEntriesKeepTheirOctetsAcrossReuseAndResize) {
  TraceRing r(3);
  auto octets = [](std::size_t n, std::uint8_t fill) { return Bytes(n, fill); };
  const std::size_t sizes[] = {252, 0, 1000, 12, 300, 252, 5};
  for (std::size_t i = 0; i < std::size(sizes); ++i) {
    const Bytes b = octets(sizes[i], static_cast<std::uint8_t>(i + 1));
    r.add_raw(i, static_cast<int>(i % 4), ByteView(b));
  }
  r.add(99, "text");
  auto s = r.snapshot();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].text, std::string(252, '\x06'));
  EXPECT_EQ(s[0].tag, 1);
  EXPECT_EQ(s[0].usec, 5u);
  EXPECT_EQ(s[1].text, std::string(5, '\x07'));
  EXPECT_EQ(s[1].tag, 2);
  EXPECT_EQ(s[2].text, "text");
  EXPECT_EQ(s[2].tag, -1);
  r.resize(2);
  s = r.snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].text, std::string(5, '\x07'));
  EXPECT_EQ(s[0].tag, 2);
  EXPECT_EQ(s[1].text, "text");
  EXPECT_EQ(r.total(), 8u);
  const std::string f = r.format([](int tag, ByteView b) {
    return "tag " + std::to_string(tag) + " of " + std::to_string(b.size());
  });
  EXPECT_NE(f.find("tag 2 of 5\n"), std::string::npos) << f;
}

// The slots are a power of two at least the capacity: only the last
// `capacity` entries are the buffer, whatever the slots hold besides; raw
// entries longer than a slot's room keep their octets too; capacity 0 records
// nothing visible (its one slot is written and never read).
TEST(TraceRing, OnlyTheCapacityIsVisibleWithLongEntries) {
  TraceRing r(5);  // eight slots
  const std::size_t long_len = TraceRing::kSlotBytes + 1;
  for (std::size_t i = 0; i < 11; ++i) {
    const Bytes b(i % 2 == 0 ? long_len : 3, static_cast<std::uint8_t>(i));
    r.add_raw(i, 0, ByteView(b));
  }
  auto s = r.snapshot();
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(r.size(), 5u);
  for (std::size_t k = 0; k < 5; ++k) {
    const std::size_t i = 6 + k;
    EXPECT_EQ(s[k].usec, i);
    EXPECT_EQ(s[k].text, std::string(i % 2 == 0 ? long_len : 3, static_cast<char>(i)));
  }
  r.resize(9);  // sixteen slots: the five kept where the total puts them
  r.add(20, "after");
  s = r.snapshot();
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0].usec, 6u);
  EXPECT_EQ(s[4].text, std::string(long_len, '\x0a'));
  EXPECT_EQ(s[5].text, "after");
  EXPECT_EQ(r.total(), 12u);

  TraceRing off(0);
  const Bytes b(300, 1);
  for (int i = 0; i < 3; ++i) off.add_raw(0, 1, ByteView(b));
  EXPECT_EQ(off.size(), 0u);
  EXPECT_EQ(off.total(), 3u);
  EXPECT_TRUE(off.snapshot().empty());
  off.resize(2);
  off.add_raw(7, 2, ByteView(b));
  s = off.snapshot();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].usec, 7u);
  EXPECT_EQ(s[0].text.size(), 300u);
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
