#include "atmsigd/util/resident.hpp"

#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace atmsigd::util {

namespace {

// The executable's (the first object dl_iterate_phdr reports) loadable
// segments without write permission: text, read-only data, the dynamic
// linker's tables. RELRO is never among them (it is part of a writable
// segment, write-protected after relocation), so every page advised here is
// the file's content as it is on disk. Only whole pages inside a segment.
int advise_readonly_segments(struct dl_phdr_info* info, std::size_t, void* data) {
  auto& advised = *static_cast<std::size_t*>(data);
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0) continue;
    const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
    const std::uintptr_t lo = (begin + page - 1) / page * page;
    const std::uintptr_t hi = (begin + ph.p_memsz) / page * page;
    if (hi <= lo) continue;
    if (::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED) == 0) advised += hi - lo;
  }
  return 1;  // the executable only
}

}  // namespace

std::size_t release_startup_text() {
  std::size_t advised = 0;
  ::dl_iterate_phdr(advise_readonly_segments, &advised);
  return advised;
}

}  // namespace atmsigd::util
