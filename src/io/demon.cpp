#include "atmsigd/io/demon.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>

#include "atmsigd/config/config_file.hpp"
#include "atmsigd/sscop/pdu.hpp"
#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::io {

namespace asio = boost::asio;
using atmsvc::Severity;

namespace {

// The protocol the options select (uni31+uni30 runs UNI 3.1, uni40+q.2963.1 UNI 4.0).
UniVersion uni_version(const config::Options& o) {
  return o.uni.value_or(config::UniSelection{}).version;
}

void apply_saal(const config::Options& o, sscf::Params& params);

std::unique_ptr<atmsvc::CallControl> make_network(const config::Options& o,
                                                  const std::vector<config::EntityOptions>& ents,
                                                  callctl::EntityRouter*& router) {
  if (o.network != "uni") {
    callctl::LoopbackNetwork::Params p;
    p.mode = o.network == "refuse" ? callctl::LoopbackNetwork::Mode::kRefuse
                                   : callctl::LoopbackNetwork::Mode::kLoopback;
    p.refuse_cause = o.refuse_cause;
    p.itf = o.signaling_vc.sap_addr.itf;
    return std::make_unique<callctl::LoopbackNetwork>(p);
  }
  std::vector<callctl::EntitySpec> specs;
  for (const auto& e : ents) {
    callctl::EntitySpec spec;
    spec.name = pvc_address_text(e.vc);
    spec.params = entity_uni_params(o, e);
    spec.routes = e.routes;
    spec.is_default = e.is_default;
    specs.push_back(std::move(spec));
  }
  auto r = std::make_unique<callctl::EntityRouter>(std::move(specs));
  router = r.get();
  return r;
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

std::uint64_t wall_usec() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

// Switch mode is the socket table's as a whole (as_connect must carry a pvc,
// as_identify and as_terminate are accepted) as soon as one entity is a switch
// port; with the Q.2931 network side only (the stand-ins allocate nothing).
static atmsvc::SocketTableParams table_params(const config::Options& o,
                                              const std::vector<config::EntityOptions>& entities) {
  atmsvc::SocketTableParams p;
  if (o.network == "uni")
    for (const auto& e : entities) p.switch_mode |= e.mode == config::SigMode::kSwitch;
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
  p.link_rate = e.max_rate;
  // -m switch: the network side, connection identifiers from the user of
  // signaling (as_connect's pvc, as_identify).
  p.switch_mode = e.mode == config::SigMode::kSwitch;
  p.sscf = sscf::Params::for_uni(uni_version(o));
  apply_saal(o, p.sscf);
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
  }
  p.local_addresses = o.local_addresses;
  return p;
}

Demon::Demon(asio::io_context& io, config::Options cmdline, config::Options opts, Loggers log)
    : io_(io),
      cmdline_(std::move(cmdline)),
      opts_(std::move(opts)),
      log_(std::move(log)),
      entities_(config::signaling_entities(opts_)),
      table_(table_params(opts_, entities_)),
      cc_(make_network(opts_, entities_, router_)),
      engine_(table_, *cc_),
      trace_(static_cast<std::size_t>(opts_.trace_length)),
      timer_(io),
      signals_(io, SIGINT, SIGTERM, SIGUSR1) {
  signals_.add(SIGUSR2);
  signals_.add(SIGHUP);
}

Demon::~Demon() {
  if (transport_) transport_->close();
  if (link_) link_->close();
  for (auto& l : links_)
    if (l.link) l.link->close();
  dump_pool_.join();
}

bool Demon::start(std::string& error) {
  if (opts_.socket_path) {
    transport_ = open_unix_transport(io_, *opts_.socket_path, opts_.local_addresses, error);
  } else {
    transport_ = open_kernel_transport(io_, error);
  }
  if (!transport_) return false;
  if (!open_link(error)) return false;
  transport_->start([this](ByteView f) { on_frame(f); },
                    [this](const std::string& what) { log_.io->error("{}", what); });
  log_.io->info("serving the user of signaling on {}", transport_->describe());
  if (router_ != nullptr) {
    if (entities_.size() == 1)
      log_.sig->info("network side: Q.2931 call control, {} side",
                     router_->uni(0).params().side == callctl::Side::kUser ? "user" : "network");
    else
      for (const auto& e : entities_)
        log_.sig->info("network side: Q.2931 call control, entity {}", e.describe());
  } else
    log_.sig->info("network side: stand-in, {}",
                   opts_.network == "refuse"
                       ? "every call refused with cause " + std::to_string(opts_.refuse_cause) +
                             " (" + callctl::cause_text(opts_.refuse_cause) + ")"
                       : std::string("loopback to this demon's listeners"));
  apply_policy();
  std::vector<int> itfs{opts_.signaling_vc.sap_addr.itf};
  if (router_ != nullptr) {
    itfs.clear();
    for (const auto& e : entities_)
      if (std::find(itfs.begin(), itfs.end(), e.vc.sap_addr.itf) == itfs.end())
        itfs.push_back(e.vc.sap_addr.itf);
  }
  for (const int itf : itfs) query_local_addresses(itf);
  wait_signals();
  return true;
}

void Demon::apply_policy() {
  atmsvc::Policy policy;
  policy.set_rules(opts_.policy);
  if (policy.size() != 0) log_.policy->info("{} policy rule(s) in force", policy.size());
  table_.set_policy(std::move(policy));
}

bool Demon::open_link(std::string& error) {
  if (router_ != nullptr) return open_entity_links(error);
  if (!opts_.udp_peer) return true;  // a network stand-in without a link
  const UdpEndpoint local = opts_.udp_local.value_or(UdpEndpoint{"", 0});
  link_ = open_udp_link(io_, local, *opts_.udp_peer, error);
  if (!link_) return false;
  if (opts_.pcap_file && !pcap_.open(*opts_.pcap_file)) {
    error = "cannot write the capture file " + *opts_.pcap_file;
    return false;
  }
  pcap_.set_rotation(opts_.pcap_rotate);
  link_->start([this](ByteView pdu) { on_link_pdu(pdu); },
               [this](const std::string& what) { log_.io->warn("{}", what); });
  log_.io->info("signaling link: {}", link_->describe());
  auto params = sscf::Params::for_uni(uni_version(opts_));
  apply_saal(opts_, params);
  saal_.emplace(params);
  saal(sscf::AalEstablishRequest{});
  return true;
}

// Q.2931 mode: every entity's own link (UDP or PVC), each feeding its Uni.
// Each Uni owns the SAAL on its link; the demon runs none.
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
  for (std::size_t i = 0; i < links_.size(); ++i) {
    links_[i].link->start([this, i](ByteView pdu) { on_entity_pdu(i, pdu); },
                          [this](const std::string& what) { log_.io->warn("{}", what); });
    if (links_.size() == 1)
      log_.io->info("signaling link: {}", links_[i].link->describe());
    else
      log_.io->info("signaling link of entity {}: {}", pvc_address_text(links_[i].vc),
                    links_[i].link->describe());
  }
  router_->start(now());
  flush_link();
  return true;
}

