// The control socket and atmsigctl against a running pair of demons with
// calls up (issue 18, docs/control.md): every command, the JSON validated;
// clients that misbehave (silent, megabytes, too many) do not disturb the
// calls and the demon answers the others; a client without permission is
// refused by the socket's mode.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

using Json = nlohmann::json;

// The demon writes NSAP addresses in upper case.
std::string upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

struct CtlResult {
  int status = -1;
  std::string out;  // stdout and stderr
};

// Runs atmsigctl; its output goes to a file read once it exited.
CtlResult ctl(const std::vector<std::string>& args, const std::vector<std::string>& prefix = {}) {
  static int n = 0;
  const std::string out = temp_path("ctl." + std::to_string(n++) + ".out");
  std::vector<std::string> argv = prefix;
  argv.push_back(ATMSIGCTL_BINARY);
  argv.insert(argv.end(), args.begin(), args.end());
  CtlResult r;
  {
    Process p(argv, out);
    r.status = p.wait(std::chrono::seconds(10));
    r.out = p.output();
  }
  std::error_code ec;
  std::filesystem::remove(out, ec);
  return r;
}

// A raw client of the control socket.
struct RawClient {
  int fd = -1;
  bool eof = false;  // the last read_all() ended at the demon's close
  explicit RawClient(const std::string& path) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0) {
      ::close(fd);
      fd = -1;
    }
    timeval tv{};
    tv.tv_sec = 8;
    if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() {
    if (fd >= 0) ::close(fd);
  }
  // Everything until EOF or `until` is seen (or the receive timeout).
  std::string read_all(const std::string& until = "") {
    std::string s;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      eof = n == 0;
      if (n <= 0) break;
      s.append(buf, static_cast<std::size_t>(n));
      if (!until.empty() && s.find(until) != std::string::npos) break;
    }
    return s;
  }
};

class Control : public ::testing::Test {
 protected:
  void SetUp() override {
    const int base = port_base();
    user_ctl = temp_path("user.ctl");
    net_ctl = temp_path("net.ctl");
    user = std::make_unique<Side>(
        "user", "user", kUserAddr, base, base + 1, "uni31",
        std::vector<std::string>{"io control " + user_ctl, "debug trace 200"});
    net = std::make_unique<Side>(
        "net", "network", kNetAddr, base + 1, base, "uni31",
        std::vector<std::string>{"io control " + net_ctl, "debug trace 200"});
    ASSERT_TRUE(user->wait_log("signaling link up")) << user->log();
    ASSERT_TRUE(net->wait_log("signaling link up")) << net->log();
    ASSERT_TRUE(user->wait_log("control socket on " + user_ctl)) << user->log();
  }
  void TearDown() override {
    if (user) {
      EXPECT_EQ(user->stop(), 0);
    }
    if (net) {
      EXPECT_EQ(net->stop(), 0);
    }
    // The demons remove their control sockets at exit.
    EXPECT_FALSE(std::filesystem::exists(user_ctl));
    EXPECT_FALSE(std::filesystem::exists(net_ctl));
  }
  // A call from the user side's C to the network side's N, up on both.
  void call_up() {
    ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr + " qos=ubr", "expect L okay"}));
    ASSERT_TRUE(user->run({"connect C to=" + kNetAddr + " qos=ubr,aal5:max_sdu=8192"}));
    ASSERT_TRUE(net->run({"expect L indicate", "accept N L", "expect N okay"}));
    ASSERT_TRUE(user->run({"expect C okay"}));
  }
  Json json_of(const std::string& sock, const std::vector<std::string>& args) {
    std::vector<std::string> a{"-s", sock, "-j"};
    a.insert(a.end(), args.begin(), args.end());
    const auto r = ctl(a);
    Json j = Json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    if (j.is_discarded()) return Json::object();
    return j;
  }
  std::string user_ctl, net_ctl;
  std::unique_ptr<Side> user, net;
};

