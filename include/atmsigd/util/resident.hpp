// The demon's start-up code does not stay resident (issue 13: idle RSS).
//
// Reading the configuration, parsing options, setting up the logs, binding
// the sockets and dropping privileges run once, and the 64 KiB fault-around
// windows they touch keep most of the executable's text mapped (about
// 1.5 MB of the demon's 2 MB of text). Once the demon is ready, its own
// executable's text mappings are advised MADV_DONTNEED: the pages are only
// unmapped from the process (they are clean and stay in the page cache); what
// the event loop runs faults back in at once, the rest stays out.
// Text has no relocations (PIE, no TEXTREL), so a page faulted in again is
// the same; a running executable cannot be written in place (ETXTBSY) and a
// replaced one (rename) is skipped (its mapping's name ends in " (deleted)").
#pragma once

#include <cstddef>

namespace atmsigd::util {

// Unmaps the resident pages of the executable's own text; returns the bytes
// of the mappings advised (0: none found or /proc not readable).
std::size_t release_startup_text();

}  // namespace atmsigd::util
