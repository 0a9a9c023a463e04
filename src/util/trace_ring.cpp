#include "atmsigd/util/trace_ring.hpp"

#include <ctime>

namespace atmsigd {

void TraceRing::resize(std::size_t capacity) {
  std::vector<Entry> keep = snapshot();
  cap_ = capacity;
  buf_.assign(cap_, Entry{});
  head_ = 0;
  count_ = 0;
  // Keep the newest entries that still fit.
  const std::size_t from = keep.size() > cap_ ? keep.size() - cap_ : 0;
  for (std::size_t i = from; i < keep.size(); ++i) {
    buf_[head_] = std::move(keep[i]);
    head_ = (head_ + 1) % cap_;
    ++count_;
  }
}

void TraceRing::add(std::uint64_t usec, std::string text) {
  ++total_;
  if (cap_ == 0) return;
  buf_[head_] = Entry{usec, std::move(text), -1};
  head_ = (head_ + 1) % cap_;
  if (count_ < cap_) ++count_;
}

void TraceRing::add_raw(std::uint64_t usec, int tag, ByteView octets) {
  ++total_;
  if (cap_ == 0) return;
  Entry& e = buf_[head_];
  e.usec = usec;
  e.tag = tag;
  // clear + append keeps the slot's capacity and copies without assign's
  // aliasing checks (every datagram in and out passes here: ~10 a call).
  e.text.clear();
  e.text.append(reinterpret_cast<const char*>(octets.data()), octets.size());
  if (++head_ == cap_) head_ = 0;
  if (count_ < cap_) ++count_;
}

std::vector<TraceRing::Entry> TraceRing::snapshot() const {
  std::vector<Entry> out;
  out.reserve(count_);
  const std::size_t start = (head_ + cap_ - count_) % (cap_ == 0 ? 1 : cap_);
  for (std::size_t i = 0; i < count_; ++i) out.push_back(buf_[(start + i) % cap_]);
  return out;
}

std::string TraceRing::format(const Formatter& raw) const {
  std::string s = "trace: " + std::to_string(count_) + " of " + std::to_string(total_) +
                  " entries (buffer " + std::to_string(cap_) + ")\n";
  for (const auto& e : snapshot()) {
    const std::time_t sec = static_cast<std::time_t>(e.usec / 1000000);
    std::tm tm{};
    ::gmtime_r(&sec, &tm);
    char stamp[40];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06u", static_cast<unsigned>(e.usec % 1000000));
    s += stamp;
    s += frac;
    s += ' ';
    if (e.tag < 0) {
      s += e.text;
    } else {
      const ByteView octets(reinterpret_cast<const std::uint8_t*>(e.text.data()), e.text.size());
      s += raw ? raw(e.tag, octets) : to_hex(octets, octets.size());
    }
    s += '\n';
  }
  return s;
}

}  // namespace atmsigd
