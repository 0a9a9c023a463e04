// Two demons whose link runs through the fault-injecting relay (atmsigd-relay,
// issue 14): seeded loss, duplication, reordering and jitter during setup and
// release, and outages shorter and longer than NO-RESPONSE and T309. Every
// call ends in both emulated kernels with the reply the protocol promises.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

const std::string kEnetreset = std::to_string(-ENETRESET);

// SSCOP timers for the link tests: NO-RESPONSE 1 s.
const std::vector<std::string> kFastSaal = {"saal timer poll 200ms", "saal timer keepalive 300ms",
                                            "saal timer noresponse 1s"};

struct Relayed {
  int base = port_base();
  // The relay's two ports: the other two of port_base()'s four.
  int relay_a = base + 2;
  int relay_b = relay_a + 1;
  std::unique_ptr<Process> relay;
  std::unique_ptr<Side> user, net;

  Relayed(const std::vector<std::string>& faults, const std::vector<std::string>& conf,
          const std::string& uni = "uni40") {
    std::vector<std::string> a{ATMSIGD_RELAY,
                               "--a",
                               std::to_string(base),
                               "--b",
                               std::to_string(base + 1),
                               "--a-listen",
                               std::to_string(relay_a),
                               "--b-listen",
                               std::to_string(relay_b),
                               "--exit-after",
                               "120"};
    a.insert(a.end(), faults.begin(), faults.end());
    relay = std::make_unique<Process>(a, temp_path("relay.out"));
    user = std::make_unique<Side>("user", "user", kUserAddr, base, relay_a, uni, conf);
    net = std::make_unique<Side>("net", "network", kNetAddr, base + 1, relay_b, uni, conf);
  }
  ~Relayed() {
    if (relay) stop_all();
  }
  // Stops both demons (status 0) and the relay; returns the relay's counters.
  std::string stop_all() {
    if (user) {
      EXPECT_EQ(user->stop(), 0);
    }
    if (net) {
      EXPECT_EQ(net->stop(), 0);
    }
    relay->signal(SIGTERM);
    EXPECT_EQ(relay->wait(), 0) << relay->output();
    const std::string out = relay->output();
    relay.reset();
    return out;
  }
  bool links_up(std::size_t times = 1) {
    const bool u = user->wait_log("signaling link up", times, std::chrono::seconds(20));
    const bool n = net->wait_log("signaling link up", times, std::chrono::seconds(20));
    EXPECT_TRUE(u) << user->log();
    EXPECT_TRUE(n) << net->log();
    return u && n;
  }
  void down() { relay->signal(SIGUSR1); }
  void up() { relay->signal(SIGUSR2); }
  bool listen() { return net->run({"listen L addr=" + kNetAddr, "expect L okay"}); }
  // One call set up and active: socket C<id> on the user side, N<id> the
  // accepted one on the network side; every step must succeed.
  bool set_up(const std::string& id = "") {
    return user->run({"connect C" + id + " to=" + kNetAddr}) &&
           net->run({"expect L indicate within=10000", "accept N" + id + " L",
                     "expect N" + id + " okay within=10000"}) &&
           user->run({"expect C" + id + " okay within=10000"});
  }
  // One call, set up and released by the caller.
  bool call(const std::string& id) {
    return set_up(id) && user->run({"close C" + id, "expect C" + id + " close within=10000"}) &&
           net->run({"expect N" + id + " close reply=0 within=10000"});
  }
  bool nothing_held() {
    return user->status_has({"calls held by the network side: 0", "sockets: 0"}) &&
           net->status_has({"calls held by the network side: 0", "sockets: 1"});
  }
};

// Loss in both directions, during every setup and release, on a link that
// keeps order and never duplicates (as an ATM VC): SSCOP's selective
// retransmission carries every message, every call completes, nothing is
// left afterwards.
TEST(RelayFaults, Loss_EveryCallCompletes) {
  Relayed r({"--seed", "11", "--loss", "0.1", "--delay", "1"}, {});
  ASSERT_TRUE(r.links_up());
  ASSERT_TRUE(r.listen());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(r.call(std::to_string(i))) << "call " << i;
  EXPECT_TRUE(r.nothing_held());
  const std::string counters = r.stop_all();
  // The faults really happened (the seed fixes how many).
  for (const char* k : {"\nlost "}) {
    const auto at = counters.find(k);
    ASSERT_NE(at, std::string::npos) << counters;
    EXPECT_GT(std::stoul(counters.substr(at + std::strlen(k))), 0u) << k << counters;
  }
}

