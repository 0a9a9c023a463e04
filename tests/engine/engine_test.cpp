// The engine with the loopback network: whole calls through the socket
// machines and a network stand-in, every frame checked by the kernel model.
#include "atmsigd/engine/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <deque>

#include "atmsigd/callctl/cause_errno.hpp"
#include "atmsigd/callctl/loopback_network.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"
#include "atmsigd/log/format.hpp"

namespace atmsigd::test {
namespace {

using namespace atmsigd::atmsvc;
using callctl::LoopbackNetwork;

const char* kAddrA = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";

// The engine's actions, sorted: frames to the kernel, log events (formatted,
// every level enabled), shutdown requests.
struct Actions {
  std::vector<Message> to_kernel;
  std::vector<std::pair<log::Level, std::string>> lines;
  std::vector<std::string> terminate;
  bool stopped = false;
  void take(std::vector<engine::Action>& out) {
    for (auto& a : out) {
      if (auto* k = std::get_if<engine::ToKernel>(&a))
        to_kernel.push_back(k->msg);
      else if (auto* e = std::get_if<log::Event>(&a))
        lines.emplace_back(log::spec(e->id).level, log::format(*e));
      else if (auto* t = std::get_if<engine::Terminate>(&a))
        terminate.push_back(t->why);
      else if (std::holds_alternative<engine::Stopped>(a))
        stopped = true;
    }
    out.clear();
  }
};

const log::Levels kAll = log::Levels::all();

struct World {
  SocketTable table;
  LoopbackNetwork net;
  engine::Engine eng{table, net, &kAll};
  kemu::KernelModel kernel;
  std::deque<Message> pending;  // kernel answers to feed back
  std::vector<Message> got;
  std::vector<std::string> lines;
  TimePoint now{};

  explicit World(LoopbackNetwork::Mode mode = LoopbackNetwork::Mode::kLoopback,
                 int refuse_cause = 3)
      : net(LoopbackNetwork::Params{mode, refuse_cause, 0, 0, 32, &kAll}) {}

  void take(std::vector<engine::Action>& out) {
    Actions a;
    a.take(out);
    for (const auto& m : a.to_kernel) {
      got.push_back(m);
      auto r = kernel.on_demon(m);
      for (const auto& v : r.violations) ADD_FAILURE() << v;
      for (const auto& x : r.replies) pending.push_back(x);
    }
    for (auto& l : a.lines) lines.push_back(l.second);
    stopped |= a.stopped;
  }
  void feed(const engine::Input& in) {
    std::vector<engine::Action> out;
    eng.handle(in, now, out);
    take(out);
  }
  bool stopped = false;

