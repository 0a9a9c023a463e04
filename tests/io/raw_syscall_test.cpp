// The shell's raw system calls (src/io/raw_syscall.hpp: recvmmsg, sendmmsg)
// report as the wrappers did: -1 with errno, or what the kernel returned.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "atmsigd/io/datagram_batch.hpp"

namespace atmsigd::io {
namespace {

TEST(RawSyscalls, ReportAsTheWrappers) {
  RecvBatch rx(64);
  errno = 0;
  EXPECT_EQ(rx.receive(-1), -1);
  EXPECT_EQ(errno, EBADF);
  SendQueue q({4, 1024});
  const Bytes d(16, 7);
  ASSERT_TRUE(q.push(ByteView(d)));
  errno = 0;
  EXPECT_EQ(q.send_some(-1), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(q.size(), 1u);  // not sent: kept
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), 0);
  errno = 0;
  EXPECT_EQ(rx.receive(fds[1]), -1);  // nothing there yet
  EXPECT_EQ(errno, EAGAIN);
  ASSERT_EQ(q.send_some(fds[0]), 1);
  EXPECT_EQ(rx.receive(fds[1]), 1);
  EXPECT_EQ(rx.datagram(0).size(), 16u);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace atmsigd::io
