// System calls on the shell's hot path without a libc function around them
// (issue 13): glibc's wrappers of recvmmsg, sendmmsg and epoll_wait are
// cancellation points, switching asynchronous cancellation on and off
// around the call (≈ 50 instructions), and syscall(2) itself is ≈ 11 more;
// the demon cancels no thread. On x86-64 Linux the `syscall` instruction
// inline, elsewhere syscall(2). Same result as the wrappers: the return
// value, or -1 with errno set.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace atmsigd::io {

inline long raw_syscall(long nr, long a1, long a2, long a3, long a4 = 0, long a5 = 0) {
#if defined(__x86_64__) && defined(__linux__)
  long ret = 0;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                   : "rcx", "r11", "memory");
  // -4095..-1: an error number (the kernel's convention, as glibc reads it).
  if (static_cast<unsigned long>(ret) > static_cast<unsigned long>(-4096L)) [[unlikely]] {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return ret;
#else
  return ::syscall(nr, a1, a2, a3, a4, a5);
#endif
}

}  // namespace atmsigd::io
