// atmsigctl: the demon's control socket from the command line
// (docs/control.md, atmsigctl(8)). One request, one response; tables like
// ss(8) by default, the demon's JSON with -j.
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "atmsigd/control/stats_render.hpp"

namespace {

using Json = nlohmann::json;
constexpr const char* kDefaultSocket = "/run/atmsigd/atmsigd.ctl";

struct Failure {
  std::string message;
  int status = 1;
};

// Connects, sends one request line, reads one response line.
Json ask(const std::string& path, const Json& request, int timeout_ms) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) throw Failure{"socket path too long: " + path};
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Failure{std::string("socket: ") + std::strerror(errno)};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  timeval tv{};
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0) {
    const int e = errno;
    if (e == ENOENT || e == ECONNREFUSED)
      throw Failure{"the demon is not running (no control socket at " + path +
                    "; atmsigd --control, io control in atmsigd.conf)"};
    if (e == EACCES || e == EPERM)
      throw Failure{"permission denied on " + path +
                    " (its owner, group and mode: io control in atmsigd.conf)"};
    throw Failure{"cannot connect to " + path + ": " + std::strerror(e)};
  }
  const std::string line = request.dump() + "\n";
  for (std::size_t done = 0; done < line.size();) {
    const ssize_t n = ::send(fd, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Failure{std::string("cannot send the request: ") + std::strerror(errno)};
    done += static_cast<std::size_t>(n);
  }
  std::string in;
  char buf[65536];
  while (in.find('\n') == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      throw Failure{"the demon did not answer within " + std::to_string(timeout_ms) + " ms"};
    if (n < 0) throw Failure{std::string("cannot read the answer: ") + std::strerror(errno)};
    if (n == 0) throw Failure{"the demon closed the connection without an answer"};
    in.append(buf, static_cast<std::size_t>(n));
  }
  in.resize(in.find('\n'));
  Json resp = Json::parse(in, nullptr, false);
  if (resp.is_discarded() || !resp.is_object()) throw Failure{"the demon's answer is not JSON"};
  return resp;
}

std::string text(const Json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Columns padded to their widest cell, like ss(8); the last one is not padded.
void table(const std::vector<std::string>& head,
           const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (std::size_t i = 0; i < r.size(); ++i) {
      s += r[i];
      if (i + 1 < r.size()) s += std::string(w[i] - r[i].size() + 2, ' ');
    }
    std::cout << s << "\n";
  };
  line(head);
  for (const auto& r : rows) line(r);
}

std::string age_text(const Json& v) {
  if (!v.is_number()) return "-";
  auto s = v.get<std::int64_t>();
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  return buf;
}

std::string time_text(std::uint64_t usec) {
  const std::time_t t = static_cast<std::time_t>(usec / 1000000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%06llu", buf, static_cast<unsigned long long>(usec % 1000000));
  return out;
}

void print_status(const Json& r) {
  std::cout << "atmsigd " << text(r["version"]) << ", pid " << text(r["pid"]) << ", up "
            << age_text(r["uptime_s"]) << "\n"
            << "mode " << text(r["mode"]) << ", " << text(r["uni"]) << ", network side "
            << text(r["network"]) << "\n"
            << "user of signaling: " << text(r["user_of_signaling"]) << "\n"
            << "sockets " << text(r["sockets"]) << ", calls " << text(r["calls"]) << ", trace "
            << text(r["trace"]["entries"]) << "/" << text(r["trace"]["capacity"])
            << ", control clients " << text(r["control_clients"]) << "\n";
  if (r.contains("log")) {
    std::cout << "log level " << text(r["log"]["level"]);
    for (const auto& [g, l] : r["log"]["groups"].items()) std::cout << ", " << g << " " << text(l);
    if (r["log"].value("set_live", false))
      std::cout << " (set live with atmsigctl log: until a reload)";
    std::cout << "\n";
  }
  for (const auto& e : r["entities"]) {
    std::cout << "entity " << text(e["name"]) << " (" << text(e["side"]) << " side): link "
              << text(e["link"]) << ", SSCF " << text(e["sscf_state"]) << ", SSCOP "
              << text(e["sscop_state"]) << ", " << text(e["calls"]) << " call(s)\n ";
    for (const auto& [k, v] : e["counters"].items()) std::cout << " " << k << " " << text(v);
    std::cout << "\n";
  }
}

std::vector<std::string> call_cells(const Json& c, bool with_entity) {
  std::vector<std::string> r;
  if (with_entity) r.push_back(text(c["entity"]));
  r.push_back(text(c["cref"]) + "/" + text(c["direction"]));
  r.push_back(text(c["state"]));
  // null: none (an incoming call without a calling party); "unknown": the
  // demon's table of distinct addresses was full when the call came up.
  const bool unknown = c.value("details_unknown", false);
  auto detail = [&](const char* k) { return c[k].is_null() && unknown ? "unknown" : text(c[k]); };
  r.push_back(detail("local"));
  r.push_back(detail("remote"));
  r.push_back(text(c["vc"]));
  r.push_back(detail("qos"));
  r.push_back(age_text(c["age_s"]));
  return r;
}

void print_calls(const Json& r) {
  bool several = false;
  std::string first;
  for (const auto& c : r["calls"]) {
    if (first.empty()) first = text(c["entity"]);
    several |= text(c["entity"]) != first;
  }
  std::vector<std::string> head;
  if (several) head.push_back("Entity");
  for (const char* h : {"Cref", "State", "Local", "Remote", "VC", "QoS", "Age"}) head.push_back(h);
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : r["calls"]) rows.push_back(call_cells(c, several));
  table(head, rows);
  if (r.value("truncated", false))
    std::cout << "(" << text(r["count"]) << " calls, " << rows.size() << " shown)\n";
}

