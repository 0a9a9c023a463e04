// The demon's dispatcher, still sans-I/O: it couples the kernel-side socket
// machines with call control (each one's outputs are the other's inputs,
// processed to completion in order) and hands everything that leaves the
// demon to a Sink. The Asio shell owns the sockets, the timer and the Sink.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "atmsigd/atmsvc/call_control.hpp"
#include "atmsigd/atmsvc/socket_table.hpp"

namespace atmsigd::engine {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void to_kernel(const atmsvc::Message& m) = 0;
  virtual void log(atmsvc::Severity sev, const std::string& text) = 0;
  // Asks for the local addresses of an interface (answer: set_local_addresses).
  virtual void query_local_addresses(int itf) = 0;
  // Switch mode: the user of signaling sent as_terminate. The shell stops the
  // demon as on SIGTERM (Engine::shutdown() etc.), after the current input is
  // processed. The default ignores it (the table has logged it already).
  virtual void request_shutdown(const std::string& /*why*/) {}
};

class Engine {
 public:
  Engine(atmsvc::SocketTable& table, atmsvc::CallControl& cc) : table_(table), cc_(cc) {}

  void from_kernel(ByteView frame, TimePoint now, Sink& sink);
  void handle_timeouts(TimePoint now, Sink& sink);
  // Events call control produced on its own (from the signaling link).
  void from_call_control(const std::vector<atmsvc::CcEvent>& events, TimePoint now, Sink& sink);
  void set_local_addresses(int itf, std::vector<struct sockaddr_atmsvc> addrs, TimePoint now,
                           Sink& sink);
  // Releases every call and indication; afterwards no socket and no call remain.
  void shutdown(TimePoint now, Sink& sink);
  std::optional<TimePoint> next_deadline() const;

  const atmsvc::SocketTable& table() const { return table_; }
  const atmsvc::CallControl& call_control() const { return cc_; }

 private:
  void run(std::vector<atmsvc::Action>& actions, TimePoint now, Sink& sink);

  atmsvc::SocketTable& table_;
  atmsvc::CallControl& cc_;
};

}  // namespace atmsigd::engine
