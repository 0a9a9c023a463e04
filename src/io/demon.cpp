#include "atmsigd/io/demon.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <type_traits>
#include <variant>

#include "atmsigd/config/config_file.hpp"
#include "atmsigd/io/control_server.hpp"
#include "atmsigd/log/format.hpp"
#include "atmsigd/q2931/text.hpp"
#include "atmsigd/sscop/pdu.hpp"
#include "atmsigd/util/atm_text.hpp"
#include "atmsigd/util/buffer_pool.hpp"
#include "atmsigd/util/variant_index.hpp"

namespace atmsigd::io {

namespace asio = boost::asio;

namespace {

// The protocol the options select (uni31+uni30 is UNI 3.1 with 3.0 compatibility,
// uni40+q.2963.1 UNI 4.0).
UniVersion uni_version(const config::Options& o) {
  return config::protocol_version(o.uni.value_or(config::UniSelection{}));
}

// -u uni40+q.2963.1 / sig q.2963.1: connection modification (Q.2963.1).
bool q2963_1(const config::Options& o) {
  return o.uni.value_or(config::UniSelection{}).q2963_1;
}

// The Q.2931 network side: one Uni per entity behind the router (--network
// uni, the default); null for a stand-in.
std::unique_ptr<callctl::EntityRouter> make_router(const config::Options& o,
                                                   const std::vector<config::EntityOptions>& ents,
                                                   const log::Levels* levels);

// The stand-ins for tests without a link (--network loopback|refuse).
std::unique_ptr<atmsvc::CallControl> make_standin(const config::Options& o,
                                                  const log::Levels* levels) {
  if (o.network == "uni") return nullptr;
  callctl::LoopbackNetwork::Params p;
  p.mode = o.network == "refuse" ? callctl::LoopbackNetwork::Mode::kRefuse
                                 : callctl::LoopbackNetwork::Mode::kLoopback;
  p.refuse_cause = o.refuse_cause;
  p.itf = o.signaling_vc.sap_addr.itf;
  p.levels = levels;
  return std::make_unique<callctl::LoopbackNetwork>(p);
}

void apply_saal(const config::Options& o, sscf::Params& params) {
  auto& sp = params.sscop;
  for (const auto& [name, d] : o.saal_timers) {
    if (name == "cc")
      sp.timer_cc = d;
    else if (name == "poll")
      sp.timer_poll = d;
    else if (name == "keepalive")
      sp.timer_keepalive = d;
    else if (name == "noresponse")
      sp.timer_noresponse = d;
    else if (name == "idle")
      sp.timer_idle = d;
  }
  for (const auto& [name, v] : o.saal_params) {
    const auto u = static_cast<std::uint32_t>(v);
    if (name == "max_cc")
      sp.max_cc = u;
    else if (name == "max_pd")
      sp.max_pd = u;
    else if (name == "max_stat")
      sp.max_stat = u;
    else if (name == "window")
      sp.window = u;
  }
}

std::unique_ptr<callctl::EntityRouter> make_router(const config::Options& o,
                                                   const std::vector<config::EntityOptions>& ents,
                                                   const log::Levels* levels) {
  if (o.network != "uni") return nullptr;
  std::vector<callctl::EntitySpec> specs;
  for (const auto& e : ents) {
    callctl::EntitySpec spec;
    spec.name = pvc_address_text(e.vc);
    spec.params = entity_uni_params(o, e);
    spec.params.levels = levels;
    if (ents.size() > 1) spec.params.log_name = ", entity " + pvc_address_text(e.vc);
    spec.routes = e.routes;
    spec.is_default = e.is_default;
    specs.push_back(std::move(spec));
  }
  return std::make_unique<callctl::EntityRouter>(std::move(specs));
}

}  // namespace

std::uint64_t Demon::wall_usec() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

void Demon::resync_wall() {
  wall_base_steady_ = Clock::now();
  wall_base_usec_ = wall_usec();
  wall_resync_at_ = wall_base_steady_ + kWallResync;
}

// Switch mode is the socket table's as a whole (as_connect must carry a pvc,
// as_identify and as_terminate are accepted) as soon as one entity is a switch
// port; with the Q.2931 network side only (the stand-ins allocate nothing).
static atmsvc::SocketTableParams table_params(const config::Options& o,
                                              const std::vector<config::EntityOptions>& entities,
                                              const log::Levels* levels) {
  atmsvc::SocketTableParams p;
  p.levels = levels;
  if (o.network == "uni")
    for (const auto& e : entities) p.switch_mode |= e.mode == config::SigMode::kSwitch;
  // Q.2963.1 is call control's (the stand-ins have none).
  p.modification = o.network == "uni" && q2963_1(o);
  return p;
}

// Q.2931 call control of one entity: its side, interface, VPCI mapping and
// link rate, with the global UNI version, timers and SAAL parameters.
callctl::UniParams entity_uni_params(const config::Options& o, const config::EntityOptions& e) {
  const auto side =
      e.mode == config::SigMode::kUser ? callctl::Side::kUser : callctl::Side::kNetwork;
  auto p = callctl::UniParams::defaults(side, uni_version(o));
  p.itf = e.vc.sap_addr.itf;
  for (const auto& v : e.vpci)
    p.vpci_map.push_back(
        callctl::VpciMapping{static_cast<std::uint16_t>(v.vpci), static_cast<short>(v.itf)});
  // Network side: the connection identifiers it allocates (vc_range; none: the default).
  if (!e.vc_ranges.empty()) {
    p.vc_ranges.clear();
    for (const auto& r : e.vc_ranges)
      p.vc_ranges.push_back(callctl::VcRange{
          static_cast<std::uint16_t>(r.first_vpci), static_cast<std::uint16_t>(r.last_vpci),
          static_cast<std::uint16_t>(r.first_vci), static_cast<std::uint16_t>(r.last_vci)});
  }
  p.link_rate = e.max_rate;
  // -m switch: the network side, connection identifiers from the user of
  // signaling (as_connect's pvc, as_identify).
  p.switch_mode = e.mode == config::SigMode::kSwitch;
  p.sscf = sscf::Params::for_uni(uni_version(o));
  apply_saal(o, p.sscf);
  // SSCOP over UDP: datagrams may come twice or out of order (docs/saal.md).
  p.sscf.sscop.datagram_link = e.udp_peer.has_value();
  p.restart_on_link_up = o.restart_on_link_up;
  p.connected_number = o.connected_number;
  for (const auto& [name, d] : o.sig_timers) {
    if (name == "t301")
      p.t301 = d;
    else if (name == "t303")
      p.t303 = d;
    else if (name == "t308")
      p.t308 = d;
    else if (name == "t309")
      p.t309 = d;
    else if (name == "t310")
      p.t310 = d;
    else if (name == "t313")
      p.t313 = d;
    else if (name == "t316")
      p.t316 = d;
    else if (name == "t317")
      p.t317 = d;
    else if (name == "t322")
      p.t322 = d;
    else if (name == "t360")
      p.t360 = d;
    else if (name == "t361")
      p.t361 = d;
    // Q.2971 (issue 17): accepted by the config file, applied here too.
    else if (name == "t397")
      p.t397 = d;
    else if (name == "t398")
      p.t398 = d;
    else if (name == "t399")
      p.t399 = d;
  }
  p.modification = q2963_1(o);
  p.local_addresses = o.local_addresses;
  return p;
}

Demon::Demon(asio::io_context& io, config::Options cmdline, config::Options opts,
             std::shared_ptr<Logger> log)
    : io_(io),
      cmdline_(std::move(cmdline)),
      opts_(std::move(opts)),
      log_(std::move(log)),
      levels_(log_->levels().events()),
      entities_(config::signaling_entities(opts_)),
      table_(table_params(opts_, entities_, &levels_)),
      router_(make_router(opts_, entities_, &levels_)),
      standin_(make_standin(opts_, &levels_)),
      engine_(table_, router_ ? static_cast<atmsvc::CallControl&>(*router_) : *standin_, &levels_),
      trace_(static_cast<std::size_t>(opts_.trace_length)),
      timer_(io),
      signals_(io, SIGINT, SIGTERM, SIGUSR1) {
  signals_.add(SIGUSR2);
  signals_.add(SIGHUP);
  signals_.add(kRestartSignal());
}

Demon::~Demon() {
  close_control();
  if (transport_) transport_->close();
  for (auto& l : links_)
    if (l.link) l.link->close();
  if (dump_pool_) dump_pool_->join();
}

bool Demon::start(std::string& error) {
  update_record_more();
  if (!router_ && opts_.udp_peer) {
    // One link path: the link belongs to Q.2931 call control; a stand-in has none.
    error = "--network " + opts_.network + " is a stand-in without a signaling link; " +
            "--udp-peer needs --network uni";
    return false;
  }
  if (opts_.socket_path) {
    transport_ = open_unix_transport(io_, *opts_.socket_path, opts_.local_addresses,
                                     opts_.socket_access, error);
  } else {
    transport_ = open_kernel_transport(io_, error);
  }
  if (!transport_) return false;
  user_queue_bound_ = transport_->stats().bound;
  if (router_ && !open_entity_links(error)) return false;
  if (!open_control(error)) return false;
  transport_->start(
      [this](ByteView f) {
        if (stopping_) return;
        trace_raw(kFromKernel, f);
        if (opts_.debug)
          print(log::Event{log::Id::kFromKernelHex, {log::Octets{{f.begin(), f.end()}}}});
        kernel_frame_->bytes = f;
        feed_one(kernel_frame_in_);
      },
      [this](const std::string& what) {
        print(log::Event{log::Id::kTransportError, {what}});
      },
      [this](ByteView refused) {
        // Fed after this flush, in end_turn(), as the engine expects.
        const auto d = atmsvc::decode(refused);
        if (d.msg) inputs_.emplace_back(engine::ReplyRefused{*d.msg});
      },
      [this] { end_read_turn(); });
  log_->info(log::Group::kIo, "serving the user of signaling on {}", transport_->describe());
  if (router_) {
    if (entities_.size() == 1)
      log_->info(log::Group::kSig, "network side: Q.2931 call control, {} side",
                 router_->uni(0).params().side == callctl::Side::kUser ? "user" : "network");
    else
      for (const auto& e : entities_)
        log_->info(log::Group::kSig, "network side: Q.2931 call control, entity {}", e.describe());
  } else {
    log_->info(
        log::Group::kSig, "network side: stand-in, {}",
        opts_.network == "refuse"
            ? "every call refused with cause " + std::to_string(opts_.refuse_cause) + " (" +
                  std::string(q2931::cause_name(static_cast<std::uint8_t>(opts_.refuse_cause))) +
                  ")"
            : std::string("loopback to this demon's listeners"));
  }
  apply_policy();
  std::vector<int> itfs{opts_.signaling_vc.sap_addr.itf};
  if (router_) {
    itfs.clear();
    for (const auto& e : entities_)
      if (std::find(itfs.begin(), itfs.end(), e.vc.sap_addr.itf) == itfs.end())
        itfs.push_back(e.vc.sap_addr.itf);
  }
  // The addresses are read from the loop, once it runs.
  asio::post(io_, [this, itfs] {
    for (const int itf : itfs) {
      auto addrs = transport_->local_addresses(itf);
      if (!addrs) {
        log_->warn(log::Group::kIo, "cannot read the local addresses of interface {}", itf);
        continue;
      }
      feed(engine::LocalAddresses{itf, std::move(*addrs)});
    }
  });
  // Every socket's probe, asked at each end of a read (end_read_turn).
  read_probes_.push_back(transport_->read_probe());
  for (const auto& l : links_) read_probes_.push_back(l.link->read_probe());
  feed(engine::Start{});
  wait_signals();
  return true;
}

void Demon::apply_policy() {
  atmsvc::Policy policy;
  policy.set_rules(opts_.policy);
  if (policy.size() != 0)
    log_->info(log::Group::kPolicy, "{} policy rule(s) in force", policy.size());
  table_.set_policy(std::move(policy));
}

// Q.2931 mode: every entity's own link (UDP or PVC), each feeding its Uni.
bool Demon::open_entity_links(std::string& error) {
  for (std::size_t i = 0; i < entities_.size(); ++i) {
    const auto& e = entities_[i];
    EntityLink l;
    l.vc = e.vc;
    if (e.udp_peer)
      l.link = open_udp_link(io_, e.udp_local.value_or(UdpEndpoint{"", 0}), *e.udp_peer, error);
    else
      l.link = open_pvc_link(io_, e.vc, e.qos, error);
    if (!l.link) {
      if (entities_.size() > 1) error = "entity " + pvc_address_text(e.vc) + ": " + error;
      return false;
    }
    links_.push_back(std::move(l));
  }
  if (opts_.pcap_file && !pcap_.open(*opts_.pcap_file)) {
    error = "cannot write the capture file " + *opts_.pcap_file;
    return false;
  }
  pcap_.set_rotation(opts_.pcap_rotate);
  update_record_more();
  for (std::size_t i = 0; i < links_.size(); ++i) {
    links_[i].link->start(
        [this, i](ByteView pdu) {
          if (stopped_) return;
          record_pdu(kFromNetwork, i, pdu);
          link_pdu_->entity = i;
          link_pdu_->bytes = pdu;
          feed_one(link_pdu_in_);
        },
        [this](const std::string& what) {
          print(log::Event{log::Id::kLinkWarn, {what}});
        },
        [this] { end_read_turn(); });
    if (links_.size() == 1)
      log_->info(log::Group::kIo, "signaling link: {}", links_[i].link->describe());
    else
      log_->info(log::Group::kIo, "signaling link of entity {}: {}", pvc_address_text(links_[i].vc),
                 links_[i].link->describe());
  }
  return true;
}

// An input outside a read batch (start, stop, the local addresses): fed
// and the turn ended at once.
void Demon::feed(const engine::Input& in) {
  turn_now_valid_ = false;
  feed_one(in);
  end_turn();
}

// One input of a batch: the engine's actions are performed, their output
// queued; end_turn() sends it.
void Demon::feed_one(const engine::Input& in) {
  actions_.clear();
  engine_.handle(in, turn_now(), actions_);
  ++stats_.inputs;
  perform_inline(actions_);  // five inputs a call: no call and return each (issue 13)
}

// The end of the shell's turn (docs/architecture.md): the inputs the actions
// asked for are fed, every queue is flushed (one sendmmsg per destination),
// replies the kernel refused are fed in turn, then the timer and the logs.
void Demon::end_turn() {
  ++stats_.turns;
  send_turn_outputs();
  arm_timer();
  flush_logs();
  turn_wall_usec_ = 0;
  turn_now_valid_ = false;
}

// What the turn's inputs queued goes out (and what its actions asked for is
// fed, and goes out too).
void Demon::send_turn_outputs() {
  do {
    if (!inputs_.empty()) feed_asked();
    // Only the queues written since the last flush (issue 13: an empty
    // queue has nothing to send; one waiting for room flushes itself). The
    // user's queue grows only when written: otherwise its length matters
    // only while stalled (has it drained?).
    const bool to_user = kernel_queued_;
    if (to_user || links_queued_) flush_written();
    if (to_user || user_stalled_) check_user_stalled();
  } while (!inputs_.empty() && !stopped_);
}

// The socket that read last may not be the only one the loop saw readable:
// the others' batches come next, in the same round (no wait in between), and
// the last of them ends the turn. Its outputs go out at once, as at the end
// of any turn (the peers see the same timing: holding them for the next
// drain delayed their answers to the next round, more drains a call under
// callgrind), but the rest of the turn's end waits for the last drain: one
// look at the engine's deadline for the timer, one wake of the log writer,
// one clock read for the round's inputs. A socket closed before its drain
// (the demon stopping) leaves nothing pending: stop() and finish_stop()
// drop the probes first.
void Demon::end_read_turn() {
  for (const ReadProbe& p : read_probes_)
    if (p.pending()) {
      send_turn_outputs();
      return;
    }
  end_turn();
}

// Issue 14: a user of signaling that stops reading must not take the demon
// down with it. Its frames wait in a bounded queue (nothing blocks); above
// half the bound the engine is told, and refuses new incoming calls (cause
// 41) instead of queueing indications nobody reads; below an eighth it is
// told the user drained. One line each way (docs/robustness.md).
void Demon::check_user_stalled() {
  if (!transport_ || stopped_) return;
  // The queue's length alone at every turn (the whole IoStats is not needed).
  const std::size_t queued = transport_->queued();
  if (!user_stalled_ && queued < user_queue_bound_ / 2) return;
  const bool above = queued >= user_queue_bound_ / 2;
  const bool below = queued <= user_queue_bound_ / 8;
  if (!user_stalled_ && above) {
    user_stalled_ = true;
    ++stats_.stalls;
    print(log::Event{log::Id::kIoUserStalled, {std::uint64_t{queued}}});
    inputs_.emplace_back(engine::UserStalled{true});
  } else if (user_stalled_ && below) {
    user_stalled_ = false;
    print(log::Event{log::Id::kIoUserDrained, {std::uint64_t{queued}}});
    inputs_.emplace_back(engine::UserStalled{false});
  }
}

void Demon::flush_outputs() {
  kernel_queued_ = false;
  links_queued_ = false;
  if (transport_) transport_->flush();
  for (auto& l : links_)
    if (l.link) l.link->flush();
}

// The end of a turn: only the queues written in it (issue 13: at W=1 most
// turns write to one destination). One not written has nothing new to
// send: what an earlier flush left (the socket was full) goes out when the
// socket has room, by itself. The kernel's frames go first: at W = 1 the
// link first (or in the order produced, which is the same here) made the
// setup's p50 128-130 µs against 106-124 (docs/performance.md, session 13).
void Demon::flush_written() {
  if (kernel_queued_) {
    kernel_queued_ = false;
    if (transport_) transport_->flush();
  }
  if (links_queued_) {
    links_queued_ = false;
    for (auto& l : links_)
      if (l.link) l.link->flush();
  }
}

// Log lines are queued as they come and handed to the writer thread once
// per turn (io/logging.hpp).
void Demon::flush_logs() {
  log_->flush();
}

// What the actions asked for (refused replies, local addresses), fed in turn.
void Demon::feed_asked() {
  while (!inputs_.empty() && !stopped_) {
    const engine::Input next = std::move(inputs_.front());
    inputs_.pop_front();
    feed_one(next);
  }
}

namespace {
// An alternative's index in engine::Action, for perform()'s switch.
template <class T>
constexpr std::size_t kActionIndex = index_in<T, engine::Action>();
}  // namespace

// One switch on the action's index (issue 13: a chain of get_if tested up
// to seven alternatives per action); call control's requests and the
// handled marks are the engine's, skipped.
void Demon::perform(std::vector<engine::Action>& actions) {
  perform_inline(actions);
}

void Demon::perform_inline(std::vector<engine::Action>& actions) {
  for (auto& a : actions) {
    switch (a.index()) {
      case kActionIndex<engine::ToKernel>:
        to_kernel(std::get_if<engine::ToKernel>(&a)->msg);
        break;
      case kActionIndex<engine::ToLink>: {
        auto* l = std::get_if<engine::ToLink>(&a);
        to_link(l->entity, ByteView(l->pdu));
        give_back_buffer(std::move(l->pdu));  // copied into the send ring: to the pool (issue 13)
        break;
      }
      case kActionIndex<engine::LinkState>: {
        const auto* st = std::get_if<engine::LinkState>(&a);
        link_state(st->entity, st->up);
        break;
      }
      case kActionIndex<log::Event>: {
        // print()'s common case inline: below warning, no rate limit; the
        // log's own level check is the same filter (levels_ is its
        // events()), not made twice (issue 13).
        const auto& e = *std::get_if<log::Event>(&a);
        if (!levels_.enabled(e.id)) break;
        if (log::spec(e.id).level >= log::Level::kWarn) [[unlikely]]
          print_limited(e);
        else
          log_->admitted_event(e);
        break;
      }
      case kActionIndex<engine::QueryLocalAddresses>: {
        const auto* q = std::get_if<engine::QueryLocalAddresses>(&a);
        if (!transport_) break;
        auto addrs = transport_->local_addresses(q->itf);
        if (!addrs)
          log_->warn(log::Group::kIo, "cannot read the local addresses of interface {}", q->itf);
        else
          inputs_.emplace_back(engine::LocalAddresses{q->itf, std::move(*addrs)});
        break;
      }
      case kActionIndex<engine::Terminate>:
        // as_terminate from a switch controller: stop as on SIGTERM, once
        // this input is done.
        asio::post(io_, [this, why = std::get_if<engine::Terminate>(&a)->why] { stop(why); });
        break;
      case kActionIndex<engine::Stopped>:
        finish_stop();
        break;
      default:
        break;
    }
  }
}

void Demon::to_kernel(const atmsvc::Message& m) {
  const ByteView b(reinterpret_cast<const std::uint8_t*>(&m.raw()), atmsvc::kFrameSize);
  trace_raw(kToKernel, b);
  if (opts_.debug) print(log::Event{log::Id::kToKernelHex, {log::Octets{{b.begin(), b.end()}}}});
  if (stopped_ || !transport_) return;
  kernel_queued_ = true;
  if (!transport_->queue_direct(b))
    print(log::Event{
        log::Id::kTransportError,
        {"the queue to the user of signaling is full (" +
         std::to_string(transport_->stats().bound) + " frames: it does not read); frame dropped"}});
}

void Demon::to_link(std::size_t entity, ByteView pdu) {
  if (entity >= links_.size()) return;
  record_pdu(kToNetwork, entity, pdu);
  links_queued_ = true;
  if (!links_[entity].link->queue_direct(pdu))
    print(log::Event{log::Id::kLinkWarn,
                     {"the queue to the signaling link is full (" +
                      std::to_string(links_[entity].link->stats().bound) + " PDUs); PDU dropped" +
                      entity_suffix(entity)}});
}

std::string Demon::entity_suffix(std::size_t entity) const {
  return links_.size() > 1 && entity < links_.size()
             ? ", entity " + pvc_address_text(links_[entity].vc)
             : std::string();
}

void Demon::link_state(std::size_t entity, bool up) {
  print(log::Event{up ? log::Id::kLinkUp : log::Id::kLinkDown, {entity_suffix(entity)}});
  if (trace_.enabled())
    trace_.add(turn_wall_usec(),
               (up ? "SAAL established" : "SAAL released") + entity_suffix(entity));
}

// One sink for every event, if its group's level wants it; warnings and
// errors rate-limited per ID. The line is formatted straight into the log's
// queue (io/logging.hpp): no string per line, nothing waits.
// levels_ is always the log's levels().events() (set together: the
// constructor, reload(), `atmsigctl log`): one check, then the log writes
// the line without its own.
void Demon::print(const log::Event& e) {
  if (!levels_.enabled(e.id)) return;
  if (log::spec(e.id).level >= log::Level::kWarn)
    print_limited(e);
  else
    log_->admitted_event(e);
}

// A warning or an error the levels admitted: rate-limited per ID.
void Demon::print_limited(const log::Event& e) {
  const auto v = limiter_.admit(e.id, now());
  if (!v.print) return;
  if (v.suppressed_before != 0)  // its own group and level: checked by the log
    log_->event(log::Event{log::Id::kSuppressed,
                           {log::arg(v.suppressed_before), log::arg(log::id_name(e.id))}});
  log_->admitted_event(e);
}

// Capture and -d hex dump of one link PDU, in either direction (the trace:
// record_pdu()).
void Demon::record_pdu_more(TraceTag tag, std::size_t entity, ByteView pdu) {
  const auto& vc = links_[entity].vc;
  if (pcap_.is_open())
    pcap_.write(tag == kToNetwork ? PcapDirection::kToNetwork : PcapDirection::kFromNetwork,
                static_cast<std::uint8_t>(vc.sap_addr.vpi),
                static_cast<std::uint16_t>(vc.sap_addr.vci), pdu, turn_wall_usec());
  if (opts_.debug) {
    const std::string where = links_.size() > 1 ? " " + pvc_address_text(vc) : std::string();
    print(log::Event{tag == kToNetwork ? log::Id::kToNetworkHex : log::Id::kFromNetworkHex,
                     {where, log::Octets{{pdu.begin(), pdu.end()}}}});
  }
}

std::string Demon::trace_text() const {
  return trace_.format(
      [this](int tag, ByteView octets) -> std::string { return trace_entry_text(tag, octets); });
}

std::string Demon::trace_entry_text(int tag, ByteView octets) const {
  {
    const int kind = tag % 4;
    const std::size_t entity = static_cast<std::size_t>(tag / 4);
    if (kind == kFromKernel || kind == kToKernel) {
      const auto d = atmsvc::decode(octets);
      return std::string(kind == kFromKernel ? "from kernel: " : "to kernel: ") +
             (d.msg ? d.msg->summary()
                    : "bad frame of " + std::to_string(octets.size()) + " octets");
    }
    std::string where = kind == kToNetwork ? "to network" : "from network";
    if (links_.size() > 1 && entity < links_.size())
      where += " " + pvc_address_text(links_[entity].vc);
    const auto d = sscop::decode(octets);
    const auto* p = std::get_if<sscop::Pdu>(&d);
    return where + ": " + (p != nullptr ? sscop::describe(*p) : std::string("malformed"));
  }
}

void Demon::stop(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  timer_.cancel();
  armed_.reset();
  signals_.cancel();
  close_control();       // no command during the drain
  read_probes_.clear();  // the kernel's socket closes: every drain ends its turn from now on
  feed(engine::Stop{why});
  if (transport_) transport_->close();  // the kernel is gone; the links drain
}

void Demon::finish_stop() {
  if (stopped_) return;
  // What the last actions queued (END, the last replies) goes out first.
  flush_outputs();
  stopped_ = true;
  timer_.cancel();
  armed_.reset();
  read_probes_.clear();
  if (transport_) transport_->close();
  for (auto& l : links_) l.link->close();
  close_control();
  flush_logs();
  pcap_.close();
  io_.stop();
}

// At most one re-arm per turn, and only when the engine's next deadline is
// earlier than the armed one: a later deadline lets the armed timer fire
// early, for nothing, and be re-armed then (deadlines move later at nearly
// every input: SSCOP's timers).
//
// The query is a plain time point (TimePoint::max(): no deadline) and the
// re-arm a separate, not inlined, step: the answer is nearly always "nothing
// earlier than the armed one", which then costs no more than the compare
// (the re-arm's registers and stack frame were paid on every turn).
void Demon::arm_timer() {
  if (stopped_) return;
  const TimePoint deadline = engine_.earliest_deadline();
  if (deadline >= (armed_ ? *armed_ : TimePoint::max())) return;
  const auto rearm = [this](TimePoint at) __attribute__((noinline)) {
    armed_ = at;
    ++stats_.timer_arms;
    timer_.expires_at(at);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) return;
      armed_.reset();
      ++stats_.timer_wakes;
      actions_.clear();
      turn_now_valid_ = false;
      engine_.handle_timeouts(turn_now(), actions_);
      perform(actions_);
      end_turn();
    });
  };
  rearm(deadline);
}

