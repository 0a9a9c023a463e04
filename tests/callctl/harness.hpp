// Virtual-time test harness for call control: two SAAL endpoints joined by an
// in-memory link that can be cut. An endpoint is either a callctl::Uni (the
// code under test) or a bare SSCF-UNI through which the test speaks Q.2931 by
// hand (a scripted peer). Every message either side sends is decoded with the
// codec, so the tests check the wire too.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "../support/callctl_builders.hpp"
#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/callctl/cause_errno.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "atmsigd/log/format.hpp"
#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/text.hpp"
#include "atmsigd/sscf/sscf_uni.hpp"

namespace atmsigd::callctl::test {

using namespace std::chrono_literals;
using atmsvc::CcAccept;
using atmsvc::CcConnect;
using atmsvc::CcEstablished;
using atmsvc::CcEvent;
using atmsvc::CcIncoming;
using atmsvc::CcIncomingGone;
using atmsvc::CcReject;
using atmsvc::CcRelease;
using atmsvc::CcReleased;
using atmsvc::RejectReason;
using q2931::Message;
using q2931::MessageType;
using q2931::Version;
using testkit::cause_ie;
using testkit::conn_id;
using testkit::msg;
using testkit::nsap;
using testkit::restart_msg;
using testkit::ubr;

// The network side in switch mode (a switch controller's frames to the
// socket table), and the socket table's parameters for it.
inline UniParams switch_params(Version v = Version::kUni30) {
  UniParams p = UniParams::defaults(Side::kNetwork, v);
  p.switch_mode = true;
  return p;
}
inline atmsvc::SocketTableParams switch_table_params() {
  atmsvc::SocketTableParams p;
  p.switch_mode = true;
  return p;
}
// A PVC address (interface `itf`, VPI, VCI), as a switch controller names a VC.
inline struct sockaddr_atmpvc pvc(int vpi, int vci, int itf = 0) {
  struct sockaddr_atmpvc a;
  std::memset(&a, 0, sizeof a);
  a.sap_family = AF_ATMPVC;
  a.sap_addr.itf = static_cast<short>(itf);
  a.sap_addr.vpi = static_cast<short>(vpi);
  a.sap_addr.vci = vci;
  return a;
}

// The switch controller's frames: as_listen on the test network's address 1
// (UBR), and a frame naming a new vcc and its listener (as_identify,
// as_accept, as_reject).
inline atmsvc::Message listen_msg(atmsvc::Vcc vcc) {
  atmsvc::Message m(as_listen);
  m.set_vcc(vcc);
  m.raw().svc = nsap(1);
  m.raw().qos = ubr();
  return m;
}
inline atmsvc::Message two_vccs(enum atmsvc_msg_type t, atmsvc::Vcc vcc, atmsvc::Vcc listener) {
  atmsvc::Message m(t);
  m.set_vcc(vcc);
  m.set_listen_vcc(listener);
  return m;
}

inline CcConnect connect_req(atmsvc::SockId sock, std::uint8_t to = 1, struct atm_qos qos = ubr()) {
  CcConnect c{};
  c.sock = sock;
  std::memset(&c.local, 0, sizeof c.local);
  c.called = nsap(to);
  std::memset(&c.sap, 0, sizeof c.sap);
  c.qos = qos;
  c.session = 0;
  return c;
}

// One end of the link.
struct End {
  virtual ~End() = default;
  virtual std::vector<Bytes> take_pdus() = 0;
  virtual void rx(const Bytes& pdu, TimePoint now) = 0;
  virtual void timeouts(TimePoint now) = 0;
  virtual std::optional<TimePoint> deadline() const = 0;
};

// Call control's outputs as a test reads them: the CcEvents, the PDUs per
// link (entity), the text of every call-control (sig) debug/warn event,
// every log event.
struct Outputs {
  std::vector<CcEvent> events;
  std::vector<std::vector<Bytes>> pdus;  // [entity]
  std::vector<std::string> notes;
  std::vector<log::Event> logs;
  void sort(std::vector<atmsvc::NetOutput>& out) {
    for (auto& o : out) {
      if (auto e = atmsvc::cc_event_of(o)) {
        events.push_back(std::move(*e));
      } else if (auto* l = std::get_if<atmsvc::ToLink>(&o)) {
        if (pdus.size() <= l->entity) pdus.resize(l->entity + 1);
        pdus[l->entity].push_back(std::move(l->pdu));
      } else if (auto* ev = std::get_if<log::Event>(&o)) {
        const log::Spec& s = log::spec(ev->id);
        if (s.group == log::Group::kSig &&
            (s.level == log::Level::kDebug || s.level == log::Level::kWarn))
          notes.push_back(log::format(*ev));
        logs.push_back(std::move(*ev));
      }
    }
    out.clear();
  }
  std::vector<Bytes> take_pdus(std::size_t entity = 0) {
    if (pdus.size() <= entity) return {};
    return std::exchange(pdus[entity], {});
  }
};

struct UniEnd : End, Outputs {
  explicit UniEnd(UniParams p) : uni(std::move(p)) {}
  Uni uni;
  std::vector<atmsvc::NetOutput> scratch;
  void handle(const atmsvc::NetInput& in, TimePoint now) {
    uni.handle(in, now, scratch);
    sort(scratch);
  }
  void request(const atmsvc::CcRequest& r, TimePoint now) { handle(atmsvc::net_input(r), now); }
  void start(TimePoint now) { handle(atmsvc::StartLinks{}, now); }
  void stop_link(TimePoint now) { handle(atmsvc::StopLinks{}, now); }
  void restart(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc, TimePoint now) {
    handle(atmsvc::RestartVcs{0, vc}, now);
  }
  std::vector<Bytes> take_pdus() override { return Outputs::take_pdus(0); }
  void rx(const Bytes& pdu, TimePoint now) override { handle(atmsvc::LinkPdu{0, pdu}, now); }
  void timeouts(TimePoint now) override {
    uni.handle_timeouts(now, scratch);
    sort(scratch);
  }
  std::optional<TimePoint> deadline() const override { return uni.next_deadline(); }
};

// A bare SAAL endpoint: the test reads and writes Q.2931 by hand.
struct RawEnd : End {
  explicit RawEnd(Version v) : version(v), sscf(params_for(v)) {}
  static sscf::Params params_for(Version v) { return sscf::Params::for_uni(v); }
  Version version;
  sscf::SscfUni sscf;
  std::vector<Bytes> out;
  std::deque<Bytes> inbox;  // Q.2931 messages received, not yet looked at
  int ups = 0;
  int downs = 0;
  void act(std::vector<sscf::Action>& acts) {
    for (auto& a : acts) {
      if (auto* s = std::get_if<sscf::SendPdu>(&a)) out.push_back(s->bytes);
      if (auto* d = std::get_if<sscf::AalDataIndication>(&a))
        inbox.emplace_back(d->data.begin(), d->data.end());  // a view: copied
      if (std::holds_alternative<sscf::AalEstablishIndication>(a) ||
          std::holds_alternative<sscf::AalEstablishConfirm>(a))
        ++ups;
      if (std::holds_alternative<sscf::AalReleaseIndication>(a)) ++downs;
    }
  }
  std::vector<Bytes> take_pdus() override { return std::exchange(out, {}); }
  void rx(const Bytes& pdu, TimePoint now) override {
    std::vector<sscf::Action> acts;
    sscf.handle(sscf::PduReceived{pdu}, now, acts);
    act(acts);
  }
  void timeouts(TimePoint now) override {
    std::vector<sscf::Action> acts;
    sscf.handle_timeouts(now, acts);
    act(acts);
  }
  std::optional<TimePoint> deadline() const override { return sscf.next_deadline(); }
  void send(const Message& m, TimePoint now) { send_bytes(q2931::encode(m, version), now); }
  void send_bytes(Bytes b, TimePoint now) {
    std::vector<sscf::Action> acts;
    sscf.handle(sscf::AalDataRequest{std::move(b)}, now, acts);
    act(acts);
  }
  void establish(TimePoint now) {
    std::vector<sscf::Action> acts;
    sscf.handle(sscf::AalEstablishRequest{}, now, acts);
    act(acts);
  }
  // Next message received (decoded; the codec must find nothing to complain about).
  Message next() {
    EXPECT_FALSE(inbox.empty()) << "no message received";
    if (inbox.empty()) return {};
    const Bytes b = inbox.front();
    inbox.pop_front();
    const auto res = q2931::decode(b, version);
    EXPECT_TRUE(res.ok()) << "bad message " << to_hex(b);
    return res.message.value_or(Message{});
  }
  Message expect(MessageType t) {
    Message m = next();
    EXPECT_EQ(q2931::message_name(m.type), q2931::message_name(t)) << q2931::to_string(m, version);
    return m;
  }
};

// Two ends and the link between them, in virtual time.
struct Link {
  Link(End& a_, End& b_) : a(a_), b(b_) {}
  End& a;
  End& b;
  TimePoint now{};
  bool up = true;  // false: every PDU in either direction is lost
  std::uint64_t pdus = 0;

