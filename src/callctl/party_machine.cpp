// Q.2971 point-to-multipoint call control: the party machine of the root and
// of the leaf (user side and network side alike), and UNI 4.0 §6 leaf-initiated
// join. The call machine (call_machine.cpp) keeps the call; a p2mp call's
// parties live in a Multipoint of their own (mp_), which a point-to-point
// call never has. Every (party state, event) pair is decided by a named
// handler found in kRows; party timers: T399 (Add Party Initiated), T397
// (Party Alerting Received), T398 (Drop Party Initiated); T331 for a LEAF
// SETUP REQUEST of ours.
// References: Q.2971 (10/95) §9.1 (adding a party, root), §9.2 (adding a
// party, leaf), §9.3 (dropping a party), §9.5 (error handling: unknown
// endpoint reference, message not compatible with the party state), its SDL
// processes Party-Control-U / Party-Control-N; UNI 3.1 §5.6, UNI 4.0 §5
// (T397, PARTY ALERTING) and §6 (leaf-initiated join, af-sig-0061).
// The kernel (net/atm/svc.c) waits for one as_addparty / as_dropparty reply
// per ATM_ADDPARTY / ATM_DROPPARTY: CcAddPartyResult / CcDropPartyResult.
#include <linux/atm.h>

#include <array>
#include <cerrno>
#include <cstring>

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
using PS = PartyState;

std::string_view party_state_label(PartyState s) {
  switch (s) {
    case PS::kNull:
      return "P0 Null";
    case PS::kAddPartyInitiated:
      return "P1 Add Party Initiated";
    case PS::kPartyAlertingDelivered:
      return "P4 Party Alerting Delivered";
    case PS::kAddPartyReceived:
      return "P6 Add Party Received";
    case PS::kPartyAlertingReceived:
      return "P7 Party Alerting Received";
    case PS::kActive:
      return "P10 Active";
    case PS::kDropPartyInitiated:
      return "P11 Drop Party Initiated";
    case PS::kDropPartyReceived:
      return "P12 Drop Party Received";
  }
  return "P?";
}

std::string_view party_timer_name(PartyTimer t) {
  switch (t) {
    case PartyTimer::kT397:
      return "T397";
    case PartyTimer::kT398:
      return "T398";
    case PartyTimer::kT399:
      return "T399";
    case PartyTimer::kT331:
      return "T331";
  }
  return "T?";
}

std::string_view Uni::pev_name(PEv e) {
  switch (e) {
    case PEv::kAddPartyRequest:
      return "ADD PARTY.request";
    case PEv::kAcceptRequest:
      return "ADD PARTY.response";
    case PEv::kRejectRequest:
      return "ADD PARTY REJECT.request";
    case PEv::kDropPartyRequest:
      return "DROP PARTY.request";
    case PEv::kAddParty:
      return "ADD PARTY";
    case PEv::kAddPartyAck:
      return "ADD PARTY ACKNOWLEDGE";
    case PEv::kAddPartyReject:
      return "ADD PARTY REJECT";
    case PEv::kPartyAlerting:
      return "PARTY ALERTING";
    case PEv::kDropParty:
      return "DROP PARTY";
    case PEv::kDropPartyAck:
      return "DROP PARTY ACKNOWLEDGE";
    case PEv::kT397:
      return "T397 expiry";
    case PEv::kT398:
      return "T398 expiry";
    case PEv::kT399:
      return "T399 expiry";
  }
  return "?";
}

namespace {

template <class... T>
void copy_ies(const Message& from, Message& to) {
  for (const auto& ie : from.ies)
    if ((std::holds_alternative<T>(ie) || ...)) to.ies.push_back(ie);
}

}  // namespace

// ---------------------------------------------------------------------------
// Records

Uni::Multipoint* Uni::mp_of(const Call& c) {
  if (!c.p2mp) return nullptr;
  auto it = mp_.find(c.key());
  return it == mp_.end() ? nullptr : &it->second;
}

const Uni::Multipoint* Uni::mp_of(const Call& c) const {
  if (!c.p2mp) return nullptr;
  auto it = mp_.find(c.key());
  return it == mp_.end() ? nullptr : &it->second;
}

q2931::EndpointReference Uni::ep_ie(const Call& c, std::uint16_t ep) const {
  q2931::EndpointReference e;
  e.type = 0;
  e.flag = !c.we_originated;  // the call's originator allocates every reference
  e.value = ep;
  return e;
}

std::optional<Uni::PartyInfo> Uni::party_info(std::uint32_t cref, bool we_originated,
                                              std::uint16_t ep) const {
  auto it = calls_.find(key_of(cref, we_originated));
  if (it == calls_.end()) return std::nullopt;
  const Multipoint* mp = mp_of(it->second);
  if (mp == nullptr) return std::nullopt;
  auto p = mp->parties.find(ep);
  if (p == mp->parties.end()) return std::nullopt;
  PartyInfo i;
  i.state = p->second.state;
  if (p->second.timer_on) i.timer = p->second.timer;
  i.sock = p->second.own_sock ? p->second.sock : 0;
  return i;
}

std::size_t Uni::party_count(std::uint32_t cref, bool we_originated) const {
  auto it = calls_.find(key_of(cref, we_originated));
  if (it == calls_.end()) return 0;
  const Multipoint* mp = mp_of(it->second);
  return mp == nullptr ? 0 : mp->parties.size();
}