engine::Stats Demon::stats() const {
  engine::Stats s = engine_.stats();
  const auto queue = [](const IoStats& io) {
    return engine::QueueCounters{io.high_water, io.bound, io.dropped};
  };
  if (transport_) s.kernel_queue = queue(transport_->stats());
  for (std::size_t i = 0; i < links_.size() && i < s.entities.size(); ++i)
    if (links_[i].link) s.entities[i].link_queue = queue(links_[i].link->stats());
  return s;
}

std::string Demon::status_text() const {
  const auto up = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_);
  std::string s = "atmsigd status, pid " + std::to_string(::getpid()) + ", up " +
                  std::to_string(up.count()) + " s\n";
  s += std::string("mode ") + config::sig_mode_name(opts_.mode.value_or(config::SigMode::kUser)) +
       ", " + config::uni_selection_name(opts_.uni.value_or(config::UniSelection{})) +
       ", signaling VC " + pvc_address_text(opts_.signaling_vc) + "\n";
  if (router_ && router_->size() > 1)
    for (std::size_t i = 0; i < router_->size(); ++i)
      s += "entity " + entities_[i].describe() + ": " +
           std::to_string(router_->uni(i).call_count()) + " call(s)\n";
  s += "user of signaling: " + (transport_ ? transport_->describe() : std::string("-")) + "\n";
  if (!router_) s += "signaling link: none (network stand-in: " + opts_.network + ")\n";
  for (std::size_t i = 0; i < links_.size(); ++i)
    s += std::string("signaling link") +
         (links_.size() > 1 ? " of entity " + pvc_address_text(links_[i].vc) : std::string()) +
         ": " + links_[i].link->describe() + ", SAAL " +
         (engine_.link_up(i) ? "established" : "down") + "\n";
  s += "calls held by the network side: " + std::to_string(engine_.call_control().call_count()) +
       "\n";
  if (const auto d = engine_.next_deadline())
    s += "next timer in " +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(*d - Clock::now()).count()) +
         " ms\n";
  s += table_.status_dump();
  auto io_line = [](const char* what, const IoStats& st) {
    return std::string(what) + ": " + std::to_string(st.recv_calls) + " receive calls, " +
           std::to_string(st.send_calls) + " send calls, " + std::to_string(st.write_waits) +
           " waits for room, " + std::to_string(st.queued) + " queued (most " +
           std::to_string(st.high_water) + ", bound " + std::to_string(st.bound) + "), " +
           std::to_string(st.dropped) + " dropped\n";
  };
  s += "shell: " + std::to_string(stats_.turns) + " turns, " + std::to_string(stats_.inputs) +
       " inputs, " + std::to_string(stats_.timer_arms) + " timer arms, " +
       std::to_string(stats_.timer_wakes) + " timer wakes\n";
  if (transport_) s += io_line("user of signaling I/O", transport_->stats());
  for (std::size_t i = 0; i < links_.size(); ++i)
    s += io_line(("signaling link I/O" + entity_suffix(i)).c_str(), links_[i].link->stats());
  s +=
      "log: " + log_->destination() + ", " + std::to_string(log_->dropped()) + " line(s) dropped\n";
  s += "trace buffer: " + std::to_string(trace_.size()) + "/" + std::to_string(trace_.capacity()) +
       " entries\n";
  return s;
}

