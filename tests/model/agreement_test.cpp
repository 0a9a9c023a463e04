// The C++ socket table against the Promela model of the kernel protocol
// (model/atmsvc.pml, docs/model.md), step by step.
//
// The model's demon prints each of its steps as one line:
//   @step <before> | <input> | <output>; ... | <after>
// where a state is the demon's socket state by vcc (numerically SockState),
// the listen FIFO (call/gone) and the number of calls offered so far.
//
// ExhaustiveWalk: pan built with -DPRINTF (tests/model/CMakeLists.txt) prints
// every demon step of the whole state space (each state's once). The distinct
// steps form a graph over the demon's states; each step is replayed into a
// fresh SocketTable along a shortest path from the initial state, and every
// step of the path must give what the model gives: the same frames to the
// kernel (type, vcc, reply), the same requests to call control, the same
// socket states and FIFO length afterwards.
//
// RandomRuns: whole random simulations (spin -n<seed>) of the model, with the
// demon's death and both release variants, replayed run by run into one
// table each.
//
// Q.2963.1 (MODIFY, a walker of its own and half the random runs): the
// kernel's as_modify to call control and CC-MODIFY-RESULT back as as_okay;
// CC-MODIFY-QOS as the demon's as_modify, ActiveQosWait, and the kernel's
// as_okay / as_error back to call control; with every crossing (close,
// release, the two modifications).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"

namespace atmsigd::test {
namespace {

using namespace atmsigd::atmsvc;

const char* const kAddrA = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";  // the listener's
const char* const kAddrB = "47.0005.80ffe1000000f21a26d8.0020ea000ee1.00";  // the far end
constexpr Vcc kVccBase = 0x1000;   // model vcc v is the kernel's vcc kVccBase + v
constexpr CallId kCallBase = 100;  // model call c is call control's call kCallBase + c
constexpr int kListenVcc = 2;      // V_LISTEN

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> v;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) v.push_back(trim(part));
  return v;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream in(s);
  for (std::string w; in >> w;) v.push_back(w);
  return v;
}

// The model's reply codes (R_*).
int errno_of(int r) {
  switch (r) {
    case 0:
      return 0;
    case 1:
      return -ECONNREFUSED;
    case 2:
      return -ECONNRESET;
    case 3:
      return -ECONNABORTED;
    case 4:
      return -EBADFD;
    case 5:
      return -EINVAL;
  }
  ADD_FAILURE() << "unknown reply code " << r;
  return -EPROTO;
}

std::string code_of(int err) {
  switch (err) {
    case 0:
      return "0";
    case -ECONNREFUSED:
      return "1";
    case -ECONNRESET:
      return "2";
    case -ECONNABORTED:
      return "3";
    case -EBADFD:
      return "4";
    case -EINVAL:
      return "5";
  }
  return "errno" + std::to_string(err);
}

const std::map<std::string, int> kTypes = {
    {"connect", as_connect}, {"listen", as_listen},     {"accept", as_accept},
    {"reject", as_reject},   {"close", as_close},       {"okay", as_okay},
    {"error", as_error},     {"indicate", as_indicate}, {"modify", as_modify}};

std::string type_name(int t) {
  for (const auto& [name, type] : kTypes)
    if (type == t) return name;
  return "type" + std::to_string(t);
}

// A demon state as the model prints it.
struct DemonState {
  std::vector<int> sockets;  // by vcc 1..n
  std::size_t fifo = 0;
};

DemonState parse_state(const std::string& s) {
  DemonState d;
  bool in_fifo = false;
  for (const auto& w : words(s)) {
    if (w == "q") {
      in_fifo = true;
    } else if (w[0] == 'n') {
      break;
    } else if (in_fifo) {
      ++d.fifo;
    } else {
      d.sockets.push_back(std::stoi(w));
    }
  }
  return d;
}

struct Step {
  std::string before, input, after;
  std::vector<std::string> outputs;
  std::string line;
};

