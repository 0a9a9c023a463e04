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

// The AAL Mode subfield is a UNI 3.0 coding (linux-atm's msg.fmt: "UNI 3.0 only"):
// UNI 3.0 and UNI 3.1 with 3.0 compatibility write and keep it; plain UNI 3.1, UNI 4.0
// and Q.2931 do not write it and drop a received one (tolerated, no error).
// (Changed: plain UNI 3.1 used to keep it; uni31+uni30 is now the mode that does.)
TEST(IeCoding, AalModeIsAUni30CodingKeptInUni30AndTheCombinedModeOnly) {
  AalParameters a;
  a.aal = Aal5{9188, 9188, 1, 0};
  EXPECT_EQ(encode_ie(a, Version::kUni30).size(), 4u + 11u);
  EXPECT_EQ(encode_ie(a, Version::kUni31Compat30).size(), 4u + 11u);
  EXPECT_EQ(encode_ie(a, Version::kUni31).size(), 4u + 9u);
  EXPECT_EQ(encode_ie(a, Version::kUni40).size(), 4u + 9u);
  EXPECT_EQ(encode_ie(a, Version::kQ2931).size(), 4u + 9u);
  const Bytes with_mode = hx("05 8c 23 e4 81 23 e4 83 01 84 00");
  for (Version v : {Version::kUni31, Version::kUni40, Version::kQ2931}) {
    const auto d = decode_ie(0x58, {}, with_mode, v);
    ASSERT_TRUE(d) << version_name(v);
    EXPECT_FALSE(std::get<Aal5>(std::get<AalParameters>(*d).aal).mode.has_value())
        << version_name(v);
  }
  for (Version v : {Version::kUni30, Version::kUni31Compat30}) {
    const auto d = decode_ie(0x58, {}, with_mode, v);
    ASSERT_TRUE(d) << version_name(v);
    EXPECT_EQ(std::get<Aal5>(std::get<AalParameters>(*d).aal).mode, 1) << version_name(v);
  }
}

TEST(IeCoding, NewIeContentLimits) {
  const Version v = Version::kUni40;
  // The table's length limits (checked by the message decoder): a progress indicator
  // has exactly 2 octets, an N-HLC 2 or 3.
  const Bytes alerting = hx("09 03 80 00 05 01 80 00 05 1e 80 00 01 82");  // ALERTING
  EXPECT_EQ(decode(alerting, v).verdicts.at(0).problem, Problem::kIeContentError);
  EXPECT_FALSE(decode_ie(0x60, {}, hx("83"), v));    // reserved codeset 3
  EXPECT_TRUE(decode_ie(0x61, {}, hx("80"), v));     // back to codeset 0: allowed
  EXPECT_FALSE(decode_ie(0x7e, {}, {}, v));          // user-user: no discriminator
  EXPECT_TRUE(decode_ie(0x04, {}, hx("88 90"), v));  // N-BC: octets 3 and 4
  const Bytes long_uu(129, 0x41);                    // discriminator + 128 octets
  const auto uu = decode_ie(0x7e, {}, long_uu, v);   // beyond the inline 20: heap
  ASSERT_TRUE(uu);
  EXPECT_EQ(std::get<UserUser>(*uu).info.size(), 128u);
  EXPECT_EQ(encode_ie(*uu, v).size(), 4u + 129u);
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