void Demon::trace(std::string text) {
  if (trace_.enabled()) trace_.add(wall_usec(), std::move(text));
}

void Demon::capture(PcapDirection dir, const struct sockaddr_atmpvc& vc, ByteView pdu) {
  if (!pcap_.is_open()) return;
  pcap_.write(dir, static_cast<std::uint8_t>(vc.sap_addr.vpi),
              static_cast<std::uint16_t>(vc.sap_addr.vci), pdu, wall_usec());
}

// Capture, trace and -d hex dump of one link PDU, in either direction.
void Demon::record_pdu(PcapDirection dir, const struct sockaddr_atmpvc& vc, ByteView pdu) {
  capture(dir, vc, pdu);
  std::string where = dir == PcapDirection::kToNetwork ? "to network" : "from network";
  if (links_.size() > 1) where += " " + pvc_address_text(vc);
  where += ": ";
  if (trace_.enabled()) {
    const auto d = sscop::decode(pdu);
    const auto* p = std::get_if<sscop::Pdu>(&d);
    trace(where + (p != nullptr ? sscop::describe(*p) : std::string("malformed")));
  }
  if (opts_.debug) log_.io->debug("{}{}", where, to_hex(pdu, pdu.size()));
}

void Demon::send_pdu(ByteView pdu) {
  record_pdu(PcapDirection::kToNetwork, opts_.signaling_vc, pdu);
  link_->send(pdu);
}

