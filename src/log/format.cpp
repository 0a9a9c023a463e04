#include "atmsigd/log/format.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <variant>

#include "atmsigd/q2931/text.hpp"
#include "atmsigd/util/atm_text.hpp"
#include "atmsigd/util/bytes.hpp"

namespace atmsigd::log {

namespace {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

// An event's text is built in a buffer on the stack and appended to the
// line once (the default level prints two lines per call: appending each
// piece and each argument to the string cost about as much as the text).
// A piece that does not fit goes straight to the string; finish() appends
// the rest.
class Writer {
 public:
  explicit Writer(std::string& s) : s_(s) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  void put(std::string_view v) {
    if (v.size() > sizeof buf_ - n_) {
      flush();
      if (v.size() > sizeof buf_) {
        s_.append(v);
        return;
      }
    }
    std::memcpy(buf_ + n_, v.data(), v.size());
    n_ += v.size();
  }
  void put(char c) {
    if (n_ == sizeof buf_) flush();
    buf_[n_++] = c;
  }
  // Room for `k` characters (k at most the buffer's size), then done(end).
  char* room(std::size_t k) {
    if (k > sizeof buf_ - n_) flush();
    return buf_ + n_;
  }
  void done(char* end) { n_ = static_cast<std::size_t>(end - buf_); }
  template <class T>
  void integer(T v) {
    char* p = room(24);
    done(std::to_chars(p, p + 24, v).ptr);
  }
  // As printf's "%#llx": 0 is "0", anything else 0x and lower-case digits.
  void hex(std::uint64_t v) {
    if (v == 0) return put('0');
    char* p = room(20);
    *p++ = '0';
    *p++ = 'x';
    done(std::to_chars(p, p + 18, v, 16).ptr);
  }
  // A piece formatted by a function that appends to a string.
  std::string& string() {
    flush();
    return s_;
  }
  void finish() { flush(); }

