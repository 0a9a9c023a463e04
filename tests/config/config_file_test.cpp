// atmsigd.conf: the grammar, exact errors (file, line, word), and a
// differential check against Debian's original atmsigd where it is installed.
#include "atmsigd/config/config_file.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace atmsigd::config {
namespace {

Config ok(const std::string& text) {
  auto r = parse_config(text, "t.conf");
  if (auto* e = std::get_if<ConfigError>(&r)) {
    ADD_FAILURE() << "unexpected error: " << e->text() << "\nin: " << text;
    return {};
  }
  return std::get<Config>(r);
}

std::string err(const std::string& text) {
  auto r = parse_config(text, "t.conf");
  if (auto* e = std::get_if<ConfigError>(&r)) return e->text();
  ADD_FAILURE() << "accepted: " << text;
  return "";
}

TEST(ConfigFile, EveryGroupAndKeyword) {
  const auto c = ok(R"(# the whole grammar
level info
debug {
  level warn
  dump /var/tmp
  log syslog
  trace 100
}
io level debug
io qos "ubr,aal5"
io max_rate 10Mbps
saal level error
sig { level debug mode network uni31 uni30 vpci 4 itf 1 vpci 8 itf 2 }
policy level fatal
policy reject from 47.0005.80ffe1000000f21a26d8.0020ea000ee0.00/40
policy allow to +4121/3
entity 0.0.5 { vpci 0 itf 0 mode user qos ubr max_rate 1000 route 47.0005/4 default }
entity 1.0.5
)");
  EXPECT_EQ(c.level, Level::kInfo);
  EXPECT_EQ(c.group_level.at("debug"), Level::kWarn);
  EXPECT_EQ(c.group_level.at("io"), Level::kDebug);
  EXPECT_EQ(c.group_level.at("saal"), Level::kError);
  EXPECT_EQ(c.group_level.at("sig"), Level::kDebug);
  EXPECT_EQ(c.group_level.at("policy"), Level::kFatal);
  EXPECT_EQ(c.dump_dir, "/var/tmp");
  EXPECT_EQ(c.log, "syslog");
  EXPECT_EQ(c.trace, 100);
  EXPECT_EQ(c.io_qos, "ubr,aal5");
  EXPECT_EQ(c.max_rate, 10000000 / 384);  // qos(7): bps of cell payload (48 octets)
  EXPECT_EQ(c.mode, SigMode::kNetwork);
  EXPECT_EQ(c.uni, (UniSelection{UniVersion::kUni31, true}));
  ASSERT_EQ(c.vpci.size(), 2u);
  EXPECT_EQ(c.vpci[1].vpci, 8);
  EXPECT_EQ(c.vpci[1].itf, 2);
  ASSERT_EQ(c.policy.size(), 2u);
  EXPECT_FALSE(c.policy[0].allow);
  EXPECT_TRUE(c.policy[0].from);
  EXPECT_EQ(c.policy[0].address.bits, 40);
  EXPECT_TRUE(c.policy[1].allow);
  EXPECT_FALSE(c.policy[1].from);
  ASSERT_EQ(c.entities.size(), 2u);
  EXPECT_EQ(c.entities[0].mode, SigMode::kUser);
  EXPECT_EQ(c.entities[0].max_rate, 1000);
  ASSERT_EQ(c.entities[0].routes.size(), 1u);
  EXPECT_EQ(c.entities[0].routes[0].bits, 4);
  EXPECT_TRUE(c.entities[0].is_default);
  EXPECT_EQ(c.entities[1].vc.sap_addr.itf, 1);
  EXPECT_EQ(c.entities[1].vc.sap_addr.vci, 5);
}

TEST(ConfigFile, LineBreaksAnywhereAndEmptyGroups) {
  const auto c = ok("sig\nmode\n\nuser\nio { }\ndebug trace");
  EXPECT_EQ(c.mode, SigMode::kUser);
  EXPECT_EQ(c.trace, 20);
}

TEST(ConfigFile, UniCombinations) {
  EXPECT_EQ(ok("sig uni30").uni, UniSelection{UniVersion::kUni30});
  EXPECT_EQ(ok("sig uni31").uni, UniSelection{UniVersion::kUni31});
  EXPECT_EQ(ok("sig { uni30 uni31 }").uni, (UniSelection{UniVersion::kUni31, true}));
  EXPECT_EQ(ok("sig uni40 sig q.2963.1").uni, (UniSelection{UniVersion::kUni40, false, true}));
  EXPECT_EQ(err("sig q.2963.1"), "t.conf:1: Incompatible UNI mode near \"q.2963.1\"");
  EXPECT_EQ(err("sig uni40\nsig uni30"), "t.conf:2: Incompatible UNI mode near \"uni30\"");
}

TEST(ConfigFile, ObsoletePcrWarns) {
  const auto c = ok("io pcr 100");
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0], "t.conf:1: io pcr is obsolete, please use io qos instead");
}

