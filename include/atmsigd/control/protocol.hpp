// The control socket's protocol (issue 18, docs/control.md): one JSON
// request per line in, one JSON response per line out. This layer parses the
// request, finds the command in its table, runs the handler against a
// Backend (what the commands see of the demon) and renders the answer. No
// socket, no clock: the shell's acceptor (src/io/control_server.cpp) only
// moves lines, and tests drive it with a fake Backend.
//
//   control::Protocol p(backend);            // the built-in commands
//   p.add({"stats", "", "counters", handler}); // one entry per command
//   std::string reply = p.handle_line(R"({"command":"calls"})");
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atmsigd::control {

using Json = nlohmann::json;

// A request line longer than this is refused (and the client closed).
inline constexpr std::size_t kMaxRequest = 64 * 1024;
// calls / sockets / trace answer at most this many rows ("truncated": true).
inline constexpr std::size_t kMaxRows = 10000;

// ---- what the commands see of the demon

struct EntityStatus {
  std::string name;  // its signaling VC, "0.0.5"
  std::string side;  // "user" or "network"
  bool link_up = false;
  std::string sscf_state;
  std::string sscop_state;
  std::size_t calls = 0;
  // The entity's counters that are one number, named as in `stats` (its
  // table: src/control/stats_render.cpp).
  std::map<std::string, std::uint64_t> counters;
};

struct Status {
  std::string version;
  std::string mode;     // user | network | switch
  std::string uni;      // "UNI 3.1", as the status dump says it
  std::string network;  // uni | loopback | refuse
  long pid = 0;
  std::int64_t uptime_s = 0;
  std::string user_of_signaling;  // the transport's description
  std::size_t sockets = 0;
  std::size_t calls = 0;
  std::vector<EntityStatus> entities;
  std::size_t trace_entries = 0;
  std::size_t trace_capacity = 0;
  std::size_t control_clients = 0;
  // The log levels in force: the default and each group's, and whether
  // `log` changed them since the configuration was (re)read (a SIGHUP
  // re-applies atmsigd.conf's levels).
  std::string log_level;
  std::map<std::string, std::string> log_groups;
  bool log_levels_set_live = false;
};

// One call: call control's view (call reference, state) joined with the
// socket table's (vcc, socket state, age); the addresses and QoS are call
// control's, kept for the call's whole life.
struct CallRow {
  std::size_t entity = 0;
  std::string entity_name;
  std::uint32_t cref = 0;
  bool outgoing = false;
  std::uint8_t state_code = 0;
  std::string state;  // "U10 Active"
  std::string timer;  // the state's timer if it runs
  std::optional<std::string> local, remote, qos, vc;
  std::optional<std::uint64_t> vcc;
  std::optional<std::string> socket_state;
  std::optional<std::int64_t> age_s;
  std::uint8_t cause = 0;
  std::string cause_name;
  bool modifying = false;
  bool details_unknown = false;  // an address or the QoS not kept (call control's table full)
};

struct SocketRow {
  std::uint64_t vcc = 0;
  std::uint64_t id = 0;
  std::string state;
  std::optional<std::string> local;  // a listener's address
  std::size_t pending = 0;
  std::int64_t age_s = 0;
};

struct TraceLine {
  std::uint64_t usec = 0;  // wall clock, microseconds since the epoch
  std::string text;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Status status() const = 0;
  virtual std::vector<CallRow> calls() const = 0;
  virtual std::vector<SocketRow> sockets() const = 0;
  virtual std::vector<TraceLine> trace() const = 0;
  // The trace lines that name this call (its vcc, its VC).
  virtual std::vector<TraceLine> trace_of(const CallRow& call) const = 0;
  // The actions: an empty string when done, else why not.
  virtual std::string release(std::size_t entity, std::uint32_t cref, bool outgoing,
                              std::uint8_t cause) = 0;
  // RESTART (Q.2931 §5.5.1) on `entity` (none: every one): of VC `vc`, of
  // its whole VPC (vpc: class 1, vc's VCI ignored) or of every VC (no vc).
  virtual std::string restart(std::optional<std::size_t> entity,
                              std::optional<std::pair<std::uint16_t, std::uint16_t>> vc,
                              bool vpc) = 0;
  // Whether `entity` can restart a whole VPC (class 1: UNI 4.0, Q.2931).
  virtual bool restarts_vpc(std::size_t entity) const = 0;
  virtual std::string set_log_level(const std::string& group, const std::string& level) = 0;
  // Signaling entities by name (for "entity": NAME arguments).
  virtual std::vector<std::string> entity_names() const = 0;
};

// ---- errors a handler throws; the dispatcher turns them into the response

struct Error : std::runtime_error {
  Error(std::string c, const std::string& message)
      : std::runtime_error(message), code(std::move(c)) {}
  std::string code;  // unknown-command, bad-argument, not-found, failed, bad-request
};

// ---- the command table

using Handler = std::function<Json(Backend&, const Json& args)>;
struct Command {
  std::string name;
  std::string args;  // what it takes, for help: "call CREF [direction] [entity]"
  std::string help;  // one line
  Handler handler;
};

// The built-in commands: help, status, calls, sockets, show, release,
// restart, log, trace.
std::vector<Command> builtin_commands();

class Protocol {
 public:
  explicit Protocol(Backend& backend);
  // Adds a command (or replaces one of the same name).
  void add(Command c);
  const std::vector<Command>& commands() const { return commands_; }
  // One request -> one response object.
  Json handle(const Json& request);
  // One request line (without its newline) -> one response line (with it).
  std::string handle_line(std::string_view line);
  // The response to a request refused before it was read (too long, too many clients).
  static std::string error_line(const std::string& code, const std::string& message);

 private:
  Backend& backend_;
  std::vector<Command> commands_;
};

// ---- argument helpers (also for commands added elsewhere)

// args[key] as a string (absent: none; not a string: bad-argument).
std::optional<std::string> string_arg(const Json& args, const char* key);
// args[key] as an unsigned integer in [lo, hi]; a number or a numeric string.
std::optional<std::uint64_t> number_arg(const Json& args, const char* key, std::uint64_t lo,
                                        std::uint64_t hi);

}  // namespace atmsigd::control
