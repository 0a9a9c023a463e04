// Two signaling entities (user side) behind one EntityRouter, each linked to
// its own network-side peer Uni, in virtual time: outbound routing by called
// party number (longest prefix, default, no route), incoming calls from both
// entities with distinct call ids, per-entity VPCI mapping and link rate, and
// merged timers.
#include <gtest/gtest.h>

#include <cerrno>

#include "atmsigd/callctl/entity_router.hpp"
#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

AddressPrefix prefix(const struct sockaddr_atmsvc& a, std::optional<int> bits) {
  AddressPrefix p;
  p.addr = a;
  p.bits = bits;
  p.text = svc_address_text(a);
  return p;
}

// nsap(n) with another byte changed: matches no route built from nsap().
struct sockaddr_atmsvc elsewhere() {
  auto a = nsap(1);
  a.sas_addr.prv[5] = 0x77;
  return a;
}

struct Net {
  // entity 0 and 1 of the router (user side) <-> peers[0] and peers[1] (network side).
  explicit Net(std::vector<EntitySpec> specs, std::vector<UniParams> peer_params = {})
      : router(std::move(specs)) {
    for (std::size_t i = 0; i < router.size(); ++i) {
      UniParams p = i < peer_params.size() ? peer_params[i]
                                           : UniParams::defaults(Side::kNetwork, Version::kUni30);
      peers.push_back(std::make_unique<UniEnd>(p));
      peers.back()->start(now);
    }
    feed(atmsvc::StartLinks{});
    advance(100ms);
  }
  EntityRouter router;
  std::vector<std::unique_ptr<UniEnd>> peers;
  Outputs outs;  // the router's, as the engine would get them
  std::vector<CcEvent>& events = outs.events;
  std::vector<atmsvc::NetOutput> scratch;
  TimePoint now{};
  std::vector<bool> cut = {false, false};  // link i loses every PDU

  void feed(const atmsvc::NetInput& in) {
    router.handle(in, now, scratch);
    outs.sort(scratch);
  }
  void pump() {
    for (int rounds = 0; rounds < 10000; ++rounds) {
      bool any = false;
      for (std::size_t i = 0; i < router.size(); ++i) {
        for (auto& p : outs.take_pdus(i)) {
          any = true;
          if (!cut[i]) peers[i]->rx(p, now);
        }
        for (auto& p : peers[i]->take_pdus()) {
          any = true;
          if (!cut[i]) feed(atmsvc::LinkPdu{i, p});
        }
      }
      if (!any) return;
    }
    ADD_FAILURE() << "links never went quiet";
  }
  void advance(Duration d) {
    const TimePoint end = now + d;
    for (int i = 0; i < 1000000; ++i) {
      pump();
      auto next = router.next_deadline();
      for (auto& p : peers) next = earliest(next, p->deadline());
      if (!next || *next > end) break;
      if (*next > now) now = *next;
      if (auto dr = router.next_deadline(); dr && *dr <= now) {
        router.handle_timeouts(now, scratch);
        outs.sort(scratch);
      }
      for (auto& p : peers)
        if (auto dp = p->deadline(); dp && *dp <= now) p->timeouts(now);
    }
    now = end;
    pump();
  }
  void req(const atmsvc::CcRequest& r) {
    feed(atmsvc::net_input(r));
    pump();
  }
  std::vector<CcEvent> take() { return std::exchange(events, {}); }
  // Entity that got the SETUP of an outbound call: the peer with a CcIncoming.
  std::optional<std::size_t> incoming_at() {
    std::optional<std::size_t> at;
    for (std::size_t i = 0; i < peers.size(); ++i) {
      auto inc = events_of<CcIncoming>(std::exchange(peers[i]->events, {}));
      if (!inc.empty()) {
        EXPECT_FALSE(at) << "SETUP on two links";
        at = i;
        // Refuse it again: the test only wanted to see where it went.
        peers[i]->request(CcReject{inc[0].call, RejectReason::kNoListener, 0}, now);
      }
    }
    advance(10ms);
    return at;
  }
};

EntitySpec entity(const std::string& name, std::vector<AddressPrefix> routes = {},
                  bool is_default = false) {
  EntitySpec s;
  s.name = name;
  s.params = UniParams::defaults(Side::kUser, Version::kUni30);
  s.routes = std::move(routes);
  s.is_default = is_default;
  return s;
}

