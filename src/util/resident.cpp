#include "atmsigd/util/resident.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace atmsigd::util {

std::size_t release_startup_text() {
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return 0;
  exe[n] = '\0';
  std::FILE* f = std::fopen("/proc/self/maps", "re");
  if (f == nullptr) return 0;
  std::size_t advised = 0;
  char line[4096 + 128];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long lo = 0, hi = 0;  // NOLINT: sscanf's %lx
    char perms[5] = {};
    int path_at = 0;
    if (std::sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &lo, &hi, perms, &path_at) != 3) continue;
    if (std::strcmp(perms, "r-xp") != 0 || path_at <= 0) continue;
    char* path = line + path_at;
    path[std::strcspn(path, "\n")] = '\0';
    if (std::strcmp(path, exe) != 0) continue;
    if (::madvise(reinterpret_cast<void*>(static_cast<std::uintptr_t>(lo)), hi - lo,
                  MADV_DONTNEED) == 0)
      advised += hi - lo;
  }
  std::fclose(f);
  return advised;
}

}  // namespace atmsigd::util
