// Q.2963.1 end to end: two demons with -u uni40+q.2963.1 back to back over
// SSCOP/UDP on loopback, each driven by its emulated kernel. The caller (the
// connection owner) changes its call's peak cell rates with as_modify
// (SO_ATMQOS); both kernels are asked to reserve, then to commit (or to set
// the old rates again), and the caller's as_modify is answered. The user
// side's capture is decoded with tshark: every MODIFY message and CONNECTION
// AVAILABLE must be there, none malformed.
#include <gtest/gtest.h>

#include <linux/atmdev.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "../support/tshark.hpp"
#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

// The demon's own as_modify, as the kernel sees its reply field.
const std::string kOwnerReserve = std::to_string(ATM_MF_INC_RSV | ATM_MF_DEC_SHP);
const std::string kOtherReserve = std::to_string(ATM_MF_INC_RSV | ATM_MF_DEC_RSV | ATM_MF_DEC_SHP);
const std::string kSet = std::to_string(ATM_MF_SET);

// One Q.2931 message of the capture as tshark dissects it.
struct Dissected {
  std::string type;    // q2931.message_type, e.g. 0x88
  std::string ies;     // the IE identifiers, comma-separated
  std::string values;  // traffic descriptor values (q2931.atm_identifier_value)
  std::string cause;   // q2931.cause.value
  bool malformed = false;
};

// tshark 4.0.17 knows neither the Q.2963.1 message types nor the broadband
// report type IE by name ("Unknown message type (0x88)", "Unknown
// information element (0x89)"); it dissects them generically, and that is
// what is compared: message type, IEs, traffic descriptor values, cause. Its
// one-octet over-read of an AAL parameters or ATM traffic descriptor IE that
// ends a message shows CONNECT and MODIFY REQUEST as [Malformed Packet]
// (docs/q2931-coding.md); the caller checks that nothing else is.
std::vector<Dissected> dissect(const std::string& pcap) {
  const std::string out = run_tshark(
      pcap,
      "-Y q2931 -T fields -E separator=/t -e q2931.message_type -e q2931.information_element "
      "-e q2931.atm_identifier_value -e q2931.cause.value -e _ws.malformed");
  std::vector<Dissected> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream ls(line);
    for (std::string x; std::getline(ls, x, '\t');) f.push_back(x);
    f.resize(5);
    v.push_back({f[0], f[1], f[2], f[3], !f[4].empty()});
  }
  return v;
}

// The one message of this type; nullptr (and a failure) if not exactly one.
const Dissected* only(const std::vector<Dissected>& v, const std::string& type) {
  const Dissected* found = nullptr;
  std::size_t n = 0;
  for (const auto& d : v)
    if (d.type == type) {
      found = &d;
      ++n;
    }
  EXPECT_EQ(n, 1u) << "messages of type " << type;
  return n == 1 ? found : nullptr;
}

void expect_only_known_malformed(const std::vector<Dissected>& v) {
  for (const auto& d : v)
    if (d.malformed) {
      EXPECT_TRUE(d.type == "0x07" || d.type == "0x88") << "malformed " << d.type << " " << d.ies;
    }
}

class Modify : public ::testing::Test {
 protected:
  void start(const std::string& uni, const std::vector<std::string>& user_conf = {},
             const std::vector<std::string>& net_conf = {}) {
    const int base = port_base();
    pcap = temp_path("modify.pcap");
    std::vector<std::string> uc = user_conf;
    uc.push_back("io pcap " + pcap);
    user = std::make_unique<Side>("user", "user", kUserAddr, base, base + 1, uni, uc);
    net = std::make_unique<Side>("net", "network", kNetAddr, base + 1, base, uni, net_conf);
    ASSERT_TRUE(user->wait_log("signaling link up")) << user->log();
    ASSERT_TRUE(net->wait_log("signaling link up")) << net->log();
    ASSERT_TRUE(net->run({"listen L addr=" + kNetAddr + " qos=cbr", "expect L okay"}));
  }
  // The user side calls (CBR, 1000 cells/s each way): C is the owner's socket.
  void call() {
    ASSERT_TRUE(user->run({"connect C to=" + kNetAddr + " qos=cbr:max_pcr=1000"}));
    ASSERT_TRUE(net->run({"expect L indicate", "accept N L", "expect N okay"}));
    ASSERT_TRUE(user->run({"expect C okay"}));
  }
  void TearDown() override {
    for (auto* s : {user.get(), net.get()}) {
      if (s == nullptr) continue;
      EXPECT_EQ(s->runner->model().all_violations(), std::vector<std::string>{}) << s->name;
      EXPECT_EQ(s->stop(), 0);
    }
    std::error_code ec;
    if (std::getenv("KEEP_PCAP") == nullptr) std::filesystem::remove(pcap, ec);
  }
  const kemu::KSocket* sock(Side& s, const std::string& name) {
    return s.runner->model().socket(s.runner->names().at(name));
  }
  std::unique_ptr<Side> user, net;
  std::string pcap;
};

