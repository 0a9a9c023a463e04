// atmsigd: the ATM signaling demon. Command line as the original's.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "atmsigd/config/config_file.hpp"
#include "atmsigd/config/options.hpp"
#include "atmsigd/io/demon.hpp"
#include "atmsigd/io/logging.hpp"
#include "atmsigd/io/privileges.hpp"
#include "atmsigd/io/service_notify.hpp"

namespace {

// Text to stdout / stderr with write(2): no iostream, whose std::cout and
// std::cerr would set up libstdc++'s whole locale at every start (issue 13,
// idle RSS: its code and the libc locale pages it touches stay resident).
bool put(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The pid file, "PID\n", replacing what was there.
bool write_pid_file(const std::string& path, pid_t pid) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return false;
  const bool ok = put(fd, std::to_string(pid) + "\n");
  return ::close(fd) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace atmsigd;
  auto parsed = config::parse_options(argc, argv);
  switch (parsed.status) {
    case config::ParseStatus::kUsageError:
      put(2, parsed.message);
      return 2;
    case config::ParseStatus::kExit:
      put(1, parsed.message);
      return 0;
    case config::ParseStatus::kRun:
      break;
  }
  const config::Options cmdline = parsed.options;
  auto& o = parsed.options;
  // atmsigd.conf: a missing default file means defaults; a missing file given
  // with -c is a warning (as the original); a bad line stops the demon.
  std::vector<std::string> notes;
  std::error_code ec;
  if (std::filesystem::exists(o.config_file, ec)) {
    auto cfg = config::load_config(o.config_file);
    if (auto* e = std::get_if<config::ConfigError>(&cfg)) {
      put(2, "atmsigd: " + e->text() + "\n");
      return 1;
    }
    notes = config::merge_config(std::get<config::Config>(cfg), o);
  } else if (o.config_given) {
    notes.push_back("configuration file " + o.config_file + " not found, using defaults");
  }
  std::string error;
  auto log = io::Logger::open(o.log_dest, error);
  if (!log) {
    put(2, "atmsigd: " + error + "\n");
    return 1;
  }
  log->set_levels(io::LogLevels::from_config(o.debug, o.default_level, o.group_levels));
  using log::Group;
  // Until log->start() (after -b's fork: no thread before it) lines wait in
  // the log's queue; stop() writes them at any exit.
  log->info(Group::kDemon,
            "Linux ATM signaling {} (modern drop-in), mode {}, signaling VC {}.{}.{}",
            config::uni_selection_name(o.uni.value_or(config::UniSelection{})),
            config::sig_mode_name(o.mode.value_or(config::SigMode::kUser)),
            o.signaling_vc.sap_addr.itf, o.signaling_vc.sap_addr.vpi, o.signaling_vc.sap_addr.vci);
  for (const auto& w : o.warnings) log->warn(Group::kDemon, "{}", w);
  for (const auto& n : notes) log->warn(Group::kDemon, "{}", n);

  // One thread runs the loop and nothing else touches it (the dump thread
  // has its own pool and hands its lines to the log's writer; signals arrive
  // through Asio's pipe): no locking in the scheduler and the reactor
  // (issue 13: ~20 mutex operations a call).
  boost::asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
  io::Demon demon(io, cmdline, o, log);
  if (!demon.start(error)) {
    log->critical(Group::kDemon, "{}", error);
    log->stop();
    return 1;
  }
  // Every socket is open: nothing later needs a capability (io/privileges.hpp
  // says why). Dropped here, before -b forks: the drop makes nothing a child
  // could misuse, it happens while there is still one thread, and a failure
  // still reaches whoever started the demon (exit status 1).
  if (const auto drop = io::drop_privileges(); !drop.ok) {
    log->critical(Group::kDemon, "{}", drop.error);
    log->stop();
    return 1;
  } else {
    log->info(Group::kDemon, "{}", drop.note);
  }
  if (o.background) {
    // -b: detach after initializing, as the original; a pid file for
    // init systems without service supervision.
    // The signals the demon handles are blocked across the fork: the pid
    // file may name the child (and a service manager signal it) before the
    // child has rebuilt Asio's signal pipe in notify_fork(fork_child); a
    // signal caught in between would go to the old pipe and be lost (a
    // SIGTERM then never stopped the demon). Unblocked, it is delivered.
    sigset_t handled, before;
    sigemptyset(&handled);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&handled, sig);
    ::sigprocmask(SIG_BLOCK, &handled, &before);
    io.notify_fork(boost::asio::io_context::fork_prepare);
    const pid_t pid = ::fork();
    if (pid < 0) {
      log->critical(Group::kDemon, "fork failed");
      log->stop();
      return 1;
    }
    if (pid > 0) {
      // The pid file exists before the parent returns; _exit: the child owns
      // the sockets, so no destructor may close or remove them here. The
      // queued lines are the child's to write.
      log->discard_queued();
      if (!write_pid_file(o.pid_file, pid)) {
        log->critical(Group::kDemon, "cannot write the pid file {}", o.pid_file);
        log->stop();
        ::kill(pid, SIGTERM);
        ::_exit(1);
      }
      ::_exit(0);
    }
    io.notify_fork(boost::asio::io_context::fork_child);
    ::setsid();
    ::sigprocmask(SIG_SETMASK, &before, nullptr);
  }
  // The log's writer thread: after the fork (issue 14 item 4).
  log->start();
  io::notify_service_manager("READY=1");  // Type=notify under systemd; a no-op elsewhere
  io.run();
  io::notify_service_manager("STOPPING=1");
  if (o.background) std::filesystem::remove(o.pid_file, ec);
  // What is queued is written, with the count of dropped lines if any; a
  // destination stuck for longer than the bound does not hold the exit.
  log->stop();
  return 0;
}
