#include "atmsigd/config/options.hpp"

#include <getopt.h>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "atmsigd/config/config_file.hpp"
#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::config {

const char* sig_mode_name(SigMode m) {
  switch (m) {
    case SigMode::kUser:
      return "user";
    case SigMode::kNetwork:
      return "network";
    case SigMode::kSwitch:
      return "switch";
  }
  return "?";
}

std::string uni_selection_name(const UniSelection& u) {
  std::string s = uni_version_name(u.version);
  if (u.uni30_compat) s += " with 3.0 compatibility";
  if (u.q2963_1) s += " with Q.2963.1";
  return s;
}

UniVersion protocol_version(const UniSelection& u) {
  if (u.uni30_compat && u.version == UniVersion::kUni31) return UniVersion::kUni31Compat30;
  return u.version;
}

std::optional<UdpEndpoint> parse_udp_endpoint(const std::string& text) {
  UdpEndpoint e;
  std::string port = text;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) return std::nullopt;
    e.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    e.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (e.host.empty()) return std::nullopt;
  }
  unsigned v = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc() || p != port.data() + port.size() || v > 65535 || port.empty())
    return std::nullopt;
  e.port = static_cast<unsigned short>(v);
  return e;
}

std::string usage() {
  return "usage: atmsigd [-b] [-c config_file] [-d] [-D dump_dir] [-l logfile] [-m mode] [-n]\n"
         "               [-q qos] [-t trace_length] [-u uni_version] [[itf.]vpi.vci "
         "[socket_path]]\n"
         "       atmsigd -V\n"
         "  mode: user | network | switch\n"
         "  uni_version: uni30 | 3.0 | uni31 | 3.1 | uni31+uni30 | 3.1+3.0 | uni40 | 4.0 |\n"
         "               uni40+q.2963.1 | 4.0+q.2963.1\n"
         "  long options (ours): --network uni|loopback|refuse, --refuse-cause N,\n"
         "               --local-address ADDR (repeatable; unix-socket mode),\n"
         "               --udp-local [HOST:]PORT --udp-peer HOST:PORT (SSCOP over UDP),\n"
         "               --pcap FILE [--pcap-rotate SIZE] (capture of the link), --pid-file FILE,\n"
         "               --control PATH|off [--control-owner USER] [--control-group GROUP]\n"
         "               [--control-mode MODE] (the control socket, atmsigctl), --help\n";
}

namespace {

std::optional<UniSelection> parse_uni(const std::string& s) {
  if (s == "uni30" || s == "3.0") return UniSelection{UniVersion::kUni30};
  if (s == "uni31" || s == "3.1") return UniSelection{UniVersion::kUni31};
  if (s == "uni31+uni30" || s == "3.1+3.0") return UniSelection{UniVersion::kUni31, true};
  if (s == "uni40" || s == "4.0") return UniSelection{UniVersion::kUni40};
  if (s == "uni40+q.2963.1" || s == "4.0+q.2963.1")
    return UniSelection{UniVersion::kUni40, false, true};
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t mult = 1;
  std::string digits = text;
  switch (text.back()) {
    case 'k':
      mult = 1000;
      break;
    case 'M':
      mult = 1000 * 1000;
      break;
    case 'G':
      mult = 1000 * 1000 * 1000;
      break;
    default:
      break;
  }
  if (mult != 1) digits.pop_back();
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || v == 0)
    return std::nullopt;
  return v * mult;
}

bool Options::was_given(const std::string& opt) const {
  return std::find(given.begin(), given.end(), opt) != given.end();
}

