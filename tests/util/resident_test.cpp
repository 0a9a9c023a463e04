#include "atmsigd/util/resident.hpp"

#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace atmsigd::util {
namespace {

using Range = std::pair<std::uintptr_t, std::uintptr_t>;

// The test executable's read-only loadable segments (what release_startup_text advises).
std::vector<Range> readonly_segments() {
  std::vector<Range> out;
  ::dl_iterate_phdr(
      [](struct dl_phdr_info* info, std::size_t, void* data) {
        auto& v = *static_cast<std::vector<Range>*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0) continue;
          v.emplace_back(info->dlpi_addr + ph.p_vaddr, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
        }
        return 1;
      },
      &out);
  return out;
}

// Pages of the ranges mapped in this process (/proc/self/pagemap's present bit).
std::size_t present_pages(const std::vector<Range>& ranges) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t n = 0;
  for (const auto& [lo, hi] : ranges) {
    for (std::uintptr_t p = lo / page; p < (hi + page - 1) / page; ++p) {
      std::uint64_t e = 0;
      if (::pread(fd, &e, sizeof e, static_cast<off_t>(p * sizeof e)) == sizeof e && (e >> 63) != 0)
        ++n;
    }
  }
  ::close(fd);
  return n;
}

// Reads one byte of every page (not instrumented: ASan's global redzones lie
// in these segments).
__attribute__((no_sanitize("address"))) void touch(const Range& r, std::uintptr_t page) {
  for (std::uintptr_t p = r.first; p < r.second; p += page)
    static_cast<void>(*reinterpret_cast<const volatile char*>(p));
}

TEST(Resident, UnmapsTheExecutablesReadOnlySegmentsAndCodeStillRuns) {
  const auto ranges = readonly_segments();
  ASSERT_FALSE(ranges.empty());
  // Every page of the segments mapped first.
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  std::size_t total = 0;
  for (const auto& r : ranges) {
    touch(r, page);
    total += (r.second - r.first) / page;
  }
  const std::size_t before = present_pages(ranges);
  ASSERT_GE(before, total);

  const std::size_t advised = release_startup_text();
  const std::size_t after = present_pages(ranges);
  EXPECT_GT(advised, total / 2 * page);
  // Only what ran since is back: the fault-around windows (64 KiB) of the
  // code between the two counts (70-100 of this binary's 136 pages here).
  EXPECT_LT(after, before) << before << " pages before, " << after << " after";
  // Code anywhere in the executable runs as before.
  EXPECT_EQ(std::to_string(42), "42");
  EXPECT_GT(release_startup_text(), 0u);
}

}  // namespace
}  // namespace atmsigd::util
