// The control socket's protocol layer without a socket (docs/control.md):
// every command and every error against a fake Backend, each response
// parsed back with nlohmann and checked field by field.
#include "atmsigd/control/protocol.hpp"

#include <gtest/gtest.h>

namespace atmsigd::control {
namespace {

class FakeBackend : public Backend {
 public:
  FakeBackend() {
    CallRow a;
    a.entity = 0;
    a.entity_name = "0.0.5";
    a.cref = 1;
    a.outgoing = true;
    a.state_code = 10;
    a.state = "U10 Active";
    a.local = "47.0005.80FFE1000000F21A26D8.0020EA000EE0.00";
    a.remote = "47.0005.80FFE1000000F21A26D8.0020EA000EE1.00";
    a.vc = "0.0.32";
    a.qos = "ubr";
    a.vcc = 0x1000;
    a.socket_state = "Active";
    a.age_s = 12;
    CallRow b = a;  // the same call reference, the peer's: an incoming call in setup
    b.outgoing = false;
    b.state_code = 6;
    b.state = "U6 Call Present";
    b.remote = "39.1234";
    b.vc = "0.0.33";
    b.vcc.reset();
    b.socket_state.reset();
    b.age_s.reset();
    b.details_unknown = true;  // call control's table was full
    CallRow c = a;
    c.cref = 7;
    c.cause = 41;
    c.cause_name = "temporary failure";
    c.state_code = 11;
    c.state = "U11 Release Request";
    c.timer = "T308";
    calls_ = {c, b, a};
  }
  Status status() const override {
    Status s;
    s.version = "0.1.0";
    s.mode = "user";
    s.uni = "UNI 3.1";
    s.network = "uni";
    s.pid = 42;
    s.uptime_s = 3;
    s.calls = calls_.size();
    EntityStatus e;
    e.name = "0.0.5";
    e.side = "user";
    e.link_up = true;
    e.sscop_state = "Data Transfer Ready";
    e.counters = {{"sscop_sd_retransmitted", 2}};
    s.entities.push_back(e);
    s.log_level = "info";
    s.log_groups = {{"sig", "debug"}};
    s.log_levels_set_live = true;
    return s;
  }
  std::vector<CallRow> calls() const override { return calls_; }
  std::vector<SocketRow> sockets() const override {
    SocketRow l;
    l.vcc = 0x2000;
    l.id = 2;
    l.state = "Listening";
    l.pending = 1;
    SocketRow s;
    s.vcc = 0x1000;
    s.id = 1;
    s.state = "Active";
    return {l, s};
  }
  std::vector<TraceLine> trace() const override {
    return {{1, "from kernel: as_connect vcc=0x1000"},
            {2, "to kernel: as_okay vcc=0x1000"},
            {3, "from network: SD"}};
  }
  std::vector<TraceLine> trace_of(const CallRow& c) const override {
    traced = c.cref;
    return {{1, "from kernel: as_connect vcc=0x1000"}};
  }
  std::string release(std::size_t entity, std::uint32_t cref, bool outgoing,
                      std::uint8_t cause) override {
    released.push_back({entity, cref, outgoing, cause});
    return cref == 7 ? "the call is being cleared already" : "";
  }
  std::string restart(std::optional<std::size_t> entity,
                      std::optional<std::pair<std::uint16_t, std::uint16_t>> vc,
                      bool vpc) override {
    restarts.emplace_back(entity, vc);
    vpcs.push_back(vpc);
    return "";
  }
  bool restarts_vpc(std::size_t /*entity*/) const override { return class1; }
  std::string set_log_level(const std::string& group, const std::string& level) override {
    levels.emplace_back(group, level);
    return "";
  }
  std::vector<std::string> entity_names() const override { return {"0.0.5"}; }

