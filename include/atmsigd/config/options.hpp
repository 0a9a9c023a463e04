// The command line, with the original atmsigd's options and meanings
// (getopt "Abc:dD:l:m:nNP:q:t:u:V" plus positional "[itf.]vpi.vci [socket]")
// and our additions as long options only.
#pragma once

#include <sys/socket.h>

#include <linux/atm.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atmsigd/atmsvc/policy.hpp"
#include "atmsigd/util/atm_text.hpp"
#include "atmsigd/util/time.hpp"
#include "atmsigd/util/uni_version.hpp"

namespace atmsigd::config {

enum class SigMode : std::uint8_t { kUser, kNetwork, kSwitch };
enum class Level : std::uint8_t { kDebug, kInfo, kWarn, kError, kFatal };
// What -u / "sig uniNN" select: the protocol (the demon's one UNI version
// type) and the two combinations the original accepts.
struct UniSelection {
  UniVersion version = UniVersion::kUni30;
  bool uni30_compat = false;  // uni31+uni30
  bool q2963_1 = false;       // uni40+q.2963.1
  bool operator==(const UniSelection&) const = default;
};

const char* sig_mode_name(SigMode m);
// "UNI 3.1 with 3.0 compatibility", "UNI 4.0 with Q.2963.1", ...
std::string uni_selection_name(const UniSelection& u);
// The protocol the selection runs: uni31+uni30 is UniVersion::kUni31Compat30 (the
// original's S_UNI31|S_UNI30), uni40+q.2963.1 UNI 4.0, the others their version.
UniVersion protocol_version(const UniSelection& u);

struct UdpEndpoint {
  std::string host;  // empty: any / loopback
  unsigned short port = 0;
  bool operator==(const UdpEndpoint&) const = default;
};
// "1000000", "64k", "10M", "1G" (octets); nullopt if malformed or zero.
std::optional<std::uint64_t> parse_size(const std::string& text);
// "PORT", "HOST:PORT" or "[V6HOST]:PORT"; nullopt if malformed.
std::optional<UdpEndpoint> parse_udp_endpoint(const std::string& text);

struct VpciRule {  // "sig vpci N itf M": VPCI >= N -> interface M, VPI = VPCI - N
  int vpci = 0;
  int itf = 0;
};

// "sig vc_range" / entity "vc_range" (ours): the connection identifiers a
// network-side entity allocates, VPCI first_vpci..last_vpci x VCI
// first_vci..last_vci. None given: VPCI 0, VCI 32-65535 (callctl's default).
struct VcRange {
  int first_vpci = 0;
  int last_vpci = 0;
  int first_vci = 32;
  int last_vci = 65535;
  int line = 0;              // in atmsigd.conf
  std::string word;          // its VPCI word there ("0-15"), for errors
  std::string text() const;  // "0-15 32-65535"
};

// The link rate signalled for "the maximum" when io/entity max_rate is not
// given: OC3, as the original.
constexpr int kDefaultMaxRate = 353207;

// One signaling entity as atmsigd.conf describes it ("entity [itf.]vpi.vci
// { ... }"), before the global values are filled in.
struct EntityConfig {
  struct sockaddr_atmpvc vc {};
  std::vector<VpciRule> vpci;      // the entity's own "vpci N itf M"
  std::vector<VcRange> vc_ranges;  // ours: "vc_range ..." (none: the global ones)
  std::optional<SigMode> mode;
  std::optional<std::string> qos;
  std::optional<int> max_rate;
  std::vector<AddressPrefix> routes;
  bool is_default = false;
  std::optional<UdpEndpoint> udp_local;  // ours: "udp local [HOST:]PORT"
  std::optional<UdpEndpoint> udp_peer;   // ours: "udp peer HOST:PORT"
  int line = 0;
};

// A signaling entity with every value decided (signaling_entities()).
struct EntityOptions {
  struct sockaddr_atmpvc vc {};
  SigMode mode = SigMode::kUser;
  std::optional<std::string> qos;  // of the signaling VC (PVC link)
  int max_rate = kDefaultMaxRate;
  std::vector<VpciRule> vpci;      // global "sig vpci" rules, then the entity's own
  std::vector<VcRange> vc_ranges;  // the entity's, else "sig vc_range" (none: the default)
  std::vector<AddressPrefix> routes;
  bool is_default = false;
  std::optional<UdpEndpoint> udp_local;  // set with udp_peer: SSCOP over UDP, else the PVC
  std::optional<UdpEndpoint> udp_peer;
  // One line for logs and reload comparisons ("0.0.5 user, route ..., udp ...").
  std::string describe() const;
};

// Unix-socket mode: who may reach the socket file ("io socket owner|group|mode",
// atmsigd.conf only). Applied right after bind(), before the first datagram
// is read; unset owner/group: the demon's own.
struct SocketAccess {
  std::optional<unsigned> owner;  // uid
  std::optional<unsigned> group;  // gid
  unsigned mode = 0600;           // permission bits; never any for others
  bool operator==(const SocketAccess&) const = default;
  std::string describe() const;        // "mode 0660, group atm"
  std::string owner_name, group_name;  // as written, for describe()
};

// The control socket's default: in the systemd unit's runtime directory.
inline constexpr const char* kDefaultControlPath = "/run/atmsigd/atmsigd.ctl";

struct Options {
  bool background = false;                        // -b
  std::string config_file = "/etc/atmsigd.conf";  // -c
  bool config_given = false;
  bool debug = false;                      // -d
  std::string dump_dir = "/var/tmp";       // -D
  std::optional<std::string> log_dest;     // -l file|syslog|stderr
  std::optional<SigMode> mode;             // -m (default user)
  bool numeric = false;                    // -n
  std::optional<std::string> sig_qos;      // -q (signaling VC QoS)
  int trace_length = 20;                   // -t
  std::optional<UniSelection> uni;         // -u (default UNI 3.0)
  struct sockaddr_atmpvc signaling_vc {};  // default 0.0.5
  std::optional<std::string> socket_path;  // unix-socket mode
  bool version = false;                    // -V

