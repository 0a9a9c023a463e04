// The body of the call-control sequence fuzzer, shared with a GoogleTest that
// replays the seed corpus and past findings in every normal build.
//
// Two ends joined by an in-memory link, in virtual time: either a user-side
// and a network-side callctl::Uni back to back (each with a fake socket layer
// the input drives), or one Uni (either side) facing a bare SSCF-UNI through
// which the input speaks Q.2931: structured messages of the codec's types with
// fuzzed IEs, or raw bytes. The input also decides the fate of every PDU on
// the link (delivered, lost, duplicated, reordered), cuts the link and moves
// time on.
//
// Invariants, after every step: the kernel contract of the events (exactly
// one CcEstablished/CcReleased per CcConnect/CcAccept, nothing after our
// CcRelease, CcIncomingGone only for an offered call); next_deadline() never
// due once handle_timeouts(now) has run and never further ahead than the
// longest configured timer. At the end of the input: every socket released and
// every offered call rejected, the link perfect, time driven on: no call may
// remain (call_count() == 0); after StopLinks the link is released and nothing
// is left (no call, no timer).
#pragma once

#include <sys/socket.h>

#include <linux/atm.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../../tests/support/callctl_builders.hpp"
#include "../common/fuzz_input.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/sscf/sscf_uni.hpp"

namespace atmsigd::fuzz {

// How deep a run got (the replay tests check that the seeds reach far).
struct CcReach {
  std::uint64_t established = 0;  // CcEstablished seen by a fake socket layer
  std::uint64_t incoming = 0;     // CcIncoming
  std::uint64_t modified = 0;     // CcModifyResult 0 (Q.2963.1)
};

// One end of the link.
struct CcEnd {
  virtual ~CcEnd() = default;
  std::deque<Bytes> to_peer;  // PDUs in flight towards the other end
  virtual void rx(const Bytes& pdu, TimePoint now) = 0;
  virtual void timeouts(TimePoint now) = 0;
  virtual std::optional<TimePoint> deadline() const = 0;
};

// A Uni and the fake socket layer above it, which checks the kernel contract.
struct CcUniEnd : CcEnd {
  explicit CcUniEnd(const callctl::UniParams& p) : uni(p) {}
  callctl::Uni uni;
  std::map<atmsvc::SockId, bool> socks;  // ours, awaiting an answer (false) or up (true)
  std::set<atmsvc::CallId> offered;
  // Q.2963.1 (UNI 4.0 with modification): CcModify not yet answered, and the
  // CcModifyQos the kernel has still to answer (its answer is an input).
  std::multiset<atmsvc::SockId> modifying;
  std::deque<atmsvc::SockId> qos_asked;
  atmsvc::SockId next_sock = 1;
  CcReach reach;
  bool reject_offers = false;  // end phase: refuse whatever arrives
  std::string error;
  TimePoint now_{};

