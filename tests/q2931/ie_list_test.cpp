// The message's IE list (ie_list.hpp): inline up to kInlineIes, on the heap
// beyond, with the std::vector behaviour call control relies on; a message
// with more IEs than the inline room decodes as before.
#include <gtest/gtest.h>

#include <variant>
#include <vector>

#include "atmsigd/q2931/codec.hpp"

namespace atmsigd::q2931 {
namespace {

CallState state(std::uint8_t s) {
  CallState c;
  c.state = s;
  return c;
}

TEST(IeList, GrowsPastTheInlineRoomAndKeepsOrderThroughCopyMoveErase) {
  IeList l;
  const std::size_t n = kInlineIes + 5;
  for (std::size_t i = 0; i < n; ++i) l.push_back(state(static_cast<std::uint8_t>(i)));
  ASSERT_EQ(l.size(), n);
  EXPECT_GE(l.capacity(), n);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(std::get<CallState>(l[i]).state, i);

  IeList copy = l;
  EXPECT_EQ(copy, l);
  IeList moved = std::move(copy);
  EXPECT_EQ(moved, l);
  EXPECT_TRUE(copy.empty());  // NOLINT: moved-from is empty by design

  l.erase(l.begin() + 1, l.begin() + 3);
  ASSERT_EQ(l.size(), n - 2);
  EXPECT_EQ(std::get<CallState>(l[1]).state, 3);
  l.insert(l.begin(), state(99));
  EXPECT_EQ(std::get<CallState>(l.front()).state, 99);
  EXPECT_EQ(erase_if(l, [](const Ie& ie) { return std::get<CallState>(ie).state == 99; }), 1u);
  EXPECT_EQ(std::get<CallState>(l.front()).state, 0);

  const std::size_t cap = l.capacity();
  l.clear();
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.capacity(), cap);  // the heap block is kept for the next message

  IeList small;
  small = std::vector<Ie>{state(1), Cause{}};
  EXPECT_EQ(small.size(), 2u);
  EXPECT_EQ(small.capacity(), kInlineIes);
}

// clear() and the list's end run each element's destructor once (inline or
// on the heap), and the storage is reused by the next elements.
struct Counted {
  static inline int destroyed = 0;
  int v = 0;
  Counted() = default;
  explicit Counted(int x) : v(x) {}
  Counted(const Counted&) = default;
  Counted& operator=(const Counted&) = default;
  ~Counted() { ++destroyed; }
};

TEST(IeList, ClearRunsEachNonTrivialDestructorOnce) {
  using V = std::variant<int, Counted>;
  Counted::destroyed = 0;
  {
    InlineVector<V, 4> l;
    l.emplace_back(1);
    l.emplace_back(std::in_place_type<Counted>, 2);
    l.emplace_back(3);
    l.emplace_back(std::in_place_type<Counted>, 4);
    l.clear();
    EXPECT_EQ(Counted::destroyed, 2);
    EXPECT_TRUE(l.empty());
    for (int i = 0; i < 6; ++i) {  // past the inline room: on the heap
      if (i % 2 == 0)
        l.emplace_back(std::in_place_type<Counted>, i);
      else
        l.emplace_back(i);
    }
    const int before = Counted::destroyed;  // the moves to the heap destroyed some
    l.clear();
    EXPECT_EQ(Counted::destroyed - before, 3);
    l.emplace_back(std::in_place_type<Counted>, 7);
    l.emplace_back(8);
    EXPECT_EQ(std::get<Counted>(l[0]).v, 7);
    EXPECT_EQ(std::get<int>(l[1]), 8);
    Counted::destroyed = 0;
  }
  EXPECT_EQ(Counted::destroyed, 1);  // the list's end: the one Counted left
}

TEST(IeList, AllIsAViewInWireOrder) {
  Message m;
  m.type = MessageType::kRelease;
  Cause a;
  a.value = 16;
  Cause b;
  b.value = 31;
  m.add(a).add(state(11)).add(b);
  const auto causes = m.all<Cause>();
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0]->value, 16);
  EXPECT_EQ(causes[1]->value, 31);
  std::vector<std::uint8_t> seen;
  for (const Cause* c : causes) seen.push_back(c->value);
  EXPECT_EQ(seen, (std::vector<std::uint8_t>{16, 31}));
  EXPECT_TRUE(m.all<CallingPartyNumber>().empty());
}

// A peer's message with more IEs than the inline room (repeated ones are
// dropped by §5.6.8.3, unknown ones kept as UnknownIe): decoded whole, into a
// kept DecodeResult, and re-encoded to the same octets.
TEST(IeList, AMessageWithMoreIesThanTheInlineRoomDecodesWhole) {
  Message m;
  m.type = MessageType::kStatus;
  m.cref = {7, true};
  Cause c;
  c.value = 30;
  m.add(c).add(state(10));
  for (std::size_t i = 0; i < kInlineIes + 3; ++i) {
    UnknownIe u;
    u.id = 0x7b;  // not an IE of any version
    u.content = {static_cast<std::uint8_t>(i)};
    m.add(u);
  }
  const Bytes wire = encode(m, Version::kUni31);
  DecodeResult res;
  for (int round = 0; round < 2; ++round) {  // the second reuses the heap block
    decode(wire, Version::kUni31, res);
    ASSERT_TRUE(res.message);
    EXPECT_EQ(res.message->ies.size(), kInlineIes + 5);
    EXPECT_EQ(encode(*res.message, Version::kUni31), wire);
  }
  Bytes kept;
  encode(m, Version::kUni31, kept);
  EXPECT_EQ(kept, wire);
}

}  // namespace
}  // namespace atmsigd::q2931