 private:
  void flush() {
    s_.append(buf_, n_);
    n_ = 0;
  }
  std::string& s_;
  std::size_t n_ = 0;
  char buf_[256];
};

// Where each event's {} are, found once at compile time from the catalog
// (looking for them in every line printed cost a quarter of its text).
constexpr std::size_t kMaxHoles = 8;
struct Holes {
  std::size_t n = 0;  // more than kMaxHoles: not in `at`, found while printing
  std::array<std::uint16_t, kMaxHoles> at{};
};
constexpr auto kHoles = [] {
  std::array<Holes, kIds> t{};
  for (std::size_t i = 0; i < kIds; ++i) {
    const std::string_view text = kCatalog[i].text;
    for (std::size_t at = text.find("{}"); at != std::string_view::npos;
         at = text.find("{}", at + 2)) {
      if (t[i].n < kMaxHoles) t[i].at[t[i].n] = static_cast<std::uint16_t>(at);
      ++t[i].n;
    }
  }
  return t;
}();

void put_arg(Writer& w, const Arg& a) {
  std::visit(Overload{
                 [&](std::int64_t v) { w.integer(v); },
                 [&](std::uint64_t v) { w.integer(v); },
                 [&](std::string_view v) { w.put(v); },
                 [&](const std::string& v) { w.put(v); },
                 [&](Hex h) { w.hex(h.value); },
                 [&](Cause c) {
                   w.integer(unsigned{c.value});
                   w.put(" (");
                   w.put(q2931::cause_name(c.value));
                   w.put(')');
                 },
                 [&](Errno e) {
                   w.integer(e.value);
                   if (e.value == 0) return;
                   w.put(" (");
                   w.put(std::string_view(std::strerror(-e.value)));
                   w.put(')');
                 },
                 [&](const Octets& o) { w.string() += to_hex(ByteView(o.bytes), o.bytes.size()); },
                 [&](const struct sockaddr_atmsvc& v) {
                   char* p = w.room(kSvcFastTextMax);
                   if (char* end = write_svc_address_fast(p, v))
                     w.done(end);
                   else
                     append_svc_address_text(w.string(), v);
                 },
                 [&](const struct sockaddr_atmpvc& p) {
                   w.integer(p.sap_addr.itf);
                   w.put('.');
                   w.integer(p.sap_addr.vpi);
                   w.put('.');
                   w.integer(p.sap_addr.vci);
                 },
             },
             a);
}

// The same text written into a caller's buffer (the log line, in the
// writer's ring): no string and no second copy. Each piece checks its room
// and gives up (nullptr) if it does not fit; the caller then uses
// append_event, which always fits.
[[gnu::always_inline]] inline char* put_text(char* p, char* end, std::string_view v) {
  const std::size_t n = v.size();
  if (static_cast<std::size_t>(end - p) < n) return nullptr;
  const char* s = v.data();
  // Short texts (a call's name, "in"/"out", a cause's name) with two
  // overlapping fixed-size copies instead of a call to memcpy.
  if (n >= 8 && n <= 16) {
    std::memcpy(p, s, 8);
    std::memcpy(p + n - 8, s + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    std::memcpy(p, s, 4);
    std::memcpy(p + n - 4, s + n - 4, 4);
  } else if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) p[i] = s[i];
  } else {
    std::memcpy(p, s, n);
  }
  return p + n;
}

template <class T>
char* put_integer(char* p, char* end, T v) {
  if (end - p < 24) return nullptr;
  return std::to_chars(p, end, v).ptr;
}

// Every catalog text once more without its {}: the pieces between them one
// after the other, kPad octets after the last, and each piece's length. A
// piece of at most kPad octets is copied as kPad at once (the line keeps
// that room) and the line moves on by its length: a line is a few copies of
// fixed size and its arguments, with no search and no per-piece bounds.
constexpr std::size_t kPad = 32;
constexpr std::size_t kPiecesSize = [] {
  std::size_t n = kPad;
  for (const Spec& sp : kCatalog) n += sp.text.size();
  return n;
}();
struct Plan {
  std::uint32_t at = 0;                  // the first piece in kPlans.chars
  std::uint8_t len[kMaxHoles + 1] = {};  // the pieces' lengths
  bool usable = false;                   // at most kMaxHoles {} and pieces of < 256 octets
};
struct Plans {
  std::array<char, kPiecesSize> chars{};
  std::array<Plan, kIds> of{};
};
constexpr Plans kPlans = [] {
  Plans t{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < kIds; ++i) {
    const std::string_view text = kCatalog[i].text;
    Plan& pl = t.of[i];
    pl.at = static_cast<std::uint32_t>(n);
    pl.usable = kHoles[i].n <= kMaxHoles;
    std::size_t from = 0;
    for (std::size_t k = 0; k <= kHoles[i].n && pl.usable; ++k) {
      const std::size_t to = k < kHoles[i].n ? kHoles[i].at[k] : text.size();
      if (to - from > 255) pl.usable = false;
      pl.len[k] = static_cast<std::uint8_t>(to - from);
      for (std::size_t j = from; j < to; ++j) t.chars[n++] = text[j];
      from = to + 2;
    }
  }
  return t;
}();

// Copies a piece of the plan: kPad octets at once if it is that short.
inline char* put_piece(char* p, const char* from, std::size_t n) {
  if (n <= kPad) [[likely]] {
    std::memcpy(p, from, kPad);
    return p + n;
  }
  std::memcpy(p, from, n);
  return p + n;
}

// The text of the last few NSAP addresses printed: a call's line names the
// local address (one of the few the interface has) and its peer, which in a
// test bed or between two switches repeats too. Per thread (the loop's;
// tests format from others); a miss costs one unrolled conversion.
struct AddressTextCache {
  static constexpr std::size_t kEntries = 4;
  struct Entry {
    std::uint8_t prv[ATM_ESA_LEN];
    std::uint8_t len = 0;  // 0: empty
    char text[kSvcFastTextMax];
  };
  std::array<Entry, kEntries> e{};
  std::size_t next = 0;
};
thread_local AddressTextCache t_addresses;

// The 20 octets of two NSAP addresses compared as three words.
static_assert(ATM_ESA_LEN == 20);
inline bool same_nsap(const std::uint8_t* x, const std::uint8_t* y) {
  std::uint64_t a0, a1, b0, b1;
  std::uint32_t a2, b2;
  std::memcpy(&a0, x, 8);
  std::memcpy(&b0, y, 8);
  std::memcpy(&a1, x + 8, 8);
  std::memcpy(&b1, y + 8, 8);
  std::memcpy(&a2, x + 16, 4);
  std::memcpy(&b2, y + 16, 4);
  return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2)) == 0;
}

