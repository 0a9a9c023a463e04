// Batched datagram I/O for the shell (issue 13): one recvmmsg reads up to
// kBatch datagrams into buffers allocated once; one sendmmsg writes up to
// kBatch queued datagrams. Both on non-blocking sockets: nothing here waits.
// The Asio glue (waiting for readiness) is the transports'.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd::io {

inline constexpr std::size_t kBatch = 32;  // datagrams per recvmmsg / sendmmsg

// What a transport did, for the status dump and the tests.
struct IoStats {
  std::uint64_t recv_calls = 0;   // recvmmsg (or recvmsg) calls
  std::uint64_t send_calls = 0;   // sendmmsg (or sendmsg) calls that sent
  std::uint64_t write_waits = 0;  // times the socket was full (EAGAIN)
  std::size_t queued = 0;         // datagrams waiting now
  std::size_t high_water = 0;     // most datagrams ever waiting
  std::uint64_t dropped = 0;      // datagrams dropped at the queue's bound
  std::size_t bound = 0;          // the queue's bound, in datagrams
};

// Receive side: kBatch slots of `max_size` octets each, allocated once (and
// not touched before the kernel writes them: a slot costs RSS only for what
// was received).
class RecvBatch {
 public:
  explicit RecvBatch(std::size_t max_size);
  RecvBatch(const RecvBatch&) = delete;
  RecvBatch& operator=(const RecvBatch&) = delete;

  // One recvmmsg(MSG_DONTWAIT): the number of datagrams read (0..kBatch), or
  // -1 with errno (EAGAIN: nothing there). Fewer than kBatch means the socket
  // was drained. Where recvmmsg is not supported (ENOSYS, EOPNOTSUPP) it falls
  // back to recvmsg, one datagram per call, from then on.
  int receive(int fd);
  // Inline: three calls per datagram read.
  ByteView datagram(std::size_t i) const {
    const std::size_t len = hdrs_[i].msg_len;
    return ByteView(storage_.get() + i * max_size_, len < max_size_ ? len : max_size_);
  }
  const struct sockaddr* from(std::size_t i) const {
    return reinterpret_cast<const struct sockaddr*>(&addrs_[i]);
  }
  socklen_t from_len(std::size_t i) const { return hdrs_[i].msg_hdr.msg_namelen; }
  bool single() const { return single_; }

 private:
  std::size_t max_size_;
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<struct mmsghdr> hdrs_;
  std::vector<struct iovec> iov_;
  std::vector<struct sockaddr_storage> addrs_;
  std::size_t last_ = 0;  // datagrams the last call filled
  bool single_ = false;
};

// Send side: a FIFO of datagrams waiting for the next sendmmsg, bounded in
// datagrams and in octets. A ring of slots of kSlot octets in one array
// (a frame to the kernel, 252 octets, and most PDUs fit), each with its
// sendmmsg header and iovec made ready as it is queued: queueing is a copy
// and two stores, sending one system call (issue 13). A larger datagram
// takes a buffer of its own, kept for the slot's next large one. Once warm,
// queueing and sending allocate nothing.
class SendQueue {
 public:
  struct Limits {
    std::size_t datagrams;
    std::size_t octets;
  };
  static constexpr std::size_t kSlot = 512;
  explicit SendQueue(Limits limits);
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;

  // Queues a copy of `d`; false (and counted in dropped()) at the bound.
  // Inline (issue 13: five a call at W=1); a full ring or a datagram over
  // kSlot out of line.
  bool push(ByteView d) {
    const std::size_t len = d.size();
    if (count_ >= limits_.datagrams || octets() + len > limits_.octets) [[unlikely]] {
      ++dropped_;
      return false;
    }
    if (count_ == ring_ || len > kSlot) [[unlikely]]
      return push_slow(d);
    const std::size_t at = tail();
    place(at, arena_.get() + at * kSlot, d);
    return true;
  }
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  std::size_t octets() const { return static_cast<std::size_t>(pushed_octets_ - popped_octets_); }
  ByteView front() const {
    const auto& v = iov_[head_];
    return ByteView(static_cast<const std::uint8_t*>(v.iov_base), v.iov_len);
  }
  void pop() { pop(1); }
  // The `n` oldest (at most size()) at once: the octets they held are known
  // from the last one's running total, not summed (issue 13: one sendmmsg
  // pops all it sent).
  void pop(std::size_t n) {
    const std::size_t last = head_ + n - 1;
    popped_octets_ = ends_[last >= ring_ ? last - ring_ : last];
    head_ += n;
    if (head_ >= ring_) head_ -= ring_;
    count_ -= n;
  }
  void clear();

  // One sendmmsg(MSG_DONTWAIT) of up to kBatch datagrams from the front (up
  // to the ring's end), to `to` (null: the socket's connected peer). Returns
  // what sendmmsg returned: the number sent (popped), or -1 with errno, the
  // front datagram not sent. Falls back to sendmsg where sendmmsg is not
  // supported.
  int send_some(int fd, const struct sockaddr* to, socklen_t to_len) {
    set_destination(to, to_len);
    return send_some(fd);
  }
  // The same to the destination set last (issue 13: checked once, not at
  // every send; the headers carry it).
  int send_some(int fd);
  // Where the datagrams go (null: the socket's connected peer); `to` must
  // stay valid while set.
  void set_destination(const struct sockaddr* to, socklen_t to_len) {
    if (to != to_ || (to != nullptr && to_len != to_len_)) {
      to_ = to;
      to_len_ = to_len;
      link_headers();
    }
  }

  const Limits& limits() const { return limits_; }
  std::uint64_t dropped() const { return dropped_; }
  std::size_t high_water() const { return high_water_; }

 private:
  bool push_slow(ByteView d);  // within the bounds
  // The ring's index behind the last datagram queued (count_ < ring_).
  std::size_t tail() const {
    const std::size_t at = head_ + count_;
    return at >= ring_ ? at - ring_ : at;
  }
  // Queues `d` in slot `at` (its own buffer `slot`): the copy and the iovec.
  void place(std::size_t at, std::uint8_t* slot, ByteView d) {
    const std::size_t len = d.size();
    if (len != 0) std::memcpy(slot, d.data(), len);
    iov_[at].iov_base = slot;
    iov_[at].iov_len = len;
    pushed_octets_ += len;
    ends_[at] = pushed_octets_;
    ++count_;
    if (count_ > high_water_) high_water_ = count_;
  }
  void grow();
  // The ring's headers: each slot's one iovec, the destination.
  void link_headers();

  Limits limits_;
  std::size_t ring_;  // slots
  // ring_ * kSlot octets, uninitialised: a slot costs RSS once used.
  std::unique_ptr<std::uint8_t[]> arena_;
  std::vector<Bytes> big_;  // a slot's buffer for a datagram over kSlot
  std::vector<struct mmsghdr> hdrs_;
  std::vector<struct iovec> iov_;
  // Per slot: the octets ever queued, up to and including its datagram.
  std::vector<std::uint64_t> ends_;
  const struct sockaddr* to_ = nullptr;  // the headers' destination
  socklen_t to_len_ = 0;
  std::size_t head_ = 0;  // the oldest
  std::size_t count_ = 0;
  // Octets ever queued and ever taken out: what waits is the difference.
  std::uint64_t pushed_octets_ = 0;
  std::uint64_t popped_octets_ = 0;
  std::size_t high_water_ = 0;
  std::uint64_t dropped_ = 0;
  bool single_ = false;
};

}  // namespace atmsigd::io