std::optional<Step> parse_step(const std::string& line) {
  if (line.rfind("@step ", 0) != 0) return std::nullopt;
  auto f = split(line.substr(6), '|');
  if (f.size() != 4) {
    ADD_FAILURE() << "malformed step: " << line;
    return std::nullopt;
  }
  Step s{f[0], f[1], f[3], {}, line};
  for (const auto& o : split(f[2], ';'))
    if (!o.empty()) s.outputs.push_back(o);
  return s;
}

// (state, event) cells of the matrix the steps went through.
using Cell = std::pair<std::string, std::string>;

// One SocketTable fed with the model's inputs; its outputs rendered in the
// model's words.
class Replayer {
 public:
  // Feeds one step; returns what differs from the model (empty: agrees).
  std::string step(const Step& s, std::set<Cell>* cells) {
    const DemonState before = parse_state(s.before);
    const DemonState after = parse_state(s.after);
    const std::size_t n = before.sockets.size();
    std::map<SockId, int> id_before;
    for (std::size_t v = 1; v <= n; ++v)
      if (auto id = table_.sock_id_of(vcc(static_cast<int>(v))))
        id_before[*id] = static_cast<int>(v);

    std::string diff;
    for (std::size_t v = 1; v <= n; ++v)
      if (state(static_cast<int>(v)) != before.sockets[v - 1])
        diff += " vcc " + std::to_string(v) + " is in " + state_name(table_state(v)) +
                " before the step;";
    if (!diff.empty()) return diff;

    std::vector<Action> out;
    const auto in = words(s.input);
    if (in.empty()) return "no input";
    if (in[0] == "k") {
      const int t = kTypes.at(in[1]);
      const int v = std::stoi(in[2]), lv = std::stoi(in[3]), r = std::stoi(in[4]);
      Message m = frame(t, v, lv, r);
      const int named = (t == as_accept || t == as_reject) ? lv : v;
      note(cells, named,
           t == as_connect  ? SockEvent::kKernelConnect
           : t == as_listen ? SockEvent::kKernelListen
           : t == as_accept ? SockEvent::kKernelAccept
           : t == as_reject ? SockEvent::kKernelReject
           : t == as_modify ? SockEvent::kKernelModify
           : t == as_okay   ? SockEvent::kKernelOkay
           : t == as_error  ? SockEvent::kKernelError
                            : SockEvent::kKernelClose);
      table_.from_kernel(m, now_, out);
    } else if (in[0] == "cc" && in[1] == "established") {
      const int v = std::stoi(in[2]);
      note(cells, v, SockEvent::kCcEstablished);
      CcEstablished e{};
      e.sock = id_of(v);
      e.pvc.sap_family = AF_ATMPVC;
      e.pvc.sap_addr.vci = 32 + v;
      e.local = kemu::svc_address(kAddrA);
      e.qos = kemu::qos_from_text("ubr");
      table_.from_call_control(CcEvent(e), now_, out);
    } else if (in[0] == "cc" && in[1] == "released") {
      const int v = std::stoi(in[2]);
      note(cells, v, SockEvent::kCcReleased);
      table_.from_call_control(CcEvent(CcReleased{id_of(v), errno_of(std::stoi(in[3]))}), now_,
                               out);
    } else if (in[0] == "cc" && in[1] == "incoming") {
      CcIncoming i{};
      i.call = kCallBase + std::stoul(in[2]);
      i.pvc.sap_family = AF_ATMPVC;
      i.pvc.sap_addr.vci = 64 + std::stoi(in[2]);
      i.called = kemu::svc_address(kAddrA);
      i.calling = kemu::svc_address(kAddrB);
      i.sap = kemu::sap_from_text("");
      i.qos = kemu::qos_from_text("ubr");
      table_.from_call_control(CcEvent(i), now_, out);
    } else if (in[0] == "cc" && in[1] == "modresult") {
      const int v = std::stoi(in[2]);
      note(cells, v, SockEvent::kCcModifyResult);
      table_.from_call_control(CcEvent(CcModifyResult{id_of(v), errno_of(std::stoi(in[3]))}), now_,
                               out);
    } else if (in[0] == "cc" && in[1] == "modqos") {
      const int v = std::stoi(in[2]);
      note(cells, v, SockEvent::kCcModifyQos);
      table_.from_call_control(
          CcEvent(CcModifyQos{id_of(v), kemu::qos_from_text("cbr:max_pcr=1000"), 0}), now_, out);
    } else if (in[0] == "cc" && in[1] == "gone") {
      table_.from_call_control(CcEvent(CcIncomingGone{kCallBase + std::stoul(in[2])}), now_, out);
    } else if (in[0] == "timeout") {
      note(cells, std::stoi(in[1]), SockEvent::kZombieTimeout);
      const auto deadline = table_.next_deadline();
      if (!deadline) return "the model's guard timer expires, the table has no deadline";
      now_ = *deadline;
      table_.handle_timeouts(now_, out);
    } else if (in[0] == "shutdown") {
      table_.shutdown(out);
    } else {
      return "unknown input '" + s.input + "'";
    }

    std::vector<std::string> got = render(out, id_before, n);
    if (got != s.outputs) {
      diff += " outputs: table [";
      for (const auto& g : got) diff += g + "; ";
      diff += "] model [";
      for (const auto& o : s.outputs) diff += o + "; ";
      diff += "];";
    }
    for (std::size_t v = 1; v <= n; ++v)
      if (state(static_cast<int>(v)) != after.sockets[v - 1])
        diff += std::string(" vcc ") + std::to_string(v) + ": table " + state_name(table_state(v)) +
                ", model " + state_name(static_cast<SockState>(after.sockets[v - 1])) + ";";
    if (table_.pending_count(vcc(kListenVcc)) != after.fifo)
      diff += " FIFO: table " + std::to_string(table_.pending_count(vcc(kListenVcc))) + ", model " +
              std::to_string(after.fifo) + ";";
    return diff;
  }

