#include "atmsigd/callctl/entity_router.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <type_traits>
#include <utility>

#include "atmsigd/atmsvc/cc_outputs.hpp"
#include "atmsigd/callctl/mapping.hpp"
#include "atmsigd/util/variant_index.hpp"

namespace atmsigd::callctl {

using atmsvc::CcAccept;
using atmsvc::CcConnect;
using atmsvc::CcEstablished;
using atmsvc::CcEvent;
using atmsvc::CcIncoming;
using atmsvc::CcIncomingGone;
using atmsvc::CcReject;
using atmsvc::CcRelease;
using atmsvc::CcReleased;
using atmsvc::NetInput;
using atmsvc::NetOutput;

namespace {
// The index of alternative T in NetOutput (a switch's case label).
template <class T>
consteval std::size_t variant_index() {
  return index_in<T, NetOutput>();
}
}  // namespace

EntityRouter::EntityRouter(std::vector<EntitySpec> entities) {
  if (!entities.empty()) levels_ = entities.front().params.levels;
  entities_.reserve(entities.size());
  for (auto& spec : entities) {
    const std::size_t i = entities_.size();
    for (auto& r : spec.routes) {
      const int len = r.bits.value_or(INT_MAX);
      routes_.push_back(Route{std::move(r), len, i});
    }
    if (spec.is_default && !default_) default_ = i;
    entities_.push_back(
        Entity{std::move(spec.name), std::make_unique<Uni>(std::move(spec.params)), {}});
  }
}

template <class T, bool kRequest, class Out>
void EntityRouter::request(const T& r, const InputOf<kRequest>& req, TimePoint now, Out& out) {
  auto& events = events_of(out);  // the router's own outputs: CcEvents, a log event
  std::optional<std::size_t> target;
  // The request goes on as it is, but for a call id translated (a copy then).
  const InputOf<kRequest>* fwd = &req;
  std::optional<InputOf<kRequest>> translated;
  if constexpr (std::is_same_v<T, CcConnect>) {
    target = route(r.called, r.local);
    if (!target) {
      emit(events, log::Id::kCallNoRoute, r.sock, r.called);
      events.push_back(CcReleased{r.sock, -EHOSTUNREACH});
      return;
    }
    if (!single()) sock_entity_[r.sock] = *target;
    if (entities_.size() > 1) emit(events, log::Id::kCallRouted, r.sock, entities_[*target].name);
  } else if constexpr (std::is_same_v<T, CcRelease>) {
    if (single()) {
      target = 0;  // the Uni ignores a socket it does not know
    } else {
      const auto it = sock_entity_.find(r.sock);
      if (it == sock_entity_.end()) return;  // never reached an entity
      target = it->second;
      sock_entity_.erase(it);
    }
  } else if constexpr (std::is_same_v<T, atmsvc::CcModify> ||
                       std::is_same_v<T, atmsvc::CcModifyQosAnswer>) {
    // Q.2963.1: to the entity of the socket's call. A modification of a
    // socket no entity holds is refused as the Uni would (-EBADFD).
    target = entity_of_sock(r.sock);
    if (!target && std::is_same_v<T, atmsvc::CcModify>)
      events.push_back(atmsvc::CcModifyResult{r.sock, -EBADFD});
  } else if constexpr (std::is_same_v<T, atmsvc::CcAddParty> ||
                       std::is_same_v<T, atmsvc::CcDropParty>) {
    // Q.2971: to the entity of the root's call; without one, -EBADFD
    // as the socket table answers a socket without a call.
    target = entity_of_sock(r.sock);
    if (!target) {
      if constexpr (std::is_same_v<T, atmsvc::CcAddParty>)
        events.push_back(atmsvc::CcAddPartyResult{r.sock, -EBADFD});
      else
        events.push_back(atmsvc::CcDropPartyResult{r.sock, -EBADFD});
    }
  } else if constexpr (requires { r.call; }) {
    // A request about an offered incoming call (CcAccept, CcReject, and
    // any later one): to the entity that offered it, with its call id.
    const auto it = offered_.find(r.call);
    if (it == offered_.end()) {
      emit(events, log::Id::kCallNoOffered, r.call);
      return;
    }
    target = it->second.entity;
    if (!single()) {  // one entity: its ids are ours, the request goes as it is
      T copy = r;
      copy.call = it->second.uni_call;
      fwd = &translated.emplace(copy);
    }
    if constexpr (std::is_same_v<T, CcAccept> || std::is_same_v<T, CcReject>) {
      if (!single()) entities_[*target].ours.erase(it->second.uni_call);
      offered_.erase(it);  // answered: the call is the socket's now, or gone
    }
    if constexpr (std::is_same_v<T, CcAccept>)
      if (!single()) sock_entity_[r.sock] = *target;
  } else {
    static_assert(sizeof(T) == 0, "EntityRouter::request: a request it does not route");
  }
  if (!target) return;
  to_entity<kRequest>(*target, *fwd, now, out);
}

template <class Out>
void EntityRouter::route_input(const NetInput& in, TimePoint now, Out& out) {
  // One visit: the input's type picks its branch (no chain of tests).
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, atmsvc::LinkPdu>) {
          if (x.entity < entities_.size()) {
            if (x.entity == 0)
              to_entity<false>(0, in, now, out);  // already entity 0's, as the Uni sees it
            else
              to_entity<false>(x.entity, atmsvc::LinkPdu{0, x.bytes}, now, out);
          }
        } else if constexpr (std::is_same_v<T, atmsvc::RestartVcs>) {
          if (x.entity < entities_.size())
            to_entity<false>(x.entity, atmsvc::RestartVcs{0, x.vc, x.vpc}, now, out);
        } else if constexpr (std::is_same_v<T, atmsvc::StartLinks> ||
                             std::is_same_v<T, atmsvc::StopLinks> ||
                             std::is_same_v<T, atmsvc::KernelStalled> ||
                             std::is_same_v<T, atmsvc::LocalAddresses>) {
          for (std::size_t i = 0; i < entities_.size(); ++i) to_entity<false>(i, in, now, out);
        } else {
          request<T, false>(x, in, now, out);
        }
      },
      in);
}

