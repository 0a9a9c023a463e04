#include "atmsigd/util/trace_ring.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>

namespace atmsigd {

void TraceRing::resize(std::size_t capacity) {
  std::vector<Entry> keep = snapshot();
  cap_ = capacity;
  buf_.clear();
  buf_.resize(cap_);
  head_ = 0;
  count_ = 0;
  // Keep the newest entries that still fit.
  const std::size_t from = keep.size() > cap_ ? keep.size() - cap_ : 0;
  const std::uint64_t total = total_;  // add_raw() counts; these were counted
  for (std::size_t i = from; i < keep.size(); ++i) {
    Entry& e = keep[i];
    if (e.tag < 0)
      next_slot(e.usec, -1).text = std::move(e.text);
    else
      add_raw(e.usec, e.tag,
              ByteView(reinterpret_cast<const std::uint8_t*>(e.text.data()), e.text.size()));
  }
  total_ = total;
}

TraceRing::Slot& TraceRing::next_slot(std::uint64_t usec, int tag) {
  Slot& s = buf_[head_];
  s.usec = usec;
  s.tag = tag;
  if (++head_ == cap_) head_ = 0;
  if (count_ < cap_) ++count_;
  return s;
}

void TraceRing::grow(Slot& s, std::size_t len) {
  const std::size_t room = std::max<std::size_t>(len, 256);
  s.raw.reset(new std::uint8_t[room]);
  s.room = static_cast<std::uint32_t>(room);
}

void TraceRing::add(std::uint64_t usec, std::string text) {
  ++total_;
  if (cap_ == 0) return;
  next_slot(usec, -1).text = std::move(text);
}

std::vector<TraceRing::Entry> TraceRing::snapshot() const {
  std::vector<Entry> out;
  out.reserve(count_);
  const std::size_t start = (head_ + cap_ - count_) % (cap_ == 0 ? 1 : cap_);
  for (std::size_t i = 0; i < count_; ++i) {
    const Slot& s = buf_[(start + i) % cap_];
    if (s.tag < 0)
      out.push_back(Entry{s.usec, s.text, -1});
    else
      out.push_back(
          Entry{s.usec, std::string(reinterpret_cast<const char*>(s.raw.get()), s.len), s.tag});
  }
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
