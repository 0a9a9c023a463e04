// The I/O shell: one Asio event loop binding the sans-I/O engine to the user
// of signaling (kernel or unix socket), the signaling link, a single timer
// and the signals: SIGINT/SIGTERM (release everything, exit), SIGUSR1
// (status dump), SIGUSR2 (trace dump), SIGHUP (reload atmsigd.conf),
// SIGRTMIN+1 (RESTART of every VC on every signaling entity, Q.2931 §5.5).
#pragma once

#include <utility>  // before Asio (Boost 1.74 + GCC 12, C++20)

#include <boost/asio.hpp>

#include <csignal>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/callctl/entity_router.hpp"
#include "atmsigd/callctl/loopback_network.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "atmsigd/config/options.hpp"
#include "atmsigd/control/protocol.hpp"
#include "atmsigd/engine/engine.hpp"
#include "atmsigd/io/kernel_transport.hpp"
#include "atmsigd/io/link_transport.hpp"
#include "atmsigd/io/logging.hpp"
#include "atmsigd/log/log.hpp"
#include "atmsigd/util/pcap.hpp"
#include "atmsigd/util/trace_ring.hpp"

namespace atmsigd::io {

// Q.2931 call control's parameters for one signaling entity: the entity's
// side (user; network and switch: network), interface, VPCI mapping and link
// rate (max_rate), with the global UNI version, Q.2931 timers ("sig timer"),
// SAAL timers and parameters and local addresses.
callctl::UniParams entity_uni_params(const config::Options& o, const config::EntityOptions& e);

class ControlServer;
class DemonControl;

class Demon final {
 public:
  // `cmdline` is the command line alone (re-merged with the file on SIGHUP),
  // `opts` the command line merged with the configuration file.
  Demon(boost::asio::io_context& io, config::Options cmdline, config::Options opts,
        std::shared_ptr<Logger> log);
  ~Demon();

  // Opens the transports; on failure returns false with `error` set.
  bool start(std::string& error);
  // Releases every call, closes and removes the sockets, ends the loop.
  void stop(const std::string& why);

  // The dumps SIGUSR1/SIGUSR2 write (also used by tests through signals).
  std::string status_text() const;
  std::string trace_text() const;
  // The counters (the stats command): the engine's and its cores', with the
  // shell's send queues added.
  engine::Stats stats() const;

 private:
  // The control socket's commands (demon_control.cpp) read and drive the
  // demon as the signals do, on the loop.
  friend class DemonControl;
  // One signaling entity's link (Q.2931 mode): entity i of the engine.
  struct EntityLink {
    std::unique_ptr<LinkTransport> link;
    struct sockaddr_atmpvc vc {};  // for the capture and the logs
  };
  // Trace ring tags of raw entries.
  enum TraceTag : int { kFromKernel, kToKernel, kFromNetwork, kToNetwork };

  bool open_entity_links(std::string& error);
  // The control socket (docs/control.md; demon_control.cpp).
  bool open_control(std::string& error);
  void close_control();
  // One raw trace entry as text (the trace dump, the control socket).
  std::string trace_entry_text(int tag, ByteView octets) const;
  // The shell's whole job, one turn of the loop (docs/architecture.md): read
  // a batch, feed each input and perform the engine's actions (output is
  // queued), then end_turn(): the inputs the actions asked for, one flush per
  // destination, the timer (re-armed only when the deadline moved earlier),
  // the logs.
  void feed(const engine::Input& in);  // feed_one + end_turn
  void feed_one(const engine::Input& in);
  void end_turn();
  void send_turn_outputs();  // end_turn's first part: the inputs asked for, the flush
  // A socket's batch was fed: its outputs are sent; the turn ends, unless
  // another socket's batch follows in this round of the loop
  // (read_probes_): one timer check and one log wake for the datagrams one
  // epoll_wait reported (issue 13).
  void end_read_turn();
  void check_user_stalled();
  void perform(std::vector<engine::Action>& actions);
  [[gnu::always_inline]] inline void perform_inline(std::vector<engine::Action>& actions);
  void feed_asked();
  void flush_outputs();  // every queue
  void flush_written();  // the queues written since the last flush
  void flush_logs();
  void to_kernel(const atmsvc::Message& m);
  void to_link(std::size_t entity, ByteView pdu);
  void link_state(std::size_t entity, bool up);
  void print(const log::Event& e);
  void print_limited(const log::Event& e);
  // Capture, trace and -d hex dump of one link PDU: the trace inline, the
  // rest (off by default) out of line.
  void record_pdu(TraceTag tag, std::size_t entity, ByteView pdu) {
    if (record_more_) [[unlikely]]
      record_pdu_more(tag, entity, pdu);
    // The entity's index in the tag's high bits, for the trace's text.
    trace_raw(static_cast<TraceTag>(tag + 4 * static_cast<int>(entity)), pdu);
  }
  void record_pdu_more(TraceTag tag, std::size_t entity, ByteView pdu);
  std::string entity_suffix(std::size_t entity) const;
  void trace_raw(TraceTag tag, ByteView octets) {
    if (trace_.enabled()) trace_.add_raw(turn_wall_usec(), tag, octets);
  }
  void arm_timer();
  void wait_signals();
  void restart_all();
  // SIGRTMIN+1: glibc's SIGRTMIN is a run-time value.
  static int kRestartSignal() { return SIGRTMIN + 1; }
  void write_dump(const char* kind, std::string text);
  void reload();
  void apply_policy();
  void finish_stop();  // closes the links, ends the loop
  TimePoint now() const { return Clock::now(); }
  // The engine's clock for the inputs of one turn: read at its first input,
  // not once per input (issue 13); end_turn() forgets it, and an input that
  // may start a turn (feed(), the timer) reads it afresh.
  TimePoint turn_now() {
    if (!turn_now_valid_) {
      turn_now_ = Clock::now();
      turn_now_valid_ = true;
    }
    return turn_now_;
  }
  // The wall clock for the trace ring and the capture: once per turn, at
  // its first datagram, not once per datagram (issue 13); end_turn()
  // forgets it. Not a second clock read per turn either: the turn's steady
  // time (turn_now(), which the engine needs anyway) moved by the offset
  // between the two clocks, read afresh at most kWallResync apart (a step
  // or slew of the wall clock shows in the trace within that time).
  std::uint64_t turn_wall_usec() {
    if (turn_wall_usec_ == 0) turn_wall_usec_ = wall_usec_at(turn_now());
    return turn_wall_usec_;
  }
  std::uint64_t wall_usec_at(TimePoint t) {
    if (t >= wall_resync_at_) [[unlikely]]
      resync_wall();
    // Signed: `t` may be a little before the clocks were read together.
    return static_cast<std::uint64_t>(
        static_cast<std::int64_t>(wall_base_usec_) +
        std::chrono::duration_cast<std::chrono::microseconds>(t - wall_base_steady_).count());
  }
  void resync_wall();
  static constexpr auto kWallResync = std::chrono::seconds(1);
  static std::uint64_t wall_usec();