// Duplication and reordering (with some loss), for UNI 3.0 (Q.SAAL1 SSCOP, as
// the soak runs) and UNI 4.0 (Q.2110): SSCOP over UDP takes copies and
// overtaken PDUs for what they are (sscop::Params::datagram_link), so the link
// is never re-established and every call completes (issue 14: before, every
// copy of a buffered SD or overtaken POLL re-established the link, and the
// calls being set up failed).
TEST(RelayFaults, DuplicationAndReordering_LinkNeverReestablishedEveryCallCompletes) {
  for (const std::string uni : {"uni30", "uni40"}) {
    SCOPED_TRACE(uni);
    Relayed r({"--seed", "5", "--dup", "0.1", "--reorder", "0.1", "--loss", "0.02", "--delay", "1",
               "--jitter", "2"},
              kFastSaal, uni);
    ASSERT_TRUE(r.links_up());
    ASSERT_TRUE(r.listen());
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(r.call(std::to_string(i))) << "call " << i;
    EXPECT_TRUE(r.nothing_held());
    for (const Side* s : {r.user.get(), r.net.get()}) {
      const std::string log = s->log();
      EXPECT_EQ(count_of(log, "signaling link up"), 1u) << log;
      EXPECT_EQ(count_of(log, "re-established"), 0u) << log;
      EXPECT_EQ(count_of(log, "signaling link down"), 0u) << log;
    }
    const std::string counters = r.stop_all();
    for (const char* k : {"\nduplicated ", "\nreordered "}) {
      const auto at = counters.find(k);
      ASSERT_NE(at, std::string::npos) << counters;
      EXPECT_GT(std::stoul(counters.substr(at + std::strlen(k))), 0u) << k << counters;
    }
  }
}

// A loss burst (an outage of 300 ms, shorter than NO-RESPONSE) in the middle
// of a setup: the SETUP or its answers are retransmitted; the call completes
// and the link never went down.
TEST(RelayFaults, ShortOutageDuringSetup_CallCompletesLinkStaysUp) {
  Relayed r({}, kFastSaal);
  ASSERT_TRUE(r.links_up());
  ASSERT_TRUE(r.listen());
  r.down();
  ASSERT_TRUE(r.user->run({"connect C to=" + kNetAddr, "wait 300"}));
  r.up();
  ASSERT_TRUE(r.net->run({"expect L indicate within=5000", "accept N L", "expect N okay"}));
  ASSERT_TRUE(r.user->run({"expect C okay within=5000"}));
  r.down();  // and one during the release
  ASSERT_TRUE(r.user->run({"close C", "expect C close within=5000", "wait 300"}));
  r.up();
  ASSERT_TRUE(r.net->run({"expect N close reply=0 within=5000"}));
  EXPECT_EQ(r.user->log().find("signaling link down"), std::string::npos) << r.user->log();
  EXPECT_EQ(r.net->log().find("signaling link down"), std::string::npos) << r.net->log();
  EXPECT_TRUE(r.nothing_held());
}

// An outage longer than NO-RESPONSE but shorter than T309: both links go
// down, both ends keep the active call (T309), the links come back, the call
// is checked with STATUS ENQUIRY and survives; it is released normally.
TEST(RelayFaults, OutageLongerThanNoResponseShorterThanT309_CallSurvives) {
  auto conf = kFastSaal;
  conf.push_back("sig timer t309 10s");
  Relayed r({}, conf);
  ASSERT_TRUE(r.links_up());
  ASSERT_TRUE(r.listen());
  ASSERT_TRUE(r.set_up());
  r.down();
  ASSERT_TRUE(r.user->wait_log("T309 started")) << r.user->log();
  ASSERT_TRUE(r.net->wait_log("T309 started")) << r.net->log();
  r.up();
  ASSERT_TRUE(r.links_up(2));
  ASSERT_TRUE(r.user->wait_log("T309 stopped")) << r.user->log();
  ASSERT_TRUE(r.user->run({"expect-none within=1000"}));
  ASSERT_TRUE(r.net->run({"expect-none within=100"}));
  ASSERT_TRUE(r.user->run({"close C", "expect C close"}));
  ASSERT_TRUE(r.net->run({"expect N close reply=0"}));
  EXPECT_EQ(r.user->log().find("T309 expired"), std::string::npos) << r.user->log();
  EXPECT_EQ(r.net->log().find("T309 expired"), std::string::npos) << r.net->log();
  EXPECT_TRUE(r.nothing_held());
}

// An outage longer than T309: both ends clear the call; both kernels get
// as_close -ENETRESET. When the link is back, new calls go through.
TEST(RelayFaults, OutageLongerThanT309_BothKernelsGetEnetresetThenNewCallsWork) {
  auto conf = kFastSaal;
  conf.push_back("sig timer t309 1s");
  Relayed r({}, conf);
  ASSERT_TRUE(r.links_up());
  ASSERT_TRUE(r.listen());
  ASSERT_TRUE(r.set_up());
  r.down();
  ASSERT_TRUE(r.user->run({"expect C close reply=" + kEnetreset + " within=8000"}));
  ASSERT_TRUE(r.net->run({"expect N close reply=" + kEnetreset + " within=8000"}));
  r.up();
  ASSERT_TRUE(r.links_up(2));
  ASSERT_TRUE(r.call("after"));
  EXPECT_TRUE(r.nothing_held());
}

}  // namespace
}  // namespace atmsigd::test
