// The shell's raw system calls (src/io/raw_syscall.hpp: recvmmsg, sendmmsg,
// and the shell's epoll_wait in place of glibc's) report as the wrappers
// did: -1 with errno, or what the kernel returned.
#include <gtest/gtest.h>
#include <sys/epoll.h>
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
  struct epoll_event ev[4]{};
  errno = 0;
  EXPECT_EQ(::epoll_wait(-1, ev, 4, 0), -1);
  EXPECT_EQ(errno, EBADF);
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), 0);
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  ASSERT_GE(ep, 0);
  struct epoll_event want {};
  want.events = EPOLLIN;
  want.data.fd = fds[1];
  ASSERT_EQ(::epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], &want), 0);
  EXPECT_EQ(::epoll_wait(ep, ev, 4, 0), 0);
  ASSERT_EQ(q.send_some(fds[0]), 1);
  ASSERT_EQ(::epoll_wait(ep, ev, 4, 1000), 1);
  EXPECT_EQ(ev[0].data.fd, fds[1]);
  EXPECT_NE(ev[0].events & EPOLLIN, 0u);
  EXPECT_EQ(rx.receive(fds[1]), 1);
  EXPECT_EQ(rx.datagram(0).size(), 16u);
  ::close(ep);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace atmsigd::io
