// The I/O shell: one Asio event loop binding the sans-I/O engine to the user
// of signaling (kernel or unix socket), its single timer and the signals.
#pragma once

#include <utility>  // before Asio (Boost 1.74 + GCC 12, C++20)

#include <boost/asio.hpp>

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>

#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/callctl/loopback_network.hpp"
#include "atmsigd/config/options.hpp"
#include "atmsigd/engine/engine.hpp"
#include "atmsigd/io/kernel_transport.hpp"
#include "atmsigd/io/link_transport.hpp"
#include "atmsigd/sscf/sscf_uni.hpp"
#include "atmsigd/util/pcap.hpp"

namespace atmsigd::io {

class Demon final : private engine::Sink {
 public:
  Demon(boost::asio::io_context& io, config::Options opts, std::shared_ptr<spdlog::logger> log);
  ~Demon() override;

  // Opens the transports; on failure returns false with `error` set.
  bool start(std::string& error);
  // Releases every call, closes and removes the sockets, ends the loop.
  void stop(const std::string& why);

 private:
  void to_kernel(const atmsvc::Message& m) override;
  void log(atmsvc::Severity sev, const std::string& text) override;
  void query_local_addresses(int itf) override;

  void on_frame(ByteView frame);
  // The signaling link: SSCF-UNI/SSCOP on the link transport.
  bool open_link(std::string& error);
  void on_link_pdu(ByteView pdu);
  void saal(const sscf::Event& ev);
  void run_saal_actions(std::vector<sscf::Action>& actions);
  void capture(PcapDirection dir, ByteView pdu);
  void arm_timer();
  void wait_signals();
  TimePoint now() const { return Clock::now(); }

  boost::asio::io_context& io_;
  config::Options opts_;
  std::shared_ptr<spdlog::logger> log_;
  atmsvc::SocketTable table_;
  callctl::LoopbackNetwork net_;
  engine::Engine engine_;
  std::unique_ptr<KernelTransport> transport_;
  std::unique_ptr<LinkTransport> link_;
  std::optional<sscf::SscfUni> saal_;
  PcapSunAtmWriter pcap_;
  boost::asio::steady_timer timer_;
  boost::asio::signal_set signals_;
  bool stopped_ = false;
};

// Logger for -l (file, "syslog" or "stderr"; default stderr).
std::shared_ptr<spdlog::logger> make_logger(const std::optional<std::string>& dest, bool debug,
                                            std::string& error);

}  // namespace atmsigd::io