char* put_svc_address(char* p, const struct sockaddr_atmsvc& a) {
  const bool nsap = a.sas_family == AF_ATMSVC && a.sas_addr.pub[0] == 0;
  AddressTextCache& c = t_addresses;
  if (nsap)
    for (const auto& x : c.e)
      if (x.len != 0 && same_nsap(x.prv, a.sas_addr.prv)) {
        std::memcpy(p, x.text, kSvcFastTextMax);
        return p + x.len;
      }
  char* end = write_svc_address_fast(p, a);
  if (end == nullptr || !nsap) return end;
  auto& x = c.e[c.next];
  c.next = (c.next + 1) % AddressTextCache::kEntries;
  std::memcpy(x.prv, a.sas_addr.prv, ATM_ESA_LEN);
  x.len = static_cast<std::uint8_t>(end - p);
  std::memcpy(x.text, p, x.len);
  return end;
}

// put_arg_at switches on the index: the alternatives' order of log.hpp.
static_assert(std::is_same_v<std::variant_alternative_t<5, Arg>, Cause> &&
              std::is_same_v<std::variant_alternative_t<8, Arg>, struct sockaddr_atmsvc> &&
              std::is_same_v<std::variant_alternative_t<9, Arg>, struct sockaddr_atmpvc>);

// A number as std::to_chars writes it (room for 24 characters checked by the
// caller), the small ones a PVC and a cause have without its loop.
template <class T>
char* put_small(char* p, T v) {
  bool small = v < 1000;
  if constexpr (std::is_signed_v<T>) small = small && v >= 0;
  if (small) {
    const auto u = static_cast<unsigned>(v);
    if (u < 10) {
      *p = static_cast<char>('0' + u);
      return p + 1;
    }
    if (u < 100) {
      std::memcpy(p, &kTwoDigits[2 * u], 2);
      return p + 2;
    }
    *p = static_cast<char>('0' + u / 100);
    std::memcpy(p + 1, &kTwoDigits[2 * (u % 100)], 2);
    return p + 3;
  }
  return std::to_chars(p, p + 24, v).ptr;
}

// Inlined into the line's loop (issue 13: called, its entry and exit cost
// as much as a number's text).
[[gnu::always_inline]] inline char* put_arg_at(char* p, char* end, const Arg& a) {
  switch (a.index()) {
    case 0:
      return put_integer(p, end, *std::get_if<std::int64_t>(&a));
    case 1:
      return put_integer(p, end, *std::get_if<std::uint64_t>(&a));
    case 2:
      return put_text(p, end, *std::get_if<std::string_view>(&a));
    case 3:
      return put_text(p, end, *std::get_if<std::string>(&a));
    case 4: {
      const std::uint64_t v = std::get_if<Hex>(&a)->value;
      if (end - p < 24) return nullptr;
      if (v == 0) {
        *p = '0';
        return p + 1;
      }
      p[0] = '0';
      p[1] = 'x';
      return std::to_chars(p + 2, end, v, 16).ptr;
    }
    case 5: {
      const std::uint8_t c = std::get_if<Cause>(&a)->value;
      const std::string_view name = q2931::cause_name(c);
      if (static_cast<std::size_t>(end - p) < name.size() + 8) return nullptr;
      p = put_small(p, c);
      p[0] = ' ';
      p[1] = '(';
      p = put_text(p + 2, end, name);  // room checked above
      *p++ = ')';
      return p;
    }
    case 8: {
      const auto& v = *std::get_if<struct sockaddr_atmsvc>(&a);
      if (static_cast<std::size_t>(end - p) >= kSvcFastTextMax)
        if (char* e = put_svc_address(p, v)) return e;
      return put_text(p, end, svc_address_text(v));
    }
    case 9: {
      const auto& v = *std::get_if<struct sockaddr_atmpvc>(&a);
      if (end - p < 3 * 12) return nullptr;
      p = put_small(p, v.sap_addr.itf);
      *p++ = '.';
      p = put_small(p, v.sap_addr.vpi);
      *p++ = '.';
      return put_small(p, v.sap_addr.vci);
    }
    default:  // Errno, Octets (rare: -d and errors): through the string
      return put_text(p, end, format_arg(a));
  }
}

