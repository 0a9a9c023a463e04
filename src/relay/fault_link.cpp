#include "atmsigd/relay/fault_link.hpp"

namespace atmsigd::relay {

bool FaultLink::chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p;
}

void FaultLink::handle(Dir dir, ByteView bytes, TimePoint now, std::vector<Delivery>& out) {
  ++stats_.received;
  if (in_outage(now)) {
    ++stats_.lost_in_outage;
    return;
  }
  if (chance(faults_.loss)) {
    ++stats_.lost;
    return;
  }
  Bytes b(bytes.begin(), bytes.end());
  if (!b.empty() && chance(faults_.corrupt)) {
    ++stats_.corrupted;
    const auto at = std::uniform_int_distribution<std::size_t>(0, b.size() - 1)(rng_);
    const auto bit = std::uniform_int_distribution<int>(0, 7)(rng_);
    b[at] = static_cast<std::uint8_t>(b[at] ^ (1u << bit));
  }
  const bool dup = chance(faults_.dup);
  auto& held = held_[static_cast<int>(dir)];
  if (!held && chance(faults_.reorder)) {
    // Held back: it goes out after the next datagram in its direction.
    ++stats_.reordered;
    held = Held{std::move(b), now};
    if (dup) {
      ++stats_.duplicated;
      emit(dir, held->bytes, now, out);
    }
    return;
  }
  if (dup) {
    ++stats_.duplicated;
    emit(dir, b, now, out);
  }
  emit(dir, std::move(b), now, out);
  release_held(dir, now, out);
}

void FaultLink::emit(Dir dir, Bytes bytes, TimePoint now, std::vector<Delivery>& out) {
  Duration d = faults_.delay;
  if (faults_.jitter.count() > 0)
    d += Duration(std::uniform_int_distribution<Duration::rep>(0, faults_.jitter.count())(rng_));
  if (d.count() <= 0 && delayed_.empty()) {
    ++stats_.delivered;
    out.push_back(Delivery{dir, std::move(bytes)});
    return;
  }
  // Delayed; or queued behind datagrams still delayed, so a link without
  // jitter keeps its order.
  delayed_.push(Delayed{now + d, seq_++, Delivery{dir, std::move(bytes)}});
  handle_timeouts(now, out);
}

void FaultLink::release_held(Dir dir, TimePoint now, std::vector<Delivery>& out) {
  auto& held = held_[static_cast<int>(dir)];
  if (!held) return;
  Bytes b = std::move(held->bytes);
  held.reset();
  emit(dir, std::move(b), now, out);
}

void FaultLink::handle_timeouts(TimePoint now, std::vector<Delivery>& out) {
  for (int i = 0; i < 2; ++i)
    if (held_[i] && now >= held_[i]->since + kReorderHold) release_held(Dir(i), now, out);
  while (!delayed_.empty() && delayed_.top().due <= now) {
    ++stats_.delivered;
    out.push_back(delayed_.top().d);
    delayed_.pop();
  }
}

std::optional<TimePoint> FaultLink::next_deadline() const {
  std::optional<TimePoint> next;
  if (!delayed_.empty()) next = delayed_.top().due;
  for (const auto& h : held_)
    if (h) next = earliest(next, h->since + kReorderHold);
  return next;
}

}  // namespace atmsigd::relay
