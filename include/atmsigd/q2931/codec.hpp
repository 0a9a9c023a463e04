// Q.2931 encoder / decoder, one codec parameterized by Version.
//
//   Bytes        encode(const Message&, Version);
//   DecodeResult decode(ByteView, Version);
//
// The decoder never throws and never reads outside its input. Besides the decoded
// message it returns the §5.6 (Q.2931 / UNI 3.1 / UNI 4.0) verdicts: what call control
// has to do about each problem found. decode(encode(m)) == m for every message the
// decoder produced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/q2931/message.hpp"
#include "atmsigd/util/bytes.hpp"

namespace atmsigd::q2931 {

// What went wrong (Q.2931 §5.6 subclause in brackets).
enum class Problem : std::uint8_t {
  kMessageTooShort,           // fewer than 9 octets / no complete header (§5.6.1)
  kBadProtocolDiscriminator,  // not 0x09 (§5.6.2)
  kBadCallReference,          // call reference length not 3 (§5.6.3.1)
  kInvalidCallReference,      // global call reference on a message that may not use it,
                              // or RESTART without it (§5.6.3.3): cause 81
  kUnknownMessageType,        // unknown / not in this version (§5.6.4): cause 97
  kBadMessageLength,          // message length larger than the octets received, or an IE
                              // running past the end (truncated): cause 104
  kTrailingOctets,            // octets after the message length: ignored
  kMandatoryIeMissing,        // (§5.6.7.1): cause 96, diagnostics = IE identifier
  kMandatoryIeContentError,   // (§5.6.7.2): cause 100, diagnostics = IE identifier
  kUnrecognizedIe,            // unknown, or not defined for the version/message (§5.6.8.1): 99
  kIeContentError,            // non-mandatory IE with bad contents/length (§5.6.8.2): 100
  kRepeatedIe,                // more repetitions than allowed: extra ones ignored (§5.6.8.3)
  kIeOutOfSequence,           // e.g. repeat indicator after the BLLIs: tolerated (§4.5.1)
};

// What call control has to do (per verdict and for the whole message).
// Ordered by precedence (Q.2931 §5.6.8.1): the highest one of all verdicts wins.
enum class Action : std::uint8_t {
  kProceed,              // act on the message (the problem IE, if any, is discarded)
  kProceedReportStatus,  // act on the message, then send STATUS with `cause`
  kDiscardReportStatus,  // ignore the message, send STATUS with `cause`
  kDiscardIgnore,        // ignore the message silently
  kClearCall,            // clear the call with `cause` (SETUP: RELEASE COMPLETE)
};

struct Verdict {
  Problem problem = Problem::kMessageTooShort;
  Action action = Action::kProceed;
  std::uint8_t cause = 0;          // cause value for STATUS / clearing (0: none)
  Bytes diagnostics;               // cause diagnostics (IE identifier, message type, ...)
  std::optional<std::uint8_t> ie;  // the IE concerned, if any
  bool operator==(const Verdict&) const = default;
};

struct DecodeResult {
  // Empty only when the header could not be decoded (too short, bad protocol
  // discriminator, bad call reference): the message is then ignored.
  std::optional<Message> message;
  std::vector<Verdict> verdicts;

  bool ok() const { return message.has_value() && verdicts.empty(); }
  // Highest-precedence action of all verdicts (kProceed if none; kDiscardIgnore if
  // there is no message).
  Action action() const {
    if (!message) return Action::kDiscardIgnore;
    return verdicts.empty() ? Action::kProceed : worst_action();  // inline: the usual case
  }
  // The Cause IE call control sends with that action (STATUS / RELEASE / RELEASE
  // COMPLETE): the cause of the first verdict with the winning action, with the
  // diagnostics of all verdicts of the same cause value (e.g. several IE ids for 99).
  // nullopt for kProceed and kDiscardIgnore.
  std::optional<Cause> cause() const {
    if (verdicts.empty()) return std::nullopt;  // inline: the usual case
    return cause_of_verdicts();
  }

 private:
  Action worst_action() const;
  std::optional<Cause> cause_of_verdicts() const;
};

// Octets an encoding keeps free behind it (capacity): SSCOP appends its SD
// trailer (pad, then PL/type/N(S): at most 3 + 4 octets) in place to the
// SDU it is handed, so a message sent needs no second buffer (docs/saal.md,
// "Buffers and ownership").
inline constexpr std::size_t kSduTrailerRoom = 8;

// Encodes the message. IEs are written in vector order with their own IeHeader;
// version-specific coding: the AAL Mode subfield is written only for UNI 3.0/3.1.
// Throws std::length_error if the message does not fit the 16-bit length.
Bytes encode(const Message& msg, Version v);
// The same into `out` (its contents replaced, its capacity reused): no
// allocation for a caller that keeps one buffer. Either way the result has
// kSduTrailerRoom octets of capacity to spare.
void encode(const Message& msg, Version v, Bytes& out);
DecodeResult decode(ByteView bytes, Version v);
// The same into `res`, whose storage (the IE list's) is reused: no allocation
// per message for a caller that keeps one DecodeResult.
void decode(ByteView bytes, Version v, DecodeResult& res);

// One IE with its 4-octet header, and the contents decoder (used by tests, traces).
Bytes encode_ie(const Ie& ie, Version v);
// Decodes the contents (after the 4-octet header) of IE `id`; nullopt on a content
// error or an identifier the codec does not know.
std::optional<Ie> decode_ie(std::uint8_t id, const IeHeader& hdr, ByteView content, Version v);

// What a missing or bad mandatory IE does to a message of type t (Q.2931 §5.6.7.1/2):
// SETUP and ADD PARTY kClearCall (RELEASE COMPLETE / ADD PARTY REJECT), RELEASE
// kProceedReportStatus (acted upon, the cause in RELEASE COMPLETE), RELEASE COMPLETE
// kProceed, any other message kDiscardReportStatus. A column of the message table.
Action mandatory_ie_action(MessageType t);

std::string_view problem_name(Problem p);
std::string_view action_name(Action a);

}  // namespace atmsigd::q2931
