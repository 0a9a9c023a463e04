// The control socket's acceptor (issue 18, docs/control.md): a unix stream
// socket served by the demon's Asio loop. It only moves lines: each request
// line goes to control::Protocol, its response line back. Nothing a client
// does can stall the loop or grow the demon without bound:
//   * a request is at most control::kMaxRequest octets (longer: an error
//     line, then the client is closed);
//   * one request is handled at a time per client: the next is read only
//     once the response is written, so a client that does not read holds
//     one response and no more;
//   * a client that is silent, or does not read its response, for
//     `timeout` is closed;
//   * at most `max_clients` at once: one more gets an error line and is
//     closed.
#pragma once

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 needs std::exchange

#include <boost/asio.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "atmsigd/config/options.hpp"
#include "atmsigd/control/protocol.hpp"
#include "atmsigd/log/log.hpp"

namespace atmsigd::io {

class ControlServer {
 public:
  struct Params {
    std::string path;
    config::SocketAccess access;  // owner, group, mode (default 0600)
    std::size_t max_clients = 8;
    std::chrono::milliseconds timeout{5000};
    std::size_t max_request = control::kMaxRequest;
  };
  using Print = std::function<void(const log::Event&)>;

  // Binds the socket (a stale socket file is replaced; one a live demon
  // answers on is not: error), sets its owner, group and mode. Null with
  // `error` set on failure.
  static std::unique_ptr<ControlServer> open(boost::asio::io_context& io, Params params,
                                             control::Protocol& protocol, Print print,
                                             std::string& error);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  void start();  // accepts clients
  void close();  // closes every client and the socket, removes the file
  std::size_t clients() const;
  const std::string& path() const { return params_.path; }

 private:
  struct Client;
  ControlServer(boost::asio::io_context& io, Params params, control::Protocol& protocol,
                Print print);
  void accept();
  void serve(const std::shared_ptr<Client>& c);
  void read(const std::shared_ptr<Client>& c);
  void respond(const std::shared_ptr<Client>& c, std::string line, bool then_close);
  void arm(const std::shared_ptr<Client>& c);
  void drop(const std::shared_ptr<Client>& c);

  boost::asio::io_context& io_;
  Params params_;
  control::Protocol& protocol_;
  Print print_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // accept() again after a failure
  std::vector<std::shared_ptr<Client>> clients_;
  bool bound_ = false;
  bool closed_ = false;
};

}  // namespace atmsigd::io
