// BatchedSocket's readiness (issue 13): on the demon's unlocked loop one
// reactor operation stays armed in the socket's read queue; on a locking
// loop each turn waits with async_wait. Either way: what arrived before
// start() is read, every datagram after it too, one turn per readiness; a
// close from inside the socket's own turn ends its work (the loop returns);
// the object destroyed with the operation still armed leaves nothing for
// the loop to call back (ASan in CI).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "../../src/io/batched_socket.hpp"

namespace atmsigd::io {
namespace {

using unix_dgram = boost::asio::local::datagram_protocol;

struct Fixture {
  explicit Fixture(int hint) : io(hint) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds) == 0) {
      peer = fds[0];
      sock.assign(unix_dgram(), fds[1]);
    }
  }
  ~Fixture() { ::close(peer); }
  void send(const std::string& s) const {
    ASSERT_EQ(::send(peer, s.data(), s.size(), 0), ssize_t(s.size()));
  }

  boost::asio::io_context io;
  unix_dgram::socket sock{io};
  int peer = -1;
};

void reads_all_and_closes_from_its_turn(int hint) {
  Fixture f(hint);
  ASSERT_GE(f.peer, 0);
  std::vector<std::string> got;
  int turns = 0;
  BatchedSocket<unix_dgram::socket> b(f.sock, 4096, kKernelQueueLimits);
  f.send("before-1");
  f.send("before-2");
  b.start(
      [&](ByteView d, const struct sockaddr*, socklen_t) {
        got.emplace_back(d.begin(), d.end());
        if (got.back() == "close") f.sock.close();
      },
      [](int) {}, [](int, ByteView) {}, [&] { ++turns; });
  f.io.poll();
  ASSERT_EQ(got, (std::vector<std::string>{"before-1", "before-2"}));
  EXPECT_EQ(turns, 1);
  for (int round = 0; round < 20; ++round) {
    f.send("d" + std::to_string(round));
    f.io.poll();
    ASSERT_EQ(got.size(), std::size_t(3 + round));
    EXPECT_EQ(got.back(), "d" + std::to_string(round));
  }
  EXPECT_EQ(turns, 21);
  // Closed from inside its own turn: nothing of the socket is left to wait
  // for, so run() returns by itself.
  f.send("close");
  f.io.run();
  EXPECT_EQ(got.back(), "close");
  EXPECT_FALSE(f.sock.is_open());
}

TEST(BatchedSocket, UnlockedLoopReadsEverythingAndACloseFromItsTurnEndsIt) {
  reads_all_and_closes_from_its_turn(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
}

TEST(BatchedSocket, LockingLoopReadsEverythingAndACloseFromItsTurnEndsIt) {
  reads_all_and_closes_from_its_turn(BOOST_ASIO_CONCURRENCY_HINT_DEFAULT);
}

TEST(BatchedSocket, DestroyedWhileArmedBeforeItsLoopLeavesNothingToCall) {
  Fixture f(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
  ASSERT_GE(f.peer, 0);
  int datagrams = 0;
  {
    BatchedSocket<unix_dgram::socket> b(f.sock, 4096, kKernelQueueLimits);
    b.start([&](ByteView, const struct sockaddr*, socklen_t) { ++datagrams; }, [](int) {},
            [](int, ByteView) {}, [] {});
    f.send("one");
    f.io.poll();
    EXPECT_EQ(datagrams, 1);
  }
  // The socket was closed with the object; its operation, aborted, is the
  // loop's to complete (or destroy with the loop): it calls nothing.
  EXPECT_FALSE(f.sock.is_open());
  f.io.poll();
  EXPECT_EQ(datagrams, 1);
}

// read_pending(): two sockets an epoll_wait reported together. While the
// first one's turn runs, the second one's drain is still to come in the
// same round (pending); while the second's runs, nothing is. One socket
// readable alone: the other is never pending. The demon ends its turn only
// when no other socket is pending (Demon::end_read_turn). On a locking loop
// (the async_wait path) it cannot tell: never pending.
void pending_reads(int hint, bool can_tell) {
  boost::asio::io_context io(hint);
  unix_dgram::socket s1(io), s2(io);
  int p1 = -1, p2 = -1;
  {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), 0);
    p1 = fds[0];
    s1.assign(unix_dgram(), fds[1]);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), 0);
    p2 = fds[0];
    s2.assign(unix_dgram(), fds[1]);
  }
  BatchedSocket<unix_dgram::socket> b1(s1, 4096, kKernelQueueLimits);
  BatchedSocket<unix_dgram::socket> b2(s2, 4096, kKernelQueueLimits);
  // At each turn's end: which socket, and whether each was pending then.
  struct Turn {
    int which;
    bool pending1, pending2;
  };
  std::vector<Turn> turns;
  int read1 = 0, read2 = 0;
  b1.start([&](ByteView, const struct sockaddr*, socklen_t) { ++read1; }, [](int) {},
           [](int, ByteView) {},
           [&] {
             turns.push_back({1, b1.read_pending(), b2.read_pending()});
           });
  b2.start([&](ByteView, const struct sockaddr*, socklen_t) { ++read2; }, [](int) {},
           [](int, ByteView) {},
           [&] {
             turns.push_back({2, b1.read_pending(), b2.read_pending()});
           });
  io.poll();  // the operations armed
  turns.clear();
  ASSERT_EQ(::send(p1, "a", 1, 0), 1);
  ASSERT_EQ(::send(p2, "b", 1, 0), 1);
  io.poll();
  EXPECT_EQ(read1, 1);
  EXPECT_EQ(read2, 1);
  ASSERT_EQ(turns.size(), 2u);
  const Turn& first = turns[0];
  const Turn& second = turns[1];
  EXPECT_NE(first.which, second.which);
  // The first: not itself (its drain runs), the other one if it can tell.
  EXPECT_FALSE(first.which == 1 ? first.pending1 : first.pending2);
  EXPECT_EQ(first.which == 1 ? first.pending2 : first.pending1, can_tell);
  // The second: nothing left.
  EXPECT_FALSE(second.pending1);
  EXPECT_FALSE(second.pending2);
  // One readable alone: nothing pending at its turn.
  turns.clear();
  ASSERT_EQ(::send(p1, "c", 1, 0), 1);
  io.poll();
  ASSERT_EQ(turns.size(), 1u);
  EXPECT_EQ(turns[0].which, 1);
  EXPECT_FALSE(turns[0].pending1);
  EXPECT_FALSE(turns[0].pending2);
  ::close(p1);
  ::close(p2);
}

