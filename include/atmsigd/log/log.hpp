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
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "atmsigd/util/sanitizer.hpp"
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

// An event's arguments (issue 13: the default level prints two lines per
// call, and a std::vector allocated an array for each). Arrays of up to
// kPooledArgs come from a free list of this thread (a pop and a push, no
// malloc/free); longer ones, and every array under ASan (so that it still
// sees a use after free), from the heap. The event stays two words: it
// travels inside every core's action variant (sscop::Action is 40 octets),
// which an inline store of the arguments would multiply. The subset of
// std::vector's interface the demon and its tests use.
inline constexpr std::size_t kPooledArgs = 8;
inline constexpr bool kArgsPooled = !kAddressSanitizer;
void* take_arg_block();  // room for kPooledArgs Args
void give_arg_block(void* p) noexcept;

class Args {
 public:
  Args() noexcept = default;
  Args(std::initializer_list<Arg> l) {  // NOLINT: as std::vector's
    reserve(l.size());
    for (const Arg& a : l) emplace_back(a);
  }
  Args(const Args& o) {
    reserve(o.n_);
    for (const Arg& a : o) emplace_back(a);
  }
  Args(Args&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)),
        n_(std::exchange(o.n_, 0)),
        cap_(std::exchange(o.cap_, 0)),
        nontrivial_(std::exchange(o.nontrivial_, 0)) {}
  Args& operator=(const Args& o) {
    if (this != &o) {
      Args t(o);
      swap(t);
    }
    return *this;
  }
  Args& operator=(Args&& o) noexcept {
    Args t(std::move(o));
    swap(t);
    return *this;
  }
  ~Args() { release(); }
  void swap(Args& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    std::swap(cap_, o.cap_);
    std::swap(nontrivial_, o.nontrivial_);
  }

  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  Arg& operator[](std::size_t i) { return p_[i]; }
  const Arg& operator[](std::size_t i) const { return p_[i]; }
  const Arg& at(std::size_t i) const {
    if (i >= n_) throw std::out_of_range("log::Args::at");
    return p_[i];
  }
  Arg* begin() { return p_; }
  Arg* end() { return p_ + n_; }
  const Arg* begin() const { return p_; }
  const Arg* end() const { return p_ + n_; }

  void reserve(std::size_t n) {
    if (n > cap_) grow(n);
  }
  template <class... V>
  Arg& emplace_back(V&&... v) {
    if (n_ == cap_) grow(n_ < kPooledArgs ? kPooledArgs : 2 * std::size_t{n_});
    Arg* a = ::new (static_cast<void*>(p_ + n_)) Arg(std::forward<V>(v)...);
    if (kNontrivial[a->index()]) mark(n_);
    ++n_;
    return *a;
  }
  void push_back(const Arg& a) { emplace_back(a); }

  // An empty Args made of exactly these values (log::emit): one array taken,
  // each Arg built in place, and whether any needs its destructor known at
  // compile time from the values' types (the default level's events hold
  // numbers, views and addresses only: their release skips the loop).
  template <class... V>
  void assign_values(V&&... v) {
    if constexpr (sizeof...(V) != 0) {
      p_ = allocate(sizeof...(V), cap_);
      // Counted as each is made: a constructor that throws leaves an Args
      // that releases what was made.
      constexpr std::uint8_t kMarks = marks_of<std::decay_t<V>...>();
      nontrivial_ = kMarks;
      ((::new (static_cast<void*>(p_ + n_)) Arg(std::forward<V>(v)), ++n_), ...);
    }
  }

 private:
  template <class V>
  struct Trivial;
  template <class... T>
  struct Trivial<std::variant<T...>> {
    // Indexed by Arg::index(), the last entry for valueless_by_exception.
    static constexpr bool kNontrivial[] = {!std::is_trivially_destructible_v<T>..., false};
    // A value of type V builds the alternative V itself, trivially destructible.
    template <class V>
    static constexpr bool kTrivialAlternative =
        ((std::is_same_v<V, T> && std::is_trivially_destructible_v<T>) || ...);
  };
  static constexpr const bool (&kNontrivial)[std::variant_size_v<Arg> + 1] =
      Trivial<Arg>::kNontrivial;
  template <class V>
  static constexpr bool kTrivialAlternative = Trivial<Arg>::template kTrivialAlternative<V>;
  static std::size_t slot(const Arg& a) noexcept {
    const std::size_t i = a.index();  // variant_npos: the last entry
    return i < std::variant_size_v<Arg> ? i : std::variant_size_v<Arg>;
  }
  static void destroy(Arg& a) noexcept {
    // Most arguments are numbers, views and addresses: no destructor to
    // visit. A string (a call's entity name) destroyed as itself, not
    // through the variant: its storage goes with the array.
    using String = std::string;
    if (String* s = std::get_if<String>(&a))
      s->~String();
    else if (kNontrivial[slot(a)])
      a.~Arg();
  }
  // mark() for values of types V..., at compile time.
  template <class... V>
  static constexpr std::uint8_t marks_of() {
    constexpr bool kHas[] = {!kTrivialAlternative<V>...};
    std::uint8_t m = 0;
    for (std::size_t i = 0; i < sizeof...(V); ++i)
      if (kHas[i]) m |= i < 7 ? static_cast<std::uint8_t>(1u << i) : std::uint8_t{0x80};
    return m;
  }
  // Bit k (k < 7): the argument k has a destructor; bit 7: one from 7 on.
  void mark(std::size_t k) noexcept {
    nontrivial_ |= k < 7 ? static_cast<std::uint8_t>(1u << k) : std::uint8_t{0x80};
  }
  void destroy_marked() noexcept {
    for (unsigned m = nontrivial_ & 0x7fu; m != 0; m &= m - 1)
      destroy(p_[static_cast<std::size_t>(__builtin_ctz(m))]);
    if ((nontrivial_ & 0x80u) != 0)
      for (std::uint32_t i = 7; i < n_; ++i) destroy(p_[i]);
  }
  static Arg* allocate(std::size_t n, std::uint16_t& cap) {
    if (kArgsPooled && n <= kPooledArgs) {
      cap = kPooledArgs;
      return static_cast<Arg*>(take_arg_block());
    }
    if (n > UINT16_MAX) throw std::length_error("log::Args");
    cap = static_cast<std::uint16_t>(n);
    return static_cast<Arg*>(::operator new(n * sizeof(Arg)));
  }
  static void deallocate(Arg* p, std::uint16_t cap) noexcept {
    if (kArgsPooled && cap == kPooledArgs)
      give_arg_block(p);
    else
      ::operator delete(p);
  }
  void grow(std::size_t n) {
    std::uint16_t cap = 0;
    Arg* p = allocate(n, cap);
    for (std::uint32_t i = 0; i < n_; ++i) {
      ::new (static_cast<void*>(p + i)) Arg(std::move(p_[i]));
      destroy(p_[i]);
    }
    if (p_ != nullptr) deallocate(p_, cap_);
    p_ = p;
    cap_ = cap;
  }
  void release() noexcept {
    if (p_ == nullptr) return;
    if (nontrivial_ != 0) destroy_marked();
    deallocate(p_, cap_);
    p_ = nullptr;
    n_ = cap_ = 0;
    nontrivial_ = 0;
  }

  Arg* p_ = nullptr;
  std::uint32_t n_ = 0;
  std::uint16_t cap_ = 0;
  // Which arguments have a destructor (a std::string, Octets; mark()):
  // release() visits those only (issue 13: visiting each was a tenth of the
  // log path).
  std::uint8_t nontrivial_ = 0;
};
static_assert(sizeof(Args) == 16);

struct Event {
  Id id;
  Args args;
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
  e.args.assign_values(arg_value(std::forward<A>(a))...);
  out.emplace_back(std::move(e));  // an action variant made in place, not moved into
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
