// Two engines back to back, as two demons have them: a user-side A and a
// network-side B, each a SocketTable and Q.2931 call control behind the
// EntityRouter, joined by an in-memory link and driven in virtual time.
// What each engine sends its kernel is kept per side; its log events too,
// when asked (a test that measures memory does not want them kept).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <utility>
#include <vector>

#include "atmsigd/callctl/entity_router.hpp"
#include "atmsigd/engine/engine.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"

namespace atmsigd::test {

// The network side's address in the pair's tests.
inline const char* const kPairAddrB = "47.0005.80ffe1000000f21a26d8.0020ea000ee1.00";

// The frames the tests' kernels send: as_listen on `addr` and as_connect to
// it, UBR without a SAP.
inline atmsvc::Message listen_frame(atmsvc::Vcc vcc, const char* addr = kPairAddrB) {
  atmsvc::Message m(as_listen);
  m.set_vcc(vcc);
  m.raw().svc = kemu::svc_address(addr);
  m.raw().qos = kemu::qos_from_text("ubr");
  m.raw().sap = kemu::sap_from_text("");
  return m;
}
inline atmsvc::Message connect_frame(atmsvc::Vcc vcc, const char* addr = kPairAddrB) {
  atmsvc::Message m(as_connect);
  m.set_vcc(vcc);
  m.raw().local = kemu::svc_address("");
  m.raw().svc = kemu::svc_address(addr);
  m.raw().qos = kemu::qos_from_text("ubr");
  m.raw().sap = kemu::sap_from_text("");
  return m;
}

struct EngineSide {
  EngineSide(callctl::Side side, q2931::Version version, const log::Levels& lv)
      : levels(&lv), cc([&] {
          auto p = callctl::UniParams::defaults(side, version);
          p.levels = levels;
          std::vector<callctl::EntitySpec> specs;
          specs.push_back(callctl::EntitySpec{"0.0.5", p, {}, false});
          return specs;
        }()) {}
  const log::Levels* levels;
  atmsvc::SocketTable table{atmsvc::SocketTableParams{seconds(10), false, levels}};
  callctl::EntityRouter cc;  // as in the demon: one entity behind the router
  engine::Engine eng{table, cc, levels};
  std::vector<engine::Action> out;
  std::vector<atmsvc::Message> to_kernel;
  std::vector<log::Id> events;  // only with EnginePair::keep_events

  bool saw(log::Id id) const { return std::find(events.begin(), events.end(), id) != events.end(); }
};

struct EnginePair {
  EnginePair(q2931::Version version, const log::Levels& levels)
      : a(callctl::Side::kUser, version, levels), b(callctl::Side::kNetwork, version, levels) {}
  EngineSide a;
  EngineSide b;
  TimePoint now{};
  bool keep_events = false;
  std::deque<std::pair<bool, Bytes>> wire;  // (to B?, PDU)

  // Moves a side's actions out: PDUs onto the wire, frames to its kernel list.
  void take(EngineSide& s, bool from_a) {
    for (auto& x : s.out) {
      if (auto* l = std::get_if<engine::ToLink>(&x))
        wire.emplace_back(from_a, std::move(l->pdu));
      else if (auto* k = std::get_if<engine::ToKernel>(&x))
        s.to_kernel.push_back(k->msg);
      else if (auto* e = std::get_if<log::Event>(&x); e != nullptr && keep_events)
        s.events.push_back(e->id);
    }
    s.out.clear();
  }
  void feed(EngineSide& s, const engine::Input& in) {
    s.eng.handle(in, now, s.out);
    take(s, &s == &a);
  }
  void timers(EngineSide& s) {
    const auto d = s.eng.next_deadline();
    if (d && *d <= now) {
      s.eng.handle_timeouts(now, s.out);
      take(s, &s == &a);
    }
  }
  // Delivers every PDU in flight, running timers that fall due on the way.
  void pump() {
    for (int guard = 0; guard < 100000; ++guard) {
      timers(a);
      timers(b);
      if (wire.empty()) return;
      auto [to_b, pdu] = std::move(wire.front());
      wire.pop_front();
      feed(to_b ? b : a, engine::LinkPdu{0, ByteView(pdu)});
    }
    ADD_FAILURE() << "link never went quiet";
  }
  // Lets `d` pass in slices of at most 100 ms, so timers run near their time.
  void step(Duration d) {
    const TimePoint end = now + d;
    while (now < end) {
      now = std::min(end, now + std::chrono::milliseconds(100));
      pump();
    }
  }
  // A frame from a side's kernel, and everything it leads to.
  void frame(EngineSide& s, const atmsvc::Message& m) {
    const Bytes bytes = encode(m);
    feed(s, engine::KernelFrame{ByteView(bytes)});
    pump();
  }
  // Starts both links and waits (virtual time) until both are up.
  void start() {
    feed(a, engine::Start{});
    feed(b, engine::Start{});
    for (int i = 0; i < 20 && !(a.eng.link_up(0) && b.eng.link_up(0)); ++i)
      step(std::chrono::milliseconds(100));
    ASSERT_TRUE(a.eng.link_up(0) && b.eng.link_up(0));
  }
};

}  // namespace atmsigd::test
