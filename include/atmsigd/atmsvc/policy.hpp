// Policy rules (atmsigd.conf "policy allow|reject from|to ADDRESS[/bits]"):
// the first rule of the call's direction that matches decides; no match
// allows. Outgoing calls are checked against "to" rules with the called
// party, incoming calls against "from" rules with the calling party.
#pragma once

#include <string>
#include <vector>

#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::atmsvc {

struct PolicyRule {
  bool allow = true;
  bool from = true;
  AddressPrefix address;
};

struct PolicyDecision {
  bool allow = true;
  const PolicyRule* rule = nullptr;  // the rule that decided (nullptr: default)
  std::string describe() const;
};

class Policy {
 public:
  void set_rules(std::vector<PolicyRule> rules) { rules_ = std::move(rules); }
  std::size_t size() const { return rules_.size(); }
  PolicyDecision outgoing(const struct sockaddr_atmsvc& called) const {
    return decide(called, false);
  }
  PolicyDecision incoming(const struct sockaddr_atmsvc& calling) const {
    return decide(calling, true);
  }

 private:
  PolicyDecision decide(const struct sockaddr_atmsvc& a, bool from) const;
  std::vector<PolicyRule> rules_;
};

}  // namespace atmsigd::atmsvc