  void take(std::vector<atmsvc::NetOutput>& out) {
    for (auto& o : out) {
      if (auto* l = std::get_if<atmsvc::ToLink>(&o)) {
        if (to_peer.size() < 256) to_peer.push_back(std::move(l->pdu));
      } else if (auto* e = std::get_if<atmsvc::CcEstablished>(&o)) {
        auto it = socks.find(e->sock);
        if (it == socks.end())
          fail("CcEstablished for a socket that is not waiting for one");
        else if (it->second)
          fail("CcEstablished twice");
        else
          it->second = true;
        ++reach.established;
      } else if (auto* r = std::get_if<atmsvc::CcReleased>(&o)) {
        if (socks.erase(r->sock) == 0) fail("CcReleased for a socket call control must not know");
        if (modifying.count(r->sock) != 0) fail("CcReleased before the CcModifyResult");
      } else if (auto* mr = std::get_if<atmsvc::CcModifyResult>(&o)) {
        if (auto m = modifying.find(mr->sock); m != modifying.end())
          modifying.erase(m);
        else
          fail("CcModifyResult nobody asked for");
        if (mr->err == 0) ++reach.modified;
      } else if (auto* mq = std::get_if<atmsvc::CcModifyQos>(&o)) {
        if (socks.count(mq->sock) == 0) fail("CcModifyQos for a socket call control must not know");
        if (std::find(qos_asked.begin(), qos_asked.end(), mq->sock) != qos_asked.end())
          fail("a second CcModifyQos before the answer to the first");
        if (qos_asked.size() < 64) qos_asked.push_back(mq->sock);
      } else if (auto* i = std::get_if<atmsvc::CcIncoming>(&o)) {
        if (!offered.insert(i->call).second) fail("CcIncoming twice for one call");
        ++reach.incoming;
      } else if (auto* g = std::get_if<atmsvc::CcIncomingGone>(&o)) {
        if (offered.erase(g->call) == 0) fail("CcIncomingGone for a call not offered");
      }
    }
    out.clear();
    if (reject_offers)
      while (!offered.empty()) reject(*offered.begin(), now_);
  }
  void fail(const std::string& what) {
    if (error.empty()) error = what;
  }
  void handle(const atmsvc::NetInput& in, TimePoint now) {
    now_ = now;
    std::vector<atmsvc::NetOutput> out;
    uni.handle(in, now, out);
    take(out);
  }
  void rx(const Bytes& pdu, TimePoint now) override {
    handle(atmsvc::LinkPdu{0, ByteView(pdu)}, now);
  }
  void timeouts(TimePoint now) override {
    now_ = now;
    std::vector<atmsvc::NetOutput> out;
    uni.handle_timeouts(now, out);
    take(out);
  }
  std::optional<TimePoint> deadline() const override { return uni.next_deadline(); }

  void connect(std::uint8_t to, TimePoint now) {
    atmsvc::CcConnect c{};
    c.sock = next_sock++;
    std::memset(&c.local, 0, sizeof c.local);
    c.called = testkit::nsap(to);
    std::memset(&c.sap, 0, sizeof c.sap);
    c.qos = testkit::ubr();
    std::memset(&c.pvc, 0, sizeof c.pvc);
    socks.emplace(c.sock, false);
    handle(c, now);
  }
  void accept(atmsvc::CallId call, TimePoint now) {
    offered.erase(call);
    const atmsvc::SockId s = next_sock++;
    socks.emplace(s, false);
    handle(atmsvc::CcAccept{call, s}, now);
  }
  void reject(atmsvc::CallId call, TimePoint now) {
    offered.erase(call);
    handle(atmsvc::CcReject{call, atmsvc::RejectReason::kKernelRejected, 0}, now);
  }
  void release(atmsvc::SockId s, TimePoint now) {
    socks.erase(s);
    modifying.erase(s);  // the kernel closed: nobody waits for the answer
    std::erase(qos_asked, s);
    handle(atmsvc::CcRelease{s}, now);
  }
  // Q.2963.1: the kernel's as_modify on a call of ours (new PCRs from `v`).
  void modify(atmsvc::SockId s, std::uint8_t v, TimePoint now) {
    atmsvc::CcModify m{};
    m.sock = s;
    m.qos = testkit::ubr();
    m.qos.txtp.max_pcr = 50000 * (v & 0x0f);  // up to 750000: above the link rate too
    m.qos.rxtp.max_pcr = 50000 * (v >> 4);
    const bool up = socks.count(s) != 0 && socks.at(s);
    modifying.insert(s);  // take() erases one with each answer
    std::vector<atmsvc::NetOutput> out;
    now_ = now;
    uni.handle(m, now, out);
    // A socket whose call is not up is refused at once.
    if (!up && std::none_of(out.begin(), out.end(), [&](const atmsvc::NetOutput& o) {
          const auto* r = std::get_if<atmsvc::CcModifyResult>(&o);
          return r != nullptr && r->sock == s;
        }))
      fail("CcModify of a socket without an active call not answered at once");
    take(out);
  }
  // The kernel answers the oldest CcModifyQos: as_okay, or as_error -EBUSY.
  void answer_qos(bool ok, TimePoint now) {
    if (qos_asked.empty()) return;
    const atmsvc::SockId s = qos_asked.front();
    qos_asked.pop_front();
    handle(atmsvc::CcModifyQosAnswer{s, ok ? 0 : -EBUSY}, now);
  }
  // The n-th (mod size) element of a container, if any.
  template <class C>
  static std::optional<typename C::key_type> pick(const C& c, std::uint8_t n) {
    if (c.empty()) return std::nullopt;
    auto it = c.begin();
    std::advance(it, n % c.size());
    if constexpr (std::is_same_v<C, std::set<atmsvc::CallId>>)
      return *it;
    else
      return it->first;
  }
};

// A bare SSCF-UNI: the input speaks Q.2931 through it.
struct CcRawEnd : CcEnd {
  explicit CcRawEnd(q2931::Version v) : version(v), sscf(sscf::Params::for_uni(v)) {}
  q2931::Version version;
  sscf::SscfUni sscf;
  std::vector<std::uint32_t> crefs;  // call references seen in messages received

