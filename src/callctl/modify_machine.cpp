// Q.2963.1 peak cell rate modification by the connection owner (UNI 4.0 with
// q.2963.1, UniParams::modification): the modification's handlers of the call
// machine (their rows are in call_machine.cpp's table) and the procedures they
// share. References: Q.2963.1 §5.2 (only the connection owner, the calling
// party, modifies), §7.2 (states U13/N13 Modify Request, U14/N14 Modify
// Received), §9.1 (requesting entity), §9.2 (responding entity), §13 (T360,
// T361); the original demon (linux-atm sigd kernel.c, uni.c, timeout.c under
// Q2963_1) for what the kernel is told and asked.
//
// The kernel takes part twice (include/atmsigd/atmsvc/call_control.hpp):
// * its MODIFY.request (CcModify: as_modify, SO_ATMQOS on a connected SVC) is
//   answered by one CcModifyResult (as_okay with the result in reply);
// * call control asks it to apply a QoS to the call's VC (CcModifyQos: the
//   demon's own as_modify with ATM_MF_* flags), first to reserve the new rates
//   (before MODIFY REQUEST is sent, or before MODIFY ACKNOWLEDGE is), then to
//   commit them (ATM_MF_SET) or, after MODIFY REJECT, to set the old ones
//   again. Its answer (CcModifyQosAnswer) moves the modification on.
//
// Connection owner (the calling party), Call::Modify::phase in brackets:
//   U10 --CcModify--> reserve [kReserving] --ok--> MODIFY REQUEST, U13, T360
//        [kRequested]; --refused--> CcModifyResult(err)
//   U13 --MODIFY ACKNOWLEDGE--> U10, commit [kCommitting] --answer-->
//        CONNECTION AVAILABLE if the acknowledgement asked for it,
//        CcModifyResult(0, or the commit's error)
//   U13 --MODIFY REJECT--> U10, old rates set again [kRollingBack] -->
//        CcModifyResult(errno of the cause)
//   U13 --T360--> RELEASE cause 102 "360", CcModifyResult and CcReleased
//        -ETIMEDOUT
// The other end:
//   U10 --MODIFY REQUEST--> U14, reserve [kIndicated] --ok--> MODIFY
//        ACKNOWLEDGE, U10; with a report type (the forward rate rises) T361
//        [kAwaitingAvail] --CONNECTION AVAILABLE or T361--> commit
//        [kCommitting]; without, commit at once
//   U14 --reservation refused--> MODIFY REJECT (cause of the errno), U10
#include <sys/socket.h>

#include <linux/atmdev.h>

#include <cerrno>
#include <cstring>

#include "atmsigd/callctl/cause_errno.hpp"
#include "atmsigd/callctl/mapping.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "uni_internal.hpp"

