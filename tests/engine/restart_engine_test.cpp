// The operator's RESTART through two engines back to back (a user-side
// demon A and a network-side demon B, each a SocketTable and Q.2931 call
// control behind the EntityRouter, as the demon has them), in virtual time:
// Engine::restart on A clears the calls at both kernels and B acknowledges;
// B's RESTART ACKNOWLEDGE waits while its user of signaling is stalled (T317).
#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

#include "../support/engine_pair.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"

namespace atmsigd::test {
namespace {

using namespace atmsvc;
using namespace std::chrono_literals;

// as_close frames to a kernel with reply -ENETRESET.
std::size_t resets(const EngineSide& s) {
  std::size_t n = 0;
  for (const auto& m : s.to_kernel) n += m.type() == as_close && m.raw().reply == -ENETRESET;
  return n;
}

const log::Levels kAll = log::Levels::all();

struct World : EnginePair {
  World() : EnginePair(q2931::Version::kUni40, kAll) { keep_events = true; }

  // Links up, B listens, `n` calls from A accepted by B.
  void calls(std::size_t n) {
    start();
    frame(b, listen_frame(0x10));
    for (std::size_t i = 0; i < n; ++i) {
      frame(a, connect_frame(0x100 + i));
      ASSERT_EQ(b.to_kernel.back().type(), as_indicate);
      Message accept(as_accept);
      accept.set_listen_vcc(0x10);
      accept.set_vcc(0x900 + i);
      accept.raw().qos = b.to_kernel.back().raw().qos;
      frame(b, accept);
      ASSERT_EQ(a.to_kernel.back().type(), as_okay);
      pvcs.push_back(a.to_kernel.back().raw().pvc);
    }
    ASSERT_EQ(a.cc.call_count(), n);
    ASSERT_EQ(b.cc.call_count(), n);
    a.to_kernel.clear();
    b.to_kernel.clear();
  }
  std::vector<struct sockaddr_atmpvc> pvcs;
};

TEST(EngineRestart, OperatorRestartClearsBothKernelsAndThePeerAcknowledges) {
  World w;
  w.calls(2);
  w.a.eng.restart(std::nullopt, std::nullopt, w.now, w.a.out);
  w.take(w.a, true);
  w.pump();
  EXPECT_EQ(resets(w.a), 2u);
  EXPECT_EQ(resets(w.b), 2u);
  EXPECT_EQ(w.a.cc.call_count(), 0u);
  EXPECT_EQ(w.b.cc.call_count(), 0u);
  EXPECT_FALSE(w.a.cc.uni(0).restart_pending());  // B's RESTART ACKNOWLEDGE came
  EXPECT_TRUE(w.a.saw(log::Id::kRestartAcknowledged));
  EXPECT_TRUE(w.b.saw(log::Id::kRestartReceived));
}

TEST(EngineRestart, OneVc_OnlyThatCallAtEitherKernel) {
  World w;
  w.calls(2);
  const auto& pvc = w.pvcs[1];
  w.feed(w.a, engine::Restart{0, std::make_pair(static_cast<std::uint16_t>(pvc.sap_addr.vpi),
                                                static_cast<std::uint16_t>(pvc.sap_addr.vci))});
  w.pump();
  ASSERT_EQ(resets(w.a), 1u);
  EXPECT_EQ(w.a.to_kernel.back().vcc(), 0x101u);
  ASSERT_EQ(resets(w.b), 1u);
  EXPECT_EQ(w.b.to_kernel.back().vcc(), 0x901u);
  EXPECT_EQ(w.a.cc.call_count(), 1u);
  EXPECT_EQ(w.b.cc.call_count(), 1u);
  EXPECT_FALSE(w.a.cc.uni(0).restart_pending());
}

TEST(EngineRestart, AnEntityThatDoesNotExist_Nothing) {
  World w;
  w.calls(1);
  w.feed(w.a, engine::Restart{3, std::nullopt});
  w.pump();
  EXPECT_EQ(resets(w.a), 0u);
  EXPECT_EQ(w.a.cc.call_count(), 1u);
}

// T317 through the engine: B's user of signaling is stalled, so the frames
// ending the calls wait in B's shell; the acknowledgement follows the drain.
TEST(EngineRestart, PeerUserStalled_AcknowledgementAfterTheDrain) {
  World w;
  w.calls(1);
  w.feed(w.b, engine::UserStalled{true});
  w.feed(w.a, engine::Restart{});
  w.pump();
  EXPECT_EQ(resets(w.b), 1u);  // handed to B's shell, which holds them
  EXPECT_TRUE(w.a.cc.uni(0).restart_pending());
  EXPECT_TRUE(w.b.cc.uni(0).restart_answer_pending());
  w.step(10s);
  EXPECT_TRUE(w.a.cc.uni(0).restart_pending());
  w.feed(w.b, engine::UserStalled{false});
  w.pump();
  EXPECT_FALSE(w.b.cc.uni(0).restart_answer_pending());
  EXPECT_FALSE(w.a.cc.uni(0).restart_pending());
  EXPECT_TRUE(w.b.saw(log::Id::kRestartClearingComplete));
}

}  // namespace
}  // namespace atmsigd::test
