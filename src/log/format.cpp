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

// Every argument appended in place: no temporary string per argument (the
// default level's lines carry addresses, a VPI/VCI and a cause).
void append_arg(std::string& s, const Arg& a) {
  std::visit(Overload{
                 [&](std::int64_t v) { append_int(s, v); },
                 [&](std::uint64_t v) { append_int(s, v); },
                 [&](std::string_view v) { s += v; },
                 [&](const std::string& v) { s += v; },
                 [&](Hex h) { append_hex(s, h.value); },
                 [&](Cause c) {
                   append_int(s, unsigned{c.value});
                   s += " (";
                   s += q2931::cause_name(c.value);
                   s += ')';
                 },
                 [&](Errno e) {
                   append_int(s, e.value);
                   if (e.value == 0) return;
                   s += " (";
                   s += std::strerror(-e.value);
                   s += ')';
                 },
                 [&](const Octets& o) { s += to_hex(ByteView(o.bytes), o.bytes.size()); },
                 [&](const struct sockaddr_atmsvc& v) { append_svc_address_text(s, v); },
                 [&](const struct sockaddr_atmpvc& p) {
                   append_int(s, p.sap_addr.itf);
                   s += '.';
                   append_int(s, p.sap_addr.vpi);
                   s += '.';
                   append_int(s, p.sap_addr.vci);
                 },
             },
             a);
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