TEST_F(Control, EveryCommandWithACallUp) {
  call_up();
  // status: the link, SSCOP's state and counters.
  Json st = json_of(user_ctl, {"status"});
  ASSERT_TRUE(st.value("ok", false)) << st;
  EXPECT_EQ(st["result"]["mode"], "user");
  EXPECT_EQ(st["result"]["calls"], 1);
  ASSERT_EQ(st["result"]["entities"].size(), 1u);
  EXPECT_EQ(st["result"]["entities"][0]["link"], "up");
  // status's counters are the stats table's own (names and values).
  const Json counters = st["result"]["entities"][0]["counters"];
  EXPECT_EQ(counters["calls_placed"], 1) << counters;
  EXPECT_EQ(counters["calls_connected"], 1) << counters;
  EXPECT_GE(counters["sscop_sd_sent"].get<int>(), 2) << counters;
  EXPECT_FALSE(counters.contains("q2931_messages_in")) << counters;
  const Json sj = json_of(user_ctl, {"stats"});
  ASSERT_TRUE(sj.value("ok", false)) << sj;
  for (const auto& [k, v] : counters.items()) {
    ASSERT_TRUE(sj["result"]["entities"][0].contains(k)) << k << " is not a stats counter";
    // The link's counters move on with SSCOP's POLLs between the two asks.
    const bool moving = k == "link_queue_high_water" || k.rfind("sscop_", 0) == 0;
    if (!moving) {
      EXPECT_EQ(sj["result"]["entities"][0][k], v) << k;
    }
  }
  EXPECT_GE(st["result"]["uptime_s"].get<int>(), 0);

  // calls on both ends: the same VC; addresses, direction.
  Json uc = json_of(user_ctl, {"calls"});
  ASSERT_TRUE(uc.value("ok", false)) << uc;
  ASSERT_EQ(uc["result"]["count"], 1) << uc;
  const Json c = uc["result"]["calls"][0];
  EXPECT_EQ(c["direction"], "out");
  EXPECT_EQ(c["state_code"], 10);
  EXPECT_NE(c["state"].get<std::string>().find("Active"), std::string::npos);
  EXPECT_EQ(c["remote"], upper(kNetAddr));
  EXPECT_EQ(c["local"], upper(kUserAddr));
  EXPECT_FALSE(c["vc"].is_null());
  EXPECT_FALSE(c["qos"].is_null());
  EXPECT_GE(c["age_s"].get<int>(), 0);
  EXPECT_EQ(c["socket_state"], "Active");
  EXPECT_EQ(c["details_unknown"], false);
  Json nc = json_of(net_ctl, {"calls"});
  ASSERT_EQ(nc["result"]["count"], 1) << nc;
  EXPECT_EQ(nc["result"]["calls"][0]["direction"], "in");
  EXPECT_EQ(nc["result"]["calls"][0]["vc"], c["vc"]);
  EXPECT_EQ(nc["result"]["calls"][0]["remote"], upper(kUserAddr));

  // The table, and the filters.
  const auto table = ctl({"-s", user_ctl, "calls"});
  EXPECT_EQ(table.status, 0) << table.out;
  EXPECT_NE(table.out.find("Cref"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("U10 Active"), std::string::npos) << table.out;
  EXPECT_EQ(json_of(user_ctl, {"calls", "--state", "active"})["result"]["count"], 1);
  EXPECT_EQ(json_of(user_ctl, {"calls", "--state", "U10"})["result"]["count"], 1);
  EXPECT_EQ(json_of(user_ctl, {"calls", "--state", "U3"})["result"]["count"], 0);
  EXPECT_EQ(json_of(user_ctl, {"calls", "--address", kNetAddr.substr(0, 20)})["result"]["count"],
            1);
  EXPECT_EQ(json_of(user_ctl, {"calls", "--address", "39.0000"})["result"]["count"], 0);
  EXPECT_EQ(json_of(user_ctl, {"calls", "--direction", "in"})["result"]["count"], 0);

  // sockets: the call's socket.
  Json so = json_of(user_ctl, {"sockets"});
  ASSERT_TRUE(so.value("ok", false)) << so;
  EXPECT_EQ(so["result"]["count"], 1);
  EXPECT_EQ(so["result"]["sockets"][0]["state"], "Active");
  EXPECT_EQ(json_of(net_ctl, {"sockets", "--state", "listen"})["result"]["count"], 1);

  // show call: everything, and its trace.
  const std::string cref = std::to_string(c["cref"].get<unsigned>());
  Json sh = json_of(user_ctl, {"show", "call", cref});
  ASSERT_TRUE(sh.value("ok", false)) << sh;
  EXPECT_EQ(sh["result"]["call"]["cref"], c["cref"]);
  ASSERT_FALSE(sh["result"]["call"]["trace"].empty()) << sh;
  EXPECT_NE(sh["result"]["call"]["trace"][0]["text"].get<std::string>().find("as_connect"),
            std::string::npos)
      << sh;
  const auto shown = ctl({"-s", user_ctl, "show", "call", cref});
  EXPECT_EQ(shown.status, 0);
  EXPECT_NE(shown.out.find("as_okay"), std::string::npos) << shown.out;

  // trace.
  Json tr = json_of(user_ctl, {"trace", "--limit", "5"});
  ASSERT_TRUE(tr.value("ok", false)) << tr;
  EXPECT_EQ(tr["result"]["trace"].size(), 5u);
  EXPECT_GT(tr["result"]["entries"].get<int>(), 5);

  // log: a group's level live, until a reload.
  const auto lg = ctl({"-s", user_ctl, "log", "saal", "debug"});
  EXPECT_EQ(lg.status, 0) << lg.out;
  EXPECT_NE(lg.out.find("until a reload"), std::string::npos) << lg.out;
  EXPECT_TRUE(user->wait_log("operator: log group saal at level debug"));

  // Errors: unknown command, bad argument, no such call.
  const auto unknown = ctl({"-s", user_ctl, "raw", "frobnicate"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.out.find("unknown-command"), std::string::npos) << unknown.out;
  const auto badgroup = ctl({"-s", user_ctl, "log", "nope", "debug"});
  EXPECT_EQ(badgroup.status, 1);
  EXPECT_NE(badgroup.out.find("no log group"), std::string::npos) << badgroup.out;
  const auto badcref = ctl({"-s", user_ctl, "release", "zero"});
  EXPECT_EQ(badcref.status, 1);
  EXPECT_NE(badcref.out.find("bad-argument"), std::string::npos) << badcref.out;
  const auto nocall = ctl({"-s", user_ctl, "show", "call", "4242"});
  EXPECT_EQ(nocall.status, 1);
  EXPECT_NE(nocall.out.find("not-found"), std::string::npos) << nocall.out;

  // release: RELEASE with the operator's cause, both kernels told.
  const auto rel = ctl({"-s", user_ctl, "release", cref, "31"});
  EXPECT_EQ(rel.status, 0) << rel.out;
  ASSERT_TRUE(user->run({"expect C close reply=-104", "close C"}));
  ASSERT_TRUE(net->run({"expect N close", "close N"}));
  EXPECT_TRUE(user->wait_log("operator: release of call " + cref + "/out with cause 31"));
  EXPECT_TRUE(net->wait_log("cause 31"));
  EXPECT_EQ(json_of(user_ctl, {"calls"})["result"]["count"], 0);

  // restart: of every VC, acknowledged by the peer.
  const auto rs = ctl({"-s", user_ctl, "restart"});
  EXPECT_EQ(rs.status, 0) << rs.out;
  EXPECT_TRUE(user->wait_log("operator: RESTART of all VCs"));
  const auto rs1 = ctl({"-s", user_ctl, "-j", "restart", "0.40"});
  EXPECT_EQ(rs1.status, 0) << rs1.out;
  const auto badvc = ctl({"-s", user_ctl, "restart", "zero"});
  EXPECT_EQ(badvc.status, 1);
  EXPECT_NE(badvc.out.find("VPCI.VCI"), std::string::npos) << badvc.out;
  // A whole VPC (class 1): UNI 3.1 has none.
  const auto novpc = ctl({"-s", user_ctl, "restart", "vpc", "0"});
  EXPECT_EQ(novpc.status, 1) << novpc.out;
  EXPECT_NE(novpc.out.find("needs UNI 4.0 or Q.2931"), std::string::npos) << novpc.out;
}

// The addresses of a held call stay for its whole life, on both sides,
// though the trace buffer (20 entries, the default) moved on long ago.
TEST(ControlDefaultTrace, AHeldCallKeepsItsAddressesAfterTheTraceMovedOn) {
  const int base = port_base();
  const std::string user_ctl = temp_path("user20.ctl"), net_ctl = temp_path("net20.ctl");
  Side user("user20", "user", kUserAddr, base, base + 1, "uni31",
            std::vector<std::string>{"io control " + user_ctl});
  Side net("net20", "network", kNetAddr, base + 1, base, "uni31",
           std::vector<std::string>{"io control " + net_ctl});
  ASSERT_TRUE(user.wait_log("signaling link up")) << user.log();
  ASSERT_TRUE(net.wait_log("signaling link up")) << net.log();
  ASSERT_TRUE(net.wait_log("control socket on " + net_ctl)) << net.log();
  ASSERT_TRUE(net.run({"listen L addr=" + kNetAddr + " qos=ubr", "expect L okay"}));
  ASSERT_TRUE(user.run({"connect C to=" + kNetAddr + " qos=ubr,aal5:max_sdu=8192"}));
  ASSERT_TRUE(net.run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(user.run({"expect C okay"}));
  auto json_of = [](const std::string& sock, const std::vector<std::string>& args) {
    std::vector<std::string> a{"-s", sock, "-j"};
    a.insert(a.end(), args.begin(), args.end());
    const auto r = ctl(a);
    Json j = Json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j.is_discarded() ? Json::object() : j;
  };
  const Json first = json_of(user_ctl, {"calls"});
  ASSERT_EQ(first["result"]["count"], 1) << first;
  const std::string vcc_key = [&] {
    char b[32];
    std::snprintf(
        b, sizeof b, "vcc=0x%llx ",
        static_cast<unsigned long long>(first["result"]["calls"][0]["vcc"].get<std::uint64_t>()));
    return std::string(b);
  }();
  for (int i = 0; i < 8; ++i) {
    const std::string d = "D" + std::to_string(i), m = "M" + std::to_string(i);
    ASSERT_TRUE(user.run({"connect " + d + " to=" + kNetAddr}));
    ASSERT_TRUE(net.run({"expect L indicate", "accept " + m + " L", "expect " + m + " okay"}));
    ASSERT_TRUE(user.run({"expect " + d + " okay", "close " + d, "expect " + d + " close"}));
    ASSERT_TRUE(net.run({"expect " + m + " close", "close " + m}));
  }
  Json tr = json_of(user_ctl, {"trace"});
  ASSERT_TRUE(tr.value("ok", false)) << tr;
  EXPECT_EQ(tr["result"]["entries"], 20);
  for (const auto& l : tr["result"]["trace"])  // the held call's frames are gone
    EXPECT_EQ(l["text"].get<std::string>().find(vcc_key), std::string::npos) << l;
  Json uc = json_of(user_ctl, {"calls"});
  ASSERT_EQ(uc["result"]["count"], 1) << uc;
  const Json c = uc["result"]["calls"][0];
  EXPECT_EQ(c["local"], upper(kUserAddr)) << c;
  EXPECT_EQ(c["remote"], upper(kNetAddr)) << c;
  EXPECT_NE(c["qos"].get<std::string>().find("max_sdu=8192"), std::string::npos) << c;
  Json nc = json_of(net_ctl, {"calls"});
  ASSERT_EQ(nc["result"]["count"], 1) << nc;
  EXPECT_EQ(nc["result"]["calls"][0]["local"], upper(kNetAddr)) << nc;
  EXPECT_EQ(nc["result"]["calls"][0]["remote"], upper(kUserAddr)) << nc;
  EXPECT_FALSE(nc["result"]["calls"][0]["qos"].is_null()) << nc;
  const auto table = ctl({"-s", net_ctl, "calls"});
  EXPECT_NE(table.out.find(upper(kUserAddr)), std::string::npos) << table.out;
  const auto shown =
      ctl({"-s", user_ctl, "show", "call", std::to_string(c["cref"].get<unsigned>()) + "/out"});
  EXPECT_NE(shown.out.find("remote: " + upper(kNetAddr)), std::string::npos) << shown.out;
  EXPECT_EQ(
      json_of(user_ctl, {"status"})["result"]["entities"][0]["counters"]["calls_details_unknown"],
      0);
  ASSERT_TRUE(user.run({"close C", "expect C close"}));
  ASSERT_TRUE(net.run({"expect N close"}));
  EXPECT_EQ(user.stop(), 0);
  EXPECT_EQ(net.stop(), 0);
}

// A reload (SIGHUP) re-applies atmsigd.conf: a level set live gives way.
TEST_F(Control, AReloadReplacesTheLevelsSetLive) {
  // The test demons' atmsigd.conf says "sig level debug" (call_demons.hpp).
  Json st = json_of(user_ctl, {"status"});
  EXPECT_EQ(st["result"]["log"]["level"], "info") << st;
  EXPECT_EQ(st["result"]["log"]["groups"]["sig"], "debug") << st;
  EXPECT_EQ(st["result"]["log"]["set_live"], false) << st;
  Json lg = json_of(user_ctl, {"log", "sig", "warn"});
  ASSERT_TRUE(lg.value("ok", false)) << lg;
  EXPECT_EQ(lg["result"]["until"], "reload");
  ASSERT_TRUE(json_of(user_ctl, {"log", "io", "debug"}).value("ok", false));
  st = json_of(user_ctl, {"status"});
  EXPECT_EQ(st["result"]["log"]["groups"]["sig"], "warn") << st;
  EXPECT_EQ(st["result"]["log"]["groups"]["io"], "debug") << st;
  EXPECT_EQ(st["result"]["log"]["set_live"], true) << st;
  user->proc->signal(SIGHUP);
  ASSERT_TRUE(user->wait_log("configuration reloaded")) << user->log();
  EXPECT_TRUE(user->wait_log("the log levels set with atmsigctl log are replaced"));
  // The file's levels again: sig at debug, io at the default.
  st = json_of(user_ctl, {"status"});
  EXPECT_EQ(st["result"]["log"]["groups"]["sig"], "debug") << st;
  EXPECT_FALSE(st["result"]["log"]["groups"].contains("io")) << st;
  EXPECT_EQ(st["result"]["log"]["set_live"], false) << st;
  const auto shown = ctl({"-s", user_ctl, "status"});
  EXPECT_NE(shown.out.find("log level info, sig debug\n"), std::string::npos) << shown.out;
}

// RESTART of a whole VPC (class 1) on UNI 4.0: the call on it is cleared.
TEST(ControlUni40, RestartOfAVpcClearsItsCalls) {
  const int base = port_base();
  const std::string user_ctl = temp_path("user40.ctl");
  Side user("user40", "user", kUserAddr, base, base + 1, "uni40",
            std::vector<std::string>{"io control " + user_ctl});
  Side net("net40", "network", kNetAddr, base + 1, base, "uni40", std::vector<std::string>{});
  ASSERT_TRUE(user.wait_log("signaling link up")) << user.log();
  ASSERT_TRUE(net.wait_log("signaling link up")) << net.log();
  ASSERT_TRUE(user.wait_log("control socket on " + user_ctl)) << user.log();
  ASSERT_TRUE(net.run({"listen L addr=" + kNetAddr + " qos=ubr", "expect L okay"}));
  ASSERT_TRUE(user.run({"connect C to=" + kNetAddr + " qos=ubr"}));
  ASSERT_TRUE(net.run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(user.run({"expect C okay"}));
  const auto r = ctl({"-s", user_ctl, "restart", "vpc", "0"});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("RESTART of VPC 0 sent on 1 entity"), std::string::npos) << r.out;
  EXPECT_TRUE(user.wait_log("operator: RESTART of VPC 0")) << user.log();
  ASSERT_TRUE(user.run({"expect C close", "close C"}));
  ASSERT_TRUE(net.run({"expect N close", "close N"}));
  EXPECT_EQ(user.stop(), 0);
  EXPECT_EQ(net.stop(), 0);
}

TEST_F(Control, MisbehavingClientsDisturbNothing) {
  call_up();
  // One that connects and sends nothing, seven more idle: eight, the limit;
  // a ninth is refused at once.
  RawClient silent(user_ctl);
  ASSERT_GE(silent.fd, 0);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 7; ++i) idle.push_back(std::make_unique<RawClient>(user_ctl));
  {
    RawClient ninth(user_ctl);
    ASSERT_GE(ninth.fd, 0);
    const std::string reply = ninth.read_all("\n");
    EXPECT_NE(reply.find("too-many-clients"), std::string::npos) << reply;
  }
  EXPECT_TRUE(user->wait_log("one more refused"));
  idle.clear();
  // One that sends megabytes without a newline: an error line, closed.
  {
    RawClient big(user_ctl);
    ASSERT_GE(big.fd, 0);
    const std::string chunk(64 * 1024, 'x');
    std::size_t sent = 0;
    for (int i = 0; i < 64; ++i) {  // 4 MiB, until the demon closes
      const ssize_t n = ::send(big.fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    const std::string reply = big.read_all();
    EXPECT_NE(reply.find("request-too-long"), std::string::npos) << "sent " << sent;
    EXPECT_LT(sent, 4u * 1024 * 1024);  // the demon stopped taking them
  }
  // The demon answers the others meanwhile, and the call is as it was.
  Json st = json_of(user_ctl, {"status"});
  ASSERT_TRUE(st.value("ok", false)) << st;
  EXPECT_EQ(st["result"]["calls"], 1);
  // Calls go on: a second one placed and released while the silent client hangs on.
  ASSERT_TRUE(user->run({"connect D to=" + kNetAddr}));
  ASSERT_TRUE(net->run({"expect L indicate", "accept M L", "expect M okay"}));
  ASSERT_TRUE(user->run({"expect D okay", "close D", "expect D close"}));
  ASSERT_TRUE(net->run({"expect M close"}));
  // The silent client is closed after the timeout (5 s).
  EXPECT_EQ(silent.read_all(), "");
  EXPECT_TRUE(silent.eof) << "not closed by the demon within the client's 8 s";
  Json after = json_of(user_ctl, {"calls"});
  EXPECT_EQ(after["result"]["count"], 1) << after;
  ASSERT_TRUE(user->run({"close C", "expect C close"}));
  ASSERT_TRUE(net->run({"expect N close"}));
}

TEST_F(Control, ModeOwnerAndNonRootRefused) {
  struct stat st {};
  ASSERT_EQ(::stat(user_ctl.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, ::getuid());
  // As root, the mode does not stop root: the refusal is tested as nobody
  // (setpriv), where the machine has it.
  if (::getuid() != 0 || !std::filesystem::exists("/usr/bin/setpriv"))
    GTEST_SKIP() << "not root or no setpriv: mode bits and owner checked only";
  const auto r = ctl({"-s", user_ctl, "status"},
                     {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("permission denied"), std::string::npos) << r.out;
}

TEST(ControlClient, DemonNotRunning) {
  const auto r = ctl({"-s", temp_path("nothing.ctl"), "status"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("the demon is not running"), std::string::npos) << r.out;
  const auto usage = ctl({"frobnicate"});
  EXPECT_NE(usage.status, 0);
}

}  // namespace
}  // namespace atmsigd::test
