// Q.2931 / UNI point-to-point call control, user and network side.
// References: Q.2931 §5 (procedures), §5.5 (restart), §5.6 (error handling),
// UNI 3.1 §5.5, UNI 4.0 §2; the original demon (linux-atm sigd) for what the
// kernel is told.
#include "atmsigd/callctl/uni.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "atmsigd/callctl/cause_errno.hpp"
#include "atmsigd/callctl/mapping.hpp"
#include "atmsigd/q2931/text.hpp"

namespace atmsigd::callctl {

using namespace atmsvc;
using q2931::Message;
using q2931::MessageType;
namespace cause = q2931::cause;

namespace {

bool releasing(CallState s) {
  return s == CallState::kReleaseRequest || s == CallState::kReleaseIndication;
}

std::string hex24(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%06x", static_cast<unsigned>(v & 0xffffff));
  return b;
}

}  // namespace

std::string state_name(Side side, CallState s) {
  std::string p = side == Side::kUser ? "U" : "N";
  p += std::to_string(static_cast<int>(s));
  switch (s) {
    case CallState::kNull:
      return p + " Null";
    case CallState::kCallInitiated:
      return p + " Call Initiated";
    case CallState::kOutgoingCallProceeding:
      return p + " Outgoing Call Proceeding";
    case CallState::kCallDelivered:
      return p + " Call Delivered";
    case CallState::kCallPresent:
      return p + " Call Present";
    case CallState::kCallReceived:
      return p + " Call Received";
    case CallState::kConnectRequest:
      return p + " Connect Request";
    case CallState::kIncomingCallProceeding:
      return p + " Incoming Call Proceeding";
    case CallState::kActive:
      return p + " Active";
    case CallState::kReleaseRequest:
      return p + " Release Request";
    case CallState::kReleaseIndication:
      return p + " Release Indication";
  }
  return p + " ?";
}

std::string_view timer_name(Timer t) {
  switch (t) {
    case Timer::kT301:
      return "T301";
    case Timer::kT303:
      return "T303";
    case Timer::kT308:
      return "T308";
    case Timer::kT310:
      return "T310";
    case Timer::kT313:
      return "T313";
    case Timer::kT322:
      return "T322";
  }
  return "T?";
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
  }
  return "?";
}

UniParams UniParams::defaults(Side side, UniVersion v) {
  UniParams p;
  p.side = side;
  p.version = v;
  p.sscf = sscf::Params::for_uni(v);
  if (v == UniVersion::kUni40 || v == UniVersion::kQ2931) {
    p.use_t301 = true;
    if (side == Side::kUser) p.t310 = std::chrono::seconds(30);
  }
  return p;
}

Uni::Uni(UniParams params)
    : params_(std::move(params)),
      sscf_(params_.sscf),
      next_fresh_vci_(params_.first_vci),
      vci_busy_(65536, false) {}

// ---------------------------------------------------------------------------
// Entry points

void Uni::start(TimePoint now) {
  now_ = now;
  out_ = &scratch_;
  started_ = true;
  ensure_link();
  out_ = nullptr;
}

void Uni::from_link(ByteView sscop_pdu, TimePoint now, std::vector<CcEvent>& out) {
  // Shut down and released: the link is dead to us (a peer's BGN goes unanswered).
  if (stopping_ && sscf_.state() == sscf::State::kIdle) return;
  now_ = now;
  out_ = &out;
  run_sscf(sscf::PduReceived{sscop_pdu});
  out_ = nullptr;
}

void Uni::stop_link(TimePoint now) {
  now_ = now;
  out_ = &scratch_;
  stopping_ = true;
  started_ = false;
  link_retry_at_.reset();
  pending_.clear();
  // The kernel is gone: calls still held are forgotten (no message; the peer
  // clears them when its T309 expires).
  if (!calls_.empty()) note("shutdown: " + std::to_string(calls_.size()) + " call(s) forgotten");
  for (Key k : keys_where([](const Call&) { return true; })) {
    auto it = calls_.find(k);
    if (it != calls_.end()) drop_call(it->second, std::nullopt);
  }
  t309_.reset();
  note("shutdown: releasing the signaling link");
  if (sscf_.state() != sscf::State::kIdle) run_sscf(sscf::AalReleaseRequest{});
  // The kernel is gone: whatever on_link_down() decided for it is dropped.
  scratch_.clear();
  out_ = nullptr;
}

std::vector<Bytes> Uni::take_link_pdus() {
  return std::exchange(link_out_, {});
}

void Uni::request(const CcRequest& req, TimePoint now, std::vector<CcEvent>& out) {
  now_ = now;
  out_ = &out;
  if (const auto* c = std::get_if<CcConnect>(&req)) {
    place_call(*c);
  } else if (const auto* a = std::get_if<CcAccept>(&req)) {
    auto it = by_id_.find(a->call);
    auto call = it == by_id_.end() ? calls_.end() : calls_.find(it->second);
    if (call == calls_.end() || call->second.phase != Phase::kIncomingOffered) {
      note("accept of call #" + std::to_string(a->call) + " that is gone: -ECONNABORTED");
      out.push_back(CcReleased{a->sock, kErrCallerGone});
    } else {
      call->second.sock = a->sock;
      by_sock_[a->sock] = call->first;
      dispatch(call->second, Ev::kAcceptRequest, nullptr);
    }
  } else if (const auto* r = std::get_if<CcReject>(&req)) {
    auto it = by_id_.find(r->call);
    if (it != by_id_.end()) {
      Call& call = calls_.at(it->second);
      std::uint8_t cv = cause::kCallRejected;
      switch (r->reason) {
        case RejectReason::kNoListener:
          cv = cause::kIncompatibleDestination;
          break;
        case RejectReason::kKernelRejected:
          cv = reject_cause(r->err);
          break;
        case RejectReason::kListenerClosed:
        case RejectReason::kPolicy:  // the original rejects with "call rejected"
          cv = cause::kCallRejected;
          break;
        case RejectReason::kNotIdentified:  // switch mode: no connection identifier
          cv = cause::kNoVpciVciAvailable;
          break;
      }
      call.release_cause = cv;
      dispatch(call, Ev::kRejectRequest, nullptr);
    }
  } else if (const auto* rel = std::get_if<CcRelease>(&req)) {
    auto it = by_sock_.find(rel->sock);
    if (it != by_sock_.end()) {
      Call& call = calls_.at(it->second);
      by_sock_.erase(it);
      dispatch(call, Ev::kReleaseRequest, nullptr);
    }
  } else if (const auto* idf = std::get_if<CcIdentify>(&req)) {
    identify_call(*idf);
  }
  out_ = nullptr;
}

