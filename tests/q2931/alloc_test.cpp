// Issue 13: decoding a SETUP / CONNECT / RELEASE into a kept DecodeResult allocates
// nothing, also with the new IEs (connected number / subaddress, user-user,
// narrowband IEs, shifts: inline storage, like the addresses).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/util/buffer_pool.hpp"
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

// Issue 13: encoding into a kept buffer allocates nothing; a fresh encoding
// allocates once; either way SSCOP's SD trailer fits behind the message
// (kSduTrailerRoom), so appending it moves nothing. An empty message (CONNECT
// ACKNOWLEDGE) too: it used to leave no room.
TEST(EncodeAllocations, KeptBufferNoneFreshOneTrailerRoomAlways) {
  const Version v = Version::kUni31;
  Message setup = test::original_setup(true);
  Message ack;
  ack.type = MessageType::kConnectAcknowledge;
  ack.cref = {1, false};
  Message release;
  release.type = MessageType::kRelease;
  release.cref = {1, false};
  release.add(test::make_cause(16));
  const Message* msgs[] = {&setup, &ack, &release};

  Bytes kept;
  for (const Message* m : msgs) encode(*m, v, kept);  // sizes the kept buffer
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i)
    for (const Message* m : msgs) encode(*m, v, kept);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(kept, encode(release, v));

  for (const Message* m : msgs) {
    // A fresh buffer is the thread's pool's (util/buffer_pool.hpp): a kept
    // one if an earlier test in this process gave one back, else new.
    const long expected = kBuffersPooled && this_thread_buffers().kept() > 0 ? 0 : 1;
    const long b = g_allocations.load();
    const Bytes fresh = encode(*m, v);
    EXPECT_EQ(g_allocations.load() - b, expected);
    EXPECT_GE(fresh.capacity(), fresh.size() + kSduTrailerRoom);
    encode(*m, v, kept);
    EXPECT_EQ(kept, fresh);
    EXPECT_GE(kept.capacity(), kept.size() + kSduTrailerRoom);
  }
}

// A fresh encoding takes a buffer the pool kept (one given back by the
// shell after sending): no allocation at all.
TEST(EncodeAllocations, FreshFromAKeptBufferNone) {
  if (!kBuffersPooled) GTEST_SKIP() << "ASan: buffers come from the heap";
  const Version v = Version::kUni31;
  const Message setup = test::original_setup(true);
  Bytes sent = encode(setup, v);
  give_back_buffer(std::move(sent));
  ASSERT_GT(this_thread_buffers().kept(), 0u);
  const long before = g_allocations.load();
  const Bytes fresh = encode(setup, v);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(fresh, encode(setup, v));
}

// A message larger than the encoder's stack scratch spills into the output
// buffer: the same octets, and the trailer room too.
TEST(EncodeAllocations, LargeMessageSpillsWithTheSameOctets) {
  const Version v = Version::kUni40;
  Message m;
  m.type = MessageType::kSetup;
  m.cref = {7, false};
  Bytes expect = test::hx("09 03 00 00 07 05 80 00 00");
  std::size_t len = 0;
  for (std::uint8_t k = 0; k < 6; ++k) {
    UnknownIe u;
    u.id = static_cast<std::uint8_t>(0x60 + k);  // raw contents, written as they are
    u.hdr.follow_instructions = true;
    u.content.assign(300, static_cast<std::uint8_t>(k));
    m.add(u);
    const Bytes head = {u.id, 0x90, 0x01, 0x2c};
    expect.insert(expect.end(), head.begin(), head.end());
    expect.insert(expect.end(), u.content.begin(), u.content.end());
    len += 4 + 300;
  }
  expect[7] = static_cast<std::uint8_t>(len >> 8);
  expect[8] = static_cast<std::uint8_t>(len);
  const Bytes w = encode(m, v);
  EXPECT_EQ(w, expect);
  EXPECT_GE(w.capacity(), w.size() + kSduTrailerRoom);
  Bytes kept = test::hx("01 02 03");
  encode(m, v, kept);
  EXPECT_EQ(kept, expect);
  EXPECT_EQ(encode_ie(m.ies[0], v), Bytes(expect.begin() + 9, expect.begin() + 9 + 304));
}

}  // namespace
}  // namespace atmsigd::q2931
