// Engine::stats(): the kernel frames by type, malformed frames, and each
// entity's counters, through two engines back to back (a user-side demon A
// and a network-side demon B, each a SocketTable and a Uni behind the
// EntityRouter, as the demon has them), in virtual time.
#include <gtest/gtest.h>

#include <vector>

#include "../support/engine_pair.hpp"
#include "atmsigd/callctl/loopback_network.hpp"
#include "atmsigd/engine/engine.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"

namespace atmsigd::test {
namespace {

using namespace atmsvc;
using namespace std::chrono_literals;

const log::Levels kDefault{};  // the demon's default: info

std::uint64_t in_of(const engine::Stats& s, int type) {
  return s.kernel.frames_in[engine::KernelCounters::index(type)];
}
std::uint64_t out_of(const engine::Stats& s, int type) {
  return s.kernel.frames_out[engine::KernelCounters::index(type)];
}

TEST(EngineStats, CallBetweenTwoEngines_FramesByTypeAndEntityCounters) {
  EnginePair w(q2931::Version::kUni31, kDefault);
  w.start();

  w.frame(w.b, listen_frame(0x10));
  w.frame(w.a, connect_frame(0x20));
  ASSERT_EQ(w.b.to_kernel.back().type(), as_indicate);
  Message accept(as_accept);
  accept.set_vcc(0x30);
  accept.set_listen_vcc(0x10);
  accept.raw().qos = w.b.to_kernel.back().raw().qos;
  w.frame(w.b, accept);
  w.step(1ms);
  ASSERT_EQ(w.a.to_kernel.back().type(), as_okay);

  {
    const engine::Stats a = w.a.eng.stats();
    const engine::Stats b = w.b.eng.stats();
    EXPECT_EQ(in_of(a, as_connect), 1u);
    EXPECT_EQ(out_of(a, as_okay), 1u);
    EXPECT_EQ(in_of(b, as_listen), 1u);
    EXPECT_EQ(in_of(b, as_accept), 1u);
    EXPECT_EQ(out_of(b, as_indicate), 1u);
    EXPECT_EQ(out_of(b, as_okay), 2u);  // the listen and the accept
    EXPECT_EQ(a.calls_held, 1u);
    EXPECT_EQ(b.sockets, 2u);  // the listener and the call
    ASSERT_EQ(a.entities.size(), 1u);
    ASSERT_EQ(b.entities.size(), 1u);
    EXPECT_EQ(a.entities[0].name, "0.0.5");
    EXPECT_TRUE(a.entities[0].link_up);
    EXPECT_EQ(a.entities[0].calls.calls_placed, 1u);
    EXPECT_EQ(a.entities[0].calls.calls_connected, 1u);
    EXPECT_EQ(b.entities[0].calls.calls_offered, 1u);
    EXPECT_EQ(b.entities[0].calls.calls_accepted, 1u);
    EXPECT_EQ(a.entities[0].calls.link_up, 1u);
    EXPECT_GE(a.entities[0].sscop.sd_sent, 2u);  // SETUP, CONNECT ACKNOWLEDGE
  }

  Message close(as_close);
  close.set_vcc(0x20);
  w.frame(w.a, close);
  w.step(10ms);
  const engine::Stats a = w.a.eng.stats();
  const engine::Stats b = w.b.eng.stats();
  EXPECT_EQ(in_of(a, as_close), 1u);
  EXPECT_EQ(out_of(b, as_close), 1u);  // the callee's socket is told
  EXPECT_EQ(a.entities[0].calls.calls_released[q2931::cause::kNormalCallClearing], 1u);
  EXPECT_EQ(b.entities[0].calls.calls_released[q2931::cause::kNormalCallClearing], 1u);
  EXPECT_EQ(a.calls_held, 0u);
}

TEST(EngineStats, MalformedAndInvalidFramesCounted_StandInHasNoEntities) {
  SocketTable table;
  callctl::LoopbackNetwork net{callctl::LoopbackNetwork::Params{}};
  engine::Engine eng{table, net};
  std::vector<engine::Action> out;
  const Bytes short_frame(10, 0);
  eng.handle(engine::KernelFrame{ByteView(short_frame)}, TimePoint{}, out);
  EXPECT_EQ(eng.stats().kernel.frames_malformed, 1u);
  Message identify(as_identify);  // only a user of signaling in switch mode sends it
  identify.set_vcc(0x10);
  const Bytes b = encode(identify);
  eng.handle(engine::KernelFrame{ByteView(b)}, TimePoint{}, out);
  const engine::Stats s = eng.stats();
  EXPECT_EQ(s.kernel.frames_malformed, 2u);
  EXPECT_EQ(in_of(s, as_identify), 1u);  // decoded, then refused
  EXPECT_TRUE(s.entities.empty());
}

TEST(EngineStats, KernelTypeOutOfRange_CountedAsOther) {
  EXPECT_EQ(engine::KernelCounters::index(-1), engine::KernelCounters::kTypes);
  EXPECT_EQ(engine::KernelCounters::index(99), engine::KernelCounters::kTypes);
  EXPECT_EQ(engine::KernelCounters::index(as_connect), static_cast<std::size_t>(as_connect));
}

}  // namespace
}  // namespace atmsigd::test