void Demon::flush_link() {
  if (router_ == nullptr) return;
  for (std::size_t i = 0; i < links_.size(); ++i) {
    auto& l = links_[i];
    for (const auto& pdu : router_->take_link_pdus(i)) {
      record_pdu(PcapDirection::kToNetwork, l.vc, ByteView(pdu));
      l.link->send(ByteView(pdu));
    }
    const bool up = router_->uni(i).link_up();
    if (up == l.was_up) continue;
    l.was_up = up;
    const std::string which =
        links_.size() == 1 ? std::string() : ", entity " + pvc_address_text(l.vc);
    if (up)
      log_.saal->info("signaling link up (SAAL established){}", which);
    else
      log_.saal->warn("signaling link down (SAAL released){}", which);
    trace((up ? "SAAL established" : "SAAL released") + which);
  }
}

void Demon::on_link_pdu(ByteView pdu) {
  if (stopped_ || !saal_) return;
  record_pdu(PcapDirection::kFromNetwork, opts_.signaling_vc, pdu);
  saal(sscf::PduReceived{pdu});
}

void Demon::on_entity_pdu(std::size_t i, ByteView pdu) {
  if (stopped_ && !draining_) return;
  record_pdu(PcapDirection::kFromNetwork, links_[i].vc, pdu);
  std::vector<atmsvc::CcEvent> events;
  router_->from_link(i, pdu, now(), events);
  if (draining_) {  // the kernel is closed: the events go nowhere
    flush_link();
    drain();
    return;
  }
  engine_.from_call_control(events, now(), *this);
  flush_link();
  arm_timer();
}

void Demon::saal(const sscf::Event& ev) {
  std::vector<sscf::Action> actions;
  saal_->handle(ev, now(), actions);
  run_saal_actions(actions);
  arm_timer();
}

void Demon::run_saal_actions(std::vector<sscf::Action>& actions) {
  bool reestablish = false;
  for (auto& a : actions) {
    if (auto* s = std::get_if<sscf::SendPdu>(&a)) {
      send_pdu(ByteView(s->bytes));
    } else if (std::holds_alternative<sscf::AalEstablishConfirm>(a) ||
               std::holds_alternative<sscf::AalEstablishIndication>(a)) {
      log_.saal->info("signaling link up (SAAL established)");
      trace("SAAL established");
    } else if (std::holds_alternative<sscf::AalReleaseIndication>(a)) {
      log_.saal->warn("signaling link down (SAAL released); re-establishing");
      trace("SAAL released");
      reestablish = !stopped_;
    } else if (std::holds_alternative<sscf::AalReleaseConfirm>(a)) {
      log_.saal->info("signaling link released");
    } else if (auto* d = std::get_if<sscf::AalDataIndication>(&a)) {
      log_.sig->debug("signaling message of {} octets (no call control yet)", d->data.size());
    } else if (auto* m = std::get_if<sscf::MaaError>(&a)) {
      log_.saal->debug("SSCOP MAA-ERROR {}", m->code);
    } else if (auto* tr = std::get_if<sscf::Trace>(&a)) {
      log_.saal->debug("{}", tr->text);
    }
  }
  // SSCF never re-establishes on its own; the demon keeps trying, like the original.
  if (reestablish) {
    std::vector<sscf::Action> more;
    saal_->handle(sscf::AalEstablishRequest{}, now(), more);
    run_saal_actions(more);
  }
}

