// The report atmsigd-load prints ("key value" per line), as a map: shared by
// the tests that run the load generator.
#pragma once

#include <map>
#include <sstream>
#include <string>

namespace atmsigd::test {

// Lines of exactly two words; anything else (headings, tables) is skipped.
inline std::map<std::string, std::string> report_of(const std::string& text) {
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string k, v, extra;
    if (ls >> k >> v && !(ls >> extra)) kv[k] = v;
  }
  return kv;
}

}  // namespace atmsigd::test
