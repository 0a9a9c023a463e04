#include "atmsigd/io/demon.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>

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
}

bool Demon::start(std::string& error) {
  if (opts_.socket_path) {
    transport_ = open_unix_transport(io_, *opts_.socket_path, opts_.local_addresses, error);
  } else {
    transport_ = open_kernel_transport(io_, error);
  }
  if (!transport_) return false;
  transport_->start([this](ByteView f) { on_frame(f); },
                    [this](const std::string& what) { log_->error("{}", what); });
  log_->info("serving the user of signaling on {}", transport_->describe());
  log_->info("network side: {} (Q.2931 call control is not plugged in yet)",
             opts_.network == "refuse"
                 ? "every call refused with cause " + std::to_string(opts_.refuse_cause) + " (" +
                       callctl::cause_text(opts_.refuse_cause) + ")"
                 : std::string("loopback to this demon's listeners"));
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
  const auto deadline = engine_.next_deadline();
  if (!deadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*deadline);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    engine_.handle_timeouts(now(), *this);
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
