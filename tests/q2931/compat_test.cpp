// Q.2931 §5.6 (UNI 3.1 §5.6, UNI 4.0) error cases: what the decoder tells call
// control to do.
#include <gtest/gtest.h>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/text.hpp"
#include "helpers.hpp"

namespace atmsigd::q2931 {
namespace {

using test::hx;

// A message header `head` (9 octets) with `body` appended and the length fixed up.
Bytes with_body(std::string_view head, const Bytes& body) {
  Bytes b = hx(head);
  b.insert(b.end(), body.begin(), body.end());
  b[7] = static_cast<std::uint8_t>(body.size() >> 8);
  b[8] = static_cast<std::uint8_t>(body.size());
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

constexpr const char* kConnAckHead = "09 03 00 00 05 0f 80 00 00";  // CONNECT ACK, cref 5
constexpr const char* kSetupHead = "09 03 00 00 05 05 80 00 00";
constexpr const char* kConnectHead = "09 03 80 00 05 07 80 00 00";
constexpr const char* kReleaseHead = "09 03 00 00 05 4d 80 00 00";
constexpr const char* kRelCompHead = "09 03 00 00 05 5a 80 00 00";
constexpr const char* kStatusHead = "09 03 00 00 05 7d 80 00 00";

const Bytes kTd = hx("59 80 00 09 84 05 63 b7 85 05 63 b7 be");
const Bytes kBbc = hx("5e 80 00 02 90 80");
const Bytes kCalled =
    hx("70 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00");
const Bytes kCause31 = hx("08 80 00 02 80 9f");
const Bytes kCallState = hx("14 80 00 01 0a");

::testing::AssertionResult single(const DecodeResult& r, Problem p, Action a,
                                  std::uint8_t cause_value, const Bytes& diag = {}) {
  if (r.verdicts.size() != 1) {
    std::string all;
    for (const auto& v : r.verdicts) all += to_string(v) + "; ";
    return ::testing::AssertionFailure() << r.verdicts.size() << " verdicts: " << all;
  }
  const Verdict& v = r.verdicts[0];
  if (v.problem != p || v.action != a || v.cause != cause_value || v.diagnostics != diag)
    return ::testing::AssertionFailure() << "got: " << to_string(v);
  if (r.action() != a) return ::testing::AssertionFailure() << "message action differs";
  return ::testing::AssertionSuccess();
}

// ---- §5.6.1 - §5.6.3: header ----
TEST(Compat, MessageTooShortIsIgnored) {
  for (const char* h : {"", "09", "09 03 00 00 01 05 80 00"}) {
    const auto r = decode(hx(h), Version::kUni40);
    EXPECT_FALSE(r.message.has_value()) << h;
    EXPECT_TRUE(single(r, Problem::kMessageTooShort, Action::kDiscardIgnore, 0)) << h;
    EXPECT_FALSE(r.cause());
  }
}

TEST(Compat, BadProtocolDiscriminatorIsIgnored) {
  const auto r = decode(hx("08 03 00 00 01 0f 80 00 00"), Version::kUni31);
  EXPECT_FALSE(r.message);
  EXPECT_TRUE(single(r, Problem::kBadProtocolDiscriminator, Action::kDiscardIgnore, 0));
}

TEST(Compat, BadCallReferenceLengthIsIgnored) {
  EXPECT_TRUE(single(decode(hx("09 02 00 01 0f 80 00 00"), Version::kUni31),
                     Problem::kBadCallReference, Action::kDiscardIgnore, 0));
  EXPECT_TRUE(single(decode(hx("09 13 00 00 01 0f 80 00 00"), Version::kUni31),
                     Problem::kBadCallReference, Action::kDiscardIgnore, 0));
}

TEST(Compat, GlobalCallReferenceMisuseIsCause81) {
  // SETUP with the global call reference.
  const auto r =
      decode(with_body("09 03 00 00 00 05 80 00 00", cat({kTd, kBbc, kCalled})), Version::kUni40);
  ASSERT_TRUE(r.message);
  EXPECT_TRUE(single(r, Problem::kInvalidCallReference, Action::kDiscardReportStatus, 81));
  // RESTART without it.
  const auto r2 = decode(hx("09 03 00 00 05 46 80 00 05 79 80 00 01 82"), Version::kUni31);
  EXPECT_TRUE(single(r2, Problem::kInvalidCallReference, Action::kDiscardReportStatus, 81));
  // STATUS may use either.
  EXPECT_TRUE(
      decode(with_body("09 03 00 00 00 7d 80 00 00", cat({kCallState, kCause31})), Version::kUni31)
          .ok());
}

// ---- §5.6.4: unknown message type, each action indicator ----
struct UnknownMsgCase {
  Version v;
  const char* ext;  // message type extension octet
  Action expected;
};

TEST(Compat, UnknownMessageTypeEachActionIndicator) {
  const UnknownMsgCase cases[] = {
      {Version::kUni40, "80", Action::kDiscardReportStatus},  // no flag: regular (STATUS 97)
      {Version::kUni40, "90", Action::kClearCall},            // flag, ai=00 clear call
      {Version::kUni40, "91", Action::kDiscardIgnore},        // ai=01 discard and ignore
      {Version::kUni40, "92", Action::kDiscardReportStatus},  // ai=10 discard, report STATUS
      {Version::kUni40, "93", Action::kDiscardReportStatus},  // ai=11 reserved
      {Version::kQ2931, "90", Action::kClearCall},
      {Version::kQ2931, "91", Action::kDiscardIgnore},
      // UNI 3.0/3.1 do not use the instruction indicator: always STATUS 97.
      {Version::kUni30, "90", Action::kDiscardReportStatus},
      {Version::kUni31, "91", Action::kDiscardReportStatus},
  };
  for (const auto& c : cases) {
    const auto r = decode(hx(std::string("09 03 00 00 05 33 ") + c.ext + " 00 00"), c.v);
    ASSERT_TRUE(r.message) << c.ext;
    EXPECT_TRUE(single(r, Problem::kUnknownMessageType, c.expected, 97, hx("33")))
        << version_name(c.v) << " ext " << c.ext;
    if (c.expected != Action::kDiscardIgnore) {
      ASSERT_TRUE(r.cause());
      EXPECT_EQ(r.cause()->value, cause::kMessageTypeNonExistent);
      EXPECT_EQ(r.cause()->diagnostics, hx("33"));
    } else {
      EXPECT_FALSE(r.cause());
    }
  }
}

TEST(Compat, MessageNotInTheVersionIsUnknown) {
  // NOTIFY and MODIFY REQUEST exist in UNI 4.0 but not in UNI 3.1.
  const Bytes notify = hx("09 03 00 00 03 6e 80 00 06 27 80 00 02 01 02");
  EXPECT_TRUE(decode(notify, Version::kUni40).ok());
  EXPECT_TRUE(single(decode(notify, Version::kUni31), Problem::kUnknownMessageType,
                     Action::kDiscardReportStatus, 97, hx("6e")));
  // LEAF SETUP REQUEST is UNI 4.0 only.
  EXPECT_EQ(decode(hx("09 03 00 00 03 91 80 00 00"), Version::kQ2931).verdicts.at(0).problem,
            Problem::kUnknownMessageType);
}

// ---- §5.6.7.1: mandatory IE missing ----
TEST(Compat, MandatoryIeMissing) {
  // SETUP without called party number: refuse with RELEASE COMPLETE cause 96.
  const auto setup = decode(with_body(kSetupHead, cat({kTd, kBbc})), Version::kUni40);
  EXPECT_TRUE(single(setup, Problem::kMandatoryIeMissing, Action::kClearCall, 96, hx("70")));
  ASSERT_TRUE(setup.cause());
  EXPECT_EQ(setup.cause()->value, 96);
  EXPECT_EQ(setup.cause()->diagnostics, hx("70"));
  // UNI 3.x: QoS parameter is mandatory as well; both are listed in the cause.
  const auto setup30 = decode(with_body(kSetupHead, cat({kTd, kBbc})), Version::kUni30);
  ASSERT_EQ(setup30.verdicts.size(), 2u);
  EXPECT_EQ(setup30.cause()->diagnostics, hx("70 5c"));
  // STATUS without cause: ignore and report STATUS 96.
  EXPECT_TRUE(single(decode(with_body(kStatusHead, kCallState), Version::kUni31),
                     Problem::kMandatoryIeMissing, Action::kDiscardReportStatus, 96, hx("08")));
  // RELEASE without cause: act on it (as cause 31), RELEASE COMPLETE carries 96.
  EXPECT_TRUE(single(decode(with_body(kReleaseHead, {}), Version::kUni31),
                     Problem::kMandatoryIeMissing, Action::kProceedReportStatus, 96, hx("08")));
  // RELEASE COMPLETE without cause is fine.
  EXPECT_TRUE(decode(with_body(kRelCompHead, {}), Version::kUni31).ok());
}

// ---- §5.6.7.2 / §5.6.8.2: content errors ----
TEST(Compat, MandatoryIeContentError) {
  // Cause with only one octet (below its minimum length) in RELEASE.
  const auto rel = decode(with_body(kReleaseHead, hx("08 80 00 01 80")), Version::kUni40);
  EXPECT_TRUE(
      single(rel, Problem::kMandatoryIeContentError, Action::kProceedReportStatus, 100, hx("08")));
  EXPECT_EQ(rel.message->find<Cause>(), nullptr);
  ASSERT_NE(rel.message->find<UnknownIe>(), nullptr);  // kept opaque for traces
  // B-BC without octet 6 in SETUP: clear with cause 100.
  const auto setup =
      decode(with_body(kSetupHead, cat({kTd, hx("5e 80 00 01 90"), kCalled})), Version::kUni40);
  EXPECT_TRUE(single(setup, Problem::kMandatoryIeContentError, Action::kClearCall, 100, hx("5e")));
}

TEST(Compat, OptionalIeContentErrorFollowsTheIeInstruction) {
  // AAL type 7 does not exist. Regular procedure: discard IE, proceed, STATUS 100.
  const auto r = decode(with_body(kConnectHead, hx("58 80 00 01 07")), Version::kUni40);
  EXPECT_TRUE(single(r, Problem::kIeContentError, Action::kProceedReportStatus, 100, hx("58")));
  EXPECT_EQ(r.message->find<AalParameters>(), nullptr);
  // With the instruction flag and "discard message and ignore".
  const auto r2 = decode(with_body(kConnectHead, hx("58 95 00 01 07")), Version::kUni40);
  EXPECT_TRUE(single(r2, Problem::kIeContentError, Action::kDiscardIgnore, 100, hx("58")));
  // Too long (connection identifier is exactly 5 octets).
  const auto r3 =
      decode(with_body(kConnectHead, hx("5a 80 00 06 88 00 00 00 20 00")), Version::kUni31);
  EXPECT_TRUE(single(r3, Problem::kIeContentError, Action::kProceedReportStatus, 100, hx("5a")));
}

// ---- §5.6.8.1: unrecognized IE, each action indicator ----
struct UnknownIeCase {
  Version v;
  const char* inst;  // IE instruction octet
  Action expected;
};

TEST(Compat, UnrecognizedIeEachActionIndicator) {
  const UnknownIeCase cases[] = {
      {Version::kUni40, "80", Action::kProceedReportStatus},  // no flag: regular, STATUS 99
      {Version::kUni40, "90", Action::kClearCall},            // 000 clear call
      {Version::kUni40, "91", Action::kProceed},              // 001 discard IE and proceed
      {Version::kUni40, "92", Action::kProceedReportStatus},  // 010 discard IE, proceed, report
      {Version::kUni40, "93", Action::kProceedReportStatus},  // 011 reserved
      {Version::kUni40, "94", Action::kProceedReportStatus},  // 100 reserved
      {Version::kUni40, "95", Action::kDiscardIgnore},        // 101 discard message, ignore
      {Version::kUni40, "96", Action::kDiscardReportStatus},  // 110 discard message, report
      {Version::kUni40, "97", Action::kProceedReportStatus},  // 111 reserved
      {Version::kQ2931, "f5", Action::kDiscardIgnore},        // any coding standard
      {Version::kUni30, "90", Action::kProceedReportStatus},  // UNI 3.x: flag not used
      {Version::kUni31, "95", Action::kProceedReportStatus},
  };
  for (const auto& c : cases) {
    const Bytes ie = hx(std::string("7a ") + c.inst + " 00 02 ab cd");
    const auto r = decode(with_body(kConnAckHead, ie), c.v);
    ASSERT_TRUE(r.message);
    EXPECT_TRUE(single(r, Problem::kUnrecognizedIe, c.expected, 99, hx("7a")))
        << version_name(c.v) << " " << c.inst;
    const auto* u = r.message->find<UnknownIe>();
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->id, 0x7a);
    EXPECT_EQ(u->content, hx("ab cd"));
    // Kept as opaque octets: re-encoding reproduces the message.
    EXPECT_EQ(encode(*r.message, c.v), with_body(kConnAckHead, ie));
  }
}

TEST(Compat, IeNotInVersionOrNotInMessageIsUnrecognized) {
  // ABR setup parameters in a UNI 3.1 SETUP.
  const Bytes abr = hx("84 e0 00 04 c2 00 03 e8");
  const auto r = decode(with_body(kSetupHead, cat({kTd, hx("5e 80 00 03 10 80 80"), kCalled,
                                                   hx("5c e0 00 02 00 00"), abr})),
                        Version::kUni31);
  EXPECT_TRUE(single(r, Problem::kUnrecognizedIe, Action::kProceedReportStatus, 99, hx("84")));
  // The same in UNI 4.0 is fine.
  EXPECT_TRUE(decode(with_body(kSetupHead, cat({kTd, kBbc, kCalled, abr})), Version::kUni40).ok());
  // A cause in CONNECT ACKNOWLEDGE.
  EXPECT_TRUE(single(decode(with_body(kConnAckHead, kCause31), Version::kUni40),
                     Problem::kUnrecognizedIe, Action::kProceedReportStatus, 99, hx("08")));
}

TEST(Compat, NoStatusInAnswerToReleaseComplete) {
  const auto r = decode(with_body(kRelCompHead, hx("7a 80 00 00")), Version::kUni40);
  EXPECT_TRUE(single(r, Problem::kUnrecognizedIe, Action::kProceed, 99, hx("7a")));
  EXPECT_FALSE(r.cause());
}

TEST(Compat, PrecedenceAndCombinedDiagnostics) {
  // Two unrecognized IEs, regular procedure: one STATUS 99 listing both.
  const auto r = decode(with_body(kConnAckHead, hx("7a 80 00 00 7b 80 00 00")), Version::kUni40);
  EXPECT_EQ(r.action(), Action::kProceedReportStatus);
  ASSERT_TRUE(r.cause());
  EXPECT_EQ(r.cause()->diagnostics, hx("7a 7b"));
  // "discard and ignore" beats "report", "clear call" beats everything.
  const auto r2 =
      decode(with_body(kConnAckHead, hx("7a 96 00 00 7b 95 00 00 7c 92 00 00")), Version::kUni40);
  EXPECT_EQ(r2.action(), Action::kDiscardIgnore);
  const auto r3 = decode(with_body(kConnAckHead, hx("7a 95 00 00 7b 90 00 00")), Version::kUni40);
  EXPECT_EQ(r3.action(), Action::kClearCall);
  EXPECT_EQ(r3.cause()->value, 99);
  EXPECT_EQ(r3.cause()->diagnostics, hx("7b"));
}

// ---- bad length / truncated ----
TEST(Compat, MessageLengthLargerThanReceived) {
  const auto r = decode(hx("09 03 00 00 05 4d 80 00 06 08 80 00 02 80"), Version::kUni31);
  ASSERT_TRUE(r.message);
  EXPECT_TRUE(single(r, Problem::kBadMessageLength, Action::kDiscardReportStatus, 104));
}

TEST(Compat, IeRunningPastTheEnd) {
  // IE length 3, only 2 octets left.
  EXPECT_TRUE(single(decode(with_body(kReleaseHead, hx("08 80 00 03 80 9f")), Version::kUni31),
                     Problem::kBadMessageLength, Action::kDiscardReportStatus, 104));
  // Only part of an IE header left.
  EXPECT_TRUE(
      single(decode(with_body(kReleaseHead, cat({kCause31, hx("08 80 00")})), Version::kUni31),
             Problem::kBadMessageLength, Action::kDiscardReportStatus, 104));
}

TEST(Compat, TrailingOctetsAreIgnored) {
  Bytes b = with_body(kReleaseHead, kCause31);
  b.push_back(0x00);
  b.push_back(0x00);  // e.g. padding
  const auto r = decode(b, Version::kUni31);
  EXPECT_TRUE(single(r, Problem::kTrailingOctets, Action::kProceed, 0));
  EXPECT_EQ(r.message->find<Cause>()->value, 31);
}

TEST(Compat, EveryTruncationOfTheCapturedSetupIsHandled) {
  const Bytes full = test::hx(
      "09 03 00 00 01 05 80 00 5b 58 80 00 0b 05 8c 20 00 81 20 00 83 01 84 00"
      "59 80 00 09 84 05 63 b7 85 05 63 b7 be 5e 80 00 03 10 80 80"
      "70 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00"
      "6c 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 01 00"
      "5c e0 00 02 00 00");
  ASSERT_TRUE(decode(full, Version::kUni30).ok());
  for (std::size_t n = 0; n < full.size(); ++n) {
    const auto r = decode(ByteView(full).first(n), Version::kUni30);
    ASSERT_FALSE(r.verdicts.empty()) << n;
    if (n < kHeaderLength) {
      EXPECT_EQ(r.verdicts[0].problem, Problem::kMessageTooShort) << n;
      EXPECT_FALSE(r.message);
    } else {
      EXPECT_TRUE(single(r, Problem::kBadMessageLength, Action::kDiscardReportStatus, 104)) << n;
    }
  }
}

// ---- repeated IEs and order ----
TEST(Compat, RepeatedIeBeyondTheAllowedCountIsIgnored) {
  const Bytes aal = hx("58 80 00 09 05 8c 20 00 81 20 00 84 00");
  const Bytes aal2 = hx("58 80 00 09 05 8c 10 00 81 10 00 84 00");
  const auto r = decode(with_body(kConnectHead, cat({aal, aal2})), Version::kUni40);
  EXPECT_TRUE(single(r, Problem::kRepeatedIe, Action::kProceed, 0));
  ASSERT_EQ(r.message->all<AalParameters>().size(), 1u);
  EXPECT_EQ(std::get<Aal5>(r.message->find<AalParameters>()->aal).fwd_max_sdu, 8192);
  // RELEASE may carry two causes; a third one is ignored.
  const Bytes c16 = hx("08 80 00 02 80 90");
  const auto rel = decode(with_body(kReleaseHead, cat({kCause31, c16, c16})), Version::kQ2931);
  EXPECT_TRUE(single(rel, Problem::kRepeatedIe, Action::kProceed, 0));
  EXPECT_EQ(rel.message->all<Cause>().size(), 2u);
}

TEST(Compat, RepeatIndicatorAfterTheBlliIsToleratedButReported) {
  const Bytes blli = hx("5f 80 00 01 cc");
  const Bytes rep = hx("63 80 00 01 82");
  const auto ok =
      decode(with_body(kSetupHead, cat({kTd, kBbc, kCalled, rep, blli, blli})), Version::kUni40);
  EXPECT_TRUE(ok.ok());
  const auto late =
      decode(with_body(kSetupHead, cat({kTd, kBbc, kCalled, blli, blli, rep})), Version::kUni40);
  EXPECT_TRUE(single(late, Problem::kIeOutOfSequence, Action::kProceed, 0));
  EXPECT_EQ(late.message->all<BroadbandLowLayerInfo>().size(), 2u);
  // IEs in any other order are accepted (Q.2931 §4.5.1: order not significant).
  EXPECT_TRUE(decode(with_body(kSetupHead, cat({kCalled, kBbc, kTd})), Version::kUni40).ok());
}

TEST(Compat, VerdictTextForTraces) {
  const auto r = decode(with_body(kConnAckHead, hx("7a 92 00 00")), Version::kUni40);
  ASSERT_EQ(r.verdicts.size(), 1u);
  EXPECT_EQ(to_string(r.verdicts[0]),
            "unrecognized IE 0x7a: proceed, report STATUS cause 99 diag=7a");
}

// ---- Codeset shifts (Q.2931 §4.5.3 / §4.5.4) ----
// No IE of codesets 4-7 is implemented: after a locking shift every IE is unrecognized
// (§5.6.8.1: kept as unknown, cause 99); a non-locking shift covers the next IE only.
TEST(Compat, LockingShiftMakesTheFollowingIesUnrecognized) {
  for (Version v : {Version::kUni31, Version::kUni40, Version::kUni31Compat30}) {
    SCOPED_TRACE(version_name(v));
    const auto r =
        decode(with_body(kConnectHead, cat({hx("60 80 00 01 85"), kCause31, kCallState})), v);
    ASSERT_TRUE(r.message);
    ASSERT_EQ(r.message->ies.size(), 3u);
    EXPECT_EQ(std::get<BroadbandLockingShift>(r.message->ies[0]).codeset, 5);
    EXPECT_EQ(std::get<UnknownIe>(r.message->ies[1]).id, 0x08);  // not a Cause in codeset 5
    EXPECT_EQ(std::get<UnknownIe>(r.message->ies[2]).id, 0x14);
    ASSERT_EQ(r.verdicts.size(), 2u);
    EXPECT_EQ(r.verdicts[0].problem, Problem::kUnrecognizedIe);
    EXPECT_EQ(r.action(), Action::kProceedReportStatus);
    EXPECT_EQ(r.cause()->value, cause::kIeNonExistent);
    EXPECT_EQ(r.cause()->diagnostics, hx("08 14"));
  }
}

TEST(Compat, NonLockingShiftCoversTheNextIeOnly) {
  const Bytes sub = hx("4d 80 00 02 80 47");  // connected subaddress: CONNECT, UNI 4.0
  const auto r =
      decode(with_body(kConnectHead, cat({hx("61 80 00 01 86"), sub, sub})), Version::kUni40);
  ASSERT_TRUE(r.message);
  ASSERT_EQ(r.message->ies.size(), 3u);
  EXPECT_EQ(std::get<BroadbandNonLockingShift>(r.message->ies[0]).codeset, 6);
  EXPECT_EQ(std::get<UnknownIe>(r.message->ies[1]).id, 0x4d);
  EXPECT_TRUE(std::holds_alternative<ConnectedSubaddress>(r.message->ies[2]));
  EXPECT_TRUE(single(r, Problem::kUnrecognizedIe, Action::kProceedReportStatus,
                     cause::kIeNonExistent, hx("4d")));
  // The message re-encodes as received.
  EXPECT_EQ(encode(*r.message, Version::kUni40),
            with_body(kConnectHead, cat({hx("61 80 00 01 86"), sub, sub})));
}

// The codeset a non-locking shift names is the next IE's that is not itself a
// shift; a non-locking shift to codeset 0 leaves the next IE as it is.
TEST(Compat, NonLockingShiftSkipsShiftsAndMayNameCodesetZero) {
  const Bytes sub = hx("4d 80 00 02 80 47");  // connected subaddress: CONNECT, UNI 4.0
  const auto r =
      decode(with_body(kConnectHead, cat({hx("61 80 00 01 86"), hx("60 80 00 01 85"), sub, sub})),
             Version::kUni40);
  ASSERT_TRUE(r.message);
  ASSERT_EQ(r.message->ies.size(), 4u);
  EXPECT_EQ(std::get<BroadbandLockingShift>(r.message->ies[1]).codeset, 5);
  EXPECT_EQ(std::get<UnknownIe>(r.message->ies[2]).id, 0x4d);  // codeset 6, then 5
  EXPECT_EQ(std::get<UnknownIe>(r.message->ies[3]).id, 0x4d);  // codeset 5 (locked)
  const auto zero =
      decode(with_body(kConnectHead, cat({hx("61 80 00 01 80"), sub})), Version::kUni40);
  ASSERT_TRUE(zero.message);
  ASSERT_EQ(zero.message->ies.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<ConnectedSubaddress>(zero.message->ies[1]));
  EXPECT_TRUE(zero.verdicts.empty());
}

TEST(Compat, LockingShiftToALowerOrReservedCodesetIsAContentError) {
  // 7 then 5: the second may not go back (§4.5.3); codeset 2 is reserved.
  for (const char* second : {"60 80 00 01 85", "60 80 00 01 87", "60 80 00 01 82"}) {
    SCOPED_TRACE(second);
    const auto r =
        decode(with_body(kConnectHead, cat({hx("60 80 00 01 87"), hx(second)})), Version::kUni40);
    ASSERT_TRUE(r.message);
    EXPECT_TRUE(single(r, Problem::kIeContentError, Action::kProceedReportStatus,
                       cause::kInvalidIeContents, hx("60")));
    EXPECT_EQ(std::get<UnknownIe>(r.message->ies[1]).id, 0x60);
  }
  // Its explicit instruction is followed (UNI 4.0): discard the IE and proceed.
  const auto quiet = decode(
      with_body(kConnectHead, cat({hx("60 80 00 01 87"), hx("60 91 00 01 85")})), Version::kUni40);
  EXPECT_EQ(quiet.action(), Action::kProceed);
}

// The new IEs are where their recommendations put them, and unrecognized elsewhere
// and in the versions without them (§5.6.8.1).
TEST(Compat, NewIesFollowTheMessageTables) {
  const Bytes conn_num = hx("4c 80 00 02 82 47");
  EXPECT_TRUE(decode(with_body(kConnectHead, conn_num), Version::kUni40).ok());
  EXPECT_TRUE(decode(with_body(kConnectHead, conn_num), Version::kQ2931).ok());
  EXPECT_TRUE(single(decode(with_body(kConnectHead, conn_num), Version::kUni31),
                     Problem::kUnrecognizedIe, Action::kProceedReportStatus, cause::kIeNonExistent,
                     hx("4c")));
  EXPECT_TRUE(single(decode(with_body(kConnAckHead, conn_num), Version::kUni40),
                     Problem::kUnrecognizedIe, Action::kProceedReportStatus, cause::kIeNonExistent,
                     hx("4c")));
  const Bytes uu = hx("7e 80 00 02 04 41");
  EXPECT_TRUE(decode(with_body(kReleaseHead, cat({kCause31, uu})), Version::kUni40).ok());
  EXPECT_TRUE(decode(with_body(kRelCompHead, uu), Version::kUni40).ok());
  const Bytes nllc = hx("7c 80 00 02 88 90");
  EXPECT_TRUE(
      decode(with_body(kSetupHead, cat({kTd, kBbc, kCalled, nllc, nllc, nllc})), Version::kUni40)
          .ok());
  // A fourth N-LLC is one repetition too many (§5.6.8.3): dropped.
  const auto r = decode(with_body(kSetupHead, cat({kTd, kBbc, kCalled, nllc, nllc, nllc, nllc})),
                        Version::kUni40);
  EXPECT_TRUE(single(r, Problem::kRepeatedIe, Action::kProceed, 0));
  EXPECT_EQ(r.message->all<NarrowbandLowLayerCompatibility>().size(), 3u);
}

// ---- UNI 3.1 with UNI 3.0 compatibility ----
// The UNI 3.0 coding of a peer (AAL Mode subfield, network-specific QoS coding, B-BC
// octet 5a): accepted without a verdict in uni31+uni30 and in plain UNI 3.1, but only
// uni31+uni30 (like UNI 3.0) keeps the Mode; plain UNI 3.1 drops it.
TEST(Compat, Uni30PeerSetupInTheCombinedMode) {
  const Bytes setup30 =
      hx("09 03 00 00 01 05 80 00 5b"
         "58 80 00 0b 05 8c 20 00 81 20 00 83 01 84 00"
         "59 80 00 09 84 05 63 b7 85 05 63 b7 be"
         "5e 80 00 03 10 80 80"
         "70 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00"
         "6c 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 01 00"
         "5c e0 00 02 00 00");
  const auto both = decode(setup30, Version::kUni31Compat30);
  ASSERT_TRUE(both.ok());
  const auto* aal = both.message->find<AalParameters>();
  ASSERT_NE(aal, nullptr);
  EXPECT_EQ(std::get<Aal5>(aal->aal).mode, 1);
  EXPECT_EQ(encode(*both.message, Version::kUni31Compat30), setup30);  // re-encodes as received
  const auto plain = decode(setup30, Version::kUni31);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(std::get<Aal5>(plain.message->find<AalParameters>()->aal).mode.has_value());
  EXPECT_NE(encode(*plain.message, Version::kUni31), setup30);
  // Everything else of the combined mode is UNI 3.1: no UNI 4.0 messages, no
  // instruction indicator.
  EXPECT_FALSE(message_known(MessageType::kNotify, Version::kUni31Compat30));
  EXPECT_FALSE(ie_known(0x4c, Version::kUni31Compat30));
  const Bytes flagged = hx("09 03 00 00 05 99 91 00 00");  // unknown type, "discard, ignore"
  EXPECT_EQ(decode(flagged, Version::kUni31Compat30).action(), Action::kDiscardReportStatus);
  EXPECT_EQ(version_name(Version::kUni31Compat30), "UNI 3.1+3.0");
}

}  // namespace
}  // namespace atmsigd::q2931