void print_sockets(const Json& r) {
  std::vector<std::vector<std::string>> rows;
  char vcc[32];
  for (const auto& s : r["sockets"]) {
    std::snprintf(vcc, sizeof vcc, "0x%llx",
                  static_cast<unsigned long long>(s["vcc"].get<std::uint64_t>()));
    rows.push_back(
        {vcc, text(s["state"]), text(s["local"]), text(s["pending"]), age_text(s["age_s"])});
  }
  table({"Vcc", "State", "Local", "Pending", "Age"}, rows);
}

void print_trace(const Json& lines) {
  for (const auto& l : lines)
    std::cout << time_text(l["usec"].get<std::uint64_t>()) << " " << text(l["text"]) << "\n";
}

void print_call(const Json& c) {
  for (const char* k : {"entity", "cref", "direction", "state", "state_code", "timer", "local",
                        "remote", "vc", "qos", "vcc", "socket_state", "age_s", "cause",
                        "cause_name", "modifying", "details_unknown"})
    std::cout << k << ": " << (std::string(k) == "age_s" ? age_text(c[k]) : text(c[k])) << "\n";
  if (c["vcc"].is_number_unsigned()) {
    char vcc[32];
    std::snprintf(vcc, sizeof vcc, "0x%llx",
                  static_cast<unsigned long long>(c["vcc"].get<std::uint64_t>()));
    std::cout << "vcc (hex): " << vcc << "\n";
  }
  std::cout << "trace:" << (c["trace"].empty() ? " none in the trace buffer" : "") << "\n";
  print_trace(c["trace"]);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"atmsigctl - the ATM signaling demon's control socket", "atmsigctl"};
  app.require_subcommand(1);
  std::string socket_path = kDefaultSocket;
  if (const char* env = std::getenv("ATMSIGCTL_SOCKET"); env != nullptr && *env != '\0')
    socket_path = env;
  bool json = false;
  int timeout_ms = 5000;
  app.add_option(
      "-s,--socket", socket_path,
      "the control socket (default " + std::string(kDefaultSocket) + ", or $ATMSIGCTL_SOCKET)");
  app.add_flag("-j,--json", json, "print the demon's JSON answer");
  app.add_option("--timeout", timeout_ms, "milliseconds to wait for the answer (default 5000)")
      ->check(CLI::Range(1, 600000));

  Json request;
  auto* status = app.add_subcommand("status", "version, mode, uptime, links, SSCOP");
  auto* calls = app.add_subcommand("calls", "the calls held (like ss)");
  std::string state, address, direction, entity;
  std::size_t limit = 0;
  calls->add_option("--state", state, "a state: active, U10, N3, 10, ...");
  calls->add_option("--address", address, "an address (or part of it), local or remote");
  calls->add_option("--direction", direction, "in or out")->check(CLI::IsMember({"in", "out"}));
  calls->add_option("--entity", entity, "a signaling entity (its VC)");
  calls->add_option("--limit", limit, "at most this many rows");
  auto* sockets = app.add_subcommand("sockets", "the sockets of the user of signaling");
  sockets->add_option("--state", state, "a socket state (part of its name)");
  auto* show = app.add_subcommand("show", "everything known about one call");
  auto* show_call = show->add_subcommand("call", "one call and its recent trace");
  show->require_subcommand(1);
  std::string cref;
  show_call->add_option("CREF", cref, "call reference (CREF, CREF/in, CREF/out)")->required();
  show_call->add_option("--entity", entity, "a signaling entity (its VC)");
  auto* release = app.add_subcommand("release", "release a call");
  std::optional<unsigned> cause;
  release->add_option("CREF", cref, "call reference (CREF, CREF/in, CREF/out)")->required();
  release->add_option("CAUSE", cause, "Q.2931 cause (default 16, normal call clearing)")
      ->check(CLI::Range(1, 127));
  release->add_option("--entity", entity, "a signaling entity (its VC)");
  auto* restart = app.add_subcommand("restart", "RESTART of one VC, of one VPC or of all");
  std::string vc;
  restart->add_option("VC", vc, "VPCI.VCI (none: every VC)");
  restart->add_option("--entity", entity, "a signaling entity (its VC; none: every one)");
  auto* restart_vpc =
      restart->add_subcommand("vpc", "RESTART of every VC of one VPC (UNI 4.0, Q.2931)");
  std::optional<unsigned> vpci;
  restart_vpc->add_option("VPCI", vpci, "the VPC's VPCI")->required()->check(CLI::Range(0, 65535));
  restart_vpc->add_option("--entity", entity, "a signaling entity (its VC; none: every one)");
  auto* log = app.add_subcommand("log", "change a log group's level live");
  std::string group, level;
  log->add_option("GROUP", group, "all, demon, io, saal, sig, policy")->required();
  log->add_option("LEVEL", level, "debug, info, warn, error, fatal")->required();
  auto* trace = app.add_subcommand("trace", "the trace buffer");
  trace->add_option("--limit", limit, "the last this many entries");
  auto* stats = app.add_subcommand(
      "stats", "counters: calls by cause, messages by type, SSCOP, links, queues");
  bool prometheus = false;
  stats->add_flag("--prometheus", prometheus,
                  "the Prometheus text format (for node-exporter's textfile collector)");
  auto* raw = app.add_subcommand("raw", "send any command with JSON arguments (printed as JSON)");
  std::string raw_command, raw_args;
  raw->add_option("COMMAND", raw_command, "the command")->required();
  raw->add_option("ARGS", raw_args, "its arguments, a JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  Json args = Json::object();
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) args[k] = v;
  };
  if (*status) {
    request["command"] = "status";
  } else if (*calls) {
    request["command"] = "calls";
    put("state", state);
    put("address", address);
    put("direction", direction);
    put("entity", entity);
    if (limit != 0) args["limit"] = limit;
  } else if (*sockets) {
    request["command"] = "sockets";
    put("state", state);
  } else if (*show) {
    request["command"] = "show";
    args["call"] = cref;
    put("entity", entity);
  } else if (*release) {
    request["command"] = "release";
    args["call"] = cref;
    if (cause) args["cause"] = *cause;
    put("entity", entity);
  } else if (*restart) {
    request["command"] = "restart";
    put("vc", vc);
    if (*restart_vpc) args["vpc"] = *vpci;
    put("entity", entity);
  } else if (*log) {
    request["command"] = "log";
    args["group"] = group;
    args["level"] = level;
  } else if (*trace) {
    request["command"] = "trace";
    if (limit != 0) args["limit"] = limit;
  } else if (*stats) {
    request["command"] = "stats";
    if (prometheus) args["format"] = "prometheus";
  } else if (*raw) {
    request["command"] = raw_command;
    if (!raw_args.empty()) {
      args = Json::parse(raw_args, nullptr, false);
      if (args.is_discarded() || !args.is_object()) {
        std::cerr << "atmsigctl: ARGS is not a JSON object\n";
        return 2;
      }
    }
    json = true;
  }
  request["args"] = args;

  Json resp;
  try {
    resp = ask(socket_path, request, timeout_ms);
  } catch (const Failure& f) {
    std::cerr << "atmsigctl: " << f.message << "\n";
    return f.status;
  }
  if (json) {
    std::cout << resp.dump(2) << "\n";
    return resp.value("ok", false) ? 0 : 1;
  }
  if (!resp.value("ok", false)) {
    const Json& e = resp.contains("error") ? resp["error"] : Json::object();
    std::cerr << "atmsigctl: " << e.value("message", std::string("the demon refused")) << " ("
              << e.value("code", std::string("error")) << ")\n";
    return 1;
  }
  const Json& r = resp["result"];
  const std::string cmd = request["command"];
  if (cmd == "status")
    print_status(r);
  else if (cmd == "calls")
    print_calls(r);
  else if (cmd == "sockets")
    print_sockets(r);
  else if (cmd == "show")
    print_call(r["call"]);
  else if (cmd == "release")
    std::cout << "call " << text(r["released"]["cref"]) << "/" << text(r["released"]["direction"])
              << " released with cause " << text(r["cause"]) << "\n";
  else if (cmd == "restart")
    std::cout << "RESTART of " << text(r["restart"]) << " sent on " << r["entities"].size()
              << " entit" << (r["entities"].size() == 1 ? "y" : "ies") << "\n";
  else if (cmd == "log")
    std::cout << "log group " << text(r["group"]) << " at level " << text(r["level"])
              << " (until a reload, SIGHUP, re-applies atmsigd.conf's levels)\n";
  else if (cmd == "trace")
    print_trace(r["trace"]);
  else if (cmd == "stats")
    std::cout << (prometheus ? r.value("text", std::string()) : atmsigd::control::stats_table(r));
  return 0;
}
