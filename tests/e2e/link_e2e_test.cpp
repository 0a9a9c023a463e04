// Two demon binaries with their signaling link carried as SSCOP over UDP on
// loopback: the SAAL comes up, survives the peer's restart, and the capture
// of the link decodes in tshark.
#include <gtest/gtest.h>

#include <thread>

#include "../support/tshark.hpp"
#include "atmsigd/kernel_emu/unix_client.hpp"
#include "demon_process.hpp"

namespace atmsigd::test {
namespace {

bool wait_for_text(const Process& p, const std::string& text, std::chrono::milliseconds timeout,
                   std::size_t occurrences = 1) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    const auto out = p.output();
    std::size_t n = 0;
    for (auto pos = out.find(text); pos != std::string::npos; pos = out.find(text, pos + 1)) ++n;
    if (n >= occurrences) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

struct Ports {
  int a = 20000 + (::getpid() % 5000) * 2;
  int b = a + 1;
};

std::vector<std::string> demon_args(const std::string& sock, int local, int peer,
                                    const std::string& mode, const std::string& pcap = "") {
  std::vector<std::string> a{ATMSIGD_BINARY, "-c", "/dev/null", "-m", mode,
                             // The demon's own SAAL path (network stand-in); the
                             // Q.2931 path's END at shutdown: call_e2e_test.
                             "--network", "loopback", "--udp-local",
                             "127.0.0.1:" + std::to_string(local), "--udp-peer",
                             "127.0.0.1:" + std::to_string(peer)};
  if (!pcap.empty()) {
    a.push_back("--pcap");
    a.push_back(pcap);
  }
  a.push_back("0.0.5");
  a.push_back(sock);
  return a;
}

TEST(LinkE2E, SaalComesUpBetweenTwoDemonsAndRecoversAfterPeerRestart) {
  Ports ports;
  const std::string pcap = temp_path("link.pcap");
  Process a(demon_args(temp_path("a.sock"), ports.a, ports.b, "user", pcap), temp_path("a.log"));
  Process b(demon_args(temp_path("b.sock"), ports.b, ports.a, "network"), temp_path("b.log"));
  ASSERT_TRUE(wait_for_text(a, "signaling link up", std::chrono::seconds(5))) << a.output();
  ASSERT_TRUE(wait_for_text(b, "signaling link up", std::chrono::seconds(5))) << b.output();
  // B goes away cleanly (END), A notices at once and keeps trying.
  b.signal(SIGTERM);
  EXPECT_EQ(b.wait(), 0);
  ASSERT_TRUE(wait_for_text(a, "signaling link down", std::chrono::seconds(5))) << a.output();
  // A new B: the link comes back.
  Process b2(demon_args(temp_path("b2.sock"), ports.b, ports.a, "network"), temp_path("b2.log"));
  ASSERT_TRUE(wait_for_text(b2, "signaling link up", std::chrono::seconds(10))) << b2.output();
  b2.signal(SIGTERM);
  EXPECT_EQ(b2.wait(), 0) << b2.output();
  a.signal(SIGTERM);
  EXPECT_EQ(a.wait(), 0);

  if (!tshark_available()) GTEST_SKIP() << "tshark not installed: capture not checked";
  const auto types = run_tshark(pcap, "-T fields -e sscop.type");
  EXPECT_NE(types.find("0x01"), std::string::npos) << types;  // BGN
  EXPECT_NE(types.find("0x02"), std::string::npos) << types;  // BGAK
  EXPECT_NE(types.find("0x03"), std::string::npos) << types;  // END
  const auto malformed = run_tshark(pcap, "-Y _ws.malformed");
  EXPECT_EQ(malformed, "") << malformed;
}

}  // namespace
}  // namespace atmsigd::test
