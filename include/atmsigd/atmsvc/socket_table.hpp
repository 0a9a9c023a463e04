// The demon's per-socket machines for the kernel protocol (sections 3 and
// appendix A of the internal signaling protocol): active open, listen with
// the FIFO of pending indications, accept, reject, close in every crossing,
// bind (no state), as_itf_notify. Sans-I/O: fed with decoded kernel frames,
// call-control events and "now"; returns actions in order.
//
// One enum of states, one enum of events and a constexpr state x event matrix
// of named handlers (src/atmsvc/socket_table.cpp, SocketTable::Dispatch):
// every (state, event) pair is decided, and pairs that the protocol does not
// allow are logged and leave the socket as it was. transitions() exposes the
// matrix's cells for tests and documentation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "atmsigd/atmsvc/call_control.hpp"
#include "atmsigd/atmsvc/message.hpp"
#include "atmsigd/atmsvc/policy.hpp"
#include "atmsigd/log/log.hpp"
#include "atmsigd/util/flat_map.hpp"
#include "atmsigd/util/time.hpp"

namespace atmsigd::atmsvc {

enum class SockState : std::uint8_t {
  kNull,            // no state in the demon (before as_connect/as_listen/as_accept)
  kConnecting,      // as_connect sent to call control, no answer yet
  kAccepting,       // as_accept passed to call control, no answer yet
  kActive,          // as_okay sent: the call is up
  kClosingByDemon,  // as_close sent to the kernel, waiting for its as_close
  kListening,       // as_listen acknowledged
  kListenZombie,    // listener closed, pending indications still to be answered
  // Q.2963.1: the call is up and our as_modify (CcModifyQos) awaits the
  // kernel's as_okay / as_error.
  kActiveQosWait,
  // Q.2971, the root (a socket connected with a session): the kernel's
  // as_addparty / as_dropparty went to call control (CcAddParty /
  // CcDropParty); its answer is awaited. One at a time per socket (the kernel
  // holds the socket's lock while it waits: net/atm/svc.c svc_addparty).
  kAddPartyWait,
  kDropPartyWait,
};
const char* state_name(SockState s);

enum class SockEvent : std::uint8_t {
  kKernelConnect,
  kKernelListen,
  kKernelAccept,  // for the listener (pops the FIFO) and creates the new socket
  kKernelReject,
  kKernelClose,
  kKernelModify,
  kKernelAddParty,
  kKernelDropParty,
  kKernelIdentify,  // switch mode: for the listener (names the CI of a pending call)
  kCcEstablished,
  kCcReleased,
  kZombieTimeout,
  // Q.2963.1: the kernel's answer to our as_modify, and call control's
  // answer to its as_modify / request to send one.
  kKernelOkay,
  kKernelError,
  kCcModifyResult,
  kCcModifyQos,
  // Q.2971: call control's answers to as_addparty / as_dropparty.
  kCcAddPartyResult,
  kCcDropPartyResult,
};
const char* event_name(SockEvent e);

inline constexpr std::size_t kSockStateCount =
    static_cast<std::size_t>(SockState::kDropPartyWait) + 1;
inline constexpr std::size_t kSockEventCount =
    static_cast<std::size_t>(SockEvent::kCcDropPartyResult) + 1;

// One cell of the socket machines' transition matrix.
struct Transition {
  SockState state;
  SockEvent event;
  // The handler that decides the pair: "<state>_<event>", or the name of a
  // behaviour several cells share (e.g. "not_allowed", "release_and_ack_close").
  const char* handler;
};
// Every cell of the matrix SocketTable dispatches on, state by state and
// event by event in enum order (kSockStateCount * kSockEventCount cells).
std::span<const Transition> transitions();

struct ToKernel {
  Message msg;
};
// Built from one request, in place: emplace_back(std::in_place_type<
// ToCallControl>, CcRelease{...}) makes the request inside the action, no
// variant moved (issue 13). Constructors, not an aggregate: clang 14 (the
// fuzz build) has no parenthesized aggregate initialization.
struct ToCallControl {
  ToCallControl() = default;
  template <class R>
  requires(!std::is_same_v<std::remove_cvref_t<R>, ToCallControl> &&
           std::is_constructible_v<CcRequest, std::in_place_type_t<std::remove_cvref_t<R>>, R&&>)
      ToCallControl(R&& r)
      : req(std::in_place_type<std::remove_cvref_t<R>>, std::forward<R>(r)) {}
  ToCallControl(CcRequest r) : req(std::move(r)) {}
  CcRequest req;
};
// The shell must look up the local addresses of this interface (real kernel:
// ioctl ATM_GETADDR; unix-socket mode: the configured list) and call
// set_local_addresses().
struct QueryLocalAddresses {
  int itf;
};
// Switch mode: the user of signaling sent as_terminate. The shell stops the
// demon as on SIGTERM (the table itself changes nothing).
struct Terminate {
  std::string why;
};
// After Stop (engine::Stop): nothing more to do, the shell closes and exits.
struct Stopped {};
// An event the engine dropped (its levels do not want it): nothing for the
// shell.
struct Handled {};
// Log events (catalog IDs kSocket*, group sig), emitted only if the levels
// want them.
//
// One action list for the table, the engine and the shell (issue 13): the
// table appends here, the engine runs the requests to call control in place
// (they stay, the shell skips them) and appends call control's link PDUs, link states
// and events behind; the shell performs the list as it is. A kernel frame is
// built once, where the shell reads it. The table itself makes only the first
// five alternatives.
using Action = std::variant<ToKernel, ToCallControl, QueryLocalAddresses, log::Event, Terminate,
                            ToLink, LinkState, Stopped, Handled>;

struct SocketTableParams {
  // How long a closed listener waits for the kernel to answer the indications
  // that crossed its as_close before the demon rejects them itself.
  Duration listen_zombie_timeout = seconds(10);
  // -m switch: the user of signaling (a switch controller) supplies the
  // connection identifiers: as_connect must carry a pvc, an incoming call is
  // named with as_identify before as_accept, as_terminate stops the demon.
  // The local address of as_connect is passed on as given.
  bool switch_mode = false;
  // Which log events anyone wants; read at every event, so the shell may
  // change the levels in place (SIGHUP). Null: every level (tests).
  const log::Levels* levels = nullptr;
  // Q.2963.1 (-u uni40+q.2963.1 with the Q.2931 network side): as_modify on
  // an active call goes to call control (CcModify), which may ask the kernel
  // for QoS changes (CcModifyQos). Without it as_modify is answered
  // -ENOPROTOOPT on every socket the demon knows, as the original.
  bool modification = false;
};

// ---- inputs: the one face, handle(TableInput, now, out)
struct FromKernelBytes {  // a datagram that did not decode (the table names what is wrong)
  ByteView bytes;
};
struct FromKernel {  // a decoded frame from the kernel side
  const Message& msg;
};
struct FromCallControl {
  const CcEvent& ev;
};
struct SetLocalAddresses {
  int itf;
  std::vector<struct sockaddr_atmsvc> addrs;
};
struct ShutdownAll {};  // demon shutdown: see SocketTable::shutdown()
// The user of signaling stopped reading (its queue reached the shell's high
// mark) or drained again: while stalled, new incoming calls are refused at
// once (cause 41, temporary failure) instead of queueing indications nobody
// reads; everything else goes on (issue 14, docs/robustness.md).
struct UserStalled {
  bool stalled;
};
using TableInput = std::variant<FromKernelBytes, FromKernel, FromCallControl, SetLocalAddresses,
                                ShutdownAll, UserStalled>;

struct Pending {
  CallId call;
  bool gone;                // the caller cleared the call before the kernel answered
  Vcc identified = 0;       // switch mode: the new socket as_identify named (0: none yet)
  struct atm_blli blli {};  // the B-LLI CONNECT returns (none: not negotiated)
};

class SocketTable {
 public:
  explicit SocketTable(SocketTableParams params = {});
  ~SocketTable();

