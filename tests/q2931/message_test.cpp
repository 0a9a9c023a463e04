// Every message type: value -> hand-made octets -> value; and the messages of one
// call of the original demon (orig-call.pcapng), decoded and re-encoded identically.
#include <gtest/gtest.h>

#include <set>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/text.hpp"
#include "cases.hpp"

namespace atmsigd::q2931 {
namespace {

using test::hx;
using namespace test::captured;

TEST(CapturedCall, EveryMessageDecodesCleanlyAndReencodesIdentically) {
  for (const Bytes* b : {&kCapSetup, &kCapCallProc, &kCapConnect, &kCapConnectAck, &kCapRelease,
                         &kCapReleaseComplete}) {
    const DecodeResult r = decode(*b, Version::kUni30);
    ASSERT_TRUE(r.ok()) << to_hex(*b) << " "
                        << (r.verdicts.empty() ? "" : to_string(r.verdicts[0]));
    EXPECT_EQ(to_hex(encode(*r.message, Version::kUni30), 200), to_hex(*b, 200));
  }
}

TEST(CapturedCall, SetupIsTheOriginalDemonsUni30Setup) {
  const DecodeResult r = decode(kCapSetup, Version::kUni30);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r.message, test::original_setup(false));
  const Message& m = *r.message;
  EXPECT_EQ(m.type, MessageType::kSetup);
  EXPECT_EQ(m.cref, (CallReference{1, false}));
  const auto* aal = m.find<AalParameters>();
  ASSERT_NE(aal, nullptr);
  const auto& a5 = std::get<Aal5>(aal->aal);
  EXPECT_EQ(a5.fwd_max_sdu, 8192);
  EXPECT_EQ(a5.mode, 1);
  EXPECT_EQ(m.find<QosParameter>()->hdr.coding, CodingStandard::kNetwork);
  EXPECT_EQ(m.find<CalledPartyNumber>()->address, test::kNsapB);
  EXPECT_EQ(to_string(m, Version::kUni30),
            "SETUP cref=0x000001/orig len=91\n"
            "  AAL parameters: AAL5 fwd_sdu=8192 bwd_sdu=8192 mode=message sscs=null\n"
            "  ATM traffic descriptor: fwd_pcr=353207 bwd_pcr=353207 best_effort\n"
            "  Broadband bearer capability: class=BCOB-X atc=0x00 clipping=no config=p2p\n"
            "  Called party number: plan=nsap type=0 "
            "address=47000580ffe1000000f21a26d80020ea00000200\n"
            "  Calling party number: plan=nsap type=0 "
            "address=47000580ffe1000000f21a26d80020ea00000100\n"
            "  QoS parameter [net]: fwd_class=0 bwd_class=0");
}

TEST(CapturedCall, CallProceedingAndReleaseValues) {
  const auto cp = decode(kCapCallProc, Version::kUni30);
  ASSERT_TRUE(cp.ok());
  const auto* ci = cp.message->find<ConnectionIdentifier>();
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->vci, 32);
  EXPECT_EQ(ci->vpci, 0);
  EXPECT_TRUE(cp.message->cref.flag);
  const auto rel = decode(kCapRelease, Version::kUni30);
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel.message->find<Cause>()->value, cause::kNormalUnspecified);
  EXPECT_EQ(to_string(*rel.message, Version::kUni30),
            "RELEASE cref=0x000001/orig len=6\n"
            "  Cause: loc=user cause=31 (normal, unspecified)");
}

TEST(OriginalSetup, Uni30EncodingMatchesTheCapture) {
  EXPECT_EQ(to_hex(encode(test::original_setup(false), Version::kUni30), 200),
            to_hex(kCapSetup, 200));
}

TEST(OriginalSetup, Uni40EncodingAsTheOriginalDemonSendsWithUni40) {
  const Bytes expected =
      hx("09 03 00 00 01 05 80 00 58"              // SETUP, length 88
         "58 80 00 09 05 8c 20 00 81 20 00 84 00"  // AAL5 without Mode: length 9
         "59 80 00 09 84 05 63 b7 85 05 63 b7 be"  // same traffic descriptor
         "5e 80 00 02 90 80"                       // B-BC 2 octets: class X, ext=1; p2p
         "70 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00"
         "6c 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 01 00"
         "5c 80 00 02 00 00");  // QoS coding ITU-T
  const Message m = test::original_setup(true);
  EXPECT_EQ(to_hex(encode(m, Version::kUni40), 200), to_hex(expected, 200));
  const DecodeResult r = decode(expected, Version::kUni40);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r.message, m);
}

using test::MsgCase;

class MessageRoundTrip : public ::testing::TestWithParam<MsgCase> {};

TEST_P(MessageRoundTrip, EncodesToTableOctetsAndDecodesBack) {
  const MsgCase& c = GetParam();
  EXPECT_EQ(to_hex(encode(c.value, c.version), 300), to_hex(c.wire, 300));
  const DecodeResult r = decode(c.wire, c.version);
  ASSERT_TRUE(r.message.has_value());
  EXPECT_TRUE(r.verdicts.empty()) << to_string(r.verdicts.front());
  EXPECT_EQ(*r.message, c.value) << to_string(*r.message, c.version);
  EXPECT_EQ(r.action(), Action::kProceed);
  EXPECT_FALSE(r.cause().has_value());
}

