// sd_notify's protocol spoken without libsystemd (io/service_notify.hpp):
// the state text as one datagram to $NOTIFY_SOCKET, a path or an abstract
// name ('@'), and nothing sent without the variable.
#include "atmsigd/io/service_notify.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace atmsigd::io {
namespace {

// A datagram socket bound to `name` (a path, or '@' + an abstract name), as
// systemd's notify socket; NOTIFY_SOCKET set to it while it lives.
struct Listener {
  int fd = -1;
  std::string name;
  explicit Listener(std::string n) : name(std::move(n)) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, name.data(), name.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    if (name[0] == '@')
      sa.sun_path[0] = '\0';
    else
      ++len;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), len), 0) << std::strerror(errno);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~Listener() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
    if (name[0] == '/') ::unlink(name.c_str());
  }
  // The next datagram, "" if none within a second.
  std::string receive() {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) return "";
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  }
};

TEST(ServiceNotify, SendsTheStateToAPathSocket) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("atmsigd-notify-" + std::to_string(::getpid()) + ".sock");
  Listener l(path.string());
  EXPECT_TRUE(notify_service_manager("READY=1"));
  EXPECT_EQ(l.receive(), "READY=1");
  EXPECT_TRUE(notify_service_manager("STOPPING=1"));
  EXPECT_EQ(l.receive(), "STOPPING=1");
  // The environment stays: the second call above reached the socket too.
  ASSERT_NE(std::getenv("NOTIFY_SOCKET"), nullptr);
}

TEST(ServiceNotify, SendsToAnAbstractSocket) {
  Listener l("@atmsigd-notify-test-" + std::to_string(::getpid()));
  EXPECT_TRUE(notify_service_manager("READY=1"));
  EXPECT_EQ(l.receive(), "READY=1");
}

TEST(ServiceNotify, NothingWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notify_service_manager("READY=1"));
}

TEST(ServiceNotify, RefusesNamesItCannotReach) {
  ::setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);  // AF_VSOCK: not handled
  EXPECT_FALSE(notify_service_manager("READY=1"));
  ::setenv("NOTIFY_SOCKET", "/nonexistent-dir/atmsigd-notify.sock", 1);
  EXPECT_FALSE(notify_service_manager("READY=1"));
  ::setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);  // longer than sun_path
  EXPECT_FALSE(notify_service_manager("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace atmsigd::io
