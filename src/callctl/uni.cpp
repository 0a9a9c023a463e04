// Q.2931 / UNI point-to-point call control, user and network side: the entry
// points, the SAAL link (SSCF-UNI), messages out, allocation. The coordinator
// is coordinator.cpp, the call machine call_machine.cpp, the restart machine
// restart.cpp (docs/callctl.md).
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
#include "atmsigd/util/buffer_pool.hpp"
#include "uni_internal.hpp"

namespace atmsigd::callctl {

using namespace atmsvc;
using q2931::Message;
using q2931::MessageType;
namespace cause = q2931::cause;
using detail::releasing;

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
    case CallState::kModifyRequest:
      return p + " Modify Request";
    case CallState::kModifyReceived:
      return p + " Modify Received";
  }
  return p + " ?";
}

std::string_view state_label(Side side, CallState s) {
  // Indexed by the call state IE code (Q.2931 §4.5.7); 2 and 5 are unused.
  static constexpr std::string_view kUser[] = {"U0 Null",
                                               "U1 Call Initiated",
                                               "U2 ?",
                                               "U3 Outgoing Call Proceeding",
                                               "U4 Call Delivered",
                                               "U5 ?",
                                               "U6 Call Present",
                                               "U7 Call Received",
                                               "U8 Connect Request",
                                               "U9 Incoming Call Proceeding",
                                               "U10 Active",
                                               "U11 Release Request",
                                               "U12 Release Indication",
                                               "U13 Modify Request",
                                               "U14 Modify Received"};
  static constexpr std::string_view kNetwork[] = {"N0 Null",
                                                  "N1 Call Initiated",
                                                  "N2 ?",
                                                  "N3 Outgoing Call Proceeding",
                                                  "N4 Call Delivered",
                                                  "N5 ?",
                                                  "N6 Call Present",
                                                  "N7 Call Received",
                                                  "N8 Connect Request",
                                                  "N9 Incoming Call Proceeding",
                                                  "N10 Active",
                                                  "N11 Release Request",
                                                  "N12 Release Indication",
                                                  "N13 Modify Request",
                                                  "N14 Modify Received"};
  const auto i = static_cast<std::size_t>(s);
  if (i >= std::size(kUser)) return side == Side::kUser ? "U?" : "N?";
  return side == Side::kUser ? kUser[i] : kNetwork[i];
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
    case Timer::kT360:
      return "T360";
    case Timer::kT361:
      return "T361";
  }
  return "T?";
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
      sscf_([this] {
        auto s = params_.sscf;  // SSCF and SSCOP emit with the Uni's filter
        s.levels = params_.levels;
        return s;
      }()),
      vcs_(params_.vc_ranges) {
  make_timer_tables();
}

// ---------------------------------------------------------------------------
// Entry points

template <class T>
void Uni::on_input(const T& x) {
  if constexpr (std::is_same_v<T, LinkPdu>) {
    // Shut down and released: the link is dead to us (a peer's BGN goes unanswered).
    if (!(stopping_ && sscf_.state() == sscf::State::kIdle)) receive_pdu(x.bytes);
  } else if constexpr (std::is_same_v<T, StartLinks>) {
    start_link();
  } else if constexpr (std::is_same_v<T, StopLinks>) {
    // The kernel is gone: whatever on_link_down() decides for it is dropped.
    auto& out = *out_;
    const auto mark = static_cast<std::ptrdiff_t>(out.size());
    stop_link();
    out.erase(std::remove_if(out.begin() + mark, out.end(),
                             [](const NetOutput& o) { return is_cc_event(o); }),
              out.end());
  } else if constexpr (std::is_same_v<T, LocalAddresses>) {
    if (x.itf == params_.itf) set_local_addresses(x.addrs);
  } else if constexpr (std::is_same_v<T, RestartVcs>) {
    restart_request(x);
  } else if constexpr (std::is_same_v<T, KernelStalled>) {
    on_kernel_stalled(x.stalled);
  } else {
    request(x);
  }
}

void Uni::handle(const NetInput& in, TimePoint now, std::vector<NetOutput>& out) {
  now_ = now;
  out_ = &out;
  // One visit: the input's type picks its branch (no chain of tests).
  std::visit([this](const auto& x) { on_input(x); }, in);
  report_link_state();
  out_ = nullptr;
}

void Uni::handle_request(const atmsvc::CcRequest& r, TimePoint now, std::vector<NetOutput>& out) {
  now_ = now;
  out_ = &out;
  std::visit([this](const auto& x) { request(x); }, r);  // as on_input's last branch
  report_link_state();
  out_ = nullptr;
}

