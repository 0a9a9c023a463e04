#include "atmsigd/log/format.hpp"

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

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string format_arg(const Arg& a) {
  return std::visit(Overload{
                        [](std::int64_t v) { return std::to_string(v); },
                        [](std::uint64_t v) { return std::to_string(v); },
                        [](std::string_view v) { return std::string(v); },
                        [](const std::string& v) { return v; },
                        [](Hex h) { return hex(h.value); },
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

std::string format(const Event& e) {
  const std::string_view text = spec(e.id).text;
  std::string s;
  s.reserve(text.size() + 16 * e.args.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '}') {
      if (next < e.args.size()) s += format_arg(e.args[next++]);
      ++i;
    } else {
      s += text[i];
    }
  }
  return s;
}

}  // namespace atmsigd::log
