// SSCF-UNI (Q.2130): AAL primitives <-> SSCOP signals, in virtual time.
#include "atmsigd/sscf/sscf_uni.hpp"

#include "atmsigd/log/format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <string_view>

namespace atmsigd::sscf {
namespace {

using namespace std::chrono_literals;
using sscop::Pdu;
using sscop::PduType;

struct H {
  explicit H(Params p = {}) : f(p) {}
  SscfUni f;
  TimePoint now{};
  std::vector<Action> out;

  void in(const Event& e) {
    out.clear();
    f.handle(e, now, out);
  }
  // The PDU fed last stays here: an AalDataIndication in `out` views it.
  Bytes last_rx;
  void rx(const Pdu& p) {
    last_rx = sscop::encode(p, f.params().sscop.mode);
    in(PduReceived{last_rx});
  }
  void advance(Duration d) {
    now += d;
    out.clear();
    f.handle_timeouts(now, out);
  }
  std::vector<PduType> sent() const {
    std::vector<PduType> r;
    for (const auto& a : out) {
      if (auto* s = std::get_if<SendPdu>(&a)) {
        auto d = sscop::decode(s->bytes, f.params().sscop.mode);
        if (auto* p = std::get_if<Pdu>(&d)) r.push_back(p->type);
      }
    }
    return r;
  }
  template <typename T>
  int count() const {
    int n = 0;
    for (const auto& a : out) n += std::holds_alternative<T>(a) ? 1 : 0;
    return n;
  }
  std::vector<std::string> traces() const {
    std::vector<std::string> r;
    for (const auto& a : out)
      if (const auto* t = std::get_if<Trace>(&a)) r.push_back(log::format(t->event));
    return r;
  }
  template <typename T>
  const T* first() const {
    for (const auto& a : out) {
      if (auto* t = std::get_if<T>(&a)) return t;
    }
    return nullptr;
  }
  void establish() {
    in(AalEstablishRequest{});
    Pdu a;
    a.type = PduType::kBgak;
    a.mr = 30;
    rx(a);
    ASSERT_TRUE(f.established());
    out.clear();
  }
};

// SSCF's actions are sscop::Action's alternatives, but only SSCF's own
// primitives ever leave it: the SSCOP ones it maps or logs never do.
bool sscf_only(const std::vector<Action>& out) {
  for (const auto& a : out) {
    if (std::holds_alternative<sscop::AaResyncIndication>(a) ||
        std::holds_alternative<sscop::AaResyncConfirm>(a) ||
        std::holds_alternative<sscop::AaRecoverIndication>(a) ||
        std::holds_alternative<sscop::AaRetrieveIndication>(a) ||
        std::holds_alternative<sscop::AaRetrieveCompleteIndication>(a) ||
        std::holds_alternative<sscop::MaaUnitdataIndication>(a))
      return false;
  }
  return true;
}

Pdu make(PduType t, std::uint8_t sq = 0) {
  Pdu p;
  p.type = t;
  p.sq = sq;
  p.mr = 30;
  return p;
}

TEST(SscfUniIdle, AalEstablishRequest_BgnThenBgakConfirms) {
  H h;
  h.in(AalEstablishRequest{{1}});
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kBgn});
  EXPECT_EQ(h.f.state(), State::kOutConnPend);
  EXPECT_FALSE(h.f.established());
  h.rx(make(PduType::kBgak));
  EXPECT_EQ(h.count<AalEstablishConfirm>(), 1);
  EXPECT_TRUE(h.f.established());
}

TEST(SscfUniIdle, PeerBgn_AnsweredAutomaticallyAndIndicated) {
  H h;
  Pdu b = make(PduType::kBgn, 1);
  b.info = {4, 4};
  h.rx(b);
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kBgak});
  ASSERT_NE(h.first<AalEstablishIndication>(), nullptr);
  EXPECT_EQ(h.first<AalEstablishIndication>()->uu, (Bytes{4, 4}));
  EXPECT_TRUE(h.f.established());
  EXPECT_EQ(h.f.sscop().state(), sscop::State::kReady);
}