void Uni::handle_timeouts(TimePoint now, std::vector<CcEvent>& out) {
  now_ = now;
  out_ = &out;
  std::vector<sscf::Action> acts;
  sscf_.handle_timeouts(now, acts);
  process(acts);
  while (!timers_.empty() && std::get<0>(*timers_.begin()) <= now) {
    const auto [when, key, t] = *timers_.begin();
    timers_.erase(timers_.begin());
    auto it = calls_.find(key);
    if (it == calls_.end()) continue;
    Call& c = it->second;
    const auto timer = static_cast<Timer>(t);
    if (timer == Timer::kT322) {
      if (!c.t322 || *c.t322 != when) continue;
      c.t322.reset();
      if (c.enquiries < params_.status_enquiry_sends) {
        send_status_enquiry(c);
      } else {
        // Q.2931 §5.6.12: no STATUS after the retransmissions: clear the call.
        note(tag(c) + ": no STATUS after " + std::to_string(c.enquiries) +
             " STATUS ENQUIRY: clearing with cause 41");
        start_release(c, cause::kTemporaryFailure, kErrTimerExpiry);
      }
      continue;
    }
    if (!c.timer || c.timer->first != timer || c.timer->second != when) continue;
    c.timer.reset();
    note(tag(c) + ": " + std::string(timer_name(timer)) + " expired");
    switch (timer) {
      case Timer::kT301:
        dispatch(c, Ev::kT301, nullptr);
        break;
      case Timer::kT303:
        dispatch(c, Ev::kT303, nullptr);
        break;
      case Timer::kT308:
        dispatch(c, Ev::kT308, nullptr);
        break;
      case Timer::kT310:
        dispatch(c, Ev::kT310, nullptr);
        break;
      case Timer::kT313:
        dispatch(c, Ev::kT313, nullptr);
        break;
      case Timer::kT322:
        break;
    }
  }
  if (link_retry_at_ && *link_retry_at_ <= now) {
    link_retry_at_.reset();
    ensure_link();
  }
  if (t309_ && *t309_ <= now) {
    t309_.reset();
    note("T309 expired: the link did not come back; clearing the active calls");
    for (Key k : keys_where([](const Call&) { return true; })) {
      auto it = calls_.find(k);
      if (it != calls_.end()) drop_call(it->second, kErrNetworkReset);
    }
  }
  for (std::size_t i = 0; i < restarts_.size();) {
    RestartJob& j = restarts_[i];
    if (j.deadline > now) {
      ++i;
      continue;
    }
    if (j.sends < params_.restart_sends) {
      note("T316 expired: RESTART sent again");
      ++j.sends;
      j.deadline = now + params_.t316;
      send_restart(j.vc, false, false);
      ++i;
    } else {
      note("T316 expired: RESTART never acknowledged; giving up (maintenance action needed)");
      restarts_.erase(restarts_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  out_ = nullptr;
}

std::optional<TimePoint> Uni::next_deadline() const {
  std::optional<TimePoint> d = sscf_.next_deadline();
  if (!timers_.empty()) d = earliest(d, std::get<0>(*timers_.begin()));
  d = earliest(d, t309_);
  d = earliest(d, link_retry_at_);
  for (const auto& j : restarts_) d = earliest(d, j.deadline);
  return d;
}

CallState Uni::state_of_sock(SockId sock) const {
  auto it = by_sock_.find(sock);
  if (it == by_sock_.end()) return CallState::kNull;
  return calls_.at(it->second).state;
}

CallState Uni::state_of_call(CallId call) const {
  auto it = by_id_.find(call);
  if (it == by_id_.end()) return CallState::kNull;
  return calls_.at(it->second).state;
}

std::optional<Uni::CallInfo> Uni::call_info(std::uint32_t cref, bool we_originated) const {
  auto it = calls_.find(key_of(cref, we_originated));
  if (it == calls_.end()) return std::nullopt;
  const Call& c = it->second;
  CallInfo i;
  i.state = c.state;
  if (c.timer) i.timer = c.timer->first;
  i.t322 = c.t322.has_value();
  return i;
}

void Uni::restart(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc, TimePoint now,
                  std::vector<CcEvent>& out) {
  now_ = now;
  out_ = &out;
  std::vector<Key> keys;
  for (const auto& [k, c] : calls_)
    if (!vc || (c.vc && *c.vc == *vc)) keys.push_back(k);
  for (Key k : keys) {
    auto it = calls_.find(k);
    if (it != calls_.end()) drop_call(it->second, kErrNetworkReset);
  }
  queue_restart(vc);
  out_ = nullptr;
}

void Uni::queue_restart(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc) {
  restarts_.erase(std::remove_if(restarts_.begin(), restarts_.end(),
                                 [&](const RestartJob& j) { return j.vc == vc; }),
                  restarts_.end());
  restarts_.push_back(RestartJob{vc, now_ + params_.t316, 1});
  note(vc ? "RESTART of VC " + std::to_string(vc->first) + "." + std::to_string(vc->second)
          : std::string("RESTART of all VCs"));
  send_restart(vc, false, false);
}

// ---------------------------------------------------------------------------
// The link (SSCF-UNI)

void Uni::run_sscf(const sscf::Event& ev) {
  std::vector<sscf::Action> acts;
  sscf_.handle(ev, now_, acts);
  process(acts);
}

void Uni::process(std::vector<sscf::Action>& acts) {
  for (auto& a : acts) {
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, sscf::SendPdu>) {
            link_out_.push_back(std::move(x.bytes));
          } else if constexpr (std::is_same_v<T, sscf::AalEstablishIndication>) {
            on_link_up(true);
          } else if constexpr (std::is_same_v<T, sscf::AalEstablishConfirm>) {
            on_link_up(false);
          } else if constexpr (std::is_same_v<T, sscf::AalReleaseIndication> ||
                               std::is_same_v<T, sscf::AalReleaseConfirm>) {
            on_link_down();
          } else if constexpr (std::is_same_v<T, sscf::AalDataIndication>) {
            on_q2931(x.data);
          } else if constexpr (std::is_same_v<T, sscf::AalUnitdataIndication>) {
            note("SAAL unit data ignored (" + std::to_string(x.data.size()) + " octets)");
          } else if constexpr (std::is_same_v<T, sscf::MaaError>) {
            note(std::string("SSCOP MAA-ERROR ") + x.code);
          } else if constexpr (std::is_same_v<T, sscf::Trace>) {
            note("saal: " + x.text);
          }
        },
        a);
  }
}

void Uni::ensure_link() {
  link_retry_at_.reset();
  if (stopping_) return;
  if (sscf_.state() == sscf::State::kIdle) run_sscf(sscf::AalEstablishRequest{});
}

void Uni::on_link_up(bool indication) {
  if (stopping_) {
    // Shutting down: a peer's BGN was answered by SSCF; take the link down again.
    note("SAAL offered by the peer while shutting down: released");
    run_sscf(sscf::AalReleaseRequest{});
    return;
  }
  ++stats_.link_up;
  const bool recovery = indication && was_up_;
  was_up_ = true;
  note(recovery ? "SAAL re-established by the peer (messages may be lost)" : "SAAL up");
  // Messages queued while the link was down (only those whose call still exists).
  auto pending = std::exchange(pending_, {});
  for (auto& [k, bytes] : pending) {
    if (k != kGlobalKey && !calls_.contains(k)) continue;
    std::vector<sscf::Action> acts;
    sscf_.handle(sscf::AalDataRequest{std::move(bytes)}, now_, acts);
    process(acts);
  }
  if (t309_ || recovery) {
    // Q.2931 §5.6.9: the calls that survived are checked with STATUS ENQUIRY.
    if (t309_) note("T309 stopped: checking the surviving calls with STATUS ENQUIRY");
    t309_.reset();
    for (Key k : keys_where([](const Call& c) { return !releasing(c.state); })) {
      auto it = calls_.find(k);
      if (it != calls_.end()) send_status_enquiry(it->second);
    }
  }
  if (params_.restart_on_link_up && !recovery) {
    std::vector<CcEvent> dummy;
    std::vector<CcEvent>* saved = out_;
    restart(std::nullopt, now_, saved != nullptr ? *saved : dummy);
    out_ = saved;
  }
}

