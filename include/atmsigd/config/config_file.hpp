// atmsigd.conf: the original's grammar (atmsigd.conf(4)), plus keywords for
// what the original hard-codes, in the same style. Parsing is pure: text in,
// a Config or the first error (file, line, offending word) out.
#pragma once

#include <sys/socket.h>

#include <linux/atm.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "atmsigd/atmsvc/policy.hpp"
#include "atmsigd/config/options.hpp"
#include "atmsigd/util/atm_text.hpp"
#include "atmsigd/util/time.hpp"

namespace atmsigd::config {

const char* level_name(Level l);

using atmsigd::AddressPrefix;

using PolicyRule = atmsvc::PolicyRule;  // "from" (calling party) or "to" (called party)

using Entity = EntityConfig;

struct Config {
  // Levels: the bare top-level "level", "debug level" (the default), and per group.
  std::optional<Level> level;
  std::map<std::string, Level> group_level;  // "debug", "io", "saal", "sig", "policy"
  std::optional<std::string> dump_dir;
  std::optional<std::string> log;
  std::optional<int> trace;  // "debug trace [N]": set, with the number or the default
  std::optional<struct sockaddr_atmpvc> io_vc;
  std::optional<std::string> io_qos;
  std::optional<int> max_rate;
  std::optional<SigMode> mode;
  std::optional<UniSelection> uni;
  std::vector<VpciRule> vpci;
  std::vector<VcRange> vc_ranges;  // ours: "sig vc_range VPCI[-VPCI] VCI[-VCI]"
  std::vector<PolicyRule> policy;
  std::vector<Entity> entities;
  // Ours (the original hard-codes these).
  std::map<std::string, Duration> sig_timers;   // "sig timer t303 4s"
  bool restart_on_link_up = false;              // "sig restart_on_link_up"
  bool connected_number = false;                // "sig connected_number"
  std::map<std::string, Duration> saal_timers;  // "saal timer cc 1s"
  std::map<std::string, int> saal_params;       // "saal max_cc 4"
  std::optional<UdpEndpoint> udp_local;         // "io udp local [HOST:]PORT"
  std::optional<UdpEndpoint> udp_peer;          // "io udp peer HOST:PORT"
  std::optional<std::string> pcap;              // "io pcap FILE"
  std::optional<std::uint64_t> pcap_rotate;     // "io pcap_rotate SIZE"
  std::vector<std::string> local_addresses;     // "io local ADDRESS"
  // "io socket owner USER | group GROUP | mode MODE": users and groups are
  // looked up while parsing (an unknown one is an error naming the line).
  std::optional<unsigned> socket_owner, socket_group, socket_mode;
  std::string socket_owner_name, socket_group_name;
  // "io control PATH | off" and "io control owner|group|mode VALUE".
  std::optional<std::string> control_path;
  std::optional<unsigned> control_owner, control_group, control_mode;
  std::string control_owner_name, control_group_name;
  std::vector<std::string> warnings;  // obsolete keywords etc.
};

// A user (user: true) or group name, or a number taken as it is; none if unknown.
std::optional<unsigned> lookup_id(const std::string& name, bool user);
// Octal permission bits ("0660"), at most 0777; none if not that.
std::optional<unsigned> parse_socket_mode(const std::string& v);

struct ConfigError {
  std::string file;
  int line = 0;
  std::string near;  // the offending word ("" at the end of the file)
  std::string what;
  std::string text() const;  // FILE:LINE: WHAT near "WORD"
};

using ConfigResult = std::variant<Config, ConfigError>;

ConfigResult parse_config(std::string_view text, const std::string& file_name);
// Reads and parses a file; a missing file is an error with line 0.
ConfigResult load_config(const std::string& path);

// Which timers and SAAL parameters our keywords accept.
const std::vector<std::string>& sig_timer_names();
const std::vector<std::string>& saal_timer_names();
const std::vector<std::string>& saal_param_names();

}  // namespace atmsigd::config
