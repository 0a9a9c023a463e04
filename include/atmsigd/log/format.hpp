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
// The same text written at `out`, at most `end - out` characters: the end of
// the text, or nullptr if it does not fit (the log writes its lines straight
// into its ring this way; append_event is the fallback).
char* write_event(char* out, char* end, const Event& e);

}  // namespace atmsigd::log