  void pump() {
    for (int rounds = 0; rounds < 10000; ++rounds) {
      auto pa = a.take_pdus();
      auto pb = b.take_pdus();
      if (pa.empty() && pb.empty()) return;
      for (auto& p : pa) {
        ++pdus;
        if (up) b.rx(p, now);
      }
      for (auto& p : pb) {
        ++pdus;
        if (up) a.rx(p, now);
      }
    }
    ADD_FAILURE() << "link never went quiet";
  }
  // Runs every deadline up to now + d in order.
  void advance(Duration d) {
    const TimePoint end = now + d;
    for (int i = 0; i < 1000000; ++i) {
      pump();
      auto da = a.deadline();
      auto db = b.deadline();
      auto next = earliest(da, db);
      if (!next || *next > end) break;
      if (*next > now) now = *next;
      if (da && *da <= now) a.timeouts(now);
      if (db && *db <= now) b.timeouts(now);
    }
    now = end;
    pump();
  }
};

template <class T>
std::vector<T> events_of(const std::vector<CcEvent>& ev) {
  std::vector<T> r;
  for (const auto& e : ev)
    if (const T* t = std::get_if<T>(&e)) r.push_back(*t);
  return r;
}

// A Uni under test facing a scripted peer.
struct Fixture {
  explicit Fixture(Side side, Version v = Version::kUni30)
      : fixture_params(UniParams::defaults(side, v)),
        uut(std::make_unique<UniEnd>(fixture_params)),
        peer(v),
        link(*uut, peer) {
    uut->start(link.now);
    link.advance(10ms);
  }
  Fixture(UniParams p, Version v)
      : fixture_params(p), uut(std::make_unique<UniEnd>(p)), peer(v), link(*uut, peer) {
    uut->start(link.now);
    link.advance(10ms);
  }
  UniParams fixture_params;
  std::unique_ptr<UniEnd> uut;
  RawEnd peer;
  Link link;

