// Readable text of Q.2931 messages and IEs for the demon's traces:
//   SETUP cref=0x000003/orig len=91
//     AAL parameters: AAL5 fwd_sdu=8192 bwd_sdu=8192 mode=message sscs=null
#pragma once

#include <string>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/q2931/message.hpp"

namespace atmsigd::q2931 {

// One line, no trailing newline: "SETUP cref=0x000003/orig len=91" (len as encoded in v).
std::string summary(const Message& m, Version v);
// One readable line for an IE, no indentation: "Cause: loc=user cause=31 (normal, unspecified)".
std::string to_string(const Ie& ie);
// The summary line followed by one "  <IE>" line per IE, lines joined with '\n'.
std::string to_string(const Message& m, Version v);
// "unrecognized IE 0x7a: discard IE, report STATUS cause 99 diag=7a".
std::string to_string(const Verdict& verdict);

std::string_view cause_name(std::uint8_t value);
std::string_view location_name(CauseLocation loc);

}  // namespace atmsigd::q2931