// Root: a CcConnect with a session: the SETUP asks for a point-to-multipoint
// connection (broadband bearer capability, user plane configuration p2mp,
// Q.2971 §9.1.1) with endpoint reference 0, the first party. UNI 4.0 §6: a
// root allowing leaf-initiated join names its LIJ call identifier (and, for a
// network join, the LIJ parameters).
void Uni::start_multipoint(Call& c, Message& setup, const CcConnect& req) {
  for (auto& ie : setup.ies)
    if (auto* bc = std::get_if<q2931::BroadbandBearerCapability>(&ie)) bc->up_config = 1;
  setup.add(ep_ie(c, 0));
  c.p2mp = true;
  Multipoint& mp = mp_[c.key()];
  mp = Multipoint{};
  Party p;
  p.ep = 0;
  p.state = PS::kAddPartyInitiated;  // follows the call (T303/T310 guard it)
  mp.parties.emplace(0, p);
  const auto& lij = req.local.sas_addr.lij_type != ATM_LIJ_NONE ? req.local : req.called;
  if ((lij.sas_addr.lij_type == ATM_LIJ_RPJ || lij.sas_addr.lij_type == ATM_LIJ_NJ) &&
      (params_.version == q2931::Version::kUni40)) {
    mp.lij_type = lij.sas_addr.lij_type;
    mp.lij_id = lij.sas_addr.lij_id;
    q2931::LijCallIdentifier id;
    id.value = mp.lij_id;
    setup.add(id);
    if (mp.lij_type == ATM_LIJ_NJ) setup.add(q2931::LijParameters{});  // without notification
  }
}

// Leaf: a SETUP with an endpoint reference is a point-to-multipoint call; its
// party is the call's own (Q.2971 §9.2.1) and every answer echoes the reference.
void Uni::start_leaf(Call& c, const Message& setup, const struct atm_qos& qos,
                     const struct atm_sap& sap) {
  const auto* ep = setup.find<q2931::EndpointReference>();
  if (ep == nullptr) return;
  c.p2mp = true;
  Multipoint& mp = mp_[c.key()];
  mp = Multipoint{};
  mp.qos = qos;
  mp.sap = sap;
  Party p;
  p.ep = ep->value;
  p.state = PS::kAddPartyReceived;
  mp.parties.emplace(p.ep, p);
  mp.next_ep = p.ep;  // leaf: the call's own party
}

// ---------------------------------------------------------------------------
// Messages out

void Uni::send_party_message(const Call& c, MessageType t, const Party& p,
                             std::optional<std::uint8_t> cv, Bytes diag) {
  Message m = make(t, c);
  m.add(ep_ie(c, p.ep));
  if (cv) {
    q2931::Cause ci;
    ci.value = *cv;
    ci.diagnostics = std::move(diag);
    m.add(std::move(ci));
  }
  send(m, c.key());
}

// STATUS for a p2mp call: with the endpoint reference and its endpoint state
// (Q.2971 §9.5; an unknown reference reports endpoint state Null).
void Uni::send_party_status(const Call& c, const Party* p, std::uint16_t ep, std::uint8_t cv,
                            Bytes diag) {
  ++stats_.status_sent;
  Message m = make(MessageType::kStatus, c);
  q2931::CallState cs;
  cs.state = static_cast<std::uint8_t>(c.state);
  m.add(cs);
  q2931::Cause ci;
  ci.value = cv;
  ci.diagnostics = std::move(diag);
  m.add(std::move(ci));
  m.add(ep_ie(c, ep));
  q2931::EndpointState es;
  es.state = static_cast<std::uint8_t>(p != nullptr ? p->state : PS::kNull);
  m.add(es);
  send(m, c.key());
}

// ---------------------------------------------------------------------------
// States and timers

void Uni::set_party_state(Call& c, Party& p, PartyState s) {
  if (p.state == s) return;
  stop_party_timer(c, p);
  emit_call(log::Id::kCallPartyState, c, p.ep, party_state_label(p.state), party_state_label(s));
  p.state = s;
  // The party states' timers (Q.2971 §9.1.2, §9.1.4, §9.3.1).
  if (s == PS::kPartyAlertingReceived) start_party_timer(c, p, PartyTimer::kT397);
  if (s == PS::kDropPartyInitiated) start_party_timer(c, p, PartyTimer::kT398);
}

void Uni::start_party_timer(Call& c, Party& p, PartyTimer t) {
  stop_party_timer(c, p);
  Duration d = params_.t399;
  if (t == PartyTimer::kT397) d = params_.t397;
  if (t == PartyTimer::kT398) d = params_.t398;
  p.timer_on = true;
  p.timer = t;
  p.timer_at = now_ + d;
  party_timers_.emplace(p.timer_at, c.key(), p.ep, static_cast<std::uint8_t>(t));
}

void Uni::stop_party_timer(Call& c, Party& p) {
  if (!p.timer_on) return;
  party_timers_.erase({p.timer_at, c.key(), p.ep, static_cast<std::uint8_t>(p.timer)});
  p.timer_on = false;
}

void Uni::party_timeout(Key k, std::uint16_t ep, PartyTimer t, TimePoint when) {
  auto it = calls_.find(k);
  if (it == calls_.end()) return;
  Multipoint* mp = mp_of(it->second);
  if (mp == nullptr) return;
  auto p = mp->parties.find(ep);
  if (p == mp->parties.end()) return;
  Party& party = p->second;
  if (!party.timer_on || party.timer != t || party.timer_at != when) return;
  party.timer_on = false;
  emit_call(log::Id::kCallPartyTimerExpired, it->second, ep, party_timer_name(t),
            party_state_label(party.state));
  PEv ev = PEv::kT399;
  if (t == PartyTimer::kT397) ev = PEv::kT397;
  if (t == PartyTimer::kT398) ev = PEv::kT398;
  party_dispatch(it->second, *mp, party, {ev});
}

// No other party of the call is still there (or on its way): dropping `ep`
// ends the call (Q.2971 §9.3.1: the last party is cleared with RELEASE).
bool Uni::last_party(const Multipoint& mp, std::uint16_t ep) const {
  for (const auto& [e, p] : mp.parties)
    if (e != ep && p.state != PS::kNull && p.state != PS::kDropPartyInitiated) return false;
  return true;
}

