// Every IE type: value -> hand-made octets (from the coding tables of Q.2931 §4.5,
// UNI 3.1 §5.4.5, UNI 4.0, Q.2971, Q.2963.1) -> value.
#include <gtest/gtest.h>

#include <set>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/text.hpp"
#include "cases.hpp"

namespace atmsigd::q2931 {
namespace {

using test::hx;

using test::IeCase;

class IeRoundTrip : public ::testing::TestWithParam<IeCase> {};

TEST_P(IeRoundTrip, EncodesToTableOctetsAndDecodesBack) {
  const IeCase& c = GetParam();
  EXPECT_EQ(to_hex(encode_ie(c.value, c.version), 200), to_hex(c.wire, 200));
  ASSERT_GE(c.wire.size(), 4u);
  IeHeader h;
  h.coding = static_cast<CodingStandard>((c.wire[1] >> 5) & 3);
  h.follow_instructions = (c.wire[1] & 0x10) != 0;
  h.action = static_cast<IeAction>(c.wire[1] & 7);
  const auto back = decode_ie(c.wire[0], h, ByteView(c.wire).subspan(4), c.version);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, c.value) << to_string(*back);
  EXPECT_FALSE(to_string(c.value).empty());
}

INSTANTIATE_TEST_SUITE_P(AllIes, IeRoundTrip, ::testing::ValuesIn(test::ie_cases()),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(IeRoundTrip, EveryTypedIeHasACase) {
  std::set<std::size_t> seen;
  for (const auto& c : test::ie_cases()) seen.insert(c.value.index());
  // All alternatives except UnknownIe (covered by the message tests).
  EXPECT_EQ(seen.size(), std::variant_size_v<Ie> - 1);
  EXPECT_EQ(all_ie_ids().size(), std::variant_size_v<Ie> - 1);
}

TEST(IeCoding, AalModeIsDroppedForUni40AndKeptForUni3x) {
  AalParameters a;
  a.aal = Aal5{9188, 9188, 1, 0};
  EXPECT_EQ(encode_ie(a, Version::kUni31).size(), 4u + 11u);
  EXPECT_EQ(encode_ie(a, Version::kUni40).size(), 4u + 9u);
  EXPECT_EQ(encode_ie(a, Version::kQ2931).size(), 4u + 9u);
  // A Mode subfield received in UNI 4.0 is tolerated and not kept.
  const Bytes with_mode = hx("05 8c 23 e4 81 23 e4 83 01 84 00");
  const auto v40 = decode_ie(0x58, {}, with_mode, Version::kUni40);
  ASSERT_TRUE(v40);
  EXPECT_FALSE(std::get<Aal5>(std::get<AalParameters>(*v40).aal).mode.has_value());
  const auto v30 = decode_ie(0x58, {}, with_mode, Version::kUni30);
  ASSERT_TRUE(v30);
  EXPECT_EQ(std::get<Aal5>(std::get<AalParameters>(*v30).aal).mode, 1);
}

TEST(IeCoding, SubfieldsInAnyOrderDecodeToTheSameValue) {
  const auto a = decode_ie(0x59, {}, hx("be 85 05 63 b7 84 05 63 b7"), Version::kUni30);
  ASSERT_TRUE(a);
  const auto& td = std::get<TrafficDescriptor>(*a).td;
  EXPECT_EQ(td.fwd_pcr_01, 353207u);
  EXPECT_EQ(td.bwd_pcr_01, 353207u);
  EXPECT_TRUE(td.best_effort);
}

TEST(IeCoding, ContentErrorsAreRejected) {
  const Version v = Version::kUni40;
  EXPECT_FALSE(decode_ie(0x58, {}, hx("05 8c 20"), v));     // truncated subfield
  EXPECT_FALSE(decode_ie(0x58, {}, hx("05 99 00"), v));     // unknown AAL5 subfield
  EXPECT_FALSE(decode_ie(0x58, {}, hx("07"), v));           // unknown AAL type
  EXPECT_FALSE(decode_ie(0x59, {}, hx("84 00 01"), v));     // truncated rate
  EXPECT_FALSE(decode_ie(0x59, {}, hx("77 00 00 01"), v));  // unknown subfield
  EXPECT_FALSE(decode_ie(0x5e, {}, hx("10 80"), v));        // 5a but no octet 6
  EXPECT_FALSE(decode_ie(0x5a, {}, hx("88 00 00 00"), v));  // short connection id
  EXPECT_FALSE(decode_ie(0x62, {}, hx("a2"), v));           // not 0xa1
  EXPECT_FALSE(decode_ie(0x5f, {}, hx("46 20"), v));        // unterminated group
  EXPECT_FALSE(decode_ie(0x5f, {}, hx("cc a1"), v));        // layer 1 after layer 2
  EXPECT_FALSE(decode_ie(0x08, {}, hx("80"), v));           // cause without value
  EXPECT_FALSE(decode_ie(0x5c, {}, hx("00 00 00"), v));     // extra octet
  EXPECT_FALSE(decode_ie(0x7f, {}, hx("01 01 05 aa"), v));  // identifier past the end
  EXPECT_FALSE(decode_ie(0x42, {}, hx("05 00 01"), v));     // unknown delay subfield
  EXPECT_FALSE(decode_ie(0x77, {}, hx("00"), v));           // not an IE the codec knows
}

TEST(IeCoding, HeaderInstructionFieldIsCodedInOctet2) {
  Cause c = test::make_cause(31);
  c.hdr = IeHeader{CodingStandard::kNetwork, true, IeAction::kDiscardMessageReportStatus};
  EXPECT_EQ(encode_ie(c, Version::kUni40)[1], 0xf6);  // ext|11|flag|0|110
}

}  // namespace
}  // namespace atmsigd::q2931