  Uni& uni() { return uut->uni; }
  std::vector<CcEvent>& ev() { return uut->events; }
  void req(const atmsvc::CcRequest& r) {
    uut->request(r, link.now);
    link.pump();
  }
  void send(const Message& m) {
    peer.send(m, link.now);
    link.pump();
  }
  void advance(Duration d) { link.advance(d); }
  std::vector<CcEvent> take() { return std::exchange(ev(), {}); }
  // Our outgoing call brought to Active by the scripted peer: CcConnect ->
  // SETUP, CALL PROCEEDING with the connection identifier (user side; the
  // network's SETUP carries its own), CONNECT -> CONNECT ACKNOWLEDGE. Returns
  // the SETUP; the call's events are left for the test to take.
  Message outgoing_active(const CcConnect& c, std::uint16_t vci = 32, std::uint16_t vpci = 0) {
    req(c);
    const Message s = peer.expect(MessageType::kSetup);
    EXPECT_FALSE(s.cref.flag);
    if (fixture_params.side == Side::kUser) {
      Message cp = msg(MessageType::kCallProceeding, s.cref.value, true);
      cp.add(conn_id(vpci, vci));
      send(cp);
    }
    send(msg(MessageType::kConnect, s.cref.value, true));
    peer.expect(MessageType::kConnectAcknowledge);
    return s;
  }
  Message outgoing_active(atmsvc::SockId sock, std::uint8_t to = 1, std::uint16_t vci = 32) {
    return outgoing_active(connect_req(sock, to), vci);
  }
};

// Two Unis joined through their SSCOP PDUs (the in-memory link, virtual time):
// `user` places calls and `net` is offered them unless the test says otherwise.
// The link is up when the constructor returns.
struct UniPair {
  explicit UniPair(Version v = Version::kUni30)
      : UniPair(UniParams::defaults(Side::kUser, v), UniParams::defaults(Side::kNetwork, v)) {}
  UniPair(UniParams user_params, UniParams net_params)
      : user(std::move(user_params)), net(std::move(net_params)), link(user, net) {
    user.start(link.now);
    net.start(link.now);
    link.advance(100ms);
  }
  UniEnd user;
  UniEnd net;
  Link link;

