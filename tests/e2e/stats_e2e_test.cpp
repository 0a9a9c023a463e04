// The stats command against two running demons (user side and network side
// over SSCOP/UDP on loopback, each with its emulated kernel and its control
// socket): calls placed, accepted and rejected, then the counters of both
// read through the control socket, as JSON and as Prometheus text, and with
// atmsigctl stats (table, -j, --prometheus).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

using nlohmann::json;

// One request line to the control socket at `path`, its response line
// parsed (null on any failure).
json control_request(const std::string& path, const json& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  struct sockaddr_un sa {};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  struct timeval tv {
    5, 0
  };
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<struct sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return nullptr;
  }
  const std::string line = request.dump() + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    ::close(fd);
    return nullptr;
  }
  std::string reply;
  char buf[4096];
  while (reply.find('\n') == std::string::npos) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (reply.find('\n') == std::string::npos) return nullptr;
  return json::parse(reply.substr(0, reply.find('\n')), nullptr, false);
}

// atmsigctl's exit status and output (stdout and stderr).
std::pair<int, std::string> atmsigctl(const std::vector<std::string>& args) {
  const std::string out = temp_path("stats-ctl.out");
  std::vector<std::string> argv{ATMSIGCTL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::pair<int, std::string> r;
  {
    Process p(argv, out);
    r.first = p.wait(std::chrono::seconds(10));
    r.second = p.output();
  }
  std::error_code ec;
  std::filesystem::remove(out, ec);
  return r;
}

std::uint64_t sum(const json& o) {
  std::uint64_t n = 0;
  if (o.is_object())
    for (const auto& [k, v] : o.items()) n += v.get<std::uint64_t>();
  return n;
}

class StatsTwoDemons : public ::testing::Test {
 protected:
  void SetUp() override {
    const int base = port_base();
    user_ctl = temp_path("user.ctl");
    net_ctl = temp_path("net.ctl");
    user = std::make_unique<Side>("user", "user", kUserAddr, base, base + 1, "uni31",
                                  std::vector<std::string>{"io control " + user_ctl});
    net = std::make_unique<Side>("net", "network", kNetAddr, base + 1, base, "uni31",
                                 std::vector<std::string>{"io control " + net_ctl});
    ASSERT_TRUE(user->wait_log("signaling link up")) << user->log();
    ASSERT_TRUE(net->wait_log("signaling link up")) << net->log();
  }
  void TearDown() override {
    if (user) {
      EXPECT_EQ(user->stop(), 0);
    }
    if (net) {
      EXPECT_EQ(net->stop(), 0);
    }
  }
  // The stats of `ctl` once `ready` holds for them (the last messages of a
  // release may still be on their way), at most 3 s.
  json stats_when(const std::string& ctl, const std::function<bool(const json&)>& ready) {
    json r;
    for (int i = 0; i < 60; ++i) {
      r = control_request(ctl, {{"command", "stats"}});
      if (r.is_object() && r.value("ok", false) && ready(r["result"])) return r["result"];
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "stats never got there: " << r.dump();
    return r.is_object() && r.contains("result") ? r["result"] : json();
  }
  std::string user_ctl, net_ctl;
  std::unique_ptr<Side> user, net;
};

TEST_F(StatsTwoDemons, CallsAcceptedAndRejected_CountersOfBothDemons) {
  ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr + " qos=ubr", "expect L okay"}));
  // One call accepted, then released by the caller.
  ASSERT_TRUE(user->run({"connect C to=" + kNetAddr + " qos=ubr"}));
  ASSERT_TRUE(net->run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(user->run({"expect C okay", "close C", "expect C close"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));
  // One call rejected by the called kernel (-ECONNREFUSED).
  ASSERT_TRUE(user->run({"connect D to=" + kNetAddr + " qos=ubr"}));
  ASSERT_TRUE(net->run({"expect L indicate", "reject L reply=-111"}));
  ASSERT_TRUE(user->run({"expect D error reply=-111"}));

  const json u = stats_when(user_ctl, [](const json& s) {
    return s["calls_held"] == 0 && s["entities"].size() == 1 &&
           sum(s["entities"][0]["calls_failed"]) == 1 &&
           sum(s["entities"][0]["calls_released"]) == 1;
  });
  const json n = stats_when(net_ctl, [](const json& s) {
    return s["calls_held"] == 0 && s["entities"].size() == 1 &&
           sum(s["entities"][0]["calls_rejected"]) == 1 &&
           sum(s["entities"][0]["calls_released"]) == 1;
  });
  ASSERT_TRUE(u.is_object());
  ASSERT_TRUE(n.is_object());
  const json& ue = u["entities"][0];
  const json& ne = n["entities"][0];
  EXPECT_EQ(ue["name"], "0.0.5");
  EXPECT_EQ(ue["link_up"], 1);
  EXPECT_EQ(ue["link_up_events"], 1);
  EXPECT_EQ(ue["calls_placed"], 2);
  EXPECT_EQ(ue["calls_connected"], 1);
  EXPECT_EQ(ue["calls_released"]["16"], 1);  // normal call clearing
  EXPECT_EQ(ne["calls_offered"], 2);
  EXPECT_EQ(ne["calls_accepted"], 1);
  EXPECT_EQ(ne["calls_released"]["16"], 1);
  // The rejected call: the same cause at both ends.
  ASSERT_EQ(ne["calls_rejected"].size(), 1u);
  const std::string cause = ne["calls_rejected"].begin().key();
  EXPECT_EQ(ue["calls_failed"][cause], 1) << ue["calls_failed"].dump();
  // Messages by type, at both ends of the wire.
  EXPECT_EQ(ue["q2931_messages_sent"]["SETUP"], 2);
  EXPECT_EQ(ne["q2931_messages_received"]["SETUP"], 2);
  EXPECT_EQ(ne["q2931_messages_sent"]["CONNECT"], 1);
  EXPECT_EQ(ue["q2931_messages_received"]["CONNECT"], 1);
  EXPECT_GE(ue["sscop_sd_sent"].get<std::uint64_t>(), 4u);
  // The kernel side of each demon.
  EXPECT_EQ(u["kernel_frames_received"]["as_connect"], 2);
  EXPECT_EQ(u["kernel_frames_received"]["as_close"], 1);
  EXPECT_EQ(n["kernel_frames_received"]["as_listen"], 1);
  EXPECT_EQ(n["kernel_frames_received"]["as_accept"], 1);
  EXPECT_EQ(n["kernel_frames_received"]["as_reject"], 1);
  EXPECT_EQ(n["kernel_frames_sent"]["as_indicate"], 2);
  EXPECT_EQ(u["kernel_frames_malformed"], 0);
  EXPECT_GE(n["kernel_queue_high_water"].get<std::uint64_t>(), 1u);
  EXPECT_EQ(n["kernel_queue_bound"], 4096);
  EXPECT_GE(ue["link_queue_high_water"].get<std::uint64_t>(), 1u);

  // The same counters as Prometheus text.
  const json p =
      control_request(net_ctl, {{"command", "stats"}, {"args", {{"format", "prometheus"}}}});
  ASSERT_TRUE(p.is_object());
  ASSERT_EQ(p["ok"], true) << p.dump();
  const std::string text = p["result"]["text"];
  EXPECT_NE(text.find("# TYPE atmsigd_calls_accepted_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("atmsigd_calls_accepted_total{entity=\"0.0.5\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("atmsigd_calls_rejected_total{entity=\"0.0.5\",cause=\"" + cause + "\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("atmsigd_kernel_frames_sent_total{type=\"as_indicate\"} 2\n"),
            std::string::npos);

  // atmsigctl: the table, the JSON, the Prometheus text.
  const auto [st, table] = atmsigctl({"-s", net_ctl, "stats"});
  EXPECT_EQ(st, 0) << table;
  EXPECT_NE(table.find("entity 0.0.5\n"), std::string::npos) << table;
  EXPECT_NE(table.find("as_indicate=2"), std::string::npos) << table;
  EXPECT_NE(table.find("16=1(normal call clearing)"), std::string::npos) << table;
  const auto [sj, js] = atmsigctl({"-s", net_ctl, "-j", "stats"});
  EXPECT_EQ(sj, 0) << js;
  const json parsed = json::parse(js, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << js;
  EXPECT_EQ(parsed["result"]["entities"][0]["calls_accepted"], 1);
  const auto [sp, prom] = atmsigctl({"-s", user_ctl, "stats", "--prometheus"});
  EXPECT_EQ(sp, 0) << prom;
  EXPECT_EQ(prom.rfind("# HELP atmsigd_", 0), 0u) << prom;
  EXPECT_NE(prom.find("atmsigd_calls_connected_total{entity=\"0.0.5\"} 1\n"), std::string::npos)
      << prom;
}

}  // namespace
}  // namespace atmsigd::test
