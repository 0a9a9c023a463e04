// The hot path (Sscop::receive, Sscop::data_request) against handle(): two
// pairs of entities over the same lossy, duplicating, reordering link, one
// pair fed through handle() only, the other through the hot path wherever it
// can be; every step must give the same actions, action for action, and
// count the same signals (Sscop::signals_emitted()).
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <type_traits>

#include "atmsigd/log/format.hpp"
#include "atmsigd/sscop/sscop.hpp"

namespace atmsigd::sscop {
namespace {

using namespace std::chrono_literals;

// One action as text: its alternative and everything it carries.
std::string render(const Action& a) {
  std::string r = std::to_string(a.index()) + ":";
  std::visit(
      [&r](const auto& x) {
        using A = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<A, SendPdu>) {
          r += to_hex(x.bytes, 100000);
        } else if constexpr (std::is_same_v<A, AaDataIndication>) {
          r += to_hex(x.data, 100000) + " sn " + std::to_string(x.sn);
        } else if constexpr (std::is_same_v<A, MaaErrorIndication>) {
          r += std::string(1, x.code) + " " + std::to_string(x.count);
        } else if constexpr (std::is_same_v<A, Trace>) {
          r += log::format(x.event);
        } else if constexpr (requires { x.uu; }) {
          r += to_hex(x.uu, 100000);
        } else if constexpr (requires { x.data; }) {
          r += to_hex(x.data, 100000);
        }
      },
      a);
  return r;
}

std::vector<std::string> render(const std::vector<Action>& out) {
  std::vector<std::string> r;
  for (const auto& a : out) r.push_back(render(a));
  return r;
}

struct Side {
  explicit Side(const Params& p) : s(p) {}
  Sscop s;
  std::vector<Action> out;
  std::deque<Bytes> to_peer;  // PDUs on the way to the other side
  Bytes rx;                   // the PDU received last (indications view it)

  void collect() {
    for (auto& a : out) {
      if (auto* p = std::get_if<SendPdu>(&a)) to_peer.push_back(p->bytes);
    }
  }
};

struct Pair {
  explicit Pair(const Params& p) : a(p), b(p) {}
  Side a, b;
};

// Feeds both pairs the same step: `slow` through handle(), `fast` through
// the hot path, and expects the same actions of both.
class Lockstep {
 public:
  Lockstep(const Params& p, unsigned seed) : slow_(p), fast_(p), rng_(seed) {}

  void run(int steps) {
    TimePoint& now = now_;
    both([&](Side& s, bool) { s.s.handle(AaEstablishRequest{}, now, s.out); });
    for (int i = 0; i < steps && !::testing::Test::HasFailure(); ++i) {
      const int pick = static_cast<int>(rng_() % 100);
      const bool to_a = rng_() % 2 == 0;
      if (pick < 35) {
        // AA-DATA.request; now and then longer than max_sdu.
        std::size_t n = rng_() % 200;
        if (rng_() % 50 == 0) n = slow_.a.s.params().max_sdu + 1;
        Bytes data(n);
        for (auto& o : data) o = static_cast<std::uint8_t>(rng_());
        both([&](Side& s, bool fast) {
          Side& x = to_a ? s : other(s);
          if (fast)
            x.s.data_request(Bytes(data), now, x.out);
          else
            x.s.handle(AaDataRequest{data}, now, x.out);
        });
      } else if (pick < 80) {
        // A PDU arrives: lost, duplicated, overtaken or corrupted now and then.
        const int fate = static_cast<int>(rng_() % 100);
        const std::size_t flip = rng_();
        both([&](Side& s, bool fast) {
          Side& from = to_a ? other(s) : s;
          Side& x = to_a ? s : other(s);
          if (from.to_peer.empty()) return;
          if (fate < 5 && from.to_peer.size() > 1) std::swap(from.to_peer[0], from.to_peer[1]);
          x.rx = from.to_peer.front();
          if (fate >= 5 && fate < 10) from.to_peer.push_back(x.rx);  // a copy comes later
          from.to_peer.pop_front();
          if (fate >= 10 && fate < 15) return;  // lost
          if (fate >= 15 && fate < 18 && !x.rx.empty()) x.rx[flip % x.rx.size()] ^= 0x5a;
          if (fast)
            x.s.receive(x.rx, now, x.out);
          else
            x.s.handle(PduReceived{x.rx}, now, x.out);
        });
      } else if (pick < 97) {
        now += std::chrono::milliseconds(rng_() % 1500);
        both([&](Side& s, bool) {
          s.s.handle_timeouts(now, s.out);
          other(s).s.handle_timeouts(now, other(s).out);
        });
      } else if (pick < 99) {
        both([&](Side& s, bool) {
          Side& x = to_a ? s : other(s);
          x.s.handle(AaResyncRequest{}, now, x.out);
        });
      } else {
        both([&](Side& s, bool) {
          Side& x = to_a ? s : other(s);
          if (x.s.state() == State::kIdle)
            x.s.handle(AaEstablishRequest{}, now, x.out);
          else
            x.s.handle(AaReleaseRequest{}, now, x.out);
        });
      }
    }
  }
  std::uint64_t sd_delivered() const {
    return fast_.a.s.stats().sd_delivered + fast_.b.s.stats().sd_delivered;
  }

