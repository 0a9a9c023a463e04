#include "atmsigd/callctl/loopback_network.hpp"

#include <cerrno>
#include <cstring>

namespace atmsigd::callctl {

using namespace atmsvc;

int cause_to_errno(int cause) {
  switch (cause) {
    case 1:  // unallocated (unassigned) number
    case 2:  // no route to specified transit network
    case 3:  // no route to destination
      return -EHOSTUNREACH;
    case 17:  // user busy
      return -EBUSY;
    case 18:   // no user responding
    case 102:  // recovery on timer expiry
      return -ETIMEDOUT;
    case 21:  // call rejected
    case 88:  // incompatible destination
      return -ECONNREFUSED;
    case 22:  // number changed
      return -EREMCHG;
    case 27:  // destination out of order
    case 38:  // network out of order
      return -ENETDOWN;
    case 35:  // requested VPCI/VCI not available
    case 37:  // user cell rate not available
    case 45:  // no VPCI/VCI available
    case 47:  // resource unavailable, unspecified
    case 49:  // quality of service unavailable
    case 51:  // user cell rate not available (UNI 3.0)
      return -EAGAIN;
    case 41:  // temporary failure
      return -ENETRESET;
    case 16:  // normal call clearing
    case 31:  // normal, unspecified
      return -ECONNRESET;
    default:
      return -EPROTO;
  }
}

const char* cause_text(int cause) {
  switch (cause) {
    case 1:
      return "unallocated (unassigned) number";
    case 2:
      return "no route to specified transit network";
    case 3:
      return "no route to destination";
    case 16:
      return "normal call clearing";
    case 17:
      return "user busy";
    case 18:
      return "no user responding";
    case 21:
      return "call rejected";
    case 22:
      return "number changed";
    case 27:
      return "destination out of order";
    case 31:
      return "normal, unspecified";
    case 38:
      return "network out of order";
    case 41:
      return "temporary failure";
    case 45:
      return "no VPCI/VCI available";
    case 47:
      return "resource unavailable, unspecified";
    case 49:
      return "quality of service unavailable";
    case 88:
      return "incompatible destination";
    case 102:
      return "recovery on timer expiry";
    default:
      return "unknown cause";
  }
}

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
  static const log::Levels kDefaultLevels;
  note_.clear();
  decide(in, now, out);
  if (!note_.empty())
    log::emit(p_.levels != nullptr ? *p_.levels : kDefaultLevels, out, log::Id::kCallNote,
              std::string_view(""), note_);
}

void LoopbackNetwork::decide(const NetInput& req, TimePoint, std::vector<NetOutput>& out) {
  if (const auto* c = std::get_if<CcConnect>(&req)) {
    if (p_.mode == Mode::kRefuse) {
      note_ = "call from socket #" + std::to_string(c->sock) + " refused by the network: cause " +
              std::to_string(p_.refuse_cause) + " (" + cause_text(p_.refuse_cause) + ")";
      out.push_back(CcReleased{c->sock, cause_to_errno(p_.refuse_cause)});
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
    note_ = "call #" + std::to_string(call.id) + " offered";
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
    note_ = "call #" + std::to_string(call.id) + " connected";
    out.push_back(CcEstablished{call.callee, pvc(call.callee_vci), call.called, callee_qos});
    out.push_back(CcEstablished{call.caller, pvc(call.caller_vci), call.calling, call.qos});
    return;
  }
  if (const auto* r = std::get_if<CcReject>(&req)) {
    auto it = calls_.find(r->call);
    if (it == calls_.end()) return;
    const int cause = r->reason == RejectReason::kNoListener ? 88 : 21;  // kPolicy: 21 too
    note_ = "call #" + std::to_string(r->call) + " rejected: cause " + std::to_string(cause) +
            " (" + cause_text(cause) + ")";
    const SockId caller = it->second.caller;
    end_call(r->call);
    out.push_back(CcReleased{caller, cause_to_errno(cause)});
    return;
  }
  // Link inputs (no links here) and CcIdentify (no switch mode) ask nothing.
  const auto* relp = std::get_if<CcRelease>(&req);
  if (relp == nullptr) return;
  const CcRelease& rel = *relp;
  auto bs = by_sock_.find(rel.sock);
  if (bs == by_sock_.end()) return;
  const CallId id = bs->second;
  Call call = calls_.at(id);
  end_call(id);
  note_ = "call #" + std::to_string(id) + " released";
  if (!call.up) {
    out.push_back(CcIncomingGone{id});  // the caller gave up before an answer
    return;
  }
  const SockId other = rel.sock == call.caller ? call.callee : call.caller;
  out.push_back(CcReleased{other, 0});
}

}  // namespace atmsigd::callctl