// The party is gone: the kernel is told what it is still owed (`root_err`:
// the root's pending CcAddPartyResult; a leaf's socket gets CcReleased 0),
// then its records.
void Uni::remove_party(Call& c, Multipoint& mp, std::uint16_t ep, std::uint8_t cv,
                       std::optional<int> root_err) {
  auto it = mp.parties.find(ep);
  if (it == mp.parties.end()) return;
  Party& p = it->second;
  p.cause = cv;
  const bool root_there = c.phase != Phase::kGone && c.sock != 0;
  if (p.add_waits && root_there)
    out_->push_back(CcAddPartyResult{c.sock, root_err.value_or(kErrCallerGone)});
  if (p.drop_waits && root_there) out_->push_back(CcDropPartyResult{c.sock, 0});
  if (p.own_sock) {
    if (p.id != 0 && party_ids_.erase(p.id) != 0) {
      out_->push_back(CcIncomingGone{p.id});
      ++offers_told_;
    }
    if (p.sock != 0 && party_socks_.erase(p.sock) != 0) out_->push_back(CcReleased{p.sock, 0});
  } else if (!c.we_originated) {
    // A leaf's own party (the SETUP's): its socket is told, the call may go on
    // for the other parties of ours.
    tell_socket_gone(c, 0);
    if (c.sock != 0) {
      by_sock_.erase(c.sock);
      c.sock = 0;
    }
  }
  if (p.state != PS::kNull)
    emit_call(log::Id::kCallPartyState, c, p.ep, party_state_label(p.state),
              party_state_label(PS::kNull));
  stop_party_timer(c, p);
  release_party_vc(p);
  mp.parties.erase(it);
}

void Uni::release_party_vc(Party& p) {
  if (!p.vc) return;
  party_vcs_.erase(vc_key(p.vc->first, p.vc->second));
  vcs_.release(*p.vc);
  p.vc.reset();
}

void Uni::end_parties(Call& c, int err, bool tell) {
  Multipoint* mp = mp_of(c);
  if (mp == nullptr) return;
  const bool root_there = tell && c.phase != Phase::kGone && c.sock != 0;
  for (auto& [ep, p] : mp->parties) {
    if (p.add_waits && root_there)
      out_->push_back(CcAddPartyResult{c.sock, err != 0 ? err : kErrRemoteAbort});
    if (p.drop_waits && root_there) out_->push_back(CcDropPartyResult{c.sock, 0});
    p.add_waits = p.drop_waits = false;
    if (p.own_sock) {
      if (p.id != 0 && party_ids_.erase(p.id) != 0) {
        out_->push_back(CcIncomingGone{p.id});
        ++offers_told_;
      }
      if (p.sock != 0 && party_socks_.erase(p.sock) != 0) out_->push_back(CcReleased{p.sock, err});
      p.id = 0;
      p.sock = 0;
    }
    release_party_vc(p);
    stop_party_timer(c, p);
  }
}

// ---------------------------------------------------------------------------
// The handlers, <party states>_<event>: "r" root, "l" leaf, "px" any state.

struct Uni::PartyMachine {
  using Handler = void (*)(Uni&, Call&, Multipoint&, Party&, const PIn&);

  // Root, P1 PARTY ALERTING -> P7 (UNI 4.0 §5, Q.2971 §9.1.3): T399 stops, T397 starts.
  static void r_p1_party_alerting(Uni& u, Call& c, Multipoint&, Party& p, const PIn&) {
    u.set_party_state(c, p, PS::kPartyAlertingReceived);
  }

  // Root, P1/P7 ADD PARTY ACKNOWLEDGE -> P10 (Q.2971 §9.1.4): the kernel's
  // as_addparty gets the endpoint reference.
  static void r_p1p7_add_party_ack(Uni& u, Call& c, Multipoint&, Party& p, const PIn&) {
    u.set_party_state(c, p, PS::kActive);
    if (p.add_waits && c.sock != 0) u.out_->push_back(CcAddPartyResult{c.sock, p.ep});
    p.add_waits = false;
  }

  // Root, P1/P7 ADD PARTY REJECT -> P0 (Q.2971 §9.1.5): the cause as errno;
  // a call left without any party is released (§9.3.1).
  static void r_p1p7_add_party_reject(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn& in) {
    const auto* cv = in.m->find<q2931::Cause>();
    const std::uint8_t value = cv != nullptr ? cv->value : cause::kNormalUnspecified;
    const bool last = u.last_party(mp, p.ep);
    u.remove_party(c, mp, p.ep, value, setup_failure_errno(value));
    if (last) u.start_release(c, value, 0);
  }

  // Root, P1 T399 / P7 T397 expiry (Q.2971 §9.1.2, UNI 4.0 §5): the party is
  // cleared: DROP PARTY cause 102 -> P11 (T398), the kernel told -ETIMEDOUT;
  // the last party clears the call.
  static void r_p1p7_timeout(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn& in) {
    if (p.add_waits && c.sock != 0) u.out_->push_back(CcAddPartyResult{c.sock, kErrTimerExpiry});
    p.add_waits = false;
    const std::uint8_t diag2 = in.ev == PEv::kT397 ? '7' : '9';
    if (u.last_party(mp, p.ep)) {
      u.remove_party(c, mp, p.ep, cause::kRecoveryOnTimerExpiry, std::nullopt);
      u.start_release(c, cause::kRecoveryOnTimerExpiry, kErrTimerExpiry, Bytes{'3', '9', diag2});
      return;
    }
    p.cause = cause::kRecoveryOnTimerExpiry;
    u.send_party_message(c, MessageType::kDropParty, p, cause::kRecoveryOnTimerExpiry,
                         Bytes{'3', '9', diag2});
    u.set_party_state(c, p, PS::kDropPartyInitiated);
  }

  // DROP PARTY.request (CcDropParty at the root; CcRelease of a leaf party's
  // socket) in P1/P4/P6/P7/P10 (Q.2971 §9.3.1): DROP PARTY -> P11, T398; the
  // last party is cleared with RELEASE instead, the root told 0 for both.
  static void px_drop_party_request(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn& in) {
    const std::uint8_t cv = in.cause.value_or(normal_release_cause(u.params_.version));
    if (p.add_waits && c.sock != 0) u.out_->push_back(CcAddPartyResult{c.sock, kErrCallerGone});
    p.add_waits = false;
    if (u.last_party(mp, p.ep)) {
      const bool root_asked = p.drop_waits;
      u.remove_party(c, mp, p.ep, cv, std::nullopt);
      if (releasing(c.state)) return;
      u.start_release(c, cv, root_asked || c.we_originated ? std::optional<int>(0) : std::nullopt);
      return;
    }
    p.cause = cv;
    u.send_party_message(c, MessageType::kDropParty, p, cv);
    u.set_party_state(c, p, PS::kDropPartyInitiated);
  }

