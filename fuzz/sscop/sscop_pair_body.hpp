// The body of the SSCOP sequence fuzzer, shared with a GoogleTest that replays
// the seed corpus and past findings in every normal build.
//
// Two SSCOP entities wired back to back through two in-memory queues. The
// input is a script: per step one opcode octet (and its operands) says which
// side gets which AA- primitive, which PDU in flight is delivered, dropped,
// duplicated, corrupted or overtaken, when raw bytes arrive, when time passes.
// After every step both entities must satisfy the invariants below; at the end
// of the input the link is made perfect, both users release, and both entities
// must reach Idle with no timer running, in bounded virtual time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "../common/fuzz_input.hpp"
#include "atmsigd/sscop/sscop.hpp"

namespace atmsigd::fuzz {

// How deep a run got (the replay tests check that the seeds reach far).
struct SscopReach {
  std::uint64_t delivered = 0;  // AA-DATA.indications, both sides
  std::uint64_t recoveries = 0;
  std::uint64_t resyncs = 0;
};

struct SscopSide {
  explicit SscopSide(const sscop::Params& p) : s(p) {}
  sscop::Sscop s;
  std::deque<Bytes> to_peer;  // PDUs in flight towards the other side
  // The user's pending answers (auto mode answers them at once).
  bool establish_indicated = false;
  bool recover_indicated = false;
  bool resync_indicated = false;
  std::uint64_t delivered = 0;
};

class SscopPair {
 public:
  SscopPair(sscop::Mode mode, bool datagram_link)
      : a_(params(mode, datagram_link)), b_(params(mode, datagram_link)) {}

  // Returns an empty string, or the invariant violated.
  std::string run(FuzzInput& in, SscopReach* reach = nullptr) {
    while (!in.empty() && error_.empty()) step(in);
    if (reach != nullptr) {
      reach->delivered = a_.delivered + b_.delivered;
      reach->recoveries = a_.s.stats().recoveries + b_.s.stats().recoveries;
      reach->resyncs = a_.s.stats().resyncs + b_.s.stats().resyncs;
    }
    if (error_.empty()) finish();
    return error_;
  }

 private:
  static sscop::Params params(sscop::Mode mode, bool datagram_link) {
    sscop::Params p;
    p.mode = mode;
    p.datagram_link = datagram_link;
    p.window = 8;  // small, so the fuzzer reaches window-closed and the wrap of the buffers
    p.max_pd = 4;
    return p;
  }
  static Duration longest_timer(const sscop::Params& p) {
    return std::max(
        {p.timer_cc, p.timer_poll, p.timer_keepalive, p.timer_noresponse, p.timer_idle});
  }

  void act(SscopSide& side, std::vector<sscop::Action>& out) {
    for (auto& a : out) {
      if (auto* s = std::get_if<sscop::SendPdu>(&a)) {
        if (side.to_peer.size() < kMaxInFlight) side.to_peer.push_back(std::move(s->bytes));
      } else if (std::holds_alternative<sscop::AaEstablishIndication>(a)) {
        side.establish_indicated = true;
      } else if (std::holds_alternative<sscop::AaRecoverIndication>(a)) {
        side.recover_indicated = true;
      } else if (std::holds_alternative<sscop::AaResyncIndication>(a)) {
        side.resync_indicated = true;
      } else if (std::holds_alternative<sscop::AaDataIndication>(a)) {
        ++side.delivered;
      }
    }
    out.clear();
    if (auto_answer_) answer(side);
  }
  void answer(SscopSide& side) {
    std::vector<sscop::Action> out;
    if (side.establish_indicated && side.s.state() == sscop::State::kInConnPend) {
      side.establish_indicated = false;
      side.s.handle(sscop::AaEstablishResponse{}, now_, out);
    } else if (side.recover_indicated && side.s.state() == sscop::State::kRecPend) {
      side.recover_indicated = false;
      side.s.handle(sscop::AaRecoverResponse{}, now_, out);
    } else if (side.resync_indicated && side.s.state() == sscop::State::kInResyncPend) {
      side.resync_indicated = false;
      side.s.handle(sscop::AaResyncResponse{}, now_, out);
    }
    if (!out.empty()) act(side, out);
  }

