// The kernel's side of the internal signaling protocol, as the protocol
// description's flow diagrams (appendix A) define it: what a Linux kernel
// with ATM would send on behalf of its sockets, and a check of every frame
// the demon sends against what the kernel may receive in that socket's state.
// Used by the tests, the emulated-kernel CLI and (later) the load generator.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "atmsigd/atmsvc/message.hpp"

namespace atmsigd::kemu {

using atmsvc::Message;
using atmsvc::Vcc;

enum class KState : std::uint8_t {
  kBindWait,      // as_bind sent
  kConnectWait,   // as_connect sent
  kListenWait,    // as_listen sent
  kAcceptWait,    // as_accept sent (new socket)
  kConnected,     // as_okay received for connect/accept
  kListening,     // as_okay received for listen
  kCloseWait,     // as_close sent, waiting for as_close/as_error
  kRemoteClosed,  // the demon sent as_close; the kernel has not acknowledged yet
};
const char* kstate_name(KState s);

// How the kernel answers the demon's as_modify (Q.2963.1; net/atm/signaling.c
// modify_qos hands it to the device's change_qos): as_okay (0), as_error with
// this negative errno, or never (none: as a VC that is released or not ready).
struct ModifyAnswer {
  std::optional<int> reserve = 0;  // an as_modify other than ATM_MF_SET: a reservation
  std::optional<int> set = 0;      // ATM_MF_SET: commit or roll back
};

struct KSocket {
  Vcc vcc = 0;
  KState state = KState::kBindWait;
  bool listener = false;
  std::deque<Message> indications;  // listeners: as_indicate not yet answered
  Message last;                     // last frame from the demon for this socket
  int result = 0;                   // reply of the as_error / as_close received
  // Q.2963.1: the application's as_modify not yet answered (as_okay), what
  // the demon asked of the kernel and what the kernel applied.
  int modifies_pending = 0;
  int modify_result = 0;              // reply of the last as_okay answering an as_modify
  std::vector<Message> qos_asked;     // the demon's as_modify frames, in order
  std::optional<struct atm_qos> qos;  // the last QoS applied with ATM_MF_SET
  // Q.2971 (docs/multipoint.md): the session number its as_connect carried
  // (0: point-to-point), the party request waiting for the demon's answer
  // (as_addparty / as_dropparty; 0: none; the ioctl blocks until it comes)
  // and the reply of the last answer (an endpoint reference, 0 or an errno).
  unsigned int session = 0;
  int party_pending = 0;
  int party_result = 0;
};

struct DemonFrameResult {
  std::vector<std::string> violations;  // empty: the frame was allowed
  std::vector<Message> replies;         // frames the kernel sends in response
};

class KernelModel {
 public:
  // When true (the default), a demon as_close for a connected socket is
  // acknowledged at once, as if the application closed it immediately.
  explicit KernelModel(bool auto_ack_close = true) : auto_ack_close_(auto_ack_close) {}

  // The application's operations; each returns the frame to send.
  Message bind(Vcc vcc, const struct sockaddr_atmsvc& addr, const struct atm_qos& qos);
  // multipoint: the socket has SO_MULTIPOINT set (ATM_VF_SESSION), so the
  // as_connect carries the next session number, as net/atm/signaling.c
  // sigd_enq2 numbers them.
  Message connect(Vcc vcc, const struct sockaddr_atmsvc& local,
                  const struct sockaddr_atmsvc& remote, const struct atm_qos& qos,
                  const struct atm_sap& sap, bool multipoint = false);
  // Q.2971: ioctl ATM_ADDPARTY (svc = the leaf) and ATM_DROPPARTY (reply =
  // the endpoint reference), net/atm/svc.c svc_addparty / svc_dropparty: the
  // ioctl waits for the demon's message of the same type. Sent for any vcc
  // (the real kernel refuses a socket without SO_MULTIPOINT itself, -EINVAL;
  // the demon's refusals are tested with it too).
  Message add_party(Vcc vcc, const struct sockaddr_atmsvc& leaf);
  Message drop_party(Vcc vcc, int ep_ref);
  Message listen(Vcc vcc, const struct sockaddr_atmsvc& addr, const struct atm_qos& qos,
                 const struct atm_sap& sap);
  // Accepts the oldest indication on the listener (nullopt: none queued).
  std::optional<Message> accept(Vcc new_vcc, Vcc listener);
  std::optional<Message> reject(Vcc listener, int reply);
  Message close(Vcc vcc);
  static Message itf_notify(int itf);
  // Q.2963.1: SO_ATMQOS on a connected SVC (net/atm/svc.c svc_change_qos);
  // the demon answers with as_okay (reply 0 or a negative errno). Sent for
  // any vcc (the demon's refusals are tested with it too).
  Message modify(Vcc vcc, const struct atm_qos& qos);
  // How the kernel answers the demon's as_modify for this vcc, from now on
  // (default: as_okay for both kinds); may be set before the socket exists.
  void set_modify_answer(Vcc vcc, ModifyAnswer a) { modify_answers_[vcc] = a; }

  // A frame from the demon.
  DemonFrameResult on_demon(const Message& m);

  const KSocket* socket(Vcc vcc) const;
  std::size_t socket_count() const { return sockets_.size(); }
  std::vector<std::string> all_violations() const { return violations_; }

 private:
  void forget(Vcc vcc) { sockets_.erase(vcc); }
  bool auto_ack_close_;
  std::unordered_map<Vcc, KSocket> sockets_;
  std::unordered_map<Vcc, ModifyAnswer> modify_answers_;
  unsigned int last_session_ = 0;  // sigd_enq2's static counter
  std::vector<std::string> violations_;
};

// Helpers to build the structures the application hands to the kernel.
struct sockaddr_atmsvc svc_address(const std::string& text);  // "" -> null address
struct atm_qos qos_from_text(const std::string& text);        // qos(7); AAL5 by default
struct atm_sap sap_from_text(const std::string& text);        // sap(7); "" -> empty

}  // namespace atmsigd::kemu