// A piece at `p` with its room checked (the end of a small buffer).
char* put_piece_checked(char* p, char* end, const char* from, std::size_t n) {
  if (end - p >= static_cast<std::ptrdiff_t>(kPad) && n <= kPad) return put_piece(p, from, n);
  if (end - p < static_cast<std::ptrdiff_t>(n)) return nullptr;
  std::memcpy(p, from, n);
  return p + n;
}

// The line from its hole k on (the argument k, the piece after it, ...)
// with every piece's room checked: a buffer near its end.
char* write_rest_checked(char* p, char* end, const Event& e, const Plan& pl, std::size_t k,
                         const char* t) {
  const std::size_t holes = kHoles[static_cast<std::size_t>(e.id)].n;
  const std::size_t args = e.args.size();
  for (; k < holes && p != nullptr; ++k) {
    if (k < args) p = put_arg_at(p, end, e.args[k]);
    if (p != nullptr) p = put_piece_checked(p, end, t, pl.len[k + 1]);
    t += pl.len[k + 1];
  }
  return p;
}

}  // namespace

std::string format_arg(const Arg& a) {
  std::string s;
  Writer w(s);
  put_arg(w, a);
  w.finish();
  return s;
}

std::string format(const Event& e) {
  std::string s;
  append_event(s, e);
  return s;
}

char* write_event(char* p, char* end, const Event& e) {
  const Plan& pl = kPlans.of[static_cast<std::size_t>(e.id)];
  if (!pl.usable) return nullptr;
  // Room for a piece copied as kPad kept after each argument: put_arg_at
  // checks its argument's own against arg_end, the pieces need no check
  // (at most 255 octets each). A buffer with less room: every piece checked.
  constexpr std::ptrdiff_t kPieceRoom = 256 + kPad;
  const char* t = kPlans.chars.data() + pl.at;
  if (end - p < 2 * kPieceRoom) {
    p = put_piece_checked(p, end, t, pl.len[0]);
    return p == nullptr ? nullptr : write_rest_checked(p, end, e, pl, 0, t + pl.len[0]);
  }
  const std::size_t holes = kHoles[static_cast<std::size_t>(e.id)].n;
  const std::size_t args = e.args.size();
  char* const arg_end = end - kPieceRoom;
  p = put_piece(p, t, pl.len[0]);
  t += pl.len[0];
  for (std::size_t k = 0; k < holes; ++k) {
    if (k < args) {
      char* const q = p <= arg_end ? put_arg_at(p, arg_end, e.args[k]) : nullptr;
      if (q == nullptr) return write_rest_checked(p, end, e, pl, k, t);  // a long argument
      p = q;
    }
    p = put_piece(p, t, pl.len[k + 1]);
    t += pl.len[k + 1];
  }
  return p;
}

void append_event(std::string& s, const Event& e) {
  const std::string_view text = spec(e.id).text;
  const Holes& h = kHoles[static_cast<std::size_t>(e.id)];
  Writer w(s);
  std::size_t from = 0;
  if (h.n <= kMaxHoles) {
    for (std::size_t k = 0; k < h.n; ++k) {
      w.put(text.substr(from, h.at[k] - from));
      if (k < e.args.size()) put_arg(w, e.args[k]);
      from = h.at[k] + 2u;
    }
  } else {  // more {} than the table holds: found as it goes
    std::size_t next = 0;
    for (std::size_t at; (at = text.find("{}", from)) != std::string_view::npos; from = at + 2) {
      w.put(text.substr(from, at - from));
      if (next < e.args.size()) put_arg(w, e.args[next++]);
    }
  }
  w.put(text.substr(from));
  w.finish();
}

}  // namespace atmsigd::log
