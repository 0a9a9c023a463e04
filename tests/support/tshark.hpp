// Runs tshark on a capture file for cross-checks of what the project encodes.
#pragma once

#include <cstdio>
#include <string>

namespace atmsigd::test {

inline bool tshark_available() {
  return std::system("command -v tshark >/dev/null 2>&1") == 0;
}

// Runs `tshark -r FILE ARGS` and returns its standard output (stderr dropped).
inline std::string run_tshark(const std::string& file, const std::string& args) {
  const std::string cmd = "tshark -n -r '" + file + "' " + args + " 2>/dev/null";
  std::string out;
  if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

}  // namespace atmsigd::test
