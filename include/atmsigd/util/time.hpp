// Time as the protocol cores see it. The cores never read a clock: every input
// carries "now", and each core reports its next deadline. The I/O shell maps
// these onto the event loop's steady clock; tests drive them in virtual time.
#pragma once

#include <chrono>
#include <optional>

namespace atmsigd {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

using std::chrono::milliseconds;
using std::chrono::seconds;

// Earliest of two optional deadlines (nullopt = no deadline).
inline std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace atmsigd