TEST(EntityRouter, EveryEntityBringsUpItsOwnLink) {
  Net n({entity("0.0.5"), entity("0.1.5")});
  EXPECT_TRUE(n.router.uni(0).link_up());
  EXPECT_TRUE(n.router.uni(1).link_up());
  EXPECT_TRUE(n.peers[0]->uni.link_up());
  EXPECT_TRUE(n.peers[1]->uni.link_up());
  EXPECT_EQ(n.router.call_count(), 0u);
}

TEST(EntityRouter, OutboundCallsRoutedByLongestMatchThenDefault) {
  // Entity A: the whole address nsap(1), and default. Entity B: the first 144 bits.
  Net n({entity("A", {prefix(nsap(1), std::nullopt)}, true), entity("B", {prefix(nsap(1), 144)})});
  EXPECT_EQ(n.router.route(nsap(1)), 0u);      // both match: the whole address is longer
  EXPECT_EQ(n.router.route(nsap(2)), 1u);      // only B's prefix matches
  EXPECT_EQ(n.router.route(elsewhere()), 0u);  // nothing matches: the default

  n.req(connect_req(1, 1));
  EXPECT_EQ(n.router.entity_of_sock(1), 0u);
  EXPECT_EQ(n.incoming_at(), 0u);
  n.req(connect_req(2, 2));
  EXPECT_EQ(n.router.entity_of_sock(2), 1u);
  EXPECT_EQ(n.incoming_at(), 1u);
  CcConnect c = connect_req(3, 1);
  c.called = elsewhere();
  n.req(c);
  EXPECT_EQ(n.incoming_at(), 0u);
  // Every call was refused by the peer and is gone everywhere.
  const auto rel = events_of<CcReleased>(n.take());
  ASSERT_EQ(rel.size(), 3u);
  for (const auto& r : rel) EXPECT_LT(r.err, 0);
  EXPECT_FALSE(n.router.entity_of_sock(1));
  EXPECT_EQ(n.router.call_count(), 0u);
}

TEST(EntityRouter, LongerPrefixBeatsShorterWhicheverEntityComesFirst) {
  Net n({entity("A", {prefix(nsap(1), 8)}), entity("B", {prefix(nsap(1), 100)})});
  EXPECT_EQ(n.router.route(nsap(1)), 1u);
  auto other = nsap(1);
  other.sas_addr.prv[10] ^= 0xff;  // beyond bit 8, within bit 100
  EXPECT_EQ(n.router.route(other), 0u);
}

