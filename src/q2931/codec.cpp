// Message encoder/decoder and the §5.6 compatibility checks (Q.2931 §5.6,
// UNI 3.1 §5.6, UNI 4.0 §2.6 / §5.6).
#include "atmsigd/q2931/codec.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "atmsigd/util/buffer_pool.hpp"

#include "ie_codec.hpp"
#include "tables.hpp"
#include "wire.hpp"

namespace atmsigd::q2931 {
namespace {

// The stack scratch of the encoder: more than any message the demon sends (a
// SETUP with both addresses, UNI 4.0 parameters and three B-LLIs is about
// 200 octets).
constexpr std::size_t kEncodeScratch = 512;

bool is_uni3x(Version v) {
  return v == Version::kUni30 || v == Version::kUni31 || v == Version::kUni31Compat30;
}

Verdict make(Problem p, Action a, std::uint8_t cause_value, Bytes diag = {},
             std::optional<std::uint8_t> ie = std::nullopt) {
  return Verdict{p, a, cause_value, std::move(diag), ie};
}

// Unknown message type (§5.6.4): regular procedure STATUS with cause 97; in
// Q.2931/UNI 4.0 the explicit message action indicator, if flagged, decides. UNI 3.x
// does not use the instruction indicator (the receiver ignores it).
Action unknown_message_action(bool follow, MessageAction a, Version v) {
  if (is_uni3x(v) || !follow) return Action::kDiscardReportStatus;
  switch (a) {
    case MessageAction::kClearCall:
      return Action::kClearCall;
    case MessageAction::kDiscardIgnore:
      return Action::kDiscardIgnore;
    case MessageAction::kDiscardReportStatus:
    case MessageAction::kReserved:
      return Action::kDiscardReportStatus;
  }
  return Action::kDiscardReportStatus;
}

// Unrecognized or (non-mandatory) bad IE (§5.6.8.1, §5.6.8.2): regular procedure is
// "discard the IE, act on the message, report STATUS"; the explicit IE action
// indicator (not used in UNI 3.x) decides otherwise.
Action ie_action(const IeHeader& h, Version v) {
  if (is_uni3x(v) || !h.follow_instructions) return Action::kProceedReportStatus;
  switch (h.action) {
    case IeAction::kClearCall:
      return Action::kClearCall;
    case IeAction::kDiscardIeProceed:
      return Action::kProceed;
    case IeAction::kDiscardIeReportStatus:
    case IeAction::kReserved3:
    case IeAction::kReserved4:
    case IeAction::kReserved7:
      return Action::kProceedReportStatus;
    case IeAction::kDiscardMessageIgnore:
      return Action::kDiscardIgnore;
    case IeAction::kDiscardMessageReportStatus:
      return Action::kDiscardReportStatus;
  }
  return Action::kProceedReportStatus;
}

// No STATUS is ever sent in answer to RELEASE COMPLETE.
Action adjust_for_message(Action a, MessageType t) {
  if (t != MessageType::kReleaseComplete) return a;
  if (a == Action::kProceedReportStatus) return Action::kProceed;
  if (a == Action::kDiscardReportStatus) return Action::kDiscardIgnore;
  return a;
}

// §5.6.3.3: whether the call reference is one the message may not carry.
bool invalid_global_use(const Message& m, GlobalCallRef global) {
  switch (global) {
    case GlobalCallRef::kNever:
      return m.cref.is_global();
    case GlobalCallRef::kOnly:
      return !m.cref.is_global();
    case GlobalCallRef::kAllowed:
      return false;
  }
  return false;
}

bool is_reporting(Action a) {
  return a == Action::kProceedReportStatus || a == Action::kDiscardReportStatus ||
         a == Action::kClearCall;
}

// The header checks (§5.6.1-§5.6.4, message length). False when they decided the
// message's fate already; else `length` is that of the IE part.
bool decode_header(ByteView bytes, Version v, DecodeResult& res, std::uint16_t& length,
                   const MsgRules*& rules) {
  auto& verdicts = res.verdicts;
  // §5.6.1: a message too short to hold the header is ignored.
  if (bytes.size() < 2 || (bytes.size() < kHeaderLength && bytes[0] == kProtocolDiscriminator &&
                           (bytes[1] & 0x0f) == kCallReferenceLength)) {
    res.message.reset();
    verdicts.push_back(make(Problem::kMessageTooShort, Action::kDiscardIgnore, 0));
    return false;
  }
  // §5.6.2: protocol discriminator.
  if (bytes[0] != kProtocolDiscriminator) {
    res.message.reset();
    verdicts.push_back(make(Problem::kBadProtocolDiscriminator, Action::kDiscardIgnore, 0));
    return false;
  }
  // §5.6.3.1: call reference length (octet 2 bits 4-1) must be 3, bits 8-5 spare 0.
  if (bytes[1] != kCallReferenceLength) {
    res.message.reset();
    verdicts.push_back(make(Problem::kBadCallReference, Action::kDiscardIgnore, 0));
    return false;
  }
  static_assert(kCallReferenceLength == 3 && kHeaderLength == 9);
  // The tests above leave no header shorter than kHeaderLength (a short one
  // either is "too short" or fails one of them): its fields are read in
  // place, no reader with a bound test per field (issue 13).
  const std::uint8_t* const h = bytes.data();
  const std::uint32_t cref = std::uint32_t{h[2]} << 16 | std::uint32_t{h[3]} << 8 | h[4];
  const std::uint8_t type = h[5];
  const std::uint8_t ext = h[6];
  length = static_cast<std::uint16_t>(h[7] << 8 | h[8]);

  // The kept message (and its IE list's storage) takes the new one's header.
  Message& m = res.message ? *res.message : res.message.emplace();
  m.ies.clear();
  m.cref.flag = (cref & 0x800000u) != 0;
  m.cref.value = cref & 0x7fffffu;
  m.type = static_cast<MessageType>(type);
  m.follow_instructions = (ext & 0x10) != 0;
  m.action = static_cast<MessageAction>(ext & 0x03);

  // §5.6.4: message type.
  rules = msg_rules(m.type, v);
  if (rules == nullptr) {
    verdicts.push_back(make(Problem::kUnknownMessageType,
                            unknown_message_action(m.follow_instructions, m.action, v),
                            cause::kMessageTypeNonExistent, Bytes{type}));
    return false;
  }
  // §5.6.3.3: the global call reference where the message may not carry it, or its
  // absence where the message needs it.
  if (invalid_global_use(m, rules->global)) {
    verdicts.push_back(make(Problem::kInvalidCallReference,
                            adjust_for_message(Action::kDiscardReportStatus, m.type),
                            cause::kInvalidCallReference));
    return false;
  }
  const std::size_t available = bytes.size() - kHeaderLength;
  if (length > available) {
    verdicts.push_back(make(Problem::kBadMessageLength,
                            adjust_for_message(Action::kDiscardReportStatus, m.type),
                            cause::kIncorrectMessageLength));
    return false;
  }
  if (length < available) verdicts.push_back(make(Problem::kTrailingOctets, Action::kProceed, 0));
  return true;
}

// An IE's octet 2 (coding standard, flag, action indicator) as its IeHeader:
// one load an IE, not three fields worked out (issue 13).
constexpr auto kIeHeaderByOctet = [] {
  std::array<IeHeader, 256> t{};
  for (unsigned o = 0; o < t.size(); ++o) {
    t[o].coding = static_cast<CodingStandard>((o >> 5) & 0x03);
    t[o].follow_instructions = (o & 0x10) != 0;
    t[o].action = static_cast<IeAction>(o & 0x07);
  }
  return t;
}();

// Per-message state of the scan over the IEs.
struct IeScan {
  Message& m;
  std::vector<Verdict>& verdicts;
  Version v;
  const MsgRules& rules;
  // Per kIeSpecs row: typed IEs accepted (kSeenCount bits), and kSeenReported
  // once a content error was reported. One array: one clear per message.
  std::array<std::uint8_t, kIeSpecs.size()> seen{};
  bool seen_blli = false;
  // Codeset shifts (Q.2931 §4.5.3, §4.5.4): the codeset a locking shift made active,
  // and the one a non-locking shift gives the next IE only (kNoShift: none).
  std::uint8_t locked_codeset = 0;
  std::uint8_t next_codeset = kNoShift;
  bool shifted = false;  // locked_codeset != 0 or next_codeset != kNoShift
  static constexpr std::uint8_t kNoShift = 0xff;
  static constexpr std::uint8_t kSeenReported = 0x80;
  static constexpr std::uint8_t kSeenCount = 0x7f;
};
static_assert(kRuleCount <= IeScan::kSeenCount, "a count fits beside the reported bit");

constexpr auto kLockingShift = static_cast<std::uint8_t>(IeId::kBroadbandLockingShift);
constexpr auto kNonLockingShift = static_cast<std::uint8_t>(IeId::kBroadbandNonLockingShift);

// A shift IE: codeset-independent and allowed in any message (so it has no message
// row). A locking shift may only move to a higher codeset (§4.5.3); one that does
// not, or names a reserved codeset, is a content error (§5.6.8.2) and not applied.
void scan_shift(IeScan& s, std::uint8_t id, const IeHeader& hdr, ByteView content) {
  std::optional<Ie> ie;
  if (ie_known(id, s.v) && content.size() == 1) ie = decode_ie(id, hdr, content, s.v);
  if (const auto* ls = ie ? std::get_if<BroadbandLockingShift>(&*ie) : nullptr) {
    if (ls->codeset <= s.locked_codeset)
      ie.reset();
    else
      s.locked_codeset = ls->codeset;
  } else if (const auto* ns = ie ? std::get_if<BroadbandNonLockingShift>(&*ie) : nullptr) {
    s.next_codeset = ns->codeset;  // 0-7: never kNoShift
  }
  if (!ie) {
    s.verdicts.push_back(make(Problem::kIeContentError,
                              adjust_for_message(ie_action(hdr, s.v), s.m.type),
                              cause::kInvalidIeContents, Bytes{id}, id));
    s.m.ies.emplace_back(UnknownIe{id, hdr, Bytes(content.begin(), content.end())});
    return;
  }
  s.m.ies.push_back(std::move(*ie));
}

// One IE: §5.6.8.1 unrecognized, §5.6.8.3 repeated, §5.6.7.2 / §5.6.8.2 content error.
// `content` is a view into the message: only an IE kept as unknown copies it.
// Inlined into decode's loop: the usual IE (expected, not repeated, well
// coded) is a table read, two tests and the appender's call.
[[gnu::always_inline]] inline void scan_ie(IeScan& s, std::uint8_t id, const IeHeader& hdr,
                                           ByteView content) {
  const MessageType t = s.m.type;
  const std::uint8_t row = kIeRowById[id];
  std::uint8_t rule = row != kNoIe ? s.rules.rule[row] : 0;
  // The usual IE (codeset 0, no shift pending, a rule in this message) skips
  // the codeset bookkeeping: one test (issue 13). A shift IE has no rule in
  // any message (tables.cpp asserts it), so it always takes this path.
  if (rule == 0 || s.shifted) [[unlikely]] {
    if (id == kLockingShift || id == kNonLockingShift) {
      scan_shift(s, id, hdr, content);
      s.shifted = s.locked_codeset != 0 || s.next_codeset != IeScan::kNoShift;
      return;
    }
    std::uint8_t codeset = s.locked_codeset;
    if (s.next_codeset != IeScan::kNoShift) {
      codeset = s.next_codeset;
      s.next_codeset = IeScan::kNoShift;
      s.shifted = s.locked_codeset != 0;
    }
    // No IE of a codeset other than 0 is implemented: such an IE is unrecognized.
    if (codeset != 0) rule = 0;
  }
  if (rule == 0) [[unlikely]] {
    // §5.6.8.1: unknown, not in this version, or not expected in this message.
    s.verdicts.push_back(make(Problem::kUnrecognizedIe, adjust_for_message(ie_action(hdr, s.v), t),
                              cause::kIeNonExistent, Bytes{id}, id));
    s.m.ies.emplace_back(UnknownIe{id, hdr, Bytes(content.begin(), content.end())});
    return;
  }
  std::uint8_t& seen = s.seen[row];
  if ((seen & IeScan::kSeenCount) >= (rule & kRuleCount)) [[unlikely]] {
    // §5.6.8.3 (Q.2931 §4.5.1): repetitions beyond those allowed are ignored.
    s.verdicts.push_back(make(Problem::kRepeatedIe, Action::kProceed, 0, {}, id));
    return;
  }
  if (!decode_ie_append(s.m.ies, row, hdr, content, s.v)) [[unlikely]] {
    // §5.6.7.2 (mandatory) / §5.6.8.2 (optional): content error, cause 100.
    if ((seen & IeScan::kSeenReported) == 0) {
      seen |= IeScan::kSeenReported;
      if ((rule & kRuleMandatory) != 0)
        s.verdicts.push_back(make(Problem::kMandatoryIeContentError,
                                  adjust_for_message(s.rules.mandatory_error, t),
                                  cause::kInvalidIeContents, Bytes{id}, id));
      else
        s.verdicts.push_back(make(Problem::kIeContentError,
                                  adjust_for_message(ie_action(hdr, s.v), t),
                                  cause::kInvalidIeContents, Bytes{id}, id));
    }
    s.m.ies.emplace_back(UnknownIe{id, hdr, Bytes(content.begin(), content.end())});
    return;
  }
  ++seen;
  // §4.5.1: the broadband repeat indicator precedes the IEs it repeats. Tolerated.
  if (id == static_cast<std::uint8_t>(IeId::kBroadbandLowLayerInfo)) s.seen_blli = true;
  if (id == static_cast<std::uint8_t>(IeId::kBroadbandRepeatIndicator) && s.seen_blli)
    s.verdicts.push_back(make(Problem::kIeOutOfSequence, Action::kProceed, 0, {}, id));
}

}  // namespace

Action DecodeResult::worst_action() const {
  Action worst = Action::kProceed;
  for (const auto& v : verdicts)
    if (static_cast<int>(v.action) > static_cast<int>(worst)) worst = v.action;
  return worst;
}

std::optional<Cause> DecodeResult::cause_of_verdicts() const {
  const Action a = action();
  if (!message || !is_reporting(a)) return std::nullopt;
  const Verdict* first = nullptr;
  for (const auto& v : verdicts)
    if (v.action == a && v.cause != 0) {
      first = &v;
      break;
    }
  if (first == nullptr) return std::nullopt;
  Cause c;
  c.location = CauseLocation::kUser;
  c.value = first->cause;
  for (const auto& v : verdicts) {
    if (v.cause != first->cause || !is_reporting(v.action)) continue;
    for (std::uint8_t b : v.diagnostics)
      if (c.diagnostics.size() < 28) c.diagnostics.push_back(b);
  }
  return c;
}

Bytes encode(const Message& msg, Version v) {
  // The one place the codec makes an output buffer (the SDU that travels to
  // SSCOP and the shell): from the thread's pool; the shell gives it back
  // once sent (issue 13).
  Bytes out = take_buffer();
  encode(msg, v, out);
  return out;
}

void encode(const Message& msg, Version v, Bytes& out) {
  // Written on the stack (nothing zeroed, nothing allocated), then copied
  // once into `out`, with room for SSCOP's SD trailer behind it (one
  // allocation at most, none into a kept buffer). Only a message larger than
  // the scratch spills into `out` directly.
  std::uint8_t scratch[kEncodeScratch];
  out.clear();
  const std::uint32_t cref = (msg.cref.flag ? 0x800000u : 0u) | (msg.cref.value & 0x7fffffu);
  const std::uint8_t head[kHeaderLength] = {
      kProtocolDiscriminator,
      kCallReferenceLength,
      static_cast<std::uint8_t>(cref >> 16),
      static_cast<std::uint8_t>(cref >> 8),
      static_cast<std::uint8_t>(cref),
      static_cast<std::uint8_t>(msg.type),
      static_cast<std::uint8_t>(0x80 | (msg.follow_instructions ? 0x10 : 0) |
                                (static_cast<std::uint8_t>(msg.action) & 0x03)),
      0,
      0};
  wire::Writer w(scratch, sizeof scratch, out);
  w.put(head, kHeaderLength);  // the length patched below
  for (const auto& ie : msg.ies) encode_ie_into(w, ie, v);
  const std::size_t len = w.size() - kHeaderLength;
  if (len > 0xffff) throw std::length_error("q2931: message longer than 65535 octets");
  w.patch(7, static_cast<std::uint8_t>(len >> 8));
  w.patch(8, static_cast<std::uint8_t>(len));
  bool spilled = false;
  const ByteView bytes = w.take(spilled);
  if (spilled) {
    out.reserve(out.size() + kSduTrailerRoom);
    return;
  }
  out.reserve(bytes.size() + kSduTrailerRoom);
  out.assign(bytes.begin(), bytes.end());
}

DecodeResult decode(ByteView bytes, Version v) {
  DecodeResult res;
  decode(bytes, v, res);
  return res;
}

void decode(ByteView bytes, Version v, DecodeResult& res) {
  res.verdicts.clear();
  std::uint16_t length = 0;
  const MsgRules* rules = nullptr;
  if (!decode_header(bytes, v, res, length, rules)) return;
  Message& m = *res.message;
  IeScan scan{m, res.verdicts, v, *rules};
  // The IEs, read with a pointer (each IE: one bound test for its header,
  // one for its contents).
  const std::uint8_t* p = bytes.data() + kHeaderLength;
  const std::uint8_t* const end = p + length;
  while (p != end) {
    if (end - p < 4 || end - p - 4 < (p[2] << 8 | p[3])) [[unlikely]] {
      res.verdicts.push_back(make(Problem::kBadMessageLength,
                                  adjust_for_message(Action::kDiscardReportStatus, m.type),
                                  cause::kIncorrectMessageLength));
      return;
    }
    const std::uint8_t id = p[0];
    const std::uint8_t inst = p[1];
    const std::size_t ie_len = static_cast<std::size_t>(p[2] << 8 | p[3]);
    const ByteView content(p + 4, ie_len);
    p += 4 + ie_len;
    scan_ie(scan, id, kIeHeaderByOctet[inst], content);
  }
  // §5.6.7.1: mandatory IEs.
  for (std::size_t i = 0; i < rules->mandatory_count; ++i) {
    const std::uint8_t id = rules->mandatory[i];
    if (scan.seen[kIeRowById[id]] == 0)  // neither accepted nor reported as bad
      res.verdicts.push_back(make(Problem::kMandatoryIeMissing,
                                  adjust_for_message(rules->mandatory_error, m.type),
                                  cause::kMandatoryIeMissing, Bytes{id}, id));
  }
}

std::string_view problem_name(Problem p) {
  switch (p) {
    case Problem::kMessageTooShort:
      return "message too short";
    case Problem::kBadProtocolDiscriminator:
      return "bad protocol discriminator";
    case Problem::kBadCallReference:
      return "bad call reference";
    case Problem::kInvalidCallReference:
      return "invalid call reference";
    case Problem::kUnknownMessageType:
      return "unknown message type";
    case Problem::kBadMessageLength:
      return "bad message length";
    case Problem::kTrailingOctets:
      return "trailing octets";
    case Problem::kMandatoryIeMissing:
      return "mandatory IE missing";
    case Problem::kMandatoryIeContentError:
      return "mandatory IE content error";
    case Problem::kUnrecognizedIe:
      return "unrecognized IE";
    case Problem::kIeContentError:
      return "IE content error";
    case Problem::kRepeatedIe:
      return "repeated IE";
    case Problem::kIeOutOfSequence:
      return "IE out of sequence";
  }
  return "?";
}

std::string_view action_name(Action a) {
  switch (a) {
    case Action::kProceed:
      return "proceed";
    case Action::kProceedReportStatus:
      return "proceed, report STATUS";
    case Action::kDiscardReportStatus:
      return "discard message, report STATUS";
    case Action::kDiscardIgnore:
      return "discard message";
    case Action::kClearCall:
      return "clear call";
  }
  return "?";
}

}  // namespace atmsigd::q2931
