// Two SSCOP entities over a simulated link that loses, duplicates, reorders,
// corrupts and delays PDUs, in virtual time. Thousands of seeded runs.
//
// Properties checked in every run:
//  * each side delivers the peer's messages in order and never twice (the
//    application numbers its messages; the delivered numbers strictly increase);
//  * nothing crashes; the run ends with both sides in Ready and all data acknowledged.
// And in every run where the connection was never released, resynchronized or
// recovered (nor the link reordered): every message is delivered exactly once.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <random>
#include <string>

#include "atmsigd/log/format.hpp"
#include "atmsigd/sscop/sscop.hpp"

namespace atmsigd::sscop {
namespace {

using namespace std::chrono_literals;

struct LinkParams {
  double loss = 0;
  double dup = 0;
  double reorder = 0;
  double corrupt = 0;
  Duration delay = 5ms;
  Duration jitter = 0ms;
};

std::string describe(const LinkParams& l) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "loss=%.3f dup=%.3f reorder=%.3f corrupt=%.3f delay=%lldus",
                l.loss, l.dup, l.reorder, l.corrupt,
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::microseconds>(l.delay).count()));
  return buf;
}

// One direction of the link.
class Link {
 public:
  Link(const LinkParams& p, std::mt19937_64& rng) : p_(p), rng_(rng) {}

  void send(const Bytes& pdu, TimePoint now) {
    if (chance(p_.loss)) return;
    const int copies = chance(p_.dup) ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      Bytes b = pdu;
      if (chance(p_.corrupt)) corrupt(b);
      TimePoint at = now + p_.delay + jitter();
      if (is_connection_control(b)) {
        // Q.2110 assumes an in-sequence AAL: sequence numbers restart at every
        // BGN/RS/ER exchange, so nothing may overtake those PDUs. Reordering is
        // simulated among the other PDUs only.
        for (const auto& [t, x] : q_) at = std::max(at, t);
        last_ = std::max(last_, at);
      } else if (chance(p_.reorder)) {
        at += std::chrono::milliseconds(1 + rng_() % 40);  // later PDUs may overtake it
        ++reordered_;
      } else {
        if (at < last_) at = last_;  // FIFO otherwise, as on a VC
        last_ = at;
      }
      auto it = q_.end();
      while (it != q_.begin() && std::prev(it)->first > at) --it;
      q_.insert(it, {at, std::move(b)});
    }
  }
  std::optional<TimePoint> next() const {
    if (q_.empty()) return std::nullopt;
    return q_.front().first;
  }
  Bytes pop() {
    Bytes b = std::move(q_.front().second);
    q_.pop_front();
    return b;
  }
  int reordered() const { return reordered_; }

 private:
  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  Duration jitter() {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(p_.jitter).count();
    return us > 0 ? Duration(std::chrono::microseconds(rng_() % static_cast<std::uint64_t>(us)))
                  : Duration::zero();
  }
  // Damage that survives no AAL5 CRC check is what reaches SSCOP: frames cut
  // short or with a wrong length or type (the CRC drops everything else).
  void corrupt(Bytes& b) {
    switch (rng_() % 3) {
      case 0:  // cut short to a length that is not a multiple of 4
        if (!b.empty()) b.resize(rng_() % b.size());
        if (!b.empty() && b.size() % 4 == 0) b.pop_back();
        break;
      case 1:
        b.push_back(static_cast<std::uint8_t>(rng_()));
        break;
      default:
        if (b.size() >= 4) b[b.size() - 4] &= 0xf0;  // PDU type 0
        break;
    }
  }

  static bool is_connection_control(const Bytes& b) {
    if (b.size() < 4 || b.size() % 4 != 0) return false;
    switch (b[b.size() - 4] & 0x0f) {
      case 0x1:
      case 0x2:
      case 0x3:
      case 0x4:
      case 0x5:
      case 0x6:
      case 0x7:
      case 0x9:
      case 0xf:
        return true;
      default:
        return false;
    }
  }

  LinkParams p_;
  std::mt19937_64& rng_;
  std::deque<std::pair<TimePoint, Bytes>> q_;
  TimePoint last_{};
  int reordered_ = 0;
};

