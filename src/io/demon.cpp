#include "atmsigd/io/demon.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>

#include <chrono>
#include <csignal>

#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::io {

namespace asio = boost::asio;
using atmsvc::Severity;

namespace {

callctl::LoopbackNetwork::Params network_params(const config::Options& o) {
  callctl::LoopbackNetwork::Params p;
  p.mode = o.network == "refuse" ? callctl::LoopbackNetwork::Mode::kRefuse
                                 : callctl::LoopbackNetwork::Mode::kLoopback;
  p.refuse_cause = o.refuse_cause;
  p.itf = o.signaling_vc.sap_addr.itf;
  return p;
}

}  // namespace

std::shared_ptr<spdlog::logger> make_logger(const std::optional<std::string>& dest, bool debug,
                                            std::string& error) {
  std::shared_ptr<spdlog::logger> l;
  try {
    if (!dest || *dest == "stderr") {
      l = std::make_shared<spdlog::logger>("atmsigd",
                                           std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else if (*dest == "syslog") {
      l = std::make_shared<spdlog::logger>(
          "atmsigd",
          std::make_shared<spdlog::sinks::syslog_sink_mt>("atmsigd", LOG_PID, LOG_DAEMON, false));
    } else {
      l = std::make_shared<spdlog::logger>(
          "atmsigd", std::make_shared<spdlog::sinks::basic_file_sink_mt>(*dest, false));
    }
  } catch (const spdlog::spdlog_ex& e) {
    error = std::string("cannot open log destination: ") + e.what();
    return nullptr;
  }
  l->set_pattern("%b %d %H:%M:%S.%f atmsigd: %^%l%$: %v");
  l->set_level(debug ? spdlog::level::debug : spdlog::level::info);
  l->flush_on(spdlog::level::debug);
  return l;
}

Demon::Demon(asio::io_context& io, config::Options opts, std::shared_ptr<spdlog::logger> log)
    : io_(io),
      opts_(std::move(opts)),
      log_(std::move(log)),
      net_(network_params(opts_)),
      engine_(table_, net_),
      timer_(io),
      signals_(io, SIGINT, SIGTERM, SIGUSR1) {}

Demon::~Demon() {
  if (transport_) transport_->close();
  if (link_) link_->close();
}

namespace {

sscf::UniVersion saal_version(const config::Options& o) {
  switch (o.uni.value_or(config::UniVersion::kUni30)) {
    case config::UniVersion::kUni30:
      return sscf::UniVersion::kUni30;
    case config::UniVersion::kUni31:
    case config::UniVersion::kUni31Compat30:
      return sscf::UniVersion::kUni31;
    case config::UniVersion::kUni40:
    case config::UniVersion::kUni40Q29631:
      return sscf::UniVersion::kUni40;
  }
  return sscf::UniVersion::kUni30;
}

std::uint64_t wall_usec() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

bool Demon::open_link(std::string& error) {
  if (!opts_.udp_peer) return true;  // the network stand-in needs no link
  const UdpEndpoint local = opts_.udp_local.value_or(UdpEndpoint{"", 0});
  link_ = open_udp_link(io_, local, *opts_.udp_peer, error);
  if (!link_) return false;
  if (opts_.pcap_file && !pcap_.open(*opts_.pcap_file)) {
    error = "cannot write the capture file " + *opts_.pcap_file;
    return false;
  }
  auto params = sscf::Params::for_uni(saal_version(opts_));
  auto& sp = params.sscop;
  for (const auto& [name, d] : opts_.saal_timers) {
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
  for (const auto& [name, v] : opts_.saal_params) {
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
  saal_.emplace(params);
  link_->start([this](ByteView pdu) { on_link_pdu(pdu); },
               [this](const std::string& what) { log_->warn("{}", what); });
  log_->info("signaling link: {}", link_->describe());
  saal(sscf::AalEstablishRequest{});
  return true;
}

void Demon::capture(PcapDirection dir, ByteView pdu) {
  if (!pcap_.is_open()) return;
  pcap_.write(dir, static_cast<std::uint8_t>(opts_.signaling_vc.sap_addr.vpi),
              static_cast<std::uint16_t>(opts_.signaling_vc.sap_addr.vci), pdu, wall_usec());
}

void Demon::on_link_pdu(ByteView pdu) {
  if (stopped_ || !saal_) return;
  capture(PcapDirection::kFromNetwork, pdu);
  saal(sscf::PduReceived{pdu});
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
      capture(PcapDirection::kToNetwork, ByteView(s->bytes));
      link_->send(ByteView(s->bytes));
    } else if (std::holds_alternative<sscf::AalEstablishConfirm>(a) ||
               std::holds_alternative<sscf::AalEstablishIndication>(a)) {
      log_->info("signaling link up (SAAL established)");
    } else if (std::holds_alternative<sscf::AalReleaseIndication>(a)) {
      log_->warn("signaling link down (SAAL released); re-establishing");
      reestablish = !stopped_;
    } else if (std::holds_alternative<sscf::AalReleaseConfirm>(a)) {
      log_->info("signaling link released");
    } else if (auto* d = std::get_if<sscf::AalDataIndication>(&a)) {
      log_->debug("signaling message of {} octets (no call control yet)", d->data.size());
    } else if (auto* m = std::get_if<sscf::MaaError>(&a)) {
      log_->debug("SSCOP MAA-ERROR {}", m->code);
    } else if (auto* tr = std::get_if<sscf::Trace>(&a)) {
      log_->debug("saal: {}", tr->text);
    }
  }
  // SSCF never re-establishes on its own; the demon keeps trying, like the original.
  if (reestablish) {
    std::vector<sscf::Action> more;
    saal_->handle(sscf::AalEstablishRequest{}, now(), more);
    run_saal_actions(more);
  }
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
                    [this](const std::string& what) { log_->error("{}", what); });
  log_->info("serving the user of signaling on {}", transport_->describe());
  log_->info("network side: {} (Q.2931 call control is not plugged in yet)",
             opts_.network == "refuse"
                 ? "every call refused with cause " + std::to_string(opts_.refuse_cause) + " (" +
                       callctl::cause_text(opts_.refuse_cause) + ")"
                 : std::string("loopback to this demon's listeners"));
  atmsvc::Policy policy;
  policy.set_rules(opts_.policy);
  table_.set_policy(std::move(policy));
  query_local_addresses(opts_.signaling_vc.sap_addr.itf);
  wait_signals();
  return true;
}

void Demon::stop(const std::string& why) {
  if (stopped_) return;
  stopped_ = true;
  log_->info("shutting down ({})", why);
  engine_.shutdown(now(), *this);
  if (net_.call_count() != 0) log_->warn("{} call(s) still held at exit", net_.call_count());
  timer_.cancel();
  signals_.cancel();
  if (transport_) transport_->close();
  if (saal_ && link_) {
    // Tell the peer (END) rather than leave it to its NO-RESPONSE timer.
    std::vector<sscf::Action> actions;
    saal_->handle(sscf::AalReleaseRequest{}, now(), actions);
    for (auto& a : actions)
      if (auto* s = std::get_if<sscf::SendPdu>(&a)) {
        capture(PcapDirection::kToNetwork, ByteView(s->bytes));
        link_->send(ByteView(s->bytes));
      }
  }
  if (link_) link_->close();
  pcap_.close();
  io_.stop();
}

void Demon::to_kernel(const atmsvc::Message& m) {
  const Bytes b = atmsvc::encode(m);
  transport_->send(ByteView(b));
}

void Demon::log(Severity sev, const std::string& text) {
  switch (sev) {
    case Severity::kDebug:
      log_->debug("{}", text);
      return;
    case Severity::kInfo:
      log_->info("{}", text);
      return;
    case Severity::kWarn:
      log_->warn("{}", text);
      return;
    case Severity::kError:
      log_->error("{}", text);
      return;
  }
}

void Demon::query_local_addresses(int itf) {
  // Answered from the loop, not from inside the engine's dispatch.
  asio::post(io_, [this, itf] {
    if (stopped_ || !transport_) return;
    auto addrs = transport_->local_addresses(itf);
    if (!addrs) {
      log_->warn("cannot read the local addresses of interface {}", itf);
      return;
    }
    engine_.set_local_addresses(itf, std::move(*addrs), now(), *this);
    arm_timer();
  });
}

void Demon::on_frame(ByteView frame) {
  if (stopped_) return;
  engine_.from_kernel(frame, now(), *this);
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
    if (saal_) {
      std::vector<sscf::Action> actions;
      saal_->handle_timeouts(now(), actions);
      run_saal_actions(actions);
    }
    arm_timer();
  });
}

void Demon::wait_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGUSR1) {
      log_->info("status:\n{}", table_.status_dump());
      wait_signals();
      return;
    }
    stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
  });
}

}  // namespace atmsigd::io