void EntityRouter::handle(const NetInput& in, TimePoint now, std::vector<NetOutput>& out) {
  route_input(in, now, out);
}

void EntityRouter::handle_split(const NetInput& in, TimePoint now, atmsvc::CcOutputs& out) {
  route_input(in, now, out);
}

void EntityRouter::handle_request(const atmsvc::CcRequest& r, TimePoint now,
                                  std::vector<NetOutput>& out) {
  std::visit([&](const auto& x) { request<std::decay_t<decltype(x)>, true>(x, r, now, out); }, r);
}

void EntityRouter::handle_request_split(const atmsvc::CcRequest& r, TimePoint now,
                                        atmsvc::CcOutputs& out) {
  std::visit([&](const auto& x) { request<std::decay_t<decltype(x)>, true>(x, r, now, out); }, r);
}

template <bool kRequest, class Out>
void EntityRouter::to_entity(std::size_t i, const InputOf<kRequest>& in, TimePoint now, Out& out) {
  auto& events = events_of(out);
  const std::size_t mark = events.size();
  Uni& u = *entities_[i].uni;
  const auto offers = u.offers_told();
  if constexpr (std::is_same_v<Out, atmsvc::CcOutputs>) {
    const std::size_t shell_mark = out.actions.size();
    if constexpr (kRequest)
      u.handle_request_split(in, now, out);
    else
      u.handle_split(in, now, out);
    // Several entities: what went to the shell names entity i (the Uni says 0).
    if (!single()) {
      for (std::size_t at = shell_mark; at < out.actions.size(); ++at) {
        if (auto* l = std::get_if<atmsvc::ToLink>(&out.actions[at]))
          l->entity = i;
        else if (auto* s = std::get_if<atmsvc::LinkState>(&out.actions[at]))
          s->entity = i;
      }
    }
  } else if constexpr (kRequest) {
    u.handle_request(in, now, out);
  } else {
    u.handle(in, now, out);
  }
  if (!single() || u.offers_told() != offers) translate(i, events, mark, offers);
}

std::optional<std::size_t> EntityRouter::route(const struct sockaddr_atmsvc& called) const {
  // The original: no route and no default configured at all -> the first entity.
  if (routes_.empty() && !default_) {
    if (entities_.empty()) return std::nullopt;
    return 0;
  }
  const Route* best = nullptr;
  for (const auto& r : routes_)
    if ((best == nullptr || r.length > best->length) && prefix_matches(r.prefix, called)) best = &r;
  if (best != nullptr) return best->entity;
  return default_;
}

std::optional<std::size_t> EntityRouter::route(const struct sockaddr_atmsvc& called,
                                               const struct sockaddr_atmsvc& local) const {
  const auto by_called = route(called);
  // One entity: it owns the address or not, the called number decides
  // either way (below: every entity owns it, or none).
  if (single() || !address_in_use(local)) return by_called;
  AddressPrefix whole;
  whole.addr = local;
  std::optional<std::size_t> owner;
  std::size_t owners = 0;
  bool route_owns = false;
  for (std::size_t i = 0; i < entities_.size(); ++i) {
    bool owns = false;
    for (const auto& a : entities_[i].uni->params().local_addresses)
      owns |= prefix_matches(whole, a);
    if (!owns) continue;
    ++owners;
    route_owns |= by_called == i;
    if (!owner) owner = i;
  }
  // An address every entity has (unix-socket mode: one list for all) says
  // nothing about the entity; the socket layer also fills in that address
  // for unbound sockets, which the original routes by called number only.
  if (owners == entities_.size() || route_owns || !owner) return by_called;
  return owner;
}

std::optional<std::size_t> EntityRouter::entity_of_sock(atmsvc::SockId sock) const {
  if (single()) {
    if (entities_[0].uni->state_of_sock(sock) == CallState::kNull) return std::nullopt;
    return 0;
  }
  const auto it = sock_entity_.find(sock);
  if (it == sock_entity_.end()) return std::nullopt;
  return it->second;
}

