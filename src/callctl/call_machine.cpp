// Q.2931 point-to-point call control: the call machine, user side
// (Call-Control-U, U0-U12) and network side (Call-Control-N, N0-N12).
// Every (state, event) pair is decided by a named handler found in kRows;
// entering a state starts its timer (kStateTimers), leaving it stops it.
// References: Q.2931 (02/95) §5.1 (originating interface), §5.2 (destination
// interface), §5.4 (clearing), §5.6 (error handling) and its SDL processes
// Call-Control-U / Call-Control-N; UNI 3.1 §5.x where it differs (no T301);
// UNI 4.0 §2 (T301). The party machine of Q.2971 is not here (docs/callctl.md);
// the modification's handlers (Q.2963.1, U13/U14) are in modify_machine.cpp,
// their rows in the table below.
#include <array>
#include <cerrno>
#include <utility>

#include "atmsigd/callctl/cause_errno.hpp"
#include "atmsigd/callctl/mapping.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "atmsigd/q2931/text.hpp"
#include "uni_internal.hpp"

namespace atmsigd::callctl {

using namespace atmsvc;
using detail::releasing;
using q2931::Message;
using q2931::MessageType;
namespace cause = q2931::cause;

// ---------------------------------------------------------------------------
// The state->timer table: the timer that runs while the call is in a state.

namespace {

struct StateTimer {
  Side side;
  CallState state;
  Timer timer;
};

constexpr StateTimer kStateTimers[] = {
    {Side::kUser, CallState::kCallInitiated, Timer::kT303},           // U1: SETUP sent, §5.1.1
    {Side::kUser, CallState::kOutgoingCallProceeding, Timer::kT310},  // U3: §5.1.5
    {Side::kUser, CallState::kCallDelivered, Timer::kT301},           // U4: UNI 4.0 / Q.2931 only
    {Side::kUser, CallState::kConnectRequest, Timer::kT313},          // U8: CONNECT sent, §5.2.6
    {Side::kUser, CallState::kReleaseRequest, Timer::kT308},          // U11: RELEASE sent, §5.4.3
    {Side::kNetwork, CallState::kCallPresent, Timer::kT303},          // N6: SETUP sent, §5.2.1
    {Side::kNetwork, CallState::kIncomingCallProceeding, Timer::kT310},  // N9: §5.2.5
    {Side::kNetwork, CallState::kCallReceived, Timer::kT301},       // N7: UNI 4.0 / Q.2931 only
    {Side::kNetwork, CallState::kReleaseIndication, Timer::kT308},  // N12: RELEASE sent, §5.4.3
    // Q.2963.1 §9.1.1: MODIFY REQUEST sent. (T361 runs in U10/N10 beside this
    // table: modify_machine.cpp starts it, any state change stops it.)
    {Side::kUser, CallState::kModifyRequest, Timer::kT360},     // U13
    {Side::kNetwork, CallState::kModifyRequest, Timer::kT360},  // N13
};

// kStateTimers indexed by side and state (kNoTimer: none), made at compile
// time: set_state() looks its timer up, it does not search the rows.
constexpr std::uint8_t kNoTimer = 0xff;
constexpr std::size_t kStateSlots = 16;
constexpr auto kStateTimerIndex = [] {
  std::array<std::uint8_t, 2 * kStateSlots> t{};
  t.fill(kNoTimer);
  for (const StateTimer& r : kStateTimers)
    t[(r.side == Side::kUser ? 0 : kStateSlots) + static_cast<std::size_t>(r.state)] =
        static_cast<std::uint8_t>(r.timer);
  return t;
}();

}  // namespace

std::optional<Timer> Uni::state_timer(CallState s) const {
  const auto i = static_cast<std::size_t>(s);
  if (i >= kStateSlots) return std::nullopt;
  const std::uint8_t t = kStateTimerIndex[(params_.side == Side::kUser ? 0 : kStateSlots) + i];
  if (t == kNoTimer) return std::nullopt;
  if (static_cast<Timer>(t) == Timer::kT301 && !params_.use_t301) return std::nullopt;
  return static_cast<Timer>(t);
}

void Uni::make_timer_tables() {
  static_assert(std::tuple_size_v<decltype(state_timers_)> == kStateSlots);
  static_assert(kNoStateTimer == kNoTimer);
  for (std::size_t i = 0; i < kStateSlots; ++i) {
    const auto t = state_timer(static_cast<CallState>(i));
    state_timers_[i] = t ? static_cast<std::uint8_t>(*t) : kNoStateTimer;
  }
  for (std::size_t t = 0; t < kTimerKinds; ++t) durations_[t] = duration(static_cast<Timer>(t));
}

// The hot path of every state change: the old timer's stop, the new one's
// start inline; the rare parts (the state trace, the first activity) out of
// line, so that the common transition saves and restores little.
void Uni::set_state(Call& c, CallState s) {
  if (c.state == s) return;
  if (c.timer_on) stop_state_timer(c);
  // The labels are arguments: built only if the event is wanted (it is not
  // at the default level).
  if (params_.trace_messages && levels().enabled(log::Id::kCallState)) log_state(c, s);
  c.state = s;
  if (s == CallState::kActive && !c.was_active) became_active(c);
  const auto i = static_cast<std::size_t>(s);
  const std::uint8_t t = i < kStateSlots ? state_timers_[i] : kNoStateTimer;
  // The SETUP is kept only for T303's retransmission (U1 / N6). Its buffer
  // stays with the setup part, which goes back to the pool at CcEstablished:
  // a held call carries neither.
  if (t != static_cast<std::uint8_t>(Timer::kT303) && c.setup) c.setup->last_setup.clear();
  if (t != kNoStateTimer) {
    // start_state_timer() without its stop (done above).
    const TimePoint when = now_ + durations_[t];
    c.timer_on = true;
    c.timer = static_cast<Timer>(t);
    c.timer_at = when;
    timers_.push(t, when, c.key());
  }
}

void Uni::log_state(const Call& c, CallState s) {
  emit_call(log::Id::kCallState, c, label(c.state), label(s));
}

// U10 / N10 reached for the first time: counted, CALL_ESTABLISHED.
void Uni::became_active(Call& c) {
  c.was_active = true;
  ++(c.we_originated ? stats_.calls_connected : stats_.calls_accepted);
  log_established(c);
}

void Uni::reenter_state(Call& c) {
  stop_state_timer(c);
  if (const auto t = state_timer(c.state)) start_state_timer(c, *t);
}

// ---------------------------------------------------------------------------
// The handlers. Names in ngatm style: <states>_<event>, a user state paired
// with its network mirror (u1n6: U1 on the user side, N6 on the network
// side), "unx" for any state. Each cites its Q.2931 section and SDL process.

struct Uni::Machine {
  using Handler = void (*)(Uni&, Call&, const In&);