  void handle(SscopSide& side, const sscop::Event& ev) {
    std::vector<sscop::Action> out;
    side.s.handle(ev, now_, out);
    act(side, out);
    check(side, "after an input");
  }
  void timeouts() {
    for (SscopSide* side : {&a_, &b_}) {
      std::vector<sscop::Action> out;
      side->s.handle_timeouts(now_, out);
      act(*side, out);
    }
    for (SscopSide* side : {&a_, &b_}) check(*side, "after handle_timeouts");
  }
  // Virtual time up to now + d, every deadline on the way taken in order.
  void advance(Duration d) {
    const TimePoint end = now_ + d;
    for (int i = 0; i < 100000 && error_.empty(); ++i) {
      auto da = a_.s.next_deadline();
      auto db = b_.s.next_deadline();
      std::optional<TimePoint> next = da;
      if (db && (!next || *db < *next)) next = db;
      if (!next || *next > end) break;
      now_ = std::max(now_, *next);
      timeouts();
      if (auto_answer_) pump();
    }
    now_ = end;
    timeouts();
  }
  // Delivers every PDU in flight (both ways) until both queues are empty.
  void pump() {
    for (int i = 0; i < 100000 && error_.empty(); ++i) {
      if (!a_.to_peer.empty()) {
        deliver(a_, b_);
      } else if (!b_.to_peer.empty()) {
        deliver(b_, a_);
      } else {
        return;
      }
    }
    if (error_.empty()) error_ = "the link never went quiet";
  }
  void deliver(SscopSide& from, SscopSide& to) {
    const Bytes p = std::move(from.to_peer.front());
    from.to_peer.pop_front();
    handle(to, sscop::PduReceived{ByteView(p)});
  }

  void fail(const SscopSide& side, const char* when, const std::string& what) {
    if (!error_.empty()) return;
    error_ = std::string(&side == &a_ ? "A" : "B") + " " + when + " in " +
             std::string(sscop::to_string(side.s.state())) + ": " + what;
  }
  // The invariants of one entity (Q.2110 clause 8 / 20.2 variables).
  void check(const SscopSide& side, const char* when) {
    const sscop::Sscop& s = side.s;
    const auto st = static_cast<unsigned>(s.state());
    if (st < 1 || st > sscop::kStateCount) return fail(side, when, "illegal state");
    for (std::uint32_t v :
         {s.vt_s(), s.vt_a(), s.vt_ms(), s.vt_ps(), s.vt_pa(), s.vr_r(), s.vr_h(), s.vr_mr()})
      if (v > sscop::kSeqMask) return fail(side, when, "sequence variable beyond 2^24");
    // The transmission buffer holds exactly the SDs VT(A) <= N(S) < VT(S)
    // (in data transfer; elsewhere the variables keep stale values until
    // the next establishment initialises them).
    if (s.state() == sscop::State::kReady &&
        s.transmission_buffer_size() != sscop::seq_rel(s.vt_s(), s.vt_a()))
      return fail(side, when,
                  "transmission buffer " + std::to_string(s.transmission_buffer_size()) +
                      " != VT(S)-VT(A) " + std::to_string(sscop::seq_rel(s.vt_s(), s.vt_a())));
    // Receiver: VR(R) <= VR(H) <= VR(MR) (modulo 2^24, relative to VR(R)),
    // and the receive buffer holds nothing beyond VR(H) nor beyond the window.
    const std::uint32_t h = sscop::seq_rel(s.vr_h(), s.vr_r());
    const std::uint32_t mr = sscop::seq_rel(s.vr_mr(), s.vr_r());
    if (h > mr && s.state() == sscop::State::kReady)
      return fail(side, when,
                  "VR(H) beyond VR(MR): VR(R)=" + std::to_string(s.vr_r()) + " VR(H)=" +
                      std::to_string(s.vr_h()) + " VR(MR)=" + std::to_string(s.vr_mr()));
    if (s.receiver_buffer_size() > h) return fail(side, when, "receive buffer beyond VR(H)");
    if (s.receiver_buffer_size() > s.params().window)
      return fail(side, when, "receive buffer beyond the window");
    if (s.transmission_buffer_size() > kMaxSdus)
      return fail(side, when, "transmission buffer holds more than was ever sent");
    if (s.transmission_queue_size() > kMaxSdus)
      return fail(side, when, "transmission queue holds more than was ever sent");
    // Timers: never due in the past once handle_timeouts(now) has run (every
    // caller here runs it before time moves), never further than the longest.
    if (auto d = s.next_deadline()) {
      if (*d <= now_) return fail(side, when, "next_deadline() not in the future");
      if (*d > now_ + longest_timer(s.params()))
        return fail(side, when, "next_deadline() beyond the longest timer");
    }
  }

