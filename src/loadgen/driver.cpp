#include "atmsigd/loadgen/driver.hpp"

#include <cerrno>
#include <cstring>

namespace atmsigd::loadgen {
namespace {

Message frame(enum atmsvc_msg_type t, Vcc vcc) {
  Message m(t);
  m.set_vcc(vcc);
  return m;
}

// The connection identifier both halves of a call carry in their as_okay.
std::uint32_t pvc_key(const Message& m) {
  const auto& a = m.raw().pvc.sap_addr;
  return (static_cast<std::uint32_t>(a.vpi) << 16) | static_cast<std::uint16_t>(a.vci);
}

std::string errno_text(int reply) {
  const int e = reply < 0 ? -reply : reply;
  return std::to_string(reply) + " (" + std::strerror(e) + ")";
}

std::string vcc_text(Vcc v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::kIdle:
      return "idle";
    case Phase::kListen:
      return "listen";
    case Phase::kHold:
      return "hold";
    case Phase::kMeasure:
      return "measure";
    case Phase::kRelease:
      return "release";
    case Phase::kUnlisten:
      return "unlisten";
    case Phase::kDone:
      return "done";
  }
  return "?";
}

PvcTable::PvcTable(std::size_t expected) {
  std::size_t n = 16;
  while (n < 2 * expected) n *= 2;
  slots_.resize(n);
  mask_ = n - 1;
}

void PvcTable::put(std::uint32_t key, std::uint32_t value) {
  if (2 * (size_ + 1) > slots_.size()) grow();
  for (std::size_t i = home(key);; i = (i + 1) & mask_) {
    if (slots_[i].key == key) {
      slots_[i].value = value;
      return;
    }
    if (slots_[i].key == kEmpty) {
      slots_[i] = Entry{key, value};
      ++size_;
      return;
    }
  }
}

std::optional<std::uint32_t> PvcTable::take(std::uint32_t key) {
  std::size_t i = home(key);
  while (slots_[i].key != key) {
    if (slots_[i].key == kEmpty) return std::nullopt;
    i = (i + 1) & mask_;
  }
  const std::uint32_t value = slots_[i].value;
  // Backward-shift deletion: later entries of the probe run move up, so no
  // tombstones accumulate.
  for (std::size_t j = (i + 1) & mask_; slots_[j].key != kEmpty; j = (j + 1) & mask_) {
    const std::size_t h = home(slots_[j].key);
    // Entry j may fill hole i unless its home lies cyclically in (i, j].
    const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = Entry{};
  --size_;
  return value;
}

void PvcTable::grow() {
  std::vector<Entry> old;
  old.swap(slots_);
  slots_.resize(old.size() * 2);
  mask_ = slots_.size() - 1;
  size_ = 0;
  for (const Entry& e : old)
    if (e.key != kEmpty) put(e.key, e.value);
}

Driver::Driver(const DriverConfig& cfg)
    : cfg_(cfg),
      a_waiting_(2 * std::size_t{cfg.inflight}),
      b_waiting_(2 * std::size_t{cfg.inflight}) {
  if (cfg_.inflight == 0) cfg_.inflight = 1;
  const std::size_t slots = std::size_t{cfg_.held} + cfg_.inflight;
  a_.reserve(slots);
  b_.reserve(slots);
  held_.reserve(cfg_.held);
  setup_us_.reserve(cfg_.measured);
}

// --- deadlines -------------------------------------------------------------

template <typename Rec>
void Driver::arm(std::vector<Rec>& recs, List& l, std::uint32_t i, TimePoint when) {
  if (recs[i].link.armed) disarm(recs, l, i);
  Link& k = recs[i].link;
  k.deadline = when;
  k.armed = true;
  k.next = kNil;
  k.prev = l.tail;
  if (l.tail != kNil)
    recs[l.tail].link.next = i;
  else
    l.head = i;
  l.tail = i;
}

template <typename Rec>
void Driver::disarm(std::vector<Rec>& recs, List& l, std::uint32_t i) {
  Link& k = recs[i].link;
  if (!k.armed) return;
  if (k.prev != kNil)
    recs[k.prev].link.next = k.next;
  else
    l.head = k.next;
  if (k.next != kNil)
    recs[k.next].link.prev = k.prev;
  else
    l.tail = k.prev;
  k = Link{};
}

std::optional<TimePoint> Driver::next_deadline() const {
  std::optional<TimePoint> d = earliest(listener_deadline_, gap_until_);
  if (a_list_.head != kNil) d = earliest(d, a_[a_list_.head].link.deadline);
  if (b_list_.head != kNil) d = earliest(d, b_[b_list_.head].link.deadline);
  return d;
}

void Driver::on_timeouts(TimePoint now, Sends& out) {
  if (gap_until_ && *gap_until_ <= now) {
    refill(now, out);
    // Nothing more to start (the phase's calls all started, or winding
    // down): the gap is over.
    if (gap_until_ && *gap_until_ <= now) gap_until_.reset();
  }
  if (listener_deadline_ && *listener_deadline_ <= now) {
    listener_deadline_.reset();
    ++stats_.timeouts;
    if (cfg_.keep_going) ++stats_.lost;
    // The listener stays in its state: counted as left in the kernel.
    fail(std::string("timeout waiting for the reply to the listener's ") +
         (listener_ == LState::kListenWait ? "as_listen" : "as_close") + " on B");
  }
  static const char* const kAWait[] = {"",
                                       "as_okay for as_connect on A",
                                       "the other half's as_okay (on B)",
                                       "as_close from demon A (B's demon died)",
                                       "as_close acknowledging the caller's close on A",
                                       "B's as_close",
                                       ""};
  while (a_list_.head != kNil && a_[a_list_.head].link.deadline <= now) {
    const std::uint32_t a = a_list_.head;
    ++stats_.timeouts;
    call_lost(a, "timeout waiting for " + std::string(kAWait[static_cast<int>(a_[a].state)]) +
                     " (call " + vcc_text(kATag | a) + ")");
    leave_flight(a);
    abandon(a, a_[a].peer);
  }
  while (b_list_.head != kNil && b_[b_list_.head].link.deadline <= now) {
    const std::uint32_t b = b_list_.head;
    ++stats_.timeouts;
    const bool accepted = b_[b].state == BState::kAcceptWait;
    fail("timeout waiting for " +
         std::string(accepted ? "as_okay for as_accept" : "as_close from the demon") + " on B (" +
         vcc_text(kBTag | b) + ")");
    const std::uint32_t a = b_[b].peer;
    if (a != kNil && a_[a].state != AState::kAbandoned) {
      call_lost(a, "");
      leave_flight(a);
      abandon(a, b);
    } else {
      if (cfg_.keep_going) ++stats_.lost;  // a socket whose call is not known
      abandon(kNil, b);
    }
  }
  refill(now, out);
}

// --- slots -----------------------------------------------------------------

template <typename Rec>
std::uint32_t Driver::alloc(std::vector<Rec>& recs, std::vector<std::uint32_t>& free,
                            std::uint64_t& open) {
  ++open;
  if (!free.empty()) {
    const std::uint32_t i = free.back();
    free.pop_back();
    return i;
  }
  recs.emplace_back();
  return static_cast<std::uint32_t>(recs.size() - 1);
}

template <typename Rec>
void Driver::release(std::vector<Rec>& recs, List& l, std::vector<std::uint32_t>& free,
                     std::uint64_t& open, std::uint32_t i) {
  disarm(recs, l, i);
  recs[i] = Rec{};
  free.push_back(i);
  --open;
}

// An abandoned record keeps its slot (a late frame for it is then known) and
// counts as a socket left in the kernel.
void Driver::abandon(std::uint32_t a, std::uint32_t b) {
  if (a != kNil && a_[a].state == AState::kClosed) {
    free_a(a);  // already closed in the kernel: nothing of it is left
  } else if (a != kNil) {
    disarm(a_, a_list_, a);
    if (a_[a].state == AState::kWaitPeer) a_waiting_.erase(a_[a].pvc);
    a_[a].state = AState::kAbandoned;
  }
  if (b != kNil && b_[b].state != BState::kFree) {
    disarm(b_, b_list_, b);
    if (b_[b].state == BState::kConnected && b_[b].peer == kNil) b_waiting_.erase(b_[b].pvc);
    b_[b].state = BState::kAbandoned;
  }
}

void Driver::fail(std::string what) {
  if (!cfg_.keep_going) winding_down_ = true;
  ++stats_.errors_total;
  if (stats_.errors.size() < kMaxErrors) stats_.errors.push_back(std::move(what));
}

void Driver::violation(Side side, const Message& m, const std::string& what) {
  ++stats_.violations;
  fail(std::string(side == Side::kA ? "A" : "B") + ": " + m.summary() + ": " + what);
}

std::uint64_t Driver::sockets_left() const {
  const bool listener_open = listener_ != LState::kNone && listener_ != LState::kClosed;
  return a_open_ + b_open_ + (listener_open ? 1 : 0);
}

// --- phases ----------------------------------------------------------------

// --keep-going: B's halves whose caller's half already ended (refused at
// once, or its demon died) are still to be ended by B's demon; a phase is not
// over before they are (or their deadline made them lost). Checked only when
// the phase's calls are done: O(sockets), not per frame.
bool Driver::orphans_open() const {
  if (!cfg_.keep_going) return false;
  for (const BSock& s : b_)
    if (s.peer == kNil && (s.state == BState::kAcceptWait || s.state == BState::kConnected))
      return true;
  return false;
}

bool Driver::phase_idle() const {
  switch (phase_) {
    case Phase::kListen:
    case Phase::kUnlisten:
      return !listener_deadline_;
    case Phase::kHold:
    case Phase::kMeasure:
      return in_flight_ == 0 && (started_ == target_ || winding_down_) && !orphans_open();
    case Phase::kRelease:
      return in_flight_ == 0 && release_next_ == held_.size() && !orphans_open();
    case Phase::kIdle:
    case Phase::kDone:
      return true;
  }
  return true;
}

void Driver::start(TimePoint now, Sends& out) {
  phase_ = Phase::kListen;
  Message m = frame(as_listen, kListenerVcc);
  m.raw().svc = cfg_.called;
  m.raw().qos = cfg_.qos;
  out.b.push_back(m);
  listener_ = LState::kListenWait;
  listener_deadline_ = now + cfg_.timeout;
}

void Driver::begin_hold(TimePoint now, Sends& out) {
  phase_ = Phase::kHold;
  target_ = winding_down_ ? 0 : cfg_.held;
  started_ = in_flight_ = 0;
  refill(now, out);
}

void Driver::begin_measure(TimePoint now, Sends& out) {
  phase_ = Phase::kMeasure;
  target_ = winding_down_ ? 0 : cfg_.measured;
  started_ = in_flight_ = 0;
  refill(now, out);
}

void Driver::begin_after(TimePoint now, Sends& out, std::uint64_t n) {
  phase_ = Phase::kMeasure;
  target_ = winding_down_ ? 0 : n;
  started_ = in_flight_ = 0;
  refill(now, out);
}

// Held calls are released even after a failure: nothing is to be left.
void Driver::begin_release(TimePoint now, Sends& out) {
  phase_ = Phase::kRelease;
  target_ = held_.size();
  started_ = in_flight_ = 0;
  release_next_ = 0;
  refill(now, out);
}

void Driver::begin_unlisten(TimePoint now, Sends& out) {
  phase_ = Phase::kUnlisten;
  if (listener_ != LState::kListening) return;
  out.b.push_back(frame(as_close, kListenerVcc));
  listener_ = LState::kCloseWait;
  listener_deadline_ = now + cfg_.timeout;
}

// Keeps W calls in flight: new ones in the hold and measured phases, closes
// of held ones in the release phase.
void Driver::refill(TimePoint now, Sends& out) {
  if (!a_up_) return;  // the callers' demon is away
  if (phase_ == Phase::kRelease) {
    while (in_flight_ < cfg_.inflight && release_next_ < held_.size()) {
      const std::uint32_t a = held_[release_next_++];
      if (a_[a].state != AState::kHeld) continue;  // failed meanwhile
      ++in_flight_;
      a_[a].in_flight = true;
      close_call(a, now, out);
    }
    return;
  }
  if (phase_ != Phase::kHold && phase_ != Phase::kMeasure) return;
  // New calls wait for B's demon and its listener (after a restart).
  if (!b_up_ || listener_ != LState::kListening) return;
  const bool paced = phase_ == Phase::kMeasure && cfg_.gap > Duration::zero();
  // Nothing more to start: a gap armed for it is over.
  if (paced && (winding_down_ || started_ >= target_)) gap_until_.reset();
  while (in_flight_ < cfg_.inflight && started_ < target_ && !winding_down_) {
    if (paced) {
      // --gap-us: the call starts `gap` after its slot came free.
      if (!gap_until_) {
        gap_until_ = now + cfg_.gap;
        return;
      }
      if (now < *gap_until_) return;
      gap_until_.reset();
    }
    start_call(now, out);
  }
}

void Driver::start_call(TimePoint now, Sends& out) {
  const std::uint32_t a = alloc_a();
  ACall& c = a_[a];
  c.state = AState::kConnectWait;
  c.measured = phase_ == Phase::kMeasure;
  c.t_connect = now;
  ++started_;
  ++in_flight_;
  c.in_flight = true;
  Message m = frame(as_connect, kATag | a);
  m.raw().local.sas_family = AF_ATMSVC;  // not bound: the null local address
  m.raw().svc = cfg_.called;
  m.raw().qos = cfg_.qos;
  out.a.push_back(m);
  arm(a_, a_list_, a, now + cfg_.timeout);
}

// A call of the current phase is over (up and held, done, refused or
// abandoned): it no longer counts towards W.
void Driver::leave_flight(std::uint32_t a) {
  if (!a_[a].in_flight) return;
  a_[a].in_flight = false;
  --in_flight_;
}

// Counted once per call; an empty `what` adds no message (already said).
// `reply` is the errno the call ended with (0: none, e.g. a timeout).
void Driver::call_failed(std::uint32_t a, std::string what, int reply) {
  if (!what.empty()) fail(std::move(what));
  if (a_[a].failed) return;
  a_[a].failed = true;
  ++stats_.failed;
  if (cfg_.keep_going) ++stats_.failed_errno[reply];
}

// With --keep-going a call whose reply never came (or that met a frame
// outside the protocol) is lost, not failed: it did not end. Otherwise it is
// a failed call as before.
void Driver::call_lost(std::uint32_t a, std::string what) {
  if (!cfg_.keep_going) return call_failed(a, std::move(what));
  if (!what.empty()) fail(std::move(what));
  a_[a].failed = true;  // never counted as completed
  if (a_[a].lost) return;
  a_[a].lost = true;
  ++stats_.lost;
}

// --- frames from the demons ------------------------------------------------

void Driver::on_frame(Side side, const Message& m, TimePoint now, Sends& out) {
  if (auto e = atmsvc::validate_from_demon(m)) {
    violation(side, m, e->what);
    return;
  }
  if (side == Side::kA)
    on_a(m, now, out);
  else
    on_b(m, now, out);
}

void Driver::on_a(const Message& m, TimePoint now, Sends& out) {
  const Vcc vcc = m.vcc();
  const std::uint32_t a = static_cast<std::uint32_t>(vcc);
  if ((vcc & ~Vcc{0xffffffff}) != kATag || a >= a_.size() || a_[a].state == AState::kFree) {
    violation(Side::kA, m, "no such socket in A's kernel");
    return;
  }
  ACall& c = a_[a];
  if (c.state == AState::kAbandoned) return;  // late: already counted
  switch (m.type()) {
    case as_okay:
      if (c.state == AState::kConnectWait) return a_okay(a, m, now, out);
      if (c.state == AState::kCloseWait) return;  // fig. 9: crossed our as_close
      break;
    case as_error:
      if (c.state == AState::kConnectWait) {
        // Refused (e.g. no VPI/VCI left): the socket is gone.
        call_failed(a, "call " + vcc_text(vcc) + " refused: " + errno_text(m.reply()), m.reply());
        leave_flight(a);
        free_a(a);
        return refill(now, out);
      }
      break;
    case as_close:
      if (c.state == AState::kCloseWait) {
        // The demon acknowledged the caller's close.
        disarm(a_, a_list_, a);
        c.state = AState::kClosed;
        return maybe_finish(a, now, out);
      }
      if (c.state == AState::kWaitPeer || c.state == AState::kHeld) {
        // Released by the network (or the demon): a failed call. The
        // application closes its socket, as it would on a real kernel.
        call_failed(a, "call " + vcc_text(vcc) + " released by demon A: " + errno_text(m.reply()),
                    m.reply());
        out.a.push_back(frame(as_close, vcc));
        disarm(a_, a_list_, a);
        if (c.state == AState::kWaitPeer) a_waiting_.erase(c.pvc);
        c.state = AState::kClosed;
        if (c.peer != kNil && b_[c.peer].state == BState::kConnected)
          arm(b_, b_list_, c.peer, now + cfg_.timeout);  // its close is to come
        return maybe_finish(a, now, out);
      }
      break;
    default:
      break;
  }
  // Anything else is not in the protocol: the call is left as it is.
  violation(Side::kA, m, "unexpected in call state " + std::to_string(static_cast<int>(c.state)));
  call_lost(a, "");
  leave_flight(a);
  abandon(a, c.peer);
  refill(now, out);
}

void Driver::a_okay(std::uint32_t a, const Message& m, TimePoint now, Sends& out) {
  ACall& c = a_[a];
  if (c.measured) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - c.t_connect);
    setup_us_.push_back(static_cast<std::uint32_t>(us.count()));
  }
  c.pvc = pvc_key(m);
  const auto peer = b_waiting_.take(c.pvc);
  if (!peer) {
    c.state = AState::kWaitPeer;
    a_waiting_.put(c.pvc, a);
    arm(a_, a_list_, a, now + cfg_.timeout);
    return;
  }
  const std::uint32_t b = *peer;
  c.peer = b;
  b_[b].peer = a;
  both_up(a, now, out);
}

