#include "atmsigd/io/datagram_batch.hpp"

#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "raw_syscall.hpp"

namespace atmsigd::io {
namespace {

// recvmmsg/sendmmsg missing (seccomp, old kernels) or the protocol not doing
// them: one datagram per system call instead.
bool unsupported(int e) {
  return e == ENOSYS || e == EOPNOTSUPP;
}

// recvmmsg and sendmmsg without glibc's wrappers (raw_syscall.hpp): same
// arguments, same result, errno as the wrappers set it.
int raw_recvmmsg(int fd, struct mmsghdr* v, unsigned n, int flags) {
  return static_cast<int>(raw_syscall(SYS_recvmmsg, fd, reinterpret_cast<long>(v), n, flags, 0));
}
int raw_sendmmsg(int fd, struct mmsghdr* v, unsigned n, int flags) {
  return static_cast<int>(raw_syscall(SYS_sendmmsg, fd, reinterpret_cast<long>(v), n, flags));
}

}  // namespace

RecvBatch::RecvBatch(std::size_t max_size)
    : max_size_(max_size),
      storage_(new std::uint8_t[kBatch * max_size]),  // uninitialised: untouched pages
      hdrs_(kBatch),
      iov_(kBatch),
      addrs_(kBatch) {
  for (std::size_t i = 0; i < kBatch; ++i) {
    iov_[i].iov_base = storage_.get() + i * max_size_;
    iov_[i].iov_len = max_size_;
    auto& h = hdrs_[i].msg_hdr;
    h = {};
    h.msg_iov = &iov_[i];
    h.msg_iovlen = 1;
    h.msg_name = &addrs_[i];
    h.msg_namelen = sizeof addrs_[i];
  }
}

int RecvBatch::receive(int fd) {
  // The kernel rewrote the address lengths of what it filled last time.
  for (std::size_t i = 0; i < last_; ++i) hdrs_[i].msg_hdr.msg_namelen = sizeof addrs_[i];
  last_ = 0;
  if (!single_) {
    const int n = raw_recvmmsg(fd, hdrs_.data(), kBatch, MSG_DONTWAIT);
    if (n > 0) last_ = static_cast<std::size_t>(n);
    if (n >= 0 || !unsupported(errno)) return n;
    single_ = true;
  }
  const ssize_t n = ::recvmsg(fd, &hdrs_[0].msg_hdr, MSG_DONTWAIT);
  if (n < 0) return -1;
  hdrs_[0].msg_len = static_cast<unsigned>(n);
  last_ = 1;
  return 1;
}

SendQueue::SendQueue(Limits limits)
    : limits_(limits),
      ring_(std::max<std::size_t>(1, std::min<std::size_t>(64, limits.datagrams))) {
  arena_.reset(new std::uint8_t[ring_ * kSlot]);  // uninitialised: untouched pages
  big_.resize(ring_);
  hdrs_.resize(ring_);
  iov_.resize(ring_);
  ends_.resize(ring_);
  link_headers();
}

void SendQueue::link_headers() {
  for (std::size_t i = 0; i < ring_; ++i) {
    auto& h = hdrs_[i].msg_hdr;
    h = {};
    h.msg_iov = &iov_[i];
    h.msg_iovlen = 1;
    h.msg_name = const_cast<struct sockaddr*>(to_);
    h.msg_namelen = to_ != nullptr ? to_len_ : 0;
  }
}

void SendQueue::grow() {
  // Doubling, oldest first in the new ring; the large buffers move along,
  // the octets in the arena are copied.
  const std::size_t next = std::min(ring_ * 2, limits_.datagrams);
  std::unique_ptr<std::uint8_t[]> arena(new std::uint8_t[next * kSlot]);
  std::vector<Bytes> big(next);
  std::vector<struct iovec> iov(next);
  std::vector<std::uint64_t> ends(next);
  for (std::size_t i = 0; i < count_; ++i) {
    const std::size_t at = (head_ + i) % ring_;
    const std::size_t len = iov_[at].iov_len;
    ends[i] = ends_[at];
    big[i] = std::move(big_[at]);
    if (len <= kSlot) {
      std::memcpy(arena.get() + i * kSlot, iov_[at].iov_base, len);
      iov[i].iov_base = arena.get() + i * kSlot;
    } else {
      iov[i].iov_base = big[i].data();
    }
    iov[i].iov_len = len;
  }
  arena_ = std::move(arena);
  big_ = std::move(big);
  iov_ = std::move(iov);
  ends_ = std::move(ends);
  hdrs_.assign(next, mmsghdr{});
  ring_ = next;
  head_ = 0;
  link_headers();
}

bool SendQueue::push_slow(ByteView d) {
  const std::size_t len = d.size();
  if (count_ == ring_) grow();
  const std::size_t at = tail();
  std::uint8_t* slot = arena_.get() + at * kSlot;
  if (len > kSlot) {
    // Rare (a large SETUP): the slot's own buffer, grown once.
    Bytes& b = big_[at];
    if (b.size() < len) b.resize(len);
    slot = b.data();
  }
  place(at, slot, d);
  return true;
}

void SendQueue::clear() {
  if (!empty()) pop(count_);
}

int SendQueue::send_some(int fd) {
  // The headers from the front to the ring's end are contiguous.
  std::size_t n = std::min(count_, ring_ - head_);
  if (n > kBatch) n = kBatch;
  int sent = -1;
  if (!single_) {
    sent = raw_sendmmsg(fd, &hdrs_[head_], static_cast<unsigned>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0 && unsupported(errno)) single_ = true;
  }
  if (single_)
    sent = ::sendmsg(fd, &hdrs_[head_].msg_hdr, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 1;
  if (sent > 0) pop(static_cast<std::size_t>(sent));
  return sent;
}

}  // namespace atmsigd::io
