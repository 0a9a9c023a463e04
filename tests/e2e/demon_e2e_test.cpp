// The real demon binary in unix-socket mode, driven by the emulated kernel.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <sstream>

#include "atmsigd/kernel_emu/script.hpp"
#include "demon_process.hpp"

namespace atmsigd::test {
namespace {

using atmsvc::Message;

const std::string kAddrA = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";
const std::string kAddrB = "47.0005.80ffe1000000f21a26d8.0020ea000ee1.00";

struct Demon {
  std::string sock = temp_path("sig.sock");
  std::string log = temp_path("demon.log");
  Process proc;
  kemu::UnixClient client;
  std::ostringstream trace;
  std::unique_ptr<kemu::ScriptRunner> runner;

  explicit Demon(std::vector<std::string> extra = {}) : proc(args(extra), temp_path("demon.log")) {
    EXPECT_TRUE(proc.started());
    EXPECT_TRUE(kemu::wait_for_socket(sock, std::chrono::seconds(5))) << proc.output();
    std::string err;
    EXPECT_TRUE(client.open(sock, err)) << err;
    runner = std::make_unique<kemu::ScriptRunner>(client, trace);
  }
  std::vector<std::string> args(const std::vector<std::string>& extra) {
    std::vector<std::string> a{ATMSIGD_BINARY, "-c",       "/dev/null",       "-d",
                               "--network",    "loopback", "--local-address", kAddrA};
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back("0.0.5");
    a.push_back(sock);
    return a;
  }
  void run(const std::vector<std::string>& lines) {
    EXPECT_TRUE(runner->run_lines(lines)) << trace.str() << "\n--- demon log ---\n"
                                          << proc.output();
    EXPECT_EQ(runner->failures(), 0u) << trace.str();
  }
  int stop() {
    proc.signal(SIGTERM);
    return proc.wait();
  }
};

TEST(DemonE2E, ListenIndicateAcceptReleaseOverTheUnixSocket) {
  Demon d;
  d.run({"itf_notify 0", "bind b addr=" + kAddrA, "expect b okay", "listen L addr=" + kAddrA,
         "expect L okay", "connect C to=" + kAddrA + " qos=ubr,aal5:max_sdu=8192",
         "expect L indicate", "accept N L", "expect N okay", "expect C okay", "close C",
         "expect C close", "expect N close reply=0", "close L", "expect L close"});
  EXPECT_EQ(d.runner->model().socket_count(), 0u);
  EXPECT_EQ(d.stop(), 0);
  const auto out = d.proc.output();
  EXPECT_NE(out.find("network: call #1 connected"), std::string::npos) << out;
  EXPECT_NE(out.find("added local ATM address"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(d.sock)) << "socket file left behind";
}

TEST(DemonE2E, RejectAndNoListenerAndDuplicateListen) {
  Demon d;
  d.run({"listen L addr=" + kAddrA, "expect L okay", "listen L2 addr=" + kAddrA,
         "expect L2 error reply=-98", "connect C to=" + kAddrA, "expect L indicate",
         "reject L reply=-111", "expect C error reply=-111", "connect D to=" + kAddrB,
         "expect D error reply=-111"});
  EXPECT_EQ(d.stop(), 0);
}

TEST(DemonE2E, RefusingNetworkGivesAClearCause) {
  Demon d({"--network", "refuse", "--refuse-cause", "3"});
  d.run({"connect C to=" + kAddrB, "expect C error reply=-113"});
  EXPECT_EQ(d.stop(), 0);
  const auto out = d.proc.output();
  EXPECT_NE(out.find("cause 3 (no route to destination)"), std::string::npos) << out;
}

TEST(DemonE2E, MalformedFramesAreSurvivedAndAnswered) {
  Demon d;
  d.run(
      {"listen L addr=" + kAddrA, "expect L okay", "connect C to=" + kAddrA, "expect L indicate"});
  // Frames the original dies on: 10 and 253 octets, type -1; and others.
  Bytes short10(10, 0xff);
  Message conn(as_connect);
  conn.set_vcc(0xabc);
  Bytes long253 = atmsvc::encode(conn);
  long253.push_back(0);
  Message neg;
  neg.set_type(-1);
  Message t99;
  t99.set_type(99);
  Message indicate(as_indicate);  // a demon-only type
  indicate.set_listen_vcc(0x55);
  // The kernel's as_okay answers a demon's as_modify (Q.2963.1): with none
  // asked, a stray, ignored.
  Message okay(as_okay);
  okay.set_vcc(0x55);
  std::string err;
  for (const Bytes& b : {short10, long253, atmsvc::encode(neg), atmsvc::encode(t99),
                         atmsvc::encode(indicate), atmsvc::encode(okay), Bytes{}})
    ASSERT_TRUE(d.client.send(ByteView(b), err)) << err;
  // The wrong-size as_connect names its vcc: it gets as_error -EINVAL.
  auto reply = d.client.receive(std::chrono::seconds(2));
  ASSERT_TRUE(reply.has_value());
  auto dec = atmsvc::decode(ByteView(*reply));
  ASSERT_TRUE(dec.msg.has_value());
  EXPECT_EQ(dec.msg->type(), as_error);
  EXPECT_EQ(dec.msg->vcc(), 0xabcu);
  EXPECT_EQ(dec.msg->reply(), -EINVAL);
  // Nothing else is answered, and the calls in progress are intact.
  EXPECT_FALSE(d.client.receive(std::chrono::milliseconds(200)).has_value());
  d.run({"accept N L", "expect N okay", "expect C okay", "close N", "expect C close"});
  EXPECT_EQ(d.stop(), 0);
  const auto out = d.proc.output();
  EXPECT_NE(out.find("frame of 10 octets, expected 252"), std::string::npos) << out;
  EXPECT_NE(out.find("frame of 253 octets, expected 252"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown message type -1"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown message type 99"), std::string::npos) << out;
  EXPECT_NE(out.find("not a message the kernel sends"), std::string::npos) << out;
}

// Like the original: the first peer is the user of signaling; another
// peer's sends fail (the demon's socket is connected to the first).
TEST(DemonE2E, SecondPeerIsRefused) {
  Demon d;
  d.run({"itf_notify 0", "expect-none within=100"});  // the demon has seen us
  kemu::UnixClient other;
  std::string err;
  // connect() (or, for sendto() users, the send) fails with EPERM.
  if (other.open(d.sock, err)) {
    const Bytes frame = atmsvc::encode(kemu::KernelModel::itf_notify(0));
    EXPECT_FALSE(other.send(ByteView(frame), err));
  }
  EXPECT_NE(err.find("Operation not permitted"), std::string::npos) << err;
  EXPECT_EQ(d.stop(), 0);
}

TEST(DemonE2E, SigtermReleasesCallsAndRemovesTheSocket) {
  Demon d;
  d.run({"listen L addr=" + kAddrA, "expect L okay", "connect C to=" + kAddrA, "expect L indicate",
         "accept N L", "expect N okay", "expect C okay", "connect P to=" + kAddrA,
         "expect L indicate"});
  EXPECT_EQ(d.stop(), 0);
  const auto out = d.proc.output();
  EXPECT_NE(out.find("shutting down (SIGTERM)"), std::string::npos) << out;
  EXPECT_NE(out.find("all sockets released"), std::string::npos) << out;
  EXPECT_EQ(out.find("still held at exit"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(d.sock));
}

TEST(DemonE2E, ManyCallsAtOnce) {
  Demon d;
  std::vector<std::string> s{"listen L addr=" + kAddrA, "expect L okay"};
  for (int i = 0; i < 200; ++i) s.push_back("connect C" + std::to_string(i) + " to=" + kAddrA);
  for (int i = 0; i < 200; ++i) {
    s.push_back("expect L indicate");
    s.push_back("accept N" + std::to_string(i) + " L");
  }
  for (int i = 0; i < 200; ++i) {
    s.push_back("expect N" + std::to_string(i) + " okay");
    s.push_back("expect C" + std::to_string(i) + " okay");
  }
  for (int i = 0; i < 200; ++i) {
    s.push_back("close C" + std::to_string(i));
    s.push_back("expect N" + std::to_string(i) + " close");
  }
  d.run(s);
  EXPECT_EQ(d.runner->model().socket_count(), 1u);  // the listener
  EXPECT_EQ(d.stop(), 0);
}

struct CliCase {
  std::vector<std::string> args;
  int status;
  const char* text;
};

class DemonCli : public ::testing::TestWithParam<CliCase> {};

TEST_P(DemonCli, ExitStatusAndMessage) {
  const auto& c = GetParam();
  std::vector<std::string> argv{ATMSIGD_BINARY};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  Process p(argv, temp_path("cli.log"));
  EXPECT_EQ(p.wait(), c.status);
  EXPECT_NE(p.output().find(c.text), std::string::npos) << p.output();
}

INSTANTIATE_TEST_SUITE_P(
    Options, DemonCli,
    ::testing::Values(
        CliCase{{"-V"}, 0, "atmsigd"}, CliCase{{"-h"}, 2, "usage: atmsigd"},
        CliCase{{"-m", "net"}, 2, "invalid mode \"net\" for -m"},
        CliCase{{"-u", "uni50"}, 2, "invalid UNI version \"uni50\" for -u"},
        CliCase{{"-t", "-3"}, 2, "invalid trace length -3 for -t"},
        CliCase{{"-q", "bogus"}, 2, "invalid QoS \"bogus\" for -q"},
        CliCase{{"1.2.3.4"}, 2, "invalid signaling VC \"1.2.3.4\""},
        CliCase{{"0.5", "/tmp/a", "/tmp/b"}, 2, "usage: atmsigd"},
        CliCase{{"--local-address", "nonsense", "0.5", "/tmp/x"}, 2, "invalid ATM address"},
        // No ATM in this kernel: a clear message and exit 1.
        CliCase{{"-c", "/dev/null"}, 1, "PF_ATMSVC"}));

}  // namespace
}  // namespace atmsigd::test

namespace atmsigd::test {
namespace {

TEST(DemonConfig, BadLineStopsTheDemonWithFileLineAndWord) {
  const auto conf = temp_path("bad.conf");
  std::ofstream(conf) << "sig mode user\n\nsig mode net\n";
  Process p({ATMSIGD_BINARY, "-c", conf, "0.0.5", temp_path("never.sock")}, temp_path("bad.log"));
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.output().find(conf + ":3: syntax error (modes: user, network, switch) near \"net\""),
            std::string::npos)
      << p.output();
  EXPECT_FALSE(std::filesystem::exists(temp_path("never.sock")));
}

TEST(DemonConfig, FileSettingsApplyAndTheCommandLineWins) {
  const auto conf = temp_path("good.conf");
  std::ofstream(conf) << "sig { mode network uni40 }\nio local " << kAddrA << "\n";
  const auto sock = temp_path("cfg.sock");
  Process p({ATMSIGD_BINARY, "-c", conf, "-m", "switch", "--network", "loopback", "0.0.5", sock},
            temp_path("cfg.log"));
  ASSERT_TRUE(kemu::wait_for_socket(sock, std::chrono::seconds(5))) << p.output();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0);
  const auto out = p.output();
  EXPECT_NE(out.find("UNI 4.0"), std::string::npos) << out;
  EXPECT_NE(out.find("mode switch"), std::string::npos) << out;
  EXPECT_NE(out.find("added local ATM address"), std::string::npos) << out;
}

TEST(DemonConfig, MissingGivenFileWarnsAndRuns) {
  const auto sock = temp_path("nocfg.sock");
  Process p({ATMSIGD_BINARY, "-c", "/nonexistent.conf", "--network", "loopback", "0.0.5", sock},
            temp_path("nocfg.log"));
  ASSERT_TRUE(kemu::wait_for_socket(sock, std::chrono::seconds(5))) << p.output();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0);
  EXPECT_NE(p.output().find("configuration file /nonexistent.conf not found, using defaults"),
            std::string::npos);
}

}  // namespace
}  // namespace atmsigd::test
