// The body of the engine fuzzer (kernel frames with the real call control
// behind), shared with a GoogleTest that replays the seed corpus and past
// findings in every normal build.
//
// engine::Engine with an atmsvc::SocketTable and a user-side callctl::Uni,
// linked in memory to a network-side Uni (the scripted network: its fake
// socket layer, from the call-control fuzzer, places calls to us and accepts
// or refuses ours as the input says). The input drives an emulated kernel
// (kemu::KernelModel: listen, connect, accept, reject, close), raw kernel
// frames, the link's faults, the network's calls and virtual time.
//
// Invariants: no crash; every frame to the kernel passes
// validate_from_demon(); while the kernel input has been well formed (no raw
// frame yet) every frame passes the emulated kernel's checks (no violation);
// the network's socket layer sees the kernel contract kept; after Stop the
// engine reaches Stopped with no socket and no call held.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "../callctl/callctl_body.hpp"
#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/engine/engine.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"

namespace atmsigd::fuzz {

class EngineWorld {
 public:
  EngineWorld()
      : uni_(params(callctl::Side::kUser)),
        eng_(table_, uni_, &levels_),
        net_(params(callctl::Side::kNetwork)) {}

  // reach: calls established as the network's socket layer saw them.
  std::string run(FuzzInput& in, CcReach* reach = nullptr) {
    std::vector<struct sockaddr_atmsvc> locals{testkit::nsap(1)};
    feed(engine::LocalAddresses{0, locals});
    feed(engine::Start{});
    net_.handle(atmsvc::StartLinks{}, now_);
    while (!in.empty() && error_.empty()) {
      step(in);
      if (error_.empty() && !net_.error.empty()) error_ = "network: " + net_.error;
    }
    if (reach != nullptr) *reach = net_.reach;
    if (error_.empty()) finish();
    return error_;
  }

 private:
  static callctl::UniParams params(callctl::Side side) {
    callctl::UniParams p = callctl::UniParams::defaults(side, q2931::Version::kUni31);
    p.t316 = std::chrono::seconds(20);
    p.trace_messages = false;
    return p;
  }
  void fail(const std::string& what) {
    if (error_.empty()) error_ = what;
  }

  void take(std::vector<engine::Action>& out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      auto& a = out[i];
      if (auto* k = std::get_if<engine::ToKernel>(&a)) {
        if (auto e = atmsvc::validate_from_demon(k->msg))
          fail("a frame to the kernel fails validate_from_demon: " + k->msg.summary());
        if (stopping_) continue;  // the kernel is closed: nobody answers
        auto r = kernel_.on_demon(k->msg);
        if (!tainted_ && !r.violations.empty())
          fail("the emulated kernel objects: " + r.violations.front());
        for (auto& m : r.replies) replies_.push_back(std::move(m));
      } else if (auto* l = std::get_if<engine::ToLink>(&a)) {
        if (to_net_.size() < 256) to_net_.push_back(std::move(l->pdu));
      } else if (std::holds_alternative<engine::QueryLocalAddresses>(a)) {
        answer_addresses_ = true;
      } else if (std::holds_alternative<engine::Stopped>(a)) {
        stopped_ = true;
      }
    }
    out.clear();
  }
  void feed(const engine::Input& in) {
    std::vector<engine::Action> out;
    eng_.handle(in, now_, out);
    take(out);
    settle();
  }
  // Whatever the emulated kernel answers goes back at once, as does the
  // answer to a query of the local addresses.
  void settle() {
    for (int i = 0; i < 10000 && error_.empty(); ++i) {
      if (answer_addresses_) {
        answer_addresses_ = false;
        std::vector<struct sockaddr_atmsvc> locals{testkit::nsap(1)};
        std::vector<engine::Action> out;
        eng_.handle(engine::LocalAddresses{0, locals}, now_, out);
        take(out);
      } else if (!replies_.empty() && !stopping_) {
        const Bytes b = atmsvc::encode(replies_.front());
        replies_.pop_front();
        std::vector<engine::Action> out;
        eng_.handle(engine::KernelFrame{ByteView(b)}, now_, out);
        take(out);
      } else {
        replies_.clear();
        return;
      }
    }
  }
  void kernel_frame(const kemu::Message& m) {
    const Bytes b = atmsvc::encode(m);
    feed(engine::KernelFrame{ByteView(b)});
  }

