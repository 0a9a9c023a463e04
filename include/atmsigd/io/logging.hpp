// Log destinations and per-group levels, as atmsigd.conf has them: groups
// "debug" (the demon itself and the default), "io", "saal", "sig", "policy".
// Destinations: a file, "syslog", "stderr", or the systemd journal when run
// by systemd without -l / "debug log".
#pragma once

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "atmsigd/config/config_file.hpp"

namespace atmsigd::io {

struct Loggers {
  std::shared_ptr<spdlog::logger> demon, io, saal, sig, policy;
  std::string destination;  // what was opened, for the log
};

// Opens the destination; nullopt with `error` set if it cannot be opened.
std::optional<Loggers> make_loggers(const std::optional<std::string>& dest, std::string& error);

// -d: everything at debug. Otherwise each group's level from the
// configuration, else the default ("debug level" / "level"), else info.
void apply_levels(Loggers& l, bool debug, const std::optional<config::Level>& default_level,
                  const std::map<std::string, config::Level>& group_levels);

spdlog::level::level_enum to_spdlog(config::Level l);

}  // namespace atmsigd::io