Bytes message(std::uint32_t n, std::mt19937_64& rng) {
  Bytes b(4 + rng() % 120);
  b[0] = static_cast<std::uint8_t>(n >> 24);
  b[1] = static_cast<std::uint8_t>(n >> 16);
  b[2] = static_cast<std::uint8_t>(n >> 8);
  b[3] = static_cast<std::uint8_t>(n);
  for (std::size_t i = 4; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(n * 31 + i);
  return b;
}

bool message_ok(ByteView b, std::uint32_t& n) {
  if (b.size() < 4) return false;
  n = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  for (std::size_t i = 4; i < b.size(); ++i) {
    if (b[i] != static_cast<std::uint8_t>(n * 31 + i)) return false;
  }
  return true;
}

// One end: an SSCOP entity and a user that answers every indication (as
// SSCF-UNI does), re-establishes after a release, and sends numbered messages.
struct End {
  End(const Params& p, std::uint32_t to_send) : sscop(p), total(to_send) {}

  Sscop sscop;
  std::uint32_t total;
  std::uint32_t next_send = 0;
  std::int64_t last_delivered = -1;
  std::uint32_t delivered = 0;
  int releases = 0;
  int disruptions = 0;  // releases, resyncs, recoveries seen by this user
  std::optional<TimePoint> reestablish_at;
  bool initiator = false;
  std::string failure;
};

struct RunResult {
  bool clean = false;  // no release/resync/recovery/reorder
  bool recovered = false;
  bool resynced = false;
  bool wrapped = false;
  int disruptions = 0;  // releases, resyncs, recoveries seen by both users
  bool all_delivered = false;
};

class Sim {
 public:
  Sim(std::uint64_t seed, const Params& params, const LinkParams& link, std::uint32_t n_ab,
      std::uint32_t n_ba, bool user_resync)
      : rng_(seed),
        ab_(link, rng_),
        ba_(link, rng_),
        a_(params, n_ab),
        b_(params, n_ba),
        user_resync_(user_resync) {
    a_.initiator = true;
  }

  RunResult run() {
    std::vector<Action> out;
    a_.sscop.handle(AaEstablishRequest{}, now_, out);
    process(a_, out, ab_);
    const TimePoint limit = now_ + std::chrono::minutes(30);
    int steps = 0;
    while (now_ < limit && ++steps < 200000) {
      if (done()) break;
      if (wrap_origin_ && a_.sscop.state() == State::kReady && b_.sscop.state() == State::kReady &&
          a_.next_send == 0 && b_.next_send == 0) {
        // Renumber both ends just below 2^24 so that the run crosses the wrap.
        if (a_.sscop.testing_set_sequence_origin(*wrap_origin_) &&
            !b_.sscop.testing_set_sequence_origin(*wrap_origin_)) {
          a_.failure = "could not renumber B";
        }
        renumbered_ = a_.sscop.vt_s() != 0;
        wrap_origin_.reset();
      }
      // Application: submit more messages every 2 ms while the link is up.
      submit(a_, ab_);
      submit(b_, ba_);
      std::optional<TimePoint> t = earliest(ab_.next(), ba_.next());
      t = earliest(t, a_.sscop.next_deadline());
      t = earliest(t, b_.sscop.next_deadline());
      t = earliest(t, a_.reestablish_at);
      t = earliest(t, b_.reestablish_at);
      if (wants_submit(a_) || wants_submit(b_)) t = earliest(t, now_ + 2ms);
      if (!t) break;
      now_ = std::max(now_, *t);
      if (a_.reestablish_at && *a_.reestablish_at <= now_) reestablish(a_, ab_);
      if (b_.reestablish_at && *b_.reestablish_at <= now_) reestablish(b_, ba_);
      deliver(ab_, b_, ba_);
      deliver(ba_, a_, ab_);
      out.clear();
      a_.sscop.handle_timeouts(now_, out);
      process(a_, out, ab_);
      out.clear();
      b_.sscop.handle_timeouts(now_, out);
      process(b_, out, ba_);
      if (!a_.failure.empty() || !b_.failure.empty()) break;
    }
    RunResult r;
    r.wrapped = renumbered_;
    r.recovered = a_.sscop.stats().recoveries + b_.sscop.stats().recoveries > 0;
    r.resynced = a_.sscop.stats().resyncs + b_.sscop.stats().resyncs > 0;
    r.disruptions = a_.disruptions + b_.disruptions;
    r.all_delivered = b_.delivered == a_.total && a_.delivered == b_.total;
    r.clean = a_.disruptions == 0 && b_.disruptions == 0 && !r.recovered && !r.resynced &&
              ab_.reordered() == 0 && ba_.reordered() == 0;
    return r;
  }

  std::string check(const RunResult& r) const {
    if (!a_.failure.empty()) return "A: " + a_.failure;
    if (!b_.failure.empty()) return "B: " + b_.failure;
    if (!done()) {
      return "run did not finish: A " + std::string(to_string(a_.sscop.state())) + " sent " +
             std::to_string(a_.next_send) + "/" + std::to_string(a_.total) + ", B " +
             std::string(to_string(b_.sscop.state())) + " sent " + std::to_string(b_.next_send) +
             "/" + std::to_string(b_.total);
    }
    if (r.clean && (b_.delivered != a_.total || a_.delivered != b_.total)) {
      return "clean run lost data: B got " + std::to_string(b_.delivered) + "/" +
             std::to_string(a_.total) + ", A got " + std::to_string(a_.delivered) + "/" +
             std::to_string(b_.total);
    }
    return {};
  }

 private:
  bool wants_submit(const End& e) const {
    return e.next_send < e.total && e.sscop.state() == State::kReady && !wrap_origin_;
  }
  bool idle_and_acked(const End& e) const {
    return e.sscop.state() == State::kReady && e.next_send == e.total &&
           e.sscop.transmission_queue_size() == 0 && e.sscop.transmission_buffer_size() == 0;
  }
  bool done() const { return idle_and_acked(a_) && idle_and_acked(b_); }

  void submit(End& e, Link& link) {
    if (!wants_submit(e)) return;
    std::vector<Action> out;
    const std::uint32_t burst = 1 + static_cast<std::uint32_t>(rng_() % 6);
    for (std::uint32_t i = 0; i < burst && e.next_send < e.total; ++i) {
      e.sscop.handle(AaDataRequest{message(e.next_send++, rng_)}, now_, out);
    }
    if (user_resync_ && e.initiator && rng_() % 200 == 0) {
      e.sscop.handle(AaResyncRequest{}, now_, out);
    }
    process(e, out, link);
  }

  void reestablish(End& e, Link& link) {
    e.reestablish_at.reset();
    if (e.sscop.state() != State::kIdle) return;
    std::vector<Action> out;
    e.sscop.handle(AaEstablishRequest{}, now_, out);
    process(e, out, link);
  }

  void log(const End& e, const char* what, const std::string& text) const {
    if (!trace_) return;
    std::fprintf(stderr, "%10.3f %s %-13s %s %s\n",
                 std::chrono::duration<double>(now_ - TimePoint{}).count(), &e == &a_ ? "A" : "B",
                 std::string(to_string(e.sscop.state())).c_str(), what, text.c_str());
  }

  void deliver(Link& in, End& e, Link& back) {
    while (in.next() && *in.next() <= now_) {
      const Bytes b = in.pop();
      if (trace_) {
        auto d = decode(b, e.sscop.params().mode);
        log(e, "<-",
            std::holds_alternative<Pdu>(d) ? sscop::describe(std::get<Pdu>(d)) : "malformed");
      }
      std::vector<Action> out;
      e.sscop.handle(PduReceived{b}, now_, out);
      process(e, out, back);
    }
  }

  void process(End& e, std::vector<Action>& out, Link& link) {
    std::deque<Event> responses;
    for (std::size_t i = 0; i < out.size(); ++i) {
      std::visit(
          [&](auto& x) {
            using A = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<A, SendPdu>) {
              if (trace_) {
                auto d = decode(x.bytes, e.sscop.params().mode);
                log(e, "->",
                    std::holds_alternative<Pdu>(d) ? sscop::describe(std::get<Pdu>(d)) : "?");
              }
              link.send(x.bytes, now_);
            } else if constexpr (std::is_same_v<A, Trace>) {
              log(e, "..", log::format(x.event));
            } else if constexpr (std::is_same_v<A, AaDataIndication>) {
              std::uint32_t n = 0;
              if (!message_ok(x.data, n)) {
                e.failure = "damaged message delivered";
              } else if (static_cast<std::int64_t>(n) <= e.last_delivered) {
                e.failure = "message " + std::to_string(n) + " delivered after " +
                            std::to_string(e.last_delivered);
              } else {
                e.last_delivered = n;
                ++e.delivered;
              }
              log(e, "DATA", std::to_string(n));
            } else if constexpr (std::is_same_v<A, AaEstablishIndication>) {
              responses.push_back(AaEstablishResponse{});
            } else if constexpr (std::is_same_v<A, AaResyncIndication>) {
              ++e.disruptions;
              responses.push_back(AaResyncResponse{});
            } else if constexpr (std::is_same_v<A, AaRecoverIndication>) {
              ++e.disruptions;
              responses.push_back(AaRecoverResponse{});
            } else if constexpr (std::is_same_v<A, AaReleaseIndication>) {
              ++e.disruptions;
              ++e.releases;
              if (e.initiator) e.reestablish_at = now_ + 100ms;
            } else if constexpr (std::is_same_v<A, AaReleaseConfirm>) {
              if (e.initiator) e.reestablish_at = now_ + 100ms;
            } else {
              (void)x;
            }
          },
          out[i]);
    }
    while (!responses.empty()) {
      std::vector<Action> more;
      e.sscop.handle(responses.front(), now_, more);
      responses.pop_front();
      process(e, more, link);
    }
  }

  mutable std::mt19937_64 rng_;
  TimePoint now_{};
  Link ab_, ba_;
  End a_, b_;
  bool user_resync_;
  bool trace_ = false;
  std::optional<std::uint32_t> wrap_origin_;
  bool renumbered_ = false;

 public:
  void enable_trace() { trace_ = true; }
  void start_near_wrap(std::uint32_t origin) { wrap_origin_ = origin; }
};

