// Q.2931 §5.5 restart machine (the global call reference): RESTART sent for
// all VCs or one VC, resent on T316 expiry up to UniParams::restart_sends;
// RESTART received: the calls on the VCs are cleared locally and RESTART
// ACKNOWLEDGE answers at once, so T317 never has to run (§5.5.2).
// SDL: Q.2931 Restart-Start / Restart-Respond processes.
#include <algorithm>

#include "atmsigd/callctl/cause_errno.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "uni_internal.hpp"

namespace atmsigd::callctl {

using namespace atmsvc;
using q2931::Message;
using q2931::MessageType;
namespace cause = q2931::cause;

void Uni::restart_vcs(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc) {
  std::vector<Key> keys;
  for (const auto& [k, c] : calls_)
    if (!vc || (c.vc && *c.vc == *vc)) keys.push_back(k);
  for (Key k : keys) {
    auto it = calls_.find(k);
    if (it != calls_.end()) drop_call(it->second, kErrNetworkReset);
  }
  queue_restart(vc);
}

void Uni::queue_restart(std::optional<std::pair<std::uint16_t, std::uint16_t>> vc) {
  restarts_.erase(std::remove_if(restarts_.begin(), restarts_.end(),
                                 [&](const RestartJob& j) { return j.vc == vc; }),
                  restarts_.end());
  restarts_.push_back(RestartJob{vc, now_ + params_.t316, 1});
  if (vc)
    emit(log::Id::kRestartVcSent, params_.log_name, vc->first, vc->second);
  else
    emit(log::Id::kRestartSent, params_.log_name);
  send_restart(vc, false, false);
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
  emit(log::Id::kRestartReceived, params_.log_name, cls, keys.size());
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
    emit(log::Id::kRestartAckUnexpected, params_.log_name);
    return;
  }
  restarts_.erase(it);
  emit(log::Id::kRestartAcknowledged, params_.log_name);
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

// T316 expiry (§5.5.1): RESTART again up to restart_sends, then give up.
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
      send_restart(j.vc, false, false);
      ++i;
    } else {
      emit(log::Id::kRestartGaveUp, params_.log_name);
      restarts_.erase(restarts_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

}  // namespace atmsigd::callctl