  // U0 SETUP.request -> U1 (Call-Control-U, §5.1.1); N0 -> N6 (Call-Control-N,
  // §5.2.1). place_call() has sent the SETUP; T303 starts with the state.
  static void u0n0_setup_request(Uni& u, Call& c, const In&) {
    u.set_state(
        c, u.params_.side == Side::kUser ? CallState::kCallInitiated : CallState::kCallPresent);
  }

  // U0 SETUP received -> U6, offered to the kernel (§5.2.1); optionally CALL
  // PROCEEDING at once -> U9 (§5.2.5.1; the original stays in U6).
  static void u0_setup(Uni& u, Call& c, const In&) {
    u.set_state(c, CallState::kCallPresent);
    if (u.params_.user_sends_call_proceeding) {
      u.send(u.make(MessageType::kCallProceeding, c), c.key());
      u.set_state(c, CallState::kIncomingCallProceeding);
    }
  }

  // N0 SETUP received -> N1, answered at once with CALL PROCEEDING carrying
  // the connection identifier -> N3 (§5.1.2, §5.1.5). Switch mode: N1 until
  // CcIdentify names the connection identifier.
  static void n0_setup(Uni& u, Call& c, const In&) {
    u.set_state(c, CallState::kCallInitiated);
    if (u.params_.switch_mode) return;
    u.send_call_proceeding_with_ci(c);
  }

  // U1 CALL PROCEEDING -> U3 (§5.1.5, T310); N6 -> N9 (§5.2.5, T310).
  static void u1n6_call_proceeding(Uni& u, Call& c, const In& in) {
    u.take_conn_id(c, *in.m);
    u.set_state(c, u.params_.side == Side::kUser ? CallState::kOutgoingCallProceeding
                                                 : CallState::kIncomingCallProceeding);
  }

  // U1 / N6 T303 expiry (§5.1.1 user, §5.2.1 network): the first expiry sends
  // the SETUP again and restarts T303; the last clears with RELEASE COMPLETE
  // cause 102 and returns to Null.
  static void u1n6_t303(Uni& u, Call& c, const In&) {
    if (c.sends < u.params_.setup_sends) {
      ++c.sends;
      u.emit_call(log::Id::kCallSetupResent, c);
      if (c.setup) u.resend(c.setup->last_setup);
      u.reenter_state(c);
      return;
    }
    c.cause = cause::kRecoveryOnTimerExpiry;
    u.send_release_complete(c.cref, false, cause::kRecoveryOnTimerExpiry, Bytes{'3', '0', '3'});
    u.drop_call(c, kErrTimerExpiry);
  }

  // ALERTING in U1/U3 -> U4 (§5.1.6), in N6/N9 -> N7 (§5.2.5); T301 starts
  // with the state where the version has it (UNI 4.0 §2, Q.2931).
  static void u1n6_u3n9_alerting(Uni& u, Call& c, const In& in) {
    u.take_conn_id(c, *in.m);
    u.set_state(
        c, u.params_.side == Side::kUser ? CallState::kCallDelivered : CallState::kCallReceived);
  }

  // CONNECT in U1/U3/U4 (§5.1.7) or N6/N9/N7 (§5.2.6): CONNECT ACKNOWLEDGE,
  // Active (the network passes N8).
  static void u1n6_u3n9_u4n7_connect(Uni& u, Call& c, const In& in) { u.connected(c, *in.m); }