TEST(SscfUniIdle, AalReleaseRequest_ConfirmedAtOnce) {
  H h;
  h.in(AalReleaseRequest{});
  EXPECT_EQ(h.count<AalReleaseConfirm>(), 1);
  EXPECT_TRUE(h.sent().empty());
}

TEST(SscfUniOutConnPend, Bgrej_ReleaseIndication) {
  H h;
  h.in(AalEstablishRequest{});
  h.rx(make(PduType::kBgrej));
  EXPECT_EQ(h.count<AalReleaseIndication>(), 1);
  EXPECT_EQ(h.f.state(), State::kIdle);
}

TEST(SscfUniOutConnPend, NoAnswer_ReleaseIndicationAfterMaxCc) {
  H h;
  h.in(AalEstablishRequest{});
  int released = 0;
  std::string maa;
  for (int i = 0; i < 4; ++i) {
    h.advance(1s);
    released += h.count<AalReleaseIndication>();
    for (const auto& a : h.out) {
      if (auto* m = std::get_if<MaaError>(&a)) maa.push_back(m->code);
    }
  }
  EXPECT_EQ(released, 1);
  EXPECT_EQ(maa, "O");
  EXPECT_EQ(h.f.state(), State::kIdle);
}

TEST(SscfUniReady, AalReleaseRequest_EndThenEndakConfirms) {
  H h;
  h.establish();
  h.in(AalReleaseRequest{});
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kEnd});
  EXPECT_EQ(h.f.state(), State::kOutDisPend);
  h.rx(make(PduType::kEndak));
  EXPECT_EQ(h.count<AalReleaseConfirm>(), 1);
  EXPECT_EQ(h.f.state(), State::kIdle);
}

TEST(SscfUniReady, PeerEnd_ReleaseIndication) {
  H h;
  h.establish();
  h.rx(make(PduType::kEnd));
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kEndak});
  ASSERT_NE(h.first<AalReleaseIndication>(), nullptr);
  EXPECT_EQ(h.first<AalReleaseIndication>()->source, sscop::Source::kUser);
  EXPECT_EQ(h.f.state(), State::kIdle);
}

TEST(SscfUniReady, AalEstablishRequest_ResynchronizesAndConfirms) {
  H h;
  h.establish();
  h.in(AalEstablishRequest{});
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kRs});
  EXPECT_EQ(h.f.state(), State::kOutResyncPend);
  h.rx(make(PduType::kRsak));
  EXPECT_EQ(h.count<AalEstablishConfirm>(), 1);
  EXPECT_TRUE(h.f.established());
}

TEST(SscfUniReady, PeerRs_RsakAndEstablishIndication) {
  H h;
  h.establish();
  h.rx(make(PduType::kRs, 9));
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kRsak});
  EXPECT_EQ(h.count<AalEstablishIndication>(), 1);
  EXPECT_TRUE(h.f.established());
}

TEST(SscfUniReady, PeerEr_ErakAndEstablishIndication) {
  H h;
  h.establish();
  h.rx(make(PduType::kEr, 9));
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kErak});
  EXPECT_EQ(h.count<AalEstablishIndication>(), 1);
  EXPECT_TRUE(h.f.established());
  EXPECT_EQ(h.f.sscop().state(), sscop::State::kReady);
}

TEST(SscfUniReady, ProtocolError_RecoveryEndsInEstablishIndication) {
  H h;
  h.establish();
  Pdu stat = make(PduType::kStat);  // no POLL outstanding: N(PS) error (Q.2110 SDL p.70)
  stat.ps = 1;
  stat.mr = 30;
  h.rx(stat);
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kEr});
  ASSERT_NE(h.first<MaaError>(), nullptr);
  EXPECT_EQ(h.first<MaaError>()->code, 'R');
  h.rx(make(PduType::kErak));
  EXPECT_EQ(h.count<AalEstablishIndication>(), 1);
  EXPECT_TRUE(h.f.established());
  EXPECT_EQ(h.f.sscop().state(), sscop::State::kReady);
}

