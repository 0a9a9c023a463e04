// RecvBatch and SendQueue (the shell's batched datagram I/O) on a unix
// datagram socket pair: order kept, the bound enforced and counted, a full
// peer leaves the rest queued, and no heap allocation per datagram once warm.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <new>

#include "atmsigd/io/datagram_batch.hpp"

// Counts every operator new of this test binary (gtest's too: read it only
// around the code under test).
namespace {
std::atomic<long> g_allocations{0};
}
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace atmsigd::io {
namespace {

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds) == 0) {
      a = fds[0];
      b = fds[1];
    }
  }
  ~Pair() {
    ::close(a);
    ::close(b);
  }
};

// Numbered in its first two octets (a shorter one is only filled).
Bytes datagram(std::uint32_t i, std::size_t size = 16) {
  Bytes d(size, static_cast<std::uint8_t>(i));
  if (size >= 2) {
    d[0] = static_cast<std::uint8_t>(i >> 8);
    d[1] = static_cast<std::uint8_t>(i);
  }
  return d;
}

std::uint32_t number(ByteView d) {
  return (std::uint32_t{d[0]} << 8) | d[1];
}

TEST(SendQueue, KeepsOrderAcrossGrowthAndWrapAround) {
  SendQueue q({1000, 1 << 20});
  std::uint32_t next_in = 0, next_out = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 7 + round; ++i) ASSERT_TRUE(q.push(datagram(next_in++)));
    for (int i = 0; i < 5 + round; ++i) {
      ASSERT_EQ(number(q.front()), next_out++);
      q.pop();
    }
  }
  while (!q.empty()) {
    ASSERT_EQ(number(q.front()), next_out++);
    q.pop();
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_EQ(q.octets(), 0u);
}

// Datagrams larger than a slot (kSlot) take a buffer of their own: kept
// whole and in order with small ones, across growth and the ring's end, and
// sent as they were queued.
TEST(SendQueue, LargeDatagramsKeepTheirOctetsAcrossGrowthAndWrapAround) {
  SendQueue q({1000, 1 << 22});
  auto size_of = [](std::uint32_t i) -> std::size_t {
    return i % 3 == 0 ? SendQueue::kSlot + 1 + i % 700 : 16 + i % 200;
  };
  std::uint32_t next_in = 0, next_out = 0;
  for (int round = 0; round < 30; ++round) {
    for (int i = 0; i < 9 + round; ++i) {
      ASSERT_TRUE(q.push(datagram(next_in, size_of(next_in))));
      ++next_in;
    }
    for (int i = 0; i < 6 + round; ++i) {
      const Bytes want = datagram(next_out, size_of(next_out));
      ASSERT_EQ(Bytes(q.front().begin(), q.front().end()), want) << next_out;
      ++next_out;
      q.pop();
    }
  }
  Pair p;
  ASSERT_GE(p.a, 0);
  // The rest through the socket: sendmmsg takes what front() shows.
  std::vector<std::uint8_t> buf(4096);
  while (!q.empty()) {
    const int n = q.send_some(p.a, nullptr, 0);
    ASSERT_GT(n, 0);
    for (int i = 0; i < n; ++i) {
      const ssize_t got = ::recv(p.b, buf.data(), buf.size(), 0);
      const Bytes want = datagram(next_out, size_of(next_out));
      ASSERT_EQ(Bytes(buf.begin(), buf.begin() + got), want) << next_out;
      ++next_out;
    }
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_EQ(q.octets(), 0u);
}

TEST(SendQueue, RefusesAndCountsAtTheBoundInDatagramsAndOctets) {
  SendQueue by_count({3, 1 << 20});
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_TRUE(by_count.push(datagram(i)));
  EXPECT_FALSE(by_count.push(datagram(3)));
  EXPECT_EQ(by_count.dropped(), 1u);
  EXPECT_EQ(by_count.size(), 3u);
  EXPECT_EQ(number(by_count.front()), 0u);

  SendQueue by_octets({100, 40});
  EXPECT_TRUE(by_octets.push(datagram(0, 20)));
  EXPECT_TRUE(by_octets.push(datagram(1, 20)));
  EXPECT_FALSE(by_octets.push(datagram(2, 2)));
  EXPECT_EQ(by_octets.dropped(), 1u);
  by_octets.pop();
  EXPECT_TRUE(by_octets.push(datagram(3, 20)));
  EXPECT_EQ(by_octets.high_water(), 2u);
}

// pop(n) (one sendmmsg's worth at once) keeps the octets waiting exact,
// from the slots' running totals, across the ring's end and its growth, and
// the octet bound counts them: it refuses what does not fit and takes it
// once enough went out.
TEST(SendQueue, PoppingSeveralKeepsTheOctetsExact) {
  SendQueue q({1000, 1 << 20});
  std::deque<std::size_t> waiting;
  std::size_t sum = 0;
  std::uint32_t next_in = 0, next_out = 0;
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 5 + round % 7; ++i) {
      const std::size_t len = 16 + (next_in * 37) % (SendQueue::kSlot + 200);
      ASSERT_TRUE(q.push(datagram(next_in++, len)));
      waiting.push_back(len);
      sum += len;
    }
    const std::size_t n = std::min<std::size_t>(waiting.size(), 1 + round % 6);
    for (std::size_t i = 0; i < n; ++i) {
      sum -= waiting.front();
      waiting.pop_front();
    }
    ASSERT_EQ(number(q.front()), next_out);
    q.pop(n);
    next_out += static_cast<std::uint32_t>(n);
    ASSERT_EQ(q.size(), waiting.size());
    ASSERT_EQ(q.octets(), sum) << round;
    if (!q.empty()) {
      ASSERT_EQ(number(q.front()), next_out);
    }
  }
  q.clear();
  EXPECT_EQ(q.octets(), 0u);

  SendQueue bound({100, 100});
  for (std::uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(bound.push(datagram(i, 25)));
  EXPECT_FALSE(bound.push(datagram(4, 1)));
  bound.pop(2);
  EXPECT_EQ(bound.octets(), 50u);
  EXPECT_TRUE(bound.push(datagram(5, 50)));
  EXPECT_FALSE(bound.push(datagram(6, 1)));
  EXPECT_EQ(bound.dropped(), 2u);
}