TEST(BatchedSocket, UnlockedLoopTellsWhichReadsArePending) {
  pending_reads(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE, true);
}

TEST(BatchedSocket, LockingLoopNeverSaysAReadIsPending) {
  pending_reads(BOOST_ASIO_CONCURRENCY_HINT_DEFAULT, false);
}

// A receive error other than EAGAIN/ECONNREFUSED, with a datagram waiting
// behind it: the socket's pending error (ECONNRESET: its connected peer
// disconnected with datagrams unread, net/unix/af_unix.c) makes recvmmsg
// fail once although a datagram waits. The datagram must still be read in
// the same loop run: the persistent read operation is called at the next
// edge only, which never comes, so drain() reads again by itself.
void reads_on_after_a_receive_error(int hint) {
  boost::asio::io_context io(hint);
  unix_dgram::socket sock(io);
  // Abstract names (no file), this process's own.
  const std::string stem =
      "atmsigd-batched-socket-test-" + std::to_string(::getpid()) + "-" + std::to_string(hint);
  const unix_dgram::endpoint ours(std::string(1, '\0') + stem + "-ours");
  const unix_dgram::endpoint peer_ep(std::string(1, '\0') + stem + "-peer");
  boost::system::error_code ec;
  sock.open(unix_dgram(), ec);
  ASSERT_FALSE(ec);
  sock.bind(ours, ec);
  ASSERT_FALSE(ec) << ec.message();
  unix_dgram::socket peer(io);
  peer.open(unix_dgram(), ec);
  ASSERT_FALSE(ec);
  peer.bind(peer_ep, ec);
  ASSERT_FALSE(ec) << ec.message();
  sock.connect(peer_ep, ec);
  ASSERT_FALSE(ec) << ec.message();
  peer.connect(ours, ec);
  ASSERT_FALSE(ec) << ec.message();

  std::vector<std::string> got;
  std::vector<int> errors;
  BatchedSocket<unix_dgram::socket> b(sock, 4096, kKernelQueueLimits);
  b.start(
      [&](ByteView d, const struct sockaddr*, socklen_t) { got.emplace_back(d.begin(), d.end()); },
      [&](int e) { errors.push_back(e); }, [](int, ByteView) {}, [] {});
  io.poll();
  ASSERT_TRUE(got.empty());

  // Our socket sends to its peer, which does not read; the peer then
  // disconnects: its unread datagram is purged and our socket gets
  // ECONNRESET as its pending error. Then the peer sends to us by name.
  const char unread[] = "unread";
  ASSERT_EQ(::send(sock.native_handle(), unread, sizeof unread, 0), ssize_t(sizeof unread));
  struct sockaddr unspec {};
  unspec.sa_family = AF_UNSPEC;
  ASSERT_EQ(::connect(peer.native_handle(), &unspec, sizeof unspec), 0);
  const std::string after = "after the error";
  ASSERT_EQ(::sendto(peer.native_handle(), after.data(), after.size(), 0, ours.data(),
                     static_cast<socklen_t>(ours.size())),
            ssize_t(after.size()));

  io.poll();
  EXPECT_EQ(errors, (std::vector<int>{ECONNRESET}));
  EXPECT_EQ(got, (std::vector<std::string>{after}));
}

TEST(BatchedSocket, UnlockedLoopReadsOnAfterAReceiveError) {
  reads_on_after_a_receive_error(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
}

TEST(BatchedSocket, LockingLoopReadsOnAfterAReceiveError) {
  reads_on_after_a_receive_error(BOOST_ASIO_CONCURRENCY_HINT_DEFAULT);
}

}  // namespace
}  // namespace atmsigd::io