  struct Released {
    std::size_t entity;
    std::uint32_t cref;
    bool outgoing;
    std::uint8_t cause;
  };
  std::vector<CallRow> calls_;
  std::vector<Released> released;
  std::vector<
      std::pair<std::optional<std::size_t>, std::optional<std::pair<std::uint16_t, std::uint16_t>>>>
      restarts;
  std::vector<bool> vpcs;
  bool class1 = false;  // the entity has UNI 4.0 or Q.2931
  std::vector<std::pair<std::string, std::string>> levels;
  mutable std::uint32_t traced = 0;
};

class ProtocolTest : public ::testing::Test {
 protected:
  // One request line through the protocol; the response line parsed back.
  Json ask(const std::string& line) {
    const std::string out = p.handle_line(line);
    EXPECT_FALSE(out.empty());
    EXPECT_EQ(out.back(), '\n');
    EXPECT_EQ(out.find('\n'), out.size() - 1) << "one line";
    Json j = Json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out;
    EXPECT_TRUE(j.contains("ok")) << out;
    return j;
  }
  Json ok(const std::string& line) {
    Json j = ask(line);
    EXPECT_TRUE(j.value("ok", false)) << j;
    return j.contains("result") ? j["result"] : Json();
  }
  std::string error_code(const std::string& line) {
    Json j = ask(line);
    EXPECT_FALSE(j.value("ok", true)) << j;
    EXPECT_TRUE(j["error"]["message"].is_string()) << j;
    return j["error"].value("code", std::string());
  }
  FakeBackend b;
  Protocol p{b};
};

TEST_F(ProtocolTest, Status) {
  const Json r = ok(R"({"command":"status"})");
  EXPECT_EQ(r["version"], "0.1.0");
  EXPECT_EQ(r["mode"], "user");
  EXPECT_EQ(r["uni"], "UNI 3.1");
  EXPECT_EQ(r["pid"], 42);
  EXPECT_EQ(r["uptime_s"], 3);
  EXPECT_EQ(r["calls"], 3);
  ASSERT_EQ(r["entities"].size(), 1u);
  EXPECT_EQ(r["entities"][0]["link"], "up");
  EXPECT_EQ(r["entities"][0]["sscop_state"], "Data Transfer Ready");
  EXPECT_EQ(r["entities"][0]["counters"]["sscop_sd_retransmitted"], 2);
  EXPECT_EQ(r["log"]["level"], "info");
  EXPECT_EQ(r["log"]["groups"]["sig"], "debug");
  EXPECT_EQ(r["log"]["set_live"], true);
}

TEST_F(ProtocolTest, CallsSortedWithEveryField) {
  const Json r = ok(R"({"command":"calls","id":9})");
  ASSERT_EQ(r["calls"].size(), 3u);
  EXPECT_EQ(r["count"], 3);
  EXPECT_EQ(r["truncated"], false);
  // By entity, call reference, direction (in before out).
  EXPECT_EQ(r["calls"][0]["cref"], 1);
  EXPECT_EQ(r["calls"][0]["direction"], "in");
  EXPECT_EQ(r["calls"][1]["direction"], "out");
  EXPECT_EQ(r["calls"][2]["cref"], 7);
  const Json& a = r["calls"][1];
  EXPECT_EQ(a["entity"], "0.0.5");
  EXPECT_EQ(a["state"], "U10 Active");
  EXPECT_EQ(a["state_code"], 10);
  EXPECT_EQ(a["vc"], "0.0.32");
  EXPECT_EQ(a["qos"], "ubr");
  EXPECT_EQ(a["vcc"], 0x1000);
  EXPECT_EQ(a["age_s"], 12);
  EXPECT_TRUE(a["timer"].is_null());
  EXPECT_TRUE(a["cause"].is_null());
  EXPECT_EQ(a["details_unknown"], false);
  const Json& in = r["calls"][0];
  EXPECT_EQ(in["details_unknown"], true);
  EXPECT_TRUE(in["vcc"].is_null());
  EXPECT_TRUE(in["age_s"].is_null());
  EXPECT_EQ(r["calls"][2]["cause"], 41);
  EXPECT_EQ(r["calls"][2]["cause_name"], "temporary failure");
  EXPECT_EQ(r["calls"][2]["timer"], "T308");
  // The id is echoed.
  EXPECT_EQ(ask(R"({"command":"calls","id":9})")["id"], 9);
}

TEST_F(ProtocolTest, CallsFilters) {
  auto count = [&](const std::string& args) {
    return ok(R"({"command":"calls","args":)" + args + "}")["count"].get<int>();
  };
  EXPECT_EQ(count(R"({"state":"active"})"), 1);
  EXPECT_EQ(count(R"({"state":"U10"})"), 1);
  EXPECT_EQ(count(R"({"state":"N10"})"), 0);
  EXPECT_EQ(count(R"({"state":"6"})"), 1);
  EXPECT_EQ(count(R"({"state":"release"})"), 1);
  EXPECT_EQ(count(R"({"address":"0020ea000ee1"})"), 2);  // case does not matter
  EXPECT_EQ(count(R"({"address":"39.1234"})"), 1);
  EXPECT_EQ(count(R"({"direction":"in"})"), 1);
  EXPECT_EQ(count(R"({"entity":"0.0.5"})"), 3);
  const Json lim = ok(R"({"command":"calls","args":{"limit":2}})");
  EXPECT_EQ(lim["calls"].size(), 2u);
  EXPECT_EQ(lim["count"], 3);
  EXPECT_EQ(lim["truncated"], true);
  EXPECT_EQ(error_code(R"({"command":"calls","args":{"direction":"up"}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"calls","args":{"entity":"9.9.9"}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"calls","args":{"state":5}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"calls","args":{"limit":0}})"), "bad-argument");
}

TEST_F(ProtocolTest, Sockets) {
  const Json r = ok(R"({"command":"sockets"})");
  ASSERT_EQ(r["sockets"].size(), 2u);
  EXPECT_EQ(r["sockets"][0]["id"], 1);  // by id
  EXPECT_EQ(r["sockets"][1]["state"], "Listening");
  EXPECT_EQ(r["sockets"][1]["pending"], 1);
  EXPECT_EQ(ok(R"({"command":"sockets","args":{"state":"listen"}})")["count"], 1);
}

TEST_F(ProtocolTest, ShowCallWithItsTrace) {
  const Json r = ok(R"({"command":"show","args":{"call":7}})");
  EXPECT_EQ(r["call"]["cref"], 7);
  EXPECT_EQ(b.traced, 7u);
  ASSERT_EQ(r["call"]["trace"].size(), 1u);
  EXPECT_EQ(r["call"]["trace"][0]["usec"], 1);
  EXPECT_EQ(r["call"]["trace"][0]["text"], "from kernel: as_connect vcc=0x1000");
  // Hex, and a direction to pick one of two calls with the same reference.
  EXPECT_EQ(ok(R"({"command":"show","args":{"call":"0x7"}})")["call"]["cref"], 7);
  EXPECT_EQ(ok(R"({"command":"show","args":{"call":"1/in"}})")["call"]["direction"], "in");
  EXPECT_EQ(ok(R"({"command":"show","args":{"call":"1","direction":"out"}})")["call"]["direction"],
            "out");
  const Json amb = ask(R"({"command":"show","args":{"call":1}})");
  EXPECT_EQ(amb["error"]["code"], "bad-argument");
  EXPECT_NE(amb["error"]["message"].get<std::string>().find("1/out"), std::string::npos) << amb;
  EXPECT_EQ(error_code(R"({"command":"show","args":{"call":99}})"), "not-found");
  EXPECT_EQ(error_code(R"({"command":"show"})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"show","args":{"call":"x"}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"show","args":{"call":"1/up"}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"show","args":{"call":0}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"show","args":{"call":8388608}})"), "bad-argument");
}

TEST_F(ProtocolTest, Release) {
  const Json r = ok(R"({"command":"release","args":{"call":"1/out","cause":31}})");
  EXPECT_EQ(r["cause"], 31);
  EXPECT_EQ(r["released"]["cref"], 1);
  ASSERT_EQ(b.released.size(), 1u);
  EXPECT_EQ(b.released[0].cref, 1u);
  EXPECT_TRUE(b.released[0].outgoing);
  EXPECT_EQ(b.released[0].cause, 31);
  // Default cause 16 (normal call clearing); a string number is taken.
  ok(R"({"command":"release","args":{"call":"1/in"}})");
  EXPECT_EQ(b.released.back().cause, 16);
  EXPECT_FALSE(b.released.back().outgoing);
  ok(R"({"command":"release","args":{"call":"1/in","cause":"17"}})");
  EXPECT_EQ(b.released.back().cause, 17);
  EXPECT_EQ(error_code(R"({"command":"release","args":{"call":7}})"), "failed");
  EXPECT_EQ(error_code(R"({"command":"release","args":{"call":"1/out","cause":128}})"),
            "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"release","args":{"call":"1/out","cause":0}})"),
            "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"release","args":{"call":"1/out","cause":"x"}})"),
            "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"release","args":{"call":42}})"), "not-found");
  EXPECT_EQ(b.released.size(), 4u);  // the refused ones never reached the backend
}

