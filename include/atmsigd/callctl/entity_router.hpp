// Several signaling entities behind one call control (atmsigd.conf's
// "entity [itf.]vpi.vci { ... }", several of them). Each entity is one
// callctl::Uni with its own signaling link; the engine sees only the router.
// Sans-I/O like every core.
//
//   EntityRouter r({spec_a, spec_b});            // one EntitySpec per entity
//   r.handle(StartLinks{}, now, out);            // every link asks for AAL-ESTABLISH
//   r.handle(LinkPdu{i, pdu}, now, out);         // a PDU received on entity i's link
//   r.handle(CcConnect{...}, now, out);          // routed by called party number
//   ToLink{i, pdu} / LinkState{i, up} in `out`: entity i's (the Unis' outputs
//   re-tagged with their entity; their log events name it through log_name).
//
// Outbound calls (CcConnect) are routed as the original's route_remote()
// does: the route with the longest prefix that matches the called party
// number wins (a route without /n is the whole address, longer than any
// prefix); if none matches, the entity marked `default`; if no route and no
// default is configured at all, the first entity; otherwise the call fails
// with -EHOSTUNREACH (what the original answers). A call from a bound local
// address goes to the entity owning that address, as in the original
// (route_local()), see route(called, local).
//
// Incoming calls come from every entity; the router gives each its own
// CallId (the Unis number theirs independently, so ids would collide) and
// maps it back on CcAccept/CcReject. Socket ids are the engine's and unique,
// so they pass unchanged; the router remembers which entity holds each socket.
// Timers: next_deadline() is the earliest of the entities'.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "atmsigd/atmsvc/call_control.hpp"
#include "atmsigd/callctl/uni.hpp"
#include "atmsigd/util/atm_text.hpp"
#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/flat_map.hpp"

namespace atmsigd::callctl {

struct EntitySpec {
  std::string name;  // for notes and logs, e.g. "0.0.5"
  UniParams params;
  std::vector<AddressPrefix> routes;  // "route ADDRESS[/n]"
  bool is_default = false;            // "default"
};

class EntityRouter final : public atmsvc::CallControl {
 public:
  explicit EntityRouter(std::vector<EntitySpec> entities);

  std::size_t size() const { return entities_.size(); }
  Uni& uni(std::size_t i) { return *entities_[i].uni; }
  const Uni& uni(std::size_t i) const { return *entities_[i].uni; }
  const std::string& name(std::size_t i) const { return entities_[i].name; }

  // The entity an outbound call to `called` takes (nullopt: no route).
  std::optional<std::size_t> route(const struct sockaddr_atmsvc& called) const;
  // The same for a call from local address `local` (the socket's bound
  // address, or null): like the original, the entity that owns that address
  // (its local addresses) takes the call; if several do, the one the called
  // number routes to if it is among them, else the first. If none or every
  // entity owns it, the called number decides.
  std::optional<std::size_t> route(const struct sockaddr_atmsvc& called,
                                   const struct sockaddr_atmsvc& local) const;
  // The entity holding socket `sock` (nullopt: none).
  std::optional<std::size_t> entity_of_sock(atmsvc::SockId sock) const;

  // atmsvc::CallControl: requests are routed to one entity, link inputs go
  // to the entity named (LinkPdu) or to every one (StartLinks, StopLinks,
  // LocalAddresses).
  void handle(const atmsvc::NetInput& in, TimePoint now,
              std::vector<atmsvc::NetOutput>& out) override;
  // The engine's path: a request routed by reference (no NetInput copy).
  void handle_request(const atmsvc::CcRequest& r, TimePoint now,
                      std::vector<atmsvc::NetOutput>& out) override;
  // The two with the outputs split (the engine's path): each entity's
  // link PDUs, link states and log events go straight to out.actions
  // (re-tagged with the entity), the CcEvents to out.events.
  void handle_split(const atmsvc::NetInput& in, TimePoint now, atmsvc::CcOutputs& out) override;
  void handle_request_split(const atmsvc::CcRequest& r, TimePoint now,
                            atmsvc::CcOutputs& out) override;
  // The entities' levels if they all have the same (the router's own
  // events use them too), else null.
  const log::Levels* log_levels() const override;
  void handle_timeouts(TimePoint now, std::vector<atmsvc::NetOutput>& out) override;
  std::optional<TimePoint> next_deadline() const override;
  TimePoint earliest_deadline() const override;
  std::size_t call_count() const override;
  std::size_t link_count() const override { return entities_.size(); }
  bool link_up(std::size_t i) const override {
    return i < entities_.size() && entities_[i].uni->link_up();
  }
  bool links_idle() const override;
  // Every entity's calls (CallView::entity set), and the release of one.
  void calls(std::vector<atmsvc::CallView>& out) const override;
  bool release_call(std::size_t entity, std::uint32_t cref, bool outgoing, std::uint8_t cause,
                    TimePoint now, std::vector<atmsvc::NetOutput>& out) override;
  void entity_counters(std::vector<EntityCounters>& out) const override;  // entity_counters.cpp

