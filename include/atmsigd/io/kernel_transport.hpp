// The two ways the demon reaches the user of signaling, as the original:
// the kernel's signaling socket (socket(PF_ATMSVC) + ioctl ATMSIGD_CTRL), or
// a unix datagram socket at a path ("unix-socket mode": the first peer that
// sends to it is the user of signaling from then on).
#pragma once

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 needs std::exchange

#include <boost/asio.hpp>

#include <sys/socket.h>

#include <linux/atm.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atmsigd/config/options.hpp"
#include "atmsigd/io/datagram_batch.hpp"
#include "atmsigd/io/read_probe.hpp"
#include "atmsigd/util/bytes.hpp"

namespace atmsigd::io {

class KernelTransport {
 public:
  using Handler = std::function<void(ByteView frame)>;
  using ErrorHandler = std::function<void(const std::string& what)>;
  using TurnHandler = std::function<void()>;
  virtual ~KernelTransport() = default;
  // Starts receiving: on readiness the socket is drained (recvmmsg), each
  // datagram to `on_frame`, then `on_turn` (the demon's turn ends: flush,
  // timer). Receive and send failures go to `on_error` (the demon logs them
  // and goes on); a frame the kernel refused because it does not know the
  // socket (today's kernels, docs/kernel.md) to `on_refused`. `on_turn` also
  // follows a flush that went on after the socket was full.
  virtual void start(Handler on_frame, ErrorHandler on_error, Handler on_refused,
                     TurnHandler on_turn) = 0;
  // Queues a frame for the next flush(), in order; false when the queue is
  // at its bound (the frame is dropped and counted).
  virtual bool queue(ByteView frame) = 0;
  // The same, without the virtual call where the transport's queue() is its
  // send queue's push (issue 13: three frames a call at W=1).
  bool queue_direct(ByteView frame) {
    return direct_ != nullptr ? direct_->push(frame) : queue(frame);
  }
  // Sends the queued frames (sendmmsg); when the peer cannot take more, the
  // rest waits for writability, never blocking the loop.
  virtual void flush() = 0;
  virtual IoStats stats() const = 0;
  // Frames waiting now (stats().queued; the demon asks at every turn).
  virtual std::size_t queued() const = 0;
  // Whether the loop has seen the socket readable and will drain it later
  // in this round (io/read_probe.hpp): the demon's turn may wait for it.
  // Asked once the transport is started; valid until close().
  virtual ReadProbe read_probe() const { return {}; }
  virtual void close() = 0;
  virtual std::string describe() const = 0;
  // The local ATM addresses of an interface (kernel: ioctl ATM_GETADDR).
  virtual std::optional<std::vector<struct sockaddr_atmsvc>> local_addresses(int itf) = 0;

 protected:
  // Set by a transport once its queue() is exactly this queue's push (and
  // for as long as the queue lives): queue_direct pushes here.
  SendQueue* direct_ = nullptr;
};

// Unix-socket mode. The socket file is created with mode 0600 (an existing
// socket file at the path is replaced), then given `access`'s owner, group
// and mode before anything is read; close() removes it.
std::unique_ptr<KernelTransport> open_unix_transport(
    boost::asio::io_context& io, const std::string& path,
    std::vector<struct sockaddr_atmsvc> local_addresses, const config::SocketAccess& access,
    std::string& error);

// The real kernel. Fails with a clear message on a kernel without ATM.
std::unique_ptr<KernelTransport> open_kernel_transport(boost::asio::io_context& io,
                                                       std::string& error);

}  // namespace atmsigd::io
