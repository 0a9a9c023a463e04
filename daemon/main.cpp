// atmsigd: the ATM signaling demon. Command line as the original's.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "atmsigd/config/config_file.hpp"
#include "atmsigd/config/options.hpp"
#include "atmsigd/io/demon.hpp"

int main(int argc, char** argv) {
  using namespace atmsigd;
  auto parsed = config::parse_options(argc, argv);
  switch (parsed.status) {
    case config::ParseStatus::kUsageError:
      std::cerr << parsed.message;
      return 2;
    case config::ParseStatus::kExit:
      std::cout << parsed.message;
      return 0;
    case config::ParseStatus::kRun:
      break;
  }
  auto& o = parsed.options;
  // atmsigd.conf: a missing default file means defaults; a missing file given
  // with -c is a warning (as the original); a bad line stops the demon.
  std::vector<std::string> notes;
  std::error_code ec;
  if (std::filesystem::exists(o.config_file, ec)) {
    auto cfg = config::load_config(o.config_file);
    if (auto* e = std::get_if<config::ConfigError>(&cfg)) {
      std::cerr << "atmsigd: " << e->text() << "\n";
      return 1;
    }
    notes = config::merge_config(std::get<config::Config>(cfg), o);
  } else if (o.config_given) {
    notes.push_back("configuration file " + o.config_file + " not found, using defaults");
  }
  std::string error;
  auto log = io::make_logger(o.log_dest, o.debug, error);
  if (!log) {
    std::cerr << "atmsigd: " << error << "\n";
    return 1;
  }
  log->info("Linux ATM signaling {} (modern drop-in), mode {}, signaling VC {}.{}.{}",
            config::uni_version_name(o.uni.value_or(config::UniVersion::kUni30)),
            config::sig_mode_name(o.mode.value_or(config::SigMode::kUser)),
            o.signaling_vc.sap_addr.itf, o.signaling_vc.sap_addr.vpi, o.signaling_vc.sap_addr.vci);
  for (const auto& w : o.warnings) log->warn("{}", w);
  for (const auto& n : notes) log->warn("{}", n);

  boost::asio::io_context io;
  io::Demon demon(io, o, log);
  if (!demon.start(error)) {
    log->critical("{}", error);
    return 1;
  }
  if (o.background) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      log->critical("fork failed");
      return 1;
    }
    if (pid > 0) return 0;
    ::setsid();
    io.notify_fork(boost::asio::io_context::fork_child);
  }
  io.run();
  return 0;
}
