// The Asio glue of batched datagram I/O, shared by the transports: wait for
// readiness (never one async_receive per datagram), then drain with
// recvmmsg; queue outputs and flush them with sendmmsg once per turn,
// waiting for writability when the socket is full. Never blocks the loop.
//
// Readiness to read (issue 13): an async_wait per turn costs Asio an
// operation made and completed and an epoll_ctl (an async_wait re-arms the
// descriptor) each time, ≈ 250 instructions and a system call a turn. With
// Boost 1.74's epoll reactor and a loop without locking (the demon's io_context,
// BOOST_ASIO_CONCURRENCY_HINT_UNSAFE), the socket's read queue holds one
// reactor operation of ours instead, armed once: the reactor calls it at
// each readiness event (edge-triggered), it drains the socket there and
// stays queued. Closing the socket takes it out (aborted) as any operation.
// Elsewhere (another Boost, a locking loop) the async_wait path as before.
#pragma once

#include <utility>  // before Asio (Boost 1.74 + GCC 12, C++20)

#include <boost/asio.hpp>

#include <cerrno>
#include <functional>

#include <boost/asio/detail/concurrency_hint.hpp>

#include "atmsigd/io/datagram_batch.hpp"
#include "atmsigd/io/read_probe.hpp"

namespace atmsigd::io {

// Bounds of the output queues (docs/architecture.md, "the shell's turn").
inline constexpr SendQueue::Limits kKernelQueueLimits{4096, 4096 * 256};
inline constexpr SendQueue::Limits kLinkQueueLimits{4096, 1 << 20};
// At most this many recvmmsg batches per readiness before the other sockets
// and the timer get a turn (the rest is read in the next turn).
inline constexpr int kBatchesPerTurn = 8;

#ifdef ATMSIGD_PERSISTENT_READ  // read_probe.hpp
// A socket's reactor registration, protected in basic_socket: through a
// pointer to member named in a derived class (the standard way in).
template <class Socket>
struct SocketImplOf : Socket {
  static auto& of(Socket& s) { return (s.*(&SocketImplOf::impl_)).get_implementation(); }
  static const auto& of(const Socket& s) {
    return (s.*(&SocketImplOf::impl_)).get_implementation();
  }
};
#endif

// One datagram read: its octets, its source. The transports pass a functor
// type of their own (a pointer to themselves), so that each datagram read is
// a direct, inlined call rather than a std::function hop (issue 13: two hops
// per datagram, socket -> transport -> demon, before).
using OnDatagramFunction = std::function<void(ByteView, const struct sockaddr*, socklen_t)>;

template <class Socket, class OnDatagramT = OnDatagramFunction>
class BatchedSocket {
 public:
  using OnDatagram = OnDatagramT;
  // A receive error (errno), or a datagram the socket refused to send (errno,
  // the datagram), which is dropped.
  using OnRecvError = std::function<void(int)>;
  using OnSendError = std::function<void(int, ByteView)>;
  // A read batch was fed, or queued output went out after a wait: the owner's
  // turn ends (flush, timer).
  using OnTurn = std::function<void()>;

  BatchedSocket(Socket& s, std::size_t max_datagram, SendQueue::Limits limits)
      : sock_(s), rx_(max_datagram), tx_(limits) {}
  BatchedSocket(const BatchedSocket&) = delete;
  BatchedSocket& operator=(const BatchedSocket&) = delete;
  ~BatchedSocket() {
#ifdef ATMSIGD_PERSISTENT_READ
    if (read_op_ == nullptr) return;
    // Closing the socket takes the operation out of the reactor, to be
    // completed (aborted) or destroyed by the loop, which frees it; it
    // must not call back into this object then.
    boost::system::error_code ec;
    if (sock_.is_open()) sock_.close(ec);
    read_op_->owner = nullptr;
    read_armed_ = false;
#endif
  }

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
    tx_.set_destination(to, len);
  }

  bool queue(ByteView d) {
    return tx_.push(d);
  }

