// The text of a log event: the catalog's text with each {} replaced by its
// argument. Only the shell calls this, and only for events a sink prints.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "atmsigd/log/log.hpp"

namespace atmsigd::log {

std::string format(const Event& e);
// The same text appended to `out` (the shell's line buffer: no string per line).
void append_event(std::string& out, const Event& e);
std::string format_arg(const Arg& a);
// The same text written at `out`, at most `end - out` characters: the end of
// the text, or nullptr if it does not fit (the log writes its lines straight
// into its ring this way; append_event is the fallback).
char* write_event(char* out, char* end, const Event& e);

// "00" to "99": numbers written two decimal digits at a time (the arguments
// here, the time prefix of the shell's log lines).
inline constexpr std::array<char, 200> kTwoDigits = [] {
  std::array<char, 200> t{};
  for (std::size_t i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

}  // namespace atmsigd::log