void Uni::on_link_down() {
  ++stats_.link_down;
  if (!was_up_ && calls_.empty()) {
    note("SAAL establishment failed; trying again");
  } else {
    note("SAAL down");
  }
  was_up_ = false;
  // Q.2931 §5.6.9: calls not yet active are cleared at once, active ones survive
  // until T309 expires.
  bool active = false;
  for (Key k : keys_where([](const Call&) { return true; })) {
    auto it = calls_.find(k);
    if (it == calls_.end()) continue;
    Call& c = it->second;
    if (c.state == CallState::kActive) {
      active = true;
      stop_t322(c);
      continue;
    }
    drop_call(c, kErrNetworkReset);
  }
  if (active && !t309_) {
    t309_ = now_ + params_.t309;
    note("T309 started: active calls kept for " +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(params_.t309).count()) +
         " ms");
  }
  if (!stopping_ && (started_ || !calls_.empty() || !pending_.empty()))
    link_retry_at_ = now_ + params_.link_retry;
}

// ---------------------------------------------------------------------------
// Messages in

void Uni::on_q2931(ByteView bytes) {
  ++stats_.messages_in;
  const q2931::DecodeResult res = q2931::decode(bytes, params_.version);
  if (!res.message) {
    ++stats_.messages_bad;
    note("<- undecodable message ignored: " + to_hex(bytes, 16));
    return;
  }
  const Message& m = *res.message;
  if (params_.trace_messages) note("<- " + q2931::summary(m, params_.version));
  const q2931::Action action = res.action();
  const std::optional<q2931::Cause> cv = res.cause();
  for (const auto& v : res.verdicts)
    if (v.action != q2931::Action::kProceed || v.cause != 0) note("   " + q2931::to_string(v));
  if (action != q2931::Action::kProceed) ++stats_.messages_bad;

  if (m.cref.is_global()) {
    on_global(m, action, cv);
    return;
  }
  // Unknown message types (§5.6.4) are reported whatever the call reference.
  const bool unknown_type = std::any_of(
      res.verdicts.begin(), res.verdicts.end(),
      [](const q2931::Verdict& v) { return v.problem == q2931::Problem::kUnknownMessageType; });

  const Key k = key_of(m.cref.value, m.cref.flag);
  auto it = calls_.find(k);
  if (it == calls_.end()) {
    if (action == q2931::Action::kDiscardIgnore) return;
    if (unknown_type || action == q2931::Action::kDiscardReportStatus) {
      // No call: report with call state Null (except for RELEASE COMPLETE).
      if (m.type != MessageType::kReleaseComplete && cv)
        send_status(m.cref.value, !m.cref.flag, CallState::kNull, cv->value, cv->diagnostics);
      return;
    }
    if (m.type == MessageType::kSetup && !m.cref.flag) {
      if (action == q2931::Action::kClearCall) {
        // §5.6.7: SETUP with a missing / bad mandatory IE: RELEASE COMPLETE.
        send_release_complete(m.cref.value, true, cv ? cv->value : cause::kInvalidIeContents,
                              cv ? cv->diagnostics : Bytes{});
        return;
      }
      on_new_setup(m);
      if (action == q2931::Action::kProceedReportStatus && cv) {
        auto again = calls_.find(k);
        if (again != calls_.end()) send_status(again->second, cv->value, cv->diagnostics);
      }
      return;
    }
    on_unknown_cref(m);
    return;
  }
  Call& c = it->second;
  switch (action) {
    case q2931::Action::kDiscardIgnore:
      return;
    case q2931::Action::kDiscardReportStatus:
      if (cv) send_status(c, cv->value, cv->diagnostics);
      return;
    case q2931::Action::kClearCall:
      if (m.type == MessageType::kSetup) return;  // a repeated SETUP: ignored anyway
      if (releasing(c.state)) return;
      note(tag(c) + ": clearing the call on a §5.6 error");
      start_release(c, cv ? cv->value : cause::kProtocolError, kErrProtocol,
                    cv ? cv->diagnostics : Bytes{});
      return;
    case q2931::Action::kProceed:
    case q2931::Action::kProceedReportStatus:
      break;
  }
  const bool report = action == q2931::Action::kProceedReportStatus && cv.has_value();
  // RELEASE with a bad mandatory IE: acted upon, the cause goes into RELEASE COMPLETE.
  if (report && m.type == MessageType::kRelease) {
    release_complete_cause_ = cv->value;
  }
  switch (m.type) {
    case MessageType::kStatusEnquiry:
      send_status(c, cause::kResponseToStatusEnquiry);
      break;
    case MessageType::kStatus:
      on_status(c, m);
      break;
    case MessageType::kSetup:
      dispatch(c, Ev::kSetup, &m);
      break;
    case MessageType::kCallProceeding:
      dispatch(c, Ev::kCallProceeding, &m);
      break;
    case MessageType::kAlerting:
      dispatch(c, Ev::kAlerting, &m);
      break;
    case MessageType::kConnect:
      dispatch(c, Ev::kConnect, &m);
      break;
    case MessageType::kConnectAcknowledge:
      dispatch(c, Ev::kConnectAck, &m);
      break;
    case MessageType::kRelease:
      dispatch(c, Ev::kRelease, &m);
      break;
    case MessageType::kReleaseComplete:
      dispatch(c, Ev::kReleaseComplete, &m);
      break;
    case MessageType::kNotify:
      dispatch(c, Ev::kNotify, &m);
      break;
    case MessageType::kRestart:
    case MessageType::kRestartAcknowledge:
    case MessageType::kAddParty:
    case MessageType::kAddPartyAcknowledge:
    case MessageType::kAddPartyReject:
    case MessageType::kDropParty:
    case MessageType::kDropPartyAcknowledge:
    case MessageType::kPartyAlerting:
    case MessageType::kModifyRequest:
    case MessageType::kModifyAcknowledge:
    case MessageType::kModifyReject:
    case MessageType::kConnectionAvailable:
    case MessageType::kLeafSetupFailure:
    case MessageType::kLeafSetupRequest:
      dispatch(c, Ev::kOtherMessage, &m);
      break;
  }
  release_complete_cause_.reset();
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
        send_status(0, !m.cref.flag, CallState::kNull, cv->value, cv->diagnostics);
      return;
    case q2931::Action::kProceed:
    case q2931::Action::kProceedReportStatus:
      break;
  }
  if (m.type == MessageType::kRestart) {
    on_restart(m);
  } else if (m.type == MessageType::kRestartAcknowledge) {
    on_restart_ack(m);
  } else {
    note("STATUS with the global call reference noted");
  }
  if (a == q2931::Action::kProceedReportStatus && cv && m.type != MessageType::kStatus)
    send_status(0, !m.cref.flag, CallState::kNull, cv->value, cv->diagnostics);
}