TEST(ConfigFile, OurKeywords) {
  const auto c =
      ok("sig timer t303 4s\nsig { timer t316 120 timer t322 750ms }\n"
         "saal { timer cc 1s timer poll 750ms max_cc 4 max_pd 25 max_stat 67 window 30 }\n"
         "io { udp local 127.0.0.1:5000 udp peer 127.0.0.1:5001 pcap /tmp/sig.pcap pcap_rotate 10M "
         "local 47.0005.80ffe1000000f21a26d8.0020ea000ee0.00 }");
  EXPECT_EQ(c.sig_timers.at("t303"), std::chrono::seconds(4));
  EXPECT_EQ(c.sig_timers.at("t316"), std::chrono::seconds(120));
  EXPECT_EQ(c.sig_timers.at("t322"), std::chrono::milliseconds(750));
  EXPECT_EQ(c.saal_timers.at("poll"), std::chrono::milliseconds(750));
  EXPECT_EQ(c.saal_params.at("max_stat"), 67);
  EXPECT_EQ(c.udp_local, (UdpEndpoint{"127.0.0.1", 5000}));
  EXPECT_EQ(c.udp_peer, (UdpEndpoint{"127.0.0.1", 5001}));
  EXPECT_EQ(c.pcap, "/tmp/sig.pcap");
  EXPECT_EQ(c.pcap_rotate, 10'000'000u);
  ASSERT_EQ(c.local_addresses.size(), 1u);
}

// "sig restart_on_link_up" (ours; the original's THOMFLEX build): a flag.
TEST(ConfigFile, RestartOnLinkUp) {
  EXPECT_FALSE(ok("sig uni40").restart_on_link_up);
  EXPECT_TRUE(ok("sig restart_on_link_up").restart_on_link_up);
  EXPECT_TRUE(ok("sig { uni40 restart_on_link_up timer t316 60s }").restart_on_link_up);
  EXPECT_EQ(err("sig restart_on_link_up yes"), "t.conf:1: syntax error near \"yes\"");
}

// "sig connected_number" (ours; COLP in CONNECT): a flag, off by default.
TEST(ConfigFile, ConnectedNumber) {
  EXPECT_FALSE(ok("sig uni40").connected_number);
  EXPECT_TRUE(ok("sig connected_number").connected_number);
  EXPECT_TRUE(ok("sig { uni40 connected_number level debug }").connected_number);
  EXPECT_EQ(err("sig connected_number on"), "t.conf:1: syntax error near \"on\"");
  EXPECT_EQ(err("io connected_number"), "t.conf:1: syntax error near \"connected_number\"");
}

TEST(ConfigFile, SocketOwnerGroupAndMode) {
  // root and group root exist on every system; numbers are taken as they are.
  const auto c = ok("io { socket owner root socket group root\n socket mode 0660 }");
  EXPECT_EQ(c.socket_owner, 0u);
  EXPECT_EQ(c.socket_group, 0u);
  EXPECT_EQ(c.socket_mode, 0660u);
  EXPECT_EQ(c.socket_owner_name, "root");
  const auto n = ok("io socket owner 4242\nio socket group 4343\nio socket mode 640");
  EXPECT_EQ(n.socket_owner, 4242u);
  EXPECT_EQ(n.socket_group, 4343u);
  EXPECT_EQ(n.socket_mode, 0640u);
  EXPECT_FALSE(ok("io level info").socket_mode);  // unset: the default 0600 applies
}

TEST(ConfigFile, VcRangesGlobalAndPerEntity) {
  const auto c = ok(R"(sig vc_range 0-15 32-65535
sig { vpci 256 itf 1
      vc_range 256-511 1000-1999 }  # VPI 0-255 on interface 1
entity 0.0.5 { mode network vc_range 1-2 100-199 vc_range 3 40 }
entity 0.1.5
)");
  ASSERT_EQ(c.vc_ranges.size(), 2u);
  EXPECT_EQ(c.vc_ranges[0].first_vpci, 0);
  EXPECT_EQ(c.vc_ranges[0].last_vpci, 15);
  EXPECT_EQ(c.vc_ranges[0].first_vci, 32);
  EXPECT_EQ(c.vc_ranges[0].last_vci, 65535);
  EXPECT_EQ(c.vc_ranges[0].line, 1);
  EXPECT_EQ(c.vc_ranges[1].text(), "256-511 1000-1999");
  EXPECT_EQ(c.vc_ranges[1].line, 3);
  ASSERT_EQ(c.entities[0].vc_ranges.size(), 2u);
  EXPECT_EQ(c.entities[0].vc_ranges[0].text(), "1-2 100-199");
  EXPECT_EQ(c.entities[0].vc_ranges[1].first_vpci, 3);
  EXPECT_EQ(c.entities[0].vc_ranges[1].last_vpci, 3);
  EXPECT_EQ(c.entities[0].vc_ranges[1].first_vci, 40);
  EXPECT_EQ(c.entities[0].vc_ranges[1].last_vci, 40);
  EXPECT_TRUE(c.entities[1].vc_ranges.empty());  // takes the global ones
  // An entity's own VPCI rule decides its VPIs: VPCI 300 is VPI 200 there.
  EXPECT_EQ(ok("sig vc_range 300 32\nentity 0.0.5 { vpci 100 itf 1 }").vc_ranges.size(), 1u);
  // The same range twice in different places is no overlap.
  EXPECT_EQ(ok("sig vc_range 0 32\nentity 0.0.5 { vc_range 0 32 }").vc_ranges.size(), 1u);
}