void Demon::stop(const std::string& why) {
  if (stopped_) return;
  stopped_ = true;
  log_.demon->info("shutting down ({})", why);
  engine_.shutdown(now(), *this);
  flush_link();  // the RELEASEs of the calls just cleared
  if (router_ == nullptr && cc_->call_count() != 0)
    log_.sig->warn("{} call(s) still held at exit", cc_->call_count());
  timer_.cancel();
  signals_.cancel();
  if (transport_) transport_->close();
  if (saal_ && link_) {
    // Tell the peer (END) rather than leave it to its NO-RESPONSE timer.
    std::vector<sscf::Action> actions;
    saal_->handle(sscf::AalReleaseRequest{}, now(), actions);
    for (auto& a : actions)
      if (auto* s = std::get_if<sscf::SendPdu>(&a)) send_pdu(ByteView(s->bytes));
  }
  bool any_up = false;
  for (std::size_t i = 0; i < links_.size(); ++i) any_up |= router_->uni(i).link_up();
  if (any_up) {
    // Q.2931: the peer clears at once instead of after NO-RESPONSE + T309.
    // Bounded: RELEASE COMPLETEs awaited 500 ms at most, then END, ENDAK
    // awaited until 1 s after the signal at most.
    draining_ = true;
    release_by_ = now() + std::chrono::milliseconds(500);
    drain_until_ = now() + std::chrono::milliseconds(1000);
    drain();
    return;
  }
  finish_stop();
}

void Demon::drain() {
  if (!draining_) return;
  for (const auto& n : router_->take_notes()) log_.sig->info("network: {}", n);
  if (!link_ended_ && (router_->call_count() == 0 || now() >= release_by_)) {
    if (router_->call_count() != 0)
      log_.sig->warn("{} call(s) not released by the peer at exit", router_->call_count());
    link_ended_ = true;
    for (std::size_t i = 0; i < router_->size(); ++i) router_->uni(i).stop_link(now());
    flush_link();  // END on every link
  }
  bool all_idle = true;
  for (std::size_t i = 0; i < router_->size(); ++i) all_idle &= router_->uni(i).link_idle();
  if ((link_ended_ && all_idle) || now() >= drain_until_) {
    finish_stop();
    return;
  }
  auto deadline = link_ended_ ? drain_until_ : release_by_;
  if (const auto d = router_->next_deadline()) deadline = std::min(deadline, *d);
  timer_.expires_at(deadline);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !draining_) return;
    std::vector<atmsvc::CcEvent> gone;  // the kernel is closed
    router_->handle_timeouts(now(), gone);
    flush_link();
    drain();
  });
}

void Demon::finish_stop() {
  draining_ = false;
  timer_.cancel();
  if (link_) link_->close();
  for (auto& l : links_) l.link->close();
  pcap_.close();
  io_.stop();
}

void Demon::to_kernel(const atmsvc::Message& m) {
  const Bytes b = atmsvc::encode(m);
  trace("to kernel: " + m.summary());
  if (opts_.debug) log_.io->debug("to kernel: {}", to_hex(ByteView(b), b.size()));
  if (!transport_->send(ByteView(b))) forget_refused(m);
}