void Driver::on_b(const Message& m, TimePoint now, Sends& out) {
  if (m.type() == as_indicate) {
    if (m.listen_vcc() != kListenerVcc || listener_ != LState::kListening) {
      violation(Side::kB, m, "as_indicate for no listening socket");
      return;
    }
    // Accept at once (the oldest indication: the kernel's FIFO order).
    const std::uint32_t b = alloc_b();
    b_[b].state = BState::kAcceptWait;
    // The connection identifier comes with the indication (the kernel binds
    // the new socket to it); the as_okay for the accept need not repeat it.
    b_[b].pvc = pvc_key(m);
    Message acc = frame(as_accept, kBTag | b);
    acc.set_listen_vcc(kListenerVcc);
    acc.raw().qos = m.raw().qos;
    out.b.push_back(acc);
    arm(b_, b_list_, b, now + cfg_.timeout);
    return;
  }
  const Vcc vcc = m.vcc();
  if (vcc == kListenerVcc) return on_listener(m, now, out);
  const std::uint32_t b = static_cast<std::uint32_t>(vcc);
  if ((vcc & ~Vcc{0xffffffff}) != kBTag || b >= b_.size() || b_[b].state == BState::kFree) {
    violation(Side::kB, m, "no such socket in B's kernel");
    return;
  }
  BSock& s = b_[b];
  if (s.state == BState::kAbandoned) return;
  switch (m.type()) {
    case as_okay:
      if (s.state == BState::kAcceptWait) return b_okay(b, m, now, out);
      break;
    case as_error:
      if (s.state == BState::kAcceptWait) {
        // The caller's half reports the failure (refused or timed out).
        fail("accept of " + vcc_text(vcc) + " failed: " + errno_text(m.reply()));
        free_b(b);
        return;
      }
      break;
    case as_close:
      if (s.state == BState::kConnected) {
        // Acknowledged at once: the socket is gone.
        out.b.push_back(frame(as_close, vcc));
        disarm(b_, b_list_, b);
        s.state = BState::kClosed;
        const std::uint32_t a = s.peer;
        if (a == kNil) {
          // Its caller's half never came up: nothing to finish.
          b_waiting_.erase(s.pvc);
          fail("socket " + vcc_text(vcc) +
               " released by demon B before its call was up: " + errno_text(m.reply()));
          free_b(b);
          return;
        }
        if (a_[a].state == AState::kCloseWait || a_[a].state == AState::kClosed)
          return maybe_finish(a, now, out);  // the caller released: the normal end
        // The network released a call its caller did not: A's close is to come.
        call_failed(
            a, "call " + vcc_text(kATag | a) + " released by demon B: " + errno_text(m.reply()),
            m.reply());
        return;
      }
      break;
    default:
      break;
  }
  violation(Side::kB, m, "unexpected in socket state " + std::to_string(static_cast<int>(s.state)));
  const std::uint32_t a = s.peer;
  if (a != kNil && a_[a].state != AState::kAbandoned) {
    call_lost(a, "");
    leave_flight(a);
    abandon(a, b);
    refill(now, out);
  } else {
    if (cfg_.keep_going) ++stats_.lost;
    abandon(kNil, b);
  }
}