struct Bad {
  const char* text;
  const char* error;
};

class ConfigErrors : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigErrors, NameFileLineAndWord) {
  EXPECT_EQ(err(GetParam().text), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, ConfigErrors,
    ::testing::Values(
        Bad{"sig mode net", "t.conf:1: syntax error (modes: user, network, switch) near \"net\""},
        Bad{"\n\nsig mode user;",
            "t.conf:3: syntax error (modes: user, network, switch) near \"user;\""},
        Bad{"SIG mode user", "t.conf:1: syntax error near \"SIG\""},
        Bad{"debug level verbose",
            "t.conf:1: syntax error (levels: debug, info, warn, error, fatal) near \"verbose\""},
        Bad{"sig level", "t.conf:1: syntax error near \"\""},
        Bad{"debug dump", "t.conf:1: syntax error near \"\""},
        Bad{"sig uni31 uni30", "t.conf:1: syntax error near \"uni30\""},
        Bad{"sig vpci 0x4 itf 1", "t.conf:1: syntax error near \"0x4\""},
        Bad{"sig vpci 4 1", "t.conf:1: syntax error (sig vpci N itf M) near \"1\""},
        Bad{"io vc 5", "t.conf:1: syntax error (expected [itf.]vpi.vci) near \"5\""},
        Bad{"io qos bogus", "t.conf:1: invalid QoS (see qos(7)) near \"bogus\""},
        Bad{"io max_rate fast", "t.conf:1: invalid rate (see qos(7)) near \"fast\""},
        Bad{"io vc 0.0.5\nentity 0.0.6",
            "t.conf:2: can't use io vc and entity in the same configuration near \"0.0.6\""},
        Bad{"entity 0.0.6\nsig level debug", "t.conf:2: syntax error near \"sig\""},
        Bad{"entity 0.0.6 { default default }",
            "t.conf:1: duplicate default route near \"default\""},
        Bad{"entity 0.0.6 { default }\nentity 0.0.7 { default }",
            "t.conf:2: duplicate default route near \"default\""},
        Bad{"entity 0.0.6 { mode user", "t.conf:1: missing \"}\" near \"\""},
        Bad{"entity 0.0.6 { route +4121/2 }\nentity 0.0.7 { route +4199/2 }",
            "t.conf:2: duplicate route near \"+4199/2\""},
        Bad{"entity 0.0.6 { route 47.0005/8 route 47.0005/8 }",
            "t.conf:1: duplicate route near \"47.0005/8\""},
        Bad{"entity 0.0.6\nentity 0.0.6 { }", "t.conf:2: duplicate PVC address near \"0.0.6\""},
        Bad{"entity 0.0.6 { udp peer 5000 }",
            "t.conf:1: invalid endpoint (host:port) near \"5000\""},
        Bad{"entity 0.0.6 { udp local 5000 }", "t.conf:1: udp local needs udp peer near \"}\""},
        Bad{"entity 0.0.6 { udp far 1 }",
            "t.conf:1: syntax error (udp local|peer ENDPOINT) near \"far\""},
        Bad{"sig { mode user", "t.conf:1: missing \"}\" near \"\""},
        Bad{"}", "t.conf:1: syntax error near \"}\""},
        Bad{"policy allow from 47.0005.80ffe1000000f21a26d8.0020ea000ee0.00/161",
            "t.conf:1: prefix length above 160 bits near "
            "\"47.0005.80ffe1000000f21a26d8.0020ea000ee0.00/161\""},
        Bad{"policy allow to +4121/13",
            "t.conf:1: prefix length above 12 digits near \"+4121/13\""},
        Bad{"policy allow via +4121", "t.conf:1: syntax error (from or to) near \"via\""},
        Bad{"policy allow from zz", "t.conf:1: invalid ATM address near \"zz\""},
        Bad{"sig timer t999 4s", "t.conf:1: unknown signaling timer near \"t999\""},
        Bad{"sig timer t303 soon", "t.conf:1: invalid duration (e.g. 4s, 750ms) near \"soon\""},
        Bad{"saal max_cc 0", "t.conf:1: must be at least 1 near \"0\""},
        Bad{"io udp peer 5000", "t.conf:1: invalid endpoint (host:port) near \"5000\""},
        Bad{"io udp side 1", "t.conf:1: syntax error (io udp local|peer ENDPOINT) near \"side\""},
        Bad{"io pcap_rotate 0", "t.conf:1: invalid size (e.g. 10M) near \"0\""},
        Bad{"io socket mode 0666",
            "t.conf:1: mode gives access to other users (any local user could become the user "
            "of signaling); use owner and group near \"0666\""},
        Bad{"io socket mode 0602",
            "t.conf:1: mode gives access to other users (any local user could become the user "
            "of signaling); use owner and group near \"0602\""},
        Bad{"io socket mode 0680",
            "t.conf:1: invalid mode (octal permission bits, e.g. 0660) near \"0680\""},
        Bad{"io socket mode 4660",
            "t.conf:1: invalid mode (octal permission bits, e.g. 0660) near \"4660\""},
        Bad{"io socket mode rw",
            "t.conf:1: invalid mode (octal permission bits, e.g. 0660) near \"rw\""},
        Bad{"io level info\nio socket owner no-such-user-atmsigd",
            "t.conf:2: unknown user near \"no-such-user-atmsigd\""},
        Bad{"io { socket group no-such-group-atmsigd }",
            "t.conf:1: unknown group near \"no-such-group-atmsigd\""},
        Bad{"io socket perms 0660",
            "t.conf:1: syntax error (io socket owner|group|mode VALUE) near \"perms\""},
        Bad{"sig vc_range 0 31-100", "t.conf:1: VCIs 0-31 are reserved near \"31-100\""},
        Bad{"sig vc_range 0 5", "t.conf:1: VCIs 0-31 are reserved near \"5\""},
        Bad{"sig vc_range 0 32-65536", "t.conf:1: VCI above 65535 (16 bits) near \"32-65536\""},
        Bad{"sig vc_range 65536 32", "t.conf:1: VPCI above 65535 (16 bits) near \"65536\""},
        Bad{"sig vc_range 5-4 32", "t.conf:1: empty range (first above last) near \"5-4\""},
        Bad{"sig vc_range 0 100-50", "t.conf:1: empty range (first above last) near \"100-50\""},
        Bad{"sig vc_range 0-x 32",
            "t.conf:1: syntax error (vc_range VPCI[-VPCI] VCI[-VCI]) near \"0-x\""},
        Bad{"sig vc_range 0 32-",
            "t.conf:1: syntax error (vc_range VPCI[-VPCI] VCI[-VCI]) near "
            "\"32-\""},
        Bad{"sig vc_range 0", "t.conf:1: syntax error near \"\""},
        Bad{"sig vc_range 0-1 32-100\nsig vc_range 1 100-200",
            "t.conf:2: overlaps the vc_range on line 1 near \"1\""},
        Bad{"entity 0.0.5 { vc_range 0 32\nvc_range 0 32-40 }",
            "t.conf:2: overlaps the vc_range on line 1 near \"0\""},
        Bad{"sig vc_range 256 32",
            "t.conf:1: VPCI 256 gives VPI 256, above 255 (8 bits at a UNI; see vpci N itf M) "
            "near \"256\""},
        Bad{"sig { vpci 256 itf 1 vc_range 0-512 32 }",
            "t.conf:1: VPCI 512 gives VPI 256, above 255 (8 bits at a UNI; see vpci N itf M) "
            "near \"0-512\""},
        Bad{"sig vpci 300 itf 1\nsig vc_range 0-400 32",
            "t.conf:2: VPCI 299 gives VPI 299, above 255 (8 bits at a UNI; see vpci N itf M) "
            "near \"0-400\""},
        Bad{"sig vc_range 300 32\nentity 0.0.5 { vpci 100 itf 1 }\nentity 0.1.5",
            "t.conf:1: VPCI 300 gives VPI 300, above 255 (8 bits at a UNI; see vpci N itf M) "
            "near \"300\""}));

TEST(ConfigFile, EntitiesKeepEverythingTheySay) {
  const auto c = ok(R"(sig vpci 0 itf 0
entity 0.0.5 { udp local 127.0.0.1:7000 udp peer 127.0.0.1:7001 route +4121/4 route +4122 }
entity 1.2.5 { vpci 4 itf 3 vpci 4 itf 5 max_rate 10Mbps qos cbr mode network default }
)");
  ASSERT_EQ(c.entities.size(), 2u);
  const auto& a = c.entities[0];
  EXPECT_EQ(a.udp_local, (UdpEndpoint{"127.0.0.1", 7000}));
  EXPECT_EQ(a.udp_peer, (UdpEndpoint{"127.0.0.1", 7001}));
  ASSERT_EQ(a.routes.size(), 2u);
  EXPECT_EQ(a.routes[0].bits, 4);
  EXPECT_FALSE(a.routes[1].bits);
  EXPECT_FALSE(a.is_default);
  const auto& b = c.entities[1];
  EXPECT_EQ(b.vc.sap_addr.itf, 1);
  EXPECT_EQ(b.vc.sap_addr.vpi, 2);
  ASSERT_EQ(b.vpci.size(), 1u);  // the second "vpci 4" is ignored, with a warning
  EXPECT_EQ(b.vpci[0].itf, 3);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0], "t.conf:3: ignoring duplicate VPCI 4 (itf 5)");
  EXPECT_EQ(b.max_rate, 10000000 / 384);
  EXPECT_EQ(b.qos, "cbr");
  EXPECT_EQ(b.mode, SigMode::kNetwork);
  EXPECT_TRUE(b.is_default);
  EXPECT_FALSE(b.udp_peer);
}

