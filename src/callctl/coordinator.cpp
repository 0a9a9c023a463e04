// Q.2931 coordinator: a message received on the signaling link is verified
// (§5.6: the codec's verdicts), then routed by call reference: the global call
// reference to the restart machine (§5.5), a known call to the call machine,
// an unknown call reference to §5.6.3.2's answers, a new SETUP to a new call.
// STATUS and STATUS ENQUIRY are answered here for every call (§5.6.11, §5.6.12).
// The party machine of Q.2971 (party_machine.cpp) takes ADD PARTY & co. of a
// point-to-multipoint call, and LEAF SETUP REQUEST / FAILURE (UNI 4.0 §6).
#include <algorithm>
#include <memory>

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

// Which message is which call event. The point-to-point messages (§5.1-§5.4)
// by name; STATUS and STATUS ENQUIRY are the coordinator's (§5.6.11,
// §5.6.12), no event; every other procedure's (restart, point-to-multipoint,
// leaf-initiated join) is kOtherMessage, and modification's (Q.2963.1) is the
// call machine's own only on a UNI that offers it.
constexpr std::array<Uni::MessageRow, 256> Uni::kMessageRows = [] {
  using P = q2931::Procedure;
  struct Fact {
    MessageType type;
    P procedure;
    bool has_event;
    Ev ev;
  };
  constexpr Fact kFacts[] = {
      {MessageType::kAlerting, P::kCallControl, true, Ev::kAlerting},
      {MessageType::kCallProceeding, P::kCallControl, true, Ev::kCallProceeding},
      {MessageType::kSetup, P::kCallControl, true, Ev::kSetup},
      {MessageType::kConnect, P::kCallControl, true, Ev::kConnect},
      {MessageType::kConnectAcknowledge, P::kCallControl, true, Ev::kConnectAck},
      {MessageType::kRelease, P::kCallControl, true, Ev::kRelease},
      {MessageType::kReleaseComplete, P::kCallControl, true, Ev::kReleaseComplete},
      {MessageType::kNotify, P::kCallControl, true, Ev::kNotify},
      {MessageType::kStatusEnquiry, P::kCallControl, false, Ev::kOtherMessage},
      {MessageType::kStatus, P::kCallControl, false, Ev::kOtherMessage},
      {MessageType::kRestart, P::kRestart, true, Ev::kOtherMessage},
      {MessageType::kRestartAcknowledge, P::kRestart, true, Ev::kOtherMessage},
      {MessageType::kAddParty, P::kPointToMultipoint, true, Ev::kOtherMessage},
      {MessageType::kAddPartyAcknowledge, P::kPointToMultipoint, true, Ev::kOtherMessage},
      {MessageType::kAddPartyReject, P::kPointToMultipoint, true, Ev::kOtherMessage},
      {MessageType::kDropParty, P::kPointToMultipoint, true, Ev::kOtherMessage},
      {MessageType::kDropPartyAcknowledge, P::kPointToMultipoint, true, Ev::kOtherMessage},
      {MessageType::kPartyAlerting, P::kPointToMultipoint, true, Ev::kOtherMessage},
      {MessageType::kModifyRequest, P::kModification, true, Ev::kModifyRequest},
      {MessageType::kModifyAcknowledge, P::kModification, true, Ev::kModifyAck},
      {MessageType::kModifyReject, P::kModification, true, Ev::kModifyReject},
      {MessageType::kConnectionAvailable, P::kModification, true, Ev::kConnectionAvailable},
      {MessageType::kLeafSetupFailure, P::kLeafInitiatedJoin, true, Ev::kOtherMessage},
      {MessageType::kLeafSetupRequest, P::kLeafInitiatedJoin, true, Ev::kOtherMessage},
  };
  std::array<MessageRow, 256> rows{};
  for (const Fact& f : kFacts)
    rows[static_cast<std::uint8_t>(f.type)] = {true, f.procedure, f.has_event, f.ev};
  return rows;
}();

std::optional<Uni::Ev> Uni::call_event_of(MessageType t) {
  const MessageRow& row = kMessageRows[static_cast<std::uint8_t>(t)];
  if (!row.has_event) return std::nullopt;
  if (row.procedure == q2931::Procedure::kModification) return Ev::kOtherMessage;
  return row.ev;
}