  void to_network() {
    if (to_net_.empty()) return;
    const Bytes p = std::move(to_net_.front());
    to_net_.pop_front();
    net_.rx(p, now_);
  }
  void from_network() {
    if (net_.to_peer.empty()) return;
    const Bytes p = std::move(net_.to_peer.front());
    net_.to_peer.pop_front();
    feed(engine::LinkPdu{0, ByteView(p)});
  }
  void pump() {
    for (int i = 0; i < 100000 && error_.empty(); ++i) {
      if (!to_net_.empty())
        to_network();
      else if (!net_.to_peer.empty())
        from_network();
      else
        return;
    }
    fail("the link never went quiet");
  }
  void advance(Duration d) {
    const TimePoint end = now_ + d;
    for (int i = 0; i < 200000 && error_.empty(); ++i) {
      pump();
      auto de = eng_.next_deadline();
      auto dn = net_.deadline();
      std::optional<TimePoint> next = de;
      if (dn && (!next || *dn < *next)) next = dn;
      if (!next || *next > end) break;
      now_ = std::max(now_, *next);
      if (de && *de <= now_) {
        std::vector<engine::Action> out;
        eng_.handle_timeouts(now_, out);
        take(out);
        settle();
        if (auto again = eng_.next_deadline(); again && *again <= now_)
          fail("engine: next_deadline() still due after handle_timeouts(now)");
      }
      if (dn && *dn <= now_) net_.timeouts(now_);
    }
    now_ = end;
    pump();
  }

  kemu::Vcc new_vcc() { return 0x1000 + 0x10 * next_vcc_++; }
  // One of the sockets the emulated kernel still has (n-th, wrapping).
  std::optional<kemu::Vcc> pick(std::uint8_t n, bool listeners_only) {
    std::vector<kemu::Vcc> live;
    for (kemu::Vcc v : vccs_)
      if (const auto* s = kernel_.socket(v))
        if (!listeners_only || s->state == kemu::KState::kListening) live.push_back(v);
    vccs_.assign(live.begin(), live.end());
    if (listeners_only) {
      live.clear();
      for (kemu::Vcc v : vccs_)
        if (kernel_.socket(v)->state == kemu::KState::kListening) live.push_back(v);
    }
    if (live.empty()) return std::nullopt;
    return live[n % live.size()];
  }

