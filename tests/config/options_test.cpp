// The command line: the original's options with their meanings and defaults.
#include "atmsigd/config/options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace atmsigd::config {
namespace {

ParseResult parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"atmsigd"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(Options, DefaultsAreTheOriginals) {
  const auto r = parse({});
  ASSERT_EQ(r.status, ParseStatus::kRun);
  const auto& o = r.options;
  EXPECT_FALSE(o.background);
  EXPECT_EQ(o.config_file, "/etc/atmsigd.conf");
  EXPECT_FALSE(o.config_given);
  EXPECT_EQ(o.dump_dir, "/var/tmp");
  EXPECT_EQ(o.trace_length, 20);
  EXPECT_FALSE(o.uni.has_value());   // UNI 3.0 unless told otherwise
  EXPECT_FALSE(o.mode.has_value());  // user unless told otherwise
  EXPECT_EQ(o.signaling_vc.sap_addr.itf, 0);
  EXPECT_EQ(o.signaling_vc.sap_addr.vpi, 0);
  EXPECT_EQ(o.signaling_vc.sap_addr.vci, 5);
  EXPECT_FALSE(o.socket_path.has_value());
}

TEST(Options, EveryOriginalOption) {
  const auto r =
      parse({"-b", "-c", "/x.conf", "-d", "-D", "/dumps", "-l", "syslog", "-m", "network", "-n",
             "-q", "ubr,aal5:max_pcr=1000", "-t", "0", "-u", "uni40", "1.0.16", "/run/sig"});
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  const auto& o = r.options;
  EXPECT_TRUE(o.background);
  EXPECT_EQ(o.config_file, "/x.conf");
  EXPECT_TRUE(o.config_given);
  EXPECT_TRUE(o.debug);
  EXPECT_EQ(o.dump_dir, "/dumps");
  EXPECT_EQ(o.log_dest, "syslog");
  EXPECT_EQ(o.mode, SigMode::kNetwork);
  EXPECT_TRUE(o.numeric);
  EXPECT_EQ(o.sig_qos, "ubr,aal5:max_pcr=1000");
  EXPECT_EQ(o.trace_length, 0);
  EXPECT_EQ(o.uni, UniSelection{UniVersion::kUni40});
  EXPECT_EQ(o.signaling_vc.sap_addr.itf, 1);
  EXPECT_EQ(o.signaling_vc.sap_addr.vpi, 0);
  EXPECT_EQ(o.signaling_vc.sap_addr.vci, 16);
  EXPECT_EQ(o.socket_path, "/run/sig");
}

TEST(Options, RepeatedOptionTakesTheLastValueLikeGetopt) {
  const auto r = parse({"-t", "5", "-t", "6", "-c", "/a", "-c", "/b"});
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  EXPECT_EQ(r.options.trace_length, 6);
  EXPECT_EQ(r.options.config_file, "/b");
}

TEST(Options, BundledFlags) {
  const auto r = parse({"-bdn"});
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  EXPECT_TRUE(r.options.background);
  EXPECT_TRUE(r.options.debug);
  EXPECT_TRUE(r.options.numeric);
}

TEST(Options, EveryUniSpelling) {
  const std::pair<const char*, UniSelection> cases[] = {
      {"uni30", UniSelection{UniVersion::kUni30}},
      {"3.0", UniSelection{UniVersion::kUni30}},
      {"uni31", UniSelection{UniVersion::kUni31}},
      {"3.1", UniSelection{UniVersion::kUni31}},
      {"uni31+uni30", (UniSelection{UniVersion::kUni31, true})},
      {"3.1+3.0", (UniSelection{UniVersion::kUni31, true})},
      {"uni40", UniSelection{UniVersion::kUni40}},
      {"4.0", UniSelection{UniVersion::kUni40}},
      {"uni40+q.2963.1", (UniSelection{UniVersion::kUni40, false, true})},
      {"4.0+q.2963.1", (UniSelection{UniVersion::kUni40, false, true})}};
  for (const auto& [text, v] : cases) {
    const auto r = parse({"-u", text});
    ASSERT_EQ(r.status, ParseStatus::kRun) << text;
    EXPECT_EQ(r.options.uni, v) << text;
  }
}

// What each selection runs: uni31+uni30 is its own protocol version (UNI 3.1 with
// the UNI 3.0 forms of the original's S_UNI31|S_UNI30), not plain UNI 3.1.
TEST(Options, ProtocolVersionOfEachSelection) {
  EXPECT_EQ(protocol_version(*parse({"-u", "uni30"}).options.uni), UniVersion::kUni30);
  EXPECT_EQ(protocol_version(*parse({"-u", "uni31"}).options.uni), UniVersion::kUni31);
  EXPECT_EQ(protocol_version(*parse({"-u", "uni31+uni30"}).options.uni),
            UniVersion::kUni31Compat30);
  EXPECT_EQ(protocol_version(*parse({"-u", "3.1+3.0"}).options.uni), UniVersion::kUni31Compat30);
  EXPECT_EQ(protocol_version(*parse({"-u", "uni40+q.2963.1"}).options.uni), UniVersion::kUni40);
  EXPECT_EQ(protocol_version(UniSelection{}), UniVersion::kUni30);  // the original's default
  EXPECT_STREQ(uni_version_name(UniVersion::kUni31Compat30), "UNI 3.1+3.0");
}

TEST(Options, ModesAndTheOriginalsRefusalOfNet) {
  EXPECT_EQ(parse({"-m", "user"}).options.mode, SigMode::kUser);
  EXPECT_EQ(parse({"-m", "switch"}).options.mode, SigMode::kSwitch);
  EXPECT_EQ(parse({"-m", "net"}).status, ParseStatus::kUsageError);
}

TEST(Options, ObsoleteOptionsWarn) {
  const auto r = parse({"-A", "-N", "-P", "353207"});
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  ASSERT_EQ(r.options.warnings.size(), 3u);
  EXPECT_NE(r.options.warnings[0].find("-A is obsolete"), std::string::npos);
  EXPECT_NE(r.options.warnings[1].find("-N is obsolete"), std::string::npos);
  EXPECT_NE(r.options.warnings[2].find("-P is obsolete"), std::string::npos);
}

// getopt_long (not CLI11 since issue 13): merge_config and reload ask
// `given` by these names; "--opt=value" works as "--opt value".
TEST(Options, GivenNamesAndLongForms) {
  const auto r = parse({"-t", "3", "--pcap-rotate=10M", "--udp-local=7000", "--udp-peer",
                        "127.0.0.1:7001", "0.0.6", "/run/s"});
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  for (const char* name : {"-t", "--pcap-rotate", "--udp-local", "--udp-peer", "vc", "socket_path"})
    EXPECT_TRUE(r.options.was_given(name)) << name;
  EXPECT_FALSE(r.options.was_given("-D"));
  EXPECT_EQ(r.options.pcap_rotate, 10000000u);
  EXPECT_EQ(r.options.udp_local, (UdpEndpoint{"", 7000}));
  EXPECT_EQ(r.options.signaling_vc.sap_addr.vci, 6);
  // Each call starts afresh (getopt's state is global).
  EXPECT_FALSE(parse({}).options.was_given("-t"));
  const auto missing = parse({"--control-owner"});
  EXPECT_EQ(missing.status, ParseStatus::kUsageError);
  EXPECT_NE(missing.message.find("--control-owner needs an argument"), std::string::npos)
      << missing.message;
  EXPECT_EQ(parse({"--help"}).status, ParseStatus::kExit);
}

TEST(Options, VersionExits) {
  const auto r = parse({"-V"});
  EXPECT_EQ(r.status, ParseStatus::kExit);
  EXPECT_NE(r.message.find("atmsigd"), std::string::npos);
}

struct Bad {
  std::vector<const char*> args;
  const char* text;
};

class BadOptions : public ::testing::TestWithParam<Bad> {};

TEST_P(BadOptions, NameWhatIsWrong) {
  std::vector<const char*> argv{"atmsigd"};
  argv.insert(argv.end(), GetParam().args.begin(), GetParam().args.end());
  const auto r = parse_options(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(r.status, ParseStatus::kUsageError);
  EXPECT_NE(r.message.find(GetParam().text), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("usage: atmsigd"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Options, BadOptions,
    ::testing::Values(Bad{{"-h"}, "-h"}, Bad{{"-U"}, "-U"}, Bad{{"-M"}, "-M"},
                      Bad{{"-m", "net"}, "invalid mode \"net\""},
                      Bad{{"-u", "5.0"}, "invalid UNI version \"5.0\""},
                      Bad{{"-t", "-1"}, "invalid trace length -1"}, Bad{{"-t", "many"}, "-t"},
                      Bad{{"-q", "nonsense"}, "invalid QoS"}, Bad{{"0.5", "/a", "/b"}, "/b"},
                      Bad{{"x.y"}, "invalid signaling VC"},
                      Bad{{"--network", "atm"}, "invalid value \"atm\" for --network"},
                      Bad{{"--refuse-cause", "0"}, "--refuse-cause"},
                      Bad{{"--local-address", "47.00zz"}, "invalid ATM address"},
                      Bad{{"-c"}, "-c"}));

}  // namespace
}  // namespace atmsigd::config

namespace atmsigd::config {
namespace {

TEST(UdpEndpoint, Forms) {
  EXPECT_EQ(parse_udp_endpoint("5000"), (UdpEndpoint{"", 5000}));
  EXPECT_EQ(parse_udp_endpoint("127.0.0.1:5001"), (UdpEndpoint{"127.0.0.1", 5001}));
  EXPECT_EQ(parse_udp_endpoint("[::1]:5002"), (UdpEndpoint{"::1", 5002}));
  EXPECT_EQ(parse_udp_endpoint("localhost:0"), (UdpEndpoint{"localhost", 0}));
  for (const char* bad : {"", ":5000", "host:", "host:70000", "host:12x", "[::1]5000", "-1"})
    EXPECT_FALSE(parse_udp_endpoint(bad).has_value()) << bad;
}

TEST(Options, UdpLinkAndCapture) {
  const char* argv[] = {"atmsigd",        "--udp-local", "127.0.0.1:7000", "--udp-peer",
                        "127.0.0.1:7001", "--pcap",      "/tmp/x.pcap"};
  const auto r = parse_options(7, argv);
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  EXPECT_EQ(r.options.udp_local, (UdpEndpoint{"127.0.0.1", 7000}));
  EXPECT_EQ(r.options.udp_peer, (UdpEndpoint{"127.0.0.1", 7001}));
  EXPECT_EQ(r.options.pcap_file, "/tmp/x.pcap");
}

TEST(Options, SizesAndRotation) {
  EXPECT_EQ(parse_size("1000"), 1000u);
  EXPECT_EQ(parse_size("64k"), 64000u);
  EXPECT_EQ(parse_size("10M"), 10000000u);
  EXPECT_EQ(parse_size("1G"), 1000000000u);
  for (const char* bad : {"", "0", "k", "10m", "1.5M", "-1"}) EXPECT_FALSE(parse_size(bad)) << bad;
  const char* argv[] = {"atmsigd", "--pcap", "/tmp/x", "--pcap-rotate", "10M"};
  EXPECT_EQ(parse_options(5, argv).options.pcap_rotate, 10000000u);
  const char* bad[] = {"atmsigd", "--pcap-rotate", "lots"};
  EXPECT_NE(parse_options(3, bad).message.find("invalid size \"lots\" for --pcap-rotate"),
            std::string::npos);
}

TEST(Options, UdpErrorsAreNamed) {
  const char* a1[] = {"atmsigd", "--udp-peer", "7001"};
  EXPECT_NE(parse_options(3, a1).message.find("invalid endpoint \"7001\" for --udp-peer"),
            std::string::npos);
  const char* a2[] = {"atmsigd", "--udp-local", "7000"};
  EXPECT_NE(parse_options(3, a2).message.find("--udp-local needs --udp-peer"), std::string::npos);
  const char* a3[] = {"atmsigd", "--udp-local", "x:y", "--udp-peer", "h:1"};
  EXPECT_NE(parse_options(5, a3).message.find("invalid endpoint \"x:y\" for --udp-local"),
            std::string::npos);
}

}  // namespace
}  // namespace atmsigd::config