  void act(std::vector<sscf::Action>& acts) {
    for (auto& a : acts) {
      if (auto* s = std::get_if<sscf::SendPdu>(&a)) {
        if (to_peer.size() < 256) to_peer.push_back(std::move(s->bytes));
      } else if (auto* d = std::get_if<sscf::AalDataIndication>(&a)) {
        const auto res = q2931::decode(d->data, version);
        if (res.message && crefs.size() < 16) crefs.push_back(res.message->cref.value);
      }
    }
    acts.clear();
  }
  void run(const sscf::Event& ev, TimePoint now) {
    std::vector<sscf::Action> acts;
    sscf.handle(ev, now, acts);
    act(acts);
  }
  void rx(const Bytes& pdu, TimePoint now) override { run(sscf::PduReceived{ByteView(pdu)}, now); }
  void timeouts(TimePoint now) override {
    std::vector<sscf::Action> acts;
    sscf.handle_timeouts(now, acts);
    act(acts);
  }
  std::optional<TimePoint> deadline() const override { return sscf.next_deadline(); }

  // A message of the codec's types with IEs chosen by the input.
  void send_message(FuzzInput& in, TimePoint now) {
    static constexpr q2931::MessageType kTypes[] = {q2931::MessageType::kSetup,
                                                    q2931::MessageType::kCallProceeding,
                                                    q2931::MessageType::kAlerting,
                                                    q2931::MessageType::kConnect,
                                                    q2931::MessageType::kConnectAcknowledge,
                                                    q2931::MessageType::kRelease,
                                                    q2931::MessageType::kReleaseComplete,
                                                    q2931::MessageType::kStatus,
                                                    q2931::MessageType::kStatusEnquiry,
                                                    q2931::MessageType::kRestart,
                                                    q2931::MessageType::kRestartAcknowledge,
                                                    q2931::MessageType::kNotify,
                                                    q2931::MessageType::kAddParty,
                                                    q2931::MessageType::kModifyRequest,
                                                    q2931::MessageType::kSetup,
                                                    static_cast<q2931::MessageType>(0x33)};
    const std::uint8_t t = in.byte();
    const std::uint8_t c = in.byte();
    const std::uint8_t ies = in.byte();
    q2931::Message m;
    m.type = kTypes[t % std::size(kTypes)];
    // The call reference: one the Uni used (bit 0x80: with its flag), a small
    // one, or the global one.
    if ((c & 0x40) != 0 && !crefs.empty())
      m.cref = {crefs[c % crefs.size()], (c & 0x80) == 0};
    else
      m.cref = {static_cast<std::uint32_t>(c & 0x0f), (c & 0x80) != 0};
    m.follow_instructions = (t & 0x80) != 0;
    m.action = static_cast<q2931::MessageAction>((t >> 5) & 3);
    if (m.type == q2931::MessageType::kSetup) add_setup_ies(m, ies);
    if ((ies & 0x01) != 0) {
      m.add(testkit::cause_ie(in.byte() & 0x7f));
    }
    if ((ies & 0x02) != 0) {
      q2931::CallState st;
      st.state = in.byte() % 16;
      m.add(st);
    }
    if ((ies & 0x04) != 0) {
      m.add(testkit::conn_id(0, static_cast<std::uint16_t>(32 + in.byte())));
    }
    if ((ies & 0x08) != 0) {
      q2931::RestartIndicator ri;
      ri.restart_class = in.byte() % 8;
      m.add(ri);
    }
    Bytes b = q2931::encode(m, version);
    if ((ies & 0x10) != 0 && !b.empty()) b[in.byte() % b.size()] ^= in.byte() | 1;  // corrupt
    run(sscf::AalDataRequest{std::move(b)}, now);
  }
  void add_setup_ies(q2931::Message& m, std::uint8_t ies) const {
    q2931::AalParameters aal;
    q2931::Aal5 a5;
    a5.fwd_max_sdu = 9180;
    a5.bwd_max_sdu = 4470;
    aal.aal = a5;
    m.add(aal);
    q2931::TrafficDescriptor td;
    td.td.fwd_pcr_01 = 1000;
    td.td.bwd_pcr_01 = 2000;
    td.td.best_effort = true;
    m.add(td);
    q2931::BroadbandBearerCapability bc;
    if (version == q2931::Version::kUni30) bc.transfer_capability = 0;
    m.add(bc);
    q2931::CalledPartyNumber cd;
    const auto to = testkit::nsap(1);
    cd.address.assign(to.sas_addr.prv, to.sas_addr.prv + 20);
    m.add(cd);
    if ((ies & 0x20) == 0) {
      m.add(testkit::conn_id(0, static_cast<std::uint16_t>(32 + (ies >> 6))));
    }
    q2931::QosParameter q;
    q.hdr.coding = version == q2931::Version::kUni30 ? q2931::CodingStandard::kNetwork
                                                     : q2931::CodingStandard::kItuT;
    m.add(q);
  }
};

class CcWorld {
 public:
  // First octet: bit 0 a scripted peer instead of a second Uni, bit 1 the
  // Uni under test is the network side (scripted peer only), bits 2-3 the version.
  explicit CcWorld(std::uint8_t mode) {
    static constexpr q2931::Version kVersions[] = {q2931::Version::kUni30, q2931::Version::kUni31,
                                                   q2931::Version::kUni40, q2931::Version::kQ2931};
    version_ = kVersions[(mode >> 2) & 3];
    const bool scripted = (mode & 1) != 0;
    const callctl::Side first =
        scripted && (mode & 2) != 0 ? callctl::Side::kNetwork : callctl::Side::kUser;
    a_ = std::make_unique<CcUniEnd>(params(first));
    if (scripted)
      b_ = std::make_unique<CcRawEnd>(version_);
    else
      b_ = std::make_unique<CcUniEnd>(params(callctl::Side::kNetwork));
    ua_ = static_cast<CcUniEnd*>(a_.get());
    ub_ = dynamic_cast<CcUniEnd*>(b_.get());
    raw_ = dynamic_cast<CcRawEnd*>(b_.get());
  }

