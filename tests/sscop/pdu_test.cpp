// SSCOP PDU codec against hand-coded octets (Q.2110 clause 7.2 formats).
#include "atmsigd/sscop/pdu.hpp"
#include "atmsigd/sscop/ring.hpp"

#include <gtest/gtest.h>

#include <random>

namespace atmsigd::sscop {
namespace {

struct CodecCase {
  const char* name;
  Mode mode;
  Pdu pdu;
  Bytes wire;
};

Pdu make(PduType t) {
  Pdu p;
  p.type = t;
  return p;
}

std::vector<CodecCase> codec_cases() {
  std::vector<CodecCase> c;
  {
    Pdu p = make(PduType::kBgn);
    p.sq = 5;
    p.mr = 30;
    p.info = {0xaa, 0xbb};
    c.push_back(
        {"BgnWithUuPad2", Mode::kQ2110, p, {0xaa, 0xbb, 0, 0, 0, 0, 0, 5, 0x81, 0, 0, 0x1e}});
  }
  {
    Pdu p = make(PduType::kBgak);
    p.mr = 0x123456;
    c.push_back({"Bgak", Mode::kQ2110, p, {0, 0, 0, 0, 0x02, 0x12, 0x34, 0x56}});
  }
  {
    Pdu p = make(PduType::kBgrej);
    p.info = {1, 2, 3, 4};
    c.push_back({"BgrejWithUu", Mode::kQ2110, p, {1, 2, 3, 4, 0, 0, 0, 0, 0x07, 0, 0, 0}});
  }
  {
    Pdu p = make(PduType::kEnd);
    p.source_sscop = true;
    c.push_back({"EndSourceSscop", Mode::kQ2110, p, {0, 0, 0, 0, 0x13, 0, 0, 0}});
  }
  {
    Pdu p = make(PduType::kEnd);
    p.info = {9};
    c.push_back({"EndUserWithUu", Mode::kQ2110, p, {9, 0, 0, 0, 0, 0, 0, 0, 0xc3, 0, 0, 0}});
  }
  c.push_back({"Endak", Mode::kQ2110, make(PduType::kEndak), {0, 0, 0, 0, 0x04, 0, 0, 0}});
  c.push_back({"EndakQSaal", Mode::kQSaal1, make(PduType::kEndak), {0x04, 0, 0, 0}});
  {
    Pdu p = make(PduType::kRs);
    p.sq = 9;
    p.mr = 40;
    c.push_back({"Rs", Mode::kQ2110, p, {0, 0, 0, 9, 0x05, 0, 0, 40}});
  }
  {
    Pdu p = make(PduType::kRsak);
    p.mr = 40;
    c.push_back({"Rsak", Mode::kQ2110, p, {0, 0, 0, 0, 0x06, 0, 0, 40}});
  }
  c.push_back({"RsakQSaal", Mode::kQSaal1, make(PduType::kRsak), {0x06, 0, 0, 0}});
  {
    Pdu p = make(PduType::kEr);
    p.sq = 3;
    p.mr = 50;
    c.push_back({"Er", Mode::kQ2110, p, {0, 0, 0, 3, 0x09, 0, 0, 50}});
  }
  {
    Pdu p = make(PduType::kErak);
    p.mr = 50;
    c.push_back({"Erak", Mode::kQ2110, p, {0, 0, 0, 0, 0x0f, 0, 0, 50}});
  }
  {
    Pdu p = make(PduType::kSd);
    p.ns = 0x010203;
    p.info = {'a', 'b', 'c', 'd', 'e'};
    c.push_back(
        {"SdPad3", Mode::kQ2110, p, {'a', 'b', 'c', 'd', 'e', 0, 0, 0, 0xc8, 0x01, 0x02, 0x03}});
  }
  {
    Pdu p = make(PduType::kSd);
    p.ns = 0xffffff;
    p.info = {1, 2, 3, 4};
    c.push_back({"SdNoPadMaxSeq", Mode::kQ2110, p, {1, 2, 3, 4, 0x08, 0xff, 0xff, 0xff}});
  }
  {
    Pdu p = make(PduType::kSdp);
    p.ps = 2;
    p.ns = 4;
    p.info = {1, 2, 3, 4};
    c.push_back({"SdpQSaal", Mode::kQSaal1, p, {1, 2, 3, 4, 0, 0, 0, 2, 0x09, 0, 0, 4}});
  }
  {
    Pdu p = make(PduType::kPoll);
    p.ps = 7;
    p.ns = 9;
    c.push_back({"Poll", Mode::kQ2110, p, {0, 0, 0, 7, 0x0a, 0, 0, 9}});
  }
  {
    Pdu p = make(PduType::kStat);
    p.ps = 7;
    p.mr = 40;
    p.nr = 3;
    p.list = {3, 5, 6, 8};
    c.push_back({"StatWithList", Mode::kQ2110, p, {0, 0, 0, 3, 0, 0, 0, 5, 0, 0,  0,    6, 0, 0,
                                                   0, 8, 0, 0, 0, 7, 0, 0, 0, 40, 0x0b, 0, 0, 3}});
  }
  {
    Pdu p = make(PduType::kStat);
    p.ps = 0x010000;
    p.mr = 0xabcdef;
    p.nr = 0x000100;
    c.push_back(
        {"StatEmptyList", Mode::kQ2110, p, {0, 1, 0, 0, 0, 0xab, 0xcd, 0xef, 0x0b, 0, 1, 0}});
  }
  {
    Pdu p = make(PduType::kUstat);
    p.nr = 3;
    p.mr = 40;
    p.list = {4, 6};
    c.push_back({"Ustat", Mode::kQ2110, p, {0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0, 40, 0x0c, 0, 0, 3}});
  }
  {
    Pdu p = make(PduType::kUd);
    p.info = {0xd1, 0xd2, 0xd3, 0xd4};
    c.push_back({"Ud", Mode::kQ2110, p, {0xd1, 0xd2, 0xd3, 0xd4, 0x0d, 0, 0, 0}});
  }
  {
    Pdu p = make(PduType::kMd);
    p.info = {0x01};
    c.push_back({"MdPad3", Mode::kQ2110, p, {0x01, 0, 0, 0, 0xce, 0, 0, 0}});
  }
  return c;
}

void expect_same(const Pdu& a, const Pdu& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.sq, b.sq);
  EXPECT_EQ(a.mr, b.mr);
  EXPECT_EQ(a.ns, b.ns);
  EXPECT_EQ(a.ps, b.ps);
  EXPECT_EQ(a.nr, b.nr);
  EXPECT_EQ(a.source_sscop, b.source_sscop);
  EXPECT_EQ(a.list, b.list);
  EXPECT_EQ(a.info, b.info);
}

TEST(SscopPdu, EncodesEveryTypeAsQ2110Codes) {
  for (const auto& c : codec_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(encode(c.pdu, c.mode), c.wire);
  }
}

TEST(SscopPdu, DecodesHandMadeOctets) {
  for (const auto& c : codec_cases()) {
    SCOPED_TRACE(c.name);
    auto r = decode(c.wire, c.mode);
    ASSERT_TRUE(std::holds_alternative<Pdu>(r)) << std::get<DecodeError>(r).reason;
    expect_same(std::get<Pdu>(r), c.pdu);
  }
}

TEST(SscopPdu, CodeNineIsErInQ2110AndSdpInQSaal) {
  const Bytes er{0, 0, 0, 3, 0x09, 0, 0, 50};
  EXPECT_EQ(std::get<Pdu>(decode(er, Mode::kQ2110)).type, PduType::kEr);
  EXPECT_EQ(std::get<Pdu>(decode(er, Mode::kQSaal1)).type, PduType::kSdp);
  EXPECT_TRUE(encode(make(PduType::kEr), Mode::kQSaal1).empty());
  EXPECT_TRUE(encode(make(PduType::kSdp), Mode::kQ2110).empty());
}

// Q.SAAL1 BGN: the S bit (0x10 of the type octet) as FreeBSD HARP's
// sscop_send_bgn sets it for a re-establishment by SSCOP; Q.2110 has none.
TEST(SscopPdu, QSaal1BgnCarriesSourceBit) {
  Pdu p;
  p.type = PduType::kBgn;
  p.mr = 7;
  p.source_sscop = true;
  EXPECT_EQ(encode(p, Mode::kQSaal1), (Bytes{0, 0, 0, 0, 0x11, 0, 0, 7}));
  EXPECT_EQ(encode(p, Mode::kQ2110), (Bytes{0, 0, 0, 0, 0x01, 0, 0, 7}));
  auto d = decode(Bytes{0, 0, 0, 0, 0x11, 0, 0, 7}, Mode::kQSaal1);
  ASSERT_TRUE(std::holds_alternative<Pdu>(d));
  EXPECT_TRUE(std::get<Pdu>(d).source_sscop);
}

TEST(SscopPdu, ReservedBitsAreIgnoredOnReceipt) {
  const Bytes bgak{0xff, 0xff, 0xff, 0xff, 0x22, 0, 0, 7};  // reserved word and bit set
  auto r = decode(bgak);
  ASSERT_TRUE(std::holds_alternative<Pdu>(r));
  EXPECT_EQ(std::get<Pdu>(r).type, PduType::kBgak);
  EXPECT_EQ(std::get<Pdu>(r).mr, 7u);
}

struct BadCase {
  const char* name;
  Mode mode;
  Bytes wire;
};

TEST(SscopPdu, MalformedPdusAreLengthViolationsU) {
  const std::vector<BadCase> bad = {
      {"Empty", Mode::kQ2110, {}},
      {"ThreeOctets", Mode::kQ2110, {0x08, 0, 0}},
      {"NotMultipleOfFour", Mode::kQ2110, {1, 2, 0x08, 0, 0, 0}},
      {"TypeZero", Mode::kQ2110, {0, 0, 0, 0}},
      {"BgakTooShort", Mode::kQ2110, {0x02, 0, 0, 0}},
      {"BgnTooShort", Mode::kQ2110, {0x01, 0, 0, 0x1e}},
      {"PollTooLong", Mode::kQ2110, {0, 0, 0, 0, 0, 0, 0, 1, 0x0a, 0, 0, 0}},
      {"PollTooShort", Mode::kQ2110, {0x0a, 0, 0, 0}},
      {"UstatThreeWords", Mode::kQ2110, {0, 0, 0, 1, 0, 0, 0, 2, 0x0c, 0, 0, 0}},
      {"UstatFiveWords", Mode::kQ2110, {0, 0, 0, 1, 0, 0, 0,    2, 0, 0,
                                        0, 3, 0, 0, 0, 4, 0x0c, 0, 0, 0}},
      {"StatTwoWords", Mode::kQ2110, {0, 0, 0, 1, 0x0b, 0, 0, 0}},
      {"UdPadWithoutInfo", Mode::kQ2110, {0x4d, 0, 0, 0}},
      {"SdPadWithoutInfo", Mode::kQ2110, {0xc8, 0, 0, 1}},
      {"EndakThreeWordsInQSaal", Mode::kQSaal1, {0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0}},
      {"EndakShortInQ2110", Mode::kQ2110, {0x04, 0, 0, 0}},
      {"ErakInQSaal", Mode::kQSaal1, {0, 0, 0, 0, 0x0f, 0, 0, 0}},
      {"ErTooLong", Mode::kQ2110, {0, 0, 0, 0, 0, 0, 0, 3, 0x09, 0, 0, 50}},
  };
  for (const auto& b : bad) {
    SCOPED_TRACE(b.name);
    auto r = decode(b.wire, b.mode);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(r));
    EXPECT_EQ(std::get<DecodeError>(r).code, 'U');
    EXPECT_FALSE(std::get<DecodeError>(r).reason.empty());
  }
}

