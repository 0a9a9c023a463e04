#include "atmsigd/atmsvc/call_control.hpp"

#include "atmsigd/atmsvc/cc_outputs.hpp"

namespace atmsigd::atmsvc {

namespace {
// A stand-in's single list split: the CcEvents stay in out.events (moved
// down in place), the rest goes to the shell's list, each in its order.
void split(CcOutputs& out, std::size_t mark) {
  auto& ev = out.events;
  std::size_t kept = mark;
  for (std::size_t at = mark; at < ev.size(); ++at) {
    if (is_cc_event(ev[at])) {
      if (kept != at) ev[kept] = std::move(ev[at]);
      ++kept;
      continue;
    }
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, ToLink> || std::is_same_v<T, LinkState> ||
                        std::is_same_v<T, log::Event>)
            out.to_shell(std::move(x));
        },
        ev[at]);
  }
  ev.erase(ev.begin() + static_cast<std::ptrdiff_t>(kept), ev.end());
}
}  // namespace

void CallControl::handle_split(const NetInput& in, TimePoint now, CcOutputs& out) {
  const std::size_t mark = out.events.size();
  handle(in, now, out.events);
  split(out, mark);
}

void CallControl::handle_request_split(const CcRequest& r, TimePoint now, CcOutputs& out) {
  const std::size_t mark = out.events.size();
  handle_request(r, now, out.events);
  split(out, mark);
}

}  // namespace atmsigd::atmsvc
