// The demon's sans-I/O core as the shell sees it: one input and `now` in,
// typed actions out, next_deadline(). Inside, it couples the kernel-side
// socket machines with the network side (atmsvc::CallControl: Q.2931 call
// control, one Uni per signaling entity behind the EntityRouter, or a
// stand-in): each one's outputs
// are the other's inputs, processed to completion in order.
//
//   std::vector<engine::Action> out;
//   eng.handle(engine::KernelFrame{bytes}, now, out);   // a frame from the kernel
//   eng.handle(engine::LinkPdu{i, bytes}, now, out);    // a PDU on entity i's link
//   eng.handle_timeouts(now, out);                      // at next_deadline()
//   for (auto& a : out) ... write ToKernel / ToLink, log Events, ...
//                           (skip ToCallControl / Handled: the engine's own)
//
// The shell's whole job: read, feed, write the actions, arm one timer.
// Actions that ask the shell something (QueryLocalAddresses) are answered by
// a later input (LocalAddresses); a reply the kernel refused is reported by an
// input too (ReplyRefused). Shutdown: Stop releases every call and, with
// Q.2931 call control, drains (RELEASE COMPLETEs awaited, then END/ENDAK, both
// bounded); Stopped says when the shell may close the links and exit.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "atmsigd/atmsvc/call_control.hpp"
#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/engine/stats.hpp"
#include "atmsigd/log/log.hpp"
#include "atmsigd/util/bytes.hpp"

namespace atmsigd::engine {

// ---- inputs
struct KernelFrame {  // one datagram from the user of signaling
  ByteView bytes;
};
using atmsvc::LinkPdu;         // one SSCOP PDU received on entity `entity`'s link
using atmsvc::LocalAddresses;  // the answer to QueryLocalAddresses
struct ReplyRefused {          // the kernel refused this frame of ours (docs/kernel.md)
  atmsvc::Message msg;
};
struct Start {};  // every entity asks for its link
struct Stop {
  std::string why;
};
using atmsvc::UserStalled;  // the user of signaling stopped reading / drained
// The operator's RESTART (Q.2931 §5.5.1): on entity `entity` (none: every
// entity), of every VC (vc none: class 2), one VC (class 0) or, with vpc,
// every VC of VPCI vc->first (class 1, UNI 4.0 / Q.2931). The calls are
// cleared (the kernel gets as_close / as_error -ENETRESET) and RESTART goes
// out on the link, acknowledged by the peer. Nothing without links.
struct Restart {
  std::optional<std::size_t> entity;
  std::optional<std::pair<std::uint16_t, std::uint16_t>> vc;
  bool vpc = false;
};
using Input = std::variant<KernelFrame, LinkPdu, LocalAddresses, ReplyRefused, Start, Stop,
                           UserStalled, Restart>;

// ---- actions
using atmsvc::LinkState;            // entity `entity`'s SAAL came up / went down
using atmsvc::QueryLocalAddresses;  // answer with LocalAddresses
using atmsvc::Stopped;              // after Stop: nothing more to do, the shell closes and exits
using atmsvc::Terminate;            // as_terminate: the shell feeds Stop
using atmsvc::ToKernel;
using atmsvc::ToLink;  // send on entity `entity`'s link
// The socket table's action list is the engine's (issue 13: one buffer, a
// kernel frame built once where the shell reads it). Two alternatives are
// nothing for the shell: ToCallControl (call control has taken it) and
// Handled (an event the engine's levels do not want).
using atmsvc::Handled;
using atmsvc::ToCallControl;
using Action = atmsvc::Action;

class Engine {
 public:
  // `cc`: the network side (Q.2931 call control, or a stand-in without links).
  Engine(atmsvc::SocketTable& table, atmsvc::CallControl& cc, const log::Levels* levels = nullptr);

