// The idle RSS floor (issue 13): a program that does nothing but wait,
// linked as the demon is (daemon/CMakeLists.txt: static libstdc++ and
// libgcc, --as-needed, --gc-sections, the same glibc). Its VmRSS is what
// any such process costs before its own code and data; bench/rss/idle_rss.sh
// compares it with an idle demon. A benchmark, never a test.
#include <unistd.h>

int main() {
  // As the demon at idle: blocked in the kernel, until SIGTERM.
  for (;;) ::pause();
}