TEST(EntityRouter, NoMatchingRouteAndNoDefault_RefusedWithEhostunreach) {
  Net n({entity("A", {prefix(nsap(1), std::nullopt)}), entity("B", {prefix(nsap(2), 152)})});
  CcConnect c = connect_req(7, 1);
  c.called = elsewhere();
  n.req(c);
  const auto rel = events_of<CcReleased>(n.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 7u);
  EXPECT_EQ(rel[0].err, -EHOSTUNREACH);
  EXPECT_FALSE(n.incoming_at());
  EXPECT_EQ(n.router.call_count(), 0u);
  bool noted = false;
  for (const auto& s : n.outs.notes) noted |= s.find("no route") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(EntityRouter, BoundLocalAddressPicksTheEntityOwningIt) {
  auto a = entity("A", {prefix(nsap(1), std::nullopt)}, true);
  auto b = entity("B", {prefix(nsap(2), std::nullopt)});
  a.params.local_addresses = {nsap(10)};
  b.params.local_addresses = {nsap(11), nsap(12)};
  Net n({a, b});
  struct sockaddr_atmsvc none;
  std::memset(&none, 0, sizeof none);
  EXPECT_EQ(n.router.route(nsap(1), none), 0u);      // unbound: the called number
  EXPECT_EQ(n.router.route(nsap(1), nsap(12)), 1u);  // B owns the caller's address
  EXPECT_EQ(n.router.route(nsap(2), nsap(10)), 0u);  // A owns it
  EXPECT_EQ(n.router.route(nsap(2), nsap(99)), 1u);  // nobody owns it: the called number
  CcConnect c = connect_req(4, 1);
  c.local = nsap(11);
  n.req(c);
  EXPECT_EQ(n.incoming_at(), 1u);
}

TEST(EntityRouter, AddressOwnedByEveryEntity_TheCalledNumberDecides) {
  auto a = entity("A", {prefix(nsap(1), std::nullopt)});
  auto b = entity("B", {prefix(nsap(2), std::nullopt)});
  a.params.local_addresses = b.params.local_addresses = {nsap(10)};
  Net n({a, b});
  EXPECT_EQ(n.router.route(nsap(1), nsap(10)), 0u);
  EXPECT_EQ(n.router.route(nsap(2), nsap(10)), 1u);
  EXPECT_FALSE(n.router.route(elsewhere(), nsap(10)));  // no route, as if unbound
}

TEST(EntityRouter, NoRouteButOwnedBySomeEntities_TheFirstOwner) {
  auto a = entity("A", {prefix(nsap(1), std::nullopt)});
  auto b = entity("B", {prefix(nsap(2), std::nullopt)});
  auto c = entity("C", {prefix(nsap(3), std::nullopt)});
  b.params.local_addresses = c.params.local_addresses = {nsap(10)};
  EntityRouter r({a, b, c});
  EXPECT_EQ(r.route(elsewhere(), nsap(10)), 1u);
  EXPECT_EQ(r.route(nsap(3), nsap(10)), 2u);
  EXPECT_EQ(r.route(nsap(1), nsap(10)), 1u);
}

TEST(EntityRouter, NoRoutesConfiguredAtAll_FirstEntityTakesEveryCall) {
  Net n({entity("A"), entity("B")});
  n.req(connect_req(1, 2));
  EXPECT_EQ(n.incoming_at(), 0u);
}

TEST(EntityRouter, AcceptedOutboundCallAndReleaseGoThroughTheRightEntity) {
  Net n({entity("A", {}, true), entity("B", {prefix(nsap(2), std::nullopt)})});
  n.req(connect_req(5, 2));
  auto inc = events_of<CcIncoming>(std::exchange(n.peers[1]->events, {}));
  ASSERT_EQ(inc.size(), 1u);
  n.peers[1]->request(CcAccept{inc[0].call, 500}, n.now);
  n.advance(10ms);
  const auto est = events_of<CcEstablished>(n.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 5u);
  EXPECT_EQ(n.router.uni(1).call_count(), 1u);
  EXPECT_EQ(n.router.uni(0).call_count(), 0u);
  n.req(CcRelease{5});
  n.advance(10ms);
  const auto peer_rel = events_of<CcReleased>(std::exchange(n.peers[1]->events, {}));
  ASSERT_EQ(peer_rel.size(), 1u);
  EXPECT_EQ(peer_rel[0].sock, 500u);
  EXPECT_EQ(n.router.call_count(), 0u);
  EXPECT_FALSE(n.router.entity_of_sock(5));
}

// RESTART is an input like any other (the operator's, later the control
// socket's): it reaches only the entity it names, clears that entity's calls
// and is acknowledged by that entity's peer; the other entity's call stays.
TEST(EntityRouter, RestartReachesOnlyTheEntityItNames) {
  Net n({entity("A", {}, true), entity("B", {prefix(nsap(2), std::nullopt)})});
  n.req(connect_req(5, 1));  // A
  n.req(connect_req(6, 2));  // B
  for (std::size_t i = 0; i < 2; ++i) {
    auto inc = events_of<CcIncoming>(std::exchange(n.peers[i]->events, {}));
    ASSERT_EQ(inc.size(), 1u) << i;
    n.peers[i]->request(CcAccept{inc[0].call, 500 + i}, n.now);
  }
  n.advance(10ms);
  ASSERT_EQ(events_of<CcEstablished>(n.take()).size(), 2u);
  n.feed(atmsvc::RestartVcs{1, std::nullopt});
  const auto rel = events_of<CcReleased>(n.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 6u);
  EXPECT_EQ(rel[0].err, -ENETRESET);
  EXPECT_TRUE(n.router.uni(1).restart_pending());
  EXPECT_FALSE(n.router.uni(0).restart_pending());
  n.advance(10ms);
  EXPECT_FALSE(n.router.uni(1).restart_pending());  // RESTART ACKNOWLEDGE came
  const auto peer_rel = events_of<CcReleased>(std::exchange(n.peers[1]->events, {}));
  ASSERT_EQ(peer_rel.size(), 1u);
  EXPECT_EQ(peer_rel[0].sock, 501u);
  EXPECT_EQ(n.router.uni(0).call_count(), 1u);
  EXPECT_EQ(n.router.uni(1).call_count(), 0u);
  n.feed(atmsvc::RestartVcs{7, std::nullopt});  // no such entity: nothing
  EXPECT_TRUE(n.take().empty());
}

TEST(EntityRouter, IncomingCallsFromBothEntitiesGetDistinctIds) {
  Net n({entity("A"), entity("B")});
  // Each peer places a call: both Unis number their first incoming call alike.
  n.peers[0]->request(connect_req(10, 1), n.now);
  n.peers[1]->request(connect_req(20, 1), n.now);
  n.advance(10ms);
  const auto inc = events_of<CcIncoming>(n.take());
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_NE(inc[0].call, inc[1].call);
  EXPECT_EQ(n.router.offered_calls(), 2u);
  // Which id came from which entity: the order of pumping (entity 0 first).
  n.req(CcAccept{inc[1].call, 201});
  n.req(CcReject{inc[0].call, RejectReason::kNoListener, 0});
  n.advance(10ms);
  const auto est = events_of<CcEstablished>(n.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 201u);
  EXPECT_EQ(n.router.entity_of_sock(201), 1u);
  EXPECT_EQ(events_of<CcEstablished>(std::exchange(n.peers[1]->events, {})).size(), 1u);
  const auto refused = events_of<CcReleased>(std::exchange(n.peers[0]->events, {}));
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].sock, 10u);
  EXPECT_EQ(n.router.offered_calls(), 0u);
  // The accepted call is released by its caller.
  n.peers[1]->request(CcRelease{20}, n.now);
  n.advance(10ms);
  const auto rel = events_of<CcReleased>(n.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 201u);
  EXPECT_EQ(rel[0].err, 0);
  EXPECT_EQ(n.router.call_count(), 0u);
}