// decode_view's SD way bounds the length with one comparison (n - 4 wraps
// below 4 octets): the edges, each as the general way decides them.
TEST(SscopPdu, SdLengthEdges) {
  auto sd = [](std::size_t n, std::uint8_t first) {
    Bytes b(n, 0x11);
    if (n >= 4) {
      b[n - 4] = first;
      b[n - 3] = 0;
      b[n - 2] = 0;
      b[n - 1] = 7;
    }
    return b;
  };
  for (const Mode mode : {Mode::kQ2110, Mode::kQSaal1}) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
      EXPECT_TRUE(std::holds_alternative<DecodeError>(decode(Bytes(n, 0x08), mode))) << n;
    }
    // Four octets: no data, legal without pad, illegal with.
    Pdu p;
    ByteView info;
    ASSERT_FALSE(decode_view(sd(4, 0x08), mode, p, info));
    EXPECT_EQ(p.type, PduType::kSd);
    EXPECT_EQ(p.ns, 7u);
    EXPECT_TRUE(info.empty());
    EXPECT_TRUE(decode_view(sd(4, 0x48), mode, p, info));
    EXPECT_TRUE(decode_view(sd(6, 0x08), mode, p, info));  // not a multiple of 4
    // One word with pad 3: one octet of data.
    ASSERT_FALSE(decode_view(sd(8, 0xc8), mode, p, info));
    EXPECT_EQ(info.size(), 1u);
    // The longest legal SD: kMaxInfo octets of data (a multiple of 4, so no pad).
    const Bytes longest = sd(kMaxInfo + 4, 0x08);
    ASSERT_FALSE(decode_view(longest, mode, p, info));
    EXPECT_EQ(info.size(), kMaxInfo);
    EXPECT_EQ(info.data(), longest.data());
    // One word more is too long.
    const auto r = decode(sd(kMaxInfo + 8, 0x08), mode);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(r));
    EXPECT_NE(std::get<DecodeError>(r).reason.find("too long"), std::string::npos);
    // SSCOP's inline way takes exactly the SDs decode_view() takes.
    EXPECT_TRUE(decode_sd_view(sd(4, 0x08), p, info));
    EXPECT_TRUE(decode_sd_view(longest, p, info));
    EXPECT_EQ(info.size(), kMaxInfo);
    for (const Bytes& b :
         {sd(0, 0), sd(3, 0), sd(4, 0x48), sd(6, 0x08), sd(kMaxInfo + 8, 0x08), sd(8, 0x0a)}) {
      EXPECT_FALSE(decode_sd_view(b, p, info)) << b.size();
    }
  }
}