// Q.2963.1: the modification messages are the call machine's only on a UNI
// that offers modification; elsewhere they stay kOtherMessage (STATUS 97).
std::optional<Uni::Ev> Uni::event_of(MessageType t) const {
  const MessageRow& row = kMessageRows[static_cast<std::uint8_t>(t)];
  if (!row.has_event) return std::nullopt;
  if (row.procedure == q2931::Procedure::kModification && !params_.modification)
    return Ev::kOtherMessage;
  return row.ev;
}

std::optional<q2931::Procedure> Uni::procedure_of(MessageType t) {
  const MessageRow& row = kMessageRows[static_cast<std::uint8_t>(t)];
  if (!row.known) return std::nullopt;
  return row.procedure;
}

std::string_view Uni::call_event_name(MessageType t, bool modification) {
  const MessageRow& row = kMessageRows[static_cast<std::uint8_t>(t)];
  if (!row.has_event) return {};
  if (row.procedure == q2931::Procedure::kModification && !modification)
    return ev_name(Ev::kOtherMessage);
  return ev_name(row.ev);
}

void Uni::on_q2931(ByteView bytes) {
  ++stats_.messages_in;
  // A decode inside a decode (rare) gets its own result; the usual one reuses
  // rx_ and builds nothing (an empty std::optional<Message> zeroes its inline
  // IE list).
  std::unique_ptr<q2931::DecodeResult> nested;
  if (rx_busy_) nested = std::make_unique<q2931::DecodeResult>();
  q2931::DecodeResult& res = rx_busy_ ? *nested : rx_;
  struct Busy {
    bool& flag;
    bool was;
    ~Busy() { flag = was; }
  } busy{rx_busy_, rx_busy_};
  rx_busy_ = true;
  q2931::decode(bytes, params_.version, res);
  if (!res.message) {
    ++stats_.messages_bad;
    if (levels().enabled(log::Id::kCallUndecodable))
      emit(log::Id::kCallUndecodable, params_.log_name, bytes.size(),
           log::Octets{{bytes.begin(), bytes.begin() + std::min<std::size_t>(bytes.size(), 16)}});
    return;
  }
  const Message& m = *res.message;
  ++stats_.messages_in_by_type[static_cast<std::uint8_t>(m.type)];
  if (params_.trace_messages && levels().enabled(log::Id::kCallMsgReceived))
    emit(log::Id::kCallMsgReceived, params_.log_name, q2931::message_name(m.type),
         log::Hex{m.cref.value}, m.cref.flag ? "dest" : "orig", detail::contents_length(bytes));
  const q2931::Action action = res.action();
  const std::optional<q2931::Cause> cv = res.cause();
  // §5.6's verdicts: discards (and calls cleared for them) are warnings,
  // what is acted upon anyway a note.
  for (const auto& v : res.verdicts) {
    if (v.action == q2931::Action::kProceed && v.cause == 0) continue;
    if (v.action == q2931::Action::kProceed || v.action == q2931::Action::kProceedReportStatus) {
      if (levels().enabled(log::Id::kCallVerdictProceed))
        emit(log::Id::kCallVerdictProceed, params_.log_name, q2931::message_name(m.type),
             log::Hex{m.cref.value}, q2931::to_string(v));
    } else if (levels().enabled(log::Id::kCallDiscarded)) {
      emit(log::Id::kCallDiscarded, params_.log_name, q2931::message_name(m.type),
           log::Hex{m.cref.value}, q2931::to_string(v));
    }
  }
  if (action != q2931::Action::kProceed) ++stats_.messages_bad;

  if (m.cref.is_global()) {
    on_global(m, action, cv);
    return;
  }
  Call* call = calls_.find_ptr(key_of(m.cref.value, m.cref.flag));
  if (call == nullptr) {
    // Unknown message types (§5.6.4) are reported whatever the call reference.
    const bool unknown_type = std::any_of(
        res.verdicts.begin(), res.verdicts.end(),
        [](const q2931::Verdict& v) { return v.problem == q2931::Problem::kUnknownMessageType; });
    on_no_call(m, action, cv, unknown_type);
    return;
  }
  on_call_message(*call, m, action, cv);
}

