// Two demon binaries with their signaling link carried as SSCOP over UDP on
// loopback: the SAAL comes up, survives the peer's restart, and the capture
// of the link decodes in tshark.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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
  int a = free_udp_ports(2);
  int b = a + 1;
};

std::vector<std::string> demon_args(const std::string& sock, int local, int peer,
                                    const std::string& mode, const std::string& pcap = "") {
  // One link path: the link is Q.2931 call control's (a stand-in has none).
  std::vector<std::string> a{ATMSIGD_BINARY,
                             "-c",
                             "/dev/null",
                             "-m",
                             mode,
                             "--udp-local",
                             "127.0.0.1:" + std::to_string(local),
                             "--udp-peer",
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

// A sender that floods the link's port from a foreign address cannot flood
// the log: at most 10 warnings in 10 s, and the demon keeps running.
TEST(LinkE2E, DatagramsFromAForeignAddressAreRateLimitedInTheLog) {
  Ports ports;
  Process a(demon_args(temp_path("f.sock"), ports.a, ports.b, "user"), temp_path("f.log"));
  ASSERT_TRUE(wait_for_text(a, "signaling link:", std::chrono::seconds(5))) << a.output();
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(ports.a));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const unsigned char junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(::sendto(fd, junk, sizeof junk, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(sizeof junk));
    if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::close(fd);
  ASSERT_TRUE(wait_for_text(a, "is not from the peer", std::chrono::seconds(5), 10)) << a.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string out = a.output();
  std::size_t n = 0;
  for (auto pos = out.find("is not from the peer"); pos != std::string::npos;
       pos = out.find("is not from the peer", pos + 1))
    ++n;
  EXPECT_EQ(n, 10u) << out;
  a.signal(SIGTERM);
  EXPECT_EQ(a.wait(), 0) << a.output();
}

TEST(LinkE2E, AStandInHasNoLink) {
  Ports ports;
  Process p({ATMSIGD_BINARY, "-c", "/dev/null", "--network", "loopback", "--udp-local",
             "127.0.0.1:" + std::to_string(ports.a), "--udp-peer",
             "127.0.0.1:" + std::to_string(ports.b), "0.0.5", temp_path("s.sock")},
            temp_path("s.log"));
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.output().find("--udp-peer needs --network uni"), std::string::npos) << p.output();
}

}  // namespace
}  // namespace atmsigd::test