// §5.6.3.2: a message for a call reference we do not know.
void Uni::on_unknown_cref(const Message& m) {
  const std::uint32_t cref = m.cref.value;
  const bool flag = !m.cref.flag;
  switch (m.type) {
    case MessageType::kReleaseComplete:
      return;
    case MessageType::kStatus: {
      const auto* st = m.find<q2931::CallState>();
      if (st == nullptr || st->state == 0) return;
      // §5.6.12: STATUS with a non-Null state for a call we do not have.
      send_release_complete(cref, flag, cause::kMessageNotCompatibleWithState);
      return;
    }
    case MessageType::kStatusEnquiry:
      send_status(cref, flag, CallState::kNull, cause::kResponseToStatusEnquiry);
      return;
    case MessageType::kSetup:
      note("SETUP with the call reference flag set for an unknown call: ignored");
      return;
    case MessageType::kRelease:
    case MessageType::kAlerting:
    case MessageType::kCallProceeding:
    case MessageType::kConnect:
    case MessageType::kConnectAcknowledge:
    case MessageType::kRestart:
    case MessageType::kRestartAcknowledge:
    case MessageType::kNotify:
    case MessageType::kAddParty:
    case MessageType::kAddPartyAcknowledge:
    case MessageType::kAddPartyReject:
    case MessageType::kDropParty:
    case MessageType::kDropPartyAcknowledge:
    case MessageType::kPartyAlerting:
    case MessageType::kModifyRequest:
    case MessageType::kModifyAcknowledge:
    case MessageType::kModifyReject:
    case MessageType::kConnectionAvailable:
    case MessageType::kLeafSetupFailure:
    case MessageType::kLeafSetupRequest:
      note("message for unknown call reference " + hex24(cref) + ": RELEASE COMPLETE cause 81");
      send_release_complete(cref, flag, cause::kInvalidCallReference);
      return;
  }
  send_release_complete(cref, flag, cause::kInvalidCallReference);
}

void Uni::on_new_setup(const Message& m) {
  IncomingSetup in;
  if (auto prob = decode_setup(m, params_.version, in)) {
    note("SETUP " + hex24(m.cref.value) + " refused: cause " + std::to_string(prob->cause));
    Bytes diag;
    if (prob->ie) diag.push_back(*prob->ie);
    send_release_complete(m.cref.value, true, prob->cause, diag);
    return;
  }
  Call c;
  c.cref = m.cref.value;
  c.we_originated = false;
  c.phase = Phase::kIncomingOffered;
  c.qos = in.qos;
  c.local = in.called;
  if (params_.side == Side::kUser) {
    if (!in.conn_id) {
      // UNI: the network always assigns the connection identifier in SETUP.
      send_release_complete(c.cref, true, cause::kMandatoryIeMissing,
                            Bytes{static_cast<std::uint8_t>(q2931::IeId::kConnectionIdentifier)});
      return;
    }
    if (by_vc_.contains(vc_key(in.conn_id->vpci, in.conn_id->vci))) {
      send_release_complete(c.cref, true, cause::kRequestedVpciVciNotAvailable);
      return;
    }
    c.vc = std::make_pair(in.conn_id->vpci, in.conn_id->vci);
  } else if (!params_.switch_mode) {  // switch mode: the CI comes with CcIdentify
    const auto vci = alloc_vci();
    if (!vci) {
      note("no VCI left: SETUP refused with cause 45");
      send_release_complete(c.cref, true, cause::kNoVpciVciAvailable);
      return;
    }
    c.vc = std::make_pair(params_.vpci, *vci);
    c.vci_ours = true;
  }
  c.id = next_call_id_++;
  const Key k = c.key();
  auto [it, fresh] = calls_.emplace(k, c);
  Call& call = it->second;
  by_id_[call.id] = k;
  if (call.vc) by_vc_[vc_key(call.vc->first, call.vc->second)] = k;
  dispatch(call, Ev::kSetup, &m);
  auto again = calls_.find(k);
  if (again == calls_.end()) return;
  CcIncoming inc{};
  inc.call = call.id;
  inc.pvc = pvc_of(call);
  inc.called = in.called;
  inc.calling = in.calling;
  inc.sap = in.sap;
  inc.qos = in.qos;
  out_->push_back(inc);
}