TEST(EntityRouter, IncomingCallClearedBeforeTheKernelAnswers_GoneWithTheRoutersId) {
  Net n({entity("A"), entity("B")});
  n.peers[0]->request(connect_req(10, 1), n.now);
  n.advance(10ms);
  n.peers[1]->request(connect_req(20, 1), n.now);
  n.advance(10ms);
  const auto inc = events_of<CcIncoming>(n.take());
  ASSERT_EQ(inc.size(), 2u);
  n.peers[1]->request(CcRelease{20}, n.now);
  n.advance(10ms);
  const auto gone = events_of<CcIncomingGone>(n.take());
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].call, inc[1].call);
  EXPECT_EQ(n.router.offered_calls(), 1u);
  // A late answer for the gone call is ignored, the other one still works.
  n.req(CcAccept{inc[1].call, 300});
  EXPECT_TRUE(n.take().empty());
  n.req(CcAccept{inc[0].call, 301});
  n.advance(10ms);
  const auto est = events_of<CcEstablished>(n.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].sock, 301u);
}

TEST(EntityRouter, PerEntityVpciMappingAndLinkRate) {
  // Entity B: "vpci 4 itf 1" and max_rate 100000; its peer assigns VPCI 6.
  auto a = entity("A", {}, true);
  auto b = entity("B", {prefix(nsap(2), std::nullopt)});
  b.params.vpci_map = {VpciMapping{0, 0}, VpciMapping{4, 1}};
  b.params.link_rate = 100000;
  auto peer_b = UniParams::defaults(Side::kNetwork, Version::kUni30);
  peer_b.vc_ranges = {VcRange{6, 6, 32, 65535}};
  Net n({a, b}, {UniParams::defaults(Side::kNetwork, Version::kUni30), peer_b});

  for (const std::uint8_t to : {1, 2}) {
    const std::size_t i = to - 1u;
    n.req(connect_req(to, to));
    auto inc = events_of<CcIncoming>(std::exchange(n.peers[i]->events, {}));
    ASSERT_EQ(inc.size(), 1u);
    // What the caller asked as "the maximum" is signalled as its entity's link rate.
    EXPECT_EQ(inc[0].qos.rxtp.max_pcr, to == 1 ? 353207 : 100000);
    n.peers[i]->request(CcAccept{inc[0].call, 100u + to}, n.now);
    n.advance(10ms);
    const auto est = events_of<CcEstablished>(n.take());
    ASSERT_EQ(est.size(), 1u);
    if (to == 1) {
      EXPECT_EQ(est[0].pvc.sap_addr.itf, 0);
      EXPECT_EQ(est[0].pvc.sap_addr.vpi, 0);
    } else {
      EXPECT_EQ(est[0].pvc.sap_addr.itf, 1);  // VPCI 6 -> itf 1, VPI 6 - 4
      EXPECT_EQ(est[0].pvc.sap_addr.vpi, 2);
    }
    EXPECT_GE(est[0].pvc.sap_addr.vci, 32);
  }
}

