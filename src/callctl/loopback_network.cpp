#include "atmsigd/callctl/loopback_network.hpp"

#include "atmsigd/callctl/cause_errno.hpp"

#include <cerrno>
#include <cstring>

namespace atmsigd::callctl {

using namespace atmsvc;

struct sockaddr_atmpvc LoopbackNetwork::pvc(int vci) const {
  struct sockaddr_atmpvc a;
  std::memset(&a, 0, sizeof a);
  a.sap_family = AF_ATMPVC;
  a.sap_addr.itf = p_.itf;
  a.sap_addr.vpi = p_.vpi;
  a.sap_addr.vci = vci;
  return a;
}

void LoopbackNetwork::end_call(CallId id) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  by_sock_.erase(it->second.caller);
  if (it->second.callee != 0) by_sock_.erase(it->second.callee);
  calls_.erase(it);
}

void LoopbackNetwork::handle(const NetInput& in, TimePoint now, std::vector<NetOutput>& out) {
  decide(in, now, out);
}

void LoopbackNetwork::decide(const NetInput& req, TimePoint, std::vector<NetOutput>& out) {
  if (const auto* c = std::get_if<CcConnect>(&req)) {
    if (p_.mode == Mode::kRefuse) {
      note(out, log::Id::kLoopbackRefused, c->sock,
           log::Cause{static_cast<std::uint8_t>(p_.refuse_cause)});
      out.push_back(
          CcReleased{c->sock, setup_failure_errno(static_cast<std::uint8_t>(p_.refuse_cause))});
      return;
    }
    Call call{};
    call.id = next_call_++;
    call.caller = c->sock;
    call.qos = c->qos;
    call.calling = c->local;
    call.called = c->called;
    call.callee_vci = next_vci_++;
    calls_[call.id] = call;
    by_sock_[c->sock] = call.id;
    CcIncoming inc{};
    inc.call = call.id;
    inc.pvc = pvc(call.callee_vci);
    inc.called = c->called;
    inc.calling = c->local;
    inc.sap = c->sap;
    // The callee sees the caller's directions swapped.
    inc.qos = c->qos;
    inc.qos.txtp = c->qos.rxtp;
    inc.qos.rxtp = c->qos.txtp;
    note(out, log::Id::kLoopbackOffered, call.id);
    out.push_back(inc);
    return;
  }
  if (const auto* a = std::get_if<CcAccept>(&req)) {
    auto it = calls_.find(a->call);
    if (it == calls_.end()) {
      out.push_back(CcReleased{a->sock, -ECONNABORTED});
      return;
    }
    Call& call = it->second;
    call.callee = a->sock;
    call.up = true;
    call.caller_vci = next_vci_++;
    by_sock_[a->sock] = call.id;
    struct atm_qos callee_qos = call.qos;
    callee_qos.txtp = call.qos.rxtp;
    callee_qos.rxtp = call.qos.txtp;
    note(out, log::Id::kLoopbackConnected, call.id);
    out.push_back(CcEstablished{call.callee, pvc(call.callee_vci), call.called, callee_qos});
    out.push_back(CcEstablished{call.caller, pvc(call.caller_vci), call.calling, call.qos});
    return;
  }
  if (const auto* r = std::get_if<CcReject>(&req)) {
    auto it = calls_.find(r->call);
    if (it == calls_.end()) return;
    const std::uint8_t cause = r->reason == RejectReason::kNoListener    ? 88
                               : r->reason == RejectReason::kUserStalled ? 41
                                                                         : 21;
    note(out, log::Id::kLoopbackRejected, r->call, log::Cause{cause});
    const SockId caller = it->second.caller;
    end_call(r->call);
    out.push_back(CcReleased{caller, setup_failure_errno(cause)});
    return;
  }
  // No Q.2963.1 here: a modification is refused as without q.2963.1.
  if (const auto* m = std::get_if<CcModify>(&req)) {
    out.push_back(CcModifyResult{m->sock, -ENOPROTOOPT});
    return;
  }
  // No point-to-multipoint here either.
  if (const auto* ap = std::get_if<CcAddParty>(&req)) {
    out.push_back(CcAddPartyResult{ap->sock, -EOPNOTSUPP});
    return;
  }
  if (const auto* dp = std::get_if<CcDropParty>(&req)) {
    out.push_back(CcDropPartyResult{dp->sock, -EOPNOTSUPP});
    return;
  }
  // Link inputs (no links here), CcIdentify (no switch mode) and
  // CcModifyQosAnswer (never asked for) ask nothing.
  const auto* relp = std::get_if<CcRelease>(&req);
  if (relp == nullptr) return;
  const CcRelease& rel = *relp;
  auto bs = by_sock_.find(rel.sock);
  if (bs == by_sock_.end()) return;
  const CallId id = bs->second;
  Call call = calls_.at(id);
  end_call(id);
  note(out, log::Id::kLoopbackReleased, id);
  if (!call.up) {
    out.push_back(CcIncomingGone{id});  // the caller gave up before an answer
    return;
  }
  const SockId other = rel.sock == call.caller ? call.callee : call.caller;
  out.push_back(CcReleased{other, 0});
}

}  // namespace atmsigd::callctl