  // P11 DROP PARTY ACKNOWLEDGE -> P0 (Q.2971 §9.3.1): the root's
  // as_dropparty gets 0.
  static void p11_drop_party_ack(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn&) {
    u.remove_party(c, mp, p.ep, p.cause, std::nullopt);
  }

  // P11 T398 expiry (Q.2971 §9.3.1): the party is released locally -> P0.
  static void p11_t398(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn&) {
    u.remove_party(c, mp, p.ep, cause::kRecoveryOnTimerExpiry, std::nullopt);
  }

  // DROP PARTY in any party state but P11 (Q.2971 §9.3.2): DROP PARTY
  // ACKNOWLEDGE -> P0, the party's kernel told (the root's pending add the
  // cause as errno, a leaf's socket closed); the last party: RELEASE instead
  // (§9.3.1). In P11 (a drop collision): P0, no acknowledgement.
  static void px_drop_party(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn& in) {
    const auto* cv = in.m->find<q2931::Cause>();
    const std::uint8_t value = cv != nullptr ? cv->value : cause::kNormalUnspecified;
    const bool collision = p.state == PS::kDropPartyInitiated;
    const bool last = u.last_party(mp, p.ep);
    if (!collision && !last) u.send_party_message(c, MessageType::kDropPartyAcknowledge, p);
    u.remove_party(c, mp, p.ep, value, setup_failure_errno(value));
    if (last && !releasing(c.state)) u.start_release(c, value, 0);
  }

  // DROP PARTY ACKNOWLEDGE outside P11 (Q.2971 §9.5): the peer has cleared
  // the party: P0.
  static void px_drop_party_ack(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn& in) {
    const auto* cv = in.m->find<q2931::Cause>();
    const std::uint8_t value = cv != nullptr ? cv->value : cause::kNormalUnspecified;
    const bool last = u.last_party(mp, p.ep);
    u.remove_party(c, mp, p.ep, value, setup_failure_errno(value));
    if (last && !releasing(c.state)) u.start_release(c, value, 0);
  }

  // Leaf, P6/P4 ADD PARTY.response (CcAccept of the offered party, Q.2971
  // §9.2.3): ADD PARTY ACKNOWLEDGE -> P10; the socket is established on the
  // party's VC.
  static void l_p6p4_accept_request(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn&) {
    u.send_party_message(c, MessageType::kAddPartyAcknowledge, p);
    u.set_party_state(c, p, PS::kActive);
    u.out_->push_back(CcEstablished{p.sock, u.pvc_of(p.vc ? p.vc : c.vc), p.local, mp.qos});
  }

  // Leaf, P6/P4 ADD PARTY REJECT.request (CcReject, Q.2971 §9.2.4): ADD PARTY
  // REJECT -> P0.
  static void l_p6p4_reject_request(Uni& u, Call& c, Multipoint& mp, Party& p, const PIn& in) {
    const std::uint8_t cv = in.cause.value_or(cause::kCallRejected);
    u.send_party_message(c, MessageType::kAddPartyReject, p, cv);
    if (p.id != 0) party_ids_erase(u, p);
    u.remove_party(c, mp, p.ep, cv, std::nullopt);
  }

  static void party_ids_erase(Uni& u, Party& p) {
    u.party_ids_.erase(p.id);
    p.id = 0;
  }

  // P11: messages of the party's establishment are ignored (Q.2971 §9.3.1).
  static void p11_ignore(Uni& u, Call& c, Multipoint&, Party& p, const PIn& in) {
    u.emit_call(log::Id::kCallPartyIgnored, c, p.ep, pev_name(in.ev), party_state_label(p.state));
  }

  // Any other pair: a message not compatible with the party state gets
  // STATUS cause 101 with the endpoint reference and state (Q.2971 §9.5); a
  // primitive or timer is ignored. Both leave a note.
  static void px_unexpected(Uni& u, Call& c, Multipoint&, Party& p, const PIn& in) {
    u.emit_call(log::Id::kCallPartyUnexpected, c, p.ep, pev_name(in.ev),
                party_state_label(p.state));
    if (in.m != nullptr)
      u.send_party_status(c, &p, p.ep, cause::kMessageNotCompatibleWithState,
                          Bytes{static_cast<std::uint8_t>(in.m->type)});
  }

  struct Row {
    bool root;             // the root's rows (we originated the call), else the leaf's
    std::uint16_t states;  // bit = endpoint state code
    std::uint16_t evs;     // bit = PEv
    Handler h;
  };
  static Handler find(bool root, PartyState s, PEv e);
};

