#include "atmsigd/util/trace_ring.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <ctime>

namespace atmsigd {

void TraceRing::resize(std::size_t capacity) {
  std::vector<Entry> keep = snapshot();
  const std::uint64_t total = total_;  // add_raw() counts; these were counted
  cap_ = capacity;
  const std::size_t slots = std::bit_ceil(std::max<std::size_t>(cap_, 1));
  slots_.reset(new Slot[slots]);  // uninitialised (trivial): untouched pages
  texts_.assign(slots, std::string());
  mask_ = slots - 1;
  // Keep the newest entries that still fit, where the total puts them.
  const std::size_t from = keep.size() > cap_ ? keep.size() - cap_ : 0;
  total_ = total - (keep.size() - from);
  first_ = total_;
  for (std::size_t i = from; i < keep.size(); ++i) {
    Entry& e = keep[i];
    if (e.tag < 0)
      add(e.usec, std::move(e.text));
    else
      add_raw(e.usec, e.tag,
              ByteView(reinterpret_cast<const std::uint8_t*>(e.text.data()), e.text.size()));
  }
  total_ = total;
}

void TraceRing::add_long(Slot& s, ByteView octets) {
  texts_[index(s)].assign(reinterpret_cast<const char*>(octets.data()), octets.size());
}

void TraceRing::add(std::uint64_t usec, std::string text) {
  if (cap_ == 0) {
    ++total_;
    return;
  }
  const std::size_t i = static_cast<std::size_t>(total_++) & mask_;
  Slot& s = slots_[i];
  s.usec = usec;
  s.tag = -1;
  s.len = 0;
  texts_[i] = std::move(text);
}

std::vector<TraceRing::Entry> TraceRing::snapshot() const {
  std::vector<Entry> out;
  const std::size_t n = size();
  out.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = static_cast<std::size_t>(total_ - n + k) & mask_;
    const Slot& s = slots_[i];
    if (s.tag < 0)
      out.push_back(Entry{s.usec, texts_[i], -1});
    else if (s.len <= kSlotBytes)
      out.push_back(Entry{s.usec, std::string(reinterpret_cast<const char*>(s.raw), s.len), s.tag});
    else
      out.push_back(Entry{s.usec, texts_[i], s.tag});
  }
  return out;
}
std::string TraceRing::format(const Formatter& raw) const {
  std::string s = "trace: " + std::to_string(size()) + " of " + std::to_string(total_) +
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