// Q.SAAL1 (UNI 3.0): SSCOP re-establishes on its own after a protocol error
// while SSCF-UNI stays Ready; a message handed down meanwhile is sent after
// the BGAK (not dropped), and the end is an AAL-ESTABLISH.indication.
TEST(SscfUniReady, QSaal1ProtocolError_DataMeanwhileSentAfterTheBgak) {
  H h(Params::for_uni(UniVersion::kUni30));
  h.establish();
  Pdu sd = make(PduType::kSd);
  sd.ns = 3;
  h.rx(sd);
  Pdu poll = make(PduType::kPoll);
  poll.ps = 1;
  poll.ns = 2;  // behind VR(H): N(S) error, Q
  h.rx(poll);
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kBgn});
  ASSERT_EQ(h.f.sscop().state(), sscop::State::kOutConnPend);
  EXPECT_TRUE(h.f.established());
  h.in(AalDataRequest{{9, 8, 7}});
  EXPECT_TRUE(h.sent().empty());
  h.rx(make(PduType::kBgak));
  EXPECT_EQ(h.count<AalEstablishIndication>(), 1);
  EXPECT_EQ(h.count<AalReleaseIndication>(), 0);
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kSd});
  EXPECT_EQ(h.f.sscop().state(), sscop::State::kReady);
}

// The other end of it: the peer's BGN with S = SSCOP is answered with BGAK
// and reported as AAL-ESTABLISH.indication alone, no AAL-RELEASE.indication.
TEST(SscfUniReady, QSaal1PeerSscopReestablishment_EstablishIndicationOnly) {
  H h(Params::for_uni(UniVersion::kUni30));
  h.establish();
  Pdu b = make(PduType::kBgn);
  b.source_sscop = true;
  h.rx(b);
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kBgak});
  EXPECT_EQ(h.count<AalReleaseIndication>(), 0);
  EXPECT_EQ(h.count<AalEstablishIndication>(), 1);
  EXPECT_TRUE(h.f.established());
  EXPECT_EQ(h.f.sscop().state(), sscop::State::kReady);
}

TEST(SscfUniReady, DataBothWays) {
  H h;
  h.establish();
  h.in(AalDataRequest{{9, 8, 7}});
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kSd});
  Pdu sd = make(PduType::kSd);
  sd.ns = 0;
  sd.info = {1, 2};
  h.rx(sd);
  ASSERT_NE(h.first<AalDataIndication>(), nullptr);
  EXPECT_TRUE(std::ranges::equal(h.first<AalDataIndication>()->data, Bytes{1, 2}));
  h.in(AalUnitdataRequest{{5}});
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kUd});
  Pdu ud = make(PduType::kUd);
  ud.info = {6};
  h.rx(ud);
  EXPECT_EQ(h.count<AalUnitdataIndication>(), 1);
}

TEST(SscfUniIdle, AalDataRequest_DiscardedWithTrace) {
  H h;
  h.in(AalDataRequest{{1}});
  EXPECT_TRUE(h.sent().empty());
  ASSERT_EQ(h.count<Trace>(), 1);
  const Trace& t = *h.first<Trace>();
  EXPECT_EQ(t.event.id, log::Id::kSscfDataNotReady);
  EXPECT_EQ(std::get<std::string_view>(t.event.args.at(0)), "Idle");
  EXPECT_EQ(log::format(t.event), "sscf: AAL-DATA.request in Idle; discarded");
}

// Q.2130 state changes of SSCF and of its SSCOP, in the order they happen.
TEST(SscfUniTrace, EstablishTracesBothLayers) {
  H h;
  h.in(AalEstablishRequest{});
  EXPECT_EQ(h.traces(), (std::vector<std::string>{"sscf: state Idle -> OutConnPend",
                                                  "state Idle -> OutConnPend"}));
  h.in(AalEstablishRequest{});
  EXPECT_EQ(h.traces(),
            std::vector<std::string>{"sscf: AAL-ESTABLISH.request while establishing; ignored"});
  h.in(AalDataRequest{Bytes(4097, 0)});
  EXPECT_EQ(h.traces(),
            std::vector<std::string>{"sscf: AAL-DATA.request longer than 4096 octets; discarded"});
}

