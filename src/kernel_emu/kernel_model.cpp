#include "atmsigd/kernel_emu/kernel_model.hpp"

#include <linux/atmdev.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::kemu {
namespace {

std::string vcc_text(Vcc v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

KSocket new_socket(Vcc vcc, KState st, bool listener, const Message& last = Message()) {
  KSocket k;
  k.vcc = vcc;
  k.state = st;
  k.listener = listener;
  k.last = last;
  return k;
}

Message base(enum atmsvc_msg_type t, Vcc vcc) {
  Message m(t);
  m.set_vcc(vcc);
  return m;
}

}  // namespace

const char* kstate_name(KState s) {
  switch (s) {
    case KState::kBindWait:
      return "BindWait";
    case KState::kConnectWait:
      return "ConnectWait";
    case KState::kListenWait:
      return "ListenWait";
    case KState::kAcceptWait:
      return "AcceptWait";
    case KState::kConnected:
      return "Connected";
    case KState::kListening:
      return "Listening";
    case KState::kCloseWait:
      return "CloseWait";
    case KState::kRemoteClosed:
      return "RemoteClosed";
  }
  return "?";
}

struct sockaddr_atmsvc svc_address(const std::string& text) {
  struct sockaddr_atmsvc a;
  std::memset(&a, 0, sizeof a);
  a.sas_family = AF_ATMSVC;
  if (text.empty() || text == "null") return a;
  auto p = parse_svc_address(text);
  if (!p) throw std::invalid_argument("bad ATM address \"" + text + "\"");
  return *p;
}

struct atm_qos qos_from_text(const std::string& text) {
  auto q = parse_qos(text.empty() ? "ubr" : text);
  if (!q) throw std::invalid_argument("bad QoS \"" + text + "\" (see qos(7))");
  if (q->aal == 0) q->aal = ATM_AAL5;
  return *q;
}

struct atm_sap sap_from_text(const std::string& text) {
  struct atm_sap s;
  std::memset(&s, 0, sizeof s);
  if (text.empty()) return s;
  auto p = parse_sap(text);
  if (!p) throw std::invalid_argument("bad SAP \"" + text + "\" (see sap(7))");
  return *p;
}

Message KernelModel::bind(Vcc vcc, const struct sockaddr_atmsvc& addr, const struct atm_qos& qos) {
  Message m = base(as_bind, vcc);
  m.raw().svc = addr;
  m.raw().qos = qos;
  sockets_[vcc] = new_socket(vcc, KState::kBindWait, false);
  return m;
}

Message KernelModel::connect(Vcc vcc, const struct sockaddr_atmsvc& local,
                             const struct sockaddr_atmsvc& remote, const struct atm_qos& qos,
                             const struct atm_sap& sap, bool multipoint) {
  Message m = base(as_connect, vcc);
  m.raw().local = local;
  m.raw().svc = remote;
  m.raw().qos = qos;
  m.raw().sap = sap;
  if (multipoint) m.raw().session = ++last_session_;
  sockets_[vcc] = new_socket(vcc, KState::kConnectWait, false);
  sockets_[vcc].session = m.raw().session;
  return m;
}

Message KernelModel::add_party(Vcc vcc, const struct sockaddr_atmsvc& leaf) {
  Message m = base(as_addparty, vcc);
  m.raw().svc = leaf;
  if (auto it = sockets_.find(vcc); it != sockets_.end()) it->second.party_pending = as_addparty;
  return m;
}

Message KernelModel::drop_party(Vcc vcc, int ep_ref) {
  Message m = base(as_dropparty, vcc);
  m.set_reply(ep_ref);
  if (auto it = sockets_.find(vcc); it != sockets_.end()) it->second.party_pending = as_dropparty;
  return m;
}

Message KernelModel::listen(Vcc vcc, const struct sockaddr_atmsvc& addr, const struct atm_qos& qos,
                            const struct atm_sap& sap) {
  Message m = base(as_listen, vcc);
  m.raw().svc = addr;
  m.raw().qos = qos;
  m.raw().sap = sap;
  sockets_[vcc] = new_socket(vcc, KState::kListenWait, true);
  return m;
}

std::optional<Message> KernelModel::accept(Vcc new_vcc, Vcc listener) {
  auto it = sockets_.find(listener);
  if (it == sockets_.end() || it->second.indications.empty()) return std::nullopt;
  const Message ind = it->second.indications.front();
  it->second.indications.pop_front();
  Message m = base(as_accept, new_vcc);
  m.set_listen_vcc(listener);
  m.raw().qos = ind.raw().qos;
  sockets_[new_vcc] = new_socket(new_vcc, KState::kAcceptWait, false, ind);
  return m;
}

std::optional<Message> KernelModel::reject(Vcc listener, int reply) {
  auto it = sockets_.find(listener);
  if (it == sockets_.end() || it->second.indications.empty()) return std::nullopt;
  it->second.indications.pop_front();
  Message m(as_reject);
  m.set_listen_vcc(listener);
  m.set_reply(reply);
  return m;
}

Message KernelModel::close(Vcc vcc) {
  auto it = sockets_.find(vcc);
  if (it != sockets_.end()) {
    if (it->second.state == KState::kRemoteClosed) {
      // Acknowledging the demon's as_close: the socket is gone for good.
      forget(vcc);
    } else {
      it->second.state = KState::kCloseWait;
    }
  }
  return base(as_close, vcc);
}

Message KernelModel::modify(Vcc vcc, const struct atm_qos& qos) {
  Message m = base(as_modify, vcc);
  m.raw().qos = qos;
  // A socket waiting for the demon's answer to another request sends none
  // (net/atm/svc.c: SO_ATMQOS goes to the demon only once connected).
  auto it = sockets_.find(vcc);
  if (it != sockets_.end() && it->second.state != KState::kBindWait &&
      it->second.state != KState::kConnectWait && it->second.state != KState::kListenWait &&
      it->second.state != KState::kAcceptWait)
    ++it->second.modifies_pending;
  return m;
}

Message KernelModel::itf_notify(int itf) {
  Message m(as_itf_notify);
  m.raw().pvc.sap_family = AF_ATMPVC;
  m.raw().pvc.sap_addr.itf = static_cast<short>(itf);
  return m;
}

DemonFrameResult KernelModel::on_demon(const Message& m) {
  DemonFrameResult r;
  auto violation = [&](const std::string& what) {
    r.violations.push_back(m.summary() + ": " + what);
    violations_.push_back(r.violations.back());
  };
  if (auto e = atmsvc::validate_from_demon(m)) {
    violation(e->what);
    return r;
  }
  const Vcc key = m.type() == as_indicate ? m.listen_vcc() : m.vcc();
  auto it = sockets_.find(key);
  if (it == sockets_.end()) {
    violation("no socket " + vcc_text(key) + " in the kernel");
    return r;
  }
  KSocket& s = it->second;
  s.last = m;
  if (m.type() == as_okay && s.modifies_pending > 0 && s.state != KState::kBindWait &&
      s.state != KState::kConnectWait && s.state != KState::kListenWait &&
      s.state != KState::kAcceptWait) {
    // The answer to the application's as_modify (Q.2963.1; svc_change_qos
    // returns its reply), whatever the socket's state.
    --s.modifies_pending;
    s.modify_result = m.reply();
    return r;
  }
  switch (m.type()) {
    case as_okay:
      switch (s.state) {
        case KState::kBindWait:
          forget(s.vcc);
          return r;  // bind leaves no state
        case KState::kConnectWait:
        case KState::kAcceptWait:
          if (m.raw().pvc.sap_family != AF_ATMPVC) violation("as_okay without a PVC address");
          s.state = KState::kConnected;
          return r;
        case KState::kListenWait:
          s.state = KState::kListening;
          return r;
        case KState::kCloseWait:
          return r;  // fig. 9: crossed our as_close
        case KState::kConnected:
          violation("as_okay for a connected socket without an as_modify to answer");
          return r;
        case KState::kListening:
        case KState::kRemoteClosed:
          violation(std::string("as_okay in kernel state ") + kstate_name(s.state));
          return r;
      }
      return r;
    case as_modify: {
      // The demon's own (Q.2963.1): answered at once, with the same frame,
      // unless the VC is closing (modify_qos: not ready or released).
      if (s.state != KState::kConnected && s.state != KState::kCloseWait &&
          s.state != KState::kRemoteClosed) {
        violation(std::string("as_modify in kernel state ") + kstate_name(s.state));
        return r;
      }
      s.qos_asked.push_back(m);
      if (s.state != KState::kConnected) return r;
      const bool set = (m.reply() & ATM_MF_SET) == ATM_MF_SET;
      const auto pa = modify_answers_.find(s.vcc);
      const ModifyAnswer policy = pa != modify_answers_.end() ? pa->second : ModifyAnswer{};
      const std::optional<int> answer = set ? policy.set : policy.reserve;
      if (!answer) return r;
      Message a = m;
      a.set_type(*answer == 0 ? as_okay : as_error);
      a.set_reply(*answer);
      if (*answer == 0 && set) s.qos = m.raw().qos;
      r.replies.push_back(a);
      return r;
    }
    case as_error:
      switch (s.state) {
        case KState::kBindWait:
        case KState::kConnectWait:
        case KState::kAcceptWait:
        case KState::kListenWait:
        case KState::kCloseWait:  // fig. 10: crossed our as_close
          s.result = m.reply();
          forget(s.vcc);
          return r;
        case KState::kConnected:
        case KState::kListening:
        case KState::kRemoteClosed:
          violation(std::string("as_error in kernel state ") + kstate_name(s.state));
          return r;
      }
      return r;
    case as_indicate:
      if (s.state != KState::kListening && s.state != KState::kCloseWait) {
        violation(std::string("as_indicate for a socket in kernel state ") + kstate_name(s.state));
        return r;
      }
      if (s.state == KState::kCloseWait) {
        // Crossed our close: the kernel refuses it at once.
        Message rej(as_reject);
        rej.set_listen_vcc(s.vcc);
        rej.set_reply(-ECONNREFUSED);
        r.replies.push_back(rej);
        return r;
      }
      s.indications.push_back(m);
      return r;
    case as_addparty:
    case as_dropparty:
      // net/atm/signaling.c sigd_send: the waiting ioctl returns the reply.
      if (s.party_pending != m.type()) {
        violation(std::string(atmsvc::type_name(m.type())) + " without the kernel's request");
        return r;
      }
      s.party_pending = 0;
      s.party_result = m.reply();
      if (m.type() == as_addparty && m.reply() == 0)
        violation("as_addparty with reply 0: neither an endpoint reference nor an errno");
      if (m.type() == as_dropparty && m.reply() > 0)
        violation("as_dropparty with a positive reply");
      return r;
    case as_close:
      // An as_close would wake a waiting ATM_ADDPARTY / ATM_DROPPARTY with 0
      // (vcc_release_async clears ATM_VF_WAITING, sk_err_soft is untouched):
      // the party request is answered first.
      if (s.party_pending != 0 && s.state == KState::kConnected)
        violation(std::string("as_close while ") + atmsvc::type_name(s.party_pending) +
                  " waits for its answer");
      switch (s.state) {
        case KState::kCloseWait: {
          // The demon acknowledged our close. A listener's queued indications
          // are then rejected one by one (net/atm/svc.c svc_disconnect).
          for (std::size_t i = 0; i < s.indications.size(); ++i) {
            Message rej(as_reject);
            rej.set_listen_vcc(s.vcc);
            r.replies.push_back(rej);
          }
          s.result = m.reply();
          forget(s.vcc);
          return r;
        }
        case KState::kConnected:
          s.result = m.reply();
          s.state = KState::kRemoteClosed;
          if (auto_ack_close_) r.replies.push_back(close(s.vcc));
          return r;
        case KState::kBindWait:
        case KState::kConnectWait:
        case KState::kAcceptWait:
        case KState::kListenWait:
        case KState::kListening:
        case KState::kRemoteClosed:
          violation(std::string("as_close in kernel state ") + kstate_name(s.state));
          return r;
      }
      return r;
    default:
      violation("unexpected message type");
      return r;
  }
}

const KSocket* KernelModel::socket(Vcc vcc) const {
  auto it = sockets_.find(vcc);
  return it == sockets_.end() ? nullptr : &it->second;
}

}  // namespace atmsigd::kemu
