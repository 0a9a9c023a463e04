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
  };
  void decide(const atmsvc::NetInput& in, TimePoint now, std::vector<atmsvc::NetOutput>& out);
  struct sockaddr_atmpvc pvc(int vci) const;
  void end_call(CallId id);
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