std::vector<std::string> merge_config(const Config& cfg, Options& o) {
  std::vector<std::string> notes = cfg.warnings;
  if (cfg.log && !o.log_dest) o.log_dest = cfg.log;
  if (cfg.dump_dir && !o.was_given("-D")) o.dump_dir = *cfg.dump_dir;
  if (cfg.trace && !o.was_given("-t")) o.trace_length = *cfg.trace;
  if (cfg.mode && !o.mode) o.mode = cfg.mode;
  if (cfg.uni && !o.uni) o.uni = cfg.uni;
  if (cfg.io_qos && !o.sig_qos) o.sig_qos = cfg.io_qos;
  if (cfg.io_vc && !o.was_given("vc")) o.signaling_vc = *cfg.io_vc;
  o.default_level = cfg.level;
  o.group_levels = cfg.group_level;
  if (cfg.max_rate) o.max_rate = cfg.max_rate;
  o.vpci = cfg.vpci;
  o.vc_ranges = cfg.vc_ranges;
  o.entities = cfg.entities;
  // The first entity's VC is the signaling VC (status line, loopback stand-in).
  if (!cfg.entities.empty() && !o.was_given("vc")) o.signaling_vc = cfg.entities.front().vc;
  o.policy = cfg.policy;
  if (cfg.udp_local && !o.udp_local) o.udp_local = cfg.udp_local;
  if (cfg.udp_peer && !o.udp_peer) o.udp_peer = cfg.udp_peer;
  if (cfg.pcap && !o.pcap_file) o.pcap_file = cfg.pcap;
  if (cfg.pcap_rotate && !o.was_given("--pcap-rotate")) o.pcap_rotate = *cfg.pcap_rotate;
  o.sig_timers = cfg.sig_timers;
  o.restart_on_link_up = cfg.restart_on_link_up;
  o.connected_number = cfg.connected_number;
  o.saal_timers = cfg.saal_timers;
  o.saal_params = cfg.saal_params;
  if (cfg.socket_owner) {
    o.socket_access.owner = cfg.socket_owner;
    o.socket_access.owner_name = cfg.socket_owner_name;
  }
  if (cfg.socket_group) {
    o.socket_access.group = cfg.socket_group;
    o.socket_access.group_name = cfg.socket_group_name;
  }
  if (cfg.socket_mode) o.socket_access.mode = *cfg.socket_mode;
  // The control socket: the command line wins, item by item.
  if (cfg.control_path && !o.was_given("--control")) o.control_path = cfg.control_path;
  if (cfg.control_owner && !o.was_given("--control-owner")) {
    o.control_access.owner = cfg.control_owner;
    o.control_access.owner_name = cfg.control_owner_name;
  }
  if (cfg.control_group && !o.was_given("--control-group")) {
    o.control_access.group = cfg.control_group;
    o.control_access.group_name = cfg.control_group_name;
  }
  if (cfg.control_mode && !o.was_given("--control-mode")) o.control_access.mode = *cfg.control_mode;
  if (o.local_addresses.empty())
    for (const auto& a : cfg.local_addresses)
      if (auto p = parse_svc_address(a)) o.local_addresses.push_back(*p);
  return notes;
}

std::vector<EntityOptions> signaling_entities(const Options& o) {
  auto resolve = [&](const EntityConfig* e) {
    EntityOptions r;
    r.vc = o.signaling_vc;
    r.mode = o.mode.value_or(SigMode::kUser);
    r.qos = o.sig_qos;
    r.max_rate = o.max_rate.value_or(kDefaultMaxRate);
    r.vpci = o.vpci;
    r.vc_ranges = o.vc_ranges;
    if (e == nullptr) {
      r.udp_local = o.udp_local;
      r.udp_peer = o.udp_peer;
      return r;
    }
    r.vc = e->vc;
    // The command line has priority, then the entity, then the global items.
    if (e->mode && !o.was_given("-m")) r.mode = *e->mode;
    if (e->qos && !o.was_given("-q")) r.qos = e->qos;
    if (e->max_rate) r.max_rate = *e->max_rate;
    // The entity's own rule replaces a global one for the same VPCI.
    for (const auto& v : e->vpci) {
      std::erase_if(r.vpci, [&](const VpciRule& g) { return g.vpci == v.vpci; });
      r.vpci.push_back(v);
    }
    if (!e->vc_ranges.empty()) r.vc_ranges = e->vc_ranges;
    r.routes = e->routes;
    r.is_default = e->is_default;
    r.udp_local = e->udp_local;
    r.udp_peer = e->udp_peer;
    return r;
  };
  std::vector<EntityOptions> out;
  if (o.entities.empty()) {
    out.push_back(resolve(nullptr));
    return out;
  }
  for (const auto& e : o.entities) out.push_back(resolve(&e));
  auto& first = out.front();
  if (o.was_given("vc")) first.vc = o.signaling_vc;
  if (!first.udp_peer) {
    first.udp_local = o.udp_local;
    first.udp_peer = o.udp_peer;
  }
  return out;
}