Uni::PartyMachine::Handler Uni::PartyMachine::find(bool root, PartyState s, PEv e) {
  using M = PartyMachine;
  constexpr auto st = [](PartyState x) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(x));
  };
  constexpr auto ev = [](PEv x) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(x));
  };
  constexpr std::uint16_t kLive = st(PS::kAddPartyInitiated) | st(PS::kPartyAlertingDelivered) |
                                  st(PS::kAddPartyReceived) | st(PS::kPartyAlertingReceived) |
                                  st(PS::kActive) | st(PS::kDropPartyReceived);
  constexpr std::uint16_t kAll = kLive | st(PS::kDropPartyInitiated);
  constexpr std::uint16_t kOffered = st(PS::kAddPartyReceived) | st(PS::kPartyAlertingDelivered);
  constexpr std::uint16_t kAdding = st(PS::kAddPartyInitiated) | st(PS::kPartyAlertingReceived);
  constexpr std::uint16_t kEstablishing =
      ev(PEv::kAddPartyAck) | ev(PEv::kAddPartyReject) | ev(PEv::kPartyAlerting);
  static constexpr Row kRows[] = {
      // Root: adding a party (Q.2971 §9.1).
      {true, st(PS::kAddPartyInitiated), ev(PEv::kPartyAlerting), &M::r_p1_party_alerting},
      {true, kAdding, ev(PEv::kAddPartyAck), &M::r_p1p7_add_party_ack},
      {true, kAdding, ev(PEv::kAddPartyReject), &M::r_p1p7_add_party_reject},
      {true, st(PS::kAddPartyInitiated), ev(PEv::kT399), &M::r_p1p7_timeout},
      {true, st(PS::kPartyAlertingReceived), ev(PEv::kT397), &M::r_p1p7_timeout},
      // Leaf: a party offered to the kernel (Q.2971 §9.2).
      {false, kOffered, ev(PEv::kAcceptRequest), &M::l_p6p4_accept_request},
      {false, kOffered, ev(PEv::kRejectRequest), &M::l_p6p4_reject_request},
      // Dropping a party (Q.2971 §9.3), either end.
      {true, kLive, ev(PEv::kDropPartyRequest), &M::px_drop_party_request},
      {false, kLive, ev(PEv::kDropPartyRequest), &M::px_drop_party_request},
      {true, st(PS::kDropPartyInitiated), ev(PEv::kDropPartyAck), &M::p11_drop_party_ack},
      {false, st(PS::kDropPartyInitiated), ev(PEv::kDropPartyAck), &M::p11_drop_party_ack},
      {true, st(PS::kDropPartyInitiated), ev(PEv::kT398), &M::p11_t398},
      {false, st(PS::kDropPartyInitiated), ev(PEv::kT398), &M::p11_t398},
      {true, kAll, ev(PEv::kDropParty), &M::px_drop_party},
      {false, kAll, ev(PEv::kDropParty), &M::px_drop_party},
      {true, kLive, ev(PEv::kDropPartyAck), &M::px_drop_party_ack},
      {false, kLive, ev(PEv::kDropPartyAck), &M::px_drop_party_ack},
      {true, st(PS::kDropPartyInitiated), kEstablishing, &M::p11_ignore},
      {false, st(PS::kDropPartyInitiated), kEstablishing, &M::p11_ignore},
  };
  for (const Row& r : kRows)
    if (r.root == root && (r.states & st(s)) != 0 && (r.evs & ev(e)) != 0) return r.h;
  return &M::px_unexpected;
}

void Uni::party_dispatch(Call& c, Multipoint& mp, Party& p, const PIn& in) {
  PartyMachine::find(c.we_originated, p.state, in.ev)(*this, c, mp, p, in);
}

// ---------------------------------------------------------------------------
// Requests of the kernel

// CcAddParty (as_addparty): the root adds a leaf (Q.2971 §9.1.1): ADD PARTY
// with a new endpoint reference -> P1, T399. Refused at once: a socket without
// a p2mp call (-EINVAL), a call not active (-EBUSY), no free reference (-EAGAIN).
void Uni::add_party_request(const CcAddParty& req) {
  auto it = by_sock_.find(req.sock);
  Call* c = it == by_sock_.end() ? nullptr : &calls_.at(it->second);
  Multipoint* mp = c != nullptr ? mp_of(*c) : nullptr;
  int refuse = 0;
  if (mp == nullptr || !c->we_originated)
    refuse = -EINVAL;
  else if (!detail::active(c->state))
    refuse = -EBUSY;
  else if (!address_in_use(req.called))
    refuse = -EDESTADDRREQ;
  if (refuse != 0) {
    emit(log::Id::kCallPartyRefused, params_.log_name, req.sock, "ADD PARTY", log::Errno{refuse});
    out_->push_back(CcAddPartyResult{req.sock, refuse});
    return;
  }
  // The next free endpoint reference (15 bits, 0 is the first party's):
  // amortized O(1), as the call references.
  std::optional<std::uint16_t> ep;
  for (unsigned tries = 0; tries < 0x7fffu && !ep; ++tries) {
    const std::uint16_t v = mp->next_ep;
    mp->next_ep = mp->next_ep >= 0x7fffu ? 1 : static_cast<std::uint16_t>(mp->next_ep + 1);
    if (!mp->parties.contains(v)) ep = v;
  }
  if (!ep) {
    emit(log::Id::kCallPartyRefused, params_.log_name, req.sock, "ADD PARTY", log::Errno{-EAGAIN});
    out_->push_back(CcAddPartyResult{req.sock, -EAGAIN});
    return;
  }
  // The called party as a SETUP would carry it; the calling party is the call's.
  Message tmp;
  struct atm_sap sap {};
  struct atm_qos qos {};
  qos.txtp.traffic_class = ATM_UBR;
  qos.rxtp.traffic_class = ATM_UBR;
  qos.aal = ATM_AAL5;
  struct sockaddr_atmsvc calling {};
  if (!params_.local_addresses.empty()) calling = params_.local_addresses.front();
  if (add_setup_ies(tmp, req.called, calling, sap, qos, params_.version, params_.link_rate,
                    nullptr)) {
    out_->push_back(CcAddPartyResult{req.sock, -EINVAL});
    return;
  }
  Party p;
  p.ep = *ep;
  p.add_waits = true;
  Message m = make(MessageType::kAddParty, *c);
  copy_ies<q2931::CalledPartyNumber, q2931::CalledPartySubaddress, q2931::CallingPartyNumber,
           q2931::CallingPartySubaddress>(tmp, m);
  m.add(ep_ie(*c, p.ep));
  send(m, c->key());
  Party& party = mp->parties.emplace(p.ep, p).first->second;
  set_party_state(*c, party, PS::kAddPartyInitiated);
  start_party_timer(*c, party, PartyTimer::kT399);
}