void EntityRouter::handle_timeouts(TimePoint now, std::vector<NetOutput>& out) {
  for (std::size_t i = 0; i < entities_.size(); ++i) {
    const auto d = entities_[i].uni->next_deadline();
    if (!d || *d > now) continue;
    const std::size_t mark = out.size();
    const auto offers = entities_[i].uni->offers_told();
    entities_[i].uni->handle_timeouts(now, out);
    if (!single() || entities_[i].uni->offers_told() != offers) translate(i, out, mark, offers);
  }
}

const log::Levels* EntityRouter::log_levels() const {
  if (levels_ == nullptr) return nullptr;  // the router's own events: every level
  for (const auto& e : entities_)
    if (e.uni->log_levels() != levels_) return nullptr;
  return levels_;
}

std::optional<TimePoint> EntityRouter::next_deadline() const {
  if (single()) return entities_[0].uni->next_deadline();
  std::optional<TimePoint> d;
  for (const auto& e : entities_) d = earliest(d, e.uni->next_deadline());
  return d;
}

TimePoint EntityRouter::earliest_deadline() const {
  // Uni is final and its earliest_deadline() inline: one entity costs a few
  // loads here.
  if (single()) return entities_[0].uni->earliest_deadline();
  return earliest_of_all();
}

// Out of line: its loop's registers are not saved on the single entity's path.
TimePoint EntityRouter::earliest_of_all() const {
  TimePoint d = TimePoint::max();
  for (const auto& e : entities_) d = std::min(d, e.uni->earliest_deadline());
  return d;
}

std::size_t EntityRouter::call_count() const {
  std::size_t n = 0;
  for (const auto& e : entities_) n += e.uni->call_count();
  return n;
}

void EntityRouter::calls(std::vector<atmsvc::CallView>& out) const {
  for (std::size_t i = 0; i < entities_.size(); ++i) {
    const std::size_t mark = out.size();
    entities_[i].uni->calls(out);
    for (std::size_t j = mark; j < out.size(); ++j) out[j].entity = i;
  }
}

bool EntityRouter::release_call(std::size_t entity, std::uint32_t cref, bool outgoing,
                                std::uint8_t cause, TimePoint now, std::vector<NetOutput>& out) {
  if (entity >= entities_.size()) return false;
  const std::size_t mark = out.size();
  const auto offers = entities_[entity].uni->offers_told();
  const bool done = entities_[entity].uni->release_call(0, cref, outgoing, cause, now, out);
  if (!single() || entities_[entity].uni->offers_told() != offers)
    translate(entity, out, mark, offers);
  return done;
}

bool EntityRouter::links_idle() const {
  for (const auto& e : entities_)
    if (!e.uni->link_idle()) return false;
  return true;
}

void EntityRouter::translate(std::size_t i, std::vector<NetOutput>& out, std::size_t mark,
                             std::uint64_t offers) {
  auto& e = entities_[i];
  // One entity: its link is entity 0 as the Uni says, its ids are ours; only
  // an offer (CcIncoming, CcIncomingGone) is the router's business.
  if (single() && e.uni->offers_told() == offers) return;
  // Outputs are dropped (an offer already answered) only here: until the
  // first one, nothing moves.
  std::size_t kept = mark;
  for (std::size_t at = mark; at < out.size(); ++at) {
    NetOutput& ev = out[at];
    switch (ev.index()) {
      case variant_index<atmsvc::ToLink>():
        std::get_if<atmsvc::ToLink>(&ev)->entity = i;
        break;
      case variant_index<atmsvc::LinkState>():
        std::get_if<atmsvc::LinkState>(&ev)->entity = i;
        break;
      case variant_index<CcIncoming>(): {
        auto* inc = std::get_if<CcIncoming>(&ev);
        if (single()) {
          offered_[inc->call] = Offered{i, inc->call};  // one entity: its ids are unique
        } else {
          const atmsvc::CallId ours = next_call_++;
          e.ours[inc->call] = ours;
          offered_[ours] = Offered{i, inc->call};
          inc->call = ours;
        }
        break;
      }
      case variant_index<CcIncomingGone>(): {
        auto* gone = std::get_if<CcIncomingGone>(&ev);
        if (single()) {
          if (offered_.erase(gone->call) == 0) continue;  // already answered by the kernel
        } else {
          const auto it = e.ours.find(gone->call);
          if (it == e.ours.end()) continue;  // already answered by the kernel
          gone->call = it->second;
          offered_.erase(it->second);
          e.ours.erase(it);
        }
        break;
      }
      case variant_index<CcReleased>():
        if (!single()) sock_entity_.erase(std::get_if<CcReleased>(&ev)->sock);
        break;
      default:
        break;
    }
    if (kept != at) out[kept] = std::move(ev);
    ++kept;
  }
  if (kept != out.size()) out.erase(out.begin() + static_cast<std::ptrdiff_t>(kept), out.end());
}

}  // namespace atmsigd::callctl