// Granted: both kernels reserve then commit; the forward rate rose, so the
// called side asks for CONNECTION AVAILABLE; the caller's as_modify gets 0.
// Both kernels end with the new rates, each in its own direction.
TEST_F(Modify, GrantedBothKernelsCommitTheNewRates) {
  start("uni40+q.2963.1");
  call();
  ASSERT_TRUE(
      user->run({"modify C qos=cbr:max_pcr=3000", "expect C modify reply=" + kOwnerReserve}));
  // Each kernel answers when its runner runs: the called side reserves, the
  // caller commits (then sends CONNECTION AVAILABLE), the called side commits.
  ASSERT_TRUE(net->run({"expect N modify reply=" + kOtherReserve}));
  ASSERT_TRUE(user->run({"expect C modify reply=" + kSet, "expect C okay reply=0"}));
  ASSERT_TRUE(net->run({"expect N modify reply=" + kSet}));
  const auto* c = sock(*user, "C");
  const auto* n = sock(*net, "N");
  ASSERT_NE(c, nullptr);
  ASSERT_NE(n, nullptr);
  ASSERT_TRUE(c->qos.has_value());
  ASSERT_TRUE(n->qos.has_value());
  EXPECT_EQ(c->qos->txtp.max_pcr, 3000);
  EXPECT_EQ(n->qos->rxtp.max_pcr, 3000);
  EXPECT_EQ(c->modify_result, 0);
  EXPECT_TRUE(net->wait_log("modification confirmed (CONNECTION AVAILABLE)")) << net->log();
  // The call goes on and is released as any other.
  ASSERT_TRUE(user->run({"close C", "expect C close"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));

  // tshark decodes what went over the link: MODIFY REQUEST with the new
  // rates, MODIFY ACKNOWLEDGE with the broadband report type, CONNECTION
  // AVAILABLE.
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  ASSERT_TRUE(user->wait_log("released"));
  const auto msgs = dissect(pcap);
  if (const auto* r = only(msgs, "0x88")) {
    EXPECT_EQ(r->ies, "0x59");
    EXPECT_EQ(r->values, "3000,3000");
  }
  if (const auto* a = only(msgs, "0x89")) {
    EXPECT_EQ(a->ies, "0x89");
  }
  if (const auto* ca = only(msgs, "0x8b")) {
    EXPECT_EQ(ca->ies, "");
  }
  expect_only_known_malformed(msgs);
}

// The called side's kernel refuses the reservation: MODIFY REJECT (cause 37),
// the caller's kernel sets the old rates again and its as_modify gets -EAGAIN.
TEST_F(Modify, RefusedByTheCalledKernel) {
  start("uni40+q.2963.1");
  call();
  ASSERT_TRUE(net->run({"modify-answer N reserve=-11"}));
  ASSERT_TRUE(
      user->run({"modify C qos=cbr:max_pcr=3000", "expect C modify reply=" + kOwnerReserve}));
  ASSERT_TRUE(net->run({"expect N modify reply=" + kOtherReserve}));
  ASSERT_TRUE(user->run({"expect C modify reply=" + kSet, "expect C okay reply=-11"}));
  const auto* c = sock(*user, "C");
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->qos.has_value());
  EXPECT_EQ(c->qos->txtp.max_pcr, 1000);  // the old rate, set again
  EXPECT_TRUE(user->wait_log("MODIFY REJECT, cause 37")) << user->log();
  // A refusal on the caller's own side: its kernel cannot reserve.
  ASSERT_TRUE(user->run({"modify-answer C reserve=-16", "modify C qos=cbr:max_pcr=2000",
                         "expect C modify reply=" + kOwnerReserve, "expect C okay reply=-16"}));
  ASSERT_TRUE(net->run({"expect-none within=300"}));
  // The rejection went over the link as MODIFY REJECT, cause 37.
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  ASSERT_TRUE(user->run({"close C", "expect C close"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));
  ASSERT_TRUE(user->wait_log("released"));
  const auto msgs = dissect(pcap);
  if (const auto* r = only(msgs, "0x88")) {
    EXPECT_EQ(r->values, "3000,3000");
  }
  if (const auto* j = only(msgs, "0x8a")) {
    EXPECT_EQ(j->ies, "0x08");
    EXPECT_EQ(j->cause, "0x25");
  }
  expect_only_known_malformed(msgs);
}

// Timed out: the called side's kernel never answers its reservation; T360
// (shortened) expires at the caller: its as_modify gets -ETIMEDOUT, the call
// is cleared (cause 102) and both kernels see the close.
TEST_F(Modify, TimedOutT360ClearsTheCall) {
  start("uni40+q.2963.1", {"sig timer t360 500ms"});
  call();
  ASSERT_TRUE(net->run({"modify-answer N reserve=none"}));
  ASSERT_TRUE(
      user->run({"modify C qos=cbr:max_pcr=3000", "expect C modify reply=" + kOwnerReserve}));
  ASSERT_TRUE(net->run({"expect N modify reply=" + kOtherReserve}));
  ASSERT_TRUE(user->run({"expect C okay reply=-110", "expect C close reply=-110"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));
  EXPECT_TRUE(user->wait_log("T360 expired")) << user->log();
  EXPECT_TRUE(net->wait_log("cleared by the peer, cause 102")) << net->log();
  EXPECT_TRUE(user->status_has({"calls held by the network side: 0"}));
  EXPECT_TRUE(net->status_has({"calls held by the network side: 0"}));
}

// The refusals before anything is signalled: the called side is not the
// connection owner (-EBADFD), a change of traffic class (-EINVAL), a second
// modification while one runs (-EALREADY), a listener (-EBADFD).
TEST_F(Modify, RefusalsBeforeAnythingIsSignalled) {
  start("uni40+q.2963.1");
  call();
  ASSERT_TRUE(net->run({"modify N qos=cbr:max_pcr=3000", "expect N okay reply=-77",
                        "modify L qos=ubr", "expect L okay reply=-77"}));
  ASSERT_TRUE(user->run({"modify C qos=ubr", "expect C okay reply=-22"}));
  ASSERT_TRUE(user->run({"modify-answer C reserve=none", "modify C qos=cbr:max_pcr=3000",
                         "expect C modify reply=" + kOwnerReserve, "modify C qos=cbr:max_pcr=4000",
                         "expect C okay reply=-114"}));
  ASSERT_TRUE(net->run({"expect-none within=300"}));
  // Closing with the reservation unanswered releases the call as usual.
  ASSERT_TRUE(user->run({"close C", "expect C close"}));
  ASSERT_TRUE(net->run({"expect N close reply=0"}));
}

// The network side calls: it is the owner; the user side reserves, commits.
TEST_F(Modify, NetworkSideOwnerGranted) {
  start("uni40+q.2963.1");
  ASSERT_TRUE(user->run({"listen UL addr=" + kUserAddr + " qos=cbr", "expect UL okay"}));
  ASSERT_TRUE(net->run({"connect D to=" + kUserAddr + " qos=cbr:max_pcr=2000"}));
  ASSERT_TRUE(user->run({"expect UL indicate", "accept U UL", "expect U okay"}));
  ASSERT_TRUE(net->run(
      {"expect D okay", "modify D qos=cbr:max_pcr=500", "expect D modify reply=" + kOwnerReserve}));
  // Lowered: no CONNECTION AVAILABLE asked, the user side commits at once.
  ASSERT_TRUE(
      user->run({"expect U modify reply=" + kOtherReserve, "expect U modify reply=" + kSet}));
  ASSERT_TRUE(net->run({"expect D modify reply=" + kSet, "expect D okay reply=0"}));
  EXPECT_EQ(sock(*user, "U")->qos->rxtp.max_pcr, 500);
}

// Without q.2963.1 (plain UNI 4.0): as the original, -ENOPROTOOPT.
TEST_F(Modify, WithoutQ2963_Enoprotoopt) {
  start("uni40");
  call();
  ASSERT_TRUE(user->run({"modify C qos=cbr:max_pcr=3000", "expect C okay reply=-92"}));
  ASSERT_TRUE(net->run({"modify L qos=ubr", "expect L okay reply=-92"}));
}

}  // namespace
}  // namespace atmsigd::test
