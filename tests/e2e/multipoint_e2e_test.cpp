// Q.2971 point-to-multipoint through the real demon in unix-socket mode
// with the loopback network (issue 17, docs/multipoint.md "Loopback"): the
// root and its leaves are sockets of the same emulated kernel; each leaf is
// a call offered to a local listener, the root's ioctls ATM_ADDPARTY /
// ATM_DROPPARTY are answered with as_addparty / as_dropparty.
#include <gtest/gtest.h>

#include <sstream>

#include "atmsigd/kernel_emu/script.hpp"
#include "demon_process.hpp"

namespace atmsigd::test {
namespace {

const std::string kLocal = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";
// The leaves: one listener each (the loopback offers a call by its called address).
std::string leaf(int n) {
  return "47.0005.80ffe1000000f21a26d8.0020ea000ee" + std::to_string(n) + ".00";
}

struct LoopbackDemon {
  std::string sock = temp_path("mp.sock");
  Process proc;
  kemu::UnixClient client;
  std::ostringstream trace;
  std::unique_ptr<kemu::ScriptRunner> runner;

  LoopbackDemon()
      : proc({ATMSIGD_BINARY, "-c", "/dev/null", "-d", "--network", "loopback", "--local-address",
              kLocal, "0.0.5", sock},
             temp_path("mp.log")) {
    EXPECT_TRUE(proc.started());
    EXPECT_TRUE(kemu::wait_for_socket(sock, std::chrono::seconds(5))) << proc.output();
    std::string err;
    EXPECT_TRUE(client.open(sock, err)) << err;
    runner = std::make_unique<kemu::ScriptRunner>(client, trace);
  }
  void run(const std::vector<std::string>& lines) {
    EXPECT_TRUE(runner->run_lines(lines)) << trace.str() << "\n--- demon log ---\n"
                                          << proc.output();
    EXPECT_EQ(runner->failures(), 0u) << trace.str();
    EXPECT_TRUE(runner->model().all_violations().empty()) << trace.str();
  }
  int stop() {
    proc.signal(SIGTERM);
    return proc.wait();
  }
};

std::vector<std::string> listeners(int n) {
  std::vector<std::string> l;
  for (int i = 1; i <= n; ++i) {
    l.push_back("listen L" + std::to_string(i) + " addr=" + leaf(i));
    l.push_back("expect L" + std::to_string(i) + " okay");
  }
  return l;
}

// The root (SO_MULTIPOINT) calls its first leaf, adds three more: one is
// accepted and later dropped by the root, one rejected, one hangs up; the
// root closes with party 0 still there.
TEST(MultipointE2E, RootAddsThreeLeaves_RejectDropHangUpClose) {
  LoopbackDemon d;
  auto script = listeners(4);
  const std::vector<std::string> rest = {
      "connect R to=" + leaf(1) + " multipoint", "expect L1 indicate", "accept N1 L1",
      "expect N1 okay", "expect R okay",
      // leaf 2: accepted, its endpoint reference back to the root's ioctl
      "addparty R to=" + leaf(2), "expect L2 indicate", "accept N2 L2", "expect N2 okay",
      "expect R addparty ep=any save=E2",
      // leaf 3: rejected (as_reject -ECONNREFUSED: cause 21 back to the root)
      "addparty R to=" + leaf(3), "expect L3 indicate", "reject L3 reply=-111",
      "expect R addparty err=-111",
      // leaf 4: accepted, then hangs up; the call goes on
      "addparty R to=" + leaf(4), "expect L4 indicate", "accept N4 L4", "expect N4 okay",
      "expect R addparty ep=any save=E4", "close N4", "expect N4 close",
      // the root drops leaf 2: its socket is closed normally
      "dropparty R ep=E2", "expect N2 close reply=0", "expect R dropparty reply=0",
      // an endpoint reference that is gone
      "dropparty R ep=E4", "expect R dropparty err=-2",
      // the root closes: party 0 is released
      "close R", "expect R close", "expect N1 close reply=0"};
  script.insert(script.end(), rest.begin(), rest.end());
  d.run(script);
  EXPECT_EQ(d.runner->model().socket_count(), 4u);  // the four listeners
  EXPECT_EQ(d.stop(), 0);
}

// Dropping the last party releases the root's call (its socket is closed).
TEST(MultipointE2E, LastPartyDropped_CallReleased) {
  LoopbackDemon d;
  auto script = listeners(2);
  const std::vector<std::string> rest = {
      "connect R to=" + leaf(1) + " multipoint", "expect L1 indicate", "accept N1 L1",
      "expect N1 okay", "expect R okay", "addparty R to=" + leaf(2), "expect L2 indicate",
      "accept N2 L2", "expect N2 okay", "expect R addparty ep=any save=E2",
      // party 0 hangs up, then the root drops the other: the call ends
      "close N1", "expect N1 close", "dropparty R ep=E2", "expect N2 close reply=0",
      "expect R dropparty reply=0", "expect R close reply=0"};
  script.insert(script.end(), rest.begin(), rest.end());
  d.run(script);
  EXPECT_EQ(d.runner->model().socket_count(), 2u);
  EXPECT_EQ(d.stop(), 0);
}

// A point-to-point socket (no SO_MULTIPOINT at connect) adding a party:
// -EINVAL, as the kernel answers ATM_ADDPARTY without a session.
TEST(MultipointE2E, PointToPointSocket_AddPartyEinval) {
  LoopbackDemon d;
  auto script = listeners(1);
  const std::vector<std::string> rest = {"connect C to=" + leaf(1),
                                         "expect L1 indicate",
                                         "accept N1 L1",
                                         "expect N1 okay",
                                         "expect C okay",
                                         "addparty C to=" + leaf(1),
                                         "expect C addparty err=-22",
                                         "close C",
                                         "expect C close",
                                         "expect N1 close reply=0"};
  script.insert(script.end(), rest.begin(), rest.end());
  d.run(script);
  EXPECT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace atmsigd::test