TEST_F(ProtocolTest, Restart) {
  Json r = ok(R"({"command":"restart"})");
  EXPECT_EQ(r["restart"], "all VCs");
  EXPECT_EQ(r["entities"], Json::array({"0.0.5"}));
  r = ok(R"({"command":"restart","args":{"vc":"0.32","entity":"0.0.5"}})");
  EXPECT_EQ(r["restart"], "VC 0.32");
  ASSERT_EQ(b.restarts.size(), 2u);
  EXPECT_FALSE(b.restarts[0].first);
  EXPECT_FALSE(b.restarts[0].second);
  EXPECT_EQ(b.restarts[1].first, std::optional<std::size_t>(0));
  EXPECT_EQ(b.restarts[1].second,
            std::make_optional(std::make_pair<std::uint16_t, std::uint16_t>(0, 32)));
  EXPECT_EQ(error_code(R"({"command":"restart","args":{"vc":"32"}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"restart","args":{"vc":"0.70000"}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"restart","args":{"entity":3}})"), "bad-argument");
  EXPECT_EQ(b.restarts.size(), 2u);
}

// RESTART of a whole VPC (class 1): only where UNI 4.0 / Q.2931 has it.
TEST_F(ProtocolTest, RestartOfAVpcNeedsClass1) {
  EXPECT_EQ(error_code(R"({"command":"restart","args":{"vpc":5}})"), "failed");  // UNI 3.x
  EXPECT_TRUE(b.restarts.empty());
  b.class1 = true;
  Json r = ok(R"({"command":"restart","args":{"vpc":"5"}})");
  EXPECT_EQ(r["restart"], "VPC 5");
  EXPECT_EQ(r["entities"], Json::array({"0.0.5"}));
  ASSERT_EQ(b.restarts.size(), 1u);
  EXPECT_EQ(b.restarts[0].first, std::optional<std::size_t>(0));
  EXPECT_EQ(b.restarts[0].second->first, 5);
  EXPECT_TRUE(b.vpcs[0]);
  EXPECT_EQ(error_code(R"({"command":"restart","args":{"vpc":70000}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"restart","args":{"vpc":"x"}})"), "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"restart","args":{"vpc":5,"vc":"5.32"}})"), "bad-argument");
  EXPECT_EQ(b.restarts.size(), 1u);
}

