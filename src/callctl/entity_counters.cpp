// The counters call control hands to the engine's stats snapshot
// (atmsvc::CallControl::entity_counters; off the hot path: a copy on request).
#include "atmsigd/callctl/entity_counters.hpp"

#include "atmsigd/callctl/entity_router.hpp"

namespace atmsigd::callctl {

namespace {
EntityCounters counters_of(const Uni& u, std::string name) {
  EntityCounters e;
  e.name = std::move(name);
  e.link_up = u.link_up();
  e.calls_held = u.call_count();
  e.calls = u.stats();
  e.sscop = u.sscf().sscop().stats();
  return e;
}
}  // namespace

// A single entity (no router) is named "0".
void Uni::entity_counters(std::vector<EntityCounters>& out) const {
  out.push_back(counters_of(*this, "0"));
}

void EntityRouter::entity_counters(std::vector<EntityCounters>& out) const {
  out.reserve(out.size() + size());
  for (std::size_t i = 0; i < size(); ++i) out.push_back(counters_of(uni(i), name(i)));
}

}  // namespace atmsigd::callctl