TEST(EntityRouter, TimersMerged_DeadOutlinkTimesOutOnlyItsCall) {
  Net n({entity("A", {}, true), entity("B", {prefix(nsap(2), std::nullopt)})});
  n.cut[1] = true;  // B's peer hears nothing
  n.req(connect_req(1, 2));
  n.req(connect_req(2, 1));
  EXPECT_EQ(n.router.next_deadline(),
            earliest(n.router.uni(0).next_deadline(), n.router.uni(1).next_deadline()));
  // Call 2 (entity A) is answered and accepted; call 1 waits for T303 twice.
  auto inc = events_of<CcIncoming>(std::exchange(n.peers[0]->events, {}));
  ASSERT_EQ(inc.size(), 1u);
  n.peers[0]->request(CcAccept{inc[0].call, 900}, n.now);
  n.advance(10ms);
  EXPECT_EQ(events_of<CcEstablished>(n.take()).size(), 1u);
  n.advance(20s);
  const auto rel = events_of<CcReleased>(n.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].sock, 1u);
  EXPECT_LT(rel[0].err, 0);
  EXPECT_EQ(n.router.uni(0).call_count(), 1u);  // A's call is untouched
  EXPECT_TRUE(n.router.uni(0).link_up());
}

}  // namespace
}  // namespace atmsigd::callctl::test

namespace atmsigd::callctl::test {
namespace {

using atmsvc::CcAddParty;
using atmsvc::CcAddPartyResult;
using atmsvc::CcDropParty;
using atmsvc::CcDropPartyResult;

// Q.2971 (issue 17): a root's CcAddParty / CcDropParty go to the entity of
// its call (there ADD PARTY goes out on that entity's link, and the answer
// comes back through the router); a socket no entity holds gets -EBADFD at
// once, as the socket table answers a socket without a call.
TEST(EntityRouter, PartyRequestsGoToTheEntityOfTheRootsCall) {
  Net n({entity("A", {}, true), entity("B", {prefix(nsap(2), std::nullopt)})});
  n.req(CcAddParty{77, nsap(2)});
  n.req(CcDropParty{77, 1});
  const auto none = n.take();
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(std::get<CcAddPartyResult>(none[0]).reply, -EBADFD);
  EXPECT_EQ(std::get<CcDropPartyResult>(none[1]).reply, -EBADFD);

  CcConnect root = connect_req(5, 2);
  root.session = 1;
  n.req(root);
  auto inc = events_of<CcIncoming>(std::exchange(n.peers[1]->events, {}));
  ASSERT_EQ(inc.size(), 1u);
  n.peers[1]->request(CcAccept{inc[0].call, 500}, n.now);
  n.advance(10ms);
  ASSERT_EQ(events_of<CcEstablished>(n.take()).size(), 1u);
  n.req(CcAddParty{5, nsap(2)});
  n.advance(10ms);
  // The ADD PARTY reached entity B's peer (a new incoming party there), not A's.
  EXPECT_EQ(events_of<CcIncoming>(std::exchange(n.peers[1]->events, {})).size(), 1u);
  EXPECT_TRUE(events_of<CcIncoming>(std::exchange(n.peers[0]->events, {})).empty());
  n.req(CcRelease{5});
  n.advance(10ms);
}

}  // namespace
}  // namespace atmsigd::callctl::test
