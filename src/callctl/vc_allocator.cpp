#include "atmsigd/callctl/vc_allocator.hpp"

#include <algorithm>

namespace atmsigd::callctl {

namespace {

bool overlap(const VcRange& a, const VcRange& b) {
  return a.first_vpci <= b.last_vpci && b.first_vpci <= a.last_vpci && a.first_vci <= b.last_vci &&
         b.first_vci <= a.last_vci;
}

}  // namespace

VcAllocator::VcAllocator(const std::vector<VcRange>& ranges) {
  for (const auto& r : ranges) {
    if (r.first_vpci > r.last_vpci || r.first_vci > r.last_vci) continue;
    if (std::any_of(ranges_.begin(), ranges_.end(),
                    [&](const Range& g) { return overlap(g.r, r); }))
      continue;
    Range g;
    g.r = r;
    g.base = capacity_;
    g.width = static_cast<std::uint32_t>(r.last_vci - r.first_vci + 1);
    g.size = static_cast<std::uint64_t>(r.last_vpci - r.first_vpci + 1) * g.width;
    capacity_ += g.size;
    ranges_.push_back(g);
  }
  // At most 65536 x 65504 identifiers: every index fits the free list's 32 bits.
}

VcAllocator::Vc VcAllocator::at(const Range& g, std::uint64_t i) {
  const std::uint64_t off = i - g.base;
  return {static_cast<std::uint16_t>(g.r.first_vpci + off / g.width),
          static_cast<std::uint16_t>(g.r.first_vci + off % g.width)};
}

VcAllocator::Vc VcAllocator::at(std::uint64_t i) const {
  // The last range whose base is <= i (O(log ranges)).
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), i,
                             [](std::uint64_t v, const Range& g) { return v < g.base; });
  return at(*std::prev(it), i);
}

std::optional<std::uint64_t> VcAllocator::index_of(Vc vc) const {
  for (const auto& g : ranges_) {
    const auto& r = g.r;
    if (vc.first < r.first_vpci || vc.first > r.last_vpci || vc.second < r.first_vci ||
        vc.second > r.last_vci)
      continue;
    return g.base + static_cast<std::uint64_t>(vc.first - r.first_vpci) * g.width +
           (vc.second - r.first_vci);
  }
  return std::nullopt;
}

void VcAllocator::set_busy(std::uint64_t i, bool b) {
  const std::uint64_t bit = std::uint64_t{1} << (i % 64);
  if (b)
    busy_[i / 64] |= bit;
  else
    busy_[i / 64] &= ~bit;
}

std::optional<VcAllocator::Vc> VcAllocator::allocate() {
  if (all_blocks_ != 0) return std::nullopt;  // a class 2 restart: every VC
  for (;;) {
    std::uint64_t i = 0;
    Vc vc;
    bool fresh = false;
    if (!unparked_.empty()) {
      i = unparked_.front().first++;
      if (unparked_.front().first == unparked_.front().end) unparked_.pop_front();
      vc = at(i);
    } else if (fresh_ < capacity_) {
      // Never used yet: the bitmap grows a word every 64 identifiers.
      i = fresh_++;
      if (i % 64 == 0) busy_.push_back(0);
      while (i >= ranges_[fresh_range_].base + ranges_[fresh_range_].size) ++fresh_range_;
      vc = at(ranges_[fresh_range_], i);
      fresh = true;
    } else if (!free_.empty()) {
      i = free_.front();
      free_.pop_front();
      vc = at(i);
    } else {
      return std::nullopt;
    }
    if (any_blocks() && blocked_index(i)) {
      // Parked until its restart ends. A never-used VC of a blocked VPCI
      // parks the rest of its row with it: one step, not 65 000.
      Span sp{i, i + 1};
      if (fresh && vpci_blocks_.contains(vc.first)) {
        const Range& g = ranges_[fresh_range_];
        sp.end = i + (g.r.last_vci - vc.second) + 1;
        fresh_ = sp.end;
        busy_.resize((fresh_ + 63) / 64, 0);
      }
      parked_.push_back(sp);
      continue;
    }
    set_busy(i, true);
    ++count_;
    return vc;
  }
}

bool VcAllocator::blocked_index(std::uint64_t i) const {
  if (all_blocks_ != 0 || vc_blocks_.contains(i)) return true;
  return !vpci_blocks_.empty() && vpci_blocks_.contains(at(i).first);
}

void VcAllocator::block_vc(Vc vc) {
  if (const auto i = index_of(vc)) ++vc_blocks_[*i];
}

void VcAllocator::unblock_vc(Vc vc) {
  const auto i = index_of(vc);
  if (!i) return;
  auto it = vc_blocks_.find(*i);
  if (it == vc_blocks_.end()) return;
  if (--it->second == 0) vc_blocks_.erase(it);
  unpark();
}

void VcAllocator::block_vpci(std::uint16_t vpci) {
  ++vpci_blocks_[vpci];
}

void VcAllocator::unblock_vpci(std::uint16_t vpci) {
  auto it = vpci_blocks_.find(vpci);
  if (it == vpci_blocks_.end()) return;
  if (--it->second == 0) vpci_blocks_.erase(it);
  unpark();
}

void VcAllocator::unblock_all() {
  if (all_blocks_ == 0) return;
  --all_blocks_;
  unpark();
}

bool VcAllocator::blocked(Vc vc) const {
  if (all_blocks_ != 0 || vpci_blocks_.contains(vc.first)) return true;
  const auto i = index_of(vc);
  return i && vc_blocks_.contains(*i);
}

// A restart ended: the parked spans no longer blocked become allocatable
// again (O(parked): restarts are rare; allocate() re-checks every index).
void VcAllocator::unpark() {
  std::size_t kept = 0;
  for (const Span& sp : parked_) {
    if (blocked_index(sp.first))
      parked_[kept++] = sp;
    else
      unparked_.push_back(sp);
  }
  parked_.resize(kept);
}

bool VcAllocator::release(Vc vc) {
  const auto i = index_of(vc);
  if (!i || *i >= fresh_ || !busy(*i)) return false;
  set_busy(*i, false);
  --count_;
  free_.push_back(static_cast<std::uint32_t>(*i));
  return true;
}

bool VcAllocator::in_use(Vc vc) const {
  const auto i = index_of(vc);
  return i && *i < fresh_ && busy(*i);
}

}  // namespace atmsigd::callctl
