// The engine with the loopback network: whole calls through the socket
// machines and a network stand-in, every frame checked by the kernel model.
#include "atmsigd/engine/engine.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <deque>

#include "atmsigd/callctl/loopback_network.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"

namespace atmsigd::test {
namespace {

using namespace atmsigd::atmsvc;
using callctl::LoopbackNetwork;

const char* kAddrA = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";

struct World : engine::Sink {
  SocketTable table;
  LoopbackNetwork net;
  engine::Engine eng{table, net};
  kemu::KernelModel kernel;
  std::deque<Message> pending;  // kernel answers to feed back
  std::vector<Message> got;
  std::vector<std::string> lines;
  TimePoint now{};

  explicit World(LoopbackNetwork::Mode mode = LoopbackNetwork::Mode::kLoopback)
      : net(LoopbackNetwork::Params{mode, 3, 0, 0, 32}) {}

  void to_kernel(const Message& m) override {
    got.push_back(m);
    auto r = kernel.on_demon(m);
    for (const auto& v : r.violations) ADD_FAILURE() << v;
    for (const auto& x : r.replies) pending.push_back(x);
  }
  void log(Severity, const std::string& text) override { lines.push_back(text); }
  void query_local_addresses(int) override {}

  void send(const Message& m) {
    const Bytes b = encode(m);
    eng.from_kernel(ByteView(b), now, *this);
    while (!pending.empty()) {
      const Bytes r = encode(pending.front());
      pending.pop_front();
      eng.from_kernel(ByteView(r), now, *this);
    }
  }
  std::size_t count(int type) const {
    std::size_t n = 0;
    for (const auto& m : got) n += m.type() == type ? 1 : 0;
    return n;
  }
};

TEST(EngineLoopback, CallIsIndicatedAcceptedAndBothEndsGetOkay) {
  World w;
  w.send(w.kernel.listen(0x10, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                         kemu::sap_from_text("")));
  w.send(w.kernel.connect(0x20, kemu::svc_address(""), kemu::svc_address(kAddrA),
                          kemu::qos_from_text("cbr:max_pcr=1000"), kemu::sap_from_text("")));
  // The listener's qos is ubr: a cbr call does not match it.
  ASSERT_EQ(w.got.back().type(), as_error);
  EXPECT_EQ(w.got.back().reply(), -ECONNREFUSED);
  w.send(w.kernel.connect(0x21, kemu::svc_address(""), kemu::svc_address(kAddrA),
                          kemu::qos_from_text("ubr"), kemu::sap_from_text("")));
  ASSERT_EQ(w.got.back().type(), as_indicate);
  const int callee_vci = w.got.back().raw().pvc.sap_addr.vci;
  w.send(*w.kernel.accept(0x30, 0x10));
  ASSERT_EQ(w.count(as_okay), 3u);  // listen, callee, caller
  EXPECT_EQ(w.kernel.socket(0x30)->state, kemu::KState::kConnected);
  EXPECT_EQ(w.kernel.socket(0x21)->state, kemu::KState::kConnected);
  EXPECT_EQ(w.kernel.socket(0x30)->last.raw().pvc.sap_addr.vci, callee_vci);
  EXPECT_EQ(w.net.call_count(), 1u);
  // The caller hangs up: the callee is told, acknowledges, and all is clean.
  w.send(w.kernel.close(0x21));
  EXPECT_EQ(w.kernel.socket(0x30), nullptr);
  EXPECT_EQ(w.net.call_count(), 0u);
  EXPECT_EQ(w.table.socket_count(), 1u);  // the listener
  w.send(w.kernel.close(0x10));
  EXPECT_EQ(w.table.socket_count(), 0u);
  EXPECT_EQ(w.kernel.socket_count(), 0u);
}

TEST(EngineLoopback, RejectReachesTheCallerAsConnRefused) {
  World w;
  w.send(w.kernel.listen(0x10, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                         kemu::sap_from_text("")));
  w.send(w.kernel.connect(0x21, kemu::svc_address(""), kemu::svc_address(kAddrA),
                          kemu::qos_from_text("ubr"), kemu::sap_from_text("")));
  w.send(*w.kernel.reject(0x10, -ECONNREFUSED));
  EXPECT_EQ(w.got.back().type(), as_error);
  EXPECT_EQ(w.got.back().vcc(), 0x21u);
  EXPECT_EQ(w.got.back().reply(), -ECONNREFUSED);
  EXPECT_EQ(w.net.call_count(), 0u);
}

TEST(EngineLoopback, CallerGivingUpLeavesNothingBehind) {
  World w;
  w.send(w.kernel.listen(0x10, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                         kemu::sap_from_text("")));
  w.send(w.kernel.connect(0x21, kemu::svc_address(""), kemu::svc_address(kAddrA),
                          kemu::qos_from_text("ubr"), kemu::sap_from_text("")));
  w.send(w.kernel.close(0x21));
  w.send(*w.kernel.accept(0x30, 0x10));
  EXPECT_EQ(w.got.back().type(), as_error);
  EXPECT_EQ(w.got.back().reply(), -ECONNABORTED);
  EXPECT_EQ(w.net.call_count(), 0u);
  EXPECT_EQ(w.table.socket_count(), 1u);
}

TEST(EngineRefuse, ConnectIsRefusedWithTheCausesErrno) {
  World w(LoopbackNetwork::Mode::kRefuse);
  w.send(w.kernel.connect(0x21, kemu::svc_address(""), kemu::svc_address(kAddrA),
                          kemu::qos_from_text("ubr"), kemu::sap_from_text("")));
  EXPECT_EQ(w.got.back().type(), as_error);
  EXPECT_EQ(w.got.back().reply(), -EHOSTUNREACH);
  EXPECT_NE(w.net.last_note().find("cause 3 (no route to destination)"), std::string::npos);
}

TEST(EngineShutdown, ReleasesEverything) {
  World w;
  w.send(w.kernel.listen(0x10, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                         kemu::sap_from_text("")));
  for (Vcc v = 0x100; v < 0x110; ++v)
    w.send(w.kernel.connect(v, kemu::svc_address(""), kemu::svc_address(kAddrA),
                            kemu::qos_from_text("ubr"), kemu::sap_from_text("")));
  for (Vcc v = 0x200; v < 0x208; ++v) w.send(*w.kernel.accept(v, 0x10));
  EXPECT_EQ(w.net.call_count(), 16u);
  w.eng.shutdown(w.now, w);
  EXPECT_EQ(w.table.socket_count(), 0u);
  EXPECT_EQ(w.net.call_count(), 0u);
}

TEST(CauseMapping, KnownCausesMapToDistinctErrnos) {
  EXPECT_EQ(callctl::cause_to_errno(3), -EHOSTUNREACH);
  EXPECT_EQ(callctl::cause_to_errno(17), -EBUSY);
  EXPECT_EQ(callctl::cause_to_errno(21), -ECONNREFUSED);
  EXPECT_EQ(callctl::cause_to_errno(102), -ETIMEDOUT);
  EXPECT_EQ(callctl::cause_to_errno(250), -EPROTO);
}

// Switch mode (-m switch): as_terminate from the user of signaling reaches the
// shell as request_shutdown(); the demon's stop() is the shell's business.
struct TerminateSink : engine::Sink {
  std::vector<std::string> shutdowns;
  void to_kernel(const Message&) override {}
  void log(Severity, const std::string&) override {}
  void query_local_addresses(int) override {}
  void request_shutdown(const std::string& why) override { shutdowns.push_back(why); }
};

TEST(EngineSwitch, AsTerminate_RequestShutdownOnTheSink) {
  SocketTableParams p;
  p.switch_mode = true;
  SocketTable table(p);
  LoopbackNetwork net(LoopbackNetwork::Params{LoopbackNetwork::Mode::kLoopback, 3, 0, 0, 32});
  engine::Engine eng{table, net};
  TerminateSink sink;
  const Bytes b = encode(Message(as_terminate));
  eng.from_kernel(ByteView(b), TimePoint{}, sink);
  ASSERT_EQ(sink.shutdowns.size(), 1u);
  EXPECT_NE(sink.shutdowns[0].find("as_terminate"), std::string::npos);
}

TEST(EngineSwitch, AsTerminateInUserOrNetworkMode_LoggedAndIgnored) {
  SocketTable table;
  LoopbackNetwork net(LoopbackNetwork::Params{LoopbackNetwork::Mode::kLoopback, 3, 0, 0, 32});
  engine::Engine eng{table, net};
  struct : TerminateSink {
    std::vector<std::string> errors;
    void log(Severity s, const std::string& t) override {
      if (s == Severity::kError) errors.push_back(t);
    }
  } sink;
  const Bytes b = encode(Message(as_terminate));
  eng.from_kernel(ByteView(b), TimePoint{}, sink);
  EXPECT_TRUE(sink.shutdowns.empty());
  ASSERT_EQ(sink.errors.size(), 1u);
  EXPECT_NE(sink.errors[0].find("as_terminate"), std::string::npos);
}

}  // namespace
}  // namespace atmsigd::test
