// Private: the table row types behind message.hpp's queries.
#pragma once

#include <cstdint>
#include <string_view>

#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/q2931/message.hpp"

namespace atmsigd::q2931 {

using VersionMask = std::uint8_t;
inline constexpr VersionMask kUni30 = 1u << static_cast<unsigned>(Version::kUni30);
inline constexpr VersionMask kUni31 = 1u << static_cast<unsigned>(Version::kUni31);
inline constexpr VersionMask kUni40 = 1u << static_cast<unsigned>(Version::kUni40);
inline constexpr VersionMask kQ2931 = 1u << static_cast<unsigned>(Version::kQ2931);

struct IeSpec {
  IeId id;
  std::string_view name;
  std::uint8_t min_len;  // contents length (after the 4-octet header)
  std::uint8_t max_len;
  VersionMask versions;
};

struct MsgSpec {
  MessageType type;
  std::string_view name;
  VersionMask versions;
};

struct MsgIeSpec {
  MessageType msg;
  IeId ie;
  std::uint8_t max_count;
  VersionMask mandatory;  // versions in which the IE is mandatory in the message
};

bool in_version(VersionMask mask, Version v);
const IeSpec* ie_spec(std::uint8_t id);
const MsgSpec* msg_spec(MessageType t);

}  // namespace atmsigd::q2931