void Driver::b_okay(std::uint32_t b, const Message& m, TimePoint now, Sends& out) {
  BSock& s = b_[b];
  (void)m;
  s.state = BState::kConnected;
  disarm(b_, b_list_, b);
  const auto peer = a_waiting_.take(s.pvc);
  if (!peer) {
    // A's as_okay is to come: its own deadline covers it, unless A's demon
    // died meanwhile (--keep-going): then B's demon is to close this one.
    b_waiting_.put(s.pvc, b);
    if (cfg_.keep_going) arm(b_, b_list_, b, now + cfg_.timeout);
    return;
  }
  const std::uint32_t a = *peer;
  s.peer = a;
  a_[a].peer = b;
  both_up(a, now, out);
}

void Driver::on_listener(const Message& m, TimePoint now, Sends& out) {
  if (listener_ == LState::kListenWait && m.type() == as_okay) {
    listener_ = LState::kListening;
    listener_deadline_.reset();
    return refill(now, out);  // calls waiting for B (re)listening start
  }
  if (listener_ == LState::kListenWait && m.type() == as_error) {
    listener_ = LState::kNone;
    listener_deadline_.reset();
    fail("as_listen on B refused: " + errno_text(m.reply()));
    return;
  }
  if (listener_ == LState::kCloseWait && (m.type() == as_close || m.type() == as_okay)) {
    if (m.type() == as_okay) return;  // crossed our close
    listener_ = LState::kClosed;
    listener_deadline_.reset();
    return;
  }
  violation(Side::kB, m, "unexpected for the listening socket");
}