  // Sends what is queued, in order, until done or the socket is full (then
  // waits for writability and goes on by itself).
  void flush() {
    if (waiting_write_ || !sock_.is_open()) return;
    while (!tx_.empty()) {
      const int n = tx_.send_some(sock_.native_handle());
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

  // The reactor has reported this socket readable (or in error) and its
  // drain has not run yet: it runs later in this round of the loop, behind
  // the handler running now (the reactor queues every descriptor an
  // epoll_wait reported, then itself). The demon then leaves its turn open
  // for that drain to end (docs/architecture.md, "the shell's turn"). False
  // where it cannot tell (the async_wait path): the turn ends as before.
  bool read_pending() const {
    return read_probe().pending();
  }
  // The same, to be asked without a call (the demon keeps one per socket);
  // valid while the socket is open.
  ReadProbe read_probe() const {
#ifdef ATMSIGD_PERSISTENT_READ
    // descriptor_state is a private base's operation: a C-style cast is the
    // one that converts to an inaccessible base (as static_cast would).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
    const auto* d = (const boost::asio::detail::scheduler_operation*)SocketImplOf<Socket>::of(sock_)
                        .reactor_data_;
#pragma GCC diagnostic pop
    return ReadProbe(&read_armed_, d);
#else
    return ReadProbe();
#endif
  }

  void discard_output() {
    tx_.clear();
  }
  const SendQueue& output() const {
    return tx_;
  }
  // For the transports' queue_direct (a push without their virtual queue).
  SendQueue& output_queue() {
    return tx_;
  }
  IoStats stats() const {
    return IoStats{recv_calls_,      send_calls_,   write_waits_,          tx_.size(),
                   tx_.high_water(), tx_.dropped(), tx_.limits().datagrams};
  }

 private:
  void wait_read() {
#ifdef ATMSIGD_PERSISTENT_READ
    if (read_op_ != nullptr) return;  // armed: it stays
    if (!persistent_refused_ && arm_read_op()) return;
#endif
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
        if (e == EAGAIN || e == EWOULDBLOCK) {
          retried_after_error_ = false;
          break;
        }
        on_recv_error_(e);
        if (!sock_.is_open()) return;
        if (e == ECONNREFUSED) continue;  // an ICMP error of an earlier send: read on
        // Another error (the socket's pending one, reported once): datagrams
        // may still wait behind it. The persistent read operation is only
        // called again at the next edge, which may not come: read again
        // after the others had their turn (as the async_wait re-armed and
        // re-checked). Once: an error that comes back at once (one that
        // does not clear) waits for the next edge instead of spinning.
        more = !retried_after_error_;
        retried_after_error_ = more;
        break;
      }
      retried_after_error_ = false;
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

#ifdef ATMSIGD_PERSISTENT_READ
  // Our operation in the socket's read queue: performed at every readiness
  // event, never done (it stays queued); completed only when the reactor
  // lets it go (the socket closed: aborted; the loop destroyed), which
  // frees it.
  struct ReadOp final : boost::asio::detail::reactor_op {
    explicit ReadOp(BatchedSocket* o)
        : reactor_op(boost::system::error_code(), &perform_ready, &let_go), owner(o) {}
    static status perform_ready(reactor_op* base) {
      auto* op = static_cast<ReadOp*>(base);
      if (op->owner != nullptr && op->owner->sock_.is_open()) op->owner->drain();
      return not_done;
    }
    static void let_go(void* loop, boost::asio::detail::scheduler_operation* base,
                       const boost::system::error_code& ec, std::size_t) {
      auto* op = static_cast<ReadOp*>(base);
      BatchedSocket* o = op->owner;
      delete op;
      if (o == nullptr) return;
      o->read_op_ = nullptr;
      o->read_armed_ = false;
      // Refused by the reactor at once (not aborted by a close): the
      // async_wait path from now on.
      if (loop != nullptr && ec != boost::asio::error::operation_aborted && o->sock_.is_open()) {
        o->persistent_refused_ = true;
        o->wait_read();
      }
    }
    BatchedSocket* owner;
  };

  // Queues ReadOp on the socket's read side, once; false where the loop
  // locks (an operation performed under the descriptor's lock may close
  // its own socket only without one).
  bool arm_read_op() {
    namespace asio = boost::asio;
    auto& ctx = asio::query(sock_.get_executor(), asio::execution::context);
    if (BOOST_ASIO_CONCURRENCY_HINT_IS_LOCKING(
            REACTOR_IO, asio::use_service<asio::detail::scheduler>(ctx).concurrency_hint()))
      return false;
    auto& impl = SocketImplOf<Socket>::of(sock_);
    read_op_ = new ReadOp(this);
    read_armed_ = true;
    // Not speculative: the reactor re-arms the descriptor once (epoll_ctl),
    // so what arrived before is reported too.
    asio::use_service<asio::detail::reactor>(ctx).start_op(
        asio::detail::reactor::read_op, impl.socket_, impl.reactor_data_, read_op_, false, false);
    return true;
  }
  ReadOp* read_op_ = nullptr;
  bool read_armed_ = false;  // read_op_ is queued (read_probe())
  bool persistent_refused_ = false;
#endif

  Socket& sock_;
  RecvBatch rx_;
  SendQueue tx_;
  bool waiting_write_ = false;
  bool retried_after_error_ = false;  // drain() reads again once after an error
  std::uint64_t recv_calls_ = 0;
  std::uint64_t send_calls_ = 0;
  std::uint64_t write_waits_ = 0;
  OnDatagram on_datagram_;
  OnRecvError on_recv_error_;
  OnSendError on_send_error_;
  OnTurn on_turn_;
};

}  // namespace atmsigd::io
