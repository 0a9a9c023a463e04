// The signaling link under SSCOP: where the SSCOP PDUs (AAL5 CPCS-SDUs) go.
//  * a real ATM PVC: socket(PF_ATMPVC) with AAL5 QoS bound to [itf.]vpi.vci
//    (default 0.0.5), as the original demon;
//  * SSCOP over UDP for machines without ATM: one PDU per datagram, nothing
//    added, so `tshark -d udp.port==PORT,sscop` decodes it.
#pragma once

#include <utility>  // before Asio (Boost 1.74 + GCC 12, C++20)

#include <boost/asio.hpp>

#include <sys/socket.h>

#include <linux/atm.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "atmsigd/config/options.hpp"
#include "atmsigd/io/datagram_batch.hpp"
#include "atmsigd/io/read_probe.hpp"
#include "atmsigd/util/bytes.hpp"

namespace atmsigd::io {

class LinkTransport {
 public:
  using Handler = std::function<void(ByteView pdu)>;
  using ErrorHandler = std::function<void(const std::string& what)>;
  using TurnHandler = std::function<void()>;
  virtual ~LinkTransport() = default;
  // As KernelTransport::start: drained on readiness, each PDU to `on_pdu`,
  // then `on_turn`.
  virtual void start(Handler on_pdu, ErrorHandler on_error, TurnHandler on_turn) = 0;
  // Queues a PDU for the next flush(), in order; false at the bound (dropped,
  // counted: SSCOP recovers a lost PDU).
  virtual bool queue(ByteView pdu) = 0;
  // The same, without the virtual call where the link's queue() is its send
  // queue's push (issue 13: three PDUs a call at W=1).
  bool queue_direct(ByteView pdu) { return direct_ != nullptr ? direct_->push(pdu) : queue(pdu); }
  virtual void flush() = 0;
  // As KernelTransport::read_probe.
  virtual ReadProbe read_probe() const { return {}; }
  virtual IoStats stats() const = 0;
  virtual void close() = 0;
  virtual std::string describe() const = 0;

 protected:
  // As KernelTransport's: set by a link whose queue() is this queue's push.
  SendQueue* direct_ = nullptr;
};

using config::UdpEndpoint;

// Datagrams from any other address than `peer` are dropped (and logged).
std::unique_ptr<LinkTransport> open_udp_link(boost::asio::io_context& io, const UdpEndpoint& local,
                                             const UdpEndpoint& peer, std::string& error);

// `qos_text` in qos(7) syntax (default: UBR at link speed, AAL5).
std::unique_ptr<LinkTransport> open_pvc_link(boost::asio::io_context& io,
                                             const struct sockaddr_atmpvc& vc,
                                             const std::optional<std::string>& qos_text,
                                             std::string& error);

}  // namespace atmsigd::io