// §5.6.11 / §5.6.12: STATUS received for a known call.
void Uni::on_status(Call& c, const Message& m) {
  const auto* cs = m.find<q2931::Cause>();
  const auto* st = m.find<q2931::CallState>();
  if (c.t322 && cs != nullptr && cs->value == cause::kResponseToStatusEnquiry) {
    stop_t322(c);
    c.enquiries = 0;
  }
  const int peer = st != nullptr ? st->state : 0;
  const int ours = static_cast<int>(c.state);
  if (peer == 0) {
    // The peer has no such call: release the call reference here. A call in
    // setup is told as for a RELEASE COMPLETE without cause (the original);
    // an active call was lost by the peer (typically it restarted during a
    // link outage: §5.6.9's STATUS ENQUIRY found it gone): -ENETRESET, where
    // the original closes with 0 as for a normal remote release.
    note(tag(c) + ": STATUS says the peer is in Null: call released");
    if (c.phase == Phase::kUp) {
      stop_timer(c);
      stop_t322(c);
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
  if (!compatible) {
    note(tag(c) + ": STATUS reports incompatible state " + std::to_string(peer) +
         ": clearing with cause 101");
    start_release(c, cause::kMessageNotCompatibleWithState, kErrProtocol);
  } else if (peer != ours) {
    note(tag(c) + ": STATUS reports state " + std::to_string(peer) + " (compatible)");
  }
}

void Uni::on_restart(const Message& m) {
  const auto* ri = m.find<q2931::RestartIndicator>();
  const auto* ci = m.find<q2931::ConnectionIdentifier>();
  const std::uint8_t cls = ri != nullptr ? ri->restart_class : 2;
  if ((cls == 0 || cls == 1) && ci == nullptr) {
    send_status(0, !m.cref.flag, CallState::kNull, cause::kMandatoryIeMissing,
                Bytes{static_cast<std::uint8_t>(q2931::IeId::kConnectionIdentifier)});
    return;
  }
  if (cls > 2) {
    send_status(0, !m.cref.flag, CallState::kNull, cause::kInvalidIeContents,
                Bytes{static_cast<std::uint8_t>(q2931::IeId::kRestartIndicator)});
    return;
  }
  std::vector<Key> keys;
  for (const auto& [k, c] : calls_) {
    if (cls == 2 || (cls == 1 && c.vc && c.vc->first == ci->vpci) ||
        (cls == 0 && c.vc && c.vc->first == ci->vpci && c.vc->second == ci->vci))
      keys.push_back(k);
  }
  note("RESTART (class " + std::to_string(cls) + ") received: " + std::to_string(keys.size()) +
       " call(s) cleared");
  for (Key k : keys) {
    auto it = calls_.find(k);
    if (it != calls_.end()) drop_call(it->second, kErrNetworkReset);
  }
  // The calls are cleared at once, so T317 never has to run: acknowledge now.
  Message ack;
  ack.type = MessageType::kRestartAcknowledge;
  ack.cref = {0, !m.cref.flag};
  if (ci != nullptr) ack.add(*ci);
  ack.add(ri != nullptr ? *ri : q2931::RestartIndicator{});
  send(ack, kGlobalKey);
}

void Uni::on_restart_ack(const Message& m) {
  const auto* ri = m.find<q2931::RestartIndicator>();
  const auto* ci = m.find<q2931::ConnectionIdentifier>();
  std::optional<std::pair<std::uint16_t, std::uint16_t>> vc;
  if (ri != nullptr && ri->restart_class != 2 && ci != nullptr)
    vc = std::make_pair(ci->vpci, ci->vci);
  auto it = std::find_if(restarts_.begin(), restarts_.end(),
                         [&](const RestartJob& j) { return j.vc == vc; });
  if (it == restarts_.end()) {
    note("RESTART ACKNOWLEDGE without a RESTART of ours: ignored");
    return;
  }
  restarts_.erase(it);
  note("RESTART acknowledged: T316 stopped");
}

// ---------------------------------------------------------------------------
// The machines

void Uni::dispatch(Call& c, Ev ev, const Message* m) {
  if (params_.side == Side::kUser)
    on_user(c, ev, m);
  else
    on_network(c, ev, m);
}

// Events that every state handles the same way. Returns true if handled.
bool Uni::common(Call& c, Ev ev, const Message* m) {
  switch (ev) {
    case Ev::kRelease:
      // Q.2931 §5.4.4 (and clear collision §5.4.5 in U11/N12).
      clear_by_peer(c, *m, false);
      return true;
    case Ev::kReleaseComplete:
      clear_by_peer(c, *m, true);
      return true;
    case Ev::kNotify:
      note(tag(c) + ": NOTIFY noted");
      return true;
    case Ev::kOtherMessage:
      // §5.6.4: a message p2p call control does not implement.
      send_status(
          c, cause::kMessageTypeNonExistent,
          Bytes{static_cast<std::uint8_t>(m != nullptr ? static_cast<std::uint8_t>(m->type) : 0)});
      return true;
    case Ev::kT308:
      if (!releasing(c.state)) return false;
      if (c.sends < params_.release_sends) {
        ++c.sends;
        Message r = make(MessageType::kRelease, c);
        q2931::Cause cv;
        cv.value = c.release_cause;
        r.add(cv);
        q2931::Cause second;
        second.value = cause::kRecoveryOnTimerExpiry;
        second.diagnostics = {'3', '0', '8'};
        r.add(second);
        send(r, c.key());
        set_timer(c, Timer::kT308);
      } else {
        // Q.2931 §5.4.3: second expiry: release the call reference; the VC
        // is returned to the idle condition with a RESTART of that VC.
        note(tag(c) + ": no answer to RELEASE: call reference released");
        const auto vc = c.vc;
        drop_call(c, std::nullopt);
        if (vc && params_.restart_after_t308) queue_restart(vc);
      }
      return true;
    case Ev::kReleaseRequest:
      if (releasing(c.state)) {
        c.phase = Phase::kGone;
        return true;
      }
      c.phase = Phase::kGone;
      start_release(c, normal_release_cause(params_.version), std::nullopt);
      return true;
    case Ev::kSetup:
      if (m != nullptr) {
        note(tag(c) + ": repeated SETUP ignored");
        return true;
      }
      return false;
    case Ev::kSetupRequest:
    case Ev::kAcceptRequest:
    case Ev::kRejectRequest:
    case Ev::kIdentifyRequest:
    case Ev::kCallProceeding:
    case Ev::kAlerting:
    case Ev::kConnect:
    case Ev::kConnectAck:
    case Ev::kT301:
    case Ev::kT303:
    case Ev::kT310:
    case Ev::kT313:
      return false;
  }
  return false;
}

// Q.2931 user side (Call-Control-U).
void Uni::on_user(Call& c, Ev ev, const Message* m) {
  switch (c.state) {
    case CallState::kNull:
      if (ev == Ev::kSetupRequest) {  // CcConnect: SETUP sent
        set_state(c, CallState::kCallInitiated);
        set_timer(c, Timer::kT303);
        return;
      }
      if (ev == Ev::kSetup) {  // SETUP received: offered to the kernel
        set_state(c, CallState::kCallPresent);
        if (params_.user_sends_call_proceeding) {
          send(make(MessageType::kCallProceeding, c), c.key());
          set_state(c, CallState::kIncomingCallProceeding);
        }
        return;
      }
      break;
    case CallState::kCallInitiated:  // U1
      if (ev == Ev::kCallProceeding) {
        stop_timer(c);
        take_conn_id(c, *m);
        set_state(c, CallState::kOutgoingCallProceeding);
        set_timer(c, Timer::kT310);
        return;
      }
      if (ev == Ev::kAlerting) {
        stop_timer(c);
        take_conn_id(c, *m);
        set_state(c, CallState::kCallDelivered);
        if (params_.use_t301) set_timer(c, Timer::kT301);
        return;
      }
      if (ev == Ev::kConnect) {
        connected(c, *m);
        return;
      }
      if (ev == Ev::kT303) {
        if (c.sends < params_.setup_sends) {
          ++c.sends;
          note(tag(c) + ": SETUP sent again");
          if (link_up()) {
            std::vector<sscf::Action> acts;
            sscf_.handle(sscf::AalDataRequest{c.last_setup}, now_, acts);
            ++stats_.messages_out;
            process(acts);
          }
          set_timer(c, Timer::kT303);
        } else {
          // Q.2931 §5.1.1: second expiry: RELEASE COMPLETE cause 102, Null.
          send_release_complete(c.cref, false, cause::kRecoveryOnTimerExpiry, Bytes{'3', '0', '3'});
          drop_call(c, kErrTimerExpiry);
        }
        return;
      }
      break;
    case CallState::kOutgoingCallProceeding:  // U3
      if (ev == Ev::kAlerting) {
        stop_timer(c);
        take_conn_id(c, *m);
        set_state(c, CallState::kCallDelivered);
        if (params_.use_t301) set_timer(c, Timer::kT301);
        return;
      }
      if (ev == Ev::kConnect) {
        connected(c, *m);
        return;
      }
      if (ev == Ev::kT310) {
        start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '1', '0'});
        return;
      }
      break;
    case CallState::kCallDelivered:  // U4
      if (ev == Ev::kConnect) {
        connected(c, *m);
        return;
      }
      if (ev == Ev::kT301) {
        start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '0', '1'});
        return;
      }
      break;
    case CallState::kCallPresent:             // U6
    case CallState::kCallReceived:            // U7
    case CallState::kIncomingCallProceeding:  // U9
      if (ev == Ev::kAcceptRequest) {
        accept_call(c);
        return;
      }
      if (ev == Ev::kRejectRequest) {
        reject_call(c, c.release_cause);
        return;
      }
      break;
    case CallState::kConnectRequest:  // U8
      if (ev == Ev::kConnectAck) {
        stop_timer(c);
        set_state(c, CallState::kActive);
        c.phase = Phase::kUp;
        out_->push_back(CcEstablished{c.sock, pvc_of(c), c.local, c.qos});
        return;
      }
      if (ev == Ev::kT313) {
        start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '1', '3'});
        return;
      }
      break;
    case CallState::kActive:  // U10
      break;
    case CallState::kReleaseRequest:     // U11
    case CallState::kReleaseIndication:  // U12
      if (common(c, ev, m)) return;
      // Anything else while the call is being cleared is ignored (§5.4).
      note(tag(c) + ": " + std::string(ev_name(ev)) + " ignored while clearing");
      return;
  }
  if (common(c, ev, m)) return;
  unexpected(c, ev, m);
}