// Both halves are up: hold the call, or release it at once (measured).
void Driver::both_up(std::uint32_t a, TimePoint now, Sends& out) {
  disarm(a_, a_list_, a);
  disarm(b_, b_list_, a_[a].peer);
  if (!a_[a].measured) {
    a_[a].state = AState::kHeld;
    held_.push_back(a);
    ++stats_.held;
    leave_flight(a);
    return refill(now, out);
  }
  close_call(a, now, out);
}

void Driver::close_call(std::uint32_t a, TimePoint now, Sends& out) {
  a_[a].state = AState::kCloseWait;
  out.a.push_back(frame(as_close, kATag | a));
  arm(a_, a_list_, a, now + cfg_.timeout);
  arm(b_, b_list_, a_[a].peer, now + cfg_.timeout);
}

// A call is over when both halves are closed (a half never matched, or
// abandoned, is not waited for).
void Driver::maybe_finish(std::uint32_t a, TimePoint now, Sends& out) {
  const std::uint32_t b = a_[a].peer;
  if (a_[a].state != AState::kClosed) return;
  if (b != kNil && b_[b].state != BState::kClosed && b_[b].state != BState::kAbandoned) return;
  if (!a_[a].failed) ++(a_[a].measured ? stats_.completed : stats_.released);
  leave_flight(a);
  free_a(a);
  if (b != kNil && b_[b].state == BState::kClosed) free_b(b);
  refill(now, out);
}

}  // namespace atmsigd::loadgen

