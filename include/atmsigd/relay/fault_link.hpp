// A faulty link between two demons (issue 14): the datagrams one demon sends
// the other are lost, duplicated, reordered, corrupted, delayed or swallowed
// by an outage, by a seeded pseudo-random plan, so a failing run can be
// replayed. Sans-I/O like the demon's cores: a datagram and `now` in, the
// datagrams to deliver out, next_deadline() for the delayed ones. The program
// atmsigd-relay (daemon/relay_main.cpp) puts it between two UDP sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <random>
#include <vector>

#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/time.hpp"

namespace atmsigd::relay {

enum class Dir : std::uint8_t { kAtoB, kBtoA };

// Probabilities per datagram (0..1), applied in this order: outage, loss,
// corruption, duplication, reordering, then delay (+ uniform jitter).
struct Faults {
  double loss = 0;
  double dup = 0;
  double reorder = 0;
  double corrupt = 0;
  Duration delay{};
  Duration jitter{};
};

// A datagram to deliver in direction `dir`.
struct Delivery {
  Dir dir;
  Bytes bytes;
};

struct FaultStats {
  std::uint64_t received = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;            // by `loss`
  std::uint64_t lost_in_outage = 0;  // while the link was down
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t corrupted = 0;
};

class FaultLink {
 public:
  // How long a datagram held back for reordering waits for a successor in its
  // direction before it goes out alone.
  static constexpr Duration kReorderHold = std::chrono::milliseconds(50);

  FaultLink(std::uint64_t seed, Faults faults) : rng_(seed), faults_(faults) {}

  void set_faults(const Faults& f) { faults_ = f; }
  const Faults& faults() const { return faults_; }
  // An outage: every datagram, both ways, is dropped until `until` (nullopt:
  // the link is up again at once). Datagrams already delayed still arrive.
  void set_outage(std::optional<TimePoint> until) { outage_until_ = until; }
  bool in_outage(TimePoint now) const { return outage_until_ && now < *outage_until_; }

  // A datagram sent in direction `dir`: what is to be delivered now is appended.
  void handle(Dir dir, ByteView bytes, TimePoint now, std::vector<Delivery>& out);
  // Delivers the delayed datagrams that are due and the held ones that waited long enough.
  void handle_timeouts(TimePoint now, std::vector<Delivery>& out);
  std::optional<TimePoint> next_deadline() const;

  const FaultStats& stats() const { return stats_; }

 private:
  struct Delayed {
    TimePoint due;
    std::uint64_t seq;  // same due time: first in, first out
    Delivery d;
    bool operator>(const Delayed& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  struct Held {
    Bytes bytes;
    TimePoint since;
  };

  bool chance(double p);
  void emit(Dir dir, Bytes bytes, TimePoint now, std::vector<Delivery>& out);
  void release_held(Dir dir, TimePoint now, std::vector<Delivery>& out);

  std::mt19937_64 rng_;
  Faults faults_;
  std::optional<TimePoint> outage_until_;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;
  std::optional<Held> held_[2];  // per direction: one datagram held for reordering
  std::uint64_t seq_ = 0;
  FaultStats stats_;
};

}  // namespace atmsigd::relay