  std::size_t socket_count() const { return table_.socket_count(); }

 private:
  static Vcc vcc(int v) { return kVccBase + static_cast<Vcc>(v); }
  SockState table_state(std::size_t v) const {
    return table_.state_of(vcc(static_cast<int>(v))).value_or(SockState::kNull);
  }
  int state(int v) const { return static_cast<int>(table_state(static_cast<std::size_t>(v))); }
  SockId id_of(int v) const { return table_.sock_id_of(vcc(v)).value_or(0); }

  void note(std::set<Cell>* cells, int v, SockEvent e) const {
    if (cells != nullptr)
      cells->insert({state_name(table_state(static_cast<std::size_t>(v))), event_name(e)});
  }

  Message frame(int t, int v, int lv, int r) {
    if (t == as_connect)
      return kernel_.connect(vcc(v), kemu::svc_address(""), kemu::svc_address(kAddrB),
                             kemu::qos_from_text("ubr"), kemu::sap_from_text(""));
    if (t == as_listen)
      return kernel_.listen(vcc(v), kemu::svc_address(kAddrA), kemu::qos_from_text("ubr"),
                            kemu::sap_from_text(""));
    Message m(static_cast<enum atmsvc_msg_type>(t));
    if (v != 0) m.set_vcc(vcc(v));
    if (lv != 0) m.set_listen_vcc(vcc(lv));
    if (t == as_reject || t == as_okay || t == as_error) m.set_reply(errno_of(r));
    if (t == as_modify) m.raw().qos = kemu::qos_from_text("cbr:max_pcr=2000");
    return m;
  }

