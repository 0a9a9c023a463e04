// The connection identifiers (VPCI, VCI) a network-side signaling entity
// hands out (Q.2931 §5.1.2 / §5.2.3: the network assigns them in CALL
// PROCEEDING or SETUP): the configured ranges (atmsigd.conf `vc_range`,
// docs/config.md), never-used identifiers first, in the order of the ranges
// and within a range VPCI by VPCI, VCI by VCI; then released ones in FIFO
// order (the longest-free first). O(1) allocate and release whatever the
// number held (release finds its range among the configured ones: O(ranges)).
// Memory: one bit per identifier ever handed out plus 4 bytes per released one
// waiting for reuse; nothing for the part of a range never reached.
//
// Restarts (Q.2931 §5.5): identifiers being restarted are blocked, one VC
// (class 0), one VPCI (class 1) or all (class 2), and are not handed out
// until unblocked; blocks count (both directions may restart the same VC).
// allocate() stays O(1) amortized: a blocked candidate is parked once (a
// never-used VPCI row at a time, not VC by VC) and comes back on unblock.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace atmsigd::callctl {

// VPCI first_vpci..last_vpci x VCI first_vci..last_vci (inclusive).
struct VcRange {
  std::uint16_t first_vpci = 0;
  std::uint16_t last_vpci = 0;
  std::uint16_t first_vci = 32;  // 0-31 are reserved (I.361, UNI 3.1 §2.2.4)
  std::uint16_t last_vci = 65535;
  bool operator==(const VcRange&) const = default;
};

class VcAllocator {
 public:
  using Vc = std::pair<std::uint16_t, std::uint16_t>;  // VPCI, VCI

  // An empty range (first > last) or one overlapping an earlier range is
  // left out (atmsigd.conf refuses both; this keeps every identifier unique).
  explicit VcAllocator(const std::vector<VcRange>& ranges);

  // A free identifier, none when every one is held.
  std::optional<Vc> allocate();
  // Gives back one from allocate(); false (nothing done) if it is not held.
  bool release(Vc vc);

  bool in_use(Vc vc) const;

  // §5.5: a restart of one VC, of a VPCI's VCs, of every VC begins or ends.
  // An unblock without its block is ignored.
  void block_vc(Vc vc);
  void unblock_vc(Vc vc);
  void block_vpci(std::uint16_t vpci);
  void unblock_vpci(std::uint16_t vpci);
  void block_all() { ++all_blocks_; }
  void unblock_all();
  // allocate() will not hand `vc` out while this holds.
  bool blocked(Vc vc) const;
  std::size_t in_use_count() const { return count_; }
  std::uint64_t capacity() const { return capacity_; }

 private:
  struct Range {
    VcRange r;
    std::uint64_t base = 0;   // index of (first_vpci, first_vci)
    std::uint32_t width = 0;  // VCIs per VPCI
    std::uint64_t size = 0;
  };
  // Index <-> identifier: ranges_ in order, each row-major (VPCI, then VCI).
  Vc at(std::uint64_t i) const;
  static Vc at(const Range& g, std::uint64_t i);
  std::optional<std::uint64_t> index_of(Vc vc) const;
  bool busy(std::uint64_t i) const { return (busy_[i / 64] >> (i % 64)) & 1u; }
  void set_busy(std::uint64_t i, bool b);

  std::vector<Range> ranges_;
  std::uint64_t capacity_ = 0;
  std::uint64_t fresh_ = 0;          // indices >= fresh_ were never handed out
  std::size_t fresh_range_ = 0;      // the range fresh_ is in
  std::vector<std::uint64_t> busy_;  // a bit per index < fresh_
  std::deque<std::uint32_t> free_;   // released indices, oldest first
  std::size_t count_ = 0;

  // Restart blocks and what allocate() skipped because of them: free index
  // spans [first, end) not handed out, parked until unblocked, then handed
  // out before the never-used ones (they were free first).
  struct Span {
    std::uint64_t first = 0, end = 0;
  };
  bool any_blocks() const {
    return all_blocks_ != 0 || !vc_blocks_.empty() || !vpci_blocks_.empty();
  }
  bool blocked_index(std::uint64_t i) const;
  void unpark();
  std::unordered_map<std::uint64_t, std::uint32_t> vc_blocks_;    // index -> count
  std::unordered_map<std::uint16_t, std::uint32_t> vpci_blocks_;  // VPCI -> count
  std::uint32_t all_blocks_ = 0;
  std::vector<Span> parked_;
  std::deque<Span> unparked_;
};

}  // namespace atmsigd::callctl
