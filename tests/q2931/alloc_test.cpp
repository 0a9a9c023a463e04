// Issue 13: decoding a SETUP / CONNECT / RELEASE into a kept DecodeResult allocates
// nothing, also with the new IEs (connected number / subaddress, user-user,
// narrowband IEs, shifts: inline storage, like the addresses).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "atmsigd/q2931/codec.hpp"
#include "cases.hpp"

// Counts every operator new of this test binary (gtest's too: read it only around
// the code under test).
namespace {
std::atomic<long> g_allocations{0};
}
// Not inlined: GCC would otherwise see malloc's pointer reach free through
// new/delete and warn (-Wmismatched-new-delete).
[[gnu::noinline]] void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace atmsigd::q2931 {
namespace {

TEST(DecodeAllocations, NoneForSetupConnectReleaseWithTheNewIes) {
  const Version v = Version::kUni40;
  Message setup = test::original_setup(true);
  NarrowbandBearerCapability nbc;
  nbc.content = test::hx("80 90 a3");
  NarrowbandLowLayerCompatibility nllc;
  nllc.content = test::hx("88 90 a2");
  setup.add(nbc).add(nllc).add(test::progress()).add(test::user_user());
  Message connect;
  connect.type = MessageType::kConnect;
  connect.cref = {1, true};
  ConnectedSubaddress sub;
  sub.address = test::kNsapB;
  BroadbandNonLockingShift shift;
  shift.codeset = 0;
  connect.add(test::connected_nsap()).add(sub).add(shift).add(test::user_user());
  Message release;
  release.type = MessageType::kRelease;
  release.cref = {1, false};
  release.add(test::make_cause(16)).add(test::user_user());
  const Bytes wires[] = {encode(setup, v), encode(connect, v), encode(release, v)};

  DecodeResult res;
  for (const Bytes& w : wires) {  // the first round sizes the kept IE list
    decode(w, v, res);
    ASSERT_TRUE(res.ok()) << to_hex(w, 200);
  }
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i)
    for (const Bytes& w : wires) decode(w, v, res);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(*res.message, release);
}

}  // namespace
}  // namespace atmsigd::q2931
