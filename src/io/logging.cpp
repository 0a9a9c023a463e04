#include "atmsigd/io/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/sinks/systemd_sink.h>

#include <cstdlib>

namespace atmsigd::io {

spdlog::level::level_enum to_spdlog(config::Level l) {
  switch (l) {
    case config::Level::kDebug:
      return spdlog::level::debug;
    case config::Level::kInfo:
      return spdlog::level::info;
    case config::Level::kWarn:
      return spdlog::level::warn;
    case config::Level::kError:
      return spdlog::level::err;
    case config::Level::kFatal:
      return spdlog::level::critical;
  }
  return spdlog::level::info;
}

std::optional<Loggers> make_loggers(const std::optional<std::string>& dest, std::string& error) {
  spdlog::sink_ptr sink;
  Loggers l;
  bool journal = false;
  try {
    if (!dest && std::getenv("JOURNAL_STREAM") != nullptr) {
      // Started by systemd with stderr connected to the journal: write to
      // the journal directly, with priorities.
      sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("atmsigd");
      l.destination = "the systemd journal";
      journal = true;
    } else if (!dest || *dest == "stderr") {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      l.destination = "stderr";
    } else if (*dest == "syslog") {
      sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("atmsigd", LOG_PID, LOG_DAEMON, false);
      l.destination = "syslog";
      journal = true;  // syslog adds its own time stamp
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(*dest, false);
      l.destination = *dest;
    }
  } catch (const spdlog::spdlog_ex& e) {
    error = std::string("cannot open log destination: ") + e.what();
    return std::nullopt;
  }
  auto make = [&](const char* name) {
    auto lg = std::make_shared<spdlog::logger>(name, sink);
    lg->set_pattern(journal ? "%n: %l: %v" : "%b %d %H:%M:%S.%f atmsigd:%n: %^%l%$: %v");
    // Written at the end of each turn of the loop (Demon::flush_logs), at once
    // from warnings up.
    lg->flush_on(spdlog::level::warn);
    return lg;
  };
  l.demon = make("DEMON");
  l.io = make("IO");
  l.saal = make("SAAL");
  l.sig = make("SIG");
  l.policy = make("POLICY");
  return l;
}

void apply_levels(Loggers& l, bool debug, const std::optional<config::Level>& default_level,
                  const std::map<std::string, config::Level>& group_levels) {
  const auto dflt = group_levels.count("debug") != 0 ? group_levels.at("debug")
                                                     : default_level.value_or(config::Level::kInfo);
  auto set = [&](spdlog::logger& lg, const char* group) {
    if (debug) {
      lg.set_level(spdlog::level::debug);
      return;
    }
    auto it = group_levels.find(group);
    lg.set_level(to_spdlog(it != group_levels.end() ? it->second : dflt));
  };
  set(*l.demon, "debug");
  set(*l.io, "io");
  set(*l.saal, "saal");
  set(*l.sig, "sig");
  set(*l.policy, "policy");
}

}  // namespace atmsigd::io