  std::string run(FuzzInput& in, CcReach* reach = nullptr) {
    ua_->handle(atmsvc::StartLinks{}, now_);
    if (ub_) ub_->handle(atmsvc::StartLinks{}, now_);
    if (raw_) raw_->run(sscf::AalEstablishRequest{}, now_);
    while (!in.empty() && error_.empty()) {
      step(in);
      check("after a step");
    }
    if (reach != nullptr)
      for (CcUniEnd* u : {ua_, ub_})
        if (u != nullptr) {
          reach->established += u->reach.established;
          reach->incoming += u->reach.incoming;
          reach->modified += u->reach.modified;
        }
    if (error_.empty()) finish();
    return error_;
  }

 private:
  callctl::UniParams params(callctl::Side side) const {
    callctl::UniParams p = callctl::UniParams::defaults(side, version_);
    // Shorter long timers keep the end phase short; the bounds follow them.
    p.t316 = std::chrono::seconds(20);
    p.t317 = std::chrono::seconds(20);
    p.t301 = std::chrono::seconds(30);
    p.trace_messages = false;
    // Q.2963.1 where it exists: UNI 4.0 (the demon's uni40+q.2963.1).
    p.modification = version_ == q2931::Version::kUni40;
    return p;
  }
  static Duration longest_timer(const callctl::UniParams& p) {
    const auto& s = p.sscf.sscop;
    return std::max({p.use_t301 ? p.t301 : Duration{}, p.t303, p.t308, p.t309, p.t310, p.t313,
                     p.t316, p.t317, p.t322, p.t360, p.t361, p.link_retry, s.timer_cc, s.timer_poll,
                     s.timer_keepalive, s.timer_noresponse, s.timer_idle});
  }