// The destination is set once (set_destination) and carried by every
// header, the ones a growing ring makes too: send_some(fd) on an unconnected
// socket delivers each datagram there, in order.
TEST(SendQueue, SendsToTheDestinationSetOnceAcrossGrowth) {
  const int rx = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const int tx = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(rx, 0);
  ASSERT_GE(tx, 0);
  struct sockaddr_in at {};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(rx, reinterpret_cast<struct sockaddr*>(&at), sizeof at), 0);
  socklen_t len = sizeof at;
  ASSERT_EQ(::getsockname(rx, reinterpret_cast<struct sockaddr*>(&at), &len), 0);
  SendQueue q({1000, 1 << 20});
  q.set_destination(reinterpret_cast<const struct sockaddr*>(&at), len);
  constexpr std::uint32_t kCount = 100;  // past the first ring of 64: it grows
  for (std::uint32_t i = 0; i < kCount; ++i) ASSERT_TRUE(q.push(datagram(i)));
  RecvBatch batch(4096);
  std::uint32_t got = 0;
  for (int rounds = 0; got < kCount && rounds < 1000; ++rounds) {
    if (!q.empty()) {
      ASSERT_TRUE(q.send_some(tx) > 0 || errno == EAGAIN || errno == ENOBUFS);
    }
    const int n = batch.receive(rx);
    for (int i = 0; i < n; ++i)
      ASSERT_EQ(number(batch.datagram(static_cast<std::size_t>(i))), got++);
  }
  EXPECT_EQ(got, kCount);
  EXPECT_TRUE(q.empty());
  ::close(rx);
  ::close(tx);
}

TEST(RecvBatch, DrainsABurstInOrderInBatches) {
  Pair p;
  ASSERT_GE(p.a, 0);
  RecvBatch rx(4096);
  // The default max_dgram_qlen may be 10: send and receive in rounds.
  std::uint32_t sent = 0, got = 0;
  int calls = 0;
  while (got < 100) {
    while (sent < 100) {
      const Bytes d = datagram(sent);
      if (::send(p.a, d.data(), d.size(), MSG_DONTWAIT) < 0) break;
      ++sent;
    }
    const int n = rx.receive(p.b);
    ASSERT_GT(n, 0);
    ++calls;
    for (int i = 0; i < n; ++i) {
      const ByteView d = rx.datagram(static_cast<std::size_t>(i));
      ASSERT_EQ(d.size(), 16u);
      ASSERT_EQ(number(d), got++);
    }
  }
  EXPECT_LT(calls, 100);  // batched: fewer calls than datagrams
  EXPECT_EQ(rx.receive(p.b), -1);
  EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
}

TEST(SendQueue, AFullPeerKeepsTheRestQueuedInOrder) {
  Pair p;
  ASSERT_GE(p.a, 0);
  SendQueue q({4096, 1 << 20});
  for (std::uint32_t i = 0; i < 300; ++i) ASSERT_TRUE(q.push(datagram(i)));
  // The peer reads nothing: sending stops with EAGAIN, nothing lost.
  int r = 0;
  while ((r = q.send_some(p.a, nullptr, 0)) > 0) {
  }
  ASSERT_EQ(r, -1);
  EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
  EXPECT_GT(q.size(), 0u);
  // The peer reads: everything arrives, in order.
  RecvBatch rx(4096);
  std::uint32_t got = 0;
  while (got < 300) {
    const int n = rx.receive(p.b);
    if (n < 0) {
      ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
      ASSERT_FALSE(q.empty());
      ASSERT_TRUE(q.send_some(p.a, nullptr, 0) > 0 || errno == EAGAIN);
      continue;
    }
    for (int i = 0; i < n; ++i) ASSERT_EQ(number(rx.datagram(static_cast<std::size_t>(i))), got++);
    if (!q.empty()) q.send_some(p.a, nullptr, 0);
  }
  EXPECT_TRUE(q.empty());
}

// Once the slots are warm, queueing, sending and receiving allocate nothing.
TEST(DatagramBatch, NoHeapAllocationPerDatagramInSteadyState) {
  Pair p;
  ASSERT_GE(p.a, 0);
  SendQueue q({4096, 1 << 20});
  RecvBatch rx(4096);
  const Bytes d = datagram(7, 252);
  auto cycle = [&] {
    for (int i = 0; i < 8; ++i) q.push(d);
    while (!q.empty())
      if (q.send_some(p.a, nullptr, 0) < 0) return false;
    return rx.receive(p.b) == 8;
  };
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(cycle());  // warm up
  const long before = g_allocations.load();
  bool ok = true;
  for (int i = 0; i < 1000; ++i) ok = ok && cycle();
  const long allocations = g_allocations.load() - before;
  ASSERT_TRUE(ok);
  EXPECT_EQ(allocations, 0);
}

}  // namespace
}  // namespace atmsigd::io
