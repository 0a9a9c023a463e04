#include "atmsigd/io/link_transport.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "atmsigd/util/atm_text.hpp"
#include "batched_socket.hpp"

namespace atmsigd::io {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

constexpr std::size_t kMaxPdu = 65535;  // AAL5 CPCS-SDU

class UdpLink final : public LinkTransport {
 public:
  UdpLink(asio::io_context& io, udp::endpoint peer)
      : sock_(io), peer_(std::move(peer)), io_(sock_, kMaxPdu, kLinkQueueLimits) {
    direct_ = &io_.output_queue();
  }
  ~UdpLink() override { close(); }

  bool open(const udp::endpoint& local, std::string& error) {
    boost::system::error_code ec;
    sock_.open(local.protocol(), ec);
    if (!ec) sock_.bind(local, ec);
    if (ec) {
      error = "cannot bind the UDP signaling link to " + local.address().to_string() + ":" +
              std::to_string(local.port()) + ": " + ec.message();
      return false;
    }
    local_ = sock_.local_endpoint(ec);
    return true;
  }
  void start(Handler on_pdu, ErrorHandler on_error, TurnHandler on_turn) override {
    on_pdu_ = std::move(on_pdu);
    on_error_ = std::move(on_error);
    io_.set_destination(peer_.data(), static_cast<socklen_t>(peer_.size()));
    io_.start(
        Rx{this},
        [this](int e) {
          // ICMP port unreachable etc.: SSCOP's timers deal with a silent peer.
          if (e != ECONNREFUSED)
            on_error_(std::string("receive on the UDP signaling link failed: ") + std::strerror(e));
        },
        [this](int e, ByteView) {
          if (e != ECONNREFUSED)
            on_error_(std::string("sending on the UDP signaling link failed: ") + std::strerror(e));
        },
        std::move(on_turn));
  }
  bool queue(ByteView pdu) override { return io_.queue(pdu); }
  void flush() override { io_.flush(); }
  ReadProbe read_probe() const override { return io_.read_probe(); }
  IoStats stats() const override { return io_.stats(); }
  void close() override {
    boost::system::error_code ec;
    if (sock_.is_open()) sock_.close(ec);
  }
  std::string describe() const override {
    return "SSCOP over UDP " + local_.address().to_string() + ":" + std::to_string(local_.port()) +
           " <-> " + peer_.address().to_string() + ":" + std::to_string(peer_.port());
  }

 private:
  // Each datagram read, called directly by the socket's drain.
  struct Rx {
    UdpLink* self;
    void operator()(ByteView pdu, const struct sockaddr* from, socklen_t from_len) const {
      if (self->from_peer(from, from_len)) [[likely]] {
        self->on_pdu_(pdu);
        return;
      }
      self->not_from_peer(from, from_len);
    }
  };
  void not_from_peer(const struct sockaddr* from, socklen_t from_len) {
    udp::endpoint ep;
    if (from_len <= static_cast<socklen_t>(ep.capacity())) {
      std::memcpy(ep.data(), from, from_len);
      ep.resize(from_len);
    }
    on_error_("UDP datagram from " + ep.address().to_string() + ":" + std::to_string(ep.port()) +
              " is not from the peer; dropped");
  }
  // The source address against the peer's, as the kernel writes them: family,
  // port and address (and an IPv6 scope), not through asio's endpoint and
  // address objects (every datagram in: three or more a call).
  bool from_peer(const struct sockaddr* from, socklen_t from_len) const {
    if (from_len != static_cast<socklen_t>(peer_.size()) ||
        from->sa_family != peer_.data()->sa_family)
      return false;
    if (from->sa_family == AF_INET) {
      struct sockaddr_in a {
      }, b{};
      std::memcpy(&a, from, sizeof a);
      std::memcpy(&b, peer_.data(), sizeof b);
      return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
    }
    if (from->sa_family == AF_INET6) {
      struct sockaddr_in6 a {
      }, b{};
      std::memcpy(&a, from, sizeof a);
      std::memcpy(&b, peer_.data(), sizeof b);
      return a.sin6_port == b.sin6_port && a.sin6_scope_id == b.sin6_scope_id &&
             std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
    }
    return false;
  }