namespace atmsigd::callctl {

using namespace atmsvc;
using q2931::Message;
using q2931::MessageType;
namespace cause = q2931::cause;

namespace {

// ATM_MF_* of the reservations, as the original: the requesting entity
// reserves more and shapes less before it asks; the responding entity
// reserves either way and shapes less before it acknowledges. ATM_MF_SET
// commits (or, after a rejection, sets the old rates again).
constexpr int kOwnerReserve = ATM_MF_INC_RSV | ATM_MF_DEC_SHP;
constexpr int kPeerReserve = ATM_MF_INC_RSV | ATM_MF_DEC_RSV | ATM_MF_DEC_SHP;

// Q.2963.1 §5.1: only the peak cell rates change; the traffic class and the
// SDU sizes are the call's (as the original, kernel.c as_modify). A max_sdu
// of 0 asks for no particular size: not a change.
bool only_rates_change(const struct atm_qos& cur, const struct atm_qos& next) {
  auto same = [](const struct atm_trafprm& a, const struct atm_trafprm& b) {
    return a.traffic_class == b.traffic_class && (a.traffic_class == ATM_NONE || a.max_sdu == 0 ||
                                                  b.max_sdu == 0 || a.max_sdu == b.max_sdu);
  };
  return same(cur.txtp, next.txtp) && same(cur.rxtp, next.rxtp);
}

// The QoS asked for, with the call's SDU sizes where it gives none.
struct atm_qos with_sizes(struct atm_qos next, const struct atm_qos& cur) {
  if (next.txtp.max_sdu == 0) next.txtp.max_sdu = cur.txtp.max_sdu;
  if (next.rxtp.max_sdu == 0) next.rxtp.max_sdu = cur.rxtp.max_sdu;
  return next;
}

}  // namespace

// ---------------------------------------------------------------------------
// Entry points (Uni::request)

// CcModify: the original's order of refusals (kernel.c as_modify):
// -ENOPROTOOPT without Q.2963.1 whatever the call's state, then the call
// machine (-EALREADY, -EBADFD, -EINVAL).
void Uni::modify_request(const CcModify& req) {
  auto it = by_sock_.find(req.sock);
  if (!params_.modification || it == by_sock_.end()) {
    // No call to name in a log line: the socket layer logs the answer.
    out_->push_back(CcModifyResult{req.sock, !params_.modification ? -ENOPROTOOPT : -EBADFD});
    return;
  }
  In in{Ev::kModifyPrimitive};
  in.qos = &req.qos;
  dispatch(calls_.at(it->second), in);
}

// CcModifyQosAnswer: for a call gone meanwhile there is nothing to move on.
void Uni::qos_answer(const CcModifyQosAnswer& ans) {
  auto it = by_sock_.find(ans.sock);
  if (it == by_sock_.end()) return;
  In in{Ev::kQosAnswer};
  in.err = ans.err;
  dispatch(calls_.at(it->second), in);
}

// ---------------------------------------------------------------------------
// Procedures the handlers share

void Uni::ask_kernel_qos(Call& c, const struct atm_qos& qos, int flags, ModPhase next) {
  c.mod->phase = next;
  out_->push_back(CcModifyQos{c.sock, qos, flags});
}

void Uni::end_modification(Call& c, std::optional<int> tell_kernel) {
  if (!c.mod) return;
  Call::Modify& m = *c.mod;
  if (m.kernel_waits && tell_kernel && c.sock != 0)
    out_->push_back(CcModifyResult{c.sock, *tell_kernel});
  m.kernel_waits = false;
  m.pending.reset();
  m.phase = ModPhase::kIdle;
  m.confirm = false;
  m.err = 0;
}

void Uni::send_modify_reject(Call& c, std::uint8_t cv, Bytes diag) {
  Message r = make(MessageType::kModifyReject, c);
  q2931::Cause cause_ie;
  cause_ie.value = cv;
  cause_ie.diagnostics = std::move(diag);
  r.add(std::move(cause_ie));
  send(r, c.key());
}

// ---------------------------------------------------------------------------
// The handlers

// U10/N10 MODIFY.request (Q.2963.1 §9.1.1): the owner's kernel asks for new
// peak cell rates. -EALREADY while a modification is still in progress,
// -EBADFD at the end that is not the connection owner (§5.2), -EINVAL for a
// change of traffic class or SDU size; else the kernel reserves first.
void Uni::ModifyMachine::u10n10_modify_primitive(Uni& u, Call& c, const In& in) {
  Call::Modify* m = c.mod.get();
  int err = 0;
  const char* why = nullptr;
  if (m == nullptr) {
    err = -ENOPROTOOPT;
    why = "no Q.2963.1 on this UNI";
  } else if (m->phase != ModPhase::kIdle) {
    err = -EALREADY;
    why = "a modification is in progress";
  } else if (!c.we_originated) {
    err = -EBADFD;
    why = "not the connection owner";
  } else if (!only_rates_change(m->qos, *in.qos)) {
    err = -EINVAL;
    why = "the traffic class or SDU size would change";
  }
  if (err != 0) {
    u.emit_call(log::Id::kCallModifyRefused, c, why, log::Errno{err});
    u.out_->push_back(CcModifyResult{c.sock, err});
    return;
  }
  m->pending = std::make_unique<struct atm_qos>(with_sizes(*in.qos, m->qos));
  m->kernel_waits = true;
  const auto td = modify_traffic(*m->pending, u.params_.link_rate);
  u.emit_call(log::Id::kCallModifyAsked, c, td.td.fwd_pcr_01.value_or(0),
              td.td.bwd_pcr_01.value_or(0));
  u.ask_kernel_qos(c, *m->pending, kOwnerReserve, ModPhase::kReserving);
}

// U13/N13, U14/N14 MODIFY.request: one modification at a time (the
// original's -EALREADY).
void Uni::ModifyMachine::u13u14_modify_primitive(Uni& u, Call& c, const In&) {
  u.emit_call(log::Id::kCallModifyRefused, c, "a modification is in progress",
              log::Errno{-EALREADY});
  u.out_->push_back(CcModifyResult{c.sock, -EALREADY});
}

// MODIFY.request in any other state: the call is not active (the socket
// layer does not ask then; answered all the same, the kernel waits).
void Uni::ModifyMachine::unx_modify_primitive(Uni& u, Call& c, const In&) {
  u.emit_call(log::Id::kCallModifyRefused, c, "the call is not active", log::Errno{-EBADFD});
  if (c.sock != 0) u.out_->push_back(CcModifyResult{c.sock, -EBADFD});
}

// U10/N10 the kernel's answer to our CcModifyQos; the phase says to which.
void Uni::ModifyMachine::u10n10_qos_answer(Uni& u, Call& c, const In& in) {
  Call::Modify* m = c.mod.get();
  const ModPhase phase = m != nullptr ? m->phase : ModPhase::kIdle;
  switch (phase) {
    case ModPhase::kReserving: {
      if (in.err != 0) {
        // The owner's kernel cannot reserve: nothing was signalled.
        u.emit_call(log::Id::kCallModifyNoReserve, c, log::Errno{in.err});
        u.end_modification(c, in.err);
        return;
      }
      // §9.1.1: MODIFY REQUEST with the new rates, Modify Request, T360.
      Message r = u.make(MessageType::kModifyRequest, c);
      r.add(modify_traffic(*m->pending, u.params_.link_rate));
      u.send(r, c.key());
      m->phase = ModPhase::kRequested;
      u.set_state(c, CallState::kModifyRequest);
      return;
    }
    case ModPhase::kCommitting: {
      // The new rates are the call's (acknowledged end to end); a kernel that
      // could not set them gets its error (the original answers 0 anyway).
      if (in.err != 0)
        u.emit_call(log::Id::kCallModifyKernelFailed, c, "commit", log::Errno{in.err});
      m->qos = *m->pending;
      // Forward: from the connection owner, as in the messages.
      const auto& fwd = c.we_originated ? m->qos.txtp : m->qos.rxtp;
      const auto& bwd = c.we_originated ? m->qos.rxtp : m->qos.txtp;
      u.emit_call(log::Id::kCallModified, c, signalled_pcr(fwd, u.params_.link_rate),
                  signalled_pcr(bwd, u.params_.link_rate));
      // §9.1.2: the owner confirms with CONNECTION AVAILABLE when asked, once
      // its side runs at the new rates.
      const bool confirm = m->confirm;
      u.end_modification(c, in.err);
      if (confirm) u.send(u.make(MessageType::kConnectionAvailable, c), c.key());
      return;
    }
    case ModPhase::kRollingBack: {
      if (in.err != 0)
        u.emit_call(log::Id::kCallModifyKernelFailed, c, "restore", log::Errno{in.err});
      u.end_modification(c, m->err);
      return;
    }
    case ModPhase::kIdle:
    case ModPhase::kRequested:
    case ModPhase::kIndicated:
    case ModPhase::kAwaitingAvail:
      break;
  }
  u.emit_call(log::Id::kCallUnexpectedIgnored, c, ev_name(in.ev), u.label(c.state));
}

// U14/N14 the kernel's answer to the reservation for a MODIFY REQUEST
// received: §9.2.2 MODIFY ACKNOWLEDGE (with a broadband report type asking
// for CONNECTION AVAILABLE when the forward rate rises, as the original;
// T361), or §9.2.4 MODIFY REJECT with the cause of the kernel's errno.
void Uni::ModifyMachine::u14n14_qos_answer(Uni& u, Call& c, const In& in) {
  Call::Modify& m = *c.mod;
  if (in.err != 0) {
    const std::uint8_t cv = modify_refusal_cause(in.err);
    u.emit_call(log::Id::kCallModifyNoReserve, c, log::Errno{in.err});
    u.send_modify_reject(c, cv);
    u.end_modification(c, std::nullopt);
    u.set_state(c, CallState::kActive);
    return;
  }
  const bool report =
      m.qos.rxtp.traffic_class != ATM_NONE && m.qos.rxtp.max_pcr < m.pending->rxtp.max_pcr;
  Message ack = u.make(MessageType::kModifyAcknowledge, c);
  if (report) ack.add(q2931::BroadbandReportType{});
  u.send(ack, c.key());
  u.set_state(c, CallState::kActive);
  if (report) {
    m.phase = ModPhase::kAwaitingAvail;
    u.start_state_timer(c, Timer::kT361);  // beside the state->timer table: U10 has none
    return;
  }
  u.ask_kernel_qos(c, *m.pending, ATM_MF_SET, ModPhase::kCommitting);
}

// U10/N10 MODIFY REQUEST (§9.2.1): at the end that is not the connection
// owner and with no modification of ours unfinished, Modify Received and the
// kernel reserves; else MODIFY REJECT cause 101 (only the owner modifies,
// §5.2; one modification at a time).
void Uni::ModifyMachine::u10n10_modify_request(Uni& u, Call& c, const In& in) {
  Call::Modify* m = c.mod.get();
  if (c.we_originated || m == nullptr || m->phase != ModPhase::kIdle) {
    u.emit_call(
        log::Id::kCallModifyRequestRefused, c,
        c.we_originated ? "not from the connection owner" : "a modification is still in progress");
    u.send_modify_reject(c, cause::kMessageNotCompatibleWithState,
                         Bytes{static_cast<std::uint8_t>(MessageType::kModifyRequest)});
    return;
  }
  m->pending = std::make_unique<struct atm_qos>(m->qos);
  if (const auto* td = in.m->find<q2931::TrafficDescriptor>()) apply_modify(td->td, *m->pending);
  u.emit_call(log::Id::kCallModifyIndicated, c, m->pending->rxtp.max_pcr, m->pending->txtp.max_pcr);
  u.set_state(c, CallState::kModifyReceived);
  u.ask_kernel_qos(c, *m->pending, kPeerReserve, ModPhase::kIndicated);
}

// U13/N13 MODIFY REQUEST: the modifications cross. Only the connection owner
// modifies (§5.2), and that is us: the peer's is refused with MODIFY REJECT
// cause 101, ours goes on (T360 keeps running).
void Uni::ModifyMachine::u13n13_modify_request(Uni& u, Call& c, const In&) {
  u.emit_call(log::Id::kCallModifyRequestRefused, c, "it crosses ours");
  u.send_modify_reject(c, cause::kMessageNotCompatibleWithState,
                       Bytes{static_cast<std::uint8_t>(MessageType::kModifyRequest)});
}

// U13/N13 MODIFY ACKNOWLEDGE (§9.1.2): T360 stops, Active; the kernel commits
// the new rates; CONNECTION AVAILABLE follows its answer if the
// acknowledgement carries a broadband report type.
void Uni::ModifyMachine::u13n13_modify_ack(Uni& u, Call& c, const In& in) {
  Call::Modify& m = *c.mod;
  u.set_state(c, CallState::kActive);
  m.confirm = in.m->find<q2931::BroadbandReportType>() != nullptr;
  u.ask_kernel_qos(c, *m.pending, ATM_MF_SET, ModPhase::kCommitting);
}

// U13/N13 MODIFY REJECT (§9.1.3): T360 stops, Active, the old rates are set
// again in the kernel, whose as_modify is then answered with the errno of the
// cause (the original: -EAGAIN whatever the cause).
void Uni::ModifyMachine::u13n13_modify_reject(Uni& u, Call& c, const In& in) {
  Call::Modify& m = *c.mod;
  const auto* cv = in.m->find<q2931::Cause>();
  const std::uint8_t value = cv != nullptr ? cv->value : 0;
  u.emit_call(log::Id::kCallModifyRejected, c, log::Cause{value});
  u.set_state(c, CallState::kActive);
  m.err = modify_reject_errno(value);
  u.ask_kernel_qos(c, m.qos, ATM_MF_SET, ModPhase::kRollingBack);
}

// U13/N13 T360 expiry (§9.1.5): no answer to MODIFY REQUEST: the call is
// cleared (RELEASE cause 102, diagnostic "360", as the original); the kernel
// gets -ETIMEDOUT for its modification, then the as_close.
void Uni::ModifyMachine::u13n13_t360(Uni& u, Call& c, const In&) {
  u.start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '6', '0'});
}

