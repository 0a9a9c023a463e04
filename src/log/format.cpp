#include "atmsigd/log/format.hpp"

#include <charconv>
#include <cstring>

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

// As printf's "%#llx": 0 is "0", anything else 0x and lower-case digits.
void append_hex(std::string& s, std::uint64_t v) {
  if (v == 0) {
    s += '0';
    return;
  }
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  s += "0x";
  s.append(buf, r.ptr);
}

template <class T>
void append_int(std::string& s, T v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

std::string other_arg(const Arg& a) {
  return std::visit(Overload{
                        [](std::int64_t v) { return std::to_string(v); },
                        [](std::uint64_t v) { return std::to_string(v); },
                        [](std::string_view v) { return std::string(v); },
                        [](const std::string& v) { return v; },
                        [](Hex h) {
                          std::string s;
                          append_hex(s, h.value);
                          return s;
                        },
                        [](Cause c) {
                          return std::to_string(c.value) + " (" +
                                 std::string(q2931::cause_name(c.value)) + ")";
                        },
                        [](Errno e) {
                          if (e.value == 0) return std::string("0");
                          return std::to_string(e.value) + " (" + std::strerror(-e.value) + ")";
                        },
                        [](const Octets& o) { return to_hex(ByteView(o.bytes), o.bytes.size()); },
                        [](const struct sockaddr_atmsvc& s) { return svc_address_text(s); },
                        [](const struct sockaddr_atmpvc& p) { return pvc_address_text(p); },
                    },
                    a);
}

// The arguments every call's log lines carry are appended in place (no
// temporary string each); the rest as format_arg() prints them.
void append_arg(std::string& s, const Arg& a) {
  if (const auto* i = std::get_if<std::int64_t>(&a))
    append_int(s, *i);
  else if (const auto* u = std::get_if<std::uint64_t>(&a))
    append_int(s, *u);
  else if (const auto* v = std::get_if<std::string_view>(&a))
    s += *v;
  else if (const auto* t = std::get_if<std::string>(&a))
    s += *t;
  else if (const auto* h = std::get_if<Hex>(&a))
    append_hex(s, h->value);
  else
    s += other_arg(a);
}

}  // namespace

std::string format_arg(const Arg& a) {
  std::string s;
  append_arg(s, a);
  return s;
}

std::string format(const Event& e) {
  std::string s;
  append_event(s, e);
  return s;
}

void append_event(std::string& s, const Event& e) {
  const std::string_view text = spec(e.id).text;
  s.reserve(s.size() + text.size() + 48 * e.args.size());
  std::size_t next = 0;
  std::size_t from = 0;
  for (;;) {
    const std::size_t at = text.find("{}", from);
    if (at == std::string_view::npos) break;
    s.append(text.substr(from, at - from));
    if (next < e.args.size()) append_arg(s, e.args[next++]);
    from = at + 2;
  }
  s.append(text.substr(from));
}

}  // namespace atmsigd::log