  // The face of the core (what the Engine uses): one input and now in,
  // actions out. The named entry points below are the same, for tests.
  void handle(const TableInput& in, TimePoint now, std::vector<Action>& out);

  // One datagram from the kernel side: decoded, validated, dispatched.
  void from_kernel(ByteView frame, TimePoint now, std::vector<Action>& out);
  void from_kernel(const Message& msg, TimePoint now, std::vector<Action>& out);
  void from_call_control(const CcEvent& ev, TimePoint now, std::vector<Action>& out);
  // The same, from call control's output list as it is (the engine's path:
  // no copy of the event); `ev` must be one of the CcEvents (is_cc_event()).
  void from_call_control(const NetOutput& ev, TimePoint now, std::vector<Action>& out);
  void set_local_addresses(int itf, std::vector<struct sockaddr_atmsvc> addrs,
                           std::vector<Action>& out);
  // Replaces the policy rules (at start and on SIGHUP).
  void set_policy(Policy p) { policy_ = std::move(p); }
  void handle_timeouts(TimePoint now, std::vector<Action>& out);
  std::optional<TimePoint> next_deadline() const;
  // The same, TimePoint::max() for none; inline: the zombie timers are
  // seldom armed.
  TimePoint earliest_deadline() const {
    return zombie_deadline_.empty() ? TimePoint::max() : earliest_zombie();
  }