 private:
  Side& other(Side& s) {
    if (&s == &slow_.a) return slow_.b;
    if (&s == &slow_.b) return slow_.a;
    if (&s == &fast_.a) return fast_.b;
    return fast_.a;
  }
  // Runs f on side A of each pair (which it may redirect to B), then checks
  // that both pairs acted alike, and moves what they sent onto the links.
  // Also that signals_emitted() moved by the number of actions other than
  // SendPdu, AaDataIndication and Trace each entity emitted (SSCF looks at
  // its list only when it moved).
  template <class F>
  void both(F&& f) {
    std::uint64_t signals[4];
    int k = 0;
    for (Side* s : {&slow_.a, &slow_.b, &fast_.a, &fast_.b}) {
      s->out.clear();
      signals[k++] = s->s.signals_emitted();
    }
    f(slow_.a, false);
    f(fast_.a, true);
    k = 0;
    for (Side* s : {&slow_.a, &slow_.b, &fast_.a, &fast_.b}) {
      std::uint64_t n = 0;
      for (const auto& a : s->out) {
        n += std::holds_alternative<SendPdu>(a) || std::holds_alternative<AaDataIndication>(a) ||
                     std::holds_alternative<Trace>(a)
                 ? 0
                 : 1;
      }
      EXPECT_EQ(s->s.signals_emitted() - signals[k++], n);
    }
    EXPECT_EQ(render(slow_.a.out), render(fast_.a.out));
    EXPECT_EQ(render(slow_.b.out), render(fast_.b.out));
    EXPECT_EQ(slow_.a.s.state(), fast_.a.s.state());
    EXPECT_EQ(slow_.b.s.state(), fast_.b.s.state());
    for (Side* s : {&slow_.a, &slow_.b, &fast_.a, &fast_.b}) s->collect();
    respond();
  }
  // The user's answers (as SSCF gives them): to an establishment, a
  // resynchronization, a recovery; a released link is set up again.
  void respond() {
    std::optional<Event> answer[2];
    for (int i = 0; i < 2; ++i) {
      for (const auto& a : i == 0 ? slow_.a.out : slow_.b.out) {
        if (std::holds_alternative<AaEstablishIndication>(a)) answer[i] = AaEstablishResponse{};
        if (std::holds_alternative<AaResyncIndication>(a)) answer[i] = AaResyncResponse{};
        if (std::holds_alternative<AaRecoverIndication>(a)) answer[i] = AaRecoverResponse{};
        if (std::holds_alternative<AaReleaseIndication>(a) ||
            std::holds_alternative<AaReleaseConfirm>(a))
          answer[i] = AaEstablishRequest{};
      }
    }
    if (depth_ >= 4) return;
    ++depth_;
    for (int i = 0; i < 2; ++i) {
      if (!answer[i]) continue;
      both([&](Side& s, bool) {
        Side& x = i == 0 ? s : other(s);
        x.s.handle(*answer[i], now_, x.out);
      });
    }
    --depth_;
  }

  Pair slow_, fast_;
  std::mt19937 rng_;
  TimePoint now_{};
  int depth_ = 0;
};

TEST(SscopHotPath, ReceiveAndDataRequestActAsHandle) {
  std::uint64_t delivered = 0;
  for (unsigned seed = 1; seed <= 40 && !HasFailure(); ++seed) {
    Params p;
    p.window = 8;  // the credit runs out now and then
    p.max_pd = 5;
    p.max_sdu = 150;
    if (seed % 4 == 1) p.mode = Mode::kQSaal1;
    if (seed % 3 == 2) p.datagram_link = true;
    if (seed % 5 == 3) p.poll_after_retransmission = true;
    if (seed % 7 == 4) p.max_tx_queue = 3;
    Lockstep l(p, seed);
    l.run(600);
    delivered += l.sd_delivered();
  }
  EXPECT_GT(delivered, 1000u);  // the runs got well into data transfer
}

}  // namespace
}  // namespace atmsigd::sscop