  // U3 / N9 T310 expiry (§5.1.5 / §5.2.5): RELEASE cause 102.
  static void u3n9_t310(Uni& u, Call& c, const In&) {
    u.start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '1', '0'});
  }

  // U4 / N7 T301 expiry (UNI 4.0 §2, Q.2931 §5.1.6 / §5.2.5): RELEASE cause 102.
  static void u4n7_t301(Uni& u, Call& c, const In&) {
    u.start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '0', '1'});
  }

  // SETUP.response (CcAccept) in U6/U7/U9 (§5.2.6: CONNECT, U8, T313) or
  // N3/N4 (§5.1.7: CONNECT, the network enters N10 on sending it).
  static void u6u7u9_n3n4_accept_request(Uni& u, Call& c, const In& in) {
    u.accept_call(c, in.blli);
  }

  // N1 SETUP.response: switch mode without a connection identifier yet: the
  // original exits ("No CI allocator"); we release this call with cause 45
  // (§5.1.2: no VPCI/VCI) and refuse the accept with -EINVAL.
  static void n1_accept_request(Uni& u, Call& c, const In& in) {
    if (c.vc) {
      u6u7u9_n3n4_accept_request(u, c, in);
      return;
    }
    u.emit_call(log::Id::kCallAcceptNoVc, c);
    u.set_phase(c, Phase::kIncomingAccepted);
    u.start_release(c, cause::kNoVpciVciAvailable, -EINVAL);
  }

  // N1 IDENTIFY.request (switch mode): CALL PROCEEDING with the connection
  // identifier the user of signaling chose -> N3 (§5.1.2, §5.1.5).
  static void n1_identify_request(Uni& u, Call& c, const In&) { u.send_call_proceeding_with_ci(c); }

  // REJECT.request (CcReject) in U6/U7/U9 or N1/N3/N4 (§5.2.5.3 / §5.1.8):
  // RELEASE COMPLETE in U6 (nothing answered yet, as the original), else RELEASE.
  static void u6u7u9_n1n3n4_reject_request(Uni& u, Call& c, const In& in) {
    u.reject_call(c, in.cause.value_or(cause::kCallRejected));
  }

  // U8 CONNECT ACKNOWLEDGE -> U10 (§5.2.7); T313 stops with the state.
  static void u8_connect_ack(Uni& u, Call& c, const In&) {
    u.set_state(c, CallState::kActive);
    u.set_phase(c, Phase::kUp);
    u.tell_established(c);
  }

  // U8 T313 expiry (§5.2.6): RELEASE cause 102.
  static void u8_t313(Uni& u, Call& c, const In&) {
    u.start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '1', '3'});
  }

  // N10 CONNECT ACKNOWLEDGE: the calling user's answer to our CONNECT (§5.1.7);
  // nothing to do.
  static void n10_connect_ack(Uni&, Call&, const In&) {}

  // T308 expiry in U11/U12 or N11/N12 (§5.4.3): the first expiry sends the
  // RELEASE again (cause 102 "308" added) and restarts T308; the second
  // releases the call reference and returns the VC to idle with a RESTART of
  // that VC.
  static void u11n12_t308(Uni& u, Call& c, const In&) {
    if (c.sends < u.params_.release_sends) {
      ++c.sends;
      Message r = u.make(MessageType::kRelease, c);
      q2931::Cause cv;
      cv.value = c.release_cause;
      r.add(std::move(cv));
      q2931::Cause second;
      second.value = cause::kRecoveryOnTimerExpiry;
      second.diagnostics = {'3', '0', '8'};
      r.add(std::move(second));
      u.send(r, c.key());
      u.reenter_state(c);
      return;
    }
    u.emit_call(log::Id::kCallReleaseUnanswered, c);
    const auto vc = c.vc;
    u.drop_call(c, std::nullopt);
    if (vc && u.params_.restart_after_t308) u.queue_restart(vc);
  }

  // RELEASE in any state (§5.4.4): RELEASE COMPLETE (with the §5.6 cause if
  // a mandatory IE was bad), Null; in U11/N12 a clear collision (§5.4.5).
  static void unx_release(Uni& u, Call& c, const In& in) {
    u.clear_by_peer(c, *in.m, false, in.cause);
  }

  // RELEASE COMPLETE in any state (§5.4.3, §5.4.4): Null.
  static void unx_release_complete(Uni& u, Call& c, const In& in) {
    u.clear_by_peer(c, *in.m, true);
  }

  // NOTIFY in any state (Q.2931 §3.1.x NOTIFY): no procedure acts on it.
  static void unx_notify(Uni& u, Call& c, const In&) { u.emit_call(log::Id::kCallNotifyNoted, c); }

  // A message p2p call control does not implement (§5.6.4): STATUS cause 97.
  static void unx_other_message(Uni& u, Call& c, const In& in) {
    u.send_status(c, cause::kMessageTypeNonExistent,
                  Bytes{in.m != nullptr ? static_cast<std::uint8_t>(in.m->type) : std::uint8_t{0}});
  }

  // RELEASE.request (the kernel closed the socket) in any state (§5.4.3):
  // RELEASE, U11/N12, T308; while clearing, nothing more to send.
  static void unx_release_request(Uni& u, Call& c, const In&) {
    u.set_phase(c, Phase::kGone);
    if (releasing(c.state)) return;
    u.start_release(c, normal_release_cause(u.params_.version), std::nullopt);
  }

  // SETUP for a call reference in use (§5.6.3: a repeated SETUP): ignored.
  static void unx_setup(Uni& u, Call& c, const In&) { u.emit_call(log::Id::kCallSetupRepeated, c); }

  // U11/U12, N11/N12: anything else while the call is being cleared is
  // ignored (§5.4).
  static void u11n12_ignore(Uni& u, Call& c, const In& in) {
    u.emit_call(log::Id::kCallIgnoredClearing, c, ev_name(in.ev));
  }

  // Any other pair: a message not compatible with the call state gets STATUS
  // cause 101 (Q.2931 §5.6.5, UNI 3.1 §5.6.6); a local primitive or timer is
  // ignored. Both leave a note.
  static void unx_unexpected(Uni& u, Call& c, const In& in) {
    if (in.m == nullptr) {
      u.emit_call(log::Id::kCallUnexpectedIgnored, c, ev_name(in.ev), u.label(c.state));
      return;
    }
    u.emit_call(log::Id::kCallUnexpected, c, ev_name(in.ev), u.label(c.state));
    u.send_status(c, cause::kMessageNotCompatibleWithState,
                  Bytes{static_cast<std::uint8_t>(in.m->type)});
  }

  // The table (find()): the first row whose user (or network) states and
  // events hold the pair decides it; none: unx_unexpected.
  struct Row {
    std::uint16_t user;  // user side states (bit = call state IE code)
    std::uint16_t net;   // network side states
    std::uint32_t evs;   // events (bit = Ev)
    Handler h;
  };
  static Handler find(Side side, CallState s, Ev e);
  // The table below, first match (constexpr: find()'s index is made at
  // compile time, no guard for a static's initialisation on each dispatch).
  static constexpr Handler search(Side side, CallState s, Ev e);
};

namespace {
using S = CallState;
}

