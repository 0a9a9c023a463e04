// The emulated kernel's end of the unix-socket mode: a datagram socket with
// an autobound (abstract) address so the demon can answer, sending to the
// demon's socket path. Blocking with timeouts: a test tool, not the demon.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd::kemu {

class UnixClient {
 public:
  UnixClient() = default;
  ~UnixClient();
  UnixClient(const UnixClient&) = delete;
  UnixClient& operator=(const UnixClient&) = delete;

  bool open(const std::string& demon_path, std::string& error);
  bool send(ByteView frame, std::string& error);
  // Next datagram, or nullopt on timeout.
  std::optional<Bytes> receive(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Waits until a unix socket exists at `path` (the demon is up).
bool wait_for_socket(const std::string& path, std::chrono::milliseconds timeout);

}  // namespace atmsigd::kemu