  // Incoming calls offered and not yet accepted or rejected (tests, dumps).
  std::size_t offered_calls() const { return offered_.size(); }

 private:
  struct Entity {
    std::string name;
    std::unique_ptr<Uni> uni;
    // The Uni's CallId -> ours (several entities only: with one, the Uni's
    // ids are unique and pass unchanged).
    util::FlatMap<atmsvc::CallId, atmsvc::CallId> ours;
  };
  struct Route {
    AddressPrefix prefix;
    int length;  // significant bits/digits; a whole address counts as the longest
    std::size_t entity;
  };
  struct Offered {
    std::size_t entity;
    atmsvc::CallId uni_call;
  };
  // A NetInput, or with kRequest a CcRequest (the engine's path, by
  // reference). A bool, not the type: the profiles' layer script names a
  // function by its template arguments (bench/demon/cg_layers.py).
  template <bool kRequest>
  using InputOf = std::conditional_t<kRequest, atmsvc::CcRequest, atmsvc::NetInput>;
  // `Out`: the single list (std::vector<NetOutput>) or the two
  // (atmsvc::CcOutputs, the engine's path); the CcEvents' list of either.
  static std::vector<atmsvc::NetOutput>& events_of(std::vector<atmsvc::NetOutput>& out) {
    return out;
  }
  static std::vector<atmsvc::NetOutput>& events_of(atmsvc::CcOutputs& out) { return out.events; }
  // handle() and handle_split(): the input routed by its type.
  template <class Out>
  void route_input(const atmsvc::NetInput& in, TimePoint now, Out& out);
  // A socket layer's request `r`, which is `req`'s alternative.
  template <class T, bool kRequest, class Out>
  void request(const T& r, const InputOf<kRequest>& req, TimePoint now, Out& out);
  // Entity i's Uni handles `in`, appending to `out`; its outputs are
  // translated there.
  template <bool kRequest, class Out>
  void to_entity(std::size_t i, const InputOf<kRequest>& in, TimePoint now, Out& out);
  // Translates in place what entity i's Uni appended to `out` from `mark` on
  // (no copy of the outputs: they stay where the Uni put them); `offers`:
  // the Uni's offers_told() before (with one entity, nothing else to do:
  // the callers test that first, translate() is not even called).
  void translate(std::size_t i, std::vector<atmsvc::NetOutput>& out, std::size_t mark,
                 std::uint64_t offers);
  // A routing event (the router has no entity of its own: an empty one).
  template <class... A>
  void emit(std::vector<atmsvc::NetOutput>& out, log::Id id, A&&... a) const {
    static const log::Levels kAll = log::Levels::all();  // no levels: every one, as tests want
    log::emit(levels_ != nullptr ? *levels_ : kAll, out, id, std::string_view(""),
              std::forward<A>(a)...);
  }

  std::vector<Entity> entities_;
  std::vector<Route> routes_;
  std::optional<std::size_t> default_;
  // One entity (the usual case): every socket's calls are its, and its Uni
  // knows them (Uni::state_of_sock); sock_entity_ stays empty, a held call
  // costs no entry here.
  bool single() const { return entities_.size() == 1; }
  // earliest_deadline() with several entities.
  [[gnu::noinline]] TimePoint earliest_of_all() const;
  util::FlatMap<atmsvc::SockId, std::size_t> sock_entity_;
  // Offered calls: ours -> the entity's (flat: no node per incoming call).
  util::FlatMap<atmsvc::CallId, Offered> offered_;
  atmsvc::CallId next_call_ = 1;
  const log::Levels* levels_ = nullptr;  // the first entity's (null: every event)
};

}  // namespace atmsigd::callctl
