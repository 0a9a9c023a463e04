// Q.2931 §5.5 restart machine (the global call reference). SDL: Q.2931
// Restart-Start / Restart-Respond processes. States (§2.1.3): Rest 0 Null,
// Rest 1 Restart Request (a RESTART of ours, T316), Rest 2 Restart (a RESTART
// received, T317); the call state IE codes them 0, 61, 62. The call
// reference flag keeps the two directions apart (§5.5, note: simultaneous
// restarts are handled independently): flag 0 names our RESTARTs, flag 1 the
// peer's.
//
// Restart indicator classes (§4.5.21): 0 the indicated VC, 1 every VC in the
// indicated VPC, 2 every VC this signaling entity controls. Classes 0 and 1
// carry the connection identifier (class 1: its VPCI counts, the VCI not),
// class 2 none. UNI 3.0/3.1 code only 0 and 2 (1 is reserved there); class 1
// is Q.2931's, which UNI 4.0 takes over.
//
// Sending (§5.5.1): the calls on the VCs are cleared locally, RESTART goes
// out, T316 runs; expiry: RESTART again up to UniParams::restart_sends, then
// maintenance. RESTART ACKNOWLEDGE ends the one with the same class and
// connection identifier.
//
// Receiving (§5.5.2): the calls on the indicated VCs are cleared toward the
// kernel (CcReleased -ENETRESET / CcIncomingGone), which the engine turns
// into as_close / as_error frames in the same turn: call control and the
// socket table are done at once. The one asynchronous part is the shell's
// queue to the user of signaling: while it is stalled (KernelStalled) those
// frames are not with the kernel, so clearing is not complete; RESTART
// ACKNOWLEDGE then waits for the drain, bounded by T317. On T317 expiry
// maintenance is told and the state returns to Null without acknowledgement
// (§5.5.2); the peer's T316 sends RESTART again. (The kernel's own as_close
// answer to ours is not waited for: it comes when the application closes its
// socket, which would make the peer's restart hostage to applications.)
#include <algorithm>

#include "atmsigd/callctl/cause_errno.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "uni_internal.hpp"