  void step(FuzzInput& in) {
    const std::uint8_t op = in.byte();
    switch (op & 0x0f) {
      case 0: {  // listen on one of two addresses, any SAP
        const kemu::Vcc v = new_vcc();
        vccs_.push_back(v);
        kernel_frame(kernel_.listen(v, testkit::nsap(1 + (op >> 4) % 2), testkit::ubr(),
                                    kemu::sap_from_text("")));
        break;
      }
      case 1: {  // connect to the network (the network's user 0..2)
        const kemu::Vcc v = new_vcc();
        vccs_.push_back(v);
        struct sockaddr_atmsvc none;
        std::memset(&none, 0, sizeof none);
        kernel_frame(kernel_.connect(v, none, testkit::nsap(2 + (op >> 4) % 3), testkit::ubr(),
                                     kemu::sap_from_text("")));
        break;
      }
      case 2:
        if (auto l = pick(in.byte(), true)) {
          const kemu::Vcc v = new_vcc();
          if (auto m = kernel_.accept(v, *l)) {
            vccs_.push_back(v);
            kernel_frame(*m);
          }
        }
        break;
      case 3:
        if (auto l = pick(in.byte(), true))
          if (auto m = kernel_.reject(*l, -ECONNREFUSED)) kernel_frame(*m);
        break;
      case 4:
        if (auto v = pick(in.byte(), false)) {
          const auto* s = kernel_.socket(*v);
          // The kernel sends as_close once per socket (not again while waiting).
          if (s->state != kemu::KState::kCloseWait) kernel_frame(kernel_.close(*v));
        }
        break;
      case 5: {  // a raw frame: 252 octets from the input, its type forced to 0..15
        tainted_ = true;
        Bytes frame(atmsvc::kFrameSize, 0);
        const Bytes b = in.bytes(in.byte());
        if (!b.empty()) std::memcpy(frame.data(), b.data(), std::min(b.size(), frame.size()));
        const int type = (op >> 4) % 16;
        std::memcpy(frame.data(), &type, sizeof type);
        // Half the time aimed at a socket the kernel knows.
        if (auto v = pick(in.byte(), false); v && (op & 0x80) != 0)
          std::memcpy(frame.data() + offsetof(struct atmsvc_msg, vcc), &*v, sizeof *v);
        feed(engine::KernelFrame{ByteView(frame)});
        break;
      }
      case 6: {  // a short datagram: never a frame
        const Bytes b = in.bytes(in.byte() % 64);
        // Long enough to name a vcc, it is answered with as_error to that vcc
        // (docs/kernel.md), which the emulated kernel does not know.
        if (b.size() >= offsetof(struct atmsvc_msg, vcc) + sizeof(atm_kptr_t)) tainted_ = true;
        feed(engine::KernelFrame{ByteView(b)});
        break;
      }
      case 7:
        net_.connect(1, now_);
        break;
      case 8:
        if (auto s = CcUniEnd::pick(net_.socks, in.byte())) net_.release(*s, now_);
        break;
      case 9:
        if ((op & 0x10) != 0)
          from_network();
        else
          to_network();
        break;
      case 10:
        if ((op & 0x10) != 0) {
          if (!net_.to_peer.empty()) net_.to_peer.pop_front();
        } else if (!to_net_.empty()) {
          to_net_.pop_front();
        }
        break;
      case 11:
        pump();
        break;
      case 12:
        advance(std::chrono::milliseconds(in.byte()) * ((op & 0x10) != 0 ? 100 : 10));
        break;
      case 13:
        net_.reject_offers = (op & 0x10) != 0;
        break;
      case 14:
        if (auto c = CcUniEnd::pick(net_.offered, in.byte())) net_.accept(*c, now_);
        break;
      case 15:
        feed(engine::UserStalled{(op & 0x10) != 0});
        break;
    }
  }

  // Stop: the engine must reach Stopped (it bounds its own drain) with
  // nothing held, the network answering as it does.
  void finish() {
    pump();
    stopping_ = true;
    feed(engine::Stop{"end of input"});
    for (int i = 0; i < 600 && !stopped_ && error_.empty(); ++i) advance(std::chrono::seconds(1));
    if (!error_.empty()) return;
    if (!stopped_) return fail("no Stopped 10 min after Stop");
    if (table_.socket_count() != 0)
      return fail(std::to_string(table_.socket_count()) + " socket(s) held after Stopped");
    if (uni_.call_count() != 0)
      return fail(std::to_string(uni_.call_count()) + " call(s) held after Stopped");
  }

  log::Levels levels_;  // info and up: what a demon logs by default
  atmsvc::SocketTable table_;
  callctl::Uni uni_;
  engine::Engine eng_;
  CcUniEnd net_;
  kemu::KernelModel kernel_;
  std::deque<kemu::Message> replies_;
  std::deque<Bytes> to_net_;
  std::vector<kemu::Vcc> vccs_;
  unsigned next_vcc_ = 0;
  TimePoint now_{};
  bool tainted_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  bool answer_addresses_ = false;
  std::string error_;
};

inline std::string run_engine(const std::uint8_t* data, std::size_t size,
                              CcReach* reach = nullptr) {
  FuzzInput in{data, size};
  EngineWorld world;
  return world.run(in, reach);
}

}  // namespace atmsigd::fuzz