constexpr Uni::Machine::Handler Uni::Machine::search(Side side, CallState s, Ev e) {
  using M = Machine;
  using MM = ModifyMachine;
  constexpr auto st = [](CallState x) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(x));
  };
  constexpr auto ev = [](Ev x) { return 1u << static_cast<unsigned>(x); };
  constexpr std::uint16_t kAny = 0xffff;
  constexpr std::uint16_t kClearing = st(S::kReleaseRequest) | st(S::kReleaseIndication);
  constexpr std::uint16_t kModifying = st(S::kModifyRequest) | st(S::kModifyReceived);
  constexpr Row kRows[] = {
      // Establishment, originating side of the call.
      {st(S::kNull), st(S::kNull), ev(Ev::kSetupRequest), &M::u0n0_setup_request},
      {st(S::kCallInitiated), st(S::kCallPresent), ev(Ev::kCallProceeding),
       &M::u1n6_call_proceeding},
      {st(S::kCallInitiated) | st(S::kOutgoingCallProceeding),
       st(S::kCallPresent) | st(S::kIncomingCallProceeding), ev(Ev::kAlerting),
       &M::u1n6_u3n9_alerting},
      {st(S::kCallInitiated) | st(S::kOutgoingCallProceeding) | st(S::kCallDelivered),
       st(S::kCallPresent) | st(S::kIncomingCallProceeding) | st(S::kCallReceived),
       ev(Ev::kConnect), &M::u1n6_u3n9_u4n7_connect},
      {st(S::kCallInitiated), st(S::kCallPresent), ev(Ev::kT303), &M::u1n6_t303},
      {st(S::kOutgoingCallProceeding), st(S::kIncomingCallProceeding), ev(Ev::kT310),
       &M::u3n9_t310},
      {st(S::kCallDelivered), st(S::kCallReceived), ev(Ev::kT301), &M::u4n7_t301},
      // Establishment, destination side of the call.
      {st(S::kNull), 0, ev(Ev::kSetup), &M::u0_setup},
      {0, st(S::kNull), ev(Ev::kSetup), &M::n0_setup},
      {0, st(S::kCallInitiated), ev(Ev::kIdentifyRequest), &M::n1_identify_request},
      {0, st(S::kCallInitiated), ev(Ev::kAcceptRequest), &M::n1_accept_request},
      {st(S::kCallPresent) | st(S::kCallReceived) | st(S::kIncomingCallProceeding),
       st(S::kOutgoingCallProceeding) | st(S::kCallDelivered), ev(Ev::kAcceptRequest),
       &M::u6u7u9_n3n4_accept_request},
      {st(S::kCallPresent) | st(S::kCallReceived) | st(S::kIncomingCallProceeding),
       st(S::kCallInitiated) | st(S::kOutgoingCallProceeding) | st(S::kCallDelivered),
       ev(Ev::kRejectRequest), &M::u6u7u9_n1n3n4_reject_request},
      {st(S::kConnectRequest), 0, ev(Ev::kConnectAck), &M::u8_connect_ack},
      {st(S::kConnectRequest), 0, ev(Ev::kT313), &M::u8_t313},
      {0, st(S::kActive), ev(Ev::kConnectAck), &M::n10_connect_ack},
      // Connection modification, Q.2963.1 (modify_machine.cpp). The messages
      // are these events only with UniParams::modification (else
      // kOtherMessage: STATUS 97); in any other state they are unexpected.
      {st(S::kActive), st(S::kActive), ev(Ev::kModifyPrimitive), &MM::u10n10_modify_primitive},
      {kModifying, kModifying, ev(Ev::kModifyPrimitive), &MM::u13u14_modify_primitive},
      {kAny, kAny, ev(Ev::kModifyPrimitive), &MM::unx_modify_primitive},
      {st(S::kActive), st(S::kActive), ev(Ev::kQosAnswer), &MM::u10n10_qos_answer},
      {st(S::kModifyReceived), st(S::kModifyReceived), ev(Ev::kQosAnswer), &MM::u14n14_qos_answer},
      {st(S::kActive), st(S::kActive), ev(Ev::kModifyRequest), &MM::u10n10_modify_request},
      {st(S::kModifyRequest), st(S::kModifyRequest), ev(Ev::kModifyRequest),
       &MM::u13n13_modify_request},
      {st(S::kModifyRequest), st(S::kModifyRequest), ev(Ev::kModifyAck), &MM::u13n13_modify_ack},
      {st(S::kModifyRequest), st(S::kModifyRequest), ev(Ev::kModifyReject),
       &MM::u13n13_modify_reject},
      {st(S::kModifyRequest), st(S::kModifyRequest), ev(Ev::kT360), &MM::u13n13_t360},
      {st(S::kActive), st(S::kActive), ev(Ev::kConnectionAvailable),
       &MM::u10n10_connection_available},
      {st(S::kActive), st(S::kActive), ev(Ev::kT361), &MM::u10n10_t361},
      // Clearing.
      {kClearing, kClearing, ev(Ev::kT308), &M::u11n12_t308},
      // Any state.
      {kAny, kAny, ev(Ev::kRelease), &M::unx_release},
      {kAny, kAny, ev(Ev::kReleaseComplete), &M::unx_release_complete},
      {kAny, kAny, ev(Ev::kNotify), &M::unx_notify},
      {kAny, kAny, ev(Ev::kOtherMessage), &M::unx_other_message},
      {kAny, kAny, ev(Ev::kReleaseRequest), &M::unx_release_request},
      {kAny, kAny, ev(Ev::kSetup), &M::unx_setup},
      // Everything else while clearing.
      {kClearing, kClearing, 0xffffffffu, &M::u11n12_ignore},
  };
  for (const Row& r : kRows) {
    const std::uint16_t states = side == Side::kUser ? r.user : r.net;
    if ((states & st(s)) != 0 && (r.evs & ev(e)) != 0) return r.h;
  }
  return &M::unx_unexpected;
}

// The rows below, indexed at compile time: a dispatch is a lookup, not a search.
Uni::Machine::Handler Uni::Machine::find(Side side, CallState s, Ev e) {
  constexpr unsigned kStates = 16, kEvents = 32;
  static constexpr auto kIndex = [] {
    std::array<Handler, 2 * kStates * kEvents> t{};
    for (unsigned sd = 0; sd < 2; ++sd)
      for (unsigned st = 0; st < kStates; ++st)
        for (unsigned ev = 0; ev < kEvents; ++ev)
          t[(sd * kStates + st) * kEvents + ev] =
              search(sd == 0 ? Side::kUser : Side::kNetwork, static_cast<CallState>(st),
                     static_cast<Ev>(ev));
    return t;
  }();
  const auto st = static_cast<unsigned>(s), ev = static_cast<unsigned>(e);
  if (st >= kStates || ev >= kEvents) return search(side, s, e);
  return kIndex[((side == Side::kUser ? 0u : 1u) * kStates + st) * kEvents + ev];
}