// The engine's path: the same, with what is for the shell put straight into
// its action list (to_shell()).
void Uni::handle_split(const NetInput& in, TimePoint now, atmsvc::CcOutputs& out) {
  // The single-list body repeated, not called (GCC did not inline it: ≈ 25 a call).
  now_ = now;
  out_ = &out.events;
  shell_ = &out.actions;
  std::visit([this](const auto& x) { on_input(x); }, in);
  report_link_state();
  out_ = nullptr;
  shell_ = nullptr;
}

void Uni::handle_request_split(const atmsvc::CcRequest& r, TimePoint now, atmsvc::CcOutputs& out) {
  now_ = now;
  out_ = &out.events;
  shell_ = &out.actions;
  std::visit([this](const auto& x) { request(x); }, r);  // as on_input's last branch
  report_link_state();
  out_ = nullptr;
  shell_ = nullptr;
}

void Uni::report_link_state() {
  const bool up = sscf_.established();
  if (up == reported_up_) return;
  reported_up_ = up;
  to_shell(LinkState{0, up});
}

void Uni::start_link() {
  started_ = true;
  ensure_link();
}

void Uni::stop_link() {
  stopping_ = true;
  started_ = false;
  link_retry_at_.reset();
  pending_.clear();
  // The kernel is gone: calls still held are forgotten (no message; the peer
  // clears them when its T309 expires).
  if (!calls_.empty()) emit(log::Id::kCallShutdownForgotten, params_.log_name, calls_.size());
  for (Key k : keys_where([](const Call&) { return true; })) {
    auto it = calls_.find(k);
    if (it != calls_.end()) drop_call(it->second, std::nullopt);
  }
  t309_.reset();
  emit(log::Id::kCallShutdownRelease, params_.log_name);
  if (sscf_.state() != sscf::State::kIdle) run_sscf(sscf::AalReleaseRequest{});
}

void Uni::request(const CcConnect& c) {
  place_call(c);
}

void Uni::request(const CcAccept& a) {
  const Key* k = by_id_.find_ptr(a.call);
  Call* call = k != nullptr ? calls_.find_ptr(*k) : nullptr;
  if (call == nullptr && party_accept(a)) {
    // Q.2971: an offered leaf party (party_machine.cpp).
  } else if (call == nullptr || call->phase != Phase::kIncomingOffered) {
    emit(log::Id::kCallAcceptGone, params_.log_name, a.call);
    out_->push_back(CcReleased{a.sock, kErrCallerGone});
  } else {
    call->sock = a.sock;
    by_sock_[a.sock] = call->key();
    In in{Ev::kAcceptRequest};
    in.blli = &a.blli;
    dispatch(*call, in);
  }
}

void Uni::request(const CcReject& r) {
  // Only an offered call can be rejected; for one already gone (the caller
  // released it meanwhile) there is nothing left to do. O(1) at any K.
  Call* found = find_offered(r.call);
  std::uint8_t cv = cause::kCallRejected;
  switch (r.reason) {
    case RejectReason::kNoListener:
      cv = cause::kIncompatibleDestination;
      break;
    case RejectReason::kKernelRejected:
      cv = reject_cause(r.err);
      break;
    case RejectReason::kListenerClosed:
    case RejectReason::kPolicy:  // the original rejects with "call rejected"
      cv = cause::kCallRejected;
      break;
    case RejectReason::kNotIdentified:  // switch mode: no connection identifier
      cv = cause::kNoVpciVciAvailable;
      break;
    case RejectReason::kUserStalled:  // try again soon: the user may drain
      cv = cause::kTemporaryFailure;
      break;
  }
  if (found != nullptr)
    dispatch(*found, {Ev::kRejectRequest, nullptr, cv});
  else
    party_reject(r, cv);  // Q.2971: an offered leaf party, if it is one
}

void Uni::request(const CcRelease& rel) {
  // Q.2971: only a leaf party of the call goes; UNI 4.0 §6: a join still
  // waiting for the root is forgotten. A party's socket is in party_socks_,
  // the call is a point-to-multipoint one (in mp_), or the socket joins (in
  // joins_): with none of them, party_release() has nothing to find.
  if ((!party_socks_.empty() || !mp_.empty() || !joins_.empty()) && party_release(rel.sock)) return;
  Key k = 0;
  if (by_sock_.erase_into(rel.sock, k)) dispatch(calls_.at(k), {Ev::kReleaseRequest});
}