  void fail(const std::string& what) {
    if (error_.empty()) error_ = what;
  }
  void check(const char* when) {
    for (CcUniEnd* u : {ua_, ub_}) {
      if (u == nullptr) continue;
      const std::string who = u->uni.params().side == callctl::Side::kUser ? "user" : "network";
      if (!u->error.empty()) return fail(who + " " + when + ": " + u->error);
      if (auto d = u->uni.next_deadline()) {
        if (*d < now_) return fail(who + " " + when + ": next_deadline() in the past");
        if (*d > now_ + longest_timer(u->uni.params()))
          return fail(who + " " + when + ": next_deadline() beyond the longest timer");
      }
    }
  }

  void deliver(CcEnd& from, CcEnd& to) {
    if (from.to_peer.empty()) return;
    const Bytes p = std::move(from.to_peer.front());
    from.to_peer.pop_front();
    if (link_up_) to.rx(p, now_);
  }
  void pump() {
    for (int i = 0; i < 100000; ++i) {
      if (!a_->to_peer.empty())
        deliver(*a_, *b_);
      else if (!b_->to_peer.empty())
        deliver(*b_, *a_);
      else
        return;
    }
    fail("the link never went quiet");
  }
  // Time up to now + d, every deadline on the way in order; what is sent on
  // the way is delivered (or lost while the link is cut).
  void advance(Duration d) {
    const TimePoint end = now_ + d;
    for (int i = 0; i < 200000 && error_.empty(); ++i) {
      pump();
      auto da = a_->deadline();
      auto db = b_->deadline();
      std::optional<TimePoint> next = da;
      if (db && (!next || *db < *next)) next = db;
      if (!next || *next > end) break;
      now_ = std::max(now_, *next);
      if (da && *da <= now_) a_->timeouts(now_);
      if (db && *db <= now_) b_->timeouts(now_);
      check("after handle_timeouts");
      for (CcUniEnd* u : {ua_, ub_})
        if (u != nullptr && u->uni.next_deadline() && *u->uni.next_deadline() <= now_)
          fail("next_deadline() still due after handle_timeouts(now)");
    }
    now_ = end;
    pump();
  }

  void step(FuzzInput& in) {
    const std::uint8_t op = in.byte();
    CcUniEnd* u = ((op & 0x10) != 0 && ub_ != nullptr) ? ub_ : ua_;
    CcEnd& from = (op & 0x10) != 0 ? *b_ : *a_;
    CcEnd& to = (op & 0x10) != 0 ? *a_ : *b_;
    switch (op & 0x0f) {
      case 0:
        u->connect(in.byte() % 4, now_);
        break;
      case 1:
        if (auto c = CcUniEnd::pick(u->offered, in.byte())) u->accept(*c, now_);
        break;
      case 2:
        if (auto c = CcUniEnd::pick(u->offered, in.byte())) u->reject(*c, now_);
        break;
      case 3:
        if (auto s = CcUniEnd::pick(u->socks, in.byte())) u->release(*s, now_);
        break;
      case 4:
        deliver(from, to);
        break;
      case 5:
        if (!from.to_peer.empty()) from.to_peer.pop_front();
        break;
      case 6:
        if (!from.to_peer.empty() && from.to_peer.size() < 256)
          from.to_peer.push_front(from.to_peer.front());
        break;
      case 7:
        if (from.to_peer.size() >= 2) std::swap(from.to_peer[0], from.to_peer[1]);
        break;
      case 8:
        pump();
        break;
      case 9:  // 0..2.55 s, or (bit 0x20) 0..25.5 s
        advance(std::chrono::milliseconds(in.byte()) * ((op & 0x20) != 0 ? 100 : 10));
        break;
      case 10:
        link_up_ = !link_up_;
        break;
      case 11:
        if (raw_ != nullptr) raw_->send_message(in, now_);
        break;
      case 12:
        if (raw_ != nullptr) {
          const std::uint8_t n = in.byte();
          raw_->run(sscf::AalDataRequest{in.bytes(n % 48)}, now_);
        }
        break;
      case 13: {
        const std::uint8_t v = in.byte();
        std::optional<std::pair<std::uint16_t, std::uint16_t>> vc;
        if ((v & 0x80) == 0) vc = std::make_pair(std::uint16_t{0}, std::uint16_t(32 + (v & 0x7f)));
        if ((op & 0x40) != 0) {  // the user of signaling stalls / drains (T317)
          u->handle(atmsvc::KernelStalled{(v & 0x40) != 0}, now_);
          break;
        }
        u->handle(atmsvc::RestartVcs{0, vc, (op & 0x20) != 0}, now_);  // 0x20: class 1
        break;
      }
      case 14:
        if (raw_ != nullptr)
          raw_->run((op & 0x20) != 0 ? sscf::Event(sscf::AalReleaseRequest{})
                                     : sscf::Event(sscf::AalEstablishRequest{}),
                    now_);
        break;
      case 15:
        // Q.2963.1 (bit 0x40): the kernel asks for a modification of one of
        // its calls, or answers call control's QoS change; else the end
        // phase's "refuse every offer" switch.
        if ((op & 0x40) != 0) {
          const std::uint8_t v = in.byte();
          if ((op & 0x20) != 0)
            u->answer_qos((v & 1) != 0, now_);
          else if (auto s = CcUniEnd::pick(u->socks, v))
            u->modify(*s, in.byte(), now_);
        } else {
          u->reject_offers = (op & 0x20) != 0;
        }
        break;
    }
  }