TEST(ConfigFile, MissingFileIsAnError) {
  auto r = load_config("/nonexistent/atmsigd.conf");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(r));
  EXPECT_EQ(std::get<ConfigError>(r).line, 0);
}

// Differential check: the original accepts exactly what we accept, over a
// corpus of its own grammar, except the deliberate differences listed in
// docs/config.md.
struct Corpus {
  const char* text;
  bool differs;  // a deliberate difference: we decide the opposite
};

bool original_accepts(const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto conf = (dir / ("orig-" + std::to_string(::getpid()) + ".conf")).string();
  const auto sock = (dir / ("orig-" + std::to_string(::getpid()) + ".sock")).string();
  std::ofstream(conf) << text;
  const std::string cmd = "timeout 5 atmsigd -c " + conf + " -l stderr 0.0.5 " + sock + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    ::pclose(p);
  }
  std::filesystem::remove(conf);
  std::filesystem::remove(sock);
  // Past the configuration it opens the signaling PVC, which fails here.
  return out.find("socket:") != std::string::npos;
}

TEST(ConfigFileVsOriginal, SameDecisions) {
  if (std::system("test -x /usr/sbin/atmsigd") != 0)
    GTEST_SKIP() << "Debian's atmsigd (atm-tools) is not installed";
  const Corpus corpus[] = {
      {"sig mode net", false},
      {"sig mode network", false},
      {"sig { mode network level debug }", false},
      {"level debug", false},
      {"debug trace", false},
      {"debug trace 50", false},
      {"io vc 0.0.5\nentity 0.0.6", false},
      {"entity 0.0.6\nsig level debug", false},
      {"entity 0.0.6 { vpci 0 itf 1 mode user qos ubr max_rate 1000 route 47.0005/8 default }",
       false},
      {"policy allow from 47.0005.80ffe1000000f21a26d8.0020ea000ee0.00/40", false},
      {"policy reject to +4121", false},
      {"io max_rate 353207", false},
      {"io max_rate 10Mbps", false},
      {"io pcr 100", false},
      {"sig uni30 sig uni31", false},
      {"sig { uni40 q.2963.1 }", false},
      {"sig vpci 4 itf 1", false},
      {"debug level fatal", false},
      {"debug level verbose", false},
      {"saal level warn", false},
      {"saal { level warn }", false},
      {"io qos \"ubr,aal5\"", false},
      {"io qos ubr", false},
      {"debug log /tmp/x.log", false},
      {"# comment\n", false},
      {"sig\nmode\nuser", false},
      {"debug dump /tmp", false},
      {"entity 0.0.6 { route 47.0005/8 }\nentity 0.0.7 { default }", false},
      {"entity 0.0.6\nentity 0.0.7", false},
      {"SIG mode user", false},
      {"sig mode switch", false},
      {"sig vpci 0x4 itf 1", false},
      {"policy level debug", false},
      {"policy allow from +4121/3", false},
      {"io vc 1.0.5", false},
      {"io vc 0.5", false},
      {"io vc 5", false},
      {"debug trace 0", false},
      {"sig level", false},
      {"debug { level warn dump /var/tmp log syslog trace 100 }", false},
      {"sig {\n mode user\n}\nio { qos ubr }", false},
      {"entity 0.0.6 { qos ubr,aal5:max_pcr=1000 }", false},
      {"entity 0.0.6 { }", false},
      {"sig { }", false},
      {"sig mode user;", false},
      {"sig uni31 uni30", false},
      {"sig q.2963.1", false},
      {"debug log stderr", false},
      {"debug dump", false},
      {"entity 0.0.6 { default default }", false},
      {"entity 0.0.6 { route 47.0005/8 route 47.0005/8 }", false},
      {"entity 0.0.6 { route 47.0005/4 }\nentity 0.0.7 { route 47.0005/6 }", false},
      {"entity 0.0.6 { route +4121 }\nentity 0.0.7 { route +4121 }", false},
      {"entity 0.0.6\nentity 0.0.6", false},
      {"entity 1.0.6\nentity 0.0.6", false},
      {"sig { vpci 4 itf 1 vpci 4 itf 2 }", false},
      {"entity 0.0.6 { max_rate 10Mbps vpci 4 itf 1 mode network }\nentity 0.0.7 { mode user }",
       false},
      // Deliberate: the man page allows comments anywhere; the original
      // rejects one after a keyword on the same line.
      {"sig mode user # trailing", true},
      // Deliberate: more significant bits than an NSAP address has.
      {"policy allow to 47.0005.80ffe1000000f21a26d8.0020ea000ee0.00/161", true},
  };
  for (const auto& c : corpus) {
    const bool ours = std::holds_alternative<Config>(parse_config(c.text, "t.conf"));
    const bool theirs = original_accepts(c.text);
    if (c.differs)
      EXPECT_NE(ours, theirs) << "deliberate difference no longer holds: " << c.text;
    else
      EXPECT_EQ(ours, theirs) << "decision differs from the original's for: " << c.text;
  }
}

}  // namespace
}  // namespace atmsigd::config