void Uni::request(const CcIdentify& idf) {
  identify_call(idf);
}
void Uni::request(const CcModify& mr) {
  modify_request(mr);
}
void Uni::request(const CcModifyQosAnswer& qa) {
  qos_answer(qa);
}
void Uni::request(const CcAddParty& ap) {
  add_party_request(ap);  // Q.2971 (party_machine.cpp)
}
void Uni::request(const CcDropParty& dp) {
  drop_party_request(dp);
}

void Uni::handle_timeouts(TimePoint now, std::vector<NetOutput>& out) {
  now_ = now;
  out_ = &out;
  {
    const std::size_t from = acts_.size();
    sscf_.handle_timeouts(now, acts_);
    process(from);
  }
  // The expired timers in deadline order; every front is live (prune_timers).
  for (auto t = timers_.earliest(); t && timers_.front(*t).when <= now; t = timers_.earliest()) {
    const auto [when, key] = timers_.front(*t);
    timers_.pop(*t);
    prune_timers(static_cast<Timer>(*t));
    auto it = calls_.find(key);
    if (it != calls_.end()) call_timeout(it->second, static_cast<Timer>(*t), when);
  }
  // Q.2971 party timers, UNI 4.0 T331 (party_machine.cpp).
  while (!party_timers_.empty() && std::get<0>(*party_timers_.begin()) <= now) {
    const auto [when, key, ep, t] = *party_timers_.begin();
    party_timers_.erase(party_timers_.begin());
    party_timeout(key, ep, static_cast<PartyTimer>(t), when);
  }
  if (!joins_.empty()) join_timeouts();
  if (link_retry_at_ && *link_retry_at_ <= now) {
    link_retry_at_.reset();
    ensure_link();
  }
  if (t309_ && *t309_ <= now) {
    t309_.reset();
    emit(log::Id::kCallT309Expired, params_.log_name);
    for (Key k : keys_where([](const Call&) { return true; })) {
      auto it = calls_.find(k);
      if (it != calls_.end()) drop_call(it->second, kErrNetworkReset);
    }
  }
  restart_timeouts();
  report_link_state();
  out_ = nullptr;
}

// A call's timer armed for `when` expired (stale entries are skipped): T322
// belongs to STATUS ENQUIRY (§5.6.11), the others to the call's state.
void Uni::call_timeout(Call& c, Timer timer, TimePoint when) {
  if (timer == Timer::kT322) {
    if (!c.t322 || *c.t322 != when) return;
    c.t322.reset();
    prune_timers(Timer::kT322);
    if (c.enquiries < params_.status_enquiry_sends) {
      send_status_enquiry(c);
      return;
    }
    // Q.2931 §5.6.12: no STATUS after the retransmissions: clear the call.
    emit_call(log::Id::kCallStatusUnanswered, c, c.enquiries);
    start_release(c, cause::kTemporaryFailure, kErrTimerExpiry);
    return;
  }
  if (!c.timer_on || c.timer != timer || c.timer_at != when) return;
  c.timer_on = false;
  prune_timers(timer);
  emit_call(log::Id::kCallTimerExpired, c, timer_name(timer), label(c.state));
  switch (timer) {
    case Timer::kT301:
      dispatch(c, {Ev::kT301});
      break;
    case Timer::kT303:
      dispatch(c, {Ev::kT303});
      break;
    case Timer::kT308:
      dispatch(c, {Ev::kT308});
      break;
    case Timer::kT310:
      dispatch(c, {Ev::kT310});
      break;
    case Timer::kT313:
      dispatch(c, {Ev::kT313});
      break;
    case Timer::kT360:
      dispatch(c, {Ev::kT360});
      break;
    case Timer::kT361:
      dispatch(c, {Ev::kT361});
      break;
    case Timer::kT322:
      break;
  }
}

std::optional<TimePoint> Uni::next_deadline() const {
  const TimePoint d = earliest_deadline();
  if (d == TimePoint::max()) return std::nullopt;
  return d;
}

// The earliest of the seldom-armed timers (TimePoint::max() if none).
TimePoint Uni::seldom_deadline() const {
  TimePoint d = TimePoint::max();
  if (!party_timers_.empty()) d = std::min(d, std::get<0>(*party_timers_.begin()));
  for (const auto& [cref, j] : joins_) d = std::min(d, j.t331);
  if (t309_) d = std::min(d, *t309_);
  if (link_retry_at_) d = std::min(d, *link_retry_at_);
  for (const auto& j : restarts_) d = std::min(d, j.deadline);
  for (const auto& a : answers_) d = std::min(d, a.t317);
  return d;
}