  // End of input: the sockets go, offers are refused, the link is perfect;
  // time runs past every timer. No call may be left; after StopLinks the link
  // is released and nothing at all is left.
  void finish() {
    link_up_ = true;
    if (raw_ != nullptr && raw_->sscf.state() == sscf::State::kIdle)
      raw_->run(sscf::AalEstablishRequest{}, now_);
    for (CcUniEnd* u : {ua_, ub_}) {
      if (u == nullptr) continue;
      u->reject_offers = true;
      while (!u->offered.empty()) u->reject(*u->offered.begin(), now_);
      while (!u->socks.empty()) u->release(u->socks.begin()->first, now_);
    }
    check("releasing everything");
    const TimePoint limit = now_ + std::chrono::minutes(10);
    while (error_.empty() && now_ < limit) {
      advance(std::chrono::seconds(5));
      if (ua_->uni.call_count() == 0 && (ub_ == nullptr || ub_->uni.call_count() == 0) &&
          !ua_->uni.restart_pending() && (ub_ == nullptr || !ub_->uni.restart_pending()))
        break;
    }
    for (CcUniEnd* u : {ua_, ub_}) {
      if (u == nullptr || !error_.empty()) continue;
      if (u->uni.call_count() != 0)
        fail(std::to_string(u->uni.call_count()) + " call(s) left 10 min after every release");
      if (!u->socks.empty()) fail("a socket never answered");
    }
    if (!error_.empty()) return;
    for (CcUniEnd* u : {ua_, ub_})
      if (u != nullptr) u->handle(atmsvc::StopLinks{}, now_);
    advance(std::chrono::minutes(1));
    for (CcUniEnd* u : {ua_, ub_}) {
      if (u == nullptr || !error_.empty()) continue;
      if (u->uni.call_count() != 0) fail("a call left after StopLinks");
      if (!u->uni.link_idle()) fail("the link not released a minute after StopLinks");
      if (u->uni.next_deadline()) fail("a timer left after StopLinks");
    }
  }

  q2931::Version version_{};
  std::unique_ptr<CcEnd> a_;
  std::unique_ptr<CcEnd> b_;
  CcUniEnd* ua_ = nullptr;
  CcUniEnd* ub_ = nullptr;
  CcRawEnd* raw_ = nullptr;
  TimePoint now_{};
  bool link_up_ = true;
  std::string error_;
};

inline std::string run_callctl(const std::uint8_t* data, std::size_t size,
                               CcReach* reach = nullptr) {
  FuzzInput in{data, size};
  CcWorld world(in.byte());
  return world.run(in, reach);
}

}  // namespace atmsigd::fuzz
