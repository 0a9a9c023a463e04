// Q.2931 messages: header (protocol discriminator, call reference, message type with
// the message compatibility instruction indicator, length) and the IEs in wire order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/q2931/ie_list.hpp"

namespace atmsigd::q2931 {

inline constexpr std::uint8_t kProtocolDiscriminator = 0x09;
inline constexpr std::uint8_t kCallReferenceLength = 3;
inline constexpr std::size_t kHeaderLength = 9;

enum class MessageType : std::uint8_t {
  kAlerting = 0x01,
  kCallProceeding = 0x02,
  kSetup = 0x05,
  kConnect = 0x07,
  kConnectAcknowledge = 0x0f,
  kRestart = 0x46,
  kRelease = 0x4d,
  kRestartAcknowledge = 0x4e,
  kReleaseComplete = 0x5a,
  kNotify = 0x6e,
  kStatusEnquiry = 0x75,
  kStatus = 0x7d,
  // Q.2971 / UNI 4.0 point-to-multipoint
  kAddParty = 0x80,
  kAddPartyAcknowledge = 0x81,
  kAddPartyReject = 0x82,
  kDropParty = 0x83,
  kDropPartyAcknowledge = 0x84,
  kPartyAlerting = 0x85,
  // Q.2963 connection modification
  kModifyRequest = 0x88,
  kModifyAcknowledge = 0x89,
  kModifyReject = 0x8a,
  kConnectionAvailable = 0x8b,
  // UNI 4.0 leaf-initiated join
  kLeafSetupFailure = 0x90,
  kLeafSetupRequest = 0x91,
};

// Message action indicator (octet 7 bits 2-1), Q.2931 §4.4.
enum class MessageAction : std::uint8_t {
  kClearCall = 0,
  kDiscardIgnore = 1,
  kDiscardReportStatus = 2,
  kReserved = 3,  // treated as kDiscardReportStatus
};

struct CallReference {
  static constexpr std::uint32_t kGlobal = 0;        // global call reference
  static constexpr std::uint32_t kDummy = 0x7fffff;  // dummy call reference
  std::uint32_t value = 0;                           // 23 bits
  bool flag = false;  // false: sent from the side that allocated it ("orig")
  bool is_global() const { return value == kGlobal; }
  bool is_dummy() const { return value == kDummy; }
  bool operator==(const CallReference&) const = default;
};

// IEs a message holds without a heap block: more than any message the demon
// builds (a SETUP: at most 17, usually 7-9) or a peer usually sends.
inline constexpr std::size_t kInlineIes = 12;
using IeList = InlineVector<Ie, kInlineIes>;

// The IEs of type T in a message, in wire order: a view (no allocation), valid
// while the message is. size() and operator[] walk the list.
template <class T>
class IesOf {
 public:
  class iterator {
   public:
    using value_type = const T*;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const Ie* at, const Ie* end) : at_(at), end_(end) { skip(); }
    const T* operator*() const { return std::get_if<T>(at_); }
    iterator& operator++() {
      ++at_;
      skip();
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& o) const { return at_ == o.at_; }

   private:
    void skip() {
      while (at_ != end_ && !std::holds_alternative<T>(*at_)) ++at_;
    }
    const Ie* at_ = nullptr;
    const Ie* end_ = nullptr;
  };
  IesOf(const Ie* first, const Ie* last) : first_(first), last_(last) {}
  iterator begin() const { return {first_, last_}; }
  iterator end() const { return {last_, last_}; }
  std::size_t size() const { return static_cast<std::size_t>(std::distance(begin(), end())); }
  bool empty() const { return begin() == end(); }
  const T* operator[](std::size_t i) const { return *std::next(begin(), static_cast<long>(i)); }
  const T* front() const { return *begin(); }

 private:
  const Ie* first_;
  const Ie* last_;
};

struct Message {
  MessageType type = MessageType::kSetup;  // may hold an unknown code after decoding
  CallReference cref;
  // Message compatibility instruction indicator (octet 7).
  bool follow_instructions = false;
  MessageAction action = MessageAction::kClearCall;
  IeList ies;  // in wire order

