// Readiness and stopping told to the service manager (systemd Type=notify):
// the sd_notify protocol without libsystemd (issue 13, idle RSS: the library
// and what it pulls in were 1 MB of a 4.8 MB demon for two datagrams).
//
// The protocol is systemd's documented, stable interface (sd_notify(3),
// "Notes"): one AF_UNIX datagram with the state text ("READY=1") to the
// socket named by $NOTIFY_SOCKET; a name starting with '@' is in the
// abstract namespace (the '@' becomes a NUL byte). No $NOTIFY_SOCKET: not
// run by a service manager that listens, nothing to do.
#pragma once

#include <string_view>

namespace atmsigd::io {

// Sends `state` (e.g. "READY=1", "STOPPING=1"). True if sent; false without
// $NOTIFY_SOCKET, with a name this does not handle (AF_VSOCK's "vsock:",
// too long) or when the datagram cannot be sent. Never blocks for long: the
// socket is non-blocking. The environment is left as it is.
bool notify_service_manager(std::string_view state);

}  // namespace atmsigd::io