std::string VcRange::text() const {
  auto span = [](int a, int b) {
    return a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b);
  };
  return span(first_vpci, last_vpci) + " " + span(first_vci, last_vci);
}

std::string SocketAccess::describe() const {
  char m[8];
  std::snprintf(m, sizeof m, "%04o", mode);
  std::string s = std::string("mode ") + m;
  if (owner) s += ", owner " + (owner_name.empty() ? std::to_string(*owner) : owner_name);
  if (group) s += ", group " + (group_name.empty() ? std::to_string(*group) : group_name);
  return s;
}

std::string EntityOptions::describe() const {
  std::string s = pvc_address_text(vc) + " " + sig_mode_name(mode);
  if (qos) s += ", qos " + *qos;
  if (max_rate != kDefaultMaxRate) s += ", max_rate " + std::to_string(max_rate);
  for (const auto& v : vpci)
    s += ", vpci " + std::to_string(v.vpci) + " itf " + std::to_string(v.itf);
  for (const auto& r : vc_ranges) s += ", vc_range " + r.text();
  for (const auto& r : routes) s += ", route " + r.text;
  if (is_default) s += ", default";
  if (udp_peer) {
    auto ep = [](const UdpEndpoint& u) {
      return (u.host.empty() ? std::string("*") : u.host) + ":" + std::to_string(u.port);
    };
    s += ", udp " + ep(udp_local.value_or(UdpEndpoint{})) + " -> " + ep(*udp_peer);
  }
  return s;
}

