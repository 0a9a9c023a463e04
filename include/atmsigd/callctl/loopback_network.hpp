// A stand-in for the network side until Q.2931 call control is plugged in:
// calls are switched back to the same demon's listeners ("loopback"), or all
// refused ("refuse"). It implements the same CallControl interface as the
// real call control, so the socket layer and the shell are exercised exactly
// as they will be with a network.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "atmsigd/atmsvc/call_control.hpp"

namespace atmsigd::callctl {

using atmsvc::CallId;
using atmsvc::SockId;

class LoopbackNetwork final : public atmsvc::CallControl {
 public:
  enum class Mode : std::uint8_t {
    kLoopback,  // a call is offered to this demon's own listeners
    kRefuse,    // every call is refused with `refuse_cause`
  };
  struct Params {
    Mode mode = Mode::kLoopback;
    int refuse_cause = 3;  // Q.2931 cause: no route to destination
    short itf = 0;
    short vpi = 0;
    int first_vci = 32;  // first non-reserved VCI
    // Which log events anyone wants (null: the default levels, info).
    const log::Levels* levels = nullptr;
  };
  explicit LoopbackNetwork(Params p) : p_(p), next_vci_(p.first_vci) {}

  // Requests are decided at once; there are no links, so link inputs are ignored.
  void handle(const atmsvc::NetInput& in, TimePoint now,
              std::vector<atmsvc::NetOutput>& out) override;
  void handle_timeouts(TimePoint, std::vector<atmsvc::NetOutput>&) override {}
  std::optional<TimePoint> next_deadline() const override { return std::nullopt; }
  std::size_t call_count() const override { return calls_.size(); }

 private:
  struct Call {
    SockId caller = 0;
    SockId callee = 0;  // 0 until accepted
    CallId id = 0;
    bool up = false;
    struct atm_qos qos;
    struct sockaddr_atmsvc calling;
    struct sockaddr_atmsvc called;
    int caller_vci = 0;
    int callee_vci = 0;
    // Q.2971 (docs/multipoint.md, "Loopback"): a root's call (session != 0)
    // is party 0 (its callee, endpoint reference 0) plus the parties added
    // with CcAddParty, each a Call of its own (offered to a local listener
    // like any call) whose `root` names the root's call; caller stays 0 in
    // those, the root's socket is the root call's caller.
    struct atm_sap sap {};  // offered again to each added party
    unsigned int session = 0;
    CallId root = 0;              // a party: the root's call
    int ep_ref = 0;               // a party: its endpoint reference
    bool first_gone = false;      // a root: party 0 left, the call goes on
    CallId adding = 0;            // a root: the party whose CcAddParty awaits its answer
    int next_ep = 1;              // a root: the next endpoint reference
    std::vector<CallId> parties;  // a root: the parties added (offered or up)
  };
  void decide(const atmsvc::NetInput& in, TimePoint now, std::vector<atmsvc::NetOutput>& out);
  struct sockaddr_atmpvc pvc(int vci) const;
  void end_call(CallId id);
  // Q.2971 in loopback: the root's requests and the ends of its parties.
  void add_party(const atmsvc::CcAddParty& a, std::vector<atmsvc::NetOutput>& out);
  void drop_party(const atmsvc::CcDropParty& d, std::vector<atmsvc::NetOutput>& out);
  void party_gone(CallId root, CallId party, std::vector<atmsvc::NetOutput>& out);
  void release_root(CallId root, SockId except, std::vector<atmsvc::NetOutput>& out);
  bool root_empty(const Call& r) const;
  // Its decisions are LOOPBACK_* events (debug).
  template <typename... Args>
  void note(std::vector<atmsvc::NetOutput>& out, log::Id id, const Args&... args) const {
    static const log::Levels kDefaultLevels;
    log::emit(p_.levels != nullptr ? *p_.levels : kDefaultLevels, out, id, args...);
  }

  Params p_;
  int next_vci_;
  CallId next_call_ = 1;
  std::unordered_map<CallId, Call> calls_;
  std::unordered_map<SockId, CallId> by_sock_;
};

}  // namespace atmsigd::callctl