  boost::asio::io_context& io_;
  config::Options cmdline_;
  config::Options opts_;
  std::shared_ptr<Logger> log_;
  log::Levels levels_;            // the cores' filter: the log's levels (configuration, -d, SIGHUP)
  bool levels_set_live_ = false;  // `atmsigctl log` changed them (a reload re-applies the file's)
  log::RateLimiter limiter_;
  // The signaling entities (atmsigd.conf "entity", or one from the options).
  // Before table_: switch mode (any entity in mode switch) is the table's.
  std::vector<config::EntityOptions> entities_;
  atmsvc::SocketTable table_;
  // The network side: Q.2931 call control, one callctl::Uni per entity (each
  // owns its SAAL) behind the router, or a stand-in without a link.
  std::unique_ptr<callctl::EntityRouter> router_;
  std::unique_ptr<atmsvc::CallControl> standin_;
  engine::Engine engine_;
  std::unique_ptr<KernelTransport> transport_;
  std::vector<EntityLink> links_;  // Q.2931 mode: one per entity
  std::vector<engine::Action> actions_;
  // The inputs of every datagram read, made once and refilled (issue 13: a
  // variant made and destroyed per datagram); the engine keeps no reference.
  engine::Input kernel_frame_in_{engine::KernelFrame{}};
  engine::Input link_pdu_in_{engine::LinkPdu{0, {}}};
  engine::KernelFrame* const kernel_frame_ = std::get_if<engine::KernelFrame>(&kernel_frame_in_);
  engine::LinkPdu* const link_pdu_ = std::get_if<engine::LinkPdu>(&link_pdu_in_);
  std::deque<engine::Input> inputs_;  // asked for by actions, fed after them
  // The kernel's and the links' sockets, while all are open (end_read_turn).
  std::vector<ReadProbe> read_probes_;
  // Written since the last flush_outputs(): the user's queue, the links'.
  bool kernel_queued_ = false;
  bool links_queued_ = false;
  PcapSunAtmWriter pcap_;
  // The capture is open or -d is in force: record_pdu_more() may have work
  // (one flag per PDU, issue 13; set where either changes: the capture is
  // opened at start, -d changes on SIGHUP).
  bool record_more_ = false;
  void update_record_more() { record_more_ = pcap_.is_open() || opts_.debug; }
  TraceRing trace_;
  std::uint64_t turn_wall_usec_ = 0;  // 0: not read in this turn yet
  // The two clocks read together (resync_wall()), and when to read them again.
  TimePoint wall_base_steady_{};
  std::uint64_t wall_base_usec_ = 0;
  TimePoint wall_resync_at_{};
  TimePoint turn_now_{};
  bool turn_now_valid_ = false;
  boost::asio::steady_timer timer_;
  std::optional<TimePoint> armed_;  // when timer_ fires; never after the engine's deadline
  struct ShellStats {
    std::uint64_t turns = 0, inputs = 0, timer_arms = 0, timer_wakes = 0;
    std::uint64_t stalls = 0;  // times the user of signaling stopped reading
  } stats_;
  // The user of signaling does not read (its queue above the high mark):
  // new incoming calls are refused until it is below the low mark.
  bool user_stalled_ = false;
  std::size_t user_queue_bound_ = 0;  // the user's queue bound, in frames
  boost::asio::signal_set signals_;
  // Dumps are written off the event loop, by a thread made at the first dump:
  // never before main() forks for -b (a pool inherited across fork() hangs
  // the child's exit, issue 14).
  std::optional<boost::asio::thread_pool> dump_pool_;
  // Dump file numbers: touched only by the dump thread.
  unsigned status_dumps_ = 0;
  unsigned trace_dumps_ = 0;
  static constexpr int kDumpNameTries = 100;  // names taken by others skipped
  TimePoint started_ = Clock::now();
  bool stopping_ = false;
  bool stopped_ = false;
  // The control socket: its commands' view of the demon, the protocol, the
  // acceptor (destroyed first).
  std::unique_ptr<control::Backend> control_backend_;
  std::unique_ptr<control::Protocol> protocol_;
  std::unique_ptr<ControlServer> control_;
};

}  // namespace atmsigd::io