// sscf::Params::levels filters SSCF's events and its SSCOP's: at the default
// (info) nothing is traced and the link comes up exactly as with traces.
TEST(SscfUniTrace, LevelsFilterBothLayers) {
  const log::Levels info;
  auto run = [](const log::Levels* lv) {
    Params p;
    p.levels = lv;
    H h(p);
    std::vector<Action> all;
    h.in(AalEstablishRequest{});
    all.insert(all.end(), h.out.begin(), h.out.end());
    Pdu ack;
    ack.type = PduType::kBgak;
    ack.mr = 30;
    h.rx(ack);
    all.insert(all.end(), h.out.begin(), h.out.end());
    EXPECT_TRUE(h.f.established());
    h.in(AalDataRequest{{1, 2, 3}});
    all.insert(all.end(), h.out.begin(), h.out.end());
    h.in(AalReleaseRequest{});
    all.insert(all.end(), h.out.begin(), h.out.end());
    EXPECT_EQ(h.f.state(), State::kOutDisPend);
    return all;
  };
  const auto quiet = run(&info);
  auto loud = run(nullptr);
  for (const auto& a : quiet) EXPECT_FALSE(std::holds_alternative<Trace>(a));
  const auto traced =
      std::erase_if(loud, [](const Action& a) { return std::holds_alternative<Trace>(a); });
  EXPECT_GT(traced, 0u);
  ASSERT_EQ(loud.size(), quiet.size());
  for (std::size_t i = 0; i < quiet.size(); ++i) EXPECT_EQ(quiet[i].index(), loud[i].index());
}

TEST(SscfUniReady, OversizedMessage_Discarded) {
  H h;
  h.establish();
  h.in(AalDataRequest{Bytes(4097, 0)});
  EXPECT_TRUE(h.sent().empty());
  h.in(AalDataRequest{Bytes(4096, 0)});
  EXPECT_EQ(h.sent(), std::vector<PduType>{PduType::kSd});
}

TEST(SscfUniReady, NoResponse_ReleaseIndicationWithSourceSscop) {
  H h;
  h.establish();
  bool released = false;
  for (int i = 0; i < 100 && !released; ++i) {
    h.advance(250ms);
    if (auto* r = h.first<AalReleaseIndication>()) {
      released = true;
      EXPECT_EQ(r->source, sscop::Source::kSscop);
    }
  }
  EXPECT_TRUE(released);
  EXPECT_EQ(h.now - TimePoint{}, Duration(7s));
}

TEST(SscfUniParams, UniVersionSelectsSscopMode) {
  EXPECT_EQ(Params::for_uni(UniVersion::kUni30).sscop.mode, sscop::Mode::kQSaal1);
  EXPECT_EQ(Params::for_uni(UniVersion::kUni31).sscop.mode, sscop::Mode::kQ2110);
  EXPECT_EQ(Params::for_uni(UniVersion::kUni40).sscop.mode, sscop::Mode::kQ2110);
  const Params p = Params::for_uni(UniVersion::kUni40);
  EXPECT_EQ(p.sscop.timer_cc, Duration(1s));
  EXPECT_EQ(p.sscop.timer_poll, Duration(750ms));
  EXPECT_EQ(p.sscop.timer_keepalive, Duration(2s));
  EXPECT_EQ(p.sscop.timer_noresponse, Duration(7s));
  EXPECT_EQ(p.sscop.timer_idle, Duration(15s));
  EXPECT_EQ(p.sscop.max_cc, 4u);
  EXPECT_EQ(p.sscop.max_pd, 25u);
  EXPECT_EQ(p.sscop.max_stat, 67u);
  EXPECT_EQ(p.sscop.window, 30u);
}

