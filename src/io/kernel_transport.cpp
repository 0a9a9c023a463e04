#include "atmsigd/io/kernel_transport.hpp"

#include <linux/atmdev.h>
#include <linux/atmsvc.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "atmsigd/atmsvc/message.hpp"
#include "batched_socket.hpp"

namespace atmsigd::io {
namespace {

namespace asio = boost::asio;
using unix_dgram = asio::local::datagram_protocol;

constexpr std::size_t kMaxFrame = 4096;  // anything larger is garbage anyway

class UnixTransport final : public KernelTransport {
 public:
  UnixTransport(asio::io_context& io, std::string path, std::vector<struct sockaddr_atmsvc> locals,
                config::SocketAccess access)
      : sock_(io),
        path_(std::move(path)),
        locals_(std::move(locals)),
        access_(std::move(access)),
        io_(sock_, kMaxFrame, kKernelQueueLimits) {}
  ~UnixTransport() override { close(); }

  bool open(std::string& error) {
    boost::system::error_code ec;
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        error = path_ + " exists and is not a socket";
        return false;
      }
      ::unlink(path_.c_str());
    }
    sock_.open(unix_dgram(), ec);
    if (!ec) {
      const mode_t old = ::umask(0177);  // created 0600
      sock_.bind(unix_dgram::endpoint(path_), ec);
      ::umask(old);
    }
    if (ec) {
      error = "cannot create unix socket " + path_ + ": " + ec.message();
      return false;
    }
    bound_ = true;
    // Owner, group and mode ("io socket ..."), before anything is read: the
    // file was created 0600 (only the demon's user), so nobody else could
    // have sent a first datagram in between. lchown: the path is the socket
    // just made, never a link to follow.
    if (access_.owner || access_.group) {
      const uid_t uid = access_.owner ? static_cast<uid_t>(*access_.owner) : static_cast<uid_t>(-1);
      const gid_t gid = access_.group ? static_cast<gid_t>(*access_.group) : static_cast<gid_t>(-1);
      if (::lchown(path_.c_str(), uid, gid) < 0) {
        error = "cannot set the owner of unix socket " + path_ + " (" + access_.describe() +
                "): " + std::strerror(errno);
        close();
        return false;
      }
    }
    if (::chmod(path_.c_str(), access_.mode) < 0) {
      error = "cannot set the mode of unix socket " + path_ + ": " + std::strerror(errno);
      close();
      return false;
    }
    return true;
  }

  void start(Handler on_frame, ErrorHandler on_error, Handler, TurnHandler on_turn) override {
    on_frame_ = std::move(on_frame);
    on_error_ = std::move(on_error);
    io_.start(
        Rx{this}, [this](int e) { on_error_(std::string("receive failed: ") + std::strerror(e)); },
        [this](int e, ByteView) {
          on_error_(std::string("send to the user of signaling failed: ") + std::strerror(e));
        },
        std::move(on_turn));
  }

  bool queue(ByteView frame) override {
    if (!peer_) {
      on_error_("no user of signaling has sent anything yet; frame dropped");
      return true;
    }
    return io_.queue(frame);
  }
  void flush() override { io_.flush(); }
  ReadProbe read_probe() const override { return io_.read_probe(); }
  IoStats stats() const override { return io_.stats(); }
  std::size_t queued() const override { return io_.output().size(); }

  void close() override {
    boost::system::error_code ec;
    if (sock_.is_open()) sock_.close(ec);
    if (bound_) ::unlink(path_.c_str());
    bound_ = false;
  }

  std::string describe() const override {
    return "unix socket " + path_ + " (" + access_.describe() + ")";
  }

  std::optional<std::vector<struct sockaddr_atmsvc>> local_addresses(int) override {
    return locals_;
  }

 private:
  // Each datagram read, called directly by the socket's drain.
  struct Rx {
    UnixTransport* self;
    void operator()(ByteView f, const struct sockaddr* from, socklen_t from_len) const {
      if (!self->peer_) [[unlikely]]
        self->first_peer(from, from_len);
      self->on_frame_(f);
    }
  };
  // Like the original: the first sender is the user of signaling; the
  // socket is connected to it, so others cannot interfere.
  void first_peer(const struct sockaddr* from, socklen_t from_len) {
    unix_dgram::endpoint ep;
    if (from_len > offsetof(struct sockaddr_un, sun_path) &&
        from_len <= static_cast<socklen_t>(ep.capacity())) {
      std::memcpy(ep.data(), from, from_len);
      ep.resize(from_len);
    }
    if (ep.path().empty()) {
      on_error_("a peer without an address sent a frame; it cannot be answered");
    } else {
      boost::system::error_code cec;
      sock_.connect(ep, cec);
      if (cec)
        on_error_("cannot connect to the peer: " + cec.message());
      else {
        peer_ = ep;
        direct_ = &io_.output_queue();  // queue() is the push from now on
      }
    }
  }

  unix_dgram::socket sock_;
  std::string path_;
  std::vector<struct sockaddr_atmsvc> locals_;
  config::SocketAccess access_;
  bool bound_ = false;
  BatchedSocket<unix_dgram::socket, Rx> io_;
  std::optional<unix_dgram::endpoint> peer_;
  Handler on_frame_;
  ErrorHandler on_error_;
};