  void handle(const Input& in, TimePoint now, std::vector<Action>& out);
  void handle_timeouts(TimePoint now, std::vector<Action>& out);
  std::optional<TimePoint> next_deadline() const;
  // The same, TimePoint::max() for none (the shell's end-of-turn query).
  TimePoint earliest_deadline() const;
  // The operator's trigger (SIGRTMIN+1 in the demon; the control socket
  // later): handle(Restart{entity, vc, vpc}).
  void restart(std::optional<std::size_t> entity,
               std::optional<std::pair<std::uint16_t, std::uint16_t>> vc, TimePoint now,
               std::vector<Action>& out, bool vpc = false) {
    handle(Restart{entity, vc, vpc}, now, out);
  }

  // The operator's release (control socket): call `cref` of entity
  // `entity` (outgoing: our call reference) cleared with RELEASE cause
  // `cause`, the kernel told (docs/control.md). False: no such call, it is
  // already being cleared, or the demon is stopping.
  bool release_call(std::size_t entity, std::uint32_t cref, bool outgoing, std::uint8_t cause,
                    TimePoint now, std::vector<Action>& out);
  // Read-only queries for the operator (control socket): every call call
  // control holds, every socket the table knows.
  void calls(std::vector<atmsvc::CallView>& out) const { cc_.calls(out); }
  void sockets(std::vector<atmsvc::SocketTable::SocketView>& out) const { table_.sockets(out); }

  const atmsvc::SocketTable& table() const { return table_; }
  const atmsvc::CallControl& call_control() const { return cc_; }
  bool link_up(std::size_t entity) const { return cc_.link_up(entity); }
  bool stopping() const { return stop_ != StopPhase::kRunning; }
  // The counters of the engine and of the cores it holds (the socket table,
  // call control: every entity's Uni and SSCOP). Off the hot path: copies.
  Stats stats() const;

 private:
  enum class StopPhase : std::uint8_t { kRunning, kAwaitReleases, kAwaitEnd, kStopped };

  void on(const KernelFrame& f, TimePoint now, std::vector<Action>& out);
  void on(const LinkPdu& p, TimePoint now, std::vector<Action>& out);
  void on(const LocalAddresses& a, TimePoint now, std::vector<Action>& out);
  void on(const ReplyRefused& r, TimePoint now, std::vector<Action>& out);
  void on(const Start&, TimePoint now, std::vector<Action>& out);
  void on(const Stop& s, TimePoint now, std::vector<Action>& out);
  void on(const UserStalled& s, TimePoint now, std::vector<Action>& out);
  void on(const Restart& r, TimePoint now, std::vector<Action>& out);
  // Runs the actions of `out` from `head` on to completion, in place: each
  // request goes to call control (it stays: the shell skips it), whose outputs are
  // appended behind, CcEvents through the socket table.
  void run(std::size_t head, TimePoint now, std::vector<Action>& out);
  // Call control handles `in`: what is for the shell it appends to `out`
  // itself (handle_split), its CcEvents are performed (below).
  void to_call_control(const atmsvc::NetInput& in, TimePoint now, std::vector<Action>& out);
  // Call control's outputs in order: link PDUs, link states and log events
  // go to the shell, CcEvents to the socket table, whose actions are run
  // (unless stopping: the kernel is closed, the events go nowhere).
  void from_call_control(std::vector<atmsvc::NetOutput>& outputs, TimePoint now,
                         std::vector<Action>& out);
  // One call-control output for the shell (CcEvents are the caller's).
  void pass_on(atmsvc::NetOutput& o, std::vector<Action>& out);
  void drain(TimePoint now, std::vector<Action>& out);

  atmsvc::SocketTable& table_;
  atmsvc::CallControl& cc_;
  const log::Levels& levels_;
  StopPhase stop_ = StopPhase::kRunning;
  TimePoint release_by_{};
  TimePoint drain_until_{};
  std::vector<atmsvc::NetOutput> net_;
  // run()'s buffer for call control's CcEvents, kept for its capacity.
  std::vector<atmsvc::NetOutput> run_net_;
  // run()'s copy of a request: call control appends to the action list that
  // holds it.
  atmsvc::CcRequest req_;
  // Call control's log events were emitted for other levels than the
  // engine's: filtered here (false: the same levels, as in the demon).
  bool filter_cc_logs_ = true;
  KernelCounters kernel_;  // frames in and out by type, replies refused
};

}  // namespace atmsigd::engine
