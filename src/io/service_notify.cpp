#include "atmsigd/io/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace atmsigd::io {

bool notify_service_manager(std::string_view state) {
  const char* name = std::getenv("NOTIFY_SOCKET");
  if (name == nullptr) return false;
  const std::size_t len = std::strlen(name);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  // An absolute path, or '@' for the abstract namespace (sd_notify(3)).
  if (len < 2 || len > sizeof sa.sun_path || (name[0] != '/' && name[0] != '@')) return false;
  if (name[0] == '/' && len == sizeof sa.sun_path) return false;  // no room for the NUL
  std::memcpy(sa.sun_path, name, len);
  if (name[0] == '@') sa.sun_path[0] = '\0';
  // An abstract name is its bytes exactly: the length counts no NUL.
  const auto sa_len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len + (name[0] == '/' ? 1 : 0));
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  const ssize_t n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&sa), sa_len);
  ::close(fd);
  return n == static_cast<ssize_t>(state.size());
}

}  // namespace atmsigd::io