  // One scripted step.
  void step(FuzzInput& in) {
    const std::uint8_t op = in.byte();
    SscopSide& side = (op & 0x10) != 0 ? b_ : a_;
    SscopSide& other = (op & 0x10) != 0 ? a_ : b_;
    switch (op & 0x0f) {
      case 0:
        handle(side, sscop::AaEstablishRequest{in.bytes(in.byte() % 4), (op & 0x20) == 0});
        break;
      case 1:
        side.establish_indicated = false;
        handle(side, sscop::AaEstablishResponse{{}, (op & 0x20) == 0});
        break;
      case 2:
        handle(side, sscop::AaReleaseRequest{in.bytes(in.byte() % 4)});
        break;
      case 3: {
        if (sdus_ >= kMaxSdus) break;
        ++sdus_;
        Bytes data = in.bytes(in.byte() % 8);
        data.push_back(static_cast<std::uint8_t>(sdus_));
        handle(side, sscop::AaDataRequest{std::move(data)});
        break;
      }
      case 4:
        if (!side.to_peer.empty()) deliver(side, other);
        break;
      case 5:  // loss
        if (!side.to_peer.empty()) side.to_peer.pop_front();
        break;
      case 6:  // duplication
        if (!side.to_peer.empty() && side.to_peer.size() < kMaxInFlight)
          side.to_peer.push_front(side.to_peer.front());
        break;
      case 7: {  // corruption: one octet of the PDU at the head
        const std::uint8_t at = in.byte();
        const std::uint8_t x = in.byte();
        if (!side.to_peer.empty() && !side.to_peer.front().empty()) {
          Bytes& p = side.to_peer.front();
          p[at % p.size()] ^= x == 0 ? 0x80 : x;
        }
        break;
      }
      case 8:  // reordering: the second PDU overtakes the first
        if (side.to_peer.size() >= 2) std::swap(side.to_peer[0], side.to_peer[1]);
        break;
      case 9:  // virtual time passes: 0..2.55 s, or (bit 0x20) up to 25.5 s
        advance(std::chrono::milliseconds(in.byte()) * ((op & 0x20) != 0 ? 100 : 10));
        break;
      case 10: {  // raw bytes from "the peer" (a PDU of the fuzzer's own making)
        const Bytes raw = in.bytes(in.byte() % 32);
        handle(side, sscop::PduReceived{ByteView(raw)});
        break;
      }
      case 11:
        handle(side, (op & 0x20) != 0 ? sscop::Event(sscop::AaResyncRequest{})
                                      : sscop::Event(sscop::AaResyncResponse{}));
        break;
      case 12:
        side.recover_indicated = false;
        handle(side, sscop::AaRecoverResponse{});
        break;
      case 13: {
        const std::uint8_t r = in.byte();
        sscop::AaRetrieveRequest req;
        if ((r & 0xc0) == 0x40) req.unknown = true;
        if ((r & 0x80) != 0) req.rn = r & 0x3f;
        handle(side, req);
        break;
      }
      case 14:
        handle(side, (op & 0x20) != 0 ? sscop::Event(sscop::AaUnitdataRequest{in.bytes(3)})
                                      : sscop::Event(sscop::MaaUnitdataRequest{in.bytes(3)}));
        break;
      case 15:  // the user answers what it was told from now on, at once
        auto_answer_ = (op & 0x20) == 0;
        if (auto_answer_) {
          answer(a_);
          answer(b_);
        }
        break;
    }
  }

  // End of the input: what is in flight is lost, the link is perfect from now
  // on, both users answer and release. Both must reach Idle, no timer left.
  void finish() {
    a_.to_peer.clear();
    b_.to_peer.clear();
    auto_answer_ = true;
    answer(a_);
    answer(b_);
    pump();
    for (SscopSide* side : {&a_, &b_})
      if (side->s.state() != sscop::State::kIdle) handle(*side, sscop::AaReleaseRequest{});
    pump();
    const Duration bound = a_.s.params().timer_cc * (a_.s.params().max_cc + 2);
    advance(bound);
    pump();
    for (SscopSide* side : {&a_, &b_}) {
      if (side->s.state() != sscop::State::kIdle)
        fail(*side, "after release on a perfect link", "not Idle");
      else if (side->s.next_deadline())
        fail(*side, "after release on a perfect link", "a timer still runs in Idle");
    }
  }

  static constexpr std::size_t kMaxInFlight = 64;
  static constexpr std::uint64_t kMaxSdus = 200;
  SscopSide a_;
  SscopSide b_;
  TimePoint now_{};
  bool auto_answer_ = false;
  std::uint64_t sdus_ = 0;
  std::string error_;
};

// First octet: bit 0 selects Q.SAAL1 (UNI 3.0) instead of Q.2110. Every
// input runs twice: as Q.2110 / Q.SAAL1 specify for an ATM VC, and with
// datagram_link (SSCOP over UDP: duplicates and overtaken PDUs tolerated), so
// both rule sets see every script and the corpus keeps its meaning. `reach`
// is the first run's. Returns an empty string or the invariant violated.
inline std::string run_sscop_pair(const std::uint8_t* data, std::size_t size,
                                  SscopReach* reach = nullptr) {
  for (const bool datagram_link : {false, true}) {
    FuzzInput in{data, size};
    const sscop::Mode mode = (in.byte() & 1) != 0 ? sscop::Mode::kQSaal1 : sscop::Mode::kQ2110;
    SscopPair pair(mode, datagram_link);
    const std::string error = pair.run(in, datagram_link ? nullptr : reach);
    if (!error.empty()) return (datagram_link ? "datagram link: " : "") + error;
  }
  return {};
}

}  // namespace atmsigd::fuzz
