// The Asio glue of batched datagram I/O, shared by the transports: wait for
// readiness (async_wait, never one async_receive per datagram), then drain
// with recvmmsg; queue outputs and flush them with sendmmsg once per turn,
// waiting for writability when the socket is full. Never blocks the loop.
#pragma once

#include <utility>  // before Asio (Boost 1.74 + GCC 12, C++20)

#include <boost/asio.hpp>

#include <cerrno>
#include <functional>

#include "atmsigd/io/datagram_batch.hpp"

namespace atmsigd::io {

// Bounds of the output queues (docs/architecture.md, "the shell's turn").
inline constexpr SendQueue::Limits kKernelQueueLimits{4096, 4096 * 256};
inline constexpr SendQueue::Limits kLinkQueueLimits{4096, 1 << 20};
// At most this many recvmmsg batches per readiness before the other sockets
// and the timer get a turn (the rest is read in the next turn).
inline constexpr int kBatchesPerTurn = 8;

template <class Socket>
class BatchedSocket {
 public:
  // One datagram read: its octets, its source.
  using OnDatagram = std::function<void(ByteView, const struct sockaddr*, socklen_t)>;
  // A receive error (errno), or a datagram the socket refused to send (errno,
  // the datagram), which is dropped.
  using OnRecvError = std::function<void(int)>;
  using OnSendError = std::function<void(int, ByteView)>;
  // A read batch was fed, or queued output went out after a wait: the owner's
  // turn ends (flush, timer).
  using OnTurn = std::function<void()>;

  BatchedSocket(Socket& s, std::size_t max_datagram, SendQueue::Limits limits)
      : sock_(s), rx_(max_datagram), tx_(limits) {}

  void start(OnDatagram on_datagram, OnRecvError on_recv_error, OnSendError on_send_error,
             OnTurn on_turn) {
    on_datagram_ = std::move(on_datagram);
    on_recv_error_ = std::move(on_recv_error);
    on_send_error_ = std::move(on_send_error);
    on_turn_ = std::move(on_turn);
    boost::system::error_code ec;
    sock_.non_blocking(true, ec);
    wait_read();
  }

  // Where queued datagrams go (unconnected sockets: UDP); null: connected.
  void set_destination(const struct sockaddr* to, socklen_t len) {
    to_ = to;
    to_len_ = len;
  }

  bool queue(ByteView d) { return tx_.push(d); }

  // Sends what is queued, in order, until done or the socket is full (then
  // waits for writability and goes on by itself).
  void flush() {
    if (waiting_write_ || !sock_.is_open()) return;
    while (!tx_.empty()) {
      const int n = tx_.send_some(sock_.native_handle(), to_, to_len_);
      if (n >= 0) {
        ++send_calls_;
        continue;
      }
      const int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
        ++write_waits_;
        wait_write();
        return;
      }
      // This datagram cannot be sent (the kernel refused it, the peer is
      // gone): drop it and go on with the next, in order.
      on_send_error_(e, tx_.front());
      tx_.pop();
    }
  }

  void discard_output() { tx_.clear(); }
  const SendQueue& output() const { return tx_; }
  IoStats stats() const {
    return IoStats{recv_calls_,      send_calls_,   write_waits_,          tx_.size(),
                   tx_.high_water(), tx_.dropped(), tx_.limits().datagrams};
  }

 private:
  void wait_read() {
    sock_.async_wait(Socket::wait_read, [this](const boost::system::error_code& ec) {
      if (ec == boost::asio::error::operation_aborted || !sock_.is_open()) return;
      drain();
    });
  }

  void drain() {
    bool more = false;
    for (int b = 0;; ++b) {
      if (b == kBatchesPerTurn) {
        more = true;
        break;
      }
      const int n = rx_.receive(sock_.native_handle());
      ++recv_calls_;
      if (n < 0) {
        const int e = errno;
        if (e == EINTR) continue;
        if (e == EAGAIN || e == EWOULDBLOCK) break;
        on_recv_error_(e);
        if (!sock_.is_open()) return;
        if (e == ECONNREFUSED) continue;  // an ICMP error of an earlier send: read on
        break;
      }
      for (int i = 0; i < n && sock_.is_open(); ++i)
        on_datagram_(rx_.datagram(static_cast<std::size_t>(i)),
                     rx_.from(static_cast<std::size_t>(i)),
                     rx_.from_len(static_cast<std::size_t>(i)));
      if (!sock_.is_open()) return;
      // Fewer than a batch: recvmmsg stopped at an empty queue, drained.
      if (!rx_.single() && static_cast<std::size_t>(n) < kBatch) break;
    }
    on_turn_();
    if (!sock_.is_open()) return;
    if (!more) {
      wait_read();
      return;
    }
    // Still readable after the cap: read on after the others had their turn.
    // (Edge-triggered readiness would not say so again.)
    boost::asio::post(sock_.get_executor(), [this] {
      if (sock_.is_open()) drain();
    });
  }

  void wait_write() {
    waiting_write_ = true;
    sock_.async_wait(Socket::wait_write, [this](const boost::system::error_code& ec) {
      waiting_write_ = false;
      if (ec == boost::asio::error::operation_aborted || !sock_.is_open()) return;
      flush();
      on_turn_();
    });
  }

  Socket& sock_;
  RecvBatch rx_;
  SendQueue tx_;
  const struct sockaddr* to_ = nullptr;
  socklen_t to_len_ = 0;
  bool waiting_write_ = false;
  std::uint64_t recv_calls_ = 0;
  std::uint64_t send_calls_ = 0;
  std::uint64_t write_waits_ = 0;
  OnDatagram on_datagram_;
  OnRecvError on_recv_error_;
  OnSendError on_send_error_;
  OnTurn on_turn_;
};

}  // namespace atmsigd::io
