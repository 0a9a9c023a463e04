#include "atmsigd/atmsvc/policy.hpp"

namespace atmsigd::atmsvc {

PolicyDecision Policy::decide(const struct sockaddr_atmsvc& a, bool from) const {
  for (const auto& r : rules_)
    if (r.from == from && prefix_matches(r.address, a)) return PolicyDecision{r.allow, &r};
  return PolicyDecision{true, nullptr};
}

std::string PolicyDecision::describe() const {
  if (rule == nullptr) return "allowed (no rule matches)";
  return std::string(allow ? "allowed" : "rejected") + " by rule \"" +
         (rule->allow ? "allow " : "reject ") + (rule->from ? "from " : "to ") +
         rule->address.text + "\"";
}

}  // namespace atmsigd::atmsvc