void Uni::dispatch(Call& c, const In& in) {
  Machine::find(params_.side, c.state, in.ev)(*this, c, in);
}

std::string_view Uni::ev_name(Ev e) {
  switch (e) {
    case Ev::kSetupRequest:
      return "SETUP.request";
    case Ev::kAcceptRequest:
      return "SETUP.response";
    case Ev::kRejectRequest:
      return "REJECT.request";
    case Ev::kReleaseRequest:
      return "RELEASE.request";
    case Ev::kIdentifyRequest:
      return "IDENTIFY.request";
    case Ev::kSetup:
      return "SETUP";
    case Ev::kCallProceeding:
      return "CALL PROCEEDING";
    case Ev::kAlerting:
      return "ALERTING";
    case Ev::kConnect:
      return "CONNECT";
    case Ev::kConnectAck:
      return "CONNECT ACKNOWLEDGE";
    case Ev::kRelease:
      return "RELEASE";
    case Ev::kReleaseComplete:
      return "RELEASE COMPLETE";
    case Ev::kNotify:
      return "NOTIFY";
    case Ev::kOtherMessage:
      return "unimplemented message";
    case Ev::kT301:
      return "T301 expiry";
    case Ev::kT303:
      return "T303 expiry";
    case Ev::kT308:
      return "T308 expiry";
    case Ev::kT310:
      return "T310 expiry";
    case Ev::kT313:
      return "T313 expiry";
    case Ev::kModifyPrimitive:
      return "MODIFY.request";
    case Ev::kQosAnswer:
      return "QOS.confirm";
    case Ev::kModifyRequest:
      return "MODIFY REQUEST";
    case Ev::kModifyAck:
      return "MODIFY ACKNOWLEDGE";
    case Ev::kModifyReject:
      return "MODIFY REJECT";
    case Ev::kConnectionAvailable:
      return "CONNECTION AVAILABLE";
    case Ev::kT360:
      return "T360 expiry";
    case Ev::kT361:
      return "T361 expiry";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Procedures the handlers share

// calls_failed[0] counts the calls refused here, before a SETUP went out.
void Uni::place_call(const CcConnect& req) {
  ++stats_.calls_placed;
  if (by_sock_.contains(req.sock)) {
    ++stats_.calls_failed[0];
    emit(log::Id::kCallSockBusy, params_.log_name, req.sock);
    out_->push_back(CcReleased{req.sock, -EALREADY});
    return;
  }
  // UNI 4.0 §6: a leaf asking to join a root's call (party_machine.cpp).
  if (req.called.sas_addr.lij_type == ATM_LIJ) {
    place_join(req);
    return;
  }
  if (!pending_room()) {
    // The link is down and its queue full: no SETUP would ever go out in time.
    ++stats_.calls_refused_link_down;
    ++stats_.calls_failed[0];
    emit(log::Id::kCallQueueFull, params_.log_name, pending_.size(), "call refused (-ENETDOWN)");
    out_->push_back(CcReleased{req.sock, -ENETDOWN});
    return;
  }
  const auto cref = alloc_cref();
  if (!cref) {
    ++stats_.calls_failed[0];
    out_->push_back(CcReleased{req.sock, -EAGAIN});
    return;
  }
  Call c;
  c.cref = *cref;
  c.we_originated = true;
  c.phase = Phase::kOutgoing;
  c.sock = req.sock;
  c.setup = take_setup();
  c.setup->qos = req.qos;
  c.setup->local = req.local;
  c.setup->remote = req.called;
  if (!params_.switch_mode && !address_in_use(c.setup->local) && !params_.local_addresses.empty())
    c.setup->local = params_.local_addresses.front();  // a null local address: ours
  Message m = make(MessageType::kSetup, c);
  if (const auto err = outgoing_vc(c, req)) {
    ++stats_.calls_failed[0];
    out_->push_back(CcReleased{req.sock, *err});
    return;
  }
  std::optional<q2931::ConnectionIdentifier> ci;
  if (c.vc) {  // exclusive VPCI, exclusive VCI
    ci.emplace();
    ci->vp_associated = 1;
    ci->exclusivity = 0;
    ci->vpci = c.vc->first;
    ci->vci = c.vc->second;
  }
  if (auto err = add_setup_ies(m, req.called, c.setup->local, req.sap, req.qos, params_.version,
                               params_.link_rate, ci ? &*ci : nullptr)) {
    free_vc(c);
    ++stats_.calls_failed[0];
    emit(log::Id::kCallRefused, params_.log_name, req.sock, log::Errno{err->err});
    out_->push_back(CcReleased{req.sock, err->err});
    return;
  }
  // Q.2971: a session asks for a point-to-multipoint call (party_machine.cpp).
  if (req.session != 0) start_multipoint(c, m, req);
  // Encoded once: sent, and copied for T303's retransmission into the
  // setup part's buffer (a pooled one keeps its capacity: no allocation).
  Bytes encoded = q2931::encode(m, params_.version);
  c.setup->last_setup.assign(encoded.begin(), encoded.end());
  c.sends = 1;
  const Key k = c.key();
  // alloc_cref() found the key free and by_sock_ has no entry for the socket
  // (checked above): inserted without a look-up first.
  Call& call = calls_.emplace_absent(k, std::move(c));
  by_sock_.emplace_absent(call.sock, k);
  if (call.vc) by_vc_[vc_key(call.vc->first, call.vc->second)] = k;
  send_encoded(m, std::move(encoded), k);
  dispatch(call, {Ev::kSetupRequest});
}

// The connection identifier of an outgoing call: switch mode: the one the
// user of signaling chose; network side: one from our pool; user side: none
// (the network assigns it). Returns the errno refusing the call, if any.
std::optional<int> Uni::outgoing_vc(Call& c, const CcConnect& req) {
  if (params_.switch_mode) {
    const auto vc = req.pvc.sap_family == AF_ATMPVC ? vc_of_pvc(req.pvc) : std::nullopt;
    if (!vc) {
      emit(log::Id::kCallRefusedNoPvc, params_.log_name, req.sock);
      return -EINVAL;
    }
    if (by_vc_.contains(vc_key(vc->first, vc->second))) {
      emit(log::Id::kCallRefusedVcInUse, params_.log_name, req.sock, vc->first, vc->second);
      return -EADDRINUSE;
    }
    c.vc = vc;
  } else if (params_.side == Side::kNetwork) {
    const auto vc = alloc_vc();
    if (!vc) {
      emit(log::Id::kCallNoVci, params_.log_name, req.sock);
      return -EAGAIN;
    }
    c.vc = vc;
    c.vci_ours = true;
  }
  return std::nullopt;
}

// Switch mode: CcIdentify names the connection identifier of an offered call
// still in N1; CALL PROCEEDING carries it (N3).
void Uni::identify_call(const CcIdentify& req) {
  auto it = by_id_.find(req.call);
  auto call = it == by_id_.end() ? calls_.end() : calls_.find(it->second);
  if (call == calls_.end() || call->second.phase != Phase::kIncomingOffered) {
    emit(log::Id::kCallIdentifyGone, params_.log_name, req.call);
    return;
  }
  Call& c = call->second;
  if (!params_.switch_mode || c.state != CallState::kCallInitiated || c.vc) {
    emit_call(log::Id::kCallIdentifyIgnored, c,
              params_.switch_mode ? "already identified" : "not in switch mode");
    return;
  }
  const auto vc = req.pvc.sap_family == AF_ATMPVC ? vc_of_pvc(req.pvc) : std::nullopt;
  if (!vc || by_vc_.contains(vc_key(vc->first, vc->second))) {
    const std::uint8_t cv = vc ? cause::kRequestedVpciVciNotAvailable : cause::kNoVpciVciAvailable;
    emit_call(log::Id::kCallIdentifyRefused, c, vc ? "a VPCI/VCI in use" : "no usable pvc",
              log::Cause{cv});
    // Nothing was answered yet (N1): RELEASE COMPLETE.
    send_release_complete(c.cref, true, cv);
    drop_call(c, kErrCallerGone);
    return;
  }
  c.vc = vc;
  by_vc_[vc_key(vc->first, vc->second)] = c.key();
  dispatch(c, {Ev::kIdentifyRequest});
}

std::optional<std::pair<std::uint16_t, std::uint16_t>> Uni::vc_of_pvc(
    const struct sockaddr_atmpvc& pvc) const {
  const int vpi = pvc.sap_addr.vpi;
  const int vci = pvc.sap_addr.vci;
  if (vpi < 0 || vci <= 0 || vci > 65535) return std::nullopt;
  if (params_.vpci_map.empty()) {
    if (pvc.sap_addr.itf != params_.itf || vpi > 65535) return std::nullopt;
    return std::make_pair(static_cast<std::uint16_t>(vpi), static_cast<std::uint16_t>(vci));
  }
  // The VPCI whose pvc_of() is (itf, vpi).
  for (const auto& e : params_.vpci_map) {
    if (e.itf != pvc.sap_addr.itf || e.vpci + vpi > 65535) continue;
    const auto vc =
        std::make_pair(static_cast<std::uint16_t>(e.vpci + vpi), static_cast<std::uint16_t>(vci));
    const auto back = pvc_of(vc);
    if (back.sap_addr.itf == pvc.sap_addr.itf && back.sap_addr.vpi == vpi) return vc;
  }
  return std::nullopt;
}

void Uni::accept_call(Call& c, const struct atm_blli* blli) {
  Message m = make(MessageType::kConnect, c);
  m.add(connect_aal(setup_of(c).qos, params_.version));
  if (auto td = connect_traffic(setup_of(c).qos, params_.version)) m.add(*td);
  // Q.2931 Annex C: the selected B-LLI goes back to the caller in CONNECT.
  if (blli != nullptr)
    if (auto ie = connect_blli(*blli)) m.add(std::move(*ie));
  // COLP: what the kernel gets as the socket's local address (CcEstablished).
  if (params_.connected_number) add_connected_party(m, setup_of(c).local, params_.version);
  send(m, c.key());
  if (params_.side == Side::kUser) {
    set_phase(c, Phase::kIncomingAccepted);
    set_state(c, CallState::kConnectRequest);  // T313 starts
  } else {
    // The network enters N10 on sending CONNECT (Q.2931 §5.2.8).
    set_phase(c, Phase::kUp);
    set_state(c, CallState::kActive);
    tell_established(c);
  }
}

void Uni::reject_call(Call& c, std::uint8_t cv) {
  set_phase(c, Phase::kGone);
  if (c.state == CallState::kCallPresent && params_.side == Side::kUser) {
    // U6: nothing was answered yet: RELEASE COMPLETE (as the original).
    c.cause = cv;
    send_release_complete(c.cref, !c.we_originated, cv);
    drop_call(c, std::nullopt);
    return;
  }
  start_release(c, cv, std::nullopt);
}

// Outgoing call: CONNECT received. CONNECT ACKNOWLEDGE, active.
void Uni::connected(Call& c, const Message& m) {
  take_conn_id(c, m);
  if (!c.vc) {
    // The network never told us the connection identifier (the original: -EPROTO).
    start_release(c, cause::kMandatoryIeMissing, kErrProtocol,
                  Bytes{static_cast<std::uint8_t>(q2931::IeId::kConnectionIdentifier)});
    return;
  }
  if (c.setup) apply_connect(m, c.setup->qos);
  if (params_.side == Side::kNetwork) set_state(c, CallState::kConnectRequest);
  send(make(MessageType::kConnectAcknowledge, c), c.key());
  set_state(c, CallState::kActive);
  set_phase(c, Phase::kUp);
  tell_established(c);
}

void Uni::tell_established(Call& c) {
  out_->push_back(CcEstablished{c.sock, pvc_of(c.vc), c.setup->local, c.setup->qos});
  // Q.2971: the call's own party is active with the call.
  if (Multipoint* mp = mp_of(c)) {
    auto own = mp->parties.find(c.we_originated ? 0 : mp->next_ep);
    if (own != mp->parties.end()) set_party_state(c, own->second, PartyState::kActive);
  }
  // Q.2963.1: the QoS the kernel now has, for the modifications to come
  // (only on a UNI that offers them: a held call is otherwise the record).
  if (params_.modification) {
    c.mod = std::make_unique<Call::Modify>();
    c.mod->qos = c.setup->qos;
  }
  keep_details(c);  // the operator's view keeps the addresses, QoS (call_details.cpp)
  free_setup(c);
}

// The setup parts are recycled (kSetupPool at most kept): an outgoing or
// incoming call allocates neither the part nor its SETUP's buffer.
std::unique_ptr<Uni::Call::Setup> Uni::take_setup() {
  if (setup_pool_.empty()) return std::make_unique<Call::Setup>();
  auto s = std::move(setup_pool_.back());
  setup_pool_.pop_back();
  return s;
}

void Uni::free_setup(Call& c) {
  if (!c.setup) return;
  if (setup_pool_.size() < kSetupPool) {
    c.setup->last_setup.clear();
    setup_pool_.push_back(std::move(c.setup));
  } else {
    c.setup.reset();
  }
}

const Uni::Call::Setup Uni::kNoSetup{};

void Uni::take_conn_id(Call& c, const Message& m) {
  if (params_.side != Side::kUser) return;
  const auto* ci = m.find<q2931::ConnectionIdentifier>();
  if (ci == nullptr) return;
  const auto vc = std::make_pair(ci->vpci, ci->vci);
  if (c.vc == vc) return;
  if (c.vc) by_vc_.erase(vc_key(c.vc->first, c.vc->second));
  c.vc = vc;
  by_vc_[vc_key(vc.first, vc.second)] = c.key();
}

// RELEASE (complete = false) or RELEASE COMPLETE (true) from the peer, or a
// STATUS saying the peer is in Null (complete, m without IEs).
void Uni::clear_by_peer(Call& c, const Message& m, bool complete,
                        std::optional<std::uint8_t> release_complete_cause) {
  stop_t322(c);
  // The peer's cause (found once: the release line, the kernel's errno).
  const auto* cv = m.find<q2931::Cause>();
  if (cv != nullptr) c.cause = cv->value;
  if (!complete) {
    if (releasing(c.state)) {
      // Clear collision (§5.4.5): both sent RELEASE; no RELEASE COMPLETE.
      drop_call(c, std::nullopt);
      return;
    }
    set_state(c, params_.side == Side::kUser ? CallState::kReleaseIndication
                                             : CallState::kReleaseRequest);
    send_release_complete(c.cref, !c.we_originated, release_complete_cause);
  }
  const std::uint8_t value = cv != nullptr ? cv->value : 0;
  int err = 0;
  switch (c.phase) {
    case Phase::kOutgoing:
      err = setup_failure_errno(value);
      break;
    case Phase::kIncomingAccepted:
      err = kErrRemoteAbort;
      break;
    case Phase::kUp:
      err = 0;  // a normal remote release (the original's as_close reply 0)
      break;
    case Phase::kIncomingOffered:
    case Phase::kGone:
      break;
  }
  if (cv != nullptr) emit_call(log::Id::kCallClearedByPeer, c, log::Cause{value});
  drop_call(c, err);
}

void Uni::start_release(Call& c, std::uint8_t cv, std::optional<int> tell_kernel, Bytes diag) {
  stop_t322(c);
  if (tell_kernel) tell_kernel_gone(c, *tell_kernel);
  // Q.2971: RELEASE clears every party of the call (leaf parties' sockets told).
  if (Multipoint* mp = mp_of(c)) {
    end_parties(c, 0, false);
    mp->parties.clear();
  }
  set_phase(c, Phase::kGone);
  if (c.sock != 0) {
    by_sock_.erase(c.sock);
    c.sock = 0;
  }
  Message r = make(MessageType::kRelease, c);
  q2931::Cause cause_ie;
  cause_ie.value = cv;
  cause_ie.diagnostics = std::move(diag);
  r.add(std::move(cause_ie));
  c.release_cause = cv;
  c.cause = cv;
  c.sends = 1;
  send(r, c.key());
  // U11 / N12, T308 (started again if the state is somehow re-entered).
  const CallState target =
      params_.side == Side::kUser ? CallState::kReleaseRequest : CallState::kReleaseIndication;
  if (c.state == target)
    reenter_state(c);
  else
    set_state(c, target);
}

void Uni::tell_kernel_gone(Call& c, int err) {
  // A kernel waiting for its modification's answer gets it first (its
  // setsockopt returns it; the as_close follows): the release's errno, or
  // -ECONNRESET for a normal release by the peer.
  end_modification(c, err != 0 ? err : -ECONNRESET);
  // Q.2971: the root's pending as_addparty / as_dropparty and the leaf
  // parties' own sockets, before the call's CcReleased.
  if (c.p2mp) end_parties(c, err, true);
  tell_socket_gone(c, err);
}

void Uni::tell_socket_gone(Call& c, int err) {
  switch (c.phase) {
    case Phase::kOutgoing:
    case Phase::kIncomingAccepted:
    case Phase::kUp:
      out_->push_back(CcReleased{c.sock, err});
      break;
    case Phase::kIncomingOffered:
      out_->push_back(CcIncomingGone{c.id});
      ++offers_told_;
      break;
    case Phase::kGone:
      break;
  }
  set_phase(c, Phase::kGone);
}

void Uni::drop_call(Call& c, std::optional<int> tell_kernel) {
  if (tell_kernel) tell_kernel_gone(c, *tell_kernel);
  if (c.state != CallState::kNull) set_state(c, CallState::kNull);
  erase_call(c.key());
}

void Uni::set_phase(Call& c, Phase p) {
  if (c.phase == Phase::kIncomingOffered && p != Phase::kIncomingOffered && c.id != 0)
    by_id_.erase(c.id);
  c.phase = p;
}

Uni::Call* Uni::find_offered(atmsvc::CallId id) {
  if (id == 0) return nullptr;
  const Key* k = by_id_.find_ptr(id);
  return k != nullptr ? &calls_.at(*k) : nullptr;
}

void Uni::erase_call(Key k) {
  auto it = calls_.find(k);
  if (it == calls_.end()) return;
  Call& c = it->second;
  // The call's end, counted by its cause (the last one sent or received).
  auto& by_cause = c.was_active      ? stats_.calls_released
                   : c.we_originated ? stats_.calls_failed
                                     : stats_.calls_rejected;
  ++by_cause[c.cause & 0x7f];
  log_ended(c);
  if (c.p2mp) {
    // Whatever party is left (normally told already by tell_kernel_gone).
    end_parties(c, kErrNetworkReset, false);
    mp_.erase(k);
  }
  stop_state_timer(c);  // cleanup of the timer set (drop_call has left the state already)
  stop_t322(c);
  free_vc(c);
  if (c.sock != 0) {
    auto s = by_sock_.find(c.sock);
    if (s != by_sock_.end() && s->second == k) by_sock_.erase(s);
  }
  // by_id_ names the call only while it is offered (set_phase()).
  if (c.id != 0 && c.phase == Phase::kIncomingOffered) by_id_.erase(c.id);
  drop_details(c);
  free_setup(c);
  calls_.erase(it);
}

std::vector<Uni::Key> Uni::keys_where(bool (*pred)(const Call&)) const {
  std::vector<Key> keys;
  for (const auto& [k, c] : calls_)
    if (pred(c)) keys.push_back(k);
  return keys;
}

// Network side: CALL PROCEEDING carrying the call's connection identifier
// (exclusive VPCI/VCI), N1 -> N3.
void Uni::send_call_proceeding_with_ci(Call& c) {
  Message cp = make(MessageType::kCallProceeding, c);
  q2931::ConnectionIdentifier ci;
  ci.vp_associated = 1;
  ci.exclusivity = 0;
  ci.vpci = c.vc->first;
  ci.vci = c.vc->second;
  cp.add(ci);
  send(cp, c.key());
  set_state(c, CallState::kOutgoingCallProceeding);
}

// ---------------------------------------------------------------------------
// Timers

Duration Uni::duration(Timer t) const {
  switch (t) {
    case Timer::kT301:
      return params_.t301;
    case Timer::kT303:
      return params_.t303;
    case Timer::kT308:
      return params_.t308;
    case Timer::kT310:
      return params_.t310;
    case Timer::kT313:
      return params_.t313;
    case Timer::kT322:
      return params_.t322;
    case Timer::kT360:
      return params_.t360;
    case Timer::kT361:
      return params_.t361;
  }
  return params_.t303;
}

void Uni::start_state_timer(Call& c, Timer t) {
  stop_state_timer(c);
  const TimePoint when = now_ + durations_[static_cast<std::size_t>(t)];
  c.timer_on = true;
  c.timer = t;
  c.timer_at = when;
  timers_.push(static_cast<std::size_t>(t), when, c.key());
}

void Uni::stop_t322(Call& c) {
  if (!c.t322) return;
  const bool dropped =
      timers_.drop_front_if(static_cast<std::size_t>(Timer::kT322), c.key(), *c.t322);
  c.t322.reset();
  if (dropped && timers_.size(static_cast<std::size_t>(Timer::kT322)) != 0)
    prune_timers(Timer::kT322);
}

// An entry of the timer queues is live while the call's record still has
// that timer armed for that instant (T322 beside the state's timer).
bool Uni::timer_live(Key k, std::size_t t, TimePoint when) const {
  const Call* found = calls_.find_ptr(k);
  if (found == nullptr) return false;
  const Call& c = *found;
  if (static_cast<Timer>(t) == Timer::kT322) return c.t322 && *c.t322 == when;
  return c.timer_on && static_cast<std::size_t>(c.timer) == t && c.timer_at == when;
}

void Uni::prune_timers(Timer t) {
  timers_.prune(static_cast<std::size_t>(t), [this](Key k, std::size_t kind, TimePoint when) {
    return timer_live(k, kind, when);
  });
}

namespace {
const log::Levels kEveryLevel = log::Levels::all();
}  // namespace

const log::Levels& Uni::every_level() {
  return kEveryLevel;
}

// CALL_ESTABLISHED: the first time a call reaches U10/N10.
void Uni::log_established(const Call& c) {
  if (!levels().enabled(log::Id::kCallEstablished)) return;
  const bool out = c.we_originated;
  emit_call(log::Id::kCallEstablished, c, std::string_view(out ? "out" : "in"),
            out ? setup_of(c).local : setup_of(c).remote,
            out ? setup_of(c).remote : setup_of(c).local, pvc_of(c.vc));
}

// CALL_RELEASED (it was active) or CALL_FAILED, when the call is forgotten.
void Uni::log_ended(const Call& c) {
  if (c.was_active) {
    emit_call(log::Id::kCallReleased, c, log::Cause{c.cause});
    return;
  }
  if (!levels().enabled(log::Id::kCallFailed)) return;
  emit_call(log::Id::kCallFailed, c, std::string_view(c.we_originated ? "out" : "in"),
            c.we_originated ? setup_of(c).remote : setup_of(c).local, log::Cause{c.cause});
}

}  // namespace atmsigd::callctl
