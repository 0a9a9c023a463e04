// The armed per-call timers of one Uni: one FIFO of (deadline, call key) per
// kind of timer. A kind's duration is fixed (UniParams) and `now` never goes
// back, so each kind's entries arrive in deadline order: starting a timer is
// an append, the earliest deadline is the least of N fronts, and nothing is
// searched or rebalanced (the std::set it replaces cost a tree insert and
// erase per timer, three timers a call). O(1) per timer whatever the number
// of calls.
//
// Stopping a timer leaves its entry where it is (the call's record says
// whether its timer runs and until when): the owner calls prune() after a
// stop and after pop(), which drops the entries at the front that are no
// longer armed, so every front is a live timer and earliest() is exact.
// Stale entries behind a live front wait until they reach the front; they
// are bounded by the calls started within the longest timer's duration.
//
// A bitmask says which queues hold entries, and the queue whose front is the
// earliest is kept as entries come and go (asked every turn of the shell's
// loop through next_deadline(), more often than a timer starts or stops):
// earliest() and next_deadline() read it, and its front's deadline is kept
// beside it (earliest_deadline(), a plain load). A push changes only its own
// queue's front, and only when that queue was empty (or the clock went
// back); a pop of another queue than the earliest leaves the earliest as it
// was (that queue's new front is later than its old one). Only a pop of the
// earliest queue's front looks at the fronts again, those of the queues
// holding entries (one or two of the eight, mostly).
//
// Storage: a ring buffer per kind that doubles when full and never shrinks
// (no allocation per timer once it has held its peak). push() and pop() are
// inline (a state change is a stop and a start); growing a ring and moving
// an entry back in deadline order (a clock that went back) are out of line.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "atmsigd/util/time.hpp"

namespace atmsigd::callctl {

template <std::size_t N>
class TimerQueues {
 public:
  struct Entry {
    TimePoint when;
    std::uint32_t key;
  };

  bool empty() const { return armed_ == 0; }
  std::size_t size(std::size_t kind) const { return queues_[kind].size; }

  // Arms timer `kind` of call `key` for `when`.
  // Inline (a call per state change otherwise); the rare reordering out of
  // line.
  [[gnu::always_inline]] void push(std::size_t kind, TimePoint when, std::uint32_t key) {
    Ring& q = queues_[kind];
    q.push_back(Entry{when, key});
    armed_ |= Mask{1} << kind;
    // A deadline earlier than the last one (a clock that went back, in
    // tests): moved to its place, so the queue stays in order.
    std::size_t i = q.size - 1;
    if (i > 0 && when < q.at(i - 1).when) i = sink(q, i);
    // The entry is its queue's front: that queue may now be the earliest.
    if (i == 0 && (best_ == kNone || kind == best_ || before(kind, best_))) {
      best_ = static_cast<std::uint8_t>(kind);
      when_ = when;
    }
  }

  // Drops the entries at the front of `kind`'s queue that are no longer
  // armed: live(key, kind, when) says whether one is.
  template <class Live>
  void prune(std::size_t kind, Live&& live) {
    Ring& q = queues_[kind];
    while (q.size != 0 && !live(q.front().key, kind, q.front().when)) pop(kind);
  }
  // Drops the front of `kind`'s queue if it is (key, when): a timer just
  // stopped is usually the front, and needs no look-up to know it is dead.
  // True if it was dropped: only then may the new front be a dead entry
  // (prune); otherwise the front is another, live, timer.
  bool drop_front_if(std::size_t kind, std::uint32_t key, TimePoint when) {
    Ring& q = queues_[kind];
    if (q.size == 0 || q.front().key != key || q.front().when != when) return false;
    pop(kind);
    return true;
  }

  // The kind whose front is the earliest (ties: the lower key, then the
  // lower kind, as the set ordered them); none if every queue is empty.
  std::optional<std::size_t> earliest() const {
    if (best_ == kNone) return std::nullopt;
    return best_;
  }
  std::optional<TimePoint> next_deadline() const {
    if (best_ == kNone) return std::nullopt;
    return queues_[best_].front().when;
  }
  // The earliest deadline, if !empty(): next_deadline() without the
  // std::optional (asked every turn; the optional went through the stack).
  TimePoint earliest_when() const { return when_; }
  // The earliest deadline, TimePoint::max() if empty(): a plain member,
  // kept with best_ (the shell's end-of-turn query reads it).
  TimePoint earliest_deadline() const { return when_; }
  const Entry& front(std::size_t kind) const { return queues_[kind].front(); }
  // Inline (a call per stop and expiry otherwise): the search of the fronts
  // only when the earliest queue's front went and other queues hold entries.
  [[gnu::always_inline]] void pop(std::size_t kind) {
    Ring& q = queues_[kind];
    q.pop_front();
    if (q.size == 0) armed_ &= ~(Mask{1} << kind);
    if (kind == best_) {
      best_ = armed_ == 0 ? kNone : find_earliest();
      when_ = best_ == kNone ? TimePoint::max() : queues_[best_].front().when;
    }
  }

 private:
  struct Ring {
    std::vector<Entry> buf;  // capacity a power of two (or empty)
    std::size_t mask = 0;    // buf.size() - 1 (kept: no size computed per access)
    std::size_t head = 0;
    std::size_t size = 0;
    Entry& at(std::size_t i) { return buf[(head + i) & mask]; }
    const Entry& front() const { return buf[head]; }
    void push_back(const Entry& e) {
      if (size == buf.size()) grow();
      at(size) = e;
      ++size;
    }
    void pop_front() {
      head = (head + 1) & mask;
      --size;
    }
    [[gnu::noinline]] void grow() {
      std::vector<Entry> bigger(buf.empty() ? 16 : 2 * buf.size());
      for (std::size_t i = 0; i < size; ++i) bigger[i] = at(i);
      buf = std::move(bigger);
      mask = buf.size() - 1;
      head = 0;
    }
  };
  using Mask = std::uint32_t;
  static_assert(N <= 32, "one bit of armed_ per kind");
  static constexpr std::uint8_t kNone = 0xff;

  // Moves entry i of q towards the front to its place in deadline order;
  // returns where it is now.
  [[gnu::noinline]] static std::size_t sink(Ring& q, std::size_t i) {
    for (; i > 0 && q.at(i).when < q.at(i - 1).when; --i) std::swap(q.at(i), q.at(i - 1));
    return i;
  }
  // Whether queue a's front comes before queue b's (both hold entries):
  // by deadline, then key, then kind.
  bool before(std::size_t a, std::size_t b) const {
    const Entry& x = queues_[a].front();
    const Entry& y = queues_[b].front();
    return std::tie(x.when, x.key, a) < std::tie(y.when, y.key, b);
  }
  // The earliest front, looked for among the queues holding entries (lowest
  // kind first); kNone if none does.
  [[gnu::noinline]] std::uint8_t find_earliest() const {
    std::uint8_t best = kNone;
    for (Mask m = armed_; m != 0; m &= m - 1) {
      const auto k = static_cast<std::size_t>(std::countr_zero(m));
      if (best == kNone || before(k, best)) best = static_cast<std::uint8_t>(k);
    }
    return best;
  }

  std::array<Ring, N> queues_;
  Mask armed_ = 0;                     // bit k: queue k holds entries
  std::uint8_t best_ = kNone;          // the queue whose front is the earliest (kNone: all empty)
  TimePoint when_ = TimePoint::max();  // best_'s front's deadline (max: all empty)
};

}  // namespace atmsigd::callctl