// A message whose call reference no call has: a new SETUP, or §5.6.3.2.
void Uni::on_no_call(const Message& m, q2931::Action action, const std::optional<q2931::Cause>& cv,
                     bool unknown_type) {
  if (action == q2931::Action::kDiscardIgnore) return;
  if (unknown_type || action == q2931::Action::kDiscardReportStatus) {
    // No call: report with call state Null (except for RELEASE COMPLETE).
    if (m.type != MessageType::kReleaseComplete && cv)
      send_status(m.cref.value, !m.cref.flag, CallState::kNull, cv->value, cv->diagnostics);
    return;
  }
  // UNI 4.0 §6: leaf-initiated join (party_machine.cpp).
  if (m.type == MessageType::kLeafSetupRequest && !m.cref.flag) {
    on_leaf_setup_request(m);
    return;
  }
  if (m.type == MessageType::kLeafSetupFailure && joins_.contains(m.cref.value)) {
    on_leaf_setup_failure(m);
    return;
  }
  if (m.type != MessageType::kSetup || m.cref.flag) {
    on_unknown_cref(m);
    return;
  }
  if (action == q2931::Action::kClearCall) {
    // §5.6.7: SETUP with a missing / bad mandatory IE: RELEASE COMPLETE.
    send_release_complete(m.cref.value, true, cv ? cv->value : cause::kInvalidIeContents,
                          cv ? cv->diagnostics : Bytes{});
    return;
  }
  on_new_setup(m);
  if (action == q2931::Action::kProceedReportStatus && cv) {
    if (Call* again = calls_.find_ptr(key_of(m.cref.value, m.cref.flag)))
      send_status(*again, cv->value, cv->diagnostics);
  }
}

// A message for a known call: §5.6's action, then STATUS ENQUIRY / STATUS
// here, everything else to the call machine.
void Uni::on_call_message(Call& c, const Message& m, q2931::Action action,
                          const std::optional<q2931::Cause>& cv) {
  switch (action) {
    case q2931::Action::kDiscardIgnore:
      return;
    case q2931::Action::kDiscardReportStatus:
      if (cv) send_status(c, cv->value, cv->diagnostics);
      return;
    case q2931::Action::kClearCall:
      if (m.type == MessageType::kSetup) return;  // a repeated SETUP: ignored anyway
      if (releasing(c.state)) return;
      emit_call(log::Id::kCallClearedOnError, c);
      start_release(c, cv ? cv->value : cause::kProtocolError, kErrProtocol,
                    cv ? cv->diagnostics : Bytes{});
      return;
    case q2931::Action::kProceed:
    case q2931::Action::kProceedReportStatus:
      break;
  }
  const Key k = c.key();
  const bool report = action == q2931::Action::kProceedReportStatus && cv.has_value();
  if (m.type == MessageType::kStatusEnquiry) {
    if (c.p2mp)
      on_party_status_enquiry(c, m);  // Q.2971 §9.5
    else
      send_status(c, cause::kResponseToStatusEnquiry);
  } else if (m.type == MessageType::kStatus) {
    const bool p2mp = c.p2mp;
    on_status(c, m);
    if (p2mp) {
      auto again = calls_.find(k);
      if (again != calls_.end()) on_party_status(again->second, m);
    }
  } else if (c.p2mp && kMessageRows[static_cast<std::uint8_t>(m.type)].procedure ==
                           q2931::Procedure::kPointToMultipoint) {
    on_party_message(c, m);  // Q.2971 (party_machine.cpp)
  } else if (const auto ev = event_of(m.type)) {
    In in{*ev, &m, std::nullopt};
    // RELEASE with a bad mandatory IE: acted upon, the cause goes into
    // RELEASE COMPLETE instead of a STATUS (§5.6.7).
    if (report && m.type == MessageType::kRelease) in.cause = cv->value;
    dispatch(c, in);
  }
  if (report && m.type != MessageType::kRelease) {
    auto again = calls_.find(k);
    if (again != calls_.end()) send_status(again->second, cv->value, cv->diagnostics);
  }
}

// Messages with the global call reference: RESTART, RESTART ACKNOWLEDGE, STATUS.
void Uni::on_global(const Message& m, q2931::Action a, const std::optional<q2931::Cause>& cv) {
  switch (a) {
    case q2931::Action::kDiscardIgnore:
      return;
    case q2931::Action::kDiscardReportStatus:
    case q2931::Action::kClearCall:
      if (m.type != MessageType::kStatus && cv)
        send_status(0, !m.cref.flag, global_state(!m.cref.flag), cv->value, cv->diagnostics);
      return;
    case q2931::Action::kProceed:
    case q2931::Action::kProceedReportStatus:
      break;
  }
  // Messages only ever sent with the global call reference belong to the
  // restart machine (§5.5); STATUS may come with it too (§5.6.3.3).
  if (q2931::global_call_ref(m.type) == q2931::GlobalCallRef::kOnly) {
    if (m.type == MessageType::kRestart)
      on_restart(m);
    else
      on_restart_ack(m);
  } else {
    on_global_status(m);  // §5.6.12 (restart.cpp)
  }
  if (a == q2931::Action::kProceedReportStatus && cv && m.type != MessageType::kStatus)
    send_status(0, !m.cref.flag, global_state(!m.cref.flag), cv->value, cv->diagnostics);
}

