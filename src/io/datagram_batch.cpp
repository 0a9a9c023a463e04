#include "atmsigd/io/datagram_batch.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace atmsigd::io {
namespace {

// recvmmsg/sendmmsg missing (seccomp, old kernels) or the protocol not doing
// them: one datagram per system call instead.
bool unsupported(int e) {
  return e == ENOSYS || e == EOPNOTSUPP;
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
    const int n = ::recvmmsg(fd, hdrs_.data(), kBatch, MSG_DONTWAIT, nullptr);
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

ByteView RecvBatch::datagram(std::size_t i) const {
  return ByteView(storage_.get() + i * max_size_,
                  std::min<std::size_t>(hdrs_[i].msg_len, max_size_));
}

const struct sockaddr* RecvBatch::from(std::size_t i) const {
  return reinterpret_cast<const struct sockaddr*>(&addrs_[i]);
}

socklen_t RecvBatch::from_len(std::size_t i) const {
  return hdrs_[i].msg_hdr.msg_namelen;
}

SendQueue::SendQueue(Limits limits)
    : limits_(limits),
      slots_(std::min<std::size_t>(64, limits.datagrams)),
      hdrs_(kBatch),
      iov_(kBatch) {
  // What send_some() does not change: each header's one iovec.
  for (std::size_t i = 0; i < kBatch; ++i) {
    auto& h = hdrs_[i].msg_hdr;
    h = {};
    h.msg_iov = &iov_[i];
    h.msg_iovlen = 1;
  }
}

void SendQueue::grow() {
  // Doubling, oldest first in the new ring; the slots' buffers move along.
  std::vector<Bytes> next(std::min(slots_.size() * 2, limits_.datagrams));
  for (std::size_t i = 0; i < count_; ++i) next[i] = std::move(slots_[(head_ + i) % slots_.size()]);
  slots_ = std::move(next);
  head_ = 0;
}

bool SendQueue::push(ByteView d) {
  if (count_ >= limits_.datagrams || octets_ + d.size() > limits_.octets) {
    ++dropped_;
    return false;
  }
  if (count_ == slots_.size()) grow();
  Bytes& slot = slots_[(head_ + count_) % slots_.size()];
  // One allocation per slot for what signaling sends (frames of 252 octets,
  // most PDUs), not one per size seen.
  if (slot.capacity() < d.size()) slot.reserve(std::max<std::size_t>(d.size(), 512));
  slot.assign(d.begin(), d.end());
  ++count_;
  octets_ += d.size();
  high_water_ = std::max(high_water_, count_);
  return true;
}

ByteView SendQueue::front() const {
  return ByteView(slots_[head_]);
}

void SendQueue::pop() {
  octets_ -= slots_[head_].size();
  head_ = (head_ + 1) % slots_.size();
  --count_;
}

void SendQueue::clear() {
  while (!empty()) pop();
}

int SendQueue::send_some(int fd, const struct sockaddr* to, socklen_t to_len) {
  const std::size_t n = std::min(count_, single_ ? std::size_t{1} : kBatch);
  const std::size_t ring = slots_.size();
  for (std::size_t i = 0, at = head_; i < n; ++i, at = at + 1 == ring ? 0 : at + 1) {
    auto& s = slots_[at];
    iov_[i].iov_base = s.data();
    iov_[i].iov_len = s.size();
    // Only the destination changes; sendmmsg writes nothing but msg_len.
    auto& h = hdrs_[i].msg_hdr;
    h.msg_name = const_cast<struct sockaddr*>(to);
    h.msg_namelen = to != nullptr ? to_len : 0;
  }
  int sent = -1;
  if (!single_) {
    sent = ::sendmmsg(fd, hdrs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0 && unsupported(errno)) single_ = true;
  }
  if (single_) sent = ::sendmsg(fd, &hdrs_[0].msg_hdr, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 1;
  for (int i = 0; i < sent; ++i) pop();
  return sent;
}

}  // namespace atmsigd::io
