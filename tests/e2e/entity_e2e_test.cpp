// Several signaling entities (atmsigd.conf "entity ... { ... }") in one of our
// demons: two entities, each with its own SSCOP/UDP link to its own peer demon
// (network side). Calls are routed by called party number (route, default;
// no route: -EHOSTUNREACH), and each entity applies its own max_rate (the PCR
// signalled for "the maximum") and VPCI mapping (the as_okay pvc). The capture
// records every link's PDUs under its own VPI/VCI.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

#include "atmsigd/kernel_emu/script.hpp"
#include "demon_process.hpp"

namespace atmsigd::test {
namespace {

const std::string kUserAddr = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";
const std::string kAddrB = "47.0005.80ffe1000000f21a26d8.0020ea000eb0.00";
const std::string kAddrC = "47.0005.80ffe1000000f21a26d8.0020ea000ec0.00";
const std::string kAddrD = "47.0009.80ffe1000000f21a26d8.0020ea000ed0.00";  // no route

struct Demon {
  std::string name;
  std::string sock;
  std::unique_ptr<Process> proc;
  kemu::UnixClient client;
  std::ostringstream trace;
  std::unique_ptr<kemu::ScriptRunner> runner;

  Demon(const std::string& n, std::vector<std::string> args) : name(n) {
    sock = temp_path(n + ".sock");
    args.insert(args.begin(), ATMSIGD_BINARY);
    args.push_back("0.0.5");
    args.push_back(sock);
    proc = std::make_unique<Process>(args, temp_path(n + ".log"));
    EXPECT_TRUE(kemu::wait_for_socket(sock, std::chrono::seconds(5))) << proc->output();
    std::string err;
    EXPECT_TRUE(client.open(sock, err)) << err;
    runner = std::make_unique<kemu::ScriptRunner>(client, trace);
    runner->default_timeout = std::chrono::milliseconds(5000);
  }
  bool run(const std::vector<std::string>& lines) {
    const bool ok = runner->run_lines(lines);
    EXPECT_TRUE(ok) << name << ": " << trace.str() << "\n--- demon log ---\n" << proc->output();
    return ok;
  }
  std::size_t count_in_log(const std::string& text) const {
    const std::string out = proc->output();
    std::size_t n = 0;
    for (auto p = out.find(text); p != std::string::npos; p = out.find(text, p + 1)) ++n;
    return n;
  }
  bool wait_log(const std::string& text, std::size_t times = 1) const {
    for (int i = 0; i < 500; ++i) {
      if (count_in_log(text) >= times) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  const kemu::KSocket* socket(kemu::Vcc v) const { return runner->model().socket(v); }
  int stop() {
    proc->signal(SIGTERM);
    return proc->wait();
  }
};

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

std::string udp(int port) {
  return "127.0.0.1:" + std::to_string(port);
}

class TwoEntities : public ::testing::Test {
 protected:
  void SetUp() override {
    const int base = free_udp_ports(4);
    ASSERT_GT(base, 0);
    pcap = temp_path("entities.pcap");
    conf = write_file("entities.conf",
                      "sig mode user\n"
                      "entity 0.0.5 {\n"
                      "  route " +
                          kAddrB +
                          "\n"
                          "  udp local " +
                          udp(base) + " udp peer " + udp(base + 1) +
                          "\n"
                          "}\n"
                          "entity 1.1.5 {\n"
                          "  route " +
                          kAddrC +
                          " default\n"
                          "  max_rate 100000\n"
                          "  vpci 0 itf 3\n"
                          "  udp local " +
                          udp(base + 2) + " udp peer " + udp(base + 3) +
                          "\n"
                          "}\n");
    b = std::make_unique<Demon>(
        "peer-b",
        std::vector<std::string>{"-c", "/dev/null", "-m", "network", "--local-address", kAddrB,
                                 "--udp-local", udp(base + 1), "--udp-peer", udp(base)});
    c = std::make_unique<Demon>(
        "peer-c", std::vector<std::string>{"-c", "/dev/null", "-m", "network", "--local-address",
                                           kAddrC, "--local-address", kAddrD, "--udp-local",
                                           udp(base + 3), "--udp-peer", udp(base + 2)});
    std::filesystem::create_directories(dumps);
    u = std::make_unique<Demon>(
        "entities", std::vector<std::string>{"-c", conf, "--local-address", kUserAddr, "--pcap",
                                             pcap, "-D", dumps});
    ASSERT_TRUE(u->wait_log("signaling link up", 2)) << u->proc->output();
    ASSERT_TRUE(b->wait_log("signaling link up")) << b->proc->output();
    ASSERT_TRUE(c->wait_log("signaling link up")) << c->proc->output();
  }
  void TearDown() override {
    if (u) {
      EXPECT_EQ(u->stop(), 0) << u->proc->output();
    }
    EXPECT_EQ(b->stop(), 0);
    EXPECT_EQ(c->stop(), 0);
    std::remove(conf.c_str());
    std::remove(pcap.c_str());
    std::filesystem::remove_all(dumps);
  }
  std::string conf, pcap, dumps = temp_path("entity-dumps");
  std::unique_ptr<Demon> u, b, c;
};

TEST_F(TwoEntities, CallsRoutedByCalledNumberWithEachEntitysRateAndVpciMapping) {
  ASSERT_TRUE(b->run({"listen L addr=" + kAddrB + " qos=ubr", "expect L okay"}));
  ASSERT_TRUE(c->run({"listen L addr=" + kAddrC + " qos=ubr", "expect L okay",
                      "listen D addr=" + kAddrD + " qos=ubr", "expect D okay"}));

  // To B: entity 0.0.5 (its route), no VPCI mapping, the default rate.
  ASSERT_TRUE(u->run({"connect CB to=" + kAddrB + " qos=ubr"}));
  ASSERT_TRUE(b->run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(u->run({"expect CB okay"}));
  const auto* cb = u->socket(0x1000);
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(cb->last.raw().pvc.sap_addr.itf, 0);
  EXPECT_EQ(cb->last.raw().pvc.sap_addr.vpi, 0);
  EXPECT_GE(cb->last.raw().pvc.sap_addr.vci, 32);
  EXPECT_EQ(b->socket(0x1000)->last.raw().qos.rxtp.max_pcr, 353207);

  // To C: entity 1.1.5 (its route): "vpci 0 itf 3" puts the call on interface 3,
  // and "max_rate 100000" is the PCR signalled for the maximum.
  ASSERT_TRUE(u->run({"connect CC to=" + kAddrC + " qos=ubr"}));
  ASSERT_TRUE(c->run({"expect L indicate"}));
  EXPECT_EQ(c->socket(0x1000)->last.raw().qos.rxtp.max_pcr, 100000);
  ASSERT_TRUE(c->run({"accept N L", "expect N okay"}));
  ASSERT_TRUE(u->run({"expect CC okay"}));
  const auto* cc = u->socket(0x2000);
  ASSERT_NE(cc, nullptr);
  EXPECT_EQ(cc->last.raw().pvc.sap_addr.itf, 3);
  EXPECT_EQ(cc->last.raw().pvc.sap_addr.vpi, 0);
  EXPECT_EQ(c->socket(0x3000)->last.raw().qos.rxtp.max_pcr, 100000);  // granted QoS

  // No route matches: the default entity (1.1.5, towards C) takes it.
  ASSERT_TRUE(u->run({"connect CD to=" + kAddrD}));
  ASSERT_TRUE(c->run({"expect D indicate", "reject D reply=-111"}));
  ASSERT_TRUE(u->run({"expect CD error reply=-111"}));

  // The status dump lists both entities, their calls and their links.
  u->proc->signal(SIGUSR1);
  const std::string status = dumps + "/atmsigd." + std::to_string(u->proc->pid()) + ".status.0";
  std::string text;
  for (int i = 0; i < 250 && text.find("trace buffer") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream f(status);
    text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  EXPECT_NE(text.find("entity 0.0.5 user, route " + kAddrB), std::string::npos) << text;
  EXPECT_NE(text.find("entity 1.1.5 user, max_rate 100000, vpci 0 itf 3"), std::string::npos)
      << text;
  EXPECT_NE(text.find("signaling link of entity 1.1.5: SSCOP over UDP"), std::string::npos) << text;
  EXPECT_NE(text.find("calls held by the network side: 2"), std::string::npos) << text;

  // Release both calls, from either end.
  ASSERT_TRUE(u->run({"close CB", "expect CB close"}));
  ASSERT_TRUE(b->run({"expect N close reply=0"}));
  ASSERT_TRUE(c->run({"close N", "expect N close"}));
  ASSERT_TRUE(u->run({"expect CC close reply=0"}));

  // The capture holds both links, each under its own VPI/VCI (SunATM header).
  u->proc->signal(SIGTERM);
  ASSERT_EQ(u->proc->wait(), 0) << u->proc->output();
  std::ifstream in(pcap, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(data.size(), 24u);
  std::set<std::pair<int, int>> vcs;
  for (std::size_t off = 24; off + 16 + 4 <= data.size();) {
    std::uint32_t incl = 0;
    std::memcpy(&incl, data.data() + off + 8, 4);
    const auto* h = reinterpret_cast<const unsigned char*>(data.data() + off + 16);
    vcs.insert({h[1], h[2] << 8 | h[3]});
    off += 16 + incl;
  }
  EXPECT_EQ(vcs, (std::set<std::pair<int, int>>{{0, 5}, {1, 5}}));
  u.reset();
}

TEST(Entities, NoRouteAndNoDefault_ConnectFailsWithEhostunreach) {
  const int base = free_udp_ports(4);
  const std::string conf =
      write_file("noroute.conf",
                 // the routing decision is logged at debug (global sections come first)
                 "sig level debug\n"
                 "entity 0.0.5 { route " +
                     kAddrB + " udp local " + udp(base) + " udp peer " + udp(base + 1) + " }\n" +
                     "entity 0.1.5 { route " + kAddrC + " udp local " + udp(base + 2) +
                     " udp peer " + udp(base + 3) + " }\n");
  Demon d("noroute", {"-c", conf, "--local-address", kUserAddr});
  // The links have no peer: routing is decided before any signaling.
  ASSERT_TRUE(d.run({"connect C to=" + kAddrD, "expect C error reply=-113"}));
  EXPECT_TRUE(d.wait_log("no route"));
  // SIGHUP with a default route added: entities change only with a restart.
  std::ofstream(conf) << "entity 0.0.5 { route " + kAddrB + " default udp local " + udp(base) +
                             " udp peer " + udp(base + 1) + " }\n" + "entity 0.1.5 { route " +
                             kAddrC + " udp local " + udp(base + 2) + " udp peer " + udp(base + 3) +
                             " }\n";
  d.proc->signal(SIGHUP);
  EXPECT_TRUE(
      d.wait_log("the signaling entities (VC, mode, qos, max_rate, vpci, routes) changed: "
                 "it takes effect after a restart"))
      << d.proc->output();
  ASSERT_TRUE(d.run({"connect C2 to=" + kAddrD, "expect C2 error reply=-113"}));
  EXPECT_EQ(d.stop(), 0);
  std::remove(conf.c_str());
}

TEST(Entities, AnEntityWithoutUdpOpensItsOwnPvcOnItsVc) {
  // The first entity runs over UDP; the second has no udp items, so it opens
  // PF_ATMPVC on 0.1.5 with its qos. Without an ATM interface 0 (or without
  // ATM in the kernel) that fails, the demon names the entity and stops.
  const int base = free_udp_ports(4);
  const std::string conf =
      write_file("pvc.conf", "entity 0.0.5 { udp local " + udp(base) + " udp peer " +
                                 udp(base + 1) + " }\nentity 0.1.5 { qos ubr }\n");
  Process p({ATMSIGD_BINARY, "-c", conf, "0.0.5", temp_path("pvc.sock")}, temp_path("pvc.log"));
  EXPECT_EQ(p.wait(), 1) << p.output();
  EXPECT_NE(p.output().find("entity 0.1.5: cannot open the signaling PVC 0.1.5"), std::string::npos)
      << p.output();
  std::remove(conf.c_str());
}

}  // namespace
}  // namespace atmsigd::test