// §5.6.3.2: a message for a call reference we do not know.
void Uni::on_unknown_cref(const Message& m) {
  const std::uint32_t cref = m.cref.value;
  const bool flag = !m.cref.flag;
  // The unknown-call-reference column of kMsgSpecs; a type outside the
  // tables never gets here (§5.6.4 reports it first).
  switch (q2931::unknown_call_ref(m.type).value_or(q2931::UnknownCallRef::kReleaseComplete)) {
    case q2931::UnknownCallRef::kIgnore:  // RELEASE COMPLETE
      return;
    case q2931::UnknownCallRef::kStatusCheck: {
      const auto* st = m.find<q2931::CallState>();
      if (st == nullptr || st->state == 0) return;
      // §5.6.12: STATUS with a non-Null state for a call we do not have.
      send_release_complete(cref, flag, cause::kMessageNotCompatibleWithState);
      return;
    }
    case q2931::UnknownCallRef::kStatusNull:  // STATUS ENQUIRY
      send_status(cref, flag, CallState::kNull, cause::kResponseToStatusEnquiry);
      return;
    case q2931::UnknownCallRef::kNewCall:  // SETUP, but with the flag of a call of ours
      emit(log::Id::kCallSetupFlagUnknown, params_.log_name);
      return;
    case q2931::UnknownCallRef::kReleaseComplete:
      if (call_event_of(m.type))
        emit(log::Id::kCallUnknownCref, params_.log_name, q2931::message_name(m.type),
             log::Hex{cref});
      send_release_complete(cref, flag, cause::kInvalidCallReference);
      return;
  }
}

void Uni::on_new_setup(const Message& m) {
  ++stats_.calls_offered;
  IncomingSetup in;
  if (auto prob = decode_setup(m, params_.version, in)) {
    ++stats_.calls_rejected[prob->cause & 0x7f];
    emit(log::Id::kCallSetupRefused, params_.log_name, log::Hex{m.cref.value},
         log::Cause{prob->cause});
    Bytes diag;
    if (prob->ie) diag.push_back(*prob->ie);
    send_release_complete(m.cref.value, true, prob->cause, diag);
    return;
  }
  Call c;
  c.cref = m.cref.value;
  c.we_originated = false;
  c.phase = Phase::kIncomingOffered;
  c.setup = take_setup();
  c.setup->qos = in.qos;
  c.setup->local = in.called;
  c.setup->remote = in.calling;
  // UNI 4.0 §6: the root's answer to a LEAF SETUP REQUEST of ours (looked
  // for only if the SETUP has a leaf sequence number and a join waits):
  // the join's socket takes the call.
  bool joined = false;
  atmsvc::SockId join_sock = 0;
  if (in.has_leaf_seq && !joins_.empty()) {
    if (std::optional<Join> join = take_join(m)) {
      joined = true;
      join_sock = join->sock;
      c.setup->local = join->local;
    }
  }
  if (params_.side == Side::kUser) {
    if (!in.conn_id) {
      // UNI: the network always assigns the connection identifier in SETUP.
      ++stats_.calls_rejected[cause::kMandatoryIeMissing];
      send_release_complete(c.cref, true, cause::kMandatoryIeMissing,
                            Bytes{static_cast<std::uint8_t>(q2931::IeId::kConnectionIdentifier)});
      return;
    }
    if (by_vc_.contains(vc_key(in.conn_id->vpci, in.conn_id->vci))) {
      ++stats_.calls_rejected[cause::kRequestedVpciVciNotAvailable];
      send_release_complete(c.cref, true, cause::kRequestedVpciVciNotAvailable);
      return;
    }
    c.vc = std::make_pair(in.conn_id->vpci, in.conn_id->vci);
  } else if (!params_.switch_mode) {  // switch mode: the CI comes with CcIdentify
    const auto vc = alloc_vc();
    if (!vc) {
      // Every range is held: refused at once (§5.1.2, cause 45), not left to T303.
      emit(log::Id::kCallSetupNoVci, params_.log_name);
      ++stats_.calls_rejected[cause::kNoVpciVciAvailable];
      send_release_complete(c.cref, true, cause::kNoVpciVciAvailable);
      return;
    }
    c.vc = vc;
    c.vci_ours = true;
  }
  c.id = next_call_id_++;
  const Key k = c.key();
  // No call has this call reference (on_no_call()): inserted without a
  // look-up first, as the ids are new.
  Call& call = calls_.emplace_absent(k, std::move(c));
  by_id_.emplace_absent(call.id, k);
  if (call.vc) by_vc_[vc_key(call.vc->first, call.vc->second)] = k;
  // Q.2971: a SETUP with an endpoint reference: a leaf of a p2mp call.
  if (in.has_endpoint_ref) start_leaf(call, m, in.qos, in.sap);
  dispatch(call, {Ev::kSetup, &m});
  if (!calls_.contains(k)) return;
  if (joined) {
    // The join's socket takes the call at once (as if accepted).
    call.sock = join_sock;
    by_sock_[call.sock] = k;
    dispatch(call, {Ev::kAcceptRequest});
    return;
  }
  offer(call.id, call.vc, in);
}