  void req(UniEnd& e, const atmsvc::CcRequest& r) {
    e.request(r, link.now);
    link.pump();
  }
  static std::vector<CcEvent> take(UniEnd& e) { return std::exchange(e.events, {}); }
  // `from` calls (socket `sock`) `to`, which is offered the call: its CallId.
  atmsvc::CallId offer(UniEnd& from, atmsvc::SockId sock, UniEnd& to) {
    req(from, connect_req(sock));
    auto inc = events_of<CcIncoming>(take(to));
    EXPECT_EQ(inc.size(), 1u);
    return inc.empty() ? 0 : inc[0].call;
  }
  // `from` calls `to`, which accepts with socket `as`: both ends' CcEstablished.
  std::pair<CcEstablished, CcEstablished> call(UniEnd& from, atmsvc::SockId sock, UniEnd& to,
                                               atmsvc::SockId as) {
    const auto id = offer(from, sock, to);
    if (id == 0) return {};
    req(to, CcAccept{id, as});
    link.advance(10ms);
    auto a = events_of<CcEstablished>(take(from));
    auto b = events_of<CcEstablished>(take(to));
    EXPECT_EQ(a.size(), 1u);
    EXPECT_EQ(b.size(), 1u);
    if (a.empty() || b.empty()) return {};
    return {a[0], b[0]};
  }
  void expect_idle() {
    EXPECT_EQ(user.uni.call_count(), 0u);
    EXPECT_EQ(net.uni.call_count(), 0u);
    EXPECT_EQ(net.uni.vcis_in_use(), 0u);
  }
};

inline std::optional<std::uint8_t> cause_of(const Message& m) {
  if (const auto* c = m.find<q2931::Cause>()) return c->value;
  return std::nullopt;
}
inline std::optional<std::uint8_t> state_of(const Message& m) {
  if (const auto* c = m.find<q2931::CallState>()) return c->state;
  return std::nullopt;
}

// A SETUP as a network would send it to a user (with the connection identifier).
inline Message network_setup(std::uint32_t cref, std::uint16_t vci, Version v,
                             bool with_conn_id = true) {
  Message m = msg(MessageType::kSetup, cref, false);
  q2931::AalParameters aal;
  q2931::Aal5 a5;
  a5.fwd_max_sdu = 9180;
  a5.bwd_max_sdu = 4470;
  a5.sscs = 0;
  aal.aal = a5;
  m.add(aal);
  q2931::TrafficDescriptor td;
  td.td.fwd_pcr_01 = 1000;
  td.td.bwd_pcr_01 = 2000;
  td.td.best_effort = true;
  m.add(td);
  q2931::BroadbandBearerCapability bc;
  if (v == Version::kUni30) bc.transfer_capability = 0;
  m.add(bc);
  q2931::CalledPartyNumber cd;
  const auto to = nsap(1);
  cd.address.assign(to.sas_addr.prv, to.sas_addr.prv + 20);
  m.add(cd);
  q2931::CallingPartyNumber cg;
  const auto from = nsap(9);
  cg.address.assign(from.sas_addr.prv, from.sas_addr.prv + 20);
  m.add(cg);
  if (with_conn_id) m.add(conn_id(0, vci));
  q2931::QosParameter q;
  q.hdr.coding =
      v == Version::kUni30 ? q2931::CodingStandard::kNetwork : q2931::CodingStandard::kItuT;
  m.add(q);
  return m;
}

}  // namespace atmsigd::callctl::test