void Demon::write_dump(const char* kind, std::string text) {
  // Only the dump thread touches the counters.
  unsigned* n = std::string(kind) == "status" ? &status_dumps_ : &trace_dumps_;
  const std::string stem =
      opts_.dump_dir + "/atmsigd." + std::to_string(::getpid()) + "." + kind + ".";
  if (!dump_pool_) dump_pool_.emplace(1);
  // The file is written by the dump thread: the event loop goes on.
  // What it has to say goes to the log's writer directly (the loop's
  // io_context is single-threaded, nothing may post to it from outside); the
  // levels are read here, on the loop.
  const LogLevels levels = log_->levels();
  asio::post(*dump_pool_, [n, stem, text = std::move(text), logger = log_, levels] {
    auto say = [&](Severity sev, const std::string& line) {
      if (levels.enabled(log::Group::kDemon, sev))
        logger->line_from_thread(log::Group::kDemon, sev, line);
    };
    // The name is the configured directory, the pid, the kind and a counter:
    // nothing from the network or the user of signaling. Always a new file
    // (O_EXCL; O_NOFOLLOW): a name someone planted in a shared directory
    // such as /var/tmp, a symbolic link to /etc/... say, is never opened,
    // let alone truncated; the next number is tried instead (docs/robustness.md).
    std::string path;
    int fd = -1;
    int err = 0;
    for (int tries = 0; tries < kDumpNameTries && fd < 0; ++tries) {
      path = stem + std::to_string((*n)++);
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      err = errno;
      if (fd < 0 && err == EEXIST)
        say(Severity::kWarn, fmt::format("dump {} exists already, not touched", path));
      if (fd < 0 && err != EEXIST) break;
    }
    bool ok = fd >= 0;
    for (std::size_t done = 0; ok && done < text.size();) {
      const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
      if (w < 0 && errno == EINTR) continue;
      ok = w > 0;
      err = errno;
      if (ok) done += static_cast<std::size_t>(w);
    }
    if (fd >= 0 && ::close(fd) < 0 && ok) {
      ok = false;
      err = errno;
    }
    if (!ok)
      say(Severity::kError, fmt::format("cannot write dump {}: {}", path, std::strerror(err)));
    else
      say(Severity::kInfo, fmt::format("dump written to {}", path));
  });
}