namespace atmsigd::callctl {

using namespace atmsvc;
using q2931::Message;
using q2931::MessageType;
namespace cause = q2931::cause;

namespace {

constexpr auto kRest0 = CallState::kNull;
constexpr auto kRest1 = static_cast<CallState>(61);  // Restart Request
constexpr auto kRest2 = static_cast<CallState>(62);  // Restart

bool has_class1(q2931::Version v) {
  return v == q2931::Version::kUni40 || v == q2931::Version::kQ2931;
}

const char* version_name(q2931::Version v) {
  return v == q2931::Version::kUni30 ? "UNI 3.0" : "UNI 3.1";
}

// §5.5: the VCs of a restart in progress (ours until RESTART ACKNOWLEDGE or
// T316's last expiry, the peer's until we acknowledge it or T317 expires)
// are not given to a new call: the allocator blocks them meanwhile.
void block(VcAllocator& vcs, std::uint8_t cls, std::pair<std::uint16_t, std::uint16_t> vc,
           bool on) {
  if (cls == 0) {
    on ? vcs.block_vc(vc) : vcs.unblock_vc(vc);
  } else if (cls == 1) {
    on ? vcs.block_vpci(vc.first) : vcs.unblock_vpci(vc.first);
  } else {
    on ? vcs.block_all() : vcs.unblock_all();
  }
}

void block(VcAllocator& vcs, const q2931::RestartIndicator& ri,
           const std::optional<q2931::ConnectionIdentifier>& ci, bool on) {
  block(vcs, ri.restart_class,
        ci ? std::pair{ci->vpci, ci->vci} : std::pair<std::uint16_t, std::uint16_t>{}, on);
}

}  // namespace

// The operator's or a procedure's RestartVcs.
void Uni::restart_request(const RestartVcs& r) {
  if (r.vc && r.vpc) {
    if (!has_class1(params_.version)) {
      emit(log::Id::kRestartClass1Refused, params_.log_name, r.vc->first,
           version_name(params_.version));
      return;
    }
    for (Key k : keys_where([](const Call&) { return true; })) {
      auto it = calls_.find(k);
      if (it != calls_.end() && it->second.vc && it->second.vc->first == r.vc->first)
        drop_call(it->second, kErrNetworkReset);
    }
    for (const PartyRef& ref : parties_on(r.vc->first, std::nullopt)) restart_party(ref);
    queue_restart(1, {r.vc->first, 0});
    return;
  }
  restart_vcs(r.vc);
}

void Uni::restart_vcs(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc) {
  std::vector<Key> keys;
  if (!vc) {
    keys = keys_where([](const Call&) { return true; });
  } else if (auto it = by_vc_.find(vc_key(vc->first, vc->second)); it != by_vc_.end()) {
    keys.push_back(it->second);
  }
  for (Key k : keys) {
    auto it = calls_.find(k);
    if (it != calls_.end()) drop_call(it->second, kErrNetworkReset);
  }
  if (vc && keys.empty())
    for (const PartyRef& ref : parties_on(vc->first, vc->second)) restart_party(ref);
  queue_restart(vc);
}

// Network side: an added leaf has a VC of its own (party_vcs_), which no
// call's record names; a RESTART of it clears that leaf only.
std::vector<Uni::PartyRef> Uni::parties_on(std::uint16_t vpci,
                                           std::optional<std::uint16_t> vci) const {
  std::vector<PartyRef> refs;
  if (vci) {
    if (auto it = party_vcs_.find(vc_key(vpci, *vci)); it != party_vcs_.end())
      refs.push_back(it->second);
    return refs;
  }
  for (const auto& [vk, ref] : party_vcs_)
    if ((vk >> 16) == vpci) refs.push_back(ref);
  return refs;
}

// The leaf's socket is told -ENETRESET (an offered leaf: CcIncomingGone),
// and the party leaves the call as a leaf that closed would, cause 41
// temporary failure toward the root: ADD PARTY REJECT while offered, DROP
// PARTY once accepted, RELEASE for the last party (Q.2971 §9.2.4, §9.3.1).
void Uni::restart_party(PartyRef ref) {
  auto ci = calls_.find(ref.first);
  Multipoint* mp = ci == calls_.end() ? nullptr : mp_of(ci->second);
  if (mp == nullptr) return;
  auto it = mp->parties.find(ref.second);
  if (it == mp->parties.end()) return;
  Call& c = ci->second;
  Party& p = it->second;
  if (p.id != 0 && party_ids_.erase(p.id) != 0) {
    out_->push_back(CcIncomingGone{p.id});
    ++offers_told_;
  }
  if (p.sock != 0 && party_socks_.erase(p.sock) != 0)
    out_->push_back(CcReleased{p.sock, kErrNetworkReset});
  const bool offered = p.state == PartyState::kAddPartyReceived;  // not yet accepted
  p.id = 0;
  p.sock = 0;
  if (detail::releasing(c.state)) return;
  party_dispatch(
      c, *mp, p,
      {offered ? PEv::kRejectRequest : PEv::kDropPartyRequest, nullptr, cause::kTemporaryFailure});
}

void Uni::queue_restart(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc) {
  if (vc)
    queue_restart(0, *vc);
  else
    queue_restart(2, {});
}

// §5.5.1: RESTART, Rest 1, T316. A second restart of the same VCs replaces
// the first (one T316 per class and identifier).
void Uni::queue_restart(std::uint8_t cls, std::pair<std::uint16_t, std::uint16_t> vc) {
  if (cls == 1) vc.second = 0;
  if (cls == 2) vc = {};
  const auto replaced =
      std::remove_if(restarts_.begin(), restarts_.end(),
                     [&](const RestartJob& j) { return j.cls == cls && j.vc == vc; });
  if (replaced == restarts_.end()) block(vcs_, cls, vc, true);  // else blocked already
  restarts_.erase(replaced, restarts_.end());
  restarts_.push_back(RestartJob{cls, vc, now_ + params_.t316, 1});
  if (cls == 0)
    emit(log::Id::kRestartVcSent, params_.log_name, vc.first, vc.second);
  else if (cls == 1)
    emit(log::Id::kRestartVpcSent, params_.log_name, vc.first);
  else
    emit(log::Id::kRestartSent, params_.log_name);
  send_restart(cls, vc);
}

// VPCIs this entity controls: with "vpci N itf M" rules, those at or above
// the smallest rule's (the others map to no interface); without, all.
bool Uni::vpci_ours(std::uint16_t vpci) const {
  if (params_.vpci_map.empty()) return true;
  return std::any_of(params_.vpci_map.begin(), params_.vpci_map.end(),
                     [&](const VpciMapping& e) { return e.vpci <= vpci; });
}

CallState Uni::global_state(bool flag) const {
  // Our messages with flag 1 answer the peer's global call reference
  // (Restart-Respond), with flag 0 they are about ours (Restart-Start).
  if (flag) return answers_.empty() ? kRest0 : kRest2;
  return restarts_.empty() ? kRest0 : kRest1;
}

// §5.5.2: RESTART received.
void Uni::on_restart(const Message& m) {
  const auto* ri = m.find<q2931::RestartIndicator>();
  const auto* ci = m.find<q2931::ConnectionIdentifier>();
  const bool flag = !m.cref.flag;
  auto refuse = [&](std::uint8_t cls, std::uint8_t cv, q2931::IeId ie) {
    emit(log::Id::kRestartRefused, params_.log_name, cls, cv);
    send_status(0, flag, global_state(flag), cv, Bytes{static_cast<std::uint8_t>(ie)});
  };
  if (ri == nullptr) {  // the codec reports a missing mandatory IE first; never here
    refuse(2, cause::kMandatoryIeMissing, q2931::IeId::kRestartIndicator);
    return;
  }
  const std::uint8_t cls = ri->restart_class;
  if (cls > 2 || (cls == 1 && !has_class1(params_.version))) {
    refuse(cls, cause::kInvalidIeContents, q2931::IeId::kRestartIndicator);
    return;
  }
  if (cls != 2 && ci == nullptr) {  // §5.6.7.1
    refuse(cls, cause::kMandatoryIeMissing, q2931::IeId::kConnectionIdentifier);
    return;
  }
  if (cls != 2 && !vpci_ours(ci->vpci)) {
    refuse(cls, cause::kChannelDoesNotExist, q2931::IeId::kConnectionIdentifier);
    return;
  }
  std::vector<Key> keys;
  if (cls == 2) {
    keys = keys_where([](const Call&) { return true; });
  } else if (cls == 0) {
    if (auto it = by_vc_.find(vc_key(ci->vpci, ci->vci)); it != by_vc_.end())
      keys.push_back(it->second);
  } else {
    for (const auto& [k, c] : calls_)
      if (c.vc && c.vc->first == ci->vpci) keys.push_back(k);
  }
  // The added leaves' own VCs (network side): the calls first, whose
  // clearing takes their parties' VCs with them.
  std::vector<PartyRef> parties;
  if (cls != 2) parties = parties_on(ci->vpci, cls == 0 ? std::optional(ci->vci) : std::nullopt);
  emit(log::Id::kRestartReceived, params_.log_name, cls, keys.size() + parties.size());
  for (Key k : keys) {
    auto it = calls_.find(k);
    if (it != calls_.end()) drop_call(it->second, kErrNetworkReset);
  }
  for (const PartyRef& ref : parties) restart_party(ref);
  // RESTART ACKNOWLEDGE: the same class; for classes 0 and 1 the same
  // connection identifier (class 2's unexpected one is not echoed).
  std::optional<q2931::ConnectionIdentifier> ack_ci;
  if (cls != 2) ack_ci = *ci;
  // The peer's repetition (its T316) of a RESTART still waiting replaces it:
  // what it cleared is still not with the kernel.
  const auto same = [&](const RestartAnswer& a) {
    return a.ri == *ri && a.ci.has_value() == ack_ci.has_value() &&
           (!a.ci || (a.ci->vpci == ack_ci->vpci && a.ci->vci == ack_ci->vci));
  };
  const auto kept = std::remove_if(answers_.begin(), answers_.end(), same);
  const bool repeated = kept != answers_.end();
  answers_.erase(kept, answers_.end());
  if ((!keys.empty() || repeated) && kernel_stalled_) {
    // The frames ending those calls wait in the shell's queue: Rest 2, T317.
    // Until acknowledged, the VCs are not given to new calls (§5.5).
    if (!repeated) block(vcs_, *ri, ack_ci, true);
    answers_.push_back(RestartAnswer{*ri, ack_ci, flag, now_ + params_.t317});
    emit(log::Id::kRestartAckWaits, params_.log_name);
  } else {
    if (repeated) block(vcs_, *ri, ack_ci, false);
    acknowledge_restart(*ri, ack_ci, flag);
  }
  if (cls == 2 && ci != nullptr) {  // §5.5.2 -> §5.6.8.3: unexpected recognized IE
    emit(log::Id::kRestartUnexpectedCi, params_.log_name);
    send_status(0, flag, global_state(flag), cause::kIeNonExistent,
                Bytes{static_cast<std::uint8_t>(q2931::IeId::kConnectionIdentifier)});
  }
}

void Uni::acknowledge_restart(const q2931::RestartIndicator& ri,
                              const std::optional<q2931::ConnectionIdentifier>& ci, bool flag) {
  Message ack;
  ack.type = MessageType::kRestartAcknowledge;
  ack.cref = {0, flag};
  if (ci) ack.add(*ci);
  ack.add(ri);
  send(ack, kGlobalKey);
}

// The shell's queue to the user of signaling: stalled, or draining again
// (internal clearing complete: every RESTART waiting is acknowledged).
void Uni::on_kernel_stalled(bool stalled) {
  kernel_stalled_ = stalled;
  if (stalled || answers_.empty()) return;
  auto answers = std::move(answers_);
  answers_.clear();
  for (const auto& a : answers) {
    emit(log::Id::kRestartClearingComplete, params_.log_name);
    block(vcs_, a.ri, a.ci, false);
    acknowledge_restart(a.ri, a.ci, a.flag);
  }
}

// §5.5.1: RESTART ACKNOWLEDGE ends the RESTART of ours with the same class
// and connection identifier (class 1: the VPCI).
void Uni::on_restart_ack(const Message& m) {
  const auto* ri = m.find<q2931::RestartIndicator>();
  const auto* ci = m.find<q2931::ConnectionIdentifier>();
  const std::uint8_t cls = ri != nullptr ? ri->restart_class : 2;
  std::pair<std::uint16_t, std::uint16_t> vc{};
  if (cls == 0 || cls == 1) {
    if (ci == nullptr) {
      emit(log::Id::kRestartAckUnexpected, params_.log_name);
      return;
    }
    vc = {ci->vpci, cls == 0 ? ci->vci : std::uint16_t{0}};
  }
  auto it = std::find_if(restarts_.begin(), restarts_.end(),
                         [&](const RestartJob& j) { return j.cls == cls && j.vc == vc; });
  if (it == restarts_.end()) {
    emit(log::Id::kRestartAckUnexpected, params_.log_name);
    return;
  }
  block(vcs_, it->cls, it->vc, false);
  restarts_.erase(it);
  emit(log::Id::kRestartAcknowledged, params_.log_name);
}

// §5.6.12: STATUS with the global call reference. In Rest 0 no action; in
// Rest 1 or Rest 2 a state that does not fit is reported to layer
// management and nothing more is done. Fits: in Rest 1 (our RESTART
// pending) the peer in Rest 2 (clearing) or Rest 1 (its own restart, handled
// independently); in Rest 2 (acknowledgement pending) the peer in Rest 1
// (waiting for it) or Rest 2. Null while ours is pending means the peer
// refused or lost it (T316 still runs and sends again).
void Uni::on_global_status(const Message& m) {
  const auto* st = m.find<q2931::CallState>();
  const int peer = st != nullptr ? st->state : 0;
  const CallState ours = global_state(!m.cref.flag);
  if (ours == kRest0 || peer == static_cast<int>(kRest1) || peer == static_cast<int>(kRest2)) {
    emit(log::Id::kCallGlobalStatus, params_.log_name);
    return;
  }
  emit(log::Id::kRestartStatusIncompatible, params_.log_name, peer, static_cast<int>(ours));
}

void Uni::send_restart(std::uint8_t cls, std::pair<std::uint16_t, std::uint16_t> vc) {
  Message m;
  m.type = MessageType::kRestart;
  m.cref = {0, false};
  q2931::RestartIndicator ri;
  ri.restart_class = cls;
  if (cls != 2) {
    q2931::ConnectionIdentifier ci;
    ci.vp_associated = 1;
    ci.exclusivity = 0;
    ci.vpci = vc.first;
    ci.vci = vc.second;
    m.add(ci);
  }
  m.add(ri);
  send(m, kGlobalKey);
}

// T316 expiry (§5.5.1): RESTART again up to restart_sends, then give up.
// T317 expiry (§5.5.2): maintenance, Rest 0, no acknowledgement.
void Uni::restart_timeouts() {
  for (std::size_t i = 0; i < restarts_.size();) {
    RestartJob& j = restarts_[i];
    if (j.deadline > now_) {
      ++i;
      continue;
    }
    if (j.sends < params_.restart_sends) {
      emit(log::Id::kRestartResent, params_.log_name);
      ++j.sends;
      j.deadline = now_ + params_.t316;
      send_restart(j.cls, j.vc);
      ++i;
    } else {
      // Q.2931 would keep the VCs out of service until maintenance acts; a
      // peer that never acknowledges (the original answers a class 0
      // RESTART of an idle VC with STATUS 100) would take them for good, so
      // they return to service and the warning tells maintenance.
      emit(log::Id::kRestartGaveUp, params_.log_name);
      block(vcs_, j.cls, j.vc, false);
      restarts_.erase(restarts_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  for (std::size_t i = 0; i < answers_.size();) {
    if (answers_[i].t317 > now_) {
      ++i;
      continue;
    }
    emit(log::Id::kRestartT317Expired, params_.log_name);
    block(vcs_, answers_[i].ri, answers_[i].ci, false);
    answers_.erase(answers_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace atmsigd::callctl