CallState Uni::state_of_sock(SockId sock) const {
  auto it = by_sock_.find(sock);
  if (it == by_sock_.end()) return CallState::kNull;
  return calls_.at(it->second).state;
}

// For tests and dumps, not the message path: a call no longer offered is
// found by a scan (ids are never reused).
CallState Uni::state_of_call(CallId call) const {
  if (call == 0) return CallState::kNull;
  if (auto it = by_id_.find(call); it != by_id_.end()) return calls_.at(it->second).state;
  for (const auto& [k, c] : calls_)
    if (c.id == call) return c.state;
  return CallState::kNull;
}

std::optional<Uni::CallInfo> Uni::call_info(std::uint32_t cref, bool we_originated) const {
  auto it = calls_.find(key_of(cref, we_originated));
  if (it == calls_.end()) return std::nullopt;
  const Call& c = it->second;
  CallInfo i;
  i.state = c.state;
  if (c.timer_on) i.timer = c.timer;
  i.t322 = c.t322.has_value();
  return i;
}

// The operator's view (control socket): a copy of what each record holds,
// on request only. The setup part (addresses, QoS) exists until the call is
// established, the intern tables hold them after (call_details.cpp);
// Q.2963.1 keeps the QoS of an established call.
void Uni::calls(std::vector<CallView>& out) const {
  for (const auto& [k, c] : calls_) {
    CallView v;
    v.cref = c.cref;
    v.outgoing = c.we_originated;
    v.state = static_cast<std::uint8_t>(c.state);
    v.state_name = label(c.state);
    if (c.timer_on) v.timer = timer_name(c.timer);
    v.sock = c.sock;
    if (c.vc) v.pvc = pvc_of(c.vc);
    v.cause = c.cause;
    if (c.setup) {
      v.local = c.setup->local;
      v.remote = c.setup->remote;
      v.qos = c.setup->qos;
    } else {
      view_details(c, v);
    }
    if (c.mod) {
      v.qos = c.mod->qos;
      v.modifying = c.mod->phase != ModPhase::kIdle;
    }
    out.push_back(v);
  }
}

// The operator's release (control socket): as any clearing this side
// starts (Q.2931 §5.4.3.1 user side, §5.4.3.4 network side): RELEASE with
// the operator's cause, T308; the kernel is told as for a failed setup (the
// cause's errno) or, once accepted or up, -ECONNRESET.
bool Uni::release_call(std::size_t /*entity*/, std::uint32_t cref, bool outgoing, std::uint8_t cv,
                       TimePoint now, std::vector<NetOutput>& out) {
  auto it = calls_.find(key_of(cref, outgoing));
  if (it == calls_.end()) return false;
  Call& c = it->second;
  if (c.state == CallState::kNull || releasing(c.state)) return false;
  now_ = now;
  out_ = &out;
  const int err = c.phase == Phase::kOutgoing ? setup_failure_errno(cv) : kErrRemoteAbort;
  start_release(c, cv, err);
  report_link_state();
  out_ = nullptr;
  return true;
}

// ---------------------------------------------------------------------------
// The link (SSCF-UNI)

// SSCF's actions go to one list, acts_, for the whole input: SSCF (and
// SSCOP below it) append to it, and each call into SSCF acts on what it
// appended, from index `from` on. These calls nest (a message received may
// make us send one, which runs SSCF again): the nested call's actions come
// after the outer one's, which are left alone, and the outermost call (the
// list was empty) clears the list at its end. Nothing is allocated per
// message once the list has its capacity, and no list is taken per call.
void Uni::run_sscf(const sscf::Event& ev) {
  const std::size_t from = acts_.size();
  sscf_.handle(ev, now_, acts_);
  process(from);
}

void Uni::receive_pdu(ByteView pdu) {
  const std::size_t from = acts_.size();
  sscf_.receive(pdu, now_, acts_);  // the hot path: no sscf::Event built
  process(from);
}

void Uni::to_saal(Bytes bytes) {
  const std::size_t from = acts_.size();
  sscf_.data_request(std::move(bytes), now_, acts_);  // the message moves on
  process(from);
}