namespace atmsigd::config {
namespace {

TEST(MergeConfig, CommandLineHasPriority) {
  const char* argv[] = {"atmsigd", "-m", "user", "-D", "/cli", "1.0.16", "/tmp/s"};
  auto r = parse_options(7, argv);
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  const auto cfg = std::get<Config>(parse_config(
      "sig { mode network uni40 }\ndebug { dump /conf trace 7 log /tmp/l }\nio vc 0.0.5\n"
      "io udp peer 127.0.0.1:9 io pcap /tmp/p.pcap",
      "t.conf"));
  const auto notes = merge_config(cfg, r.options);
  EXPECT_TRUE(notes.empty());
  EXPECT_EQ(r.options.mode, SigMode::kUser);                   // -m beats sig mode
  EXPECT_EQ(r.options.dump_dir, "/cli");                       // -D beats debug dump
  EXPECT_EQ(r.options.signaling_vc.sap_addr.vci, 16);          // positional beats io vc
  EXPECT_EQ(r.options.uni, UniSelection{UniVersion::kUni40});  // from the file
  EXPECT_EQ(r.options.trace_length, 7);
  EXPECT_EQ(r.options.log_dest, "/tmp/l");
  EXPECT_EQ(r.options.udp_peer, (UdpEndpoint{"127.0.0.1", 9}));
  EXPECT_EQ(r.options.pcap_file, "/tmp/p.pcap");
}

TEST(MergeConfig, SocketAccessFromTheFileElseMode0600) {
  const char* argv[] = {"atmsigd", "0.0.5", "/tmp/s"};
  auto r = parse_options(3, argv);
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  EXPECT_EQ(r.options.socket_access.mode, 0600u);
  EXPECT_FALSE(r.options.socket_access.owner);
  merge_config(std::get<Config>(parse_config("io socket group root io socket mode 0660", "t.conf")),
               r.options);
  EXPECT_EQ(r.options.socket_access.mode, 0660u);
  EXPECT_EQ(r.options.socket_access.group, 0u);
  EXPECT_FALSE(r.options.socket_access.owner);
  EXPECT_EQ(r.options.socket_access.describe(), "mode 0660, group root");
}

TEST(MergeConfig, FileAppliesWhenTheCommandLineIsSilent) {
  const char* argv[] = {"atmsigd"};
  auto r = parse_options(1, argv);
  // io vc and entity exclude each other, so two configurations.
  auto r2 = parse_options(1, argv);
  const auto with_entities =
      std::get<Config>(parse_config("policy allow to +4121\nentity 1.0.5\nentity 2.0.5", "t.conf"));
  const auto notes = merge_config(with_entities, r2.options);
  EXPECT_EQ(r2.options.signaling_vc.sap_addr.itf, 1);
  EXPECT_TRUE(notes.empty());
  EXPECT_EQ(r2.options.entities.size(), 2u);
  EXPECT_EQ(r2.options.policy.size(), 1u);
  merge_config(std::get<Config>(parse_config("debug level debug\nio vc 1.0.7", "t.conf")),
               r.options);
  EXPECT_EQ(r.options.group_levels.at("debug"), Level::kDebug);
  EXPECT_EQ(r.options.signaling_vc.sap_addr.vci, 7);
}

Options merged(std::initializer_list<const char*> args, const std::string& conf) {
  std::vector<const char*> argv{"atmsigd"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = parse_options(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(r.status, ParseStatus::kRun) << r.message;
  auto parsed = parse_config(conf, "t.conf");
  if (auto* e = std::get_if<ConfigError>(&parsed)) {
    ADD_FAILURE() << e->text();
    return r.options;
  }
  merge_config(std::get<Config>(parsed), r.options);
  return r.options;
}

TEST(SignalingEntities, WithoutEntitiesOneFromTheGlobalItems) {
  const auto o = merged({"-q", "ubr", "--udp-local", "7000", "--udp-peer", "127.0.0.1:7001"},
                        "sig { mode network vpci 4 itf 1 }\nio { vc 1.0.6 max_rate 1000 }");
  const auto e = signaling_entities(o);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].vc.sap_addr.itf, 1);
  EXPECT_EQ(e[0].vc.sap_addr.vci, 6);
  EXPECT_EQ(e[0].mode, SigMode::kNetwork);
  EXPECT_EQ(e[0].qos, "ubr");
  EXPECT_EQ(e[0].max_rate, 1000);
  ASSERT_EQ(e[0].vpci.size(), 1u);
  EXPECT_EQ(e[0].vpci[0].itf, 1);
  EXPECT_EQ(e[0].udp_peer, (UdpEndpoint{"127.0.0.1", 7001}));
  EXPECT_EQ(e[0].udp_local, (UdpEndpoint{"", 7000}));
  EXPECT_TRUE(e[0].routes.empty());
  // Nothing said at all: the original's defaults.
  const auto d = signaling_entities(merged({}, ""));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].vc.sap_addr.vci, 5);
  EXPECT_EQ(d[0].mode, SigMode::kUser);
  EXPECT_EQ(d[0].max_rate, kDefaultMaxRate);
  EXPECT_FALSE(d[0].udp_peer);
}

