// The per-message columns of the coding tables (procedure, direction, global call
// reference, unknown call reference, mandatory-IE error action), checked message by
// message against what the recommendations say, and the decoder's use of them.
#include <gtest/gtest.h>

#include <set>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/message.hpp"
#include "atmsigd/q2931/text.hpp"

namespace atmsigd::q2931 {
namespace {

using M = MessageType;

constexpr Version kVersions[] = {Version::kUni30, Version::kUni31, Version::kUni40,
                                 Version::kQ2931};
constexpr auto kNotAMessage = static_cast<MessageType>(0x00);

const std::set<MessageType> kCallControl = {
    M::kSetup,   M::kCallProceeding,  M::kAlerting, M::kConnect, M::kConnectAcknowledge,
    M::kRelease, M::kReleaseComplete, M::kNotify,   M::kStatus,  M::kStatusEnquiry};
const std::set<MessageType> kPointToMultipoint = {
    M::kAddParty,  M::kAddPartyAcknowledge,  M::kAddPartyReject,
    M::kDropParty, M::kDropPartyAcknowledge, M::kPartyAlerting};
const std::set<MessageType> kModification = {M::kModifyRequest, M::kModifyAcknowledge,
                                             M::kModifyReject, M::kConnectionAvailable};

TEST(MessageColumns, EveryMessageBelongsToItsProcedure) {
  EXPECT_EQ(all_message_types().size(), 24u);
  for (MessageType t : all_message_types()) {
    SCOPED_TRACE(std::string(message_name(t)));
    Procedure want = Procedure::kLeafInitiatedJoin;                            // UNI 4.0 §6
    if (kCallControl.contains(t)) want = Procedure::kCallControl;              // Q.2931 §5.1-§5.4
    if (kPointToMultipoint.contains(t)) want = Procedure::kPointToMultipoint;  // Q.2971
    if (kModification.contains(t)) want = Procedure::kModification;            // Q.2963.1
    if (t == M::kRestart || t == M::kRestartAcknowledge) want = Procedure::kRestart;  // §5.5
    EXPECT_EQ(message_procedure(t), want);
  }
  EXPECT_EQ(message_procedure(M::kLeafSetupRequest), Procedure::kLeafInitiatedJoin);
  EXPECT_EQ(message_procedure(kNotAMessage), std::nullopt);
}

// Q.2931 §3, Q.2971 §3, Q.2963.1, UNI 4.0 §6: every message table says "Direction: both".
TEST(MessageColumns, EveryMessageIsSentBothWays) {
  EXPECT_TRUE(sent_by(M::kConnectAcknowledge, Sender::kUser));
  EXPECT_TRUE(sent_by(M::kConnectAcknowledge, Sender::kNetwork));
  EXPECT_TRUE(sent_by(M::kCallProceeding, Sender::kUser));  // N1 answer on incoming calls
  for (MessageType t : all_message_types()) {
    SCOPED_TRACE(std::string(message_name(t)));
    EXPECT_EQ(message_direction(t), Direction::kBoth);
    EXPECT_TRUE(sent_by(t, Sender::kUser));
    EXPECT_TRUE(sent_by(t, Sender::kNetwork));
  }
  EXPECT_FALSE(sent_by(kNotAMessage, Sender::kUser));
  EXPECT_FALSE(sent_by(kNotAMessage, Sender::kNetwork));
  EXPECT_EQ(message_direction(kNotAMessage), std::nullopt);
}

// §5.6.3.3: RESTART and RESTART ACKNOWLEDGE only with the global call reference, STATUS
// with or without it, no other message with it.
TEST(MessageColumns, GlobalCallReference) {
  EXPECT_EQ(global_call_ref(M::kRestart), GlobalCallRef::kOnly);
  EXPECT_EQ(global_call_ref(M::kRestartAcknowledge), GlobalCallRef::kOnly);
  EXPECT_EQ(global_call_ref(M::kStatus), GlobalCallRef::kAllowed);
  for (MessageType t : all_message_types()) {
    if (t == M::kRestart || t == M::kRestartAcknowledge || t == M::kStatus) continue;
    SCOPED_TRACE(std::string(message_name(t)));
    EXPECT_EQ(global_call_ref(t), GlobalCallRef::kNever);
  }
  EXPECT_EQ(global_call_ref(kNotAMessage), std::nullopt);
}

// The decoder applies the column: cause 81 exactly where the call reference is one the
// message may not carry.
TEST(MessageColumns, DecoderRefusesTheGlobalCallReferenceWhereTheColumnSays) {
  for (Version v : kVersions)
    for (MessageType t : all_message_types()) {
      if (!message_known(t, v)) continue;
      for (bool global : {false, true}) {
        SCOPED_TRACE(std::string(message_name(t)) + (global ? " global " : " ") +
                     std::string(version_name(v)));
        Message m;
        m.type = t;
        m.cref.value = global ? CallReference::kGlobal : 7;
        const DecodeResult r = decode(encode(m, v), v);
        bool refused = false;
        for (const auto& vd : r.verdicts)
          refused = refused || vd.problem == Problem::kInvalidCallReference;
        const bool restart = t == M::kRestart || t == M::kRestartAcknowledge;
        EXPECT_EQ(refused, restart ? !global : global && t != M::kStatus);
      }
    }
}

// §5.6.3.2.
TEST(MessageColumns, UnknownCallReference) {
  EXPECT_EQ(unknown_call_ref(M::kReleaseComplete), UnknownCallRef::kIgnore);
  EXPECT_EQ(unknown_call_ref(M::kStatusEnquiry), UnknownCallRef::kStatusNull);
  EXPECT_EQ(unknown_call_ref(M::kStatus), UnknownCallRef::kStatusCheck);
  EXPECT_EQ(unknown_call_ref(M::kSetup), UnknownCallRef::kNewCall);
  for (MessageType t : all_message_types()) {
    if (t == M::kReleaseComplete || t == M::kStatusEnquiry || t == M::kStatus || t == M::kSetup)
      continue;
    SCOPED_TRACE(std::string(message_name(t)));
    EXPECT_EQ(unknown_call_ref(t), UnknownCallRef::kReleaseComplete);
  }
  EXPECT_EQ(unknown_call_ref(kNotAMessage), std::nullopt);
}

// §5.6.7.1: SETUP (and Q.2971 ADD PARTY) is refused, RELEASE acted upon with the cause
// reported in RELEASE COMPLETE, RELEASE COMPLETE acted upon, any other message ignored
// with STATUS.
TEST(MessageColumns, MandatoryIeErrorAction) {
  EXPECT_EQ(mandatory_ie_action(M::kSetup), Action::kClearCall);
  EXPECT_EQ(mandatory_ie_action(M::kAddParty), Action::kClearCall);
  EXPECT_EQ(mandatory_ie_action(M::kRelease), Action::kProceedReportStatus);
  EXPECT_EQ(mandatory_ie_action(M::kReleaseComplete), Action::kProceed);
  for (MessageType t : all_message_types()) {
    if (t == M::kSetup || t == M::kAddParty || t == M::kRelease || t == M::kReleaseComplete)
      continue;
    SCOPED_TRACE(std::string(message_name(t)));
    EXPECT_EQ(mandatory_ie_action(t), Action::kDiscardReportStatus);
  }
  EXPECT_EQ(mandatory_ie_action(kNotAMessage), Action::kDiscardReportStatus);
}

// The decoder applies the column: every message without its mandatory IEs gets the
// action of its row, cause 96.
TEST(MessageColumns, DecoderActsOnAMissingMandatoryIeAsTheColumnSays) {
  int checked = 0;
  for (Version v : kVersions)
    for (MessageType t : all_message_types()) {
      if (!message_known(t, v) || mandatory_ies(t, v).empty()) continue;
      SCOPED_TRACE(std::string(message_name(t)) + " " + std::string(version_name(v)));
      Message m;
      m.type = t;
      m.cref.value = global_call_ref(t) == GlobalCallRef::kOnly ? CallReference::kGlobal : 7;
      const DecodeResult r = decode(encode(m, v), v);
      ASSERT_TRUE(r.message.has_value());
      EXPECT_EQ(r.action(), mandatory_ie_action(t));
      ASSERT_TRUE(r.cause().has_value());  // RELEASE COMPLETE has no mandatory IE
      EXPECT_EQ(r.cause()->value, cause::kMandatoryIeMissing);
      ++checked;
    }
  EXPECT_GT(checked, 40);
}

}  // namespace
}  // namespace atmsigd::q2931
