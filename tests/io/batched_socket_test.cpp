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

}  // namespace
}  // namespace atmsigd::io