TEST(SignalingEntities, EachEntityInheritsWhatItDoesNotSay) {
  const auto o = merged({"--udp-local", "7000", "--udp-peer", "127.0.0.1:7001"}, R"(
sig { mode network vpci 0 itf 2 vpci 8 itf 3 }
io { max_rate 5000 qos ubr }
entity 0.0.5 { route +4121/4 }
entity 0.1.5 { mode user vpci 8 itf 7 max_rate 1000 qos cbr default
               udp local 127.0.0.1:7002 udp peer 127.0.0.1:7003 }
entity 0.2.5
)");
  const auto e = signaling_entities(o);
  ASSERT_EQ(e.size(), 3u);
  // The first: global mode, rate, qos and VPCI rules; the global UDP link.
  EXPECT_EQ(e[0].vc.sap_addr.vpi, 0);
  EXPECT_EQ(e[0].mode, SigMode::kNetwork);
  EXPECT_EQ(e[0].max_rate, 5000);
  EXPECT_EQ(e[0].qos, "ubr");
  EXPECT_EQ(e[0].vpci.size(), 2u);
  ASSERT_EQ(e[0].routes.size(), 1u);
  EXPECT_EQ(e[0].routes[0].text, "+4121/4");
  EXPECT_EQ(e[0].udp_peer, (UdpEndpoint{"127.0.0.1", 7001}));
  // The second says everything itself; its vpci 8 replaces the global one.
  EXPECT_EQ(e[1].vc.sap_addr.vpi, 1);
  EXPECT_EQ(e[1].mode, SigMode::kUser);
  EXPECT_EQ(e[1].max_rate, 1000);
  EXPECT_EQ(e[1].qos, "cbr");
  ASSERT_EQ(e[1].vpci.size(), 2u);
  EXPECT_EQ(e[1].vpci[0].vpci, 0);
  EXPECT_EQ(e[1].vpci[0].itf, 2);
  EXPECT_EQ(e[1].vpci[1].vpci, 8);
  EXPECT_EQ(e[1].vpci[1].itf, 7);
  EXPECT_TRUE(e[1].is_default);
  EXPECT_EQ(e[1].udp_local, (UdpEndpoint{"127.0.0.1", 7002}));
  EXPECT_EQ(e[1].udp_peer, (UdpEndpoint{"127.0.0.1", 7003}));
  // The third has no UDP link: it runs on its PVC.
  EXPECT_FALSE(e[2].udp_peer);
  EXPECT_EQ(e[2].describe(), "0.2.5 network, qos ubr, max_rate 5000, vpci 0 itf 2, vpci 8 itf 3");
}

