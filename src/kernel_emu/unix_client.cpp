#include "atmsigd/kernel_emu/unix_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace atmsigd::kemu {

UnixClient::~UnixClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool UnixClient::open(const std::string& demon_path, std::string& error) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  // Autobind: an abstract address the demon can reply to.
  struct sockaddr_un self {};
  self.sun_family = AF_UNIX;
  if (::bind(fd_, reinterpret_cast<struct sockaddr*>(&self), sizeof(sa_family_t)) < 0) {
    error = std::string("bind: ") + std::strerror(errno);
    return false;
  }
  struct sockaddr_un peer {};
  peer.sun_family = AF_UNIX;
  if (demon_path.size() >= sizeof peer.sun_path) {
    error = "socket path too long: " + demon_path;
    return false;
  }
  std::memcpy(peer.sun_path, demon_path.c_str(), demon_path.size() + 1);
  if (::connect(fd_, reinterpret_cast<struct sockaddr*>(&peer), sizeof peer) < 0) {
    error = "connect to " + demon_path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool UnixClient::send(ByteView frame, std::string& error) {
  if (::send(fd_, frame.data(), frame.size(), 0) < 0) {
    error = std::string("send: ") + std::strerror(errno);
    return false;
  }
  return true;
}

std::optional<Bytes> UnixClient::receive(std::chrono::milliseconds timeout) {
  struct pollfd p {
    fd_, POLLIN, 0
  };
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  Bytes buf(65536);
  const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

bool wait_for_socket(const std::string& path, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  struct stat st {};
  while (std::chrono::steady_clock::now() < end) {
    if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace atmsigd::kemu