  bool operator==(const Message&) const = default;

  // First IE of type T, or nullptr.
  template <class T>
  const T* find() const {
    for (const auto& ie : ies)
      if (const T* p = std::get_if<T>(&ie)) return p;
    return nullptr;
  }
  // Every IE of type T (a view into `ies`).
  template <class T>
  IesOf<T> all() const {
    return {ies.begin(), ies.end()};
  }
  template <class T>
  Message& add(T ie) {
    ies.emplace_back(std::move(ie));
    return *this;
  }
  // A new last IE of type T, default-constructed in place, to be filled (no
  // temporary to build and copy: the SETUP's IEs are made this way).
  template <class T>
  T& emplace() {
    return *std::get_if<T>(&ies.emplace_back(std::in_place_type<T>));
  }
};

// ---- What the coding tables say (src/q2931/tables.cpp) ----

std::string_view message_name(MessageType t);  // "SETUP", "UNKNOWN" if not a known type
std::string_view ie_name(std::uint8_t id);     // "AAL parameters", "unknown IE"
std::string_view version_name(Version v);      // "UNI 3.0", ...

// Whether the message type exists in the version.
bool message_known(MessageType t, Version v);
// Whether the IE identifier exists in the version.
bool ie_known(std::uint8_t id, Version v);

struct IeRule {
  std::uint8_t max_count = 1;
  bool mandatory = false;
};
// How the IE may appear in the message in this version; nullopt if it may not.
std::optional<IeRule> ie_rule(MessageType t, std::uint8_t id, Version v);
// Mandatory IEs of a message in a version, in table order.
std::vector<std::uint8_t> mandatory_ies(MessageType t, Version v);
// ---- Per-message columns of the tables (kMsgSpecs); nullopt / false for a type
// not in the tables ----

// The procedures a message belongs to.
enum class Procedure : std::uint8_t {
  kCallControl,        // point-to-point call/connection control, Q.2931 §5.1-§5.4, §5.6
  kRestart,            // restart procedure, Q.2931 §5.5 (global call reference only)
  kPointToMultipoint,  // Q.2971, UNI 3.1 §5.6 / UNI 4.0 §5 (ADD PARTY ... DROP PARTY ACK)
  kModification,       // Q.2963.1 (MODIFY ..., CONNECTION AVAILABLE)
  kLeafInitiatedJoin,  // UNI 4.0 §6 (LEAF SETUP REQUEST / FAILURE)
};
std::optional<Procedure> message_procedure(MessageType t);

// Who may send the message: the "Direction" line of its message table.
enum class Direction : std::uint8_t { kUserToNetwork, kNetworkToUser, kBoth };
enum class Sender : std::uint8_t { kUser, kNetwork };
std::optional<Direction> message_direction(MessageType t);
bool sent_by(MessageType t, Sender who);

// The global call reference (Q.2931 §5.6.3.3): RESTART / RESTART ACKNOWLEDGE only with
// it, STATUS with or without it, every other message never.
enum class GlobalCallRef : std::uint8_t { kNever, kAllowed, kOnly };
std::optional<GlobalCallRef> global_call_ref(MessageType t);

// What the receiver does with the message when its call reference is not that of a
// call in progress (Q.2931 §5.6.3.2).
enum class UnknownCallRef : std::uint8_t {
  kReleaseComplete,  // a): RELEASE COMPLETE, cause 81 "invalid call reference value"
  kIgnore,           // b): RELEASE COMPLETE: nothing
  kNewCall,          // SETUP: a new call (ignored if the call reference flag is 1)
  kStatusNull,       // STATUS ENQUIRY: STATUS, call state Null, cause 30
  kStatusCheck,      // STATUS: nothing if its call state is Null, else RELEASE COMPLETE 101
};
std::optional<UnknownCallRef> unknown_call_ref(MessageType t);

// Every message type / IE identifier in the tables.
std::vector<MessageType> all_message_types();
std::vector<std::uint8_t> all_ie_ids();

}  // namespace atmsigd::q2931