// Acts on acts_[from, its size at the call). An action's handler may run SSCF
// again (its actions appended behind, acted on by that nested call) and so
// move the list: each action is looked up by index, and not touched after
// its handler.
void Uni::process(std::size_t from) {
  const std::size_t end = acts_.size();
  for (std::size_t i = from; i < end; ++i) {
    // Every message's two actions first, without a visit.
    if (auto* pdu = std::get_if<sscf::SendPdu>(&acts_[i])) {
      to_shell(ToLink{0, std::move(pdu->bytes)});
      continue;
    }
    if (const auto* d = std::get_if<sscf::AalDataIndication>(&acts_[i])) {
      on_q2931(d->data);
      continue;
    }
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, sscf::SendPdu>) {
            to_shell(ToLink{0, std::move(x.bytes)});
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
            emit(log::Id::kCallSaalUnitdata, params_.log_name, x.data.size());
          } else if constexpr (std::is_same_v<T, sscf::MaaError>) {
            emit(log::Id::kCallSaalMaaError, params_.log_name, std::string(1, x.code));
          } else if constexpr (std::is_same_v<T, sscf::Trace>) {
            to_shell(std::move(x.event));  // built only if the saal level wants it
          }
          // SSCOP's other primitives never leave SSCF (sscf_uni.hpp).
        },
        acts_[i]);
  }
  if (from == 0) acts_.clear();  // the outermost call: the input's actions are done
}

void Uni::ensure_link() {
  link_retry_at_.reset();
  if (stopping_) return;
  if (sscf_.state() == sscf::State::kIdle) run_sscf(sscf::AalEstablishRequest{});
}

void Uni::on_link_up(bool indication) {
  if (stopping_) {
    // Shutting down: a peer's BGN was answered by SSCF; take the link down again.
    emit(log::Id::kCallSaalWhileStopping, params_.log_name);
    run_sscf(sscf::AalReleaseRequest{});
    return;
  }
  ++stats_.link_up;
  const bool recovery = indication && was_up_;
  was_up_ = true;
  emit(log::Id::kCallLinkUp, params_.log_name,
       recovery ? "re-established by the peer (messages may be lost)" : "up");
  // Messages queued while the link was down (only those whose call still exists).
  auto pending = std::exchange(pending_, {});
  for (auto& [k, bytes] : pending) {
    if (k != kGlobalKey && !calls_.contains(k)) continue;
    to_saal(std::move(bytes));
  }
  if (t309_ || recovery) {
    // Q.2931 §5.6.9: the calls that survived are checked with STATUS ENQUIRY.
    if (t309_) emit(log::Id::kCallT309Stopped, params_.log_name);
    t309_.reset();
    for (Key k : keys_where([](const Call& c) { return !releasing(c.state); })) {
      auto it = calls_.find(k);
      if (it != calls_.end()) send_status_enquiry(it->second);
    }
  }
  if (params_.restart_on_link_up && !recovery) restart_vcs(std::nullopt);
}

void Uni::on_link_down() {
  ++stats_.link_down;
  emit(log::Id::kCallLinkDown, params_.log_name,
       !was_up_ && calls_.empty() ? "establishment failed; trying again" : "down");
  was_up_ = false;
  // Q.2931 §5.6.9: calls not yet active are cleared at once, active ones survive
  // until T309 expires.
  bool active = false;
  for (Key k : keys_where([](const Call&) { return true; })) {
    auto it = calls_.find(k);
    if (it == calls_.end()) continue;
    Call& c = it->second;
    if (detail::active(c.state)) {  // a modification in progress goes on (T360/T361)
      active = true;
      stop_t322(c);
      continue;
    }
    drop_call(c, kErrNetworkReset);
  }
  if (active && !t309_) {
    t309_ = now_ + params_.t309;
    emit(log::Id::kCallT309Started, params_.log_name,
         std::chrono::duration_cast<std::chrono::milliseconds>(params_.t309).count());
  }
  if (!stopping_ && (started_ || !calls_.empty() || !pending_.empty()))
    link_retry_at_ = now_ + params_.link_retry;
}

// ---------------------------------------------------------------------------
// Messages out

Message Uni::make(MessageType t, const Call& c) const {
  Message m;
  m.type = t;
  // Flag 0 from the side that allocated the call reference, 1 towards it.
  m.cref = {c.cref, !c.we_originated};
  // Q.2971 §9.2: a leaf's answers to the SETUP echo its endpoint reference.
  if (c.p2mp && !c.we_originated &&
      (t == MessageType::kCallProceeding || t == MessageType::kAlerting ||
       t == MessageType::kConnect))
    if (const Multipoint* mp = mp_of(c)) m.add(ep_ie(c, mp->next_ep));
  return m;
}

void Uni::send(const Message& m, Key owner) {
  send_encoded(m, q2931::encode(m, params_.version), owner);
}

