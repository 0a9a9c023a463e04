// The transports' queue_direct (issue 13): the demon's pushes skip the
// virtual queue() where it is the send queue's push, and only there: the
// unix-socket transport has no peer before the first frame, and queue()'s
// error holds until then.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "atmsigd/io/kernel_transport.hpp"

namespace atmsigd::io {
namespace {

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  return a;
}

TEST(Transports, QueueDirectWaitsForTheUnixPeerAsQueueDoes) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("atmsigd-transport-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "t.sock").string();
  const std::string client_path = (dir / "c.sock").string();

  boost::asio::io_context io;
  std::string error;
  auto t = open_unix_transport(io, path, {}, config::SocketAccess{}, error);
  ASSERT_TRUE(t) << error;
  std::vector<std::string> errors;
  int frames = 0;
  t->start([&](ByteView) { ++frames; }, [&](const std::string& e) { errors.push_back(e); },
           [](ByteView) {}, [] {});

  const std::array<std::uint8_t, 4> frame{1, 2, 3, 4};
  // No user of signaling yet: queue()'s error, nothing queued.
  EXPECT_TRUE(t->queue_direct(ByteView(frame)));
  EXPECT_EQ(t->queued(), 0u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("no user of signaling"), std::string::npos) << errors[0];

  const int c = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_GE(c, 0);
  const auto ca = unix_address(client_path);
  ::unlink(client_path.c_str());
  ASSERT_EQ(::bind(c, reinterpret_cast<const sockaddr*>(&ca), sizeof ca), 0);
  const auto ta = unix_address(path);
  ASSERT_EQ(
      ::sendto(c, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&ta), sizeof ta),
      static_cast<ssize_t>(frame.size()));
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (frames == 0 && std::chrono::steady_clock::now() < end)
    io.run_for(std::chrono::milliseconds(10));
  ASSERT_EQ(frames, 1);

  // The peer known: pushed straight into the send queue, sent by flush().
  EXPECT_TRUE(t->queue_direct(ByteView(frame)));
  EXPECT_EQ(t->queued(), 1u);
  t->flush();
  EXPECT_EQ(t->queued(), 0u);
  std::array<std::uint8_t, 16> got{};
  timeval tv{5, 0};
  ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  EXPECT_EQ(::recv(c, got.data(), got.size(), 0), static_cast<ssize_t>(frame.size()));
  EXPECT_EQ(std::memcmp(got.data(), frame.data(), frame.size()), 0);
  EXPECT_EQ(errors.size(), 1u);

  ::close(c);
  t->close();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace atmsigd::io