  // The table's actions in the model's words: "k <type> <vcc> <reply>",
  // "cc connect <vcc>", "cc accept <call> <vcc>", "cc reject <call>
  // <reason> <reply>", "cc release <vcc>".
  std::vector<std::string> render(const std::vector<Action>& out,
                                  const std::map<SockId, int>& id_before, std::size_t n) const {
    std::map<SockId, int> id_after;
    for (std::size_t v = 1; v <= n; ++v)
      if (auto id = table_.sock_id_of(vcc(static_cast<int>(v))))
        id_after[*id] = static_cast<int>(v);
    auto v_of = [](const std::map<SockId, int>& ids, SockId id) {
      auto it = ids.find(id);
      return it == ids.end() ? "sock#" + std::to_string(id) : std::to_string(it->second);
    };
    auto model_vcc = [](Vcc x) {
      return x > kVccBase && x - kVccBase < 100 ? std::to_string(x - kVccBase)
                                                : "vcc" + std::to_string(x);
    };
    std::vector<std::string> r;
    for (const auto& a : out) {
      if (const auto* k = std::get_if<ToKernel>(&a)) {
        const Message& m = k->msg;
        r.push_back("k " + type_name(m.type()) + " " +
                    model_vcc(m.type() == as_indicate ? m.listen_vcc() : m.vcc()) + " " +
                    code_of(m.reply()));
      } else if (const auto* c = std::get_if<ToCallControl>(&a)) {
        std::visit(
            [&](const auto& q) {
              using T = std::decay_t<decltype(q)>;
              if constexpr (std::is_same_v<T, CcConnect>)
                r.push_back("cc connect " + v_of(id_after, q.sock));
              else if constexpr (std::is_same_v<T, CcAccept>)
                r.push_back("cc accept " + std::to_string(q.call - kCallBase) + " " +
                            v_of(id_after, q.sock));
              else if constexpr (std::is_same_v<T, CcReject>)
                r.push_back("cc reject " + std::to_string(q.call - kCallBase) + " " +
                            std::to_string(static_cast<int>(q.reason)) + " " + code_of(q.err));
              else if constexpr (std::is_same_v<T, CcRelease>)
                r.push_back("cc release " + v_of(id_before, q.sock));
              else if constexpr (std::is_same_v<T, CcModify>)
                r.push_back("cc modify " + v_of(id_before, q.sock));
              else if constexpr (std::is_same_v<T, CcModifyQosAnswer>)
                r.push_back("cc modanswer " + v_of(id_before, q.sock) + " " + code_of(q.err));
              else
                r.push_back("cc identify");
            },
            c->req);
      } else if (!std::holds_alternative<log::Event>(a)) {
        r.push_back("other action " + std::to_string(a.index()));
      }
    }
    return r;
  }

  SocketTable table_{SocketTableParams{.modification = true}};  // q.2963.1 on
  kemu::KernelModel kernel_;                                    // builds the frames only
  TimePoint now_{};
};

// Runs a command; its standard output, line by line.
std::vector<std::string> run(const std::string& cmd) {
  std::vector<std::string> lines;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    ADD_FAILURE() << "cannot run " << cmd;
    return lines;
  }
  std::string cur;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    cur += buf;
    if (!cur.empty() && cur.back() == '\n') {
      cur.pop_back();
      lines.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  const int rc = pclose(p);
  EXPECT_EQ(rc, 0) << cmd;
  return lines;
}