// `bytes`: m's encoding (made once by a caller that keeps a copy).
void Uni::send_encoded(const Message& m, Bytes bytes, Key owner) {
  ++stats_.messages_out;
  ++stats_.messages_out_by_type[static_cast<std::uint8_t>(m.type)];
  if (params_.trace_messages && levels().enabled(log::Id::kCallMsgSent))
    emit(log::Id::kCallMsgSent, params_.log_name, q2931::message_name(m.type),
         log::Hex{m.cref.value}, m.cref.flag ? "dest" : "orig", detail::contents_length(bytes));
  if (sscf_.established()) {
    to_saal(std::move(bytes));
  } else if (!pending_room()) {
    ++stats_.pending_dropped;
    emit(log::Id::kCallQueueFull, params_.log_name, pending_.size(), "message dropped");
  } else {
    pending_.emplace_back(owner, std::move(bytes));
    stats_.pending_high_water = std::max(stats_.pending_high_water, pending_.size());
    if (!link_retry_at_) ensure_link();
  }
}

// Room in the queue of messages waiting for the link (max_pending). At the
// bound, messages of calls that no longer exist are purged first: O(queue),
// only when it is full.
bool Uni::pending_room() {
  if (sscf_.established() || pending_.size() < params_.max_pending) return true;
  std::erase_if(pending_, [this](const auto& p) {
    return p.first != kGlobalKey && !calls_.contains(p.first);
  });
  return pending_.size() < params_.max_pending;
}

void Uni::resend(const Bytes& bytes) {
  if (!link_up()) return;
  ++stats_.messages_out;
  // The message type is octet 6 (Q.2931 §4.4: after the 3-octet call reference).
  if (bytes.size() > 5) ++stats_.messages_out_by_type[bytes[5]];
  to_saal(pooled_copy(bytes));  // the caller keeps its copy
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
  m.add(std::move(c));
  send(m, kGlobalKey);
}

void Uni::send_status(const Call& c, std::uint8_t cv, Bytes diag) {
  // Q.2971 §9.5: a p2mp call's STATUS names the call's own party (the root's
  // party 0, a leaf's party of the SETUP) and its endpoint state.
  if (const Multipoint* mp = mp_of(c)) {
    const std::uint16_t ep = c.we_originated ? 0 : mp->next_ep;
    auto it = mp->parties.find(ep);
    send_party_status(c, it != mp->parties.end() ? &it->second : nullptr, ep, cv, std::move(diag));
    return;
  }
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
    m.add(std::move(c));
  }
  send(m, kGlobalKey);
}

void Uni::send_status_enquiry(Call& c) {
  ++c.enquiries;
  send(make(MessageType::kStatusEnquiry, c), c.key());
  stop_t322(c);
  c.t322 = now_ + params_.t322;
  timers_.push(static_cast<std::size_t>(Timer::kT322), *c.t322, c.key());
}

// ---------------------------------------------------------------------------
// Allocation

std::optional<std::uint32_t> Uni::alloc_cref() {
  // 23 bits; 0 is the global and 0x7fffff the dummy call reference. Amortized
  // O(1): the next value not in use by a call we originated.
  for (std::uint32_t tries = 0; tries < 0x7ffffeu; ++tries) {
    const std::uint32_t v = next_cref_;
    next_cref_ = next_cref_ >= 0x7ffffeu ? 1 : next_cref_ + 1;
    if (!calls_.contains(key_of(v, true)) && !joins_.contains(v)) return v;
  }
  return std::nullopt;
}

std::optional<VcAllocator::Vc> Uni::alloc_vc() {
  return vcs_.allocate();
}

void Uni::free_vc(Call& c) {
  if (!c.vc) return;
  auto it = by_vc_.find(vc_key(c.vc->first, c.vc->second));
  if (it != by_vc_.end() && it->second == c.key()) by_vc_.erase(it);
  if (c.vci_ours) vcs_.release(*c.vc);
  c.vci_ours = false;
  c.vc.reset();
}

struct sockaddr_atmpvc Uni::pvc_of(
    const std::optional<std::pair<std::uint16_t, std::uint16_t>>& vc) const {
  struct sockaddr_atmpvc a;
  std::memset(&a, 0, sizeof a);
  a.sap_family = AF_ATMPVC;
  if (!vc) return a;
  const std::uint16_t vpci = vc->first;
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
  a.sap_addr.vci = vc->second;
  return a;
}

}  // namespace atmsigd::callctl
