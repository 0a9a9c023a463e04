// The demon's counters in one snapshot (the control socket's `stats`
// command): taken off the hot path by Engine::stats() from the cores that
// count them, the shell adding its queues (io::Demon::stats()). Each core
// counts where the fact happens, as a plain increment into its own struct
// (callctl::UniStats, sscop::Stats, KernelCounters below); this only copies
// them. Names and meanings of every counter: the table in
// include/atmsigd/control/stats_render.hpp, docs/control.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "atmsigd/callctl/entity_counters.hpp"

namespace atmsigd::engine {

// The kernel side, counted by the engine (frames) and the socket table
// (malformed frames).
struct KernelCounters {
  // enum atmsvc_msg_type: as_catch_null .. as_dropparty; index kTypes: any
  // other value.
  static constexpr std::size_t kTypes = 16;
  std::array<std::uint64_t, kTypes + 1> frames_in{};   // decoded frames from the kernel
  std::array<std::uint64_t, kTypes + 1> frames_out{};  // frames to the kernel
  std::uint64_t frames_malformed = 0;  // refused: wrong size, or invalid per Table 1
  std::uint64_t replies_refused = 0;   // replies the kernel refused (docs/kernel.md)
  static constexpr std::size_t index(int type) {
    return type >= 0 && static_cast<std::size_t>(type) < kTypes ? static_cast<std::size_t>(type)
                                                                : kTypes;
  }
};

// A send queue of the shell (io::SendQueue): most datagrams ever waiting,
// datagrams dropped at its bound.
struct QueueCounters {
  std::size_t high_water = 0;
  std::size_t bound = 0;
  std::uint64_t dropped = 0;
};

// One signaling entity: its call control, its SSCOP (as call control hands
// them over), its link's queue.
struct EntityStats : callctl::EntityCounters {
  QueueCounters link_queue;  // the shell's (zero until the shell adds it)
};

struct Stats {
  KernelCounters kernel;
  QueueCounters kernel_queue;         // the shell's queue to the user of signaling
  std::size_t sockets = 0;            // kernel sockets the socket table holds
  std::size_t calls_held = 0;         // calls call control holds
  std::vector<EntityStats> entities;  // none with a stand-in network
};

}  // namespace atmsigd::engine