// Q.2931 network side (Call-Control-N). The demon terminates the calls itself
// (the original's "-m network"): it assigns the connection identifiers.
void Uni::on_network(Call& c, Ev ev, const Message* m) {
  switch (c.state) {
    case CallState::kNull:
      if (ev == Ev::kSetupRequest) {  // SETUP sent to the user
        set_state(c, CallState::kCallPresent);
        set_timer(c, Timer::kT303);
        return;
      }
      if (ev == Ev::kSetup) {  // N1, answered at once with CALL PROCEEDING (N3)
        set_state(c, CallState::kCallInitiated);
        if (params_.switch_mode) return;  // N1 until CcIdentify names the CI
        send_call_proceeding_with_ci(c);
        return;
      }
      break;
    case CallState::kCallPresent:  // N6: SETUP sent
      if (ev == Ev::kCallProceeding) {
        stop_timer(c);
        set_state(c, CallState::kIncomingCallProceeding);
        set_timer(c, Timer::kT310);
        return;
      }
      if (ev == Ev::kAlerting) {
        stop_timer(c);
        set_state(c, CallState::kCallReceived);
        if (params_.use_t301) set_timer(c, Timer::kT301);
        return;
      }
      if (ev == Ev::kConnect) {
        connected(c, *m);
        return;
      }
      if (ev == Ev::kT303) {
        if (c.sends < params_.setup_sends) {
          ++c.sends;
          note(tag(c) + ": SETUP sent again");
          if (link_up()) {
            std::vector<sscf::Action> acts;
            sscf_.handle(sscf::AalDataRequest{c.last_setup}, now_, acts);
            ++stats_.messages_out;
            process(acts);
          }
          set_timer(c, Timer::kT303);
        } else {
          send_release_complete(c.cref, false, cause::kRecoveryOnTimerExpiry, Bytes{'3', '0', '3'});
          drop_call(c, kErrTimerExpiry);
        }
        return;
      }
      break;
    case CallState::kIncomingCallProceeding:  // N9: CALL PROCEEDING received
      if (ev == Ev::kAlerting) {
        stop_timer(c);
        set_state(c, CallState::kCallReceived);
        if (params_.use_t301) set_timer(c, Timer::kT301);
        return;
      }
      if (ev == Ev::kConnect) {
        connected(c, *m);
        return;
      }
      if (ev == Ev::kT310) {
        start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '1', '0'});
        return;
      }
      break;
    case CallState::kCallReceived:  // N7: ALERTING received
      if (ev == Ev::kConnect) {
        connected(c, *m);
        return;
      }
      if (ev == Ev::kT301) {
        start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '0', '1'});
        return;
      }
      break;
    case CallState::kCallInitiated:      // N1 (transient, except in switch mode)
      if (ev == Ev::kIdentifyRequest) {  // switch mode: CALL PROCEEDING with the CI
        send_call_proceeding_with_ci(c);
        return;
      }
      if (ev == Ev::kAcceptRequest && !c.vc) {
        // Switch mode, no CcIdentify yet: the original exits ("No CI
        // allocator"); we release this call (cause 45) and refuse the accept.
        note(tag(c) +
             ": accept without a connection identifier (no as_identify): "
             "call released, -EINVAL");
        c.phase = Phase::kIncomingAccepted;
        start_release(c, cause::kNoVpciVciAvailable, -EINVAL);
        return;
      }
      [[fallthrough]];
    case CallState::kOutgoingCallProceeding:  // N3: CALL PROCEEDING sent
    case CallState::kCallDelivered:           // N4: ALERTING sent (never: no kernel primitive)
      if (ev == Ev::kAcceptRequest) {
        accept_call(c);
        return;
      }
      if (ev == Ev::kRejectRequest) {
        reject_call(c, c.release_cause);
        return;
      }
      break;
    case CallState::kConnectRequest:  // N8 (transient: CONNECT ACK is sent at once)
      break;
    case CallState::kActive:              // N10
      if (ev == Ev::kConnectAck) return;  // the caller's answer to our CONNECT
      break;
    case CallState::kReleaseRequest:     // N11 (transient)
    case CallState::kReleaseIndication:  // N12: RELEASE sent
      if (common(c, ev, m)) return;
      note(tag(c) + ": " + std::string(ev_name(ev)) + " ignored while clearing");
      return;
  }
  if (common(c, ev, m)) return;
  unexpected(c, ev, m);
}

void Uni::unexpected(Call& c, Ev ev, const Message* m) {
  if (m == nullptr) {
    note(tag(c) + ": " + std::string(ev_name(ev)) + " unexpected, ignored");
    return;
  }
  // §5.6.5 (Q.2931) / UNI 3.1 §5.6.6: message not compatible with the call state.
  note(tag(c) + ": " + std::string(ev_name(ev)) + " not expected: STATUS cause 101");
  send_status(c, cause::kMessageNotCompatibleWithState, Bytes{static_cast<std::uint8_t>(m->type)});
}

// ---------------------------------------------------------------------------
// Procedures

void Uni::place_call(const CcConnect& req) {
  if (by_sock_.contains(req.sock)) {
    note("socket #" + std::to_string(req.sock) + " already has a call: -EALREADY");
    out_->push_back(CcReleased{req.sock, -EALREADY});
    return;
  }
  const auto cref = alloc_cref();
  if (!cref) {
    out_->push_back(CcReleased{req.sock, -EAGAIN});
    return;
  }
  Call c;
  c.cref = *cref;
  c.we_originated = true;
  c.phase = Phase::kOutgoing;
  c.sock = req.sock;
  c.qos = req.qos;
  c.local = req.local;
  if (!params_.switch_mode && !address_in_use(c.local) && !params_.local_addresses.empty())
    c.local = params_.local_addresses.front();  // a null local address: ours
  Message m = make(MessageType::kSetup, c);
  std::optional<q2931::ConnectionIdentifier> ci;
  if (params_.switch_mode) {
    // The user of signaling chose the connection identifier.
    const auto vc = req.pvc.sap_family == AF_ATMPVC ? vc_of_pvc(req.pvc) : std::nullopt;
    if (!vc) {
      note("call of socket #" + std::to_string(req.sock) +
           " refused: switch mode needs a connection identifier (pvc) the VPCI map covers: "
           "-EINVAL");
      out_->push_back(CcReleased{req.sock, -EINVAL});
      return;
    }
    if (by_vc_.contains(vc_key(vc->first, vc->second))) {
      note("call of socket #" + std::to_string(req.sock) + " refused: VPCI/VCI " +
           std::to_string(vc->first) + "/" + std::to_string(vc->second) +
           " already in use: -EADDRINUSE");
      out_->push_back(CcReleased{req.sock, -EADDRINUSE});
      return;
    }
    c.vc = vc;
    ci.emplace();
    ci->vp_associated = 1;
    ci->exclusivity = 0;
    ci->vpci = vc->first;
    ci->vci = vc->second;
  } else if (params_.side == Side::kNetwork) {
    const auto vci = alloc_vci();
    if (!vci) {
      note("no VCI left for the call of socket #" + std::to_string(req.sock));
      out_->push_back(CcReleased{req.sock, -EAGAIN});
      return;
    }
    c.vc = std::make_pair(params_.vpci, *vci);
    c.vci_ours = true;
    ci.emplace();
    ci->vp_associated = 1;
    ci->exclusivity = 0;
    ci->vpci = params_.vpci;
    ci->vci = *vci;
  }
  if (auto err = add_setup_ies(m, req.called, c.local, req.sap, req.qos, params_.version,
                               params_.link_rate, ci ? &*ci : nullptr)) {
    free_vc(c);
    note("call of socket #" + std::to_string(req.sock) + " refused: " + std::strerror(-err->err));
    out_->push_back(CcReleased{req.sock, err->err});
    return;
  }
  c.last_setup = q2931::encode(m, params_.version);
  c.sends = 1;
  const Key k = c.key();
  auto [it, fresh] = calls_.emplace(k, std::move(c));
  Call& call = it->second;
  by_sock_[call.sock] = k;
  if (call.vc) by_vc_[vc_key(call.vc->first, call.vc->second)] = k;
  send(m, k);
  dispatch(call, Ev::kSetupRequest, nullptr);
}