// CcDropParty (as_dropparty): the root drops a leaf (Q.2971 §9.3.1).
void Uni::drop_party_request(const CcDropParty& req) {
  auto it = by_sock_.find(req.sock);
  Call* c = it == by_sock_.end() ? nullptr : &calls_.at(it->second);
  Multipoint* mp = c != nullptr ? mp_of(*c) : nullptr;
  auto p = mp != nullptr && req.ep_ref >= 0 && req.ep_ref <= 0x7fff
               ? mp->parties.find(static_cast<std::uint16_t>(req.ep_ref))
               : decltype(mp->parties)::iterator{};
  int refuse = 0;
  if (mp == nullptr || !c->we_originated)
    refuse = -EINVAL;
  else if (p == mp->parties.end())
    refuse = -ENOENT;
  else if (p->second.state == PS::kDropPartyInitiated || p->second.drop_waits)
    refuse = -EALREADY;
  if (refuse != 0) {
    emit(log::Id::kCallPartyRefused, params_.log_name, req.sock, "DROP PARTY", log::Errno{refuse});
    out_->push_back(CcDropPartyResult{req.sock, refuse});
    return;
  }
  p->second.drop_waits = true;
  party_dispatch(*c, *mp, p->second, {PEv::kDropPartyRequest});
}

// CcAccept of an offered leaf party (its own CallId).
bool Uni::party_accept(const CcAccept& a) {
  auto it = party_ids_.find(a.call);
  if (it == party_ids_.end()) return false;
  const auto [k, ep] = it->second;
  party_ids_.erase(it);
  auto ci = calls_.find(k);
  Multipoint* mp = ci == calls_.end() ? nullptr : mp_of(ci->second);
  auto p = mp != nullptr ? mp->parties.find(ep) : decltype(mp->parties)::iterator{};
  if (mp == nullptr || p == mp->parties.end()) {
    out_->push_back(CcReleased{a.sock, kErrCallerGone});
    return true;
  }
  p->second.id = 0;
  p->second.sock = a.sock;
  party_socks_[a.sock] = {k, ep};
  party_dispatch(ci->second, *mp, p->second, {PEv::kAcceptRequest});
  return true;
}

bool Uni::party_reject(const CcReject& r, std::uint8_t cv) {
  auto it = party_ids_.find(r.call);
  if (it == party_ids_.end()) return false;
  const auto [k, ep] = it->second;
  auto ci = calls_.find(k);
  Multipoint* mp = ci == calls_.end() ? nullptr : mp_of(ci->second);
  auto p = mp != nullptr ? mp->parties.find(ep) : decltype(mp->parties)::iterator{};
  if (mp == nullptr || p == mp->parties.end()) {
    party_ids_.erase(it);
    return true;
  }
  party_dispatch(ci->second, *mp, p->second, {PEv::kRejectRequest, nullptr, cv});
  return true;
}

// CcRelease of a socket: a leaf party's own socket, or the call's own socket
// of a leaf call that has other parties of ours: only that party is dropped.
bool Uni::party_release(SockId sock) {
  PartyRef ref;
  if (auto it = party_socks_.find(sock); it != party_socks_.end()) {
    ref = it->second;
    party_socks_.erase(it);
  } else if (auto bs = by_sock_.find(sock); bs != by_sock_.end()) {
    Call& c = calls_.at(bs->second);
    Multipoint* mp = mp_of(c);
    if (mp == nullptr || c.we_originated || mp->parties.size() < 2) return false;
    auto own = mp->parties.find(mp->next_ep);
    if (own == mp->parties.end() || own->second.own_sock) return false;
    if (last_party(*mp, own->first)) return false;  // the call itself goes
    by_sock_.erase(bs);
    c.sock = 0;
    set_phase(c, Phase::kGone);
    ref = {c.key(), own->first};
  } else {
    // A leaf-initiated join still waiting for the root.
    for (auto j = joins_.begin(); j != joins_.end(); ++j)
      if (j->second.sock == sock) {
        joins_.erase(j);
        return true;
      }
    return false;
  }
  auto ci = calls_.find(ref.first);
  Multipoint* mp = ci == calls_.end() ? nullptr : mp_of(ci->second);
  auto p = mp != nullptr ? mp->parties.find(ref.second) : decltype(mp->parties)::iterator{};
  if (mp == nullptr || p == mp->parties.end()) return true;
  p->second.sock = 0;  // the kernel has forgotten it: nothing more to tell
  if (releasing(ci->second.state)) return true;
  party_dispatch(ci->second, *mp, p->second, {PEv::kDropPartyRequest});
  return true;
}

// ---------------------------------------------------------------------------
// Messages in (the coordinator hands every p2mp message of a p2mp call here)

void Uni::on_party_message(Call& c, const Message& m) {
  Multipoint* mp = mp_of(c);
  const auto* epi = m.find<q2931::EndpointReference>();
  if (mp == nullptr || epi == nullptr) return;  // the codec reported a missing IE
  if (releasing(c.state)) {
    emit_call(log::Id::kCallIgnoredClearing, c, q2931::message_name(m.type));
    return;
  }
  const std::uint16_t ep = epi->value;
  auto it = mp->parties.find(ep);
  if (m.type == MessageType::kAddParty) {
    if (it != mp->parties.end() || c.we_originated || !detail::active(c.state)) {
      // A reference in use, or an ADD PARTY towards the root / before the call
      // is active: not compatible with the state (Q.2971 §9.5).
      const Party* known = it != mp->parties.end() ? &it->second : nullptr;
      emit_call(log::Id::kCallPartyUnexpected, c, ep, "ADD PARTY",
                party_state_label(known != nullptr ? known->state : PS::kNull));
      send_party_status(c, known, ep, cause::kMessageNotCompatibleWithState,
                        Bytes{static_cast<std::uint8_t>(m.type)});
      return;
    }
    on_incoming_add_party(c, *mp, m);
    return;
  }
  if (it == mp->parties.end()) {
    // Q.2971 §9.5: an endpoint reference no party has.
    Party probe;
    probe.ep = ep;
    emit_call(log::Id::kCallPartyUnknownEp, c, q2931::message_name(m.type), ep);
    // ADD PARTY REJECT, DROP PARTY ACKNOWLEDGE: the party is gone anyway.
    if (m.type == MessageType::kAddPartyAcknowledge || m.type == MessageType::kPartyAlerting)
      send_party_message(c, MessageType::kDropParty, probe, cause::kInvalidEndpointReference);
    else if (m.type == MessageType::kDropParty)
      send_party_message(c, MessageType::kDropPartyAcknowledge, probe,
                         cause::kInvalidEndpointReference);
    return;
  }
  static constexpr std::pair<MessageType, PEv> kEvents[] = {
      {MessageType::kAddPartyAcknowledge, PEv::kAddPartyAck},
      {MessageType::kAddPartyReject, PEv::kAddPartyReject},
      {MessageType::kPartyAlerting, PEv::kPartyAlerting},
      {MessageType::kDropParty, PEv::kDropParty},
      {MessageType::kDropPartyAcknowledge, PEv::kDropPartyAck},
  };
  std::optional<PEv> ev;
  for (const auto& [t, e] : kEvents)
    if (t == m.type) ev = e;
  if (!ev) return;
  party_dispatch(c, *mp, it->second, {*ev, &m});
}

