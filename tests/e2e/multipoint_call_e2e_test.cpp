// Q.2971 end to end (issue 17): two demons back to back over SSCOP/UDP on
// loopback, each driven by its emulated kernel. A root on the user side
// adds three leaves behind the network side (one rejects, one is dropped by
// the root, one hangs up) and closes; a leaf joins by LIJ (UNI 4.0 §6,
// network join without root notification). The user side's capture is
// decoded with tshark: every point-to-multipoint message is there, none
// malformed beyond tshark's known over-read (docs/q2931-coding.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "../support/tshark.hpp"
#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

// The leaves: the network side's address with another selector each (a
// listener each; the selector is the end system's own).
std::string net_leaf(int n) {
  return kNetAddr.substr(0, kNetAddr.size() - 2) + "0" + std::to_string(n);
}

struct Dissected {
  std::string type;  // q2931.message_type
  bool malformed = false;
};

std::vector<Dissected> dissect(const std::string& pcap) {
  const std::string out =
      run_tshark(pcap, "-Y q2931 -T fields -E separator=/t -e q2931.message_type -e _ws.malformed");
  std::vector<Dissected> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const auto tab = line.find('\t');
    v.push_back({line.substr(0, tab), tab != std::string::npos && tab + 1 < line.size()});
  }
  return v;
}

class MultipointCall : public ::testing::Test {
 protected:
  void SetUp() override {
    const int base = port_base();
    pcap = temp_path("p2mp.pcap");
    user = std::make_unique<Side>("user", "user", kUserAddr, base, base + 1, "uni40",
                                  std::vector<std::string>{"io pcap " + pcap});
    net = std::make_unique<Side>("net", "network", kNetAddr, base + 1, base, "uni40");
    ASSERT_TRUE(user->wait_log("signaling link up")) << user->log();
    ASSERT_TRUE(net->wait_log("signaling link up")) << net->log();
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
  std::set<std::string> types_on_the_wire() {
    std::set<std::string> t;
    for (const auto& d : dissect(pcap)) {
      t.insert(d.type);
      // CONNECT (0x07) and SETUP (0x05): tshark's one-octet over-read of a
      // final AAL parameters / traffic descriptor IE (docs/q2931-coding.md).
      if (d.malformed) {
        EXPECT_TRUE(d.type == "0x07" || d.type == "0x05") << "malformed " << d.type;
      }
    }
    return t;
  }
  std::unique_ptr<Side> user, net;
  std::string pcap;
};

TEST_F(MultipointCall, RootAddsThreeLeaves_RejectDropHangUpClose) {
  std::vector<std::string> listens;
  for (int i = 0; i <= 3; ++i) {
    listens.push_back("listen L" + std::to_string(i) + " addr=" + net_leaf(i));
    listens.push_back("expect L" + std::to_string(i) + " okay");
  }
  ASSERT_TRUE(net->run(listens));
  // Party 0: the SETUP (point-to-multipoint, endpoint reference 0).
  ASSERT_TRUE(user->run({"connect R to=" + net_leaf(0) + " multipoint"}));
  ASSERT_TRUE(net->run({"expect L0 indicate", "accept N0 L0", "expect N0 okay"}));
  ASSERT_TRUE(user->run({"expect R okay"}));
  // Leaf 1 accepts: ADD PARTY ... ADD PARTY ACKNOWLEDGE, the endpoint reference.
  ASSERT_TRUE(user->run({"addparty R to=" + net_leaf(1)}));
  ASSERT_TRUE(net->run({"expect L1 indicate", "accept N1 L1", "expect N1 okay"}));
  ASSERT_TRUE(user->run({"expect R addparty ep=any save=E1"}));
  // Leaf 2 rejects: ADD PARTY REJECT, the errno to the root's ioctl.
  ASSERT_TRUE(user->run({"addparty R to=" + net_leaf(2)}));
  ASSERT_TRUE(net->run({"expect L2 indicate", "reject L2 reply=-111"}));
  ASSERT_TRUE(user->run({"expect R addparty"}));
  EXPECT_LT(user->runner->model().socket(user->runner->names().at("R"))->party_result, 0);
  // Leaf 3 accepts, then hangs up (DROP PARTY from its side); the call goes on.
  ASSERT_TRUE(user->run({"addparty R to=" + net_leaf(3)}));
  ASSERT_TRUE(net->run({"expect L3 indicate", "accept N3 L3", "expect N3 okay"}));
  ASSERT_TRUE(user->run({"expect R addparty ep=any save=E3"}));
  ASSERT_TRUE(net->run({"close N3", "expect N3 close"}));
  // The root drops leaf 1: DROP PARTY / DROP PARTY ACKNOWLEDGE; its socket closes.
  ASSERT_TRUE(user->run({"dropparty R ep=E1", "expect R dropparty reply=0"}));
  ASSERT_TRUE(net->run({"expect N1 close"}));
  // The root closes: party 0 is released.
  ASSERT_TRUE(user->run({"close R", "expect R close"}));
  ASSERT_TRUE(net->run({"expect N0 close"}));
  ASSERT_TRUE(user->wait_log("released"));

  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  const auto t = types_on_the_wire();
  for (const char* want : {"0x80", "0x81", "0x82", "0x83", "0x84"})  // ADD PARTY .. DROP PARTY ACK
    EXPECT_TRUE(t.contains(want)) << "no message " << want << " on the wire";
}

// UNI 4.0 LIJ: the root on the network side's kernel places a call with
// network join without root notification (lij=nj); a leaf on the user side
// joins it by its LIJ call identifier (LEAF SETUP REQUEST); the network
// adds it with ADD PARTY and the leaf's connect() completes.
TEST_F(MultipointCall, LeafJoinsByLij) {
  ASSERT_TRUE(user->run({"listen L addr=" + kUserAddr, "expect L okay"}));
  ASSERT_TRUE(net->run({"connect R to=" + kUserAddr + " multipoint lij=nj:7"}));
  ASSERT_TRUE(user->run({"expect L indicate", "accept N L", "expect N okay"}));
  ASSERT_TRUE(net->run({"expect R okay"}));
  ASSERT_TRUE(user->run({"connect J to=" + kNetAddr + " lij=join:7", "expect J okay"}));
  ASSERT_TRUE(user->run({"close J", "expect J close", "close N", "expect N close"}));
  ASSERT_TRUE(net->run({"close R", "expect R close"}));
  ASSERT_TRUE(user->wait_log("released"));

  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  const auto t = types_on_the_wire();
  EXPECT_TRUE(t.contains("0x91")) << "no LEAF SETUP REQUEST on the wire";
  EXPECT_TRUE(t.contains("0x80")) << "no ADD PARTY on the wire";
}

}  // namespace
}  // namespace atmsigd::test