void Demon::reload() {
  // logrotate: a log file renamed is left for one opened by its name.
  if (log_->reopen())
    log_->info(log::Group::kDemon, "SIGHUP: reopening the log file {}", log_->destination());
  log_->info(log::Group::kDemon, "SIGHUP: reloading {}", opts_.config_file);
  auto cfg = config::load_config(opts_.config_file);
  if (auto* e = std::get_if<config::ConfigError>(&cfg)) {
    log_->error(log::Group::kDemon, "reload failed, keeping the old configuration: {}", e->text());
    return;
  }
  config::Options next = cmdline_;
  for (const auto& n : config::merge_config(std::get<config::Config>(cfg), next))
    log_->warn(log::Group::kDemon, "{}", n);
  // What may change at run time: levels, trace length, dump directory, policy.
  // The levels from the configuration itself: the log's and the cores' filter.
  // A reload re-applies the file (as Kea's config-reload): levels set live
  // with `atmsigctl log` give way to it (docs/control.md, "log").
  if (levels_set_live_)
    log_->info(log::Group::kDemon, "SIGHUP: the log levels set with atmsigctl log are replaced");
  levels_set_live_ = false;
  log_->set_levels(LogLevels::from_config(next.debug, next.default_level, next.group_levels));
  levels_ = log_->levels().events();
  if (next.trace_length != opts_.trace_length)
    trace_.resize(static_cast<std::size_t>(next.trace_length));
  auto needs_restart = [&](bool changed, const char* what) {
    if (changed)
      log_->warn(log::Group::kDemon, "{} changed: it takes effect after a restart", what);
  };
  needs_restart(next.mode != opts_.mode, "sig mode");
  needs_restart(next.uni != opts_.uni, "the UNI version");
  needs_restart(std::memcmp(&next.signaling_vc, &opts_.signaling_vc, sizeof next.signaling_vc) != 0,
                "the signaling VC");
  needs_restart(next.udp_local != opts_.udp_local || next.udp_peer != opts_.udp_peer,
                "the UDP link");
  needs_restart(next.log_dest != opts_.log_dest, "the log destination");
  // The socket file is made once, before the capabilities are dropped.
  needs_restart(next.socket_access != opts_.socket_access, "io socket (owner, group, mode)");
  needs_restart(
      next.control_path != opts_.control_path || next.control_access != opts_.control_access,
      "io control (path, owner, group, mode)");
  needs_restart(next.saal_timers != opts_.saal_timers || next.saal_params != opts_.saal_params,
                "SAAL parameters");
  needs_restart(next.restart_on_link_up != opts_.restart_on_link_up, "sig restart_on_link_up");
  needs_restart(next.connected_number != opts_.connected_number, "sig connected_number");
  {
    std::vector<std::string> was, now_;
    for (const auto& e : entities_) was.push_back(e.describe());
    for (const auto& e : config::signaling_entities(next)) now_.push_back(e.describe());
    needs_restart(was != now_, "the signaling entities (VC, mode, qos, max_rate, vpci, routes)");
  }
  next.mode = opts_.mode;
  next.uni = opts_.uni;
  next.signaling_vc = opts_.signaling_vc;
  next.udp_local = opts_.udp_local;
  next.udp_peer = opts_.udp_peer;
  next.log_dest = opts_.log_dest;
  next.saal_timers = opts_.saal_timers;
  next.saal_params = opts_.saal_params;
  next.restart_on_link_up = opts_.restart_on_link_up;
  next.connected_number = opts_.connected_number;
  next.entities = opts_.entities;
  next.max_rate = opts_.max_rate;
  next.vpci = opts_.vpci;
  next.vc_ranges = opts_.vc_ranges;
  next.sig_qos = opts_.sig_qos;
  next.socket_path = opts_.socket_path;
  next.socket_access = opts_.socket_access;
  next.control_path = opts_.control_path;
  next.control_access = opts_.control_access;
  next.local_addresses = opts_.local_addresses;
  next.pcap_file = opts_.pcap_file;
  opts_ = std::move(next);
  update_record_more();
  apply_policy();
  log_->info(log::Group::kDemon, "configuration reloaded");
}

// SIGRTMIN+1 (the operator): RESTART of every VC on every signaling entity
// (Q.2931 §5.5.1, class 2): the calls are cleared, the peers acknowledge.
// A real-time signal: no terminal or system sends it by accident, and it
// carries no VC, so all of them (the control socket names one:
// demon_control.cpp).
void Demon::restart_all() {
  if (!router_) return;  // a stand-in has no link to restart
  print(log::Event{log::Id::kRestartOperator, {std::string("all VCs of every signaling entity")}});
  feed(engine::Restart{});
}

void Demon::wait_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec || stopped_) return;
    if (sig == kRestartSignal()) {
      restart_all();
      flush_logs();
      wait_signals();
      return;
    }
    switch (sig) {
      case SIGUSR1:
        write_dump("status", status_text());
        break;
      case SIGUSR2:
        write_dump("trace", trace_text());
        break;
      case SIGHUP:
        reload();
        break;
      default:
        stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
        return;
    }
    flush_logs();
    wait_signals();
  });
}

}  // namespace atmsigd::io