// U10/N10 CONNECTION AVAILABLE (§9.2.3): the owner runs at the new rates;
// T361 stops and the kernel commits them. Not awaited: STATUS cause 101.
void Uni::ModifyMachine::u10n10_connection_available(Uni& u, Call& c, const In& in) {
  Call::Modify* m = c.mod.get();
  if (m == nullptr || m->phase != ModPhase::kAwaitingAvail) {
    // Q.2931 §5.6.5, as any message the call's state does not expect.
    u.emit_call(log::Id::kCallUnexpected, c, ev_name(in.ev), u.label(c.state));
    u.send_status(c, cause::kMessageNotCompatibleWithState,
                  Bytes{static_cast<std::uint8_t>(MessageType::kConnectionAvailable)});
    return;
  }
  u.stop_state_timer(c);
  u.emit_call(log::Id::kCallModifyAvailable, c, "CONNECTION AVAILABLE");
  u.ask_kernel_qos(c, *m->pending, ATM_MF_SET, ModPhase::kCommitting);
}

// U10/N10 T361 expiry (§9.2.3, §13.2): no CONNECTION AVAILABLE; the new rates
// are taken as available all the same (as the original) and committed.
void Uni::ModifyMachine::u10n10_t361(Uni& u, Call& c, const In&) {
  Call::Modify* m = c.mod.get();
  if (m == nullptr || m->phase != ModPhase::kAwaitingAvail) return;
  u.emit_call(log::Id::kCallModifyAvailable, c, "T361 expired");
  u.ask_kernel_qos(c, *m->pending, ATM_MF_SET, ModPhase::kCommitting);
}

}  // namespace atmsigd::callctl