// Today's kernels refuse a reply for a socket that is not in their VCC table
// yet (docs/kernel.md): that socket never learns the answer, and what the demon
// holds for it (a listener, a call just established) would stay for good. Such
// a socket is treated as closed by the kernel: a listener is dropped, a call is
// released on the wire. Posted, not run here: we are inside the engine.
void Demon::forget_refused(const atmsvc::Message& m) {
  atmsvc::Vcc vcc = 0;
  if (m.type() == as_okay)
    vcc = m.vcc();
  else if (m.type() == as_indicate)
    vcc = m.listen_vcc();
  if (vcc == 0) return;
  asio::post(io_, [this, vcc] {
    if (stopped_) return;
    atmsvc::Message close(as_close);
    close.set_vcc(vcc);
    log_.sig->warn("socket vcc={:#x} treated as closed: the kernel refused its reply", vcc);
    const Bytes b = atmsvc::encode(close);
    engine_.from_kernel(ByteView(b), now(), *this);
    flush_link();
    arm_timer();
  });
}

// as_terminate from a switch controller: the demon stops as on SIGTERM (posted:
// we are inside the engine).
void Demon::request_shutdown(const std::string& why) {
  asio::post(io_, [this, why] { stop(why); });
}

void Demon::log(Severity sev, const std::string& text) {
  // The socket layer's lines belong to "sig" (the man page: Q.2931 or ISP).
  switch (sev) {
    case Severity::kDebug:
      log_.sig->debug("{}", text);
      return;
    case Severity::kInfo:
      log_.sig->info("{}", text);
      return;
    case Severity::kWarn:
      log_.sig->warn("{}", text);
      return;
    case Severity::kError:
      log_.sig->error("{}", text);
      return;
  }
}

void Demon::query_local_addresses(int itf) {
  // Answered from the loop, not from inside the engine's dispatch.
  asio::post(io_, [this, itf] {
    if (stopped_ || !transport_) return;
    auto addrs = transport_->local_addresses(itf);
    if (!addrs) {
      log_.io->warn("cannot read the local addresses of interface {}", itf);
      return;
    }
    if (router_ != nullptr)
      for (std::size_t i = 0; i < router_->size(); ++i)
        if (router_->uni(i).params().itf == itf) router_->uni(i).set_local_addresses(*addrs);
    engine_.set_local_addresses(itf, std::move(*addrs), now(), *this);
    flush_link();
    arm_timer();
  });
}

void Demon::on_frame(ByteView frame) {
  if (stopped_) return;
  if (opts_.debug) log_.io->debug("from kernel: {}", to_hex(frame, frame.size()));
  if (trace_.enabled()) {
    auto d = atmsvc::decode(frame);
    trace("from kernel: " +
          (d.msg ? d.msg->summary() : "bad frame of " + std::to_string(frame.size()) + " octets"));
  }
  engine_.from_kernel(frame, now(), *this);
  flush_link();
  arm_timer();
}

void Demon::arm_timer() {
  auto deadline = engine_.next_deadline();
  if (saal_) deadline = earliest(deadline, saal_->next_deadline());
  if (!deadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*deadline);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    engine_.handle_timeouts(now(), *this);
    flush_link();
    if (saal_) {
      std::vector<sscf::Action> actions;
      saal_->handle_timeouts(now(), actions);
      run_saal_actions(actions);
    }
    arm_timer();
  });
}

std::string Demon::status_text() const {
  const auto up = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_);
  std::string s = "atmsigd status, pid " + std::to_string(::getpid()) + ", up " +
                  std::to_string(up.count()) + " s\n";
  s += std::string("mode ") + config::sig_mode_name(opts_.mode.value_or(config::SigMode::kUser)) +
       ", " + config::uni_selection_name(opts_.uni.value_or(config::UniSelection{})) +
       ", signaling VC " + pvc_address_text(opts_.signaling_vc) + "\n";
  if (router_ != nullptr && router_->size() > 1)
    for (std::size_t i = 0; i < router_->size(); ++i)
      s += "entity " + entities_[i].describe() + ": " +
           std::to_string(router_->uni(i).call_count()) + " call(s)\n";
  s += "user of signaling: " + (transport_ ? transport_->describe() : std::string("-")) + "\n";
  if (saal_) {
    s += "signaling link: " + link_->describe() + ", SSCF " +
         std::string(sscf::to_string(saal_->state())) +
         (saal_->established() ? " (established)" : "") + "\n";
  } else {
    if (router_ == nullptr) s += "signaling link: none (network stand-in: " + opts_.network + ")\n";
  }
  for (std::size_t i = 0; i < links_.size(); ++i)
    s += std::string("signaling link") +
         (links_.size() > 1 ? " of entity " + pvc_address_text(links_[i].vc) : std::string()) +
         ": " + links_[i].link->describe() + ", SAAL " +
         (router_->uni(i).link_up() ? "established" : "down") + "\n";
  s += "calls held by the network side: " + std::to_string(cc_->call_count()) + "\n";
  if (const auto d = engine_.next_deadline())
    s += "next timer in " +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(*d - Clock::now()).count()) +
         " ms\n";
  s += table_.status_dump();
  s += "trace buffer: " + std::to_string(trace_.size()) + "/" + std::to_string(trace_.capacity()) +
       " entries\n";
  return s;
}

