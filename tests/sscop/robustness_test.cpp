// 24-bit wrap-around and random input in every state.
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "harness.hpp"

namespace atmsigd::sscop::test {
namespace {

using namespace std::chrono_literals;

// Two entities, directly connected; `drop(n)` decides whether the n-th PDU from
// A to B is lost.
struct Pair {
  explicit Pair(Params p) : a(p), b(p) {}
  Sscop a, b;
  TimePoint now{};
  std::deque<Bytes> ab, ba;
  std::vector<std::uint32_t> delivered_ns;
  std::vector<std::uint32_t> sent_ns;
  int n_ab = 0;

  void collect(std::vector<Action>& out, std::deque<Bytes>& q, bool from_a) {
    std::vector<Event> responses;
    for (auto& x : out) {
      if (auto* s = std::get_if<SendPdu>(&x)) {
        q.push_back(s->bytes);
        if (from_a) {
          auto d = decode(s->bytes);
          if (auto* p = std::get_if<Pdu>(&d); p && p->type == PduType::kSd)
            sent_ns.push_back(p->ns);
        }
      } else if (auto* d = std::get_if<AaDataIndication>(&x)) {
        delivered_ns.push_back(d->sn);
      } else if (std::holds_alternative<AaEstablishIndication>(x)) {
        responses.push_back(AaEstablishResponse{});
      }
    }
    out.clear();
    for (auto& r : responses) {
      (from_a ? a : b).handle(r, now, out);
      collect(out, q, from_a);
    }
  }
  template <typename Drop>
  void pump(Drop drop) {
    std::vector<Action> out;
    while (!ab.empty() || !ba.empty()) {
      while (!ab.empty()) {
        Bytes x = std::move(ab.front());
        ab.pop_front();
        if (drop(n_ab++)) continue;
        b.handle(PduReceived{x}, now, out);
        collect(out, ba, false);
      }
      while (!ba.empty()) {
        Bytes x = std::move(ba.front());
        ba.pop_front();
        a.handle(PduReceived{x}, now, out);
        collect(out, ab, true);
      }
    }
  }
  void tick(Duration d) {
    now += d;
    std::vector<Action> out;
    a.handle_timeouts(now, out);
    collect(out, ab, true);
    b.handle_timeouts(now, out);
    collect(out, ba, false);
  }
};

TEST(SscopSequenceNumbers, DataCrossesThe24BitWrapWithLossAndRetransmission) {
  Params p;
  p.window = 16;
  p.max_pd = 5;
  Pair pr(p);
  std::vector<Action> out;
  pr.a.handle(AaEstablishRequest{}, pr.now, out);
  pr.collect(out, pr.ab, true);
  pr.pump([](int) { return false; });
  ASSERT_EQ(pr.a.state(), State::kReady);
  ASSERT_EQ(pr.b.state(), State::kReady);
  const std::uint32_t origin = 0xfffff5;
  ASSERT_TRUE(pr.a.testing_set_sequence_origin(origin));
  ASSERT_TRUE(pr.b.testing_set_sequence_origin(origin));
  for (int i = 0; i < 40; ++i) {
    pr.a.handle(AaDataRequest{Bytes(3, static_cast<std::uint8_t>(i))}, pr.now, out);
    pr.collect(out, pr.ab, true);
    pr.pump([](int n) { return n % 3 == 1; });  // lose every third PDU A sends
  }
  for (int i = 0;
       i < 200 && (pr.a.transmission_buffer_size() != 0 || pr.a.transmission_queue_size() != 0);
       ++i) {
    pr.tick(750ms);
    pr.pump([](int n) { return n % 7 == 3; });
  }
  EXPECT_EQ(pr.a.state(), State::kReady);
  EXPECT_EQ(pr.a.stats().recoveries, 0u);
  ASSERT_EQ(pr.delivered_ns.size(), 40u);
  for (std::uint32_t i = 0; i < 40; ++i) EXPECT_EQ(pr.delivered_ns[i], seq_add(origin, i));
  EXPECT_EQ(pr.b.vr_r(), seq_add(origin, 40));
  EXPECT_EQ(pr.a.vt_a(), seq_add(origin, 40));
  EXPECT_GT(pr.a.stats().sd_retransmitted, 0u);
  bool saw_max = false, saw_zero = false;
  for (auto ns : pr.sent_ns) {
    saw_max |= ns == 0xffffff;
    saw_zero |= ns == 0;
  }
  EXPECT_TRUE(saw_max && saw_zero);
}

// Random but well-formed PDUs and random user signals in every state: nothing
// crashes, every output decodes, and the transmitter's bookkeeping stays
// consistent (the transmission buffer spans exactly VT(A)..VT(S) in Ready).
TEST(SscopRobustness, RandomPdusAndSignalsInEveryState) {
  for (State start : all_states()) {
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
      std::mt19937_64 rng(seed * 131 + static_cast<std::uint64_t>(start));
      Params p;
      p.window = 8;
      p.max_stat = 5;
      Harness h(p);
      h.to(start);
      for (int step = 0; step < 400; ++step) {
        const auto near = [&](std::uint32_t base) {
          return seq_add(base, static_cast<std::uint32_t>(rng() % 12)) - (rng() % 4 == 0 ? 3 : 0);
        };
        const int what = static_cast<int>(rng() % 20);
        if (what < 12) {
          Pdu x;
          const PduType types[] = {PduType::kBgn,   PduType::kBgak, PduType::kBgrej, PduType::kEnd,
                                   PduType::kEndak, PduType::kRs,   PduType::kRsak,  PduType::kEr,
                                   PduType::kErak,  PduType::kSd,   PduType::kPoll,  PduType::kStat,
                                   PduType::kUstat, PduType::kUd,   PduType::kMd};
          x.type = types[rng() % 15];
          x.sq = static_cast<std::uint8_t>(rng() % 4);
          x.mr = near(h.s.vt_a()) & kSeqMask;
          x.ns = near(h.s.vr_r()) & kSeqMask;
          x.ps = near(h.s.vt_pa()) & kSeqMask;
          x.nr = near(h.s.vt_a()) & kSeqMask;
          for (int k = 0, n = static_cast<int>(rng() % 5); k < n; ++k) {
            x.list.push_back(near(h.s.vt_a()) & kSeqMask);
          }
          if (x.type == PduType::kUstat) x.list.resize(2);
          x.info = Bytes(rng() % 9, 0x11);
          h.rx(x);
        } else if (what < 17) {
          const Event evs[] = {AaEstablishRequest{},  AaEstablishResponse{}, AaReleaseRequest{},
                               AaDataRequest{{1, 2}}, AaDataRequest{{3}},    AaResyncRequest{},
                               AaResyncResponse{},    AaRecoverResponse{},   AaRetrieveRequest{},
                               AaUnitdataRequest{{4}}};
          h.in(evs[rng() % 10]);
        } else {
          h.advance(std::chrono::milliseconds(rng() % 3000));
        }
        for (const auto& a : h.out) {
          if (auto* sp = std::get_if<SendPdu>(&a)) {
            ASSERT_TRUE(std::holds_alternative<Pdu>(decode(sp->bytes))) << to_hex(sp->bytes);
          }
        }
        if (h.s.state() == State::kReady) {
          ASSERT_EQ(h.s.transmission_buffer_size(), seq_rel(h.s.vt_s(), h.s.vt_a()))
              << "seed " << seed << " step " << step;
          ASSERT_LE(h.s.receiver_buffer_size(), p.window);
        }
      }
    }
  }
}

}  // namespace
}  // namespace atmsigd::sscop::test