class AtmKernelTransport final : public KernelTransport {
 public:
  AtmKernelTransport(asio::io_context& io, int fd)
      : sock_(io, asio::generic::datagram_protocol(PF_ATMSVC, 0), fd),
        fd_(fd),
        io_(sock_, kMaxFrame, kKernelQueueLimits) {
    direct_ = &io_.output_queue();
  }
  ~AtmKernelTransport() override { close(); }

  void start(Handler on_frame, ErrorHandler on_error, Handler on_refused,
             TurnHandler on_turn) override {
    on_error_ = std::move(on_error);
    on_refused_ = std::move(on_refused);
    on_frame_ = std::move(on_frame);
    io_.start(
        Rx{this},
        [this](int e) {
          on_error_(std::string("receive from the kernel failed: ") + std::strerror(e));
        },
        [this](int e, ByteView frame) { refused(e, frame); }, std::move(on_turn));
  }
  bool queue(ByteView frame) override { return io_.queue(frame); }
  void flush() override { io_.flush(); }
  ReadProbe read_probe() const override { return io_.read_probe(); }
  IoStats stats() const override { return io_.stats(); }
  std::size_t queued() const override { return io_.output().size(); }
  void close() override {
    boost::system::error_code ec;
    if (sock_.is_open()) sock_.close(ec);
  }
  std::string describe() const override { return "kernel signaling socket"; }

  std::optional<std::vector<struct sockaddr_atmsvc>> local_addresses(int itf) override {
    // The kernel fails with E2BIG when the buffer cannot hold every address
    // (net/atm/addr.c): try again with a larger one.
    for (std::size_t room = 16; room <= 4096; room *= 4) {
      std::vector<struct sockaddr_atmsvc> addrs(room);
      struct atmif_sioc req {};
      req.number = itf;
      req.length = static_cast<int>(room * sizeof(struct sockaddr_atmsvc));
      req.arg = addrs.data();
      if (::ioctl(fd_, ATM_GETADDR, &req) < 0) {
        if (errno == E2BIG) continue;
        return std::nullopt;
      }
      addrs.resize(static_cast<std::size_t>(req.length) / sizeof(struct sockaddr_atmsvc));
      return addrs;
    }
    return std::nullopt;
  }

 private:
  // Since 2026 the kernel refuses replies for sockets not yet in its VCC
  // table (as_bind/as_listen/as_connect replies): say so plainly, naming
  // the message (at the default log level nothing else shows it).
  void refused(int e, ByteView frame) {
    const auto d = atmsvc::decode(frame);
    on_error_("the kernel refused a frame (" + std::string(std::strerror(e)) + ")" +
              (e == EINVAL ? ": it does not know the socket (see docs/kernel.md)" : "") +
              (d.msg ? "; frame: " + d.msg->summary() : std::string()));
    if (e == EINVAL) on_refused_(frame);
  }

  asio::generic::datagram_protocol::socket sock_;
  int fd_;
  // Each datagram read, called directly by the socket's drain.
  struct Rx {
    AtmKernelTransport* self;
    void operator()(ByteView f, const struct sockaddr*, socklen_t) const { self->on_frame_(f); }
  };
  BatchedSocket<asio::generic::datagram_protocol::socket, Rx> io_;
  Handler on_frame_;
  Handler on_refused_;
  ErrorHandler on_error_;
};

}  // namespace

std::unique_ptr<KernelTransport> open_unix_transport(asio::io_context& io, const std::string& path,
                                                     std::vector<struct sockaddr_atmsvc> locals,
                                                     const config::SocketAccess& access,
                                                     std::string& error) {
  auto t = std::make_unique<UnixTransport>(io, path, std::move(locals), access);
  if (!t->open(error)) return nullptr;
  return t;
}

std::unique_ptr<KernelTransport> open_kernel_transport(asio::io_context& io, std::string& error) {
  const int fd = ::socket(PF_ATMSVC, SOCK_DGRAM, 0);
  if (fd < 0) {
    const int e = errno;
    error = std::string("cannot open the kernel's signaling socket: socket(PF_ATMSVC): ") +
            std::strerror(e);
    if (e == EAFNOSUPPORT)
      error +=
          " -- this kernel has no ATM support (load the atm module), or run in unix-socket "
          "mode: atmsigd [itf.]vpi.vci SOCKET_PATH";
    return nullptr;
  }
  if (::ioctl(fd, ATMSIGD_CTRL, 0) < 0) {
    const int e = errno;
    error = std::string("cannot become the kernel's signaling demon: ioctl(ATMSIGD_CTRL): ") +
            std::strerror(e);
    if (e == EADDRINUSE) error += " -- another signaling demon is running";
    // net/atm/ioctl.c: capable(CAP_NET_ADMIN) and capable(CAP_SYS_RAWIO).
    if (e == EPERM) error += " -- CAP_NET_ADMIN and CAP_SYS_RAWIO are needed";
    ::close(fd);
    return nullptr;
  }
  return std::make_unique<AtmKernelTransport>(io, fd);
}

}  // namespace atmsigd::io
