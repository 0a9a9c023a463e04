// Walks every cell of the socket machines' transition matrix as src has it
// (transitions()): a socket is brought into the cell's state through the
// public interface, the cell's event is fed, and the outcome (the socket's
// state afterwards, the frames to the kernel, the requests to call control)
// is checked against what the cell's handler must do. as_identify exists
// only in switch mode, so its column is walked there; all others in user mode,
// once without Q.2963.1 and once with it (as_modify's cells differ).
#include <linux/atmdev.h>

#include <cerrno>
#include <map>
#include <set>

#include "harness.hpp"

namespace atmsigd::test {
namespace {

// The socket under test is kS (connections) or kL (listeners); as_accept and
// as_identify name the new socket kN.
constexpr Vcc kS = 0x1000, kL = 0x3000, kN = 0x4000;
constexpr SockId kGoneId = 999;  // never allocated: the socket of a Null cell
constexpr int kReleaseErr = -ECONNRESET;
constexpr int kModifyErr = -EAGAIN;
constexpr int kPartyEp = 5;       // call control's answer to as_addparty: the new leaf
constexpr unsigned kSession = 7;  // every connection under test is a Q.2971 root

struct Frame {
  int type;
  Vcc vcc;
  int reply;
  bool operator==(const Frame&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Frame& f) {
  return os << "{type " << f.type << ", vcc 0x" << std::hex << f.vcc << std::dec << ", reply "
            << f.reply << "}";
}

struct Outcome {
  std::vector<Frame> to_kernel;
  std::vector<std::size_t> to_cc;  // CcRequest alternatives, in order
  std::vector<log::Event> logs;
};

template <typename T>
std::size_t cc_index() {
  return CcRequest(T{}).index();
}

struct Probe {
  explicit Probe(bool in_switch_mode, bool with_modification = false)
      : table(params(in_switch_mode, with_modification)), switch_mode(in_switch_mode) {}
  static SocketTableParams params(bool in_switch_mode, bool with_modification) {
    SocketTableParams p;
    p.switch_mode = in_switch_mode;
    p.modification = with_modification;
    return p;
  }

  SocketTable table;
  bool switch_mode;
  TimePoint now{};
  Vcc subject = kS;
  SockId id = kGoneId;

  Outcome run(const std::vector<Action>& out) {
    Out sorted = split(out);
    Outcome o;
    for (const auto& m : sorted.to_kernel) o.to_kernel.push_back({m.type(), m.vcc(), m.reply()});
    for (const auto& r : sorted.to_cc) o.to_cc.push_back(r.index());
    o.logs = std::move(sorted.logs);
    return o;
  }
  Outcome feed(const Message& m) {
    std::vector<Action> out;
    table.from_kernel(m, now, out);
    return run(out);
  }
  Outcome cc(const CcEvent& e) {
    std::vector<Action> out;
    table.from_call_control(e, now, out);
    return run(out);
  }
  Outcome timeouts() {
    now += seconds(60);
    std::vector<Action> out;
    table.handle_timeouts(now, out);
    return run(out);
  }

  Message connect(Vcc vcc) const {
    kemu::KernelModel k;
    Message m = k.connect(vcc, kemu::svc_address(kAddrA), kemu::svc_address(kAddrB),
                          kemu::qos_from_text("ubr"), kemu::sap_from_text(""));
    m.raw().session = kSession;
    if (switch_mode) {
      m.raw().pvc.sap_family = AF_ATMPVC;
      m.raw().pvc.sap_addr.vci = 900;
    }
    return m;
  }
  static Message listen(Vcc vcc, const char* addr) {
    kemu::KernelModel k;
    return k.listen(vcc, kemu::svc_address(addr), kemu::qos_from_text("ubr"),
                    kemu::sap_from_text(""));
  }
  static Message to_listener(int type, Vcc vcc, Vcc listener) {
    Message m(static_cast<enum atmsvc_msg_type>(type));
    m.set_vcc(vcc);
    m.set_listen_vcc(listener);
    if (type == as_identify) {
      m.raw().pvc.sap_family = AF_ATMPVC;
      m.raw().pvc.sap_addr.vci = 555;
    }
    if (type == as_reject) m.set_reply(-ECONNREFUSED);
    return m;
  }
  static Message on_vcc(int type, Vcc vcc) {
    Message m(static_cast<enum atmsvc_msg_type>(type));
    m.set_vcc(vcc);
    return m;
  }
  // ioctl ATM_ADDPARTY: the leaf in svc; ATM_DROPPARTY: the endpoint reference in reply.
  static Message add_party(Vcc vcc) {
    Message m = on_vcc(as_addparty, vcc);
    m.raw().svc = kemu::svc_address(kAddrB);
    return m;
  }
  static Message drop_party(Vcc vcc) {
    Message m = on_vcc(as_dropparty, vcc);
    m.set_reply(kPartyEp);
    return m;
  }