// Switch mode: CcIdentify names the connection identifier of an offered call
// still in N1; CALL PROCEEDING carries it (N3).
void Uni::identify_call(const CcIdentify& req) {
  auto it = by_id_.find(req.call);
  auto call = it == by_id_.end() ? calls_.end() : calls_.find(it->second);
  if (call == calls_.end() || call->second.phase != Phase::kIncomingOffered) {
    note("identify of call #" + std::to_string(req.call) + " that is gone: ignored");
    return;
  }
  Call& c = call->second;
  if (!params_.switch_mode || c.state != CallState::kCallInitiated || c.vc) {
    note(tag(c) + ": identify ignored (" +
         (params_.switch_mode ? "already identified" : "not in switch mode") + ")");
    return;
  }
  const auto vc = req.pvc.sap_family == AF_ATMPVC ? vc_of_pvc(req.pvc) : std::nullopt;
  if (!vc || by_vc_.contains(vc_key(vc->first, vc->second))) {
    const std::uint8_t cv = vc ? cause::kRequestedVpciVciNotAvailable : cause::kNoVpciVciAvailable;
    note(tag(c) + ": identify with " + (vc ? "a VPCI/VCI in use" : "no usable pvc") +
         ": call released with cause " + std::to_string(cv));
    // Nothing was answered yet (N1): RELEASE COMPLETE.
    send_release_complete(c.cref, true, cv);
    drop_call(c, kErrCallerGone);
    return;
  }
  c.vc = vc;
  by_vc_[vc_key(vc->first, vc->second)] = c.key();
  dispatch(c, Ev::kIdentifyRequest, nullptr);
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
    Call probe;
    probe.vc =
        std::make_pair(static_cast<std::uint16_t>(e.vpci + vpi), static_cast<std::uint16_t>(vci));
    const auto back = pvc_of(probe);
    if (back.sap_addr.itf == pvc.sap_addr.itf && back.sap_addr.vpi == vpi) return probe.vc;
  }
  return std::nullopt;
}

void Uni::accept_call(Call& c) {
  Message m = make(MessageType::kConnect, c);
  m.add(connect_aal(c.qos, params_.version));
  send(m, c.key());
  if (params_.side == Side::kUser) {
    c.phase = Phase::kIncomingAccepted;
    set_state(c, CallState::kConnectRequest);
    set_timer(c, Timer::kT313);
  } else {
    // The network enters N10 on sending CONNECT (Q.2931 §5.2.8).
    c.phase = Phase::kUp;
    set_state(c, CallState::kActive);
    out_->push_back(CcEstablished{c.sock, pvc_of(c), c.local, c.qos});
  }
}

void Uni::reject_call(Call& c, std::uint8_t cv) {
  c.phase = Phase::kGone;
  if (c.state == CallState::kCallPresent && params_.side == Side::kUser) {
    // U6: nothing was answered yet: RELEASE COMPLETE (as the original).
    send_release_complete(c.cref, !c.we_originated, cv);
    drop_call(c, std::nullopt);
    return;
  }
  start_release(c, cv, std::nullopt);
}

// Outgoing call: CONNECT received. CONNECT ACKNOWLEDGE, active.
void Uni::connected(Call& c, const Message& m) {
  stop_timer(c);
  take_conn_id(c, m);
  if (!c.vc) {
    // The network never told us the connection identifier (the original: -EPROTO).
    start_release(c, cause::kMandatoryIeMissing, kErrProtocol,
                  Bytes{static_cast<std::uint8_t>(q2931::IeId::kConnectionIdentifier)});
    return;
  }
  apply_connect(m, c.qos);
  if (params_.side == Side::kNetwork) set_state(c, CallState::kConnectRequest);
  send(make(MessageType::kConnectAcknowledge, c), c.key());
  set_state(c, CallState::kActive);
  c.phase = Phase::kUp;
  out_->push_back(CcEstablished{c.sock, pvc_of(c), c.local, c.qos});
}

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
void Uni::clear_by_peer(Call& c, const Message& m, bool complete) {
  stop_timer(c);
  stop_t322(c);
  if (!complete) {
    if (releasing(c.state)) {
      // Clear collision (§5.4.5): both sent RELEASE; no RELEASE COMPLETE.
      drop_call(c, std::nullopt);
      return;
    }
    set_state(c, params_.side == Side::kUser ? CallState::kReleaseIndication
                                             : CallState::kReleaseRequest);
    send_release_complete(c.cref, !c.we_originated, release_complete_cause_);
  }
  const auto* cv = m.find<q2931::Cause>();
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
  if (cv != nullptr)
    note(tag(c) + ": cleared by the peer, cause " + std::to_string(value) + " (" +
         std::string(q2931::cause_name(value)) + ")");
  drop_call(c, err);
}

void Uni::start_release(Call& c, std::uint8_t cv, std::optional<int> tell_kernel, Bytes diag) {
  stop_timer(c);
  stop_t322(c);
  if (tell_kernel) tell_kernel_gone(c, *tell_kernel);
  c.phase = Phase::kGone;
  if (c.sock != 0) {
    by_sock_.erase(c.sock);
    c.sock = 0;
  }
  Message r = make(MessageType::kRelease, c);
  q2931::Cause cause_ie;
  cause_ie.value = cv;
  cause_ie.diagnostics = std::move(diag);
  r.add(cause_ie);
  c.release_cause = cv;
  c.sends = 1;
  send(r, c.key());
  set_state(
      c, params_.side == Side::kUser ? CallState::kReleaseRequest : CallState::kReleaseIndication);
  set_timer(c, Timer::kT308);
}

void Uni::tell_kernel_gone(Call& c, int err) {
  switch (c.phase) {
    case Phase::kOutgoing:
    case Phase::kIncomingAccepted:
    case Phase::kUp:
      out_->push_back(CcReleased{c.sock, err});
      break;
    case Phase::kIncomingOffered:
      out_->push_back(CcIncomingGone{c.id});
      break;
    case Phase::kGone:
      break;
  }
  c.phase = Phase::kGone;
}

void Uni::drop_call(Call& c, std::optional<int> tell_kernel) {
  if (tell_kernel) tell_kernel_gone(c, *tell_kernel);
  if (c.state != CallState::kNull) set_state(c, CallState::kNull);
  erase_call(c.key());
}

