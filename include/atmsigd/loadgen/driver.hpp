// The load generator's core: plays the kernels of two demons at once, A (the
// user side, where calls are placed) and B (the network side, where they are
// accepted), in the kernel's internal signaling protocol (atmsvc). Sans-I/O:
// frames from the demons and "now" in, frames to send out, next_deadline().
//
// A call: as_connect on A -> as_indicate on B -> as_accept on B -> as_okay on
// both -> as_close by the caller on A -> as_close from the demon on B (acked)
// and the as_close acknowledging A's close. The two halves of a call are
// matched by the connection identifier (VPI/VCI) in their as_okay frames,
// which both demons take from the same Q.2931 CONNECTION IDENTIFIER.
//
// The transitions are those of the emulated kernel (kernel_emu/KernelModel,
// protocol description appendix A), kept in compact records indexed by the
// vcc itself (O(1) per frame, no allocation per call) because the generator
// holds up to a million calls. The unit tests check both agree.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atmsigd/atmsvc/message.hpp"
#include "atmsigd/util/time.hpp"

namespace atmsigd::loadgen {

using atmsvc::Message;
using atmsvc::Vcc;

enum class Side : std::uint8_t { kA, kB };

enum class Phase : std::uint8_t {
  kIdle,      // before start()
  kListen,    // as_listen on B sent
  kHold,      // K calls set up and held
  kMeasure,   // N calls set up and released
  kRelease,   // the K held calls released
  kUnlisten,  // B's listener closed
  kDone,
};
const char* phase_name(Phase p);

struct DriverConfig {
  std::uint32_t inflight = 1;     // W
  std::uint32_t held = 0;         // K
  std::uint32_t measured = 1000;  // N
  struct sockaddr_atmsvc called {};
  struct atm_qos qos {};
  Duration timeout = milliseconds(20000);  // for every expected reply
  // --keep-going: a call that ends with a well-formed error is counted (by
  // errno) and the run goes on; a reply that never comes is a lost call.
  bool keep_going = false;
  // --gap-us: a measured call starts this long after its slot came free (at
  // W = 1: after the last call ended, its release over on the wire too if
  // the gap is long enough); zero: at once.
  Duration gap{};
};

// Frames to send, per side, in order.
struct Sends {
  std::vector<Message> a, b;
  void clear() {
    a.clear();
    b.clear();
  }
};

struct DriverStats {
  std::uint64_t completed = 0;     // measured calls set up and released
  std::uint64_t held = 0;          // calls set up and held (hold phase)
  std::uint64_t released = 0;      // held calls released
  std::uint64_t failed = 0;        // calls that failed in any phase
  std::uint64_t timeouts = 0;      // expected replies that did not come
  std::uint64_t violations = 0;    // frames that do not fit the protocol
  std::uint64_t errors_total = 0;  // messages, of which the first few are kept
  // --keep-going: calls (or sockets) whose expected reply never came or that
  // met a frame outside the protocol; failed calls by the errno they ended
  // with (a demon's death is -EUNATCH, as the kernel's sigd_close gives).
  std::uint64_t lost = 0;
  std::map<int, std::uint64_t> failed_errno;
  std::uint64_t downs_a = 0, downs_b = 0;  // demon deaths seen
  std::vector<std::string> errors;         // the first kMaxErrors messages
};

// Halves of calls waiting for their other half, keyed by connection
// identifier: open addressing with linear probing (no allocation per call;
// grows only if more halves wait than ever before).
class PvcTable {
 public:
  explicit PvcTable(std::size_t expected = 64);
  void put(std::uint32_t key, std::uint32_t value);
  // Finds and removes.
  std::optional<std::uint32_t> take(std::uint32_t key);
  void erase(std::uint32_t key) { (void)take(key); }
  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffU;  // VPI 65535 is out of range
  struct Entry {
    std::uint32_t key = kEmpty, value = 0;
  };
  std::size_t home(std::uint32_t key) const { return (key * 0x9e3779b1U) & mask_; }
  void grow();
  std::vector<Entry> slots_;
  std::size_t mask_ = 0, size_ = 0;
};

class Driver {
 public:
  static constexpr std::size_t kMaxErrors = 20;
  // The vcc tags of the generator's sockets (the low 32 bits are the slot).
  static constexpr Vcc kListenerVcc = 0x4c0000000001ULL;
  static constexpr Vcc kATag = 0xa00000000000ULL;
  static constexpr Vcc kBTag = 0xb00000000000ULL;

  explicit Driver(const DriverConfig& cfg);

  // Phase steps. Each sends its first frames; the phase is over when
  // phase_idle(). begin_* may be called only when phase_idle().
  void start(TimePoint now, Sends& out);  // as_listen on B
  void begin_hold(TimePoint now, Sends& out);
  void begin_measure(TimePoint now, Sends& out);
  void begin_release(TimePoint now, Sends& out);
  void begin_unlisten(TimePoint now, Sends& out);
  // --after: n more calls set up and released (a measure phase again), after
  // the release phase: the demons serve calls after what the run did to them.
  void begin_after(TimePoint now, Sends& out, std::uint64_t n);

  void on_frame(Side side, const Message& m, TimePoint now, Sends& out);
  void on_timeouts(TimePoint now, Sends& out);
  // A demon died (its socket is gone): as the kernel's sigd_close, every
  // socket of that side ends with -EUNATCH. Its frames are no longer sent.
  void on_side_down(Side side, TimePoint now, Sends& out);
  // The demon is back (a new socket at its path): B listens again; calls
  // start again once both are up and B listens.
  void on_side_up(Side side, TimePoint now, Sends& out);
  bool side_up(Side side) const { return side == Side::kA ? a_up_ : b_up_; }
  std::optional<TimePoint> next_deadline() const;