void Demon::write_dump(const char* kind, std::string text) {
  unsigned& n = std::string(kind) == "status" ? status_dumps_ : trace_dumps_;
  const std::string path = opts_.dump_dir + "/atmsigd." + std::to_string(::getpid()) + "." + kind +
                           "." + std::to_string(n++);
  // The file is written by the dump thread: the event loop goes on.
  asio::post(dump_pool_, [path, text = std::move(text), log = log_.demon] {
    std::ofstream f(path, std::ios::trunc);
    f << text;
    f.close();
    if (!f)
      log->error("cannot write dump {}", path);
    else
      log->info("dump written to {}", path);
  });
}

void Demon::reload() {
  log_.demon->info("SIGHUP: reloading {}", opts_.config_file);
  auto cfg = config::load_config(opts_.config_file);
  if (auto* e = std::get_if<config::ConfigError>(&cfg)) {
    log_.demon->error("reload failed, keeping the old configuration: {}", e->text());
    return;
  }
  config::Options next = cmdline_;
  for (const auto& n : config::merge_config(std::get<config::Config>(cfg), next))
    log_.demon->warn("{}", n);
  // What may change at run time: levels, trace length, dump directory, policy.
  apply_levels(log_, next.debug, next.default_level, next.group_levels);
  if (next.trace_length != opts_.trace_length)
    trace_.resize(static_cast<std::size_t>(next.trace_length));
  auto needs_restart = [&](bool changed, const char* what) {
    if (changed) log_.demon->warn("{} changed: it takes effect after a restart", what);
  };
  needs_restart(next.mode != opts_.mode, "sig mode");
  needs_restart(next.uni != opts_.uni, "the UNI version");
  needs_restart(std::memcmp(&next.signaling_vc, &opts_.signaling_vc, sizeof next.signaling_vc) != 0,
                "the signaling VC");
  needs_restart(next.udp_local != opts_.udp_local || next.udp_peer != opts_.udp_peer,
                "the UDP link");
  needs_restart(next.log_dest != opts_.log_dest, "the log destination");
  needs_restart(next.saal_timers != opts_.saal_timers || next.saal_params != opts_.saal_params,
                "SAAL parameters");
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
  next.entities = opts_.entities;
  next.max_rate = opts_.max_rate;
  next.vpci = opts_.vpci;
  next.sig_qos = opts_.sig_qos;
  next.socket_path = opts_.socket_path;
  next.local_addresses = opts_.local_addresses;
  next.pcap_file = opts_.pcap_file;
  opts_ = std::move(next);
  apply_policy();
  log_.demon->info("configuration reloaded");
}

void Demon::wait_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec || stopped_) return;
    switch (sig) {
      case SIGUSR1:
        write_dump("status", status_text());
        break;
      case SIGUSR2:
        write_dump("trace", trace_.format());
        break;
      case SIGHUP:
        reload();
        break;
      default:
        stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
        return;
    }
    wait_signals();
  });
}

}  // namespace atmsigd::io