  // Brings the subject into state st through the public interface.
  void enter(SockState st) {
    switch (st) {
      case SockState::kNull:
        return;
      case SockState::kConnecting:
      case SockState::kActive:
      case SockState::kClosingByDemon:
      case SockState::kActiveQosWait:
      case SockState::kAddPartyWait:
      case SockState::kDropPartyWait:
        connected(st);
        return;
      case SockState::kAccepting:
        accepting();
        return;
      case SockState::kListening:
      case SockState::kListenZombie:
        listening(st);
        return;
    }
  }
  void connected(SockState st) {
    const Outcome o = feed(connect(kS));
    ASSERT_EQ(o.to_cc, std::vector<std::size_t>{cc_index<CcConnect>()});
    id = *table.sock_id_of(kS);
    if (st == SockState::kConnecting) return;
    Harness h;
    (void)cc(h.established(id));
    if (st == SockState::kActive) return;
    if (st == SockState::kActiveQosWait) {
      (void)cc(CcModifyQos{id, kemu::qos_from_text("ubr"), ATM_MF_SET});
      return;
    }
    if (st == SockState::kAddPartyWait || st == SockState::kDropPartyWait) {
      const Outcome party = feed(st == SockState::kAddPartyWait ? add_party(kS) : drop_party(kS));
      ASSERT_EQ(party.to_cc.size(), 1u);
      return;
    }
    (void)cc(CcReleased{id, kReleaseErr});
  }
  void accepting() {
    listening(SockState::kListening);
    subject = kS;
    if (switch_mode) (void)feed(to_listener(as_identify, kS, kL));
    (void)feed(to_listener(as_accept, kS, kL));
    id = *table.sock_id_of(kS);
  }
  // One indication (call 1) pending; ListenZombie: closed with it pending.
  void listening(SockState st) {
    subject = kL;
    (void)feed(listen(kL, kAddrA));
    Harness h;
    (void)cc(h.incoming(1));
    id = *table.sock_id_of(kL);
    if (st == SockState::kListenZombie) (void)feed(on_vcc(as_close, kL));
  }