namespace atmsigd::loadgen {

// --- a demon's death and return (--keep-going --reconnect) ------------------

// net/atm/signaling.c sigd_close: when the demon's socket goes, the kernel
// ends every vcc of that demon with -EUNATCH. The other side's halves are
// then released by the surviving demon (its link resets): they get a
// deadline, so a release that never comes is a lost call.
void Driver::on_side_down(Side side, TimePoint now, Sends& out) {
  if (side == Side::kA) {
    if (!a_up_) return;
    a_up_ = false;
    ++stats_.downs_a;
    out.a.clear();
    for (std::uint32_t a = 0; a < a_.size(); ++a) {
      ACall& c = a_[a];
      if (c.state == AState::kFree) continue;
      const std::uint32_t b = c.peer;
      if (c.state == AState::kAbandoned) {
        // Already lost; the kernel releases its socket now.
        if (b != kNil && b_[b].peer == a) b_[b].peer = kNil;
        free_a(a);
        continue;
      }
      if (c.state != AState::kClosed) call_failed(a, "", -EUNATCH);
      leave_flight(a);
      disarm(a_, a_list_, a);
      if (c.state == AState::kWaitPeer) a_waiting_.erase(c.pvc);
      c.state = AState::kClosed;
      if (b != kNil && (b_[b].state == BState::kConnected || b_[b].state == BState::kAcceptWait))
        arm(b_, b_list_, b, now + cfg_.timeout);
      maybe_finish(a, now, out);
    }
    // B's halves whose caller was not yet matched: B's demon is to end them.
    for (std::uint32_t b = 0; b < b_.size(); ++b)
      if ((b_[b].state == BState::kConnected || b_[b].state == BState::kAcceptWait) &&
          !b_[b].link.armed)
        arm(b_, b_list_, b, now + cfg_.timeout);
    return;
  }
  if (!b_up_) return;
  b_up_ = false;
  ++stats_.downs_b;
  out.b.clear();
  listener_ = LState::kNone;  // B's listening socket went with it
  listener_deadline_.reset();
  for (std::uint32_t b = 0; b < b_.size(); ++b) {
    BSock& s = b_[b];
    if (s.state == BState::kFree) continue;
    const std::uint32_t a = s.peer;
    if (s.state == BState::kConnected && a == kNil) b_waiting_.erase(s.pvc);
    free_b(b);
    if (a == kNil) continue;
    ACall& c = a_[a];
    c.peer = kNil;
    if (c.state == AState::kAbandoned) continue;
    if (c.state == AState::kClosed) {
      maybe_finish(a, now, out);  // B's close was all it waited for
      continue;
    }
    call_failed(a, "", -EUNATCH);
    // A's demon is to release it (its link resets): within the timeout.
    if (!c.link.armed) arm(a_, a_list_, a, now + cfg_.timeout);
  }
}

void Driver::on_side_up(Side side, TimePoint now, Sends& out) {
  if (side == Side::kA) {
    a_up_ = true;
    return refill(now, out);
  }
  b_up_ = true;
  const bool wants_listener =
      phase_ == Phase::kListen || phase_ == Phase::kHold || phase_ == Phase::kMeasure;
  if (wants_listener && listener_ == LState::kNone) {
    Message m = frame(as_listen, kListenerVcc);
    m.raw().svc = cfg_.called;
    m.raw().qos = cfg_.qos;
    out.b.push_back(m);
    listener_ = LState::kListenWait;
    listener_deadline_ = now + cfg_.timeout;
  }
}

}  // namespace atmsigd::loadgen
