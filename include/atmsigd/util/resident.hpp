// The demon's start-up code does not stay resident (issue 13: idle RSS).
//
// Reading the configuration, parsing options, setting up the logs, binding
// the sockets and dropping privileges run once, and the 64 KiB fault-around
// windows they touch keep most of the executable's text mapped (about
// 1.5 MB of the demon's 2 MB of text), and the dynamic linker's relocation
// tables were read once. Once the demon is ready, the executable's read-only
// segments (text, read-only data; never RELRO, which is part of a writable
// segment) are advised MADV_DONTNEED: the pages are only unmapped from the
// process (they are clean and stay in the page cache); what the event loop
// runs faults back in at once, the rest stays out. These segments hold the
// file's content unchanged (PIE text has no relocations), so a page faulted
// in again is the same; a running executable cannot be written in place
// (ETXTBSY).
#pragma once

#include <cstddef>

namespace atmsigd::util {

// Unmaps the resident pages of the executable's read-only segments; returns
// the bytes advised.
std::size_t release_startup_text();

}  // namespace atmsigd::util