  Phase phase() const { return phase_; }
  bool phase_idle() const;
  // After a failure no new call is started; held calls are still released.
  bool winding_down() const { return winding_down_; }
  bool listening() const { return listener_ == LState::kListening; }

  const DriverStats& stats() const { return stats_; }
  // Setup latencies (connect sent -> okay received on A) of the measured
  // calls, in microseconds, in completion order.
  const std::vector<std::uint32_t>& setup_us() const { return setup_us_; }
  // Sockets the two emulated kernels still hold open (the listener included).
  std::uint64_t sockets_left() const;

 private:
  enum class AState : std::uint8_t {
    kFree,
    kConnectWait,  // as_connect sent
    kWaitPeer,     // as_okay received, B's as_okay not yet
    kHeld,         // up, held until the release phase
    kCloseWait,    // as_close sent, waiting for the demon's as_close
    kClosed,       // closed; waiting for B's half
    kAbandoned,    // failed without an orderly end: left open
  };
  enum class BState : std::uint8_t {
    kFree,
    kAcceptWait,  // as_accept sent
    kConnected,   // as_okay received
    kClosed,      // the demon's as_close acknowledged
    kAbandoned,
  };
  enum class LState : std::uint8_t { kNone, kListenWait, kListening, kCloseWait, kClosed };
  static constexpr std::uint32_t kNil = 0xffffffffU;

  // Deadline links: both lists are kept in deadline order by appending
  // (every deadline is now + the one timeout), so arming, cancelling and
  // expiring are O(1).
  struct Link {
    TimePoint deadline{};
    std::uint32_t prev = kNil, next = kNil;
    bool armed = false;
  };
  struct ACall {
    Link link;
    TimePoint t_connect{};
    std::uint32_t peer = kNil;  // B slot
    std::uint32_t pvc = 0;
    AState state = AState::kFree;
    bool measured = false;
    bool in_flight = false;  // counts towards W
    bool failed = false;     // counted as failed once
    bool lost = false;       // counted as lost once (--keep-going)
  };
  struct BSock {
    Link link;
    std::uint32_t peer = kNil;  // A slot
    std::uint32_t pvc = 0;
    BState state = BState::kFree;
  };
  struct List {
    std::uint32_t head = kNil, tail = kNil;
  };
  // Compact: a million held calls cost about 100 MB in the generator.
  static_assert(sizeof(ACall) <= 56 && sizeof(BSock) <= 40);

  template <typename Rec>
  void arm(std::vector<Rec>& recs, List& l, std::uint32_t i, TimePoint when);
  template <typename Rec>
  void disarm(std::vector<Rec>& recs, List& l, std::uint32_t i);

  // A record slot of either side: reused from the free list, or a new one.
  template <typename Rec>
  static std::uint32_t alloc(std::vector<Rec>& recs, std::vector<std::uint32_t>& free,
                             std::uint64_t& open);
  template <typename Rec>
  void release(std::vector<Rec>& recs, List& l, std::vector<std::uint32_t>& free,
               std::uint64_t& open, std::uint32_t i);
  std::uint32_t alloc_a() { return alloc(a_, a_free_, a_open_); }
  std::uint32_t alloc_b() { return alloc(b_, b_free_, b_open_); }
  void free_a(std::uint32_t i) { release(a_, a_list_, a_free_, a_open_, i); }
  void free_b(std::uint32_t i) { release(b_, b_list_, b_free_, b_open_, i); }

  void start_calls(TimePoint now, Sends& out);
  void start_call(TimePoint now, Sends& out);
  void on_a(const Message& m, TimePoint now, Sends& out);
  void on_b(const Message& m, TimePoint now, Sends& out);
  void on_listener(const Message& m, TimePoint now, Sends& out);
  void a_okay(std::uint32_t a, const Message& m, TimePoint now, Sends& out);
  void b_okay(std::uint32_t b, const Message& m, TimePoint now, Sends& out);
  void both_up(std::uint32_t a, TimePoint now, Sends& out);
  void close_call(std::uint32_t a, TimePoint now, Sends& out);
  void maybe_finish(std::uint32_t a, TimePoint now, Sends& out);
  void leave_flight(std::uint32_t a);
  void call_failed(std::uint32_t a, std::string what, int reply = 0);
  void call_lost(std::uint32_t a, std::string what);
  void abandon(std::uint32_t a, std::uint32_t b);
  void fail(std::string what);
  void violation(Side side, const Message& m, const std::string& what);
  void refill(TimePoint now, Sends& out);
  bool orphans_open() const;

  DriverConfig cfg_;
  Phase phase_ = Phase::kIdle;
  bool winding_down_ = false;
  bool a_up_ = true, b_up_ = true;
  LState listener_ = LState::kNone;
  std::optional<TimePoint> listener_deadline_;
  std::optional<TimePoint> gap_until_;  // --gap-us: the next call's start

  std::vector<ACall> a_;
  std::vector<BSock> b_;
  std::vector<std::uint32_t> a_free_, b_free_;
  List a_list_, b_list_;
  std::uint64_t a_open_ = 0, b_open_ = 0;  // records not free (sockets held)
  // Halves up whose other half is not yet: keyed by VPI << 16 | VCI.
  PvcTable a_waiting_, b_waiting_;

  // The current phase's calls.
  std::uint64_t target_ = 0, started_ = 0, in_flight_ = 0;
  std::vector<std::uint32_t> held_;  // A slots of the held calls
  std::size_t release_next_ = 0;

  DriverStats stats_;
  std::vector<std::uint32_t> setup_us_;
};

}  // namespace atmsigd::loadgen