  udp::socket sock_;
  udp::endpoint peer_;
  udp::endpoint local_;
  BatchedSocket<udp::socket, Rx> io_;
  Handler on_pdu_;
  ErrorHandler on_error_;
};

class PvcLink final : public LinkTransport {
 public:
  PvcLink(asio::io_context& io, int fd, std::string name)
      : sock_(io, asio::generic::datagram_protocol(PF_ATMPVC, 0), fd),
        name_(std::move(name)),
        io_(sock_, kMaxPdu, kLinkQueueLimits) {
    direct_ = &io_.output_queue();
  }
  ~PvcLink() override { close(); }
  void start(Handler on_pdu, ErrorHandler on_error, TurnHandler on_turn) override {
    on_error_ = std::move(on_error);
    on_pdu_ = std::move(on_pdu);
    io_.start(
        Rx{this},
        [this](int e) {
          on_error_(std::string("receive on the signaling PVC failed: ") + std::strerror(e));
        },
        [this](int e, ByteView) {
          on_error_(std::string("sending on the signaling PVC failed: ") + std::strerror(e));
        },
        std::move(on_turn));
  }
  bool queue(ByteView pdu) override { return io_.queue(pdu); }
  void flush() override { io_.flush(); }
  ReadProbe read_probe() const override { return io_.read_probe(); }
  IoStats stats() const override { return io_.stats(); }
  void close() override {
    boost::system::error_code ec;
    if (sock_.is_open()) sock_.close(ec);
  }
  std::string describe() const override { return "ATM PVC " + name_; }

 private:
  // Each datagram read, called directly by the socket's drain.
  struct Rx {
    PvcLink* self;
    void operator()(ByteView pdu, const struct sockaddr*, socklen_t) const { self->on_pdu_(pdu); }
  };
  asio::generic::datagram_protocol::socket sock_;
  std::string name_;
  BatchedSocket<asio::generic::datagram_protocol::socket, Rx> io_;
  Handler on_pdu_;
  ErrorHandler on_error_;
};

std::optional<udp::endpoint> resolve(asio::io_context& io, const UdpEndpoint& e,
                                     std::string& error) {
  boost::system::error_code ec;
  const std::string host = e.host.empty() ? "127.0.0.1" : e.host;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) return udp::endpoint(addr, e.port);
  udp::resolver r(io);
  auto res = r.resolve(host, std::to_string(e.port), ec);
  if (ec || res.empty()) {
    error = "cannot resolve \"" + host + "\": " + ec.message();
    return std::nullopt;
  }
  return res.begin()->endpoint();
}

}  // namespace

std::unique_ptr<LinkTransport> open_udp_link(asio::io_context& io, const UdpEndpoint& local,
                                             const UdpEndpoint& peer, std::string& error) {
  auto l = resolve(io, local, error);
  if (!l) return nullptr;
  auto p = resolve(io, peer, error);
  if (!p) return nullptr;
  auto link = std::make_unique<UdpLink>(io, *p);
  if (!link->open(*l, error)) return nullptr;
  return link;
}

std::unique_ptr<LinkTransport> open_pvc_link(asio::io_context& io, const struct sockaddr_atmpvc& vc,
                                             const std::optional<std::string>& qos_text,
                                             std::string& error) {
  const std::string name = pvc_address_text(vc);
  struct atm_qos qos;
  std::memset(&qos, 0, sizeof qos);
  if (qos_text) {
    auto q = parse_qos(*qos_text);
    if (!q) {
      error = "invalid QoS for the signaling VC: " + *qos_text;
      return nullptr;
    }
    qos = *q;
  } else {
    qos.txtp.traffic_class = ATM_UBR;
    qos.rxtp.traffic_class = ATM_UBR;
  }
  qos.aal = ATM_AAL5;
  if (qos.txtp.max_sdu == 0) qos.txtp.max_sdu = 4096 + 16;
  if (qos.rxtp.max_sdu == 0) qos.rxtp.max_sdu = 4096 + 16;
  const int fd = ::socket(PF_ATMPVC, SOCK_DGRAM, 0);
  if (fd < 0) {
    const int e = errno;
    error = "cannot open the signaling PVC " + name + ": socket(PF_ATMPVC): " + std::strerror(e);
    if (e == EAFNOSUPPORT)
      error += " -- this kernel has no ATM; carry SSCOP over UDP with --udp-local/--udp-peer";
    return nullptr;
  }
  if (::setsockopt(fd, SOL_ATM, SO_ATMQOS, &qos, sizeof qos) < 0 ||
      ::bind(fd, reinterpret_cast<const struct sockaddr*>(&vc), sizeof vc) < 0) {
    error = "cannot open the signaling PVC " + name + ": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  return std::make_unique<PvcLink>(io, fd, name);
}

}  // namespace atmsigd::io