TEST(SscfUniAnyState, EveryEventInEveryStateIsDecided) {
  const std::vector<Event> events = {AalEstablishRequest{}, AalReleaseRequest{},
                                     AalDataRequest{{1}}, AalUnitdataRequest{{2}}};
  for (int s = 0; s < 5; ++s) {
    for (const auto& ev : events) {
      H h;
      switch (s) {
        case 0:
          break;
        case 1:
          h.in(AalEstablishRequest{});
          break;
        case 2:
          h.establish();
          h.in(AalReleaseRequest{});
          break;
        case 3:
          h.establish();
          h.in(AalEstablishRequest{});
          break;
        case 4:
          h.establish();
          break;
      }
      h.in(ev);
      EXPECT_FALSE(h.out.empty());
      EXPECT_TRUE(sscf_only(h.out));
      for (int i = 0; i < 50 && h.f.next_deadline(); ++i) {
        h.now = *h.f.next_deadline();
        h.out.clear();
        h.f.handle_timeouts(h.now, h.out);
        EXPECT_TRUE(sscf_only(h.out));
      }
      EXPECT_FALSE(h.f.next_deadline().has_value());
    }
  }
}

// receive() and data_request() (the hot path, no Event built) act as
// handle(PduReceived) and handle(AalDataRequest), and like every input they
// append behind what the caller's list holds already: a caller (call control)
// keeps one list for a whole input. A rarer SSCOP action (here the peer's RS,
// an AA-RESYNC.indication) is mapped in place, behind the list's earlier
// actions and in SSCOP's order.
TEST(SscfUniList, HotPathsMatchHandleAndAppendBehind) {
  H a, b;
  a.establish();
  b.establish();
  const Action sentinel = SendPdu{Bytes{0xee}};
  auto same_behind = [&] {
    ASSERT_EQ(b.out.size(), a.out.size() + 1);
    ASSERT_TRUE(std::holds_alternative<SendPdu>(b.out[0]));
    EXPECT_EQ(std::get<SendPdu>(b.out[0]).bytes, Bytes{0xee});
    for (std::size_t i = 0; i < a.out.size(); ++i) {
      EXPECT_EQ(b.out[i + 1].index(), a.out[i].index()) << i;
      if (const auto* s = std::get_if<SendPdu>(&a.out[i])) {
        EXPECT_EQ(std::get<SendPdu>(b.out[i + 1]).bytes, s->bytes) << i;
      }
      if (const auto* d = std::get_if<AalDataIndication>(&a.out[i])) {
        EXPECT_TRUE(std::ranges::equal(std::get<AalDataIndication>(b.out[i + 1]).data, d->data));
      }
    }
    EXPECT_TRUE(sscf_only(b.out));
  };

  a.in(AalDataRequest{{1, 2, 3}});
  b.out = {sentinel};
  b.f.data_request(Bytes{1, 2, 3}, b.now, b.out);
  EXPECT_EQ(a.sent(), std::vector<PduType>{PduType::kSd});
  same_behind();

  Pdu sd = make(PduType::kSd);
  sd.ns = 0;
  sd.info = {7, 8};
  a.rx(sd);
  const Bytes sd_bytes = sscop::encode(sd, b.f.params().sscop.mode);
  b.out = {sentinel};
  b.f.receive(sd_bytes, b.now, b.out);
  ASSERT_NE(a.first<AalDataIndication>(), nullptr);
  same_behind();

  const Pdu rs = make(PduType::kRs, 1);
  a.rx(rs);
  const Bytes rs_bytes = sscop::encode(rs, b.f.params().sscop.mode);
  b.out = {sentinel};
  b.f.receive(rs_bytes, b.now, b.out);
  EXPECT_EQ(a.sent(), std::vector<PduType>{PduType::kRsak});
  EXPECT_EQ(a.count<AalEstablishIndication>(), 1);
  same_behind();
  EXPECT_TRUE(b.f.established());
}