// Leaf (user side) / network side: ADD PARTY for one of our addresses on an
// existing call (Q.2971 §9.2.1): a new party, offered to the kernel as a new
// incoming call (its own CallId). On the network side the party gets a VC of
// its own from our pool (one VC per leaf toward the kernel, docs/callctl.md);
// on the user side it shares the call's VC. A join of ours (UNI 4.0 §6) is
// accepted at once.
void Uni::on_incoming_add_party(Call& c, Multipoint& mp, const Message& m) {
  const std::uint16_t ep = m.find<q2931::EndpointReference>()->value;
  Party p;
  p.ep = ep;
  p.own_sock = true;
  p.state = PS::kAddPartyReceived;
  // The call's SETUP IEs with the ADD PARTY's addresses and layer information.
  IncomingSetup in;
  in.called = decode_party(m, true);
  in.calling = decode_party(m, false);
  in.qos = mp.qos;
  in.sap = mp.sap;  // the call's layer information (the SETUP's): listeners match on it
  if (!address_in_use(in.called)) {
    send_party_message(c, MessageType::kAddPartyReject, p, cause::kUnallocatedNumber);
    return;
  }
  if (params_.side == Side::kNetwork && !params_.switch_mode) {
    const auto vc = alloc_vc();
    if (!vc) {
      emit(log::Id::kCallSetupNoVci, params_.log_name);
      send_party_message(c, MessageType::kAddPartyReject, p, cause::kNoVpciVciAvailable);
      return;
    }
    p.vc = vc;
  }
  p.local = in.called;
  const Key k = c.key();
  std::optional<Join> join = take_join(m);
  if (join) {
    p.sock = join->sock;
    p.local = join->local;
    Party& party = mp.parties.emplace(ep, p).first->second;
    if (party.vc) party_vcs_[vc_key(party.vc->first, party.vc->second)] = {k, ep};
    emit_call(log::Id::kCallPartyState, c, ep, party_state_label(PS::kNull),
              party_state_label(PS::kAddPartyReceived));
    party_socks_[party.sock] = {k, ep};
    party_dispatch(c, mp, party, {PEv::kAcceptRequest});
    return;
  }
  p.id = next_call_id_++;
  Party& party = mp.parties.emplace(ep, p).first->second;
  if (party.vc) party_vcs_[vc_key(party.vc->first, party.vc->second)] = {k, ep};
  emit_call(log::Id::kCallPartyState, c, ep, party_state_label(PS::kNull),
            party_state_label(PS::kAddPartyReceived));
  party_ids_[party.id] = {k, ep};
  offer(party.id, party.vc ? party.vc : c.vc, in);
}

// STATUS ENQUIRY on a p2mp call (Q.2971 §9.5): STATUS with the endpoint
// reference asked about and its state (none asked: the call's own party's).
void Uni::on_party_status_enquiry(Call& c, const Message& m) {
  const Multipoint* mp = mp_of(c);
  const auto* epi = m.find<q2931::EndpointReference>();
  const std::uint16_t ep = epi != nullptr ? epi->value : (c.we_originated ? 0 : mp->next_ep);
  auto it = mp->parties.find(ep);
  send_party_status(c, it != mp->parties.end() ? &it->second : nullptr, ep,
                    cause::kResponseToStatusEnquiry);
}

// STATUS with an endpoint state on a p2mp call (Q.2971 §9.5): the peer has
// no such party (endpoint state Null) while ours is not: the party is cleared
// here as if DROP PARTY ACKNOWLEDGE had come.
void Uni::on_party_status(Call& c, const Message& m) {
  Multipoint* mp = mp_of(c);
  const auto* epi = m.find<q2931::EndpointReference>();
  const auto* es = m.find<q2931::EndpointState>();
  if (mp == nullptr || epi == nullptr || es == nullptr || es->state != 0) return;
  auto it = mp->parties.find(epi->value);
  if (it == mp->parties.end()) return;
  const bool last = last_party(*mp, epi->value);
  remove_party(c, *mp, epi->value, cause::kMessageNotCompatibleWithState, kErrProtocol);
  if (last && !releasing(c.state)) start_release(c, cause::kNormalUnspecified, 0);
}

// ---------------------------------------------------------------------------
// UNI 4.0 §6: leaf-initiated join

// Leaf: a CcConnect whose called address has lij_type ATM_LIJ asks to join
// the root's call lij_id: LEAF SETUP REQUEST on a call reference of ours, T331.
void Uni::place_join(const CcConnect& req) {
  if (params_.version != q2931::Version::kUni40) {
    out_->push_back(CcReleased{req.sock, -EPROTONOSUPPORT});
    return;
  }
  const auto cref = alloc_cref();
  if (!cref) {
    out_->push_back(CcReleased{req.sock, -EAGAIN});
    return;
  }
  Join j;
  j.sock = req.sock;
  j.seq = next_leaf_seq_++;
  j.local = req.local;
  if (!address_in_use(j.local) && !params_.local_addresses.empty())
    j.local = params_.local_addresses.front();
  j.qos = req.qos;
  Message tmp;
  struct atm_sap sap {};
  if (auto err = add_setup_ies(tmp, req.called, j.local, sap, req.qos, params_.version,
                               params_.link_rate, nullptr)) {
    out_->push_back(CcReleased{req.sock, err->err});
    return;
  }
  Message m;
  m.type = MessageType::kLeafSetupRequest;
  m.cref = {*cref, false};
  copy_ies<q2931::CallingPartyNumber, q2931::CallingPartySubaddress>(tmp, m);
  copy_ies<q2931::CalledPartyNumber, q2931::CalledPartySubaddress>(tmp, m);
  q2931::LijCallIdentifier id;
  id.value = req.called.sas_addr.lij_id;
  m.add(id);
  q2931::LeafSequenceNumber seq;
  seq.value = j.seq;
  m.add(seq);
  j.request = q2931::encode(m, params_.version);
  j.t331 = now_ + params_.t331;
  emit(log::Id::kCallLeafJoin, params_.log_name, log::Hex{*cref}, "LEAF SETUP REQUEST sent");
  send_encoded(m, j.request, kGlobalKey);
  joins_.emplace(*cref, std::move(j));
}

