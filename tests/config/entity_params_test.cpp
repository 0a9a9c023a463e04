// What atmsigd.conf's keywords do to Q.2931 call control: each signaling
// entity's callctl::UniParams (side, interface, VPCI mapping, link rate,
// UNI version, Q.2931 and SAAL timers and parameters), as the demon builds them.
#include <gtest/gtest.h>

#include <initializer_list>

#include "atmsigd/config/config_file.hpp"
#include "atmsigd/io/demon.hpp"

namespace atmsigd::config {
namespace {

using namespace std::chrono_literals;

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

std::vector<callctl::UniParams> params_of(const Options& o) {
  std::vector<callctl::UniParams> out;
  for (const auto& e : signaling_entities(o)) out.push_back(io::entity_uni_params(o, e));
  return out;
}

TEST(EntityParams, DefaultsAreTheOriginals) {
  const auto p = params_of(merged({}, ""));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].side, callctl::Side::kUser);
  EXPECT_EQ(p[0].version, q2931::Version::kUni30);
  EXPECT_EQ(p[0].itf, 0);
  EXPECT_TRUE(p[0].vpci_map.empty());
  EXPECT_EQ(p[0].link_rate, 353207);
  // The network side allocates VPCI 0, VCI 32-65535, as it always did.
  EXPECT_EQ(p[0].vc_ranges, (std::vector<callctl::VcRange>{{0, 0, 32, 65535}}));
  EXPECT_EQ(p[0].t303, 4s);
  EXPECT_EQ(p[0].t308, 30s);
}

// "sig restart_on_link_up" reaches every entity's UniParams; off by default.
TEST(EntityParams, RestartOnLinkUp) {
  EXPECT_FALSE(params_of(merged({}, "")).at(0).restart_on_link_up);
  const auto p = params_of(merged({}, R"(
sig restart_on_link_up
entity 0.0.5 { mode user }
entity 1.0.5 { mode network }
)"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(p[0].restart_on_link_up);
  EXPECT_TRUE(p[1].restart_on_link_up);
}

// "sig connected_number" reaches every entity's UniParams; off by default (the
// original clears a call whose CONNECT carries the IE).
TEST(EntityParams, ConnectedNumber) {
  EXPECT_FALSE(params_of(merged({"-u", "uni40"}, "")).at(0).connected_number);
  const auto p = params_of(merged({}, R"(
sig { uni40 connected_number }
entity 0.0.5 { mode user }
entity 1.0.5 { mode network }
)"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(p[0].connected_number);
  EXPECT_TRUE(p[1].connected_number);
}

TEST(EntityParams, GlobalKeywords) {
  const auto p = params_of(merged({}, R"(
sig { mode network uni31 vpci 4 itf 1 vpci 8 itf 2
      timer t301 100s timer t303 2s timer t308 20s timer t309 5s timer t310 9s
      timer t313 3s timer t316 60s timer t317 45s timer t322 1500ms }
io { vc 2.0.5 max_rate 10Mbps }
saal { timer cc 2s timer poll 500ms timer keepalive 3s timer noresponse 9s timer idle 20s
       max_cc 6 max_pd 30 max_stat 40 window 50 }
)"));
  ASSERT_EQ(p.size(), 1u);
  const auto& u = p[0];
  EXPECT_EQ(u.side, callctl::Side::kNetwork);
  EXPECT_EQ(u.version, q2931::Version::kUni31);
  EXPECT_EQ(u.itf, 2);
  ASSERT_EQ(u.vpci_map.size(), 2u);
  EXPECT_EQ(u.vpci_map[1].vpci, 8);
  EXPECT_EQ(u.vpci_map[1].itf, 2);
  EXPECT_EQ(u.link_rate, 10000000 / 384);
  EXPECT_EQ(u.t301, 100s);
  EXPECT_EQ(u.t303, 2s);
  EXPECT_EQ(u.t308, 20s);
  EXPECT_EQ(u.t309, 5s);
  EXPECT_EQ(u.t310, 9s);
  EXPECT_EQ(u.t313, 3s);
  EXPECT_EQ(u.t316, 60s);
  EXPECT_EQ(u.t317, 45s);
  EXPECT_EQ(u.t322, 1500ms);
  const auto& s = u.sscf.sscop;
  EXPECT_EQ(s.timer_cc, 2s);
  EXPECT_EQ(s.timer_poll, 500ms);
  EXPECT_EQ(s.timer_keepalive, 3s);
  EXPECT_EQ(s.timer_noresponse, 9s);
  EXPECT_EQ(s.timer_idle, 20s);
  EXPECT_EQ(s.max_cc, 6u);
  EXPECT_EQ(s.max_pd, 30u);
  EXPECT_EQ(s.max_stat, 40u);
  EXPECT_EQ(s.window, 50u);
}

TEST(EntityParams, EachEntityItsOwnSideInterfaceMappingAndRate) {
  const auto p = params_of(merged({"--local-address", "+4121"}, R"(
sig { uni40 timer t303 2s }
io max_rate 1000
entity 0.0.5 { mode user }
entity 1.0.5 { mode network vpci 0 itf 3 max_rate 2000 }
entity 2.0.5 { mode switch }
)"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].side, callctl::Side::kUser);
  EXPECT_EQ(p[1].side, callctl::Side::kNetwork);
  EXPECT_EQ(p[2].side, callctl::Side::kNetwork);  // switch: the network side of each link
  EXPECT_EQ(p[0].itf, 0);
  EXPECT_EQ(p[1].itf, 1);
  EXPECT_EQ(p[2].itf, 2);
  EXPECT_EQ(p[0].link_rate, 1000);
  EXPECT_EQ(p[1].link_rate, 2000);
  ASSERT_EQ(p[1].vpci_map.size(), 1u);
  EXPECT_EQ(p[1].vpci_map[0].itf, 3);
  for (const auto& u : p) {
    EXPECT_EQ(u.version, q2931::Version::kUni40);
    EXPECT_EQ(u.t303, 2s);
    EXPECT_EQ(u.local_addresses.size(), 1u);
  }
}

TEST(EntityParams, VcRangesOfEachEntity) {
  const auto p = params_of(merged({}, R"(
sig { mode network vc_range 0-15 32-65535 }
entity 0.0.5 { vc_range 1 100-199 vc_range 2-3 40 }
entity 1.0.5
)"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].vc_ranges, (std::vector<callctl::VcRange>{{1, 1, 100, 199}, {2, 3, 40, 40}}));
  EXPECT_EQ(p[1].vc_ranges, (std::vector<callctl::VcRange>{{0, 15, 32, 65535}}));
}

}  // namespace
}  // namespace atmsigd::config
