// Log events: every line the demon can log has an ID in one catalog
// (messages.def, documented in docs/log-messages.md), a group, a default
// severity and a text with {} placeholders. A core emits an Event with typed
// arguments only if the Levels filter wants it: a disabled event costs one
// comparison and no allocation. The text is built by format() (log_format
// library), in the shell, only for events a sink will print.
//
//   if (levels.enabled(log::Id::kCallEstablished))
//     out.push_back(log::Event{log::Id::kCallEstablished, {cref, pvc}});
// or shorter, with the helper:
//   log::emit(levels, out, log::Id::kCallEstablished, log::Hex{cref}, pvc);
#pragma once

#include <sys/socket.h>

#include <linux/atm.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "atmsigd/util/time.hpp"

namespace atmsigd::log {

// The groups of atmsigd.conf ("debug" is the demon itself).
enum class Group : std::uint8_t { kDemon, kIo, kSaal, kSig, kPolicy };
inline constexpr std::size_t kGroups = 5;
std::string_view group_name(Group g);

enum class Level : std::uint8_t { kDebug, kInfo, kWarn, kError, kOff };
std::string_view level_name(Level l);

enum class Id : std::uint16_t {
#define ATMSIGD_MSG(id, group, level, text) id,
#include "atmsigd/log/messages.def"
#undef ATMSIGD_MSG
};

struct Spec {
  std::string_view name;  // "kCallEstablished" -> CALL_ESTABLISHED in the docs
  Group group;
  Level level;
  std::string_view text;  // {} for each argument, in order
};

inline constexpr Spec kCatalog[] = {
#define ATMSIGD_MSG(id, group, level, text) {#id, Group::group, Level::level, text},
#include "atmsigd/log/messages.def"
#undef ATMSIGD_MSG
};
inline constexpr std::size_t kIds = std::size(kCatalog);

constexpr const Spec& spec(Id id) {
  return kCatalog[static_cast<std::size_t>(id)];
}

// "CALL_ESTABLISHED" for kCallEstablished: the ID as the docs and the log show it.
std::string id_name(Id id);

// Typed arguments, formatted only when printed.
struct Hex {
  std::uint64_t value;
};
struct Cause {  // "31 (normal, unspecified)"
  std::uint8_t value;
};
struct Errno {  // "-104 (Connection reset by peer)", 0: "0"
  int value;
};
struct Octets {  // a hex dump
  std::vector<std::uint8_t> bytes;
};
using Arg = std::variant<std::int64_t, std::uint64_t, std::string_view, std::string, Hex, Cause,
                         Errno, Octets, struct sockaddr_atmsvc, struct sockaddr_atmpvc>;

// Integral arguments of any width; string literals stay views (static text
// only). arg_value() is the value an Arg is made of, so that emit() builds
// each Arg in place (a sockaddr_atmsvc is 40 octets: no variant moved).
template <class T>
decltype(auto) arg_value(T&& v) {
  using D = std::decay_t<T>;
  if constexpr (std::is_same_v<D, bool>)
    return std::string_view(v ? "yes" : "no");
  else if constexpr (std::is_integral_v<D> && std::is_signed_v<D>)
    return static_cast<std::int64_t>(v);
  else if constexpr (std::is_integral_v<D>)
    return static_cast<std::uint64_t>(v);
  else if constexpr (std::is_enum_v<D>)
    return static_cast<std::uint64_t>(v);
  else if constexpr (std::is_same_v<D, const char*> || std::is_same_v<D, char*>)
    return std::string_view(v);
  else
    return std::forward<T>(v);
}
template <class T>
Arg arg(T&& v) {
  return Arg(arg_value(std::forward<T>(v)));
}

struct Event {
  Id id;
  std::vector<Arg> args;
};

// Which events anyone wants: the lowest level per group. Cores read it, the
// shell sets it (configuration, -d, SIGHUP).
class Levels {
 public:
  Levels() { min_.fill(Level::kInfo); }
  static Levels all() {
    Levels l;
    l.min_.fill(Level::kDebug);
    return l;
  }
  bool enabled(Id id) const {
    const Spec& s = spec(id);
    return s.level >= min_[static_cast<std::size_t>(s.group)];
  }
  void set(Group g, Level l) { min_[static_cast<std::size_t>(g)] = l; }
  Level get(Group g) const { return min_[static_cast<std::size_t>(g)]; }

 private:
  std::array<Level, kGroups> min_{};
};

// Appends the event to `out` (any vector whose element type an Event converts
// to) if the levels want it; the arguments are not even converted otherwise.
template <class Out, class... A>
void emit(const Levels& levels, Out& out, Id id, A&&... a) {
  if (!levels.enabled(id)) return;
  Event e{id, {}};
  e.args.reserve(sizeof...(a));
  (e.args.emplace_back(arg_value(std::forward<A>(a))), ...);
  out.push_back(std::move(e));
}

// Repeated warnings: at most `burst` events of one ID per `window`; the first
// admitted event after a window with suppressed ones carries their count.
class RateLimiter {
 public:
  explicit RateLimiter(unsigned burst = 10, Duration window = std::chrono::seconds(10))
      : burst_(burst), window_(window) {}
  struct Verdict {
    bool print;
    std::uint64_t suppressed_before;  // events of this ID dropped since the last printed one
  };
  Verdict admit(Id id, TimePoint now);

 private:
  struct Slot {
    TimePoint start{};
    unsigned count = 0;
    std::uint64_t suppressed = 0;
  };
  unsigned burst_;
  Duration window_;
  std::array<Slot, kIds> slots_{};
};

}  // namespace atmsigd::log