// The SETUP or ADD PARTY carrying the leaf sequence number of a join of ours.
std::optional<Uni::Join> Uni::take_join(const Message& m) {
  const auto* seq = m.find<q2931::LeafSequenceNumber>();
  if (seq == nullptr) return std::nullopt;
  for (auto it = joins_.begin(); it != joins_.end(); ++it)
    if (it->second.seq == seq->value) {
      Join j = std::move(it->second);
      joins_.erase(it);
      return j;
    }
  return std::nullopt;
}

// LEAF SETUP FAILURE for a join of ours: the socket fails with the cause.
void Uni::on_leaf_setup_failure(const Message& m) {
  auto it = joins_.find(m.cref.value);
  if (it == joins_.end() || !m.cref.flag) return;
  const auto* cv = m.find<q2931::Cause>();
  const std::uint8_t value = cv != nullptr ? cv->value : cause::kNormalUnspecified;
  emit(log::Id::kCallLeafJoin, params_.log_name, log::Hex{m.cref.value}, "LEAF SETUP FAILURE");
  out_->push_back(CcReleased{it->second.sock, setup_failure_errno(value)});
  joins_.erase(it);
}

// T331 (UNI 4.0 §6): LEAF SETUP REQUEST sent again once, then the join fails.
void Uni::join_timeouts() {
  for (auto it = joins_.begin(); it != joins_.end();) {
    Join& j = it->second;
    if (j.t331 > now_) {
      ++it;
      continue;
    }
    if (j.sends < params_.leaf_setup_sends) {
      ++j.sends;
      j.t331 = now_ + params_.t331;
      emit(log::Id::kCallLeafJoin, params_.log_name, log::Hex{it->first},
           "T331 expired: LEAF SETUP REQUEST sent again");
      resend(j.request);
      ++it;
      continue;
    }
    emit(log::Id::kCallLeafJoin, params_.log_name, log::Hex{it->first},
         "T331 expired again: the join failed");
    out_->push_back(CcReleased{j.sock, kErrTimerExpiry});
    it = joins_.erase(it);
  }
}

// Root side: a LEAF SETUP REQUEST for the call with that LIJ call identifier.
// Network LIJ without root notification, on the network side: the network
// adds the leaf itself (ADD PARTY with the leaf sequence number). Any other
// case (root notification; a root user; no such call) is refused with LEAF
// SETUP FAILURE: the kernel interface has no message to ask the root
// (docs/callctl.md), cause 63; no such call: cause 3.
void Uni::on_leaf_setup_request(const Message& m) {
  const auto* id = m.find<q2931::LijCallIdentifier>();
  const auto* seq = m.find<q2931::LeafSequenceNumber>();
  if (id == nullptr || seq == nullptr) return;  // the codec reported them missing
  Call* root = nullptr;
  Multipoint* rmp = nullptr;
  for (auto& [k, mp] : mp_) {  // rare: a scan of the p2mp calls
    if (mp.lij_type == 0 || mp.lij_id != id->value) continue;
    auto it = calls_.find(k);
    if (it == calls_.end() || !it->second.we_originated) continue;
    root = &it->second;
    rmp = &mp;
    break;
  }
  std::uint8_t refuse = 0;
  if (root == nullptr || !detail::active(root->state))
    refuse = cause::kNoRouteToDestination;
  else if (rmp->lij_type != ATM_LIJ_NJ || params_.side != Side::kNetwork)
    refuse = cause::kServiceUnavailable;
  emit(
      log::Id::kCallLeafJoin, params_.log_name, log::Hex{m.cref.value},
      refuse != 0 ? "LEAF SETUP REQUEST refused" : "LEAF SETUP REQUEST: the network adds the leaf");
  if (refuse != 0) {
    Message f;
    f.type = MessageType::kLeafSetupFailure;
    f.cref = {m.cref.value, !m.cref.flag};
    q2931::Cause ci;
    ci.value = refuse;
    f.add(ci);
    f.add(*seq);
    send(f, kGlobalKey);
    return;
  }
  // The leaf (the request's calling party) added by the network.
  std::optional<std::uint16_t> ep;
  for (unsigned tries = 0; tries < 0x7fffu && !ep; ++tries) {
    const std::uint16_t v = rmp->next_ep;
    rmp->next_ep = rmp->next_ep >= 0x7fffu ? 1 : static_cast<std::uint16_t>(rmp->next_ep + 1);
    if (!rmp->parties.contains(v)) ep = v;
  }
  if (!ep) return;
  Message a = make(MessageType::kAddParty, *root);
  for (const auto& ie : m.ies) {
    if (const auto* cg = std::get_if<q2931::CallingPartyNumber>(&ie)) {
      q2931::CalledPartyNumber cd;
      cd.plan = cg->plan;
      cd.type_of_number = cg->type_of_number;
      cd.address = cg->address;
      a.add(cd);
    }
  }
  a.add(ep_ie(*root, *ep));
  a.add(*seq);
  send(a, root->key());
  Party p;
  p.ep = *ep;
  Party& party = rmp->parties.emplace(p.ep, p).first->second;
  set_party_state(*root, party, PS::kAddPartyInitiated);
  start_party_timer(*root, party, PartyTimer::kT399);
}

}  // namespace atmsigd::callctl