  // Demon shutdown: every call is released towards call control and every
  // pending indication rejected; the table is empty afterwards.
  void shutdown(std::vector<Action>& out);

  // Introspection for tests and status dumps.
  std::size_t socket_count() const { return by_vcc_.size(); }
  // Frames from the kernel refused as malformed (wrong size, or invalid per
  // Table 1 / section 4.1), for the stats command.
  std::uint64_t frames_malformed() const { return frames_malformed_; }
  std::optional<SockState> state_of(Vcc vcc) const;
  std::size_t pending_count(Vcc listen_vcc) const;
  std::optional<SockId> sock_id_of(Vcc vcc) const;
  const std::vector<struct sockaddr_atmsvc>& local_addresses(int itf) const;
  std::string status_dump() const;
  // The operator's view of one socket (control socket, docs/control.md).
  struct SocketView {
    SockId id = 0;
    Vcc vcc = 0;
    SockState state = SockState::kNull;
    CallId call = 0;          // kAccepting: the call being accepted
    std::size_t pending = 0;  // a listener's indications waiting for the kernel
    TimePoint since{};        // the kernel's request that made it (second resolution)
    std::optional<struct sockaddr_atmsvc> listen_addr;  // a listener's address
  };
  // Every socket, appended to `out` (on request only: a scan).
  void sockets(std::vector<SocketView>& out) const;
  std::optional<SocketView> socket_of(SockId id) const;

 private:
  // The earliest zombie deadline (zombie_deadline_ not empty).
  TimePoint earliest_zombie() const;
  struct Listener;
  struct Socket {
    SockId id = 0;
    Vcc vcc = 0;
    SockState state = SockState::kNull;
    // Q.2971: as_connect came with a session (net/atm/signaling.c sigd_enq2
    // numbers the connects of SO_MULTIPOINT sockets): a point-to-multipoint
    // root, whose as_addparty / as_dropparty go to call control. One octet,
    // in the padding after `state` with since_s: the record does not grow.
    bool multipoint = false;
    // When the kernel's request made it, in whole seconds of the clock:
    // in the padding after `state`, the record does not grow (issue 13).
    std::uint32_t since_s = 0;
    CallId call = 0;                     // kAccepting: the call being accepted
    std::unique_ptr<Listener> listener;  // kListening / kListenZombie only
  };
  struct Context;   // the event being processed and its inputs
  struct Dispatch;  // the state x event matrix (kMatrix) and the kernel message routes
  friend std::span<const Transition> transitions();

  void dispatch_kernel(const Message& m, TimePoint now, std::vector<Action>& out);
  // The transition function: looks up the (state, event) cell and runs its handler.
  void step(Socket* s, SockEvent ev, Context& ctx);

  Socket& create(Vcc vcc, SockState st, TimePoint now);
  static SocketView view_of(const Socket& s);
  void destroy(Socket& s);
  Socket* find_vcc(Vcc vcc);
  Socket* find_id(SockId id);

  // The matrix's handlers, all of one signature (s is null in state Null).
  // Shared behaviours:
  void not_allowed(Socket* s, Context& ctx);
  void ignore(Socket* s, Context& ctx);
  void refuse_accept(Socket* s, Context& ctx);
  void refuse_modify_badfd(Socket* s, Context& ctx);
  void refuse_modify(Socket* s, Context& ctx);
  void refuse_modify_qos(Socket* s, Context& ctx);
  void stray_qos_answer(Socket* s, Context& ctx);
  void cc_modify_result(Socket* s, Context& ctx);
  void refuse_party_badfd(Socket* s, Context& ctx);
  void refuse_party_busy(Socket* s, Context& ctx);
  void late_party_result(Socket* s, Context& ctx);
  void release_and_ack_close(Socket* s, Context& ctx);
  // <state>_<event>:
  void null_connect(Socket* s, Context& ctx);
  void null_listen(Socket* s, Context& ctx);
  void null_unknown_listener(Socket* s, Context& ctx);
  void null_reject(Socket* s, Context& ctx);
  void null_close(Socket* s, Context& ctx);
  void null_cc_established(Socket* s, Context& ctx);
  void null_cc_released(Socket* s, Context& ctx);
  void null_cc_modify_result(Socket* s, Context& ctx);
  void connecting_cc_established(Socket* s, Context& ctx);
  void connecting_cc_released(Socket* s, Context& ctx);
  void active_modify(Socket* s, Context& ctx);
  void active_cc_modify_qos(Socket* s, Context& ctx);
  void qos_wait_answer(Socket* s, Context& ctx);
  void active_cc_released(Socket* s, Context& ctx);
  void active_add_party(Socket* s, Context& ctx);
  void active_drop_party(Socket* s, Context& ctx);
  void party_wait_result(Socket* s, Context& ctx);
  void party_wait_cc_released(Socket* s, Context& ctx);
  void closing_by_demon_close(Socket* s, Context& ctx);
  void listening_accept(Socket* s, Context& ctx);
  void listening_reject(Socket* s, Context& ctx);
  void listening_identify(Socket* s, Context& ctx);
  void listening_close(Socket* s, Context& ctx);
  void listen_zombie_timeout(Socket* s, Context& ctx);