INSTANTIATE_TEST_SUITE_P(AllMessages, MessageRoundTrip, ::testing::ValuesIn(test::message_cases()),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(MessageRoundTrip, EveryMessageTypeHasACase) {
  std::set<MessageType> seen;
  for (const auto& c : test::message_cases()) seen.insert(c.value.type);
  EXPECT_EQ(seen.size(), all_message_types().size());
}

TEST(MessageHeader, CallReferenceFlagValueAndCompatibilityInstruction) {
  Message m;
  m.type = MessageType::kStatusEnquiry;
  m.cref = {0x7abcde, true};
  m.follow_instructions = true;
  m.action = MessageAction::kDiscardReportStatus;
  const Bytes b = encode(m, Version::kUni40);
  EXPECT_EQ(to_hex(b), "09 03 fa bc de 75 92 00 00");  // flag|23-bit value; ext|flag|ai=10
  const auto r = decode(b, Version::kUni40);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r.message, m);
  EXPECT_EQ(summary(m, Version::kUni40), "STATUS ENQUIRY cref=0x7abcde/dest len=0 ai=2");
}

TEST(MessageHeader, DummyAndGlobalCallReferences) {
  EXPECT_TRUE((CallReference{CallReference::kGlobal, true}).is_global());
  EXPECT_TRUE((CallReference{0x7fffff, false}).is_dummy());
  Message m;
  m.type = MessageType::kStatus;
  m.cref = {CallReference::kDummy, false};
  CallState cs;
  m.add(cs).add(test::make_cause(30));
  const auto b = encode(m, Version::kUni40);
  EXPECT_EQ(to_hex(ByteView(b).first(5)), "09 03 7f ff ff");
  EXPECT_TRUE(decode(b, Version::kUni40).ok());
}

TEST(MessageTables, VersionsOfMessagesAndIes) {
  EXPECT_FALSE(message_known(MessageType::kNotify, Version::kUni31));
  EXPECT_TRUE(message_known(MessageType::kNotify, Version::kUni40));
  EXPECT_FALSE(message_known(MessageType::kLeafSetupRequest, Version::kQ2931));
  EXPECT_TRUE(message_known(MessageType::kAddParty, Version::kUni30));
  EXPECT_FALSE(ie_known(0x84, Version::kUni31));  // ABR setup: UNI 4.0 only
  EXPECT_TRUE(ie_known(0x84, Version::kUni40));
  EXPECT_TRUE(ie_known(0x5b, Version::kQ2931));  // OAM traffic descriptor: Q.2931 only
  EXPECT_FALSE(ie_known(0x5b, Version::kUni40));
  // QoS parameter mandatory in SETUP in UNI 3.x, optional in UNI 4.0.
  EXPECT_TRUE(ie_rule(MessageType::kSetup, 0x5c, Version::kUni30)->mandatory);
  EXPECT_FALSE(ie_rule(MessageType::kSetup, 0x5c, Version::kUni40)->mandatory);
  EXPECT_EQ(ie_rule(MessageType::kSetup, 0x5f, Version::kUni31)->max_count, 3);
  EXPECT_EQ(ie_rule(MessageType::kRelease, 0x08, Version::kUni31)->max_count, 2);
  EXPECT_FALSE(ie_rule(MessageType::kConnectAcknowledge, 0x08, Version::kUni31));
  EXPECT_EQ(mandatory_ies(MessageType::kSetup, Version::kUni40),
            (std::vector<std::uint8_t>{0x59, 0x5e, 0x70}));
}

TEST(MessageCoding, SetupWithEveryUni40Ie) {
  Message m = test::original_setup(true);
  AlternativeTrafficDescriptor alt;
  alt.td.fwd_pcr_01 = 1000;
  MinimumTrafficDescriptor min;
  min.td.fwd_pcr_01 = 10;
  ExtendedQosParameters xq;
  xq.hdr = test::net_coding();
  xq.fwd_acceptable_cdv = 5;
  AbrSetupParameters abr;
  abr.hdr = test::net_coding();
  abr.fwd_icr = 5;
  AbrAdditionalParameters abra;
  abra.hdr = test::net_coding();
  abra.fwd_record = 1;
  GenericIdentifierTransport git;
  git.hdr = test::net_coding();
  git.identifiers.push_back({1, hx("01")});
  LijCallIdentifier lij;
  lij.hdr = test::net_coding();
  LijParameters lp;
  lp.hdr = test::net_coding();
  LeafSequenceNumber seq;
  seq.hdr = test::net_coding();
  ConnectionScopeSelection cs;
  cs.hdr = test::net_coding();
  BroadbandLowLayerInfo blli;
  blli.l2 = BlliLayer2{};
  m.add(BroadbandRepeatIndicator{}).add(blli).add(blli).add(BroadbandSendingComplete{});
  m.add(alt).add(min).add(xq).add(abr).add(abra).add(git).add(git).add(lij).add(lp).add(seq).add(
      cs);
  m.add(EndToEndTransitDelay{{}, 5, std::nullopt, false});
  m.add(TransitNetworkSelection{}).add(test::epref(0)).add(NotificationIndicator{{}, {1}});
  CalledPartySubaddress sub;
  sub.address = {1, 2};
  m.add(sub).add(sub);
  const Bytes b = encode(m, Version::kUni40);
  const auto r = decode(b, Version::kUni40);
  ASSERT_TRUE(r.ok()) << to_string(r.verdicts.front());
  EXPECT_EQ(*r.message, m);
  EXPECT_EQ(encode(*r.message, Version::kUni40), b);
  EXPECT_EQ(r.message->all<CalledPartySubaddress>().size(), 2u);
}

}  // namespace
}  // namespace atmsigd::q2931