TEST_F(ProtocolTest, Log) {
  const Json r = ok(R"({"command":"log","args":{"group":"sig","level":"debug"}})");
  EXPECT_EQ(r["group"], "sig");
  EXPECT_EQ(r["level"], "debug");
  EXPECT_EQ(r["until"], "reload");  // a reload re-applies atmsigd.conf's levels
  ok(R"({"command":"log","args":{"group":"all","level":"warn"}})");
  ASSERT_EQ(b.levels.size(), 2u);
  EXPECT_EQ(b.levels[1], std::make_pair(std::string("all"), std::string("warn")));
  EXPECT_EQ(error_code(R"({"command":"log","args":{"group":"nope","level":"debug"}})"),
            "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"log","args":{"group":"sig","level":"loud"}})"),
            "bad-argument");
  EXPECT_EQ(error_code(R"({"command":"log","args":{"group":"sig"}})"), "bad-argument");
  EXPECT_EQ(b.levels.size(), 2u);
}

TEST_F(ProtocolTest, Trace) {
  Json r = ok(R"({"command":"trace"})");
  ASSERT_EQ(r["trace"].size(), 3u);
  EXPECT_EQ(r["entries"], 3);
  EXPECT_EQ(r["trace"][2]["text"], "from network: SD");
  r = ok(R"({"command":"trace","args":{"limit":1}})");
  ASSERT_EQ(r["trace"].size(), 1u);
  EXPECT_EQ(r["trace"][0]["usec"], 3);  // the last ones
}