void Uni::set_state(Call& c, CallState s) {
  if (c.state == s) return;
  if (params_.trace_messages) note(tag(c) + " -> " + state_name(params_.side, s));
  c.state = s;
}

void Uni::erase_call(Key k) {
  auto it = calls_.find(k);
  if (it == calls_.end()) return;
  Call& c = it->second;
  stop_timer(c);
  stop_t322(c);
  free_vc(c);
  if (c.sock != 0) {
    auto s = by_sock_.find(c.sock);
    if (s != by_sock_.end() && s->second == k) by_sock_.erase(s);
  }
  if (c.id != 0) by_id_.erase(c.id);
  calls_.erase(it);
}

std::vector<Uni::Key> Uni::keys_where(bool (*pred)(const Call&)) const {
  std::vector<Key> keys;
  for (const auto& [k, c] : calls_)
    if (pred(c)) keys.push_back(k);
  return keys;
}

// ---------------------------------------------------------------------------
// Messages out

Message Uni::make(MessageType t, const Call& c) const {
  Message m;
  m.type = t;
  // Flag 0 from the side that allocated the call reference, 1 towards it.
  m.cref = {c.cref, !c.we_originated};
  return m;
}

void Uni::send(const Message& m, Key owner) {
  ++stats_.messages_out;
  if (params_.trace_messages) note("-> " + q2931::summary(m, params_.version));
  Bytes bytes = q2931::encode(m, params_.version);
  if (sscf_.established()) {
    std::vector<sscf::Action> acts;
    sscf_.handle(sscf::AalDataRequest{std::move(bytes)}, now_, acts);
    process(acts);
  } else {
    pending_.emplace_back(owner, std::move(bytes));
    if (!link_retry_at_) ensure_link();
  }
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

void Uni::send_status(std::uint32_t cref, bool flag, CallState st, std::uint8_t cv, Bytes diag) {
  ++stats_.status_sent;
  Message m;
  m.type = MessageType::kStatus;
  m.cref = {cref, flag};
  q2931::CallState cs;
  cs.state = static_cast<std::uint8_t>(st);
  m.add(cs);
  q2931::Cause c;
  c.value = cv;
  c.diagnostics = std::move(diag);
  m.add(c);
  send(m, kGlobalKey);
}

void Uni::send_status(const Call& c, std::uint8_t cv, Bytes diag) {
  send_status(c.cref, !c.we_originated, c.state, cv, std::move(diag));
}

void Uni::send_release_complete(std::uint32_t cref, bool flag, std::optional<std::uint8_t> cv,
                                Bytes diag) {
  Message m;
  m.type = MessageType::kReleaseComplete;
  m.cref = {cref, flag};
  if (cv) {
    q2931::Cause c;
    c.value = *cv;
    c.diagnostics = std::move(diag);
    m.add(c);
  }
  send(m, kGlobalKey);
}

void Uni::send_status_enquiry(Call& c) {
  ++c.enquiries;
  send(make(MessageType::kStatusEnquiry, c), c.key());
  stop_t322(c);
  c.t322 = now_ + params_.t322;
  timers_.emplace(*c.t322, c.key(), static_cast<std::uint8_t>(Timer::kT322));
}

void Uni::send_restart(const std::optional<std::pair<std::uint16_t, std::uint16_t>>& vc, bool ack,
                       bool flag) {
  Message m;
  m.type = ack ? MessageType::kRestartAcknowledge : MessageType::kRestart;
  m.cref = {0, flag};
  q2931::RestartIndicator ri;
  ri.restart_class = vc ? 0 : 2;
  if (vc) {
    q2931::ConnectionIdentifier ci;
    ci.vp_associated = 1;
    ci.exclusivity = 0;
    ci.vpci = vc->first;
    ci.vci = vc->second;
    m.add(ci);
  }
  m.add(ri);
  send(m, kGlobalKey);
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
  }
  return params_.t303;
}

void Uni::set_timer(Call& c, Timer t) {
  stop_timer(c);
  const TimePoint when = now_ + duration(t);
  c.timer = std::make_pair(t, when);
  timers_.emplace(when, c.key(), static_cast<std::uint8_t>(t));
}

void Uni::stop_timer(Call& c) {
  if (!c.timer) return;
  timers_.erase({c.timer->second, c.key(), static_cast<std::uint8_t>(c.timer->first)});
  c.timer.reset();
}

void Uni::stop_t322(Call& c) {
  if (!c.t322) return;
  timers_.erase({*c.t322, c.key(), static_cast<std::uint8_t>(Timer::kT322)});
  c.t322.reset();
}

// ---------------------------------------------------------------------------
// Allocation

std::optional<std::uint32_t> Uni::alloc_cref() {
  // 23 bits; 0 is the global and 0x7fffff the dummy call reference. Amortized
  // O(1): the next value not in use by a call we originated.
  for (std::uint32_t tries = 0; tries < 0x7ffffeu; ++tries) {
    const std::uint32_t v = next_cref_;
    next_cref_ = next_cref_ >= 0x7ffffeu ? 1 : next_cref_ + 1;
    if (!calls_.contains(key_of(v, true))) return v;
  }
  return std::nullopt;
}

std::optional<std::uint16_t> Uni::alloc_vci() {
  std::uint16_t vci = 0;
  if (next_fresh_vci_ <= params_.last_vci) {
    vci = static_cast<std::uint16_t>(next_fresh_vci_++);
  } else {
    while (!vci_free_.empty() && vci_busy_[vci_free_.front()]) vci_free_.pop_front();
    if (vci_free_.empty()) return std::nullopt;
    vci = vci_free_.front();
    vci_free_.pop_front();
  }
  vci_busy_[vci] = true;
  ++vci_count_;
  return vci;
}

void Uni::free_vc(Call& c) {
  if (!c.vc) return;
  auto it = by_vc_.find(vc_key(c.vc->first, c.vc->second));
  if (it != by_vc_.end() && it->second == c.key()) by_vc_.erase(it);
  if (c.vci_ours && vci_busy_[c.vc->second]) {
    vci_busy_[c.vc->second] = false;
    --vci_count_;
    vci_free_.push_back(c.vc->second);
  }
  c.vci_ours = false;
  c.vc.reset();
}

struct sockaddr_atmpvc Uni::pvc_of(const Call& c) const {
  struct sockaddr_atmpvc a;
  std::memset(&a, 0, sizeof a);
  a.sap_family = AF_ATMPVC;
  if (!c.vc) return a;
  const std::uint16_t vpci = c.vc->first;
  short itf = params_.itf;
  int vpi = vpci;
  const VpciMapping* best = nullptr;
  for (const auto& e : params_.vpci_map)
    if (e.vpci <= vpci && (best == nullptr || e.vpci > best->vpci)) best = &e;
  if (best != nullptr) {
    itf = best->itf;
    vpi = vpci - best->vpci;
  }
  a.sap_addr.itf = itf;
  a.sap_addr.vpi = static_cast<short>(vpi);
  a.sap_addr.vci = c.vc->second;
  return a;
}

std::string Uni::tag(const Call& c) const {
  return std::string(params_.side == Side::kUser ? "uni[user]" : "uni[net]") + "{" +
         state_name(params_.side, c.state) + "} cref " + hex24(c.cref) +
         (c.we_originated ? "/orig" : "/dest");
}

}  // namespace atmsigd::callctl