// Two SSCF-UNI entities over a lossy FIFO link (loss, duplication, delay): all
// Q.2931 messages arrive once and in order. A duplicated SD that finds its
// first copy in the receiver buffer is an N(S) error (Q.2110 SDL p.67) and
// starts error recovery, so a good part of the runs is disrupted; the others
// deliver everything.
TEST(SscfUniLossyLink, MessagesArriveOnceInOrder) {
  int complete = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 rng(seed);
    const double loss = std::uniform_real_distribution<double>(0, 0.2)(rng);
    const double dup = std::uniform_real_distribution<double>(0, 0.1)(rng);
    const UniVersion uni = seed % 3 == 0 ? UniVersion::kUni30 : UniVersion::kUni40;
    SscfUni a(Params::for_uni(uni)), b(Params::for_uni(uni));
    std::deque<std::pair<TimePoint, Bytes>> ab, ba;
    TimePoint now{};
    std::uint32_t sent = 0, got = 0;
    std::int64_t last = -1;
    bool disrupted = false;
    int establish_indications = 0;
    const std::uint32_t total = 20 + static_cast<std::uint32_t>(rng() % 30);
    auto push = [&](std::deque<std::pair<TimePoint, Bytes>>& q, std::vector<Action>& out) {
      for (auto& x : out) {
        if (auto* s = std::get_if<SendPdu>(&x)) {
          if (std::uniform_real_distribution<double>(0, 1)(rng) < loss) continue;
          const TimePoint at = std::max(now + 3ms, q.empty() ? now : q.back().first);
          q.emplace_back(at, s->bytes);
          if (std::uniform_real_distribution<double>(0, 1)(rng) < dup) q.emplace_back(at, s->bytes);
        } else if (auto* d = std::get_if<AalDataIndication>(&x)) {
          ASSERT_GE(d->data.size(), 2u) << "seed=" << seed;
          const std::int64_t n = d->data[0] * 256 + d->data[1];
          ASSERT_GT(n, last) << "seed=" << seed;
          last = n;
          ++got;
        } else if (std::holds_alternative<AalReleaseIndication>(x)) {
          disrupted = true;
        } else if (std::holds_alternative<AalEstablishIndication>(x)) {
          disrupted |= ++establish_indications > 1;  // the first one is B's normal establishment
        }
      }
    };
    std::vector<Action> out;
    a.handle(AalEstablishRequest{}, now, out);
    push(ab, out);
    for (int step = 0; step < 100000 && now < TimePoint{} + std::chrono::minutes(10); ++step) {
      if (a.established() && sent < total) {
        out.clear();
        a.handle(AalDataRequest{{static_cast<std::uint8_t>(sent >> 8),
                                 static_cast<std::uint8_t>(sent), 0x55}},
                 now, out);
        ++sent;
        push(ab, out);
      }
      if (a.state() == State::kIdle) {
        out.clear();
        a.handle(AalEstablishRequest{}, now, out);
        push(ab, out);
      }
      if (sent == total && a.established() && a.sscop().transmission_buffer_size() == 0) break;
      auto t = earliest(a.next_deadline(), b.next_deadline());
      if (!ab.empty()) t = earliest(t, ab.front().first);
      if (!ba.empty()) t = earliest(t, ba.front().first);
      if (a.established() && sent < total) t = earliest(t, now + 1ms);
      if (!t) break;
      now = std::max(now, *t);
      while (!ab.empty() && ab.front().first <= now) {
        const Bytes x = std::move(ab.front().second);
        ab.pop_front();
        out.clear();
        b.handle(PduReceived{x}, now, out);
        push(ba, out);
      }
      while (!ba.empty() && ba.front().first <= now) {
        const Bytes x = std::move(ba.front().second);
        ba.pop_front();
        out.clear();
        a.handle(PduReceived{x}, now, out);
        push(ab, out);
      }
      out.clear();
      a.handle_timeouts(now, out);
      push(ab, out);
      out.clear();
      b.handle_timeouts(now, out);
      push(ba, out);
    }
    if (!disrupted) {
      EXPECT_EQ(got, total) << "seed=" << seed;
      ++complete;
    }
  }
  EXPECT_GT(complete, 150);
}

}  // namespace
}  // namespace atmsigd::sscf