  // Switch mode: removes the pending indication identified with vcc, else
  // (vcc not identified) the first one not yet identified.
  std::optional<Pending> take_pending(Listener& l, Vcc vcc, bool identified_only);
  // Switch mode as_accept without a previous as_identify: refused.
  void refuse_unidentified_accept(Socket& l, Context& ctx);
  // Messages that name no socket.
  void on_bind(const Message& m, std::vector<Action>& out);
  void on_itf_notify(const Message& m, std::vector<Action>& out);
  void on_terminate(std::vector<Action>& out);
  void on_incoming(const CcIncoming& inc, std::vector<Action>& out);
  void on_incoming_gone(const CcIncomingGone& g, std::vector<Action>& out);
  void reject_pending(Listener& l, std::vector<Action>& out);
  void unindex_listener(Socket& s);
  Socket* match_listener(const CcIncoming& inc, struct atm_blli& res, int& offered);
  bool listen_conflict(const struct sockaddr_atmsvc& addr, const struct atm_sap& sap,
                       const struct atm_qos& qos);
  std::optional<struct sockaddr_atmsvc> default_local() const;
  bool is_local(const struct sockaddr_atmsvc& a) const;

  // log::emit with the table's levels; emit_for prefixes the socket's vcc
  // and state (the "atmsvc[{}]{{}}: " events).
  template <class... A>
  void emit(std::vector<Action>& out, log::Id id, A&&... a) const {
    log::emit(*levels_, out, id, std::forward<A>(a)...);
  }
  template <class... A>
  void emit_for(const Socket& s, std::vector<Action>& out, log::Id id, A&&... a) const {
    log::emit(*levels_, out, id, log::Hex{s.vcc}, state_name(s.state), std::forward<A>(a)...);
  }
  bool wants(log::Id id) const { return levels_->enabled(id); }

  SocketTableParams params_;
  const log::Levels* levels_;  // params_.levels, or every level
  Policy policy_;
  SockId next_id_ = 1;
  // Per-socket state in flat tables (util/flat_map.hpp): a socket costs its
  // record in the slab and a slot in each index, no node (issue 13, memory).
  util::SlabMap<Vcc, Socket> by_vcc_;
  // The record of a socket by its id (call control's name for it): the
  // slab's records stay put until erased, so one probe finds it (issue 13).
  util::FlatMap<SockId, Socket*> socket_of_id_;
  // Listeners by exact SAP (duplicate detection) and by address (matching).
  // Looked up by a key written on the stack (an incoming call builds no
  // std::string): the hash and equality take a string_view. The hash reads
  // the key 8 octets at a time (an NSAP key, 21 octets: three words, the
  // last one overlapping), not std::hash's octet-wise murmur: an incoming
  // call hashes its called address (issue 13). Nothing iterates these maps,
  // so their order does not matter.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view k) const noexcept { return hash_key(k); }
  };
  static std::uint64_t hash_key(std::string_view k) noexcept;
  std::unordered_map<std::string, Vcc, KeyHash, std::equal_to<>> listener_by_sap_;
  // The listeners themselves, not their vccs: a record stays put in the slab
  // until destroy(), which takes it out of these lists first
  // (unindex_listener), so matching a call looks nothing up (issue 13).
  std::unordered_map<std::string, std::vector<Socket*>, KeyHash, std::equal_to<>>
      listeners_by_addr_;
  std::vector<Socket*> wildcard_listeners_;  // listening on the null address
  // Which listener holds a pending indication, by call.
  util::FlatMap<CallId, Vcc> pending_owner_;
  std::unordered_map<int, std::vector<struct sockaddr_atmsvc>> local_addrs_;
  // Zombie listeners' deadlines (few; scanned only for the next deadline).
  std::unordered_map<Vcc, TimePoint> zombie_deadline_;
  bool user_stalled_ = false;  // UserStalled: new incoming calls refused
  std::uint64_t frames_malformed_ = 0;
};

}  // namespace atmsigd::atmsvc
