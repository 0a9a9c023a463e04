// Virtual-time driver for one SSCOP entity: feed events and PDUs, look at what
// came out.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "atmsigd/log/format.hpp"
#include "atmsigd/sscop/sscop.hpp"

namespace atmsigd::sscop::test {

inline Pdu pdu(PduType t) {
  Pdu p;
  p.type = t;
  return p;
}
inline Pdu bgn(std::uint8_t sq, std::uint32_t mr = 30) {
  Pdu p = pdu(PduType::kBgn);
  p.sq = sq;
  p.mr = mr;
  return p;
}
inline Pdu bgak(std::uint32_t mr = 30) {
  Pdu p = pdu(PduType::kBgak);
  p.mr = mr;
  return p;
}
inline Pdu rs(std::uint8_t sq, std::uint32_t mr = 30) {
  Pdu p = pdu(PduType::kRs);
  p.sq = sq;
  p.mr = mr;
  return p;
}
inline Pdu rsak(std::uint32_t mr = 30) {
  Pdu p = pdu(PduType::kRsak);
  p.mr = mr;
  return p;
}
inline Pdu er(std::uint8_t sq, std::uint32_t mr = 30) {
  Pdu p = pdu(PduType::kEr);
  p.sq = sq;
  p.mr = mr;
  return p;
}
inline Pdu erak(std::uint32_t mr = 30) {
  Pdu p = pdu(PduType::kErak);
  p.mr = mr;
  return p;
}
inline Pdu end(bool source_sscop = false) {
  Pdu p = pdu(PduType::kEnd);
  p.source_sscop = source_sscop;
  return p;
}
inline Pdu sd(std::uint32_t ns, Bytes data = {0x55}) {
  Pdu p = pdu(PduType::kSd);
  p.ns = ns;
  p.info = std::move(data);
  return p;
}
inline Pdu poll(std::uint32_t ps, std::uint32_t ns) {
  Pdu p = pdu(PduType::kPoll);
  p.ps = ps;
  p.ns = ns;
  return p;
}
inline Pdu stat(std::uint32_t ps, std::uint32_t nr, std::uint32_t mr,
                std::vector<std::uint32_t> list = {}) {
  Pdu p = pdu(PduType::kStat);
  p.ps = ps;
  p.nr = nr;
  p.mr = mr;
  p.list = std::move(list);
  return p;
}
inline Pdu ustat(std::uint32_t nr, std::uint32_t mr, std::uint32_t l1, std::uint32_t l2) {
  Pdu p = pdu(PduType::kUstat);
  p.nr = nr;
  p.mr = mr;
  p.list = {l1, l2};
  return p;
}

struct Harness {
  explicit Harness(Params p = {}) : s(p) {}

  Sscop s;
  TimePoint now{};
  std::vector<Action> out;

  void in(const Event& ev) {
    out.clear();
    s.handle(ev, now, out);
  }
  // The PDU fed last stays here: an AaDataIndication in `out` views it.
  Bytes last_rx;
  void rx(const Pdu& p) {
    last_rx = encode(p, s.params().mode);
    in(PduReceived{last_rx});
  }
  void rx_bytes(const Bytes& b) {
    last_rx = b;
    in(PduReceived{last_rx});
  }
  // Advances virtual time and fires due timers.
  void advance(Duration d) {
    now += d;
    out.clear();
    s.handle_timeouts(now, out);
  }
  // Fires exactly the next deadline.
  void fire_next() {
    out.clear();
    auto d = s.next_deadline();
    ASSERT_TRUE(d.has_value());
    now = *d;
    s.handle_timeouts(now, out);
  }

  std::vector<Pdu> sent() const {
    std::vector<Pdu> r;
    for (const auto& a : out) {
      if (auto* sp = std::get_if<SendPdu>(&a)) {
        auto d = decode(sp->bytes, s.params().mode);
        if (auto* p = std::get_if<Pdu>(&d)) r.push_back(*p);
      }
    }
    return r;
  }
  std::vector<PduType> sent_types() const {
    std::vector<PduType> r;
    for (const auto& p : sent()) r.push_back(p.type);
    return r;
  }
  std::string maa() const {
    std::string r;
    for (const auto& a : out) {
      if (auto* m = std::get_if<MaaErrorIndication>(&a)) r.push_back(m->code);
    }
    return r;
  }
  template <typename T>
  int count() const {
    int n = 0;
    for (const auto& a : out) n += std::holds_alternative<T>(a) ? 1 : 0;
    return n;
  }
  // The Traces of the last step, as the shell would print them.
  std::vector<std::string> traces() const {
    std::vector<std::string> r;
    for (const auto& a : out) {
      if (auto* t = std::get_if<Trace>(&a)) r.push_back(log::format(t->event));
    }
    return r;
  }
  template <typename T>
  const T* first() const {
    for (const auto& a : out) {
      if (auto* t = std::get_if<T>(&a)) return t;
    }
    return nullptr;
  }

  // ---- Drive to each state
  void to_out_conn_pend() { in(AaEstablishRequest{}); }
  void to_in_conn_pend() { rx(bgn(1)); }
  void to_ready() {
    to_out_conn_pend();
    rx(bgak());
  }
  void to_out_dis_pend() {
    to_ready();
    in(AaReleaseRequest{});
  }
  void to_out_resync_pend() {
    to_ready();
    in(AaResyncRequest{});
  }
  void to_in_resync_pend() {
    to_ready();
    rx(rs(101));
  }
  void to_out_rec_pend() {
    to_ready();
    rx(stat(1, 0, 30));  // STAT with no POLL outstanding: N(PS) error -> ER
  }
  void to_rec_pend() {
    to_out_rec_pend();
    rx(erak());
  }
  void to_in_rec_pend() {
    to_ready();
    rx(er(101));
  }
  void to(State st) {
    switch (st) {
      case State::kIdle:
        break;
      case State::kOutConnPend:
        to_out_conn_pend();
        break;
      case State::kInConnPend:
        to_in_conn_pend();
        break;
      case State::kOutDisPend:
        to_out_dis_pend();
        break;
      case State::kOutResyncPend:
        to_out_resync_pend();
        break;
      case State::kInResyncPend:
        to_in_resync_pend();
        break;
      case State::kOutRecPend:
        to_out_rec_pend();
        break;
      case State::kRecPend:
        to_rec_pend();
        break;
      case State::kInRecPend:
        to_in_rec_pend();
        break;
      case State::kReady:
        to_ready();
        break;
    }
    ASSERT_EQ(s.state(), st);
    out.clear();
  }
};

inline const std::vector<State>& all_states() {
  static const std::vector<State> v = {
      State::kIdle,          State::kOutConnPend,  State::kInConnPend, State::kOutDisPend,
      State::kOutResyncPend, State::kInResyncPend, State::kOutRecPend, State::kRecPend,
      State::kInRecPend,     State::kReady};
  return v;
}

}  // namespace atmsigd::sscop::test
