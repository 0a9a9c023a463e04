// util::InternTable: one entry per distinct value, counted users, bounded.
#include "atmsigd/util/intern_table.hpp"

#include <gtest/gtest.h>

#include <array>

namespace atmsigd::util {
namespace {

using Addr = std::array<std::uint8_t, 20>;
using Table = InternTable<Addr>;

Addr addr(std::uint8_t last) {
  Addr a{};
  a[0] = 0x47;
  a[19] = last;
  return a;
}

TEST(InternTable, EqualValuesShareOneEntryUntilTheirLastUserGoes) {
  Table t(16);
  const auto a = t.acquire(addr(1));
  const auto b = t.acquire(addr(1));
  const auto c = t.acquire(addr(2));
  EXPECT_NE(a, Table::kNone);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(t.size(), 2u);
  ASSERT_NE(t.find(a), nullptr);
  EXPECT_EQ(*t.find(a), addr(1));
  EXPECT_EQ(*t.find(c), addr(2));
  t.release(a);
  EXPECT_EQ(t.size(), 2u);  // b still names it
  ASSERT_NE(t.find(b), nullptr);
  t.release(b);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find(b), nullptr);  // no record names it
  EXPECT_EQ(t.stored(), 2u);      // kept, idle
  // The same value again: the same entry, found, not inserted.
  EXPECT_EQ(t.acquire(addr(1)), a);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.find(Table::kNone), nullptr);
  t.release(Table::kNone);  // nothing
  EXPECT_EQ(t.size(), 2u);
}

TEST(InternTable, ANewValueTakesTheRoomOfTheOneIdleLongest) {
  Table t(3);
  const auto a = t.acquire(addr(1));
  const auto b = t.acquire(addr(2));
  const auto c = t.acquire(addr(3));
  t.release(b);
  t.release(a);  // idle: b, then a
  const auto d = t.acquire(addr(4));
  EXPECT_EQ(d, b);  // addr(2) was idle longest
  EXPECT_EQ(*t.find(d), addr(4));
  EXPECT_EQ(t.acquire(addr(1)), a);                // still there
  EXPECT_EQ(t.acquire(addr(2)), Table::kUnknown);  // all three in use now
  EXPECT_EQ(t.stored(), 3u);
  t.release(c);
  EXPECT_EQ(t.acquire(addr(2)), c);
  EXPECT_EQ(t.overflows(), 1u);
}

TEST(InternTable, AFullTableAnswersUnknownAndCountsIt) {
  Table t(2);
  const auto a = t.acquire(addr(1));
  t.acquire(addr(2));
  EXPECT_EQ(t.acquire(addr(1)), a);  // a known value still fits
  EXPECT_EQ(t.acquire(addr(3)), Table::kUnknown);
  EXPECT_EQ(t.overflows(), 1u);
  EXPECT_EQ(t.find(Table::kUnknown), nullptr);
  t.release(Table::kUnknown);  // nothing
  t.release(a);
  t.release(a);  // addr(1) idle: room again
  EXPECT_NE(t.acquire(addr(3)), Table::kUnknown);
  EXPECT_EQ(t.size(), 2u);
}

// The two values acquired last are found by a compare, not a lookup: right
// even when their room was since given to another value.
TEST(InternTable, TheLastValuesAcquiredAreFoundByCompareNeverByAStaleIndex) {
  Table t(1);
  const auto a = t.acquire(addr(1));
  t.release(a);
  const auto b = t.acquire(addr(2));  // takes addr(1)'s room
  EXPECT_EQ(b, a);
  EXPECT_EQ(*t.find(b), addr(2));
  EXPECT_EQ(t.acquire(addr(1)), Table::kUnknown);  // gone, and the table is full
  EXPECT_EQ(t.acquire(addr(2)), b);
  EXPECT_EQ(t.size(), 1u);
  t.release(b);
  t.release(b);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.find(b), nullptr);
  // A call's local and remote address, call after call: two entries, kept.
  Table u(4);
  for (int i = 0; i < 100; ++i) {
    const auto x = u.acquire(addr(7));
    const auto y = u.acquire(addr(8));
    EXPECT_NE(x, y);
    EXPECT_EQ(*u.find(x), addr(7));
    EXPECT_EQ(*u.find(y), addr(8));
    u.release(x);
    u.release(y);
  }
  EXPECT_EQ(u.stored(), 2u);
  EXPECT_EQ(u.size(), 0u);
}

// A hint is tried first and only trusted when its entry holds the value: a
// stale hint (its room given to another value), a wrong one, kNone or
// kUnknown falls back to the lookup, and the counts stay right.
TEST(InternTable, AHintIsTriedFirstAndAStaleOneMerelyMisses) {
  Table t(2);
  const auto a = t.acquire(addr(1), Table::kNone);
  const auto b = t.acquire(addr(2), Table::kUnknown);
  ASSERT_NE(a, b);
  EXPECT_EQ(t.acquire(addr(1), a), a);  // the hint holds it: taken
  EXPECT_EQ(t.acquire(addr(1), b), a);  // a wrong hint: found by lookup
  EXPECT_EQ(t.acquire(addr(2), 7), b);  // beyond the table: found by lookup
  t.release(a);
  t.release(a);
  t.release(a);
  EXPECT_EQ(t.size(), 1u);
  t.release(b);
  t.release(b);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.acquire(addr(1), a), a);  // idle, by hint: in use again
  EXPECT_EQ(t.size(), 1u);
  // b's room goes to addr(3) (the one idle longest): the hint b is stale.
  const auto c = t.acquire(addr(3), b);
  EXPECT_EQ(c, b);
  EXPECT_EQ(*t.find(c), addr(3));
  EXPECT_EQ(t.acquire(addr(2), b), Table::kUnknown);  // gone, the table full
  EXPECT_EQ(t.overflows(), 1u);
  EXPECT_EQ(t.acquire(addr(3), c), c);
  EXPECT_EQ(t.size(), 2u);
}

TEST(InternTable, ManyValuesComeAndGo) {
  Table t(Table::kMaxBound);
  std::vector<Table::Index> ix;
  for (unsigned i = 0; i < 3000; ++i) {
    Addr a = addr(static_cast<std::uint8_t>(i));
    a[18] = static_cast<std::uint8_t>(i >> 8);
    ix.push_back(t.acquire(a));
  }
  EXPECT_EQ(t.size(), 3000u);
  for (unsigned i = 0; i < 3000; ++i) {
    ASSERT_NE(t.find(ix[i]), nullptr);
    EXPECT_EQ((*t.find(ix[i]))[19], static_cast<std::uint8_t>(i));
  }
  for (auto i : ix) t.release(i);
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace atmsigd::util