void Uni::offer(atmsvc::CallId id, const std::optional<std::pair<std::uint16_t, std::uint16_t>>& vc,
                const IncomingSetup& in) {
  CcIncoming inc{};
  inc.call = id;
  inc.pvc = pvc_of(vc);
  inc.called = in.called;
  inc.calling = in.calling;
  inc.sap = in.sap;
  inc.qos = in.qos;
  out_->push_back(inc);
  ++offers_told_;
}

// §5.6.11 / §5.6.12: STATUS received for a known call.
void Uni::on_status(Call& c, const Message& m) {
  const auto* cs = m.find<q2931::Cause>();
  const auto* st = m.find<q2931::CallState>();
  if (c.t322 && cs != nullptr && cs->value == cause::kResponseToStatusEnquiry) {
    stop_t322(c);
    c.enquiries = 0;
  }
  // Q.2963.1: Modify Request / Modify Received (13, 14) are an active call.
  auto norm = [](int s) { return s == 13 || s == 14 ? 10 : s; };
  const int reported = st != nullptr ? st->state : 0;
  const int peer = norm(reported);
  const int ours = norm(static_cast<int>(c.state));
  if (peer == 0) {
    // The peer has no such call: release the call reference here. A call in
    // setup is told as for a RELEASE COMPLETE without cause (the original);
    // an active call was lost by the peer (typically it restarted during a
    // link outage: §5.6.9's STATUS ENQUIRY found it gone): -ENETRESET, where
    // the original closes with 0 as for a normal remote release.
    emit_call(log::Id::kCallStatusNull, c);
    if (c.phase == Phase::kUp) {
      drop_call(c, kErrNetworkReset);
      return;
    }
    q2931::Message rc;
    clear_by_peer(c, rc, true);
    return;
  }
  if (releasing(c.state) || peer == 11 || peer == 12) return;
  auto out_set = [](int s) { return s == 1 || s == 3 || s == 4; };
  auto in_set = [](int s) { return s == 6 || s == 7 || s == 8 || s == 9; };
  bool compatible = true;
  if (out_set(ours) && in_set(peer)) compatible = false;
  if (in_set(ours) && out_set(peer)) compatible = false;
  if (ours == 10 && in_set(peer) && peer != 8) compatible = false;
  if (ours == 10 && out_set(peer) && c.we_originated) compatible = false;
  // Still setting up our call while the peer is Active: its CONNECT went out
  // before this STATUS and the SAAL delivers in order, so the CONNECT was
  // lost (an SSCOP recovery drops what it had queued). Clearing now ends the
  // call in both kernels at once instead of after T303/T310 (found with the
  // fault relay, issue 14).
  if (out_set(ours) && peer == 10) compatible = false;
  if (!compatible) {
    emit_call(log::Id::kCallStatusIncompatible, c, reported, label(c.state));
    start_release(c, cause::kMessageNotCompatibleWithState, kErrProtocol);
  } else if (reported != static_cast<int>(c.state)) {
    emit_call(log::Id::kCallStatusCompatible, c, reported);
  }
}

}  // namespace atmsigd::callctl
