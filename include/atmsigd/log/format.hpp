// The text of a log event: the catalog's text with each {} replaced by its
// argument. Only the shell calls this, and only for events a sink prints.
#pragma once

#include <string>

#include "atmsigd/log/log.hpp"

namespace atmsigd::log {

std::string format(const Event& e);
// The same text appended to `out` (the shell's line buffer: no string per line).
void append_event(std::string& out, const Event& e);
std::string format_arg(const Arg& a);

}  // namespace atmsigd::log
