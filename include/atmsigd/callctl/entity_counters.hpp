// One signaling entity's counters as call control hands them to the engine's
// stats snapshot (engine::Stats, the control socket's `stats` and `status`):
// atmsvc::CallControl::entity_counters() fills them, so the engine needs no
// concrete call control type (a stand-in network has no entity).
#pragma once

#include <cstddef>
#include <string>

#include "atmsigd/callctl/uni.hpp"
#include "atmsigd/sscop/sscop.hpp"

namespace atmsigd::callctl {

struct EntityCounters {
  std::string name;  // "0.0.5" (atmsigd.conf's entity), "0" for a single one
  bool link_up = false;
  std::size_t calls_held = 0;
  UniStats calls;
  sscop::Stats sscop;
};

}  // namespace atmsigd::callctl
