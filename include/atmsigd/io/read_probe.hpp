// Whether the loop has a socket's drain still to run in this round: Asio's
// epoll reactor queues the completion of every descriptor one epoll_wait
// reported, then itself, and the demon's turn may wait for the last of them
// (Demon::end_read_turn, docs/architecture.md "the shell's turn"; issue 13).
// Made by the socket (io::BatchedSocket::read_probe) once it is open and
// its read operation armed; asked inline, with no call (a turn asks every
// socket's). Valid while the socket is open: the demon drops its probes
// before it closes a socket.
#pragma once

#include <utility>  // before Asio (Boost 1.74 + GCC 12, C++20)

#include <boost/asio.hpp>

#include <sys/epoll.h>

namespace atmsigd::io {

#if BOOST_ASIO_VERSION == 101800 && defined(BOOST_ASIO_HAS_EPOLL)
#define ATMSIGD_PERSISTENT_READ 1
// The events the reactor last reported for a descriptor (protected in
// scheduler_operation: through a pointer to member named in a derived class).
struct TaskResultOf : boost::asio::detail::scheduler_operation {
  static unsigned of(const boost::asio::detail::scheduler_operation* o) {
    return o->*(&TaskResultOf::task_result_);
  }
};
#endif

class ReadProbe {
 public:
  ReadProbe() = default;
#ifdef ATMSIGD_PERSISTENT_READ
  // `armed`: the socket's persistent read operation is queued (it drains the
  // socket when the reactor performs it); `descriptor`: the socket's
  // reactor state.
  ReadProbe(const bool* armed, const boost::asio::detail::scheduler_operation* descriptor)
      : armed_(armed), descriptor_(descriptor) {}
#endif

  // The reactor reported the socket readable (or in error) and its
  // completion, which drains it, is queued and has not run yet. False
  // where that cannot be told (the async_wait path).
  bool pending() const {
#ifdef ATMSIGD_PERSISTENT_READ
    namespace detail = boost::asio::detail;
    if (armed_ == nullptr || !*armed_) return false;
    // Queued: linked to the next operation (the reactor's own task is always
    // queued behind the descriptors it reported).
    return detail::op_queue_access::next(const_cast<detail::scheduler_operation*>(descriptor_)) !=
               nullptr &&
           (TaskResultOf::of(descriptor_) & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
#else
    return false;
#endif
  }

 private:
#ifdef ATMSIGD_PERSISTENT_READ
  const bool* armed_ = nullptr;
  const boost::asio::detail::scheduler_operation* descriptor_ = nullptr;
#endif
};

}  // namespace atmsigd::io
