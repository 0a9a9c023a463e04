// The I/O shell: one Asio event loop binding the sans-I/O engine to the user
// of signaling (kernel or unix socket), the signaling link, a single timer
// and the signals: SIGINT/SIGTERM (release everything, exit), SIGUSR1
// (status dump), SIGUSR2 (trace dump), SIGHUP (reload atmsigd.conf).
#pragma once

#include <utility>  // before Asio (Boost 1.74 + GCC 12, C++20)

#include <boost/asio.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/callctl/entity_router.hpp"
#include "atmsigd/callctl/loopback_network.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "atmsigd/config/options.hpp"
#include "atmsigd/engine/engine.hpp"
#include "atmsigd/io/kernel_transport.hpp"
#include "atmsigd/io/link_transport.hpp"
#include "atmsigd/io/logging.hpp"
#include "atmsigd/sscf/sscf_uni.hpp"
#include "atmsigd/util/pcap.hpp"
#include "atmsigd/util/trace_ring.hpp"

namespace atmsigd::io {

// Q.2931 call control's parameters for one signaling entity: the entity's
// side (user; network and switch: network), interface, VPCI mapping and link
// rate (max_rate), with the global UNI version, Q.2931 timers ("sig timer"),
// SAAL timers and parameters and local addresses.
callctl::UniParams entity_uni_params(const config::Options& o, const config::EntityOptions& e);

class Demon final : private engine::Sink {
 public:
  // `cmdline` is the command line alone (re-merged with the file on SIGHUP),
  // `opts` the command line merged with the configuration file.
  Demon(boost::asio::io_context& io, config::Options cmdline, config::Options opts, Loggers log);
  ~Demon() override;

  // Opens the transports; on failure returns false with `error` set.
  bool start(std::string& error);
  // Releases every call, closes and removes the sockets, ends the loop.
  void stop(const std::string& why);

  // The dumps SIGUSR1/SIGUSR2 write (also used by tests through signals).
  std::string status_text() const;
  std::string trace_text() const { return trace_.format(); }

 private:
  void to_kernel(const atmsvc::Message& m) override;
  void log(atmsvc::Severity sev, const std::string& text) override;
  void query_local_addresses(int itf) override;
  void request_shutdown(const std::string& why) override;

  // One signaling entity's link (Q.2931 mode): entity i of router_.
  struct EntityLink {
    std::unique_ptr<LinkTransport> link;
    struct sockaddr_atmpvc vc {};  // for the capture and the logs
    bool was_up = false;
  };

  void on_frame(ByteView frame);
  void forget_refused(const atmsvc::Message& refused);
  bool open_link(std::string& error);
  bool open_entity_links(std::string& error);
  void on_link_pdu(ByteView pdu);                   // the stand-in's SAAL link
  void on_entity_pdu(std::size_t i, ByteView pdu);  // entity i's link
  void saal(const sscf::Event& ev);
  void run_saal_actions(std::vector<sscf::Action>& actions);
  void send_pdu(ByteView pdu);  // the stand-in's SAAL link
  void record_pdu(PcapDirection dir, const struct sockaddr_atmpvc& vc, ByteView pdu);
  // Every entity's PDUs to its link, and link state changes to the log.
  void flush_link();
  void capture(PcapDirection dir, const struct sockaddr_atmpvc& vc, ByteView pdu);
  void trace(std::string text);
  void arm_timer();
  void wait_signals();
  void write_dump(const char* kind, std::string text);
  void reload();
  void apply_policy();
  void drain();        // stop() in Q.2931 mode: RELEASE COMPLETEs, then END/ENDAK
  void finish_stop();  // closes the link, ends the loop
  TimePoint now() const { return Clock::now(); }

  boost::asio::io_context& io_;
  config::Options cmdline_;
  config::Options opts_;
  Loggers log_;
  // The signaling entities (atmsigd.conf "entity", or one from the options).
  // Before table_: switch mode (any entity in mode switch) is the table's.
  std::vector<config::EntityOptions> entities_;
  atmsvc::SocketTable table_;
  // The network side: Q.2931 call control, one callctl::Uni per entity (each
  // owns its SAAL) behind the router, or a stand-in.
  // router_ before cc_: make_network() sets it while cc_ is constructed.
  callctl::EntityRouter* router_ = nullptr;
  std::unique_ptr<atmsvc::CallControl> cc_;
  engine::Engine engine_;
  std::unique_ptr<KernelTransport> transport_;
  std::vector<EntityLink> links_;        // Q.2931 mode: one per entity
  std::unique_ptr<LinkTransport> link_;  // a stand-in's SAAL-only link
  std::optional<sscf::SscfUni> saal_;
  PcapSunAtmWriter pcap_;
  TraceRing trace_;
  boost::asio::steady_timer timer_;
  boost::asio::signal_set signals_;
  // Dumps are written off the event loop.
  boost::asio::thread_pool dump_pool_{1};
  unsigned status_dumps_ = 0;
  unsigned trace_dumps_ = 0;
  TimePoint started_ = Clock::now();
  bool stopped_ = false;
  // stop() in Q.2931 mode waits (bounded) for the peer: until release_by_
  // for the RELEASE COMPLETEs, then END, until drain_until_ for ENDAK.
  bool draining_ = false;
  bool link_ended_ = false;
  TimePoint release_by_{};
  TimePoint drain_until_{};
};

}  // namespace atmsigd::io
