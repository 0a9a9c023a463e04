#include "atmsigd/callctl/loopback_network.hpp"

#include "atmsigd/callctl/cause_errno.hpp"

#include <algorithm>
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
    call.sap = c->sap;
    call.session = c->session;
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
    by_sock_[a->sock] = call.id;
    struct atm_qos callee_qos = call.qos;
    callee_qos.txtp = call.qos.rxtp;
    callee_qos.rxtp = call.qos.txtp;
    note(out, log::Id::kLoopbackConnected, call.id);
    out.push_back(CcEstablished{call.callee, pvc(call.callee_vci), call.called, callee_qos});
    if (call.root != 0) {
      // Q.2971: an added party is up; the root's ioctl gets its endpoint reference.
      Call& root = calls_.at(call.root);
      root.adding = 0;
      out.push_back(CcAddPartyResult{root.caller, call.ep_ref});
      return;
    }
    call.caller_vci = next_vci_++;
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
    if (const CallId root_id = it->second.root; root_id != 0) {
      // Q.2971: the leaf refused (ADD PARTY REJECT): the root's call goes on.
      Call& root = calls_.at(root_id);
      root.adding = 0;
      std::erase(root.parties, r->call);
      end_call(r->call);
      out.push_back(CcAddPartyResult{root.caller, setup_failure_errno(cause)});
      return;
    }
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
  // Q.2971: root and leaves on this demon (docs/multipoint.md, "Loopback").
  if (const auto* ap = std::get_if<CcAddParty>(&req)) {
    add_party(*ap, out);
    return;
  }
  if (const auto* dp = std::get_if<CcDropParty>(&req)) {
    drop_party(*dp, out);
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
  if (Call& c = calls_.at(id); c.root != 0) {
    // Q.2971: a leaf hangs up (DROP PARTY towards the root, whose kernel is
    // not told: atmsvc has no message for it); the last one ends the call.
    note(out, log::Id::kLoopbackReleased, id);
    party_gone(c.root, id, out);
    return;
  } else if (c.session != 0) {
    if (rel.sock == c.caller) {
      note(out, log::Id::kLoopbackReleased, id);
      release_root(id, rel.sock, out);  // the root closes: every party goes
      return;
    }
    if (!c.parties.empty()) {  // party 0 hangs up, others remain
      note(out, log::Id::kLoopbackReleased, id);
      by_sock_.erase(c.callee);
      c.callee = 0;
      c.first_gone = true;
      return;
    }
  }
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

// --- Q.2971 -------------------------------------------------------------------

bool LoopbackNetwork::root_empty(const Call& r) const {
  return r.first_gone && r.parties.empty();
}

// ADD PARTY in loopback: the leaf is offered to this demon's listeners as a
// call of its own; CcAccept / CcReject of it answer the root.
void LoopbackNetwork::add_party(const CcAddParty& a, std::vector<NetOutput>& out) {
  const auto bs = by_sock_.find(a.sock);
  Call* root = bs == by_sock_.end() ? nullptr : &calls_.at(bs->second);
  int err = 0;
  if (root == nullptr || !root->up)
    err = -EBADFD;
  else if (root->session == 0 || root->caller != a.sock)
    err = -EINVAL;
  else if (root->adding != 0)
    err = -EALREADY;
  if (err != 0) {
    out.push_back(CcAddPartyResult{a.sock, err});
    return;
  }
  Call party{};
  party.id = next_call_++;
  party.root = root->id;
  party.ep_ref = root->next_ep++;
  party.qos = root->qos;
  party.sap = root->sap;
  party.calling = root->calling;
  party.called = a.called;
  party.callee_vci = next_vci_++;
  root->parties.push_back(party.id);
  root->adding = party.id;
  calls_[party.id] = party;
  CcIncoming inc{};
  inc.call = party.id;
  inc.pvc = pvc(party.callee_vci);
  inc.called = party.called;
  inc.calling = party.calling;
  inc.sap = party.sap;
  inc.qos = party.qos;
  inc.qos.txtp = party.qos.rxtp;
  inc.qos.rxtp = party.qos.txtp;
  note(out, log::Id::kLoopbackOffered, party.id);
  out.push_back(inc);
}

// DROP PARTY by the root: the leaf's socket is closed (cause 16), the root's
// ioctl answered; dropping the last party releases the call.
void LoopbackNetwork::drop_party(const CcDropParty& d, std::vector<NetOutput>& out) {
  const auto bs = by_sock_.find(d.sock);
  if (bs == by_sock_.end()) {
    out.push_back(CcDropPartyResult{d.sock, -EBADFD});
    return;
  }
  const CallId root_id = bs->second;
  Call& root = calls_.at(root_id);
  if (root.session == 0 || root.caller != d.sock) {
    out.push_back(CcDropPartyResult{d.sock, -EINVAL});
    return;
  }
  if (d.ep_ref == 0 && root.up && !root.first_gone) {
    out.push_back(CcReleased{root.callee, 0});
    by_sock_.erase(root.callee);
    root.callee = 0;
    root.first_gone = true;
  } else {
    const auto p = std::find_if(root.parties.begin(), root.parties.end(), [&](CallId id) {
      const Call& c = calls_.at(id);
      return c.up && c.ep_ref == d.ep_ref;
    });
    if (d.ep_ref <= 0 || p == root.parties.end()) {
      out.push_back(CcDropPartyResult{d.sock, -ENOENT});  // no such party
      return;
    }
    const CallId party = *p;
    out.push_back(CcReleased{calls_.at(party).callee, 0});
    root.parties.erase(p);
    end_call(party);
  }
  note(out, log::Id::kLoopbackReleased, root_id);
  out.push_back(CcDropPartyResult{d.sock, 0});
  if (root_empty(root)) release_root(root_id, 0, out);
}

// A party's leaf has gone (its socket closed): the last one takes the call.
void LoopbackNetwork::party_gone(CallId root_id, CallId party, std::vector<NetOutput>& out) {
  Call& root = calls_.at(root_id);
  std::erase(root.parties, party);
  end_call(party);
  if (root_empty(root)) release_root(root_id, 0, out);
}

// The call ends: every party still there, and the root unless it is the one
// that released (`except`).
void LoopbackNetwork::release_root(CallId root_id, SockId except, std::vector<NetOutput>& out) {
  const Call root = calls_.at(root_id);
  for (CallId id : root.parties) {
    const Call& p = calls_.at(id);
    if (p.up)
      out.push_back(CcReleased{p.callee, 0});
    else
      out.push_back(CcIncomingGone{id});
    end_call(id);
  }
  if (!root.up)
    out.push_back(CcIncomingGone{root_id});
  else if (!root.first_gone)
    out.push_back(CcReleased{root.callee, 0});
  if (root.caller != except) out.push_back(CcReleased{root.caller, 0});
  end_call(root_id);
}

}  // namespace atmsigd::callctl