ParseResult parse_options(int argc, const char* const* argv) {
  ParseResult r;
  Options& o = r.options;
  o.signaling_vc.sap_family = AF_ATMPVC;
  o.signaling_vc.sap_addr.itf = 0;
  o.signaling_vc.sap_addr.vpi = 0;
  o.signaling_vc.sap_addr.vci = 5;

  auto usage_error = [&](const std::string& what) {
    r.options.given.clear();
    r.status = ParseStatus::kUsageError;
    r.message = "atmsigd: " + what + "\n" + usage();
    return r;
  };
  // getopt_long, as the original's getopt (issue 13: CLI11 brought 150 kB of
  // code and, through its iostreams, libstdc++'s whole locale set-up into
  // every start). Options given are named in `given` as merge_config and
  // reload ask for them: "-D", "--pcap-rotate", "vc". A repeated option
  // takes its last value, like getopt.
  enum Long : int {
    kNetwork = 256,
    kRefuseCause,
    kLocalAddress,
    kUdpLocal,
    kUdpPeer,
    kPcap,
    kPidFile,
    kPcapRotate,
    kControl,
    kControlOwner,
    kControlGroup,
    kControlMode,
    kHelp,
  };
  static const struct option kLong[] = {
      {"network", required_argument, nullptr, kNetwork},
      {"refuse-cause", required_argument, nullptr, kRefuseCause},
      {"local-address", required_argument, nullptr, kLocalAddress},
      {"udp-local", required_argument, nullptr, kUdpLocal},
      {"udp-peer", required_argument, nullptr, kUdpPeer},
      {"pcap", required_argument, nullptr, kPcap},
      {"pid-file", required_argument, nullptr, kPidFile},
      {"pcap-rotate", required_argument, nullptr, kPcapRotate},
      {"control", required_argument, nullptr, kControl},
      {"control-owner", required_argument, nullptr, kControlOwner},
      {"control-group", required_argument, nullptr, kControlGroup},
      {"control-mode", required_argument, nullptr, kControlMode},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0}};
  auto long_name = [](int id) {
    for (const auto& l : kLong)
      if (l.val == id) return std::string("--") + l.name;
    return std::string("?");
  };
  auto given = [&](std::string name) {
    if (!o.was_given(name)) o.given.push_back(std::move(name));
  };

  std::string cfg, dump, log, mode, qos, uni, network, vc, sock;
  std::vector<std::string> locals;
  std::optional<std::string> trace, refuse_cause, udp_local, udp_peer, rotate;
  std::optional<std::string> control, control_owner, control_group, control_mode;
  bool obsolete_a = false, obsolete_n = false, obsolete_p = false, help = false;
  // getopt permutes its argv (operands after the options) and keeps state in
  // globals: a copy, and optind = 0 to start afresh at each call.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) args.push_back(const_cast<char*>(argv[i]));
  args.push_back(nullptr);
  ::opterr = 0;
  ::optind = 0;
  int c;
  while ((c = ::getopt_long(argc, args.data(), ":bc:dD:l:m:nq:t:u:VANP:", kLong, nullptr)) != -1) {
    const std::string arg = ::optarg != nullptr ? ::optarg : "";
    switch (c) {
      case 'b':
        o.background = true;
        break;
      case 'c':
        cfg = arg;
        break;
      case 'd':
        o.debug = true;
        break;
      case 'D':
        dump = arg;
        break;
      case 'l':
        log = arg;
        break;
      case 'm':
        mode = arg;
        break;
      case 'n':
        o.numeric = true;
        break;
      case 'q':
        qos = arg;
        break;
      case 't':
        trace = arg;
        break;
      case 'u':
        uni = arg;
        break;
      case 'V':
        o.version = true;
        break;
      case 'A':
        obsolete_a = true;
        break;
      case 'N':
        obsolete_n = true;
        break;
      case 'P':
        obsolete_p = true;
        break;
      case kNetwork:
        network = arg;
        break;
      case kRefuseCause:
        refuse_cause = arg;
        break;
      case kLocalAddress:
        locals.push_back(arg);
        break;
      case kUdpLocal:
        udp_local = arg;
        break;
      case kUdpPeer:
        udp_peer = arg;
        break;
      case kPcap:
        o.pcap_file = arg;
        break;
      case kPidFile:
        o.pid_file = arg;
        break;
      case kPcapRotate:
        rotate = arg;
        break;
      case kControl:
        control = arg;
        break;
      case kControlOwner:
        control_owner = arg;
        break;
      case kControlGroup:
        control_group = arg;
        break;
      case kControlMode:
        control_mode = arg;
        break;
      case kHelp:
        help = true;
        break;
      case ':':  // optopt: the short option's letter, or the long option's id
        return usage_error((::optopt < 256 ? std::string("-") + static_cast<char>(::optopt)
                                           : long_name(::optopt)) +
                           " needs an argument");
      default:  // '?': not an option of ours
        if (::optopt != 0 && ::optopt < 256)
          return usage_error(std::string("unknown option -") + static_cast<char>(::optopt));
        return usage_error(std::string("unknown option ") + args[::optind - 1]);
    }
    if (c < 256)
      given(std::string("-") + static_cast<char>(c));
    else if (c != kHelp)
      given(long_name(c));
  }
  if (help) {
    r.status = ParseStatus::kExit;
    r.message = usage();
    return r;
  }
  // Operands: [[itf.]vpi.vci [socket_path]].
  const int operands = argc - ::optind;
  if (operands > 2) return usage_error(std::string("unexpected argument ") + args[::optind + 2]);
  if (operands >= 1) {
    vc = args[::optind];
    given("vc");
  }
  if (operands == 2) {
    sock = args[::optind + 1];
    given("socket_path");
  }
  if (o.version) {
    r.status = ParseStatus::kExit;
    r.message = "atmsigd (modern drop-in) " ATMSIGD_VERSION "\n";
    return r;
  }
  if (o.was_given("-c")) {
    o.config_file = cfg;
    o.config_given = true;
  }
  if (!dump.empty()) o.dump_dir = dump;
  if (o.was_given("-l")) o.log_dest = log;
  if (o.was_given("-m")) {
    if (mode == "user")
      o.mode = SigMode::kUser;
    else if (mode == "network")
      o.mode = SigMode::kNetwork;
    else if (mode == "switch")
      o.mode = SigMode::kSwitch;
    else
      return usage_error("invalid mode \"" + mode + "\" for -m (user, network or switch)");
  }
  if (o.was_given("-q")) {
    if (!parse_qos(qos)) return usage_error("invalid QoS \"" + qos + "\" for -q (see qos(7))");
    o.sig_qos = qos;
  }
  if (trace) {
    int n = -1;
    auto [p, ec] = std::from_chars(trace->data(), trace->data() + trace->size(), n);
    if (ec != std::errc() || p != trace->data() + trace->size() || n < 0)
      return usage_error("invalid trace length " + *trace + " for -t");
    o.trace_length = n;
  }
  if (refuse_cause) {
    int n = 0;
    auto [p, ec] =
        std::from_chars(refuse_cause->data(), refuse_cause->data() + refuse_cause->size(), n);
    if (ec != std::errc() || p != refuse_cause->data() + refuse_cause->size() || n < 1 || n > 127)
      return usage_error("invalid cause " + *refuse_cause + " for --refuse-cause (1-127)");
    o.refuse_cause = n;
  }
  if (o.was_given("-u")) {
    o.uni = parse_uni(uni);
    if (!o.uni) return usage_error("invalid UNI version \"" + uni + "\" for -u");
  }
  if (obsolete_a) o.warnings.push_back("-A is obsolete and has no effect");
  if (obsolete_n) o.warnings.push_back("-N is obsolete and has no effect");
  if (obsolete_p) o.warnings.push_back("-P is obsolete; use -q to set the signaling VC's QoS");
  if (!network.empty()) {
    if (network != "uni" && network != "loopback" && network != "refuse")
      return usage_error("invalid value \"" + network +
                         "\" for --network (uni, loopback or refuse)");
    o.network = network;
  }
  for (const auto& a : locals) {
    auto addr = parse_svc_address(a);
    if (!addr || (addr->sas_addr.prv[0] == 0 && addr->sas_addr.pub[0] == 0))
      return usage_error("invalid ATM address \"" + a + "\" for --local-address");
    o.local_addresses.push_back(*addr);
  }
  if (udp_local) {
    o.udp_local = parse_udp_endpoint(*udp_local);
    if (!o.udp_local)
      return usage_error("invalid endpoint \"" + *udp_local + "\" for --udp-local ([host:]port)");
  }
  if (udp_peer) {
    o.udp_peer = parse_udp_endpoint(*udp_peer);
    if (!o.udp_peer || o.udp_peer->host.empty())
      return usage_error("invalid endpoint \"" + *udp_peer + "\" for --udp-peer (host:port)");
  }
  if (o.udp_local && !o.udp_peer) return usage_error("--udp-local needs --udp-peer");
  if (rotate) {
    const auto sz = parse_size(*rotate);
    if (!sz) return usage_error("invalid size \"" + *rotate + "\" for --pcap-rotate (e.g. 10M)");
    o.pcap_rotate = *sz;
  }
  if (control) {
    if (*control != "off" && (control->empty() || (*control)[0] != '/'))
      return usage_error("invalid value \"" + *control +
                         "\" for --control (an absolute path, or off)");
    o.control_path = *control;
  }
  if (control_owner) {
    o.control_access.owner = lookup_id(*control_owner, true);
    if (!o.control_access.owner)
      return usage_error("unknown user \"" + *control_owner + "\" for --control-owner");
    o.control_access.owner_name = *control_owner;
  }
  if (control_group) {
    o.control_access.group = lookup_id(*control_group, false);
    if (!o.control_access.group)
      return usage_error("unknown group \"" + *control_group + "\" for --control-group");
    o.control_access.group_name = *control_group;
  }
  if (control_mode) {
    const auto m = parse_socket_mode(*control_mode);
    if (!m || (*m & 0007) != 0)
      return usage_error("invalid mode \"" + *control_mode +
                         "\" for --control-mode (octal, nothing for others, e.g. 0660)");
    o.control_access.mode = *m;
  }
  if (o.was_given("vc")) {
    auto pvc = parse_pvc_address(vc);
    if (!pvc) return usage_error("invalid signaling VC \"" + vc + "\" ([itf.]vpi.vci)");
    o.signaling_vc = *pvc;
  }
  if (o.was_given("socket_path")) {
    if (sock.empty()) return usage_error("empty socket path");
    o.socket_path = sock;
  }
  return r;
}

}  // namespace atmsigd::config