TEST(SignalingEntities, VcRangesTheEntitysElseTheGlobalOnes) {
  const auto o = merged({}, R"(
sig { mode network vc_range 0-15 32-65535 }
entity 0.0.5 { vc_range 1 100-199 vc_range 2 100 }
entity 0.1.5
)");
  const auto e = signaling_entities(o);
  ASSERT_EQ(e.size(), 2u);
  ASSERT_EQ(e[0].vc_ranges.size(), 2u);
  EXPECT_EQ(e[0].vc_ranges[1].text(), "2 100");
  ASSERT_EQ(e[1].vc_ranges.size(), 1u);
  EXPECT_EQ(e[1].vc_ranges[0].text(), "0-15 32-65535");
  EXPECT_EQ(e[0].describe(), "0.0.5 network, vc_range 1 100-199, vc_range 2 100");
  EXPECT_EQ(e[1].describe(), "0.1.5 network, vc_range 0-15 32-65535");
  // Without any: none, which call control takes as its default.
  EXPECT_TRUE(signaling_entities(merged({}, ""))[0].vc_ranges.empty());
}

TEST(SignalingEntities, CommandLineHasPriorityOverTheEntity) {
  const auto o = merged({"-m", "user", "-q", "ubr", "1.0.9"},
                        "entity 0.0.5 { mode network qos cbr }\nentity 0.0.6 { mode network }");
  const auto e = signaling_entities(o);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].vc.sap_addr.itf, 1);  // the positional VC is the first entity's
  EXPECT_EQ(e[0].vc.sap_addr.vci, 9);
  EXPECT_EQ(e[0].mode, SigMode::kUser);
  EXPECT_EQ(e[0].qos, "ubr");
  EXPECT_EQ(e[1].vc.sap_addr.vci, 6);
  EXPECT_EQ(e[1].mode, SigMode::kUser);
}

}  // namespace
}  // namespace atmsigd::config