// decode_sd_view() (SSCOP's receive path) against decode_view() on random
// octets: it takes a PDU only if decode_view() decodes it as an SD, with the
// same fields and view, and changes nothing when it declines; then
// decode_view_other() decides as decode_view() does.
TEST(SscopPdu, InlineSdWayAgreesWithDecodeView) {
  std::mt19937 rng(99);
  int taken = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes b((rng() % 6) * 4 + (rng() % 8 == 0 ? rng() % 4 : 0));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (b.size() >= 4 && rng() % 2 == 0) b[b.size() - 4] = (b[b.size() - 4] & 0xf0) | 0x08;
    for (const Mode mode : {Mode::kQ2110, Mode::kQSaal1}) {
      Pdu slow;
      ByteView slow_info;
      const bool ok = !decode_view(b, mode, slow, slow_info).has_value();
      Pdu fast;
      fast.ns = 12345;  // untouched when declined
      ByteView fast_info;
      if (decode_sd_view(b, fast, fast_info)) {
        ++taken;
        ASSERT_TRUE(ok);
        EXPECT_EQ(slow.type, PduType::kSd);
        expect_same(fast, slow);
        EXPECT_EQ(fast_info.data(), slow_info.data());
        EXPECT_EQ(fast_info.size(), slow_info.size());
      } else {
        EXPECT_EQ(fast.ns, 12345u);
        if (ok) {
          EXPECT_NE(slow.type, PduType::kSd);
        }
        // What SSCOP's Ready takes next (the SD test not made again): the
        // same result, fields, view and error as decode_view().
        Pdu other;
        ByteView other_info;
        const auto err = decode_view_other(b, mode, other, other_info);
        ASSERT_EQ(!err.has_value(), ok);
        if (ok) {
          expect_same(other, slow);
          EXPECT_EQ(other_info.data(), slow_info.data());
          EXPECT_EQ(other_info.size(), slow_info.size());
        } else {
          const auto slow_err = decode_view(b, mode, slow, slow_info);
          EXPECT_EQ(err->code, slow_err->code);
          EXPECT_EQ(err->reason, slow_err->reason);
        }
      }
    }
  }
  EXPECT_GT(taken, 1000);
}