  void send(const Message& m) {
    const Bytes b = encode(m);
    feed(engine::KernelFrame{ByteView(b)});
    while (!pending.empty()) {
      const Bytes r = encode(pending.front());
      pending.pop_front();
      feed(engine::KernelFrame{ByteView(r)});
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
  EXPECT_TRUE(std::any_of(w.lines.begin(), w.lines.end(), [](const std::string& l) {
    return l ==
           "network: call from socket #1 refused by the network: cause 3 (no route to "
           "destination)";
  })) << "no LOOPBACK_REFUSED line";
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
  w.feed(engine::Stop{"test"});
  EXPECT_EQ(w.table.socket_count(), 0u);
  EXPECT_EQ(w.net.call_count(), 0u);
  // A stand-in has no link to drain: stopped at once, and the line says why.
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(w.eng.next_deadline(), std::nullopt);
  EXPECT_NE(std::find(w.lines.begin(), w.lines.end(), "shutting down (test)"), w.lines.end());
  // Nothing from the kernel is served after Stop.
  const auto before = w.got.size();
  w.send(w.kernel.listen(0x11, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                         kemu::sap_from_text("")));
  EXPECT_EQ(w.got.size(), before);
}

// Found by the engine fuzzer: a Stop while the signaling link had never come
// up reported Stopped at once but left call control holding the call the
// kernel had just released (its RELEASE queued for the link), with its
// timers and link attempts still running. It is told StopLinks too.
TEST(EngineShutdown, WithoutALinkCallControlKeepsNothing) {
  SocketTable table;
  callctl::Uni uni(callctl::UniParams::defaults(callctl::Side::kUser, q2931::Version::kUni31));
  engine::Engine eng{table, uni, &kAll};
  kemu::KernelModel kernel;
  std::vector<engine::Action> out;
  TimePoint now{};
  eng.handle(engine::Start{}, now, out);  // the BGN is lost: the link stays down
  const Bytes b = encode(kernel.connect(0x20, kemu::svc_address(""), kemu::svc_address(kAddrA),
                                        kemu::qos_from_text("ubr"), kemu::sap_from_text("")));
  eng.handle(engine::KernelFrame{ByteView(b)}, now, out);
  ASSERT_FALSE(uni.link_up());
  ASSERT_EQ(uni.call_count(), 1u);
  out.clear();
  eng.handle(engine::Stop{"test"}, now, out);
  Actions a;
  a.take(out);
  EXPECT_TRUE(a.stopped);
  EXPECT_EQ(table.socket_count(), 0u);
  EXPECT_EQ(uni.call_count(), 0u);
  EXPECT_EQ(eng.next_deadline(), std::nullopt);
}

TEST(EngineFrames, DecodedOnceLoggedAtDebugOnlyWhenWanted) {
  // Default levels: the frames in and out make no event at all.
  SocketTable table;
  LoopbackNetwork net(LoopbackNetwork::Params{LoopbackNetwork::Mode::kLoopback, 3, 0, 0, 32});
  const log::Levels info;
  engine::Engine eng{table, net, &info};
  kemu::KernelModel kernel;
  std::vector<engine::Action> out;
  const Bytes b = encode(kernel.listen(0x10, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                                       kemu::sap_from_text("")));
  eng.handle(engine::KernelFrame{ByteView(b)}, TimePoint{}, out);
  // The table's own events (it has every level) stay in the one action list
  // as Handled: nothing for the shell but the frame (nor is ToCallControl).
  std::vector<const engine::Action*> for_shell;
  for (const auto& a : out)
    if (!std::holds_alternative<engine::Handled>(a) &&
        !std::holds_alternative<engine::ToCallControl>(a))
      for_shell.push_back(&a);
  ASSERT_EQ(for_shell.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<engine::ToKernel>(*for_shell[0]));
  // Every level: the frame from the kernel and the answer, as text.
  World w;
  w.send(w.kernel.listen(0x10, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                         kemu::sap_from_text("")));
  ASSERT_GE(w.lines.size(), 2u);
  EXPECT_EQ(w.lines.front().rfind("from kernel: as_listen", 0), 0u) << w.lines.front();
  EXPECT_EQ(w.lines.back().rfind("to kernel: as_okay", 0), 0u) << w.lines.back();
}

TEST(EngineRefused, AReplyTheKernelRefusedClosesTheSocket) {
  World w;
  w.send(w.kernel.listen(0x10, kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                         kemu::sap_from_text("")));
  ASSERT_EQ(w.table.socket_count(), 1u);
  const Message okay = w.got.back();
  ASSERT_EQ(okay.type(), as_okay);
  // The kernel never saw the as_okay: the model is not asked again.
  std::vector<engine::Action> out;
  w.eng.handle(engine::ReplyRefused{okay}, w.now, out);
  Actions a;
  a.take(out);
  EXPECT_EQ(w.table.socket_count(), 0u);
  EXPECT_NE(std::find_if(a.lines.begin(), a.lines.end(),
                         [](const auto& l) {
                           return l.first == log::Level::kWarn &&
                                  l.second.find("treated as closed") != std::string::npos;
                         }),
            a.lines.end());
  // A refused frame for a socket the table does not hold changes nothing.
  w.eng.handle(engine::ReplyRefused{okay}, w.now, out);
  EXPECT_TRUE(out.empty());
}

// The refusing stand-in answers as the demon does when the network clears a
// call during setup (callctl's setup-failure table, the original's).
TEST(EngineRefuse, ErrnoIsTheSetupFailureErrnoOfTheCause) {
  for (const std::uint8_t cause : {1, 3, 17, 22, 27, 47, 102}) {
    World w(LoopbackNetwork::Mode::kRefuse, cause);
    w.send(w.kernel.connect(0x21, kemu::svc_address(""), kemu::svc_address(kAddrA),
                            kemu::qos_from_text("ubr"), kemu::sap_from_text("")));
    ASSERT_EQ(w.got.back().type(), as_error) << int(cause);
    EXPECT_EQ(w.got.back().reply(), callctl::setup_failure_errno(cause)) << int(cause);
  }
  EXPECT_EQ(callctl::setup_failure_errno(3), -EHOSTUNREACH);  // the default --refuse-cause
}

// Switch mode (-m switch): as_terminate from the user of signaling becomes a
// Terminate action; stopping the demon is the shell's business.
TEST(EngineSwitch, AsTerminate_TerminateAction) {
  SocketTableParams p;
  p.switch_mode = true;
  SocketTable table(p);
  LoopbackNetwork net(LoopbackNetwork::Params{LoopbackNetwork::Mode::kLoopback, 3, 0, 0, 32});
  engine::Engine eng{table, net};
  std::vector<engine::Action> out;
  const Bytes b = encode(Message(as_terminate));
  eng.handle(engine::KernelFrame{ByteView(b)}, TimePoint{}, out);
  Actions a;
  a.take(out);
  ASSERT_EQ(a.terminate.size(), 1u);
  EXPECT_NE(a.terminate[0].find("as_terminate"), std::string::npos);
}

TEST(EngineSwitch, AsTerminateInUserOrNetworkMode_LoggedAndIgnored) {
  SocketTable table;
  LoopbackNetwork net(LoopbackNetwork::Params{LoopbackNetwork::Mode::kLoopback, 3, 0, 0, 32});
  engine::Engine eng{table, net};
  std::vector<engine::Action> out;
  const Bytes b = encode(Message(as_terminate));
  eng.handle(engine::KernelFrame{ByteView(b)}, TimePoint{}, out);
  Actions a;
  a.take(out);
  EXPECT_TRUE(a.terminate.empty());
  std::vector<std::string> errors;
  for (const auto& [level, text] : a.lines)
    if (level == log::Level::kError) errors.push_back(text);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("as_terminate"), std::string::npos);
}

}  // namespace
}  // namespace atmsigd::test