  // Ours (long options only).
  std::string network = "uni";  // network stand-in until Q.2931: loopback | refuse
  int refuse_cause = 3;
  std::vector<struct sockaddr_atmsvc> local_addresses;  // unix-socket mode
  // SSCOP over UDP instead of the ATM PVC ("[host:]port"); the link runs only
  // when a peer is given (until Q.2931 call control is plugged in).
  std::optional<UdpEndpoint> udp_local;
  std::optional<UdpEndpoint> udp_peer;
  std::optional<std::string> pcap_file;       // capture of the signaling link (SunATM pcap)
  std::uint64_t pcap_rotate = 0;              // rotate the capture at this size (0: never)
  std::string pid_file = "/run/atmsigd.pid";  // written with -b
  SocketAccess socket_access;                 // "io socket ..." (unix-socket mode)
  // The control socket (docs/control.md): "io control PATH|off" / --control;
  // none: kDefaultControlPath, if its directory exists. "off": none at all.
  std::optional<std::string> control_path;
  SocketAccess control_access;  // "io control owner|group|mode", --control-owner/-group/-mode
  // From atmsigd.conf only: protocol timers and SAAL parameters.
  std::map<std::string, Duration> sig_timers;
  bool restart_on_link_up = false;  // "sig restart_on_link_up": RESTART whenever a link comes up
  bool connected_number = false;    // "sig connected_number": COLP in CONNECT (UNI 4.0)
  std::map<std::string, Duration> saal_timers;
  std::map<std::string, int> saal_params;
  std::vector<atmsvc::PolicyRule> policy;
  std::optional<int> max_rate;                // "io max_rate"
  std::vector<VpciRule> vpci;                 // "sig vpci N itf M"
  std::vector<VcRange> vc_ranges;             // "sig vc_range VPCI[-VPCI] VCI[-VCI]"
  std::vector<EntityConfig> entities;         // "entity ..." (empty: one, from the options above)
  std::optional<Level> default_level;         // "level" / "debug level"
  std::map<std::string, Level> group_levels;  // "io level", "sig level", ...

  std::vector<std::string> warnings;  // obsolete options used, etc.
  std::vector<std::string> given;     // options given on the command line ("-D", "--pcap")
  bool was_given(const std::string& opt) const;
};

enum class ParseStatus : std::uint8_t { kRun, kExit, kUsageError };

struct ParseResult {
  Options options;
  ParseStatus status = ParseStatus::kRun;
  std::string message;  // what to print (usage error text, version, help)
};

ParseResult parse_options(int argc, const char* const* argv);

struct Config;
// Fills in what the configuration file says and the command line did not
// (the command line has priority). Returns notes for the log.
std::vector<std::string> merge_config(const Config& cfg, Options& o);
// The signaling entities to run, in configuration order: the configured
// entities, each with what it does not say taken from the global values
// (mode: -m, else the entity's, else sig mode, else user; likewise -q/qos;
// max_rate: the entity's, else io max_rate; VPCI rules: sig vpci, an entity
// rule replacing one for the same VPCI; VC ranges: the entity's, else
// sig vc_range); the first entity takes the command
// line's VC and the global UDP link if it has none of its own.
// Without entities: one, from the signaling VC and the global values.
std::vector<EntityOptions> signaling_entities(const Options& o);
std::string usage();

}  // namespace atmsigd::config