struct Totals {
  int runs = 0, clean = 0, recovered = 0, resynced = 0, wrapped = 0;
};

void run_many(std::uint64_t first_seed, int runs, Mode mode, bool allow_reorder, Totals& t) {
  for (int i = 0; i < runs; ++i) {
    const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
    std::mt19937_64 prng(seed * 7919 + 17);
    auto u = [&prng](double hi) { return std::uniform_real_distribution<double>(0, hi)(prng); };
    LinkParams l;
    l.loss = u(0.25);
    l.dup = u(0.1);
    l.corrupt = u(0.05);
    l.reorder = allow_reorder && prng() % 2 ? u(0.05) : 0;
    l.delay = std::chrono::microseconds(100 + prng() % 20000);
    l.jitter = std::chrono::microseconds(prng() % 3000);
    Params p;
    p.mode = mode;
    p.window = 4 + static_cast<std::uint32_t>(prng() % 40);
    p.max_pd = 2 + static_cast<std::uint32_t>(prng() % 30);
    p.max_stat = 3 + 2 * static_cast<std::uint32_t>(prng() % 10);
    p.poll_after_retransmission = prng() % 2 == 0;
    const auto n_ab = static_cast<std::uint32_t>(5 + prng() % 35);
    const auto n_ba = static_cast<std::uint32_t>(prng() % 10);
    const bool user_resync = prng() % 4 == 0;
    Sim sim(seed, p, l, n_ab, n_ba, user_resync);
    if (prng() % 3 == 0)
      sim.start_near_wrap(kSeqMask + 1 - static_cast<std::uint32_t>(prng() % 50));
    if (const char* env = std::getenv("SSCOP_SIM_TRACE_SEED"); env && std::stoull(env) == seed) {
      sim.enable_trace();
    }
    const RunResult r = sim.run();
    const std::string err = sim.check(r);
    ASSERT_TRUE(err.empty()) << "seed=" << seed
                             << " mode=" << (mode == Mode::kQ2110 ? "Q.2110" : "Q.SAAL1") << " "
                             << describe(l) << " window=" << p.window << " max_pd=" << p.max_pd
                             << ": " << err;
    ++t.runs;
    t.clean += r.clean ? 1 : 0;
    t.recovered += r.recovered ? 1 : 0;
    t.resynced += r.resynced ? 1 : 0;
    t.wrapped += r.wrapped ? 1 : 0;
  }
  std::printf(
      "[ sim      ] %d runs: %d clean (all delivered exactly once), %d with recovery, %d with "
      "resync, %d across the 2^24 wrap\n",
      t.runs, t.clean, t.recovered, t.resynced, t.wrapped);
}