namespace atmsigd::config {
namespace {

TEST(ConfigFile, TheShippedExampleParses) {
  auto r = load_config(ATMSIGD_SOURCE_DIR "/conf/atmsigd.conf");
  ASSERT_TRUE(std::holds_alternative<Config>(r)) << std::get<ConfigError>(r).text();
  const auto& c = std::get<Config>(r);
  EXPECT_EQ(c.mode, SigMode::kUser);
  EXPECT_EQ(c.uni, UniSelection{UniVersion::kUni30});
  EXPECT_EQ(c.sig_timers.size(), 8u);
  EXPECT_EQ(c.saal_timers.size(), 5u);
}

}  // namespace
}  // namespace atmsigd::config

namespace atmsigd::config {
namespace {

// Issue 18: the control socket's path and access, file and command line.
TEST(ConfigFile, ControlSocket) {
  const auto c = ok("io { control /run/x.ctl control group root control mode 0660 }");
  EXPECT_EQ(c.control_path, "/run/x.ctl");
  EXPECT_EQ(c.control_group, 0u);
  EXPECT_EQ(c.control_mode, 0660u);
  EXPECT_EQ(ok("io control off").control_path, "off");
  EXPECT_FALSE(ok("io level info").control_path);  // unset: the default path
  EXPECT_EQ(err("io control run/x.ctl"),
            "t.conf:1: syntax error (io control PATH|off, io control owner|group|mode VALUE) "
            "near \"run/x.ctl\"");
  EXPECT_EQ(err("io control mode 0606"),
            "t.conf:1: mode gives access to other users (any local user could release every "
            "call); use owner and group near \"0606\"");
  EXPECT_EQ(err("io control owner no-such-user-atmsigd"),
            "t.conf:1: unknown user near \"no-such-user-atmsigd\"");
}

TEST(MergeConfig, ControlSocketTheCommandLineWinsItemByItem) {
  const char* argv[] = {"atmsigd", "--control", "/tmp/a.ctl", "--control-mode",
                        "0640",    "0.0.5",     "/tmp/s"};
  auto r = parse_options(7, argv);
  ASSERT_EQ(r.status, ParseStatus::kRun) << r.message;
  merge_config(std::get<Config>(parse_config(
                   "io control /tmp/b.ctl io control mode 0660 io control group root", "t.conf")),
               r.options);
  EXPECT_EQ(r.options.control_path, "/tmp/a.ctl");
  EXPECT_EQ(r.options.control_access.mode, 0640u);
  EXPECT_EQ(r.options.control_access.group, 0u);
  const char* bad[] = {"atmsigd", "--control", "relative.ctl"};
  EXPECT_EQ(parse_options(3, bad).status, ParseStatus::kUsageError);
  const char* others[] = {"atmsigd", "--control-mode", "0666"};
  EXPECT_EQ(parse_options(3, others).status, ParseStatus::kUsageError);
  const char* nobody[] = {"atmsigd", "--control-owner", "no-such-user-atmsigd"};
  EXPECT_EQ(parse_options(3, nobody).status, ParseStatus::kUsageError);
  const char* none[] = {"atmsigd"};
  EXPECT_FALSE(
      parse_options(1, none).options.control_path);  // the default, if its directory exists
}

}  // namespace
}  // namespace atmsigd::config
