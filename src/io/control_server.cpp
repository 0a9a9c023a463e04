#include "atmsigd/io/control_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace atmsigd::io {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

struct ControlServer::Client {
  explicit Client(asio::io_context& io) : sock(io), timer(io) {}
  stream::socket sock;
  asio::steady_timer timer;
  std::string in;   // received, not yet answered (bounded: max_request)
  std::string out;  // the response being written (one at a time)
  std::array<char, 4096> buf{};
  bool done = false;
};

ControlServer::ControlServer(asio::io_context& io, Params params, control::Protocol& protocol,
                             Print print)
    : io_(io),
      params_(std::move(params)),
      protocol_(protocol),
      print_(std::move(print)),
      acceptor_(io),
      retry_(io) {}

ControlServer::~ControlServer() {
  close();
}

std::unique_ptr<ControlServer> ControlServer::open(asio::io_context& io, Params params,
                                                   control::Protocol& protocol, Print print,
                                                   std::string& error) {
  std::unique_ptr<ControlServer> s(
      new ControlServer(io, std::move(params), protocol, std::move(print)));
  const std::string& path = s->params_.path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = "control socket " + path + ": exists and is not a socket";
      return nullptr;
    }
    // A live demon answers on it: not ours to take. A stale file (nobody
    // listens: a demon killed) is replaced.
    stream::socket probe(io);
    boost::system::error_code ec;
    probe.connect(stream::endpoint(path), ec);
    if (!ec) {
      error = "control socket " + path + ": another process serves it";
      return nullptr;
    }
    ::unlink(path.c_str());
  }
  boost::system::error_code ec;
  s->acceptor_.open(stream(), ec);
  if (!ec) {
    const mode_t old = ::umask(0177);  // created 0600: nobody else before the chmod below
    s->acceptor_.bind(stream::endpoint(path), ec);
    ::umask(old);
  }
  if (ec) {
    error = "cannot create control socket " + path + ": " + ec.message();
    return nullptr;
  }
  s->bound_ = true;
  const auto& a = s->params_.access;
  if (a.owner || a.group) {
    const uid_t uid = a.owner ? static_cast<uid_t>(*a.owner) : static_cast<uid_t>(-1);
    const gid_t gid = a.group ? static_cast<gid_t>(*a.group) : static_cast<gid_t>(-1);
    if (::lchown(path.c_str(), uid, gid) < 0) {
      error = "cannot set the owner of control socket " + path + " (" + a.describe() +
              "): " + std::strerror(errno);
      return nullptr;
    }
  }
  if (::chmod(path.c_str(), a.mode) < 0) {
    error = "cannot set the mode of control socket " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  s->acceptor_.listen(16, ec);
  if (ec) {
    error = "cannot listen on control socket " + path + ": " + ec.message();
    return nullptr;
  }
  return s;
}

void ControlServer::start() {
  accept();
}

std::size_t ControlServer::clients() const {
  return clients_.size();
}

void ControlServer::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  retry_.cancel();
  for (auto& c : clients_) {
    c->done = true;
    c->timer.cancel();
    c->sock.close(ec);
  }
  clients_.clear();
  if (bound_) ::unlink(params_.path.c_str());
  bound_ = false;
}

void ControlServer::accept() {
  auto c = std::make_shared<Client>(io_);
  acceptor_.async_accept(c->sock, [this, c](const boost::system::error_code& ec) {
    if (closed_) return;
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (clients_.size() >= params_.max_clients) {
        // One line, without waiting: a client that does not read it loses it.
        const std::string line = control::Protocol::error_line(
            "too-many-clients",
            "the demon serves " + std::to_string(clients_.size()) + " control clients already");
        (void)::send(c->sock.native_handle(), line.data(), line.size(),
                     MSG_DONTWAIT | MSG_NOSIGNAL);
        boost::system::error_code ignored;
        c->sock.close(ignored);
        print_(log::Event{log::Id::kControlRefused, {std::uint64_t{clients_.size()}}});
      } else {
        clients_.push_back(c);
        serve(c);
      }
    }
    if (ec) {
      // EMFILE and the like: tried again a little later (a client may have
      // left), never in a loop that would starve the demon's other work.
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](const boost::system::error_code& e) {
        if (!e && !closed_) accept();
      });
      return;
    }
    accept();
  });
}

// Closes the client when it has been silent (or has not read its
// response) for the timeout.
void ControlServer::arm(const std::shared_ptr<Client>& c) {
  c->timer.expires_after(params_.timeout);
  c->timer.async_wait([this, c](const boost::system::error_code& ec) {
    if (ec || c->done || closed_) return;
    print_(log::Event{log::Id::kControlClosed, {std::string("timeout")}});
    drop(c);
  });
}

void ControlServer::drop(const std::shared_ptr<Client>& c) {
  if (c->done) return;
  c->done = true;
  boost::system::error_code ec;
  c->timer.cancel();
  c->sock.close(ec);
  std::erase(clients_, c);
}

// The requests already received are answered one by one; then more is read.
void ControlServer::serve(const std::shared_ptr<Client>& c) {
  if (c->done || closed_) return;
  const auto nl = c->in.find('\n');
  if (nl == std::string::npos) {
    if (c->in.size() > params_.max_request) {
      print_(log::Event{log::Id::kControlClosed, {std::string("request too long")}});
      respond(c,
              control::Protocol::error_line("request-too-long",
                                            "a request is one line of at most " +
                                                std::to_string(params_.max_request) + " octets"),
              true);
      return;
    }
    read(c);
    return;
  }
  std::string line = c->in.substr(0, nl);
  c->in.erase(0, nl + 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    serve(c);
    return;
  }
  std::string reply = protocol_.handle_line(line);
  respond(c, std::move(reply), false);
}

void ControlServer::read(const std::shared_ptr<Client>& c) {
  arm(c);
  c->sock.async_read_some(asio::buffer(c->buf),
                          [this, c](const boost::system::error_code& ec, std::size_t n) {
                            if (c->done || closed_) return;
                            if (ec) {  // EOF: the client is done
                              if (ec != asio::error::eof)
                                print_(log::Event{log::Id::kControlClosed, {ec.message()}});
                              drop(c);
                              return;
                            }
                            c->in.append(c->buf.data(), n);
                            serve(c);
                          });
}

void ControlServer::respond(const std::shared_ptr<Client>& c, std::string line, bool then_close) {
  arm(c);
  c->out = std::move(line);
  asio::async_write(c->sock, asio::buffer(c->out),
                    [this, c, then_close](const boost::system::error_code& ec, std::size_t) {
                      if (c->done || closed_) return;
                      if (ec || then_close) {
                        if (ec) print_(log::Event{log::Id::kControlClosed, {ec.message()}});
                        drop(c);
                        return;
                      }
                      c->out.clear();
                      c->out.shrink_to_fit();
                      serve(c);
                    });
}

}  // namespace atmsigd::io
