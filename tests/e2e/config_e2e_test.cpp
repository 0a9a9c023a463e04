// atmsigd.conf keywords that the other tests give on the command line, here
// from the file, each checked by its effect on a running demon: debug log,
// debug dump, debug trace N, per-group levels (io level, sig level), io udp
// local/peer, io pcap, io local (the calling party number of our calls).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "atmsigd/kernel_emu/script.hpp"
#include "demon_process.hpp"

namespace atmsigd::test {
namespace {

const std::string kAddrA = "47.0005.80ffe1000000f21a26d8.0020ea000ea0.00";
const std::string kAddrB = "47.0005.80ffe1000000f21a26d8.0020ea000eb0.00";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool wait_for(const std::string& path, const std::string& text) {
  for (int i = 0; i < 250; ++i) {
    if (read_file(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(ConfigKeywords, FromTheFileTakeEffect) {
  const int base = free_udp_ports(2);
  const std::string dir = temp_path("cfgkw");
  std::filesystem::create_directories(dir);
  const std::string log = dir + "/a.log";
  const std::string pcap = dir + "/a.pcap";
  const std::string conf = dir + "/a.conf";
  std::ofstream(conf) << "debug { log " << log << " dump " << dir << " trace 7 }\n"
                      << "io { level warn\n"
                      << "     udp local 127.0.0.1:" << base << "\n"
                      << "     udp peer 127.0.0.1:" << base + 1 << "\n"
                      << "     pcap " << pcap << "\n"
                      << "     local " << kAddrA << " }\n"
                      << "sig { mode user level info }\n";
  const std::string sock_a = temp_path("cfgkw-a.sock");
  const std::string sock_b = temp_path("cfgkw-b.sock");
  Process b({ATMSIGD_BINARY, "-c", "/dev/null", "-m", "network", "--local-address", kAddrB,
             "--udp-local", "127.0.0.1:" + std::to_string(base + 1), "--udp-peer",
             "127.0.0.1:" + std::to_string(base), "0.0.5", sock_b},
            temp_path("cfgkw-b.log"));
  Process a({ATMSIGD_BINARY, "-c", conf, "0.0.5", sock_a}, temp_path("cfgkw-a.out"));
  ASSERT_TRUE(kemu::wait_for_socket(sock_a, std::chrono::seconds(5))) << a.output();
  ASSERT_TRUE(kemu::wait_for_socket(sock_b, std::chrono::seconds(5))) << b.output();
  // debug log: the log is in the file; io udp local/peer: the link comes up.
  ASSERT_TRUE(wait_for(log, "signaling link up")) << read_file(log) << a.output();

  kemu::UnixClient ca, cb;
  std::string err;
  ASSERT_TRUE(ca.open(sock_a, err)) << err;
  ASSERT_TRUE(cb.open(sock_b, err)) << err;
  std::ostringstream ta, tb;
  kemu::ScriptRunner ra(ca, ta), rb(cb, tb);
  ra.default_timeout = rb.default_timeout = std::chrono::milliseconds(5000);
  ASSERT_TRUE(rb.run_lines({"listen L addr=" + kAddrB, "expect L okay"})) << tb.str();
  ASSERT_TRUE(ra.run_lines({"connect C to=" + kAddrB})) << ta.str();
  ASSERT_TRUE(rb.run_lines({"expect L indicate", "accept N L", "expect N okay"})) << tb.str();
  ASSERT_TRUE(ra.run_lines({"expect C okay"})) << ta.str() << read_file(log);
  // io local: our address is the calling party the peer sees.
  const std::string b_log = b.output();
  EXPECT_NE(b_log.find("from 47.0005.80FFE1000000F21A26D8.0020EA000EA0.00"), std::string::npos)
      << b_log;

  // debug dump + debug trace 7: the status dump lands in the directory and
  // names the trace buffer's size.
  a.signal(SIGUSR1);
  const std::string status = dir + "/atmsigd." + std::to_string(a.pid()) + ".status.0";
  ASSERT_TRUE(wait_for(status, "trace buffer:")) << read_file(log);
  EXPECT_NE(read_file(status).find("/7 entries"), std::string::npos) << read_file(status);

  ASSERT_TRUE(ra.run_lines({"close C", "expect C close"})) << ta.str();
  a.signal(SIGTERM);
  EXPECT_EQ(a.wait(), 0) << read_file(log);
  b.signal(SIGTERM);
  EXPECT_EQ(b.wait(), 0);

  const std::string text = read_file(log);
  // Per-group levels: "io level warn" silences the IO group's info lines,
  // "sig level info" keeps the signaling group's.
  EXPECT_EQ(text.find(":IO: info"), std::string::npos) << text;
  EXPECT_NE(text.find(":SIG: info"), std::string::npos) << text;
  EXPECT_EQ(a.output().find("signaling link up"), std::string::npos);  // not on stderr
  // io pcap: the link was captured (pcap header and at least one record).
  EXPECT_GT(std::filesystem::file_size(pcap), 24u + 16u + 4u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace atmsigd::test