// The ring under SSCOP's buffers: drop_front_emptied() and push_back_slot()
// (the transmission buffer's ways) keep order and size across the wrap.
TEST(SscopRing, DropFrontEmptiedAndPushBackSlot) {
  Ring<Bytes> r;
  r.drop_front_emptied(0);  // on a ring without storage
  EXPECT_TRUE(r.empty());
  std::uint8_t next = 0;
  std::uint8_t first = 0;
  for (int round = 0; round < 40; ++round) {
    const int add = 1 + round % 7;
    for (int i = 0; i < add; ++i) {
      Bytes& slot = r.push_back_slot();
      EXPECT_TRUE(slot.empty());  // a fresh slot, or one emptied before it was dropped
      slot.assign(3, next++);
    }
    const std::size_t drop = r.size() - (round % 3);
    for (std::size_t i = 0; i < drop; ++i) Bytes().swap(r[i]);  // emptied, as SSCOP does
    r.drop_front_emptied(drop);
    first = static_cast<std::uint8_t>(first + drop);
    ASSERT_EQ(r.size(), static_cast<std::size_t>(round % 3));
    for (std::size_t i = 0; i < r.size(); ++i) {
      EXPECT_EQ(r[i], Bytes(3, static_cast<std::uint8_t>(first + i)));
    }
  }
  // pop_front() and emplace_back() still work alongside.
  r.emplace_back(Bytes{1});
  while (r.size() > 1) r.pop_front();
  EXPECT_EQ(r.front(), Bytes{1});
}