  Outcome fire(SockEvent ev) {
    switch (ev) {
      case SockEvent::kKernelConnect:
        return feed(connect(subject));
      case SockEvent::kKernelListen:
        return feed(listen(subject, kAddrB));
      case SockEvent::kKernelAccept:
        return feed(to_listener(as_accept, kN, subject));
      case SockEvent::kKernelReject:
        return feed(to_listener(as_reject, 0, subject));
      case SockEvent::kKernelIdentify:
        return feed(to_listener(as_identify, kN, subject));
      case SockEvent::kKernelClose:
        return feed(on_vcc(as_close, subject));
      case SockEvent::kKernelModify:
        return feed(on_vcc(as_modify, subject));
      case SockEvent::kKernelAddParty:
        return feed(add_party(subject));
      case SockEvent::kKernelDropParty:
        return feed(drop_party(subject));
      case SockEvent::kCcEstablished: {
        Harness h;
        return cc(h.established(id));
      }
      case SockEvent::kCcReleased:
        return cc(CcReleased{id, kReleaseErr});
      case SockEvent::kZombieTimeout:
        return timeouts();
      case SockEvent::kKernelOkay:
        return feed(on_vcc(as_okay, subject));
      case SockEvent::kKernelError: {
        Message m = on_vcc(as_error, subject);
        m.set_reply(-EIO);
        return feed(m);
      }
      case SockEvent::kCcModifyResult:
        return cc(CcModifyResult{id, kModifyErr});
      case SockEvent::kCcModifyQos:
        return cc(CcModifyQos{id, kemu::qos_from_text("ubr"), ATM_MF_SET});
      case SockEvent::kCcAddPartyResult:
        return cc(CcAddPartyResult{id, kPartyEp});
      case SockEvent::kCcDropPartyResult:
        return cc(CcDropPartyResult{id, 0});
    }
    return {};
  }
};

// What each handler must do, in terms of the cell it is in.
struct Expect {
  std::optional<SockState> after;         // the subject's state; nullopt: no state
  std::vector<Frame> to_kernel;           // in order
  std::vector<std::size_t> to_cc;         // in order
  std::optional<SockState> new_socket{};  // as_accept / as_identify: kN's state
  bool warns_not_allowed = false;
};

int type_of(SockEvent ev) {
  return ev == SockEvent::kKernelAddParty ? as_addparty : as_dropparty;
}

std::optional<Expect> expect(const Transition& t, Vcc subject, bool modification) {
  const std::string h = t.handler;
  const std::optional<SockState> same =
      t.state == SockState::kNull ? std::nullopt : std::optional(t.state);
  const std::optional<SockState> gone;
  // A zombie listener goes with its last indication.
  const std::optional<SockState> listener_after = t.state == SockState::kListening ? same : gone;
  if (h == "not_allowed") return Expect{same, {}, {}, {}, true};
  if (h == "ignore") return Expect{same, {}, {}};
  if (h == "refuse_accept") return Expect{same, {{as_error, kN, -EINVAL}}, {}, gone, true};
  if (h == "refuse_modify_badfd") return Expect{same, {{as_okay, subject, -EBADFD}}, {}};
  // Q.2963.1: as the original, -ENOPROTOOPT without it on any known socket.
  if (h == "refuse_modify")
    return Expect{same, {{as_okay, subject, modification ? -EBADFD : -ENOPROTOOPT}}, {}};
  if (h == "refuse_modify_qos")
    return Expect{same, {}, {cc_index<CcModifyQosAnswer>()}, {}, t.state != SockState::kNull};
  if (h == "stray_qos_answer") return Expect{same, {}, {}};
  if (h == "cc_modify_result") return Expect{same, {{as_okay, subject, kModifyErr}}, {}};
  if (h == "null_cc_modify_result") return Expect{gone, {}, {}};
  if (h == "active_cc_modify_qos")
    return Expect{SockState::kActiveQosWait, {{as_modify, subject, ATM_MF_SET}}, {}};
  if (h == "qos_wait_answer")
    return Expect{SockState::kActive, {}, {cc_index<CcModifyQosAnswer>()}};
  if (h == "refuse_party_badfd") return Expect{same, {{type_of(t.event), subject, -EBADFD}}, {}};
  // Q.2971 (docs/multipoint.md): the subject is a root (connected with a session).
  if (h == "refuse_party_busy") return Expect{same, {{type_of(t.event), subject, -EALREADY}}, {}};
  if (h == "late_party_result") return Expect{same, {}, {}};
  if (h == "active_add_party")
    return Expect{SockState::kAddPartyWait, {}, {cc_index<CcAddParty>()}};
  if (h == "active_drop_party")
    return Expect{SockState::kDropPartyWait, {}, {cc_index<CcDropParty>()}};
  if (h == "party_wait_result")
    return t.event == SockEvent::kCcAddPartyResult
               ? Expect{SockState::kActive, {{as_addparty, subject, kPartyEp}}, {}}
               : Expect{SockState::kActive, {{as_dropparty, subject, 0}}, {}};
  if (h == "party_wait_cc_released")
    return Expect{
        SockState::kClosingByDemon,
        {{t.state == SockState::kAddPartyWait ? as_addparty : as_dropparty, subject, kReleaseErr},
         {as_close, subject, kReleaseErr}},
        {}};
  if (h == "release_and_ack_close")
    return Expect{gone, {{as_close, subject, 0}}, {cc_index<CcRelease>()}};
  if (h == "null_connect") return Expect{SockState::kConnecting, {}, {cc_index<CcConnect>()}};
  if (h == "null_listen") return Expect{SockState::kListening, {{as_okay, subject, 0}}, {}};
  if (h == "null_unknown_listener") return Expect{gone, {{as_error, kN, -EINVAL}}, {}, gone};
  if (h == "null_reject" || h == "null_close" || h == "null_cc_released")
    return Expect{gone, {}, {}};
  if (h == "null_cc_established") return Expect{gone, {}, {cc_index<CcRelease>()}};
  if (h == "connecting_cc_established")
    return Expect{SockState::kActive, {{as_okay, subject, 0}}, {}};
  if (h == "connecting_cc_released") return Expect{gone, {{as_error, subject, kReleaseErr}}, {}};
  if (h == "active_modify")
    return modification ? Expect{same, {}, {cc_index<CcModify>()}}
                        : Expect{same, {{as_okay, subject, -ENOPROTOOPT}}, {}};
  if (h == "active_cc_released")
    return Expect{SockState::kClosingByDemon, {{as_close, subject, kReleaseErr}}, {}};
  if (h == "closing_by_demon_close") return Expect{gone, {}, {}};
  if (h == "listening_accept")
    return Expect{listener_after, {}, {cc_index<CcAccept>()}, SockState::kAccepting};
  if (h == "listening_reject") return Expect{listener_after, {}, {cc_index<CcReject>()}};
  if (h == "listening_identify") return Expect{same, {}, {cc_index<CcIdentify>()}, gone};
  if (h == "listening_close") return Expect{SockState::kListenZombie, {{as_close, subject, 0}}, {}};
  if (h == "listen_zombie_timeout") return Expect{gone, {}, {cc_index<CcReject>()}};
  return std::nullopt;
}

std::string cell_text(const Transition& t) {
  return std::string(state_name(t.state)) + " x " + event_name(t.event) + " -> " + t.handler;
}

TEST(TransitionMatrix, HasEveryStateAndEventOnce) {
  const auto cells = transitions();
  ASSERT_EQ(cells.size(), kSockStateCount * kSockEventCount);
  std::set<std::pair<int, int>> seen;
  for (const auto& t : cells) {
    EXPECT_TRUE(seen.emplace(static_cast<int>(t.state), static_cast<int>(t.event)).second)
        << cell_text(t);
    EXPECT_NE(std::string(t.handler), "") << cell_text(t);
  }
  EXPECT_EQ(seen.size(), kSockStateCount * kSockEventCount);
}

// The rows as they were decided when the switch became a matrix (issue 12);
// a changed cell must be a deliberate change of this list too.
TEST(TransitionMatrix, RowsAreTheDecidedOnes) {
  // The Q.2963.1 columns (as_okay, as_error, CC-MODIFY-RESULT, CC-MODIFY-QOS)
  // of a state without an active call: the kernel's answers are strays, call
  // control's requests are refused at once.
  // ... and the Q.2971 answers (CC-ADD-PARTY-RESULT, CC-DROP-PARTY-RESULT)
  // where no party request can wait.
  const std::vector<std::string> no_call = {"stray_qos_answer",  "stray_qos_answer", "not_allowed",
                                            "refuse_modify_qos", "not_allowed",      "not_allowed"};
  auto with = [](std::vector<std::string> row, const std::vector<std::string>& more) {
    row.insert(row.end(), more.begin(), more.end());
    return row;
  };
  const std::vector<std::string> awaiting =
      with({"not_allowed", "not_allowed", "refuse_accept", "not_allowed", "release_and_ack_close",
            "refuse_modify", "refuse_party_badfd", "refuse_party_badfd", "refuse_accept",
            "connecting_cc_established", "connecting_cc_released", "ignore"},
           no_call);
  const std::vector<std::string> listening =
      with({"not_allowed", "not_allowed", "listening_accept", "listening_reject", "listening_close",
            "refuse_modify", "refuse_party_badfd", "refuse_party_badfd", "listening_identify",
            "not_allowed", "not_allowed", "ignore"},
           no_call);
  std::vector<std::string> closing =
      with({"not_allowed", "not_allowed", "refuse_accept", "not_allowed", "closing_by_demon_close",
            "refuse_modify", "refuse_party_badfd", "refuse_party_badfd", "refuse_accept",
            "not_allowed", "ignore", "ignore"},
           no_call);
  closing[static_cast<std::size_t>(SockEvent::kCcAddPartyResult)] = "late_party_result";
  closing[static_cast<std::size_t>(SockEvent::kCcDropPartyResult)] = "late_party_result";
  std::vector<std::string> zombie = listening;
  zombie[static_cast<std::size_t>(SockEvent::kKernelClose)] = "not_allowed";
  zombie[static_cast<std::size_t>(SockEvent::kZombieTimeout)] = "listen_zombie_timeout";
  const std::vector<std::string> active = {
      "not_allowed",           "not_allowed",      "refuse_accept",      "not_allowed",
      "release_and_ack_close", "active_modify",    "active_add_party",   "active_drop_party",
      "refuse_accept",         "not_allowed",      "active_cc_released", "ignore",
      "stray_qos_answer",      "stray_qos_answer", "cc_modify_result",   "active_cc_modify_qos",
      "not_allowed",           "not_allowed"};
  std::vector<std::string> qos_wait = active;
  qos_wait[static_cast<std::size_t>(SockEvent::kKernelOkay)] = "qos_wait_answer";
  qos_wait[static_cast<std::size_t>(SockEvent::kKernelError)] = "qos_wait_answer";
  qos_wait[static_cast<std::size_t>(SockEvent::kCcModifyQos)] = "refuse_modify_qos";
  qos_wait[static_cast<std::size_t>(SockEvent::kKernelAddParty)] = "refuse_party_busy";
  qos_wait[static_cast<std::size_t>(SockEvent::kKernelDropParty)] = "refuse_party_busy";
  // Q.2971: a root's party request waits for call control (issue 17).
  std::vector<std::string> add_wait = active;
  add_wait[static_cast<std::size_t>(SockEvent::kKernelModify)] = "refuse_modify";
  add_wait[static_cast<std::size_t>(SockEvent::kKernelAddParty)] = "refuse_party_busy";
  add_wait[static_cast<std::size_t>(SockEvent::kKernelDropParty)] = "refuse_party_busy";
  add_wait[static_cast<std::size_t>(SockEvent::kCcReleased)] = "party_wait_cc_released";
  add_wait[static_cast<std::size_t>(SockEvent::kCcModifyResult)] = "not_allowed";
  add_wait[static_cast<std::size_t>(SockEvent::kCcModifyQos)] = "refuse_modify_qos";
  std::vector<std::string> drop_wait = add_wait;
  add_wait[static_cast<std::size_t>(SockEvent::kCcAddPartyResult)] = "party_wait_result";
  drop_wait[static_cast<std::size_t>(SockEvent::kCcDropPartyResult)] = "party_wait_result";
  const std::map<SockState, std::vector<std::string>> rows = {
      {SockState::kNull,
       {"null_connect", "null_listen", "null_unknown_listener", "null_reject", "null_close",
        "refuse_modify_badfd", "refuse_party_badfd", "refuse_party_badfd", "null_unknown_listener",
        "null_cc_established", "null_cc_released", "ignore", "stray_qos_answer", "stray_qos_answer",
        "null_cc_modify_result", "refuse_modify_qos", "late_party_result", "late_party_result"}},
      {SockState::kConnecting, awaiting},
      {SockState::kAccepting, awaiting},
      {SockState::kActive, active},
      {SockState::kClosingByDemon, closing},
      {SockState::kListening, listening},
      {SockState::kListenZombie, zombie},
      {SockState::kActiveQosWait, qos_wait},
      {SockState::kAddPartyWait, add_wait},
      {SockState::kDropPartyWait, drop_wait},
  };
  for (const auto& t : transitions()) {
    const auto& row = rows.at(t.state);
    EXPECT_EQ(std::string(t.handler), row.at(static_cast<std::size_t>(t.event))) << cell_text(t);
  }
}

TEST(TransitionMatrix, EveryCellBehavesAsItsHandler) {
  for (const bool modification : {false, true}) {
    for (const auto& t : transitions()) {
      SCOPED_TRACE(cell_text(t) + (modification ? " (q.2963.1)" : ""));
      Probe p(t.event == SockEvent::kKernelIdentify, modification);
      p.enter(t.state);
      if (::testing::Test::HasFatalFailure()) return;
      ASSERT_EQ(p.table.state_of(p.subject),
                t.state == SockState::kNull ? std::nullopt : std::optional(t.state));
      const auto e = expect(t, p.subject, modification);
      ASSERT_TRUE(e.has_value()) << "no expectation for handler " << t.handler;
      const Outcome o = p.fire(t.event);
      EXPECT_EQ(p.table.state_of(p.subject), e->after);
      EXPECT_EQ(o.to_kernel, e->to_kernel);
      EXPECT_EQ(o.to_cc, e->to_cc);
      if (t.event == SockEvent::kKernelAccept || t.event == SockEvent::kKernelIdentify) {
        EXPECT_EQ(p.table.state_of(kN), e->new_socket);
      }
      if (e->warns_not_allowed) {
        const std::string needle = std::string(event_name(t.event)) + " is not allowed in state " +
                                   state_name(t.state) + ", ignored";
        EXPECT_TRUE(logged(o.logs, log::Level::kWarn, needle)) << needle;
      }
    }
  }
}

}  // namespace
}  // namespace atmsigd::test
