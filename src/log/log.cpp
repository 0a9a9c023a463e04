#include "atmsigd/log/log.hpp"

#include <cctype>
#include <utility>

namespace atmsigd::log {

std::string_view group_name(Group g) {
  static constexpr std::string_view kNames[] = {"debug", "io", "saal", "sig", "policy"};
  return kNames[static_cast<std::size_t>(g)];
}

std::string_view level_name(Level l) {
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error", "off"};
  return kNames[static_cast<std::size_t>(l)];
}

std::string id_name(Id id) {
  // kCallEstablished -> CALL_ESTABLISHED
  const std::string_view n = spec(id).name.substr(1);
  std::string s;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    if (i != 0 && std::isupper(static_cast<unsigned char>(c)) != 0) s += '_';
    s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

RateLimiter::Verdict RateLimiter::admit(Id id, TimePoint now) {
  Slot& s = slots_[static_cast<std::size_t>(id)];
  if (s.count == 0 || now - s.start >= window_) {
    s.start = now;
    s.count = 0;
  }
  if (s.count >= burst_) {
    ++s.suppressed;
    return {false, 0};
  }
  ++s.count;
  return {true, std::exchange(s.suppressed, 0)};
}

}  // namespace atmsigd::log
