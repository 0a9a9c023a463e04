#include "atmsigd/control/protocol.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <tuple>

#include "atmsigd/log/log.hpp"

namespace atmsigd::control {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool contains_ci(const std::string& hay, const std::string& needle) {
  return lower(hay).find(lower(needle)) != std::string::npos;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

[[noreturn]] void bad(const std::string& what) {
  throw Error("bad-argument", what);
}

// ---- rendering

Json render_call(const CallRow& c) {
  Json j;
  j["entity"] = c.entity_name;
  j["cref"] = c.cref;
  j["direction"] = c.outgoing ? "out" : "in";
  j["state"] = c.state;
  j["state_code"] = c.state_code;
  j["timer"] = c.timer.empty() ? Json(nullptr) : Json(c.timer);
  j["local"] = c.local ? Json(*c.local) : Json(nullptr);
  j["remote"] = c.remote ? Json(*c.remote) : Json(nullptr);
  j["vc"] = c.vc ? Json(*c.vc) : Json(nullptr);
  j["qos"] = c.qos ? Json(*c.qos) : Json(nullptr);
  j["vcc"] = c.vcc ? Json(*c.vcc) : Json(nullptr);
  j["socket_state"] = c.socket_state ? Json(*c.socket_state) : Json(nullptr);
  j["age_s"] = c.age_s ? Json(*c.age_s) : Json(nullptr);
  j["cause"] = c.cause == 0 ? Json(nullptr) : Json(c.cause);
  j["cause_name"] = c.cause == 0 ? Json(nullptr) : Json(c.cause_name);
  j["modifying"] = c.modifying;
  j["details_unknown"] = c.details_unknown;
  return j;
}

Json render_socket(const SocketRow& s) {
  Json j;
  j["vcc"] = s.vcc;
  j["id"] = s.id;
  j["state"] = s.state;
  j["local"] = s.local ? Json(*s.local) : Json(nullptr);
  j["pending"] = s.pending;
  j["age_s"] = s.age_s;
  return j;
}

Json render_trace(const std::vector<TraceLine>& lines, std::size_t limit) {
  Json a = Json::array();
  const std::size_t from = lines.size() > limit ? lines.size() - limit : 0;
  for (std::size_t i = from; i < lines.size(); ++i)
    a.push_back(Json{{"usec", lines[i].usec}, {"text", lines[i].text}});
  return a;
}

Json render_status(const Status& s) {
  Json j;
  j["version"] = s.version;
  j["pid"] = s.pid;
  j["mode"] = s.mode;
  j["uni"] = s.uni;
  j["network"] = s.network;
  j["uptime_s"] = s.uptime_s;
  j["user_of_signaling"] = s.user_of_signaling;
  j["sockets"] = s.sockets;
  j["calls"] = s.calls;
  j["trace"] = Json{{"entries", s.trace_entries}, {"capacity", s.trace_capacity}};
  j["control_clients"] = s.control_clients;
  Json groups = Json::object();
  for (const auto& [g, l] : s.log_groups) groups[g] = l;
  j["log"] = Json{{"level", s.log_level}, {"groups", groups}, {"set_live", s.log_levels_set_live}};
  Json ents = Json::array();
  for (const auto& e : s.entities) {
    Json je;
    je["name"] = e.name;
    je["side"] = e.side;
    je["link"] = e.link_up ? "up" : "down";
    je["sscf_state"] = e.sscf_state;
    je["sscop_state"] = e.sscop_state;
    je["calls"] = e.calls;
    Json cs = Json::object();
    for (const auto& [k, v] : e.counters) cs[k] = v;
    je["counters"] = cs;
    ents.push_back(je);
  }
  j["entities"] = ents;
  return j;
}

// ---- arguments shared by several commands

std::optional<std::size_t> entity_arg(Backend& b, const Json& args) {
  if (!args.contains("entity")) return std::nullopt;
  const auto names = b.entity_names();
  const Json& e = args["entity"];
  if (e.is_number_unsigned()) {
    const auto i = e.get<std::uint64_t>();
    if (i >= names.size()) bad("no entity " + std::to_string(i));
    return static_cast<std::size_t>(i);
  }
  if (!e.is_string()) bad("entity: a name (its signaling VC) or an index");
  const auto s = e.get<std::string>();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return i;
  bad("no entity \"" + s + "\"");
}

std::optional<bool> direction_arg(const Json& args) {
  const auto d = string_arg(args, "direction");
  if (!d) return std::nullopt;
  if (*d == "out") return true;
  if (*d == "in") return false;
  bad("direction: in or out, not \"" + *d + "\"");
}

// A call reference: a number (decimal or 0x hex), optionally "/in" or "/out".
struct CrefArg {
  std::uint32_t cref = 0;
  std::optional<bool> outgoing;
};
CrefArg cref_arg(const Json& args) {
  if (!args.contains("call")) bad("missing argument: call (a call reference)");
  const Json& v = args["call"];
  CrefArg r;
  std::string text;
  if (v.is_number_unsigned()) {
    text = std::to_string(v.get<std::uint64_t>());
  } else if (v.is_string()) {
    text = v.get<std::string>();
  } else {
    bad("call: a call reference (a number, optionally /in or /out)");
  }
  if (const auto slash = text.find('/'); slash != std::string::npos) {
    const std::string dir = text.substr(slash + 1);
    if (dir == "out")
      r.outgoing = true;
    else if (dir == "in")
      r.outgoing = false;
    else
      bad("call: \"" + text + "\" (CREF, CREF/in or CREF/out)");
    text.resize(slash);
  }
  const auto n = parse_unsigned(text);
  if (!n || *n == 0 || *n > 0x7fffff)
    bad("call: \"" + text + "\" is not a call reference (1 to 8388607)");
  r.cref = static_cast<std::uint32_t>(*n);
  return r;
}

// The one call the arguments name.
CallRow find_call(Backend& b, const Json& args) {
  auto want = cref_arg(args);
  if (const auto d = direction_arg(args)) want.outgoing = d;
  const auto ent = entity_arg(b, args);
  std::vector<CallRow> found;
  for (auto& c : b.calls()) {
    if (c.cref != want.cref) continue;
    if (want.outgoing && c.outgoing != *want.outgoing) continue;
    if (ent && c.entity != *ent) continue;
    found.push_back(std::move(c));
  }
  if (found.empty())
    throw Error("not-found", "no call with call reference " + std::to_string(want.cref));
  if (found.size() > 1) {
    std::string which;
    for (const auto& c : found)
      which += (which.empty() ? "" : ", ") + std::to_string(c.cref) +
               (c.outgoing ? "/out" : "/in") + " on entity " + c.entity_name;
    bad("call reference " + std::to_string(want.cref) + " names " + std::to_string(found.size()) +
        " calls (" + which + "): say CREF/in or CREF/out, and the entity");
  }
  return std::move(found.front());
}

bool state_matches(const std::string& state, std::uint8_t code, const std::string& want) {
  if (const auto n = parse_unsigned(want)) return *n == code;
  // "U10", "N3": the number with its side; else words of the name ("active").
  if (want.size() >= 2 && (want[0] == 'U' || want[0] == 'N' || want[0] == 'u' || want[0] == 'n'))
    if (const auto n = parse_unsigned(want.substr(1)))
      return *n == code && std::toupper(static_cast<unsigned char>(want[0])) == state[0];
  return contains_ci(state, want);
}

std::size_t limit_arg(const Json& args) {
  return static_cast<std::size_t>(number_arg(args, "limit", 1, kMaxRows).value_or(kMaxRows));
}

// ---- the commands

Json cmd_status(Backend& b, const Json&) {
  return render_status(b.status());
}

Json cmd_calls(Backend& b, const Json& args) {
  const auto state = string_arg(args, "state");
  const auto address = string_arg(args, "address");
  const auto dir = direction_arg(args);
  const auto ent = entity_arg(b, args);
  const std::size_t limit = limit_arg(args);
  auto rows = b.calls();
  std::sort(rows.begin(), rows.end(), [](const CallRow& x, const CallRow& y) {
    return std::tie(x.entity, x.cref, x.outgoing) < std::tie(y.entity, y.cref, y.outgoing);
  });
  Json a = Json::array();
  std::size_t matched = 0;
  for (const auto& c : rows) {
    if (state && !state_matches(c.state, c.state_code, *state)) continue;
    if (address && !((c.local && contains_ci(*c.local, *address)) ||
                     (c.remote && contains_ci(*c.remote, *address))))
      continue;
    if (dir && c.outgoing != *dir) continue;
    if (ent && c.entity != *ent) continue;
    if (++matched <= limit) a.push_back(render_call(c));
  }
  return Json{{"calls", a}, {"count", matched}, {"truncated", matched > limit}};
}

Json cmd_sockets(Backend& b, const Json& args) {
  const auto state = string_arg(args, "state");
  const std::size_t limit = limit_arg(args);
  auto rows = b.sockets();
  std::sort(rows.begin(), rows.end(),
            [](const SocketRow& x, const SocketRow& y) { return x.id < y.id; });
  Json a = Json::array();
  std::size_t matched = 0;
  for (const auto& s : rows) {
    if (state && !contains_ci(s.state, *state)) continue;
    if (++matched <= limit) a.push_back(render_socket(s));
  }
  return Json{{"sockets", a}, {"count", matched}, {"truncated", matched > limit}};
}

Json cmd_show(Backend& b, const Json& args) {
  const CallRow c = find_call(b, args);
  Json j = render_call(c);
  j["trace"] = render_trace(b.trace_of(c), kMaxRows);
  return Json{{"call", j}};
}

Json cmd_release(Backend& b, const Json& args) {
  const CallRow c = find_call(b, args);
  // Q.2931 cause 16, normal call clearing, unless the operator names one.
  const auto cause = static_cast<std::uint8_t>(number_arg(args, "cause", 1, 127).value_or(16));
  if (const auto why = b.release(c.entity, c.cref, c.outgoing, cause); !why.empty())
    throw Error("failed", why);
  return Json{{"released", render_call(c)}, {"cause", cause}};
}

// RESTART of a whole VPC (restart indicator class 1, Q.2931 §5.5.1): UNI 4.0
// and Q.2931 only, so on the entities named that have it.
Json restart_vpc(Backend& b, const Json& args, std::optional<std::size_t> ent) {
  if (args.contains("vc")) bad("vc and vpc: give one of them");
  const auto vpci = number_arg(args, "vpc", 0, 0xffff);
  const auto names = b.entity_names();
  Json ents = Json::array();
  std::vector<std::size_t> targets;
  for (std::size_t i = 0; i < names.size(); ++i)
    if ((!ent || *ent == i) && b.restarts_vpc(i)) targets.push_back(i);
  if (targets.empty())
    throw Error("failed", std::string("RESTART of a VPC (class 1) needs UNI 4.0 or Q.2931: ") +
                              (ent ? "entity " + names[*ent] + " has not" : "no entity has"));
  for (std::size_t i : targets) {
    if (const auto why =
            b.restart(i, std::make_pair(static_cast<std::uint16_t>(*vpci), std::uint16_t{0}), true);
        !why.empty())
      throw Error("failed", why);
    ents.push_back(names[i]);
  }
  return Json{{"restart", "VPC " + std::to_string(*vpci)}, {"entities", ents}};
}

Json cmd_restart(Backend& b, const Json& args) {
  const auto ent = entity_arg(b, args);
  if (args.contains("vpc")) return restart_vpc(b, args, ent);
  std::optional<std::pair<std::uint16_t, std::uint16_t>> vc;
  if (const auto v = string_arg(args, "vc")) {
    const auto dot = v->find('.');
    const auto vpci = dot == std::string::npos ? std::nullopt : parse_unsigned(v->substr(0, dot));
    const auto vci = dot == std::string::npos ? std::nullopt : parse_unsigned(v->substr(dot + 1));
    if (!vpci || !vci || *vpci > 0xffff || *vci > 0xffff)
      bad("vc: \"" + *v + "\" is not VPCI.VCI (e.g. 0.32)");
    vc = std::make_pair(static_cast<std::uint16_t>(*vpci), static_cast<std::uint16_t>(*vci));
  }
  if (const auto why = b.restart(ent, vc, false); !why.empty()) throw Error("failed", why);
  const auto names = b.entity_names();
  Json ents = Json::array();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (!ent || *ent == i) ents.push_back(names[i]);
  return Json{{"restart", vc ? "VC " + std::to_string(vc->first) + "." + std::to_string(vc->second)
                             : std::string("all VCs")},
              {"entities", ents}};
}

Json cmd_log(Backend& b, const Json& args) {
  const auto group = string_arg(args, "group");
  const auto level = string_arg(args, "level");
  if (!group) bad("missing argument: group");
  if (!level) bad("missing argument: level");
  std::vector<std::string> groups{"all"};
  for (std::size_t g = 0; g < log::kGroups; ++g)
    groups.emplace_back(log::group_name(static_cast<log::Group>(g)));
  if (std::find(groups.begin(), groups.end(), *group) == groups.end()) {
    std::string list;
    for (const auto& g : groups) list += (list.empty() ? "" : ", ") + g;
    bad("no log group \"" + *group + "\" (" + list + ")");
  }
  static const std::vector<std::string> kLevels{"debug", "info", "warn", "error", "fatal"};
  if (std::find(kLevels.begin(), kLevels.end(), *level) == kLevels.end())
    bad("no log level \"" + *level + "\" (debug, info, warn, error, fatal)");
  if (const auto why = b.set_log_level(*group, *level); !why.empty()) throw Error("failed", why);
  // Until SIGHUP: a reload re-applies atmsigd.conf, its levels included.
  return Json{{"group", *group}, {"level", *level}, {"until", "reload"}};
}

Json cmd_trace(Backend& b, const Json& args) {
  const auto lines = b.trace();
  const std::size_t limit = limit_arg(args);
  return Json{{"trace", render_trace(lines, limit)}, {"entries", lines.size()}};
}

}  // namespace

std::optional<std::string> string_arg(const Json& args, const char* key) {
  if (!args.contains(key)) return std::nullopt;
  const Json& v = args[key];
  if (!v.is_string()) bad(std::string(key) + ": a string");
  return v.get<std::string>();
}

std::optional<std::uint64_t> number_arg(const Json& args, const char* key, std::uint64_t lo,
                                        std::uint64_t hi) {
  if (!args.contains(key)) return std::nullopt;
  const Json& v = args[key];
  std::optional<std::uint64_t> n;
  if (v.is_number_unsigned())
    n = v.get<std::uint64_t>();
  else if (v.is_string())
    n = parse_unsigned(v.get<std::string>());
  if (!n || *n < lo || *n > hi)
    bad(std::string(key) + ": a number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return n;
}

std::vector<Command> builtin_commands() {
  return {
      {"help", "", "the commands and their arguments", nullptr},  // filled by Protocol
      {"status", "",
       "version, mode, UNI version, uptime; per entity link, SSCF/SSCOP state and counters",
       cmd_status},
      {"calls", "[state] [address] [direction] [entity] [limit]",
       "the calls held: call reference, state, direction, addresses, VC, QoS, age", cmd_calls},
      {"sockets", "[state] [limit]", "the sockets of the user of signaling the demon knows",
       cmd_sockets},
      {"show", "call [direction] [entity]", "everything known about one call, its recent trace",
       cmd_show},
      {"release", "call [cause] [direction] [entity]",
       "release one call (RELEASE with the cause, default 16), the kernel told", cmd_release},
      {"restart", "[vc | vpc] [entity]",
       "RESTART of one VC (vc: VPCI.VCI), of one VPC (vpc: VPCI; UNI 4.0, Q.2931) or of all VCs",
       cmd_restart},
      {"log", "group level",
       "change a log group's level live (until a reload, SIGHUP, re-applies atmsigd.conf)",
       cmd_log},
      {"trace", "[limit]", "the trace buffer, oldest first", cmd_trace},
  };
}

Protocol::Protocol(Backend& backend) : backend_(backend) {
  for (auto& c : builtin_commands()) add(std::move(c));
  // help lists the table as it is when asked (commands added later included).
  add({"help", "", "the commands and their arguments", [this](Backend&, const Json&) {
         Json a = Json::array();
         for (const auto& c : commands_)
           a.push_back(Json{{"name", c.name}, {"args", c.args}, {"help", c.help}});
         return Json{{"commands", a}};
       }});
}

void Protocol::add(Command c) {
  for (auto& have : commands_)
    if (have.name == c.name) {
      have = std::move(c);
      return;
    }
  commands_.push_back(std::move(c));
}

Json Protocol::handle(const Json& request) {
  Json resp;
  try {
    if (!request.is_object()) throw Error("bad-request", "a request is a JSON object");
    if (request.contains("id")) resp["id"] = request["id"];
    if (!request.contains("command") || !request["command"].is_string())
      throw Error("bad-request", "missing \"command\" (a string)");
    const auto name = request["command"].get<std::string>();
    resp["command"] = name;
    const Json args = request.contains("args") ? request["args"] : Json::object();
    if (!args.is_object()) throw Error("bad-request", "\"args\" is a JSON object");
    const Command* cmd = nullptr;
    for (const auto& c : commands_)
      if (c.name == name) cmd = &c;
    if (cmd == nullptr || !cmd->handler)
      throw Error("unknown-command", "unknown command \"" + name + "\" (try help)");
    resp["result"] = cmd->handler(backend_, args);
    resp["ok"] = true;
  } catch (const Error& e) {
    resp["ok"] = false;
    resp["error"] = Json{{"code", e.code}, {"message", e.what()}};
  } catch (const Json::exception& e) {
    resp["ok"] = false;
    resp["error"] = Json{{"code", "bad-argument"}, {"message", e.what()}};
  }
  return resp;
}

std::string Protocol::handle_line(std::string_view line) {
  Json resp;
  if (line.size() > kMaxRequest) return error_line("request-too-long", "request too long");
  Json req = Json::parse(line.begin(), line.end(), nullptr, false);
  if (req.is_discarded())
    resp = Json{{"ok", false}, {"error", {{"code", "bad-request"}, {"message", "not JSON"}}}};
  else
    resp = handle(req);
  // Text from the network side (addresses) is not trusted to be UTF-8.
  return resp.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string Protocol::error_line(const std::string& code, const std::string& message) {
  return Json{{"ok", false}, {"error", {{"code", code}, {"message", message}}}}.dump() + "\n";
}

}  // namespace atmsigd::control