TEST(SscopLossyLink, FifoLinkWithLossDuplicationCorruption_DeliversEverySdOnceInOrder) {
  Totals t;
  run_many(1000, 1200, Mode::kQ2110, false, t);
  RecordProperty("clean_runs", t.clean);
  EXPECT_GT(t.clean, t.runs / 2) << "most runs should never need recovery";
  EXPECT_GT(t.resynced, 0);
  EXPECT_GT(t.wrapped, 100) << "runs must cross the 24-bit sequence number wrap";
}

TEST(SscopLossyLink, ReorderingLink_RecoversAndNeverDuplicatesOrReorders) {
  Totals t;
  run_many(500000, 700, Mode::kQ2110, true, t);
  EXPECT_GT(t.recovered, 10) << "reordering must exercise error recovery";
  EXPECT_GT(t.clean, 0);
}

TEST(SscopLossyLink, QSaal1Mode_SameGuarantees) {
  Totals t;
  run_many(900000, 400, Mode::kQSaal1, true, t);
  EXPECT_GT(t.clean, 0);
  EXPECT_GT(t.recovered, 0);
}

// Issue 14 (the soak's finding): SSCOP over UDP, where datagrams come twice
// or out of order. With Params::datagram_link a copy of an SD, a POLL
// overtaken by later SDs, a STAT or USTAT overtaken by a later one is no
// protocol error: without loss of the link's PDUs to corruption no run needs
// a recovery or re-establishment, and every message arrives exactly once, in
// order. (Without datagram_link the same links recover in many runs: the
// ReorderingLink test above.)
void run_datagram(std::uint64_t first_seed, int runs, Mode mode, Totals& t) {
  for (int i = 0; i < runs; ++i) {
    const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
    std::mt19937_64 prng(seed * 7919 + 17);
    auto u = [&prng](double hi) { return std::uniform_real_distribution<double>(0, hi)(prng); };
    LinkParams l;
    l.loss = u(0.05);
    l.dup = 0.01 + u(0.1);
    l.reorder = 0.01 + u(0.05);
    l.delay = std::chrono::microseconds(100 + prng() % 5000);
    l.jitter = std::chrono::microseconds(prng() % 3000);
    Params p;
    p.mode = mode;
    p.datagram_link = true;
    p.window = 4 + static_cast<std::uint32_t>(prng() % 40);
    p.max_pd = 2 + static_cast<std::uint32_t>(prng() % 30);
    p.poll_after_retransmission = prng() % 2 == 0;
    const auto n_ab = static_cast<std::uint32_t>(20 + prng() % 100);
    const auto n_ba = static_cast<std::uint32_t>(prng() % 40);
    Sim sim(seed, p, l, n_ab, n_ba, false);
    if (const char* env = std::getenv("SSCOP_SIM_TRACE_SEED"); env && std::stoull(env) == seed) {
      sim.enable_trace();
    }
    const RunResult r = sim.run();
    const std::string err = sim.check(r);
    const std::string what = "seed=" + std::to_string(seed) +
                             (mode == Mode::kQ2110 ? " Q.2110 " : " Q.SAAL1 ") + describe(l);
    ASSERT_TRUE(err.empty()) << what << ": " << err;
    ASSERT_EQ(r.disruptions, 0) << what << ": the link was recovered or re-established";
    ASSERT_FALSE(r.recovered) << what;
    ASSERT_TRUE(r.all_delivered) << what;
    ++t.runs;
  }
}

TEST(SscopLossyLink, DatagramLink_DuplicationAndReorderingNeverRecover) {
  Totals t;
  run_datagram(1400000, 300, Mode::kQ2110, t);
  run_datagram(1500000, 300, Mode::kQSaal1, t);
  EXPECT_EQ(t.runs, 600);
}

}  // namespace
}  // namespace atmsigd::sscop