// linux-atm (Debian's atmsigd, tests/interop) sends ENDAK and RSAK with the
// Q.2110 layout in UNI 3.0 mode too: a Q.SAAL1 receiver takes both lengths.
TEST(SscopPdu, QSaal1AcceptsTwoWordEndakAndRsak) {
  for (const auto& [type, wire] :
       std::vector<std::pair<PduType, Bytes>>{{PduType::kEndak, {0, 0, 0, 0, 0x04, 0, 0, 0}},
                                              {PduType::kRsak, {0, 0, 0, 0, 0x06, 0, 0, 0x1e}}}) {
    auto r = decode(wire, Mode::kQSaal1);
    ASSERT_TRUE(std::holds_alternative<Pdu>(r)) << to_string(type);
    EXPECT_EQ(std::get<Pdu>(r).type, type);
  }
}

TEST(SscopPdu, RandomOctetsNeverCrashAndValidOnesRoundTrip) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 20000; ++i) {
    Bytes b((rng() % 12) * 4 + (rng() % 8 == 0 ? rng() % 4 : 0));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    const Mode mode = (i % 2) ? Mode::kQ2110 : Mode::kQSaal1;
    auto r = decode(b, mode);
    if (auto* p = std::get_if<Pdu>(&r)) {
      // Re-encoding and decoding again is stable.
      auto again = decode(encode(*p, mode), mode);
      ASSERT_TRUE(std::holds_alternative<Pdu>(again)) << describe(*p);
      expect_same(std::get<Pdu>(again), *p);
    }
  }
}

TEST(SscopSeq, ModularArithmeticIs24Bit) {
  EXPECT_EQ(seq_add(0xffffff, 1), 0u);
  EXPECT_EQ(seq_add(0xfffffe, 5), 3u);
  EXPECT_EQ(seq_rel(2, 0xfffffe), 4u);
  EXPECT_EQ(seq_rel(0xfffffe, 2), 0xfffffcu);
  EXPECT_EQ(seq_rel(7, 7), 0u);
}

TEST(SscopPdu, DescribeNamesFields) {
  Pdu p = make(PduType::kStat);
  p.ps = 1;
  p.mr = 30;
  p.nr = 2;
  p.list = {2, 3};
  EXPECT_EQ(describe(p), "STAT N(PS)=1 N(MR)=30 N(R)=2 list=[2,3]");
}

}  // namespace
}  // namespace atmsigd::sscop