TEST_F(ProtocolTest, HelpListsEveryCommand) {
  const Json r = ok(R"({"command":"help"})");
  std::vector<std::string> names;
  for (const auto& c : r["commands"]) {
    names.push_back(c["name"]);
    EXPECT_FALSE(c["help"].get<std::string>().empty());
  }
  for (const char* n :
       {"help", "status", "calls", "sockets", "show", "release", "restart", "log", "trace"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

TEST_F(ProtocolTest, RequestErrors) {
  EXPECT_EQ(error_code("not json"), "bad-request");
  EXPECT_EQ(error_code("[1,2]"), "bad-request");
  EXPECT_EQ(error_code("{}"), "bad-request");
  EXPECT_EQ(error_code(R"({"command":5})"), "bad-request");
  EXPECT_EQ(error_code(R"({"command":"status","args":[1]})"), "bad-request");
  const Json u = ask(R"({"command":"frobnicate"})");
  EXPECT_EQ(u["error"]["code"], "unknown-command");
  EXPECT_EQ(u["command"], "frobnicate");
  EXPECT_EQ(error_code(std::string(kMaxRequest + 1, ' ')), "request-too-long");
  const Json e = Json::parse(Protocol::error_line("too-many-clients", "full"));
  EXPECT_EQ(e["ok"], false);
  EXPECT_EQ(e["error"]["code"], "too-many-clients");
}

// What a command added later (the counters) looks like: one entry.
TEST_F(ProtocolTest, ACommandIsOneEntry) {
  p.add({"echo", "[what]", "says it back", [](Backend&, const Json& args) {
           const auto w = string_arg(args, "what");
           if (!w) throw Error("bad-argument", "missing argument: what");
           return Json{{"said", *w}};
         }});
  EXPECT_EQ(ok(R"({"command":"echo","args":{"what":"hi"}})")["said"], "hi");
  EXPECT_EQ(error_code(R"({"command":"echo"})"), "bad-argument");
  bool listed = false;
  const Json help = ok(R"({"command":"help"})");
  for (const auto& c : help["commands"]) listed |= c["name"] == "echo";
  EXPECT_TRUE(listed);
}

// Text the demon did not make (an address off the wire) is not trusted
// to be UTF-8: the line is still valid JSON.
TEST_F(ProtocolTest, NonUtf8TextStillJson) {
  b.calls_[0].remote = std::string("\xff\xfe", 2);
  const Json r = ok(R"({"command":"calls"})");
  EXPECT_EQ(r["count"], 3);
}

}  // namespace
}  // namespace atmsigd::control