// A scratch directory of our own (spin writes temporary files into the
// current directory), removed at the end.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "atmsvc-model-XXXXXX").string();
    if (mkdtemp(t.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path = t;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// The cells of transitions() that the model's protocol goes through: every
// cell the kernel and call control of appendix A can reach. (The other cells
// are answers to what the protocol does not allow, or to switch mode, and
// are walked by tests/atmsvc/matrix_test.cpp.)
const std::set<Cell> kProtocolCells = {
    {"Null", "as_connect"},
    {"Null", "as_listen"},
    {"Null", "as_reject"},  // after the guard timer rejected it
    {"Null", "as_close"},   // stray close (fig. 10)
    {"Connecting", "as_close"},
    {"Connecting", "CC-ESTABLISHED"},
    {"Connecting", "CC-RELEASED"},
    {"Accepting", "as_close"},
    {"Accepting", "CC-ESTABLISHED"},
    {"Accepting", "CC-RELEASED"},
    {"Active", "as_close"},
    {"Active", "CC-RELEASED"},
    {"ClosingByDemon", "as_close"},
    {"Listening", "as_accept"},
    {"Listening", "as_reject"},
    {"Listening", "as_close"},
    {"ListenZombie", "as_reject"},
    {"ListenZombie", "ZOMBIE-TIMEOUT"},
    // Q.2963.1 (walk_modify)
    {"Active", "as_modify"},
    {"Active", "CC-MODIFY-RESULT"},
    {"Active", "CC-MODIFY-QOS"},
    {"ActiveQosWait", "as_okay"},
    {"ActiveQosWait", "as_error"},
    {"ActiveQosWait", "as_close"},
    {"ActiveQosWait", "as_modify"},
    {"ActiveQosWait", "CC-RELEASED"},
    {"ActiveQosWait", "CC-MODIFY-RESULT"},
    {"ClosingByDemon", "as_modify"},
    {"ClosingByDemon", "as_okay"},
    {"ClosingByDemon", "as_error"},
};

struct WalkResult {
  std::size_t steps = 0;     // distinct demon steps of the model
  std::size_t states = 0;    // distinct demon states
  std::size_t replayed = 0;  // table steps fed (paths included)
  std::size_t disagreements = 0;
};

// Every distinct step the walker prints, replayed along a shortest path.
WalkResult walk(const std::string& walker, std::set<Cell>& cells) {
  WalkResult w;
  ScratchDir dir;
  std::unordered_set<std::string> seen;
  std::vector<Step> steps;
  bool errors_zero = false;
  for (const auto& line : run("cd '" + dir.path.string() + "' && '" + walker + "' -m100000")) {
    if (line.find("errors: 0") != std::string::npos) errors_zero = true;
    if (line.rfind("@step ", 0) != 0 || !seen.insert(line).second) continue;
    if (auto s = parse_step(line)) steps.push_back(*s);
  }
  EXPECT_TRUE(errors_zero) << walker << " found an error in the model";
  w.steps = steps.size();

  // Breadth first from the initial state: the step that first reached each state.
  std::unordered_map<std::string, std::vector<std::size_t>> from;
  for (std::size_t i = 0; i < steps.size(); ++i) from[steps[i].before].push_back(i);
  std::string initial;
  for (const auto& s : steps) {
    const DemonState d = parse_state(s.before);
    bool all_null = d.fifo == 0 && s.before.find(" n0") != std::string::npos;
    for (int x : d.sockets) all_null = all_null && x == 0;
    if (all_null) initial = s.before;
  }
  EXPECT_FALSE(initial.empty()) << "no step from the initial state";
  std::unordered_map<std::string, std::optional<std::size_t>> reached_by{{initial, std::nullopt}};
  std::deque<std::string> queue{initial};
  while (!queue.empty()) {
    const std::string st = queue.front();
    queue.pop_front();
    for (std::size_t i : from[st])
      if (reached_by.emplace(steps[i].after, i).second) queue.push_back(steps[i].after);
  }
  w.states = reached_by.size();

  for (const auto& s : steps) {
    auto it = reached_by.find(s.before);
    if (it == reached_by.end()) {
      ADD_FAILURE() << "step from a state no path reaches: " << s.line;
      continue;
    }
    std::vector<const Step*> path{&s};
    for (auto p = it->second; p; p = reached_by.at(steps[*p].before)) path.push_back(&steps[*p]);
    Replayer r;
    for (auto k = path.rbegin(); k != path.rend(); ++k) {
      ++w.replayed;
      const std::string diff = r.step(**k, k + 1 == path.rend() ? &cells : nullptr);
      if (!diff.empty()) {
        // The first few in full; the rest only counted (a changed cell
        // breaks every path through it).
        if (++w.disagreements <= 5)
          ADD_FAILURE() << "the table disagrees with the model at\n  " << (*k)->line << "\n "
                        << diff;
        break;
      }
    }
  }
  return w;
}

TEST(ModelAgreement, ExhaustiveWalk) {
  std::set<Cell> cells;
  const WalkResult two = walk(MODEL_WALK_TWO_CALLS, cells);
  const WalkResult death = walk(MODEL_WALK_DEATH, cells);
  const WalkResult modify = walk(MODEL_WALK_MODIFY, cells);
  std::printf(
      "model walk: two calls: %zu demon steps over %zu demon states; "
      "one call and the demon's death: %zu steps over %zu states; "
      "Q.2963.1: %zu steps over %zu states; %zu table steps replayed\n",
      two.steps, two.states, death.steps, death.states, modify.steps, modify.states,
      two.replayed + death.replayed + modify.replayed);
  EXPECT_EQ(two.disagreements + death.disagreements + modify.disagreements, 0u)
      << "steps where the table disagrees";
  EXPECT_GT(two.steps, 1000u);  // the model as checked: NCALL=2 has ~1700
  EXPECT_GT(death.steps, 300u);
  EXPECT_GT(modify.steps, 300u);

  std::set<Cell> matrix;
  for (const auto& t : transitions()) matrix.insert({state_name(t.state), event_name(t.event)});
  for (const auto& c : kProtocolCells) {
    EXPECT_TRUE(matrix.count(c) == 1) << c.first << " x " << c.second << " is not a cell";
    EXPECT_TRUE(cells.count(c) == 1)
        << "no step of the model went through " << c.first << " x " << c.second;
  }
  std::printf("model walk: %zu of the matrix's %zu cells\n", cells.size(), transitions().size());
}

TEST(ModelAgreement, RandomRuns) {
  ScratchDir dir;
  std::size_t steps = 0, finals = 0, deaths = 0;
  for (int seed = 1; seed <= 40; ++seed) {
    // The demon may die in half of the runs, the others have Q.2963.1
    // modifications; -DBIAS offers calls to a listener.
    const std::string cmd =
        "cd '" + dir.path.string() + "' && '" SPIN_EXECUTABLE "' -T -n" + std::to_string(seed) +
        " -DNCALL=2 -DVARIANTS=1 -DBIAS -DDEATH=" + (seed % 2 == 0 ? "1" : "0") +
        " -DMODIFY=" + (seed % 2 == 0 ? "0" : "1") + " '" ATMSVC_MODEL "' 2>&1";
    Replayer r;
    bool ended = false;
    for (const auto& line : run(cmd)) {
      ASSERT_EQ(line.find("assertion violated"), std::string::npos)
          << "seed " << seed << ": " << line;
      ASSERT_EQ(line.find("invalid end state"), std::string::npos)
          << "seed " << seed << ": " << line;
      if (line == "@final") ++finals, ended = true;
      if (line == "@dead") ++deaths, ended = true;
      auto s = parse_step(line);
      if (!s) continue;
      ++steps;
      const std::string diff = r.step(*s, nullptr);
      ASSERT_TRUE(diff.empty()) << "seed " << seed << ": the table disagrees with the model at\n  "
                                << s->line << "\n " << diff;
    }
    EXPECT_TRUE(ended) << "seed " << seed << ": the run did not end";
    EXPECT_EQ(r.socket_count(), 0u) << "seed " << seed << ": the table holds sockets at the end";
  }
  std::printf("random runs: 40 runs, %zu steps, %zu ended normally, %zu with the demon's death\n",
              steps, finals, deaths);
  EXPECT_EQ(finals + deaths, 40u);
}

}  // namespace
}  // namespace atmsigd::test
