#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/time.hpp"

#include <gtest/gtest.h>

namespace atmsigd {
namespace {

TEST(Hex, FormatsBytesWithSpaces) {
  const Bytes b{0x00, 0x0a, 0xff};
  EXPECT_EQ(to_hex(b), "00 0a ff");
}

TEST(Hex, TruncatesLongInput) {
  const Bytes b(10, 0x11);
  EXPECT_EQ(to_hex(b, 2), "11 11 ...");
}

TEST(Time, EarliestPicksTheSmallerDeadline) {
  const TimePoint t0{};
  EXPECT_EQ(earliest(std::nullopt, std::nullopt), std::nullopt);
  EXPECT_EQ(earliest(t0, std::nullopt), t0);
  EXPECT_EQ(earliest(std::nullopt, t0 + seconds(1)), t0 + seconds(1));
  EXPECT_EQ(earliest(t0 + seconds(2), t0 + seconds(1)), t0 + seconds(1));
}

}  // namespace
}  // namespace atmsigd
