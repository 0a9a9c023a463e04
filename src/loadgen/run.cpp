#include "atmsigd/loadgen/run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "atmsigd/kernel_emu/kernel_model.hpp"
#include "atmsigd/kernel_emu/unix_client.hpp"
#include "atmsigd/loadgen/driver.hpp"
#include "atmsigd/loadgen/probe.hpp"
#include "atmsigd/loadgen/report.hpp"

namespace atmsigd::loadgen {
namespace {

constexpr std::size_t kBatch = 64;  // datagrams per recvmmsg / sendmmsg
constexpr int kSocketBuffer = 4 << 20;

// One emulated kernel's socket to a demon: non-blocking, batched both ways.
class Port {
 public:
  explicit Port(const char* name) : name_(name) {}

  bool open(const std::string& path, std::string& err) {
    if (!kemu::wait_for_socket(path, std::chrono::seconds(5))) {
      err = std::string(name_) + ": no demon socket at " + path;
      return false;
    }
    return connect(path, err);
  }

  // A fresh socket to the demon at `path` (again after its restart: the new
  // demon takes its first sender for its kernel).
  bool connect(const std::string& path, std::string& err) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      err = std::string(name_) + ": no demon socket at " + path;
      return false;
    }
    path_ = path;
    ino_ = st.st_ino;
    ctime_ = st.st_ctim;
    client_ = std::make_unique<kemu::UnixClient>();
    pending_.clear();
    sent_ = 0;
    if (!client_->open(path, err)) {
      err = std::string(name_) + ": " + err;
      return false;
    }
    const int fd = client_->fd();
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return true;
  }
  int fd() const { return client_ ? client_->fd() : -1; }
  void close() {
    client_.reset();
    pending_.clear();
    sent_ = 0;
  }
  // The demon behind the socket still lives: the path is the socket we
  // connected to (a restart makes a new one) and something is bound to it (a
  // killed demon leaves the file: connecting is then refused).
  bool alive() const {
    struct stat st {};
    // The inode number alone is not enough: a socket removed and made again
    // at once often gets the same one back (found by the soak).
    if (::stat(path_.c_str(), &st) != 0 || st.st_ino != ino_ ||
        st.st_ctim.tv_sec != ctime_.tv_sec || st.st_ctim.tv_nsec != ctime_.tv_nsec)
      return false;
    return bound(path_);
  }
  static bool bound(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return true;  // cannot tell: assume so
    struct sockaddr_un sa {};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    const int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    const int e = errno;
    ::close(fd);
    return r == 0 || (e != ECONNREFUSED && e != ENOENT);
  }
  const char* name() const { return name_; }
  // The last I/O error was the demon's socket gone (it died).
  bool gone() const { return gone_; }
  void clear_gone() { gone_ = false; }

  void queue(std::vector<Message>& frames) {
    pending_.insert(pending_.end(), frames.begin(), frames.end());
    frames.clear();
  }
  bool has_pending() const { return sent_ < pending_.size(); }

  // Sends what is queued until done or the demon's queue is full.
  bool flush(std::string& err) {
    while (sent_ < pending_.size()) {
      const std::size_t n = std::min(kBatch, pending_.size() - sent_);
      for (std::size_t i = 0; i < n; ++i) {
        iov_[i].iov_base = &pending_[sent_ + i].raw();
        iov_[i].iov_len = atmsvc::kFrameSize;
        hdr_[i] = mmsghdr{};
        hdr_[i].msg_hdr.msg_iov = &iov_[i];
        hdr_[i].msg_hdr.msg_iovlen = 1;
      }
      const int r = ::sendmmsg(fd(), hdr_.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
      if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        if (errno == EINTR) continue;
        gone_ = errno == ECONNREFUSED || errno == ECONNRESET || errno == ENOTCONN ||
                errno == ENOENT || errno == EPIPE;
        err = std::string(name_) + ": send: " + std::strerror(errno);
        return false;
      }
      sent_ += static_cast<std::size_t>(r);
    }
    pending_.clear();
    sent_ = 0;
    return true;
  }

  // Reads up to one batch; calls f(frame) for each. Returns the count, or -1
  // on an error other than "nothing there".
  template <typename F>
  int receive(F&& f, std::string& err) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      riov_[i].iov_base = buf_[i].data();
      riov_[i].iov_len = buf_[i].size();
      rhdr_[i] = mmsghdr{};
      rhdr_[i].msg_hdr.msg_iov = &riov_[i];
      rhdr_[i].msg_hdr.msg_iovlen = 1;
    }
    const int r = ::recvmmsg(fd(), rhdr_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
      gone_ = errno == ECONNREFUSED || errno == ECONNRESET || errno == ENOTCONN;
      err = std::string(name_) + ": receive: " + std::strerror(errno);
      return -1;
    }
    for (int i = 0; i < r; ++i)
      f(ByteView(buf_[static_cast<std::size_t>(i)].data(),
                 rhdr_[static_cast<std::size_t>(i)].msg_len),
        (rhdr_[static_cast<std::size_t>(i)].msg_hdr.msg_flags & MSG_TRUNC) != 0);
    return r;
  }

 private:
  const char* name_;
  bool gone_ = false;
  std::unique_ptr<kemu::UnixClient> client_;
  std::string path_;
  ino_t ino_ = 0;
  struct timespec ctime_ {};
  std::vector<Message> pending_;
  std::size_t sent_ = 0;
  std::array<iovec, kBatch> iov_{};
  std::array<mmsghdr, kBatch> hdr_{};
  std::array<std::array<std::uint8_t, 512>, kBatch> buf_{};
  std::array<iovec, kBatch> riov_{};
  std::array<mmsghdr, kBatch> rhdr_{};
};

class Runner {
 public:
  Runner(const Options& o, Driver& d, std::ostream& err) : o_(o), d_(d), err_(err) {}

  bool open() {
    std::string e;
    if (!a_.open(o_.a_sock, e) || !b_.open(o_.b_sock, e)) return fatal(e);
    return true;
  }

  // Runs the event loop until the driver's phase is over and every frame it
  // asked for is sent.
  bool pump() {
    std::string e;
    auto last_input = Clock::now();
    const auto stall = milliseconds(o_.timeout_ms) + seconds(1);
    for (;;) {
      if (o_.trace) {
        for (const auto& m : sends_.a) err_ << "A <- " << m.summary() << "\n";
        for (const auto& m : sends_.b) err_ << "B <- " << m.summary() << "\n";
      }
      for (int i = 0; i < 2; ++i) {
        Port& port = i == 0 ? a_ : b_;
        auto& frames = i == 0 ? sends_.a : sends_.b;
        if (!up_[i]) {
          frames.clear();  // a dead demon's kernel sends nothing
          continue;
        }
        port.queue(frames);
        if (!port.flush(e)) {
          if (!gone(i, e)) return fatal(e);
        }
      }
      if (!watch(e)) return fatal(e);
      const bool idle = d_.phase_idle();
      if (idle && !a_.has_pending() && !b_.has_pending()) return true;
      int wait_ms = 1000;
      if (const auto dl = d_.next_deadline()) {
        const auto left = std::chrono::ceil<milliseconds>(*dl - Clock::now()).count();
        wait_ms = static_cast<int>(std::clamp<long long>(left, 0, 1000));
      }
      if (o_.reconnect) wait_ms = std::min(wait_ms, 50);  // the demons' paths are polled
      std::array<pollfd, 2> p{pollfd{a_.fd(), POLLIN, 0}, pollfd{b_.fd(), POLLIN, 0}};
      if (a_.has_pending()) p[0].events |= POLLOUT;
      if (b_.has_pending()) p[1].events |= POLLOUT;
      if (::poll(p.data(), p.size(), wait_ms) < 0 && errno != EINTR)
        return fatal(std::string("poll: ") + std::strerror(errno));
      bool got = false;
      for (int i = 0; i < 2; ++i) {
        if (!up_[i] || (p[i].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
        Port& port = i == 0 ? a_ : b_;
        const Side side = i == 0 ? Side::kA : Side::kB;
        // Drain a few batches: the other side gets its turn after that.
        for (int batch = 0; batch < 8; ++batch) {
          const TimePoint now = Clock::now();
          bool bad = false;
          const int n = port.receive(
              [&](ByteView frame, bool truncated) {
                auto dec = atmsvc::decode(frame);
                if (truncated || !dec.msg) {
                  e = std::string(port.name()) + ": " +
                      (dec.error ? dec.error->what : std::string("truncated frame"));
                  bad = true;
                  return;
                }
                if (o_.trace) err_ << port.name() << " -> " << dec.msg->summary() << "\n";
                d_.on_frame(side, *dec.msg, now, sends_);
              },
              e);
          if (bad) return fatal(e);
          if (n < 0) {
            if (!gone(i, e)) return fatal(e);
            break;
          }
          if (n > 0) got = true;
          if (n < static_cast<int>(kBatch)) break;
        }
      }
      const TimePoint now = Clock::now();
      d_.on_timeouts(now, sends_);
      if (got) {
        last_input = now;
      } else if (!d_.next_deadline() && !idle && now - last_input > stall && up_[0] && up_[1]) {
        return fatal(std::string("nothing from either demon for ") + std::to_string(o_.timeout_ms) +
                     " ms in phase " + phase_name(d_.phase()));
      }
    }
  }

  std::uint64_t restarts(int i) const { return restarts_[i]; }

 private:
  // An I/O error that says the demon's socket is gone: with --reconnect, the
  // demon died (handled as the kernel would); otherwise a fatal error.
  bool gone(int i, const std::string& e) {
    Port& port = i == 0 ? a_ : b_;
    if (!o_.reconnect || !port.gone()) return false;
    port.clear_gone();
    if (o_.trace) err_ << "atmsigd-load: " << e << "\n";
    down(i);
    return true;
  }
  void down(int i) {
    Port& port = i == 0 ? a_ : b_;
    port.close();
    up_[i] = false;
    down_since_[i] = Clock::now();
    err_ << "atmsigd-load: demon " << port.name() << " gone; its sockets end with -EUNATCH\n";
    d_.on_side_down(i == 0 ? Side::kA : Side::kB, Clock::now(), sends_);
  }
  // --reconnect: every 50 ms, each demon alive? each dead one back?
  bool watch(std::string& e) {
    if (!o_.reconnect) return true;
    const auto now = Clock::now();
    if (now - last_watch_ < milliseconds(50)) return true;
    last_watch_ = now;
    for (int i = 0; i < 2; ++i) {
      Port& port = i == 0 ? a_ : b_;
      const std::string& path = i == 0 ? o_.a_sock : o_.b_sock;
      if (up_[i]) {
        if (!port.alive()) down(i);
        continue;
      }
      if (!Port::bound(path) || ::access(path.c_str(), F_OK) != 0) {
        if (now - down_since_[i] > milliseconds(o_.timeout_ms)) {
          e = std::string("demon ") + port.name() + " not back at " + path + " within " +
              std::to_string(o_.timeout_ms) + " ms";
          return false;
        }
        continue;
      }
      std::string ce;
      if (!port.connect(path, ce)) continue;  // not quite there yet
      up_[i] = true;
      ++restarts_[i];
      err_ << "atmsigd-load: demon " << port.name() << " back\n";
      d_.on_side_up(i == 0 ? Side::kA : Side::kB, Clock::now(), sends_);
    }
    return true;
  }

 public:
  Sends& sends() { return sends_; }
  bool fatal(const std::string& e) {
    err_ << "atmsigd-load: " << e << "\n";
    return false;
  }

 private:
  const Options& o_;
  Driver& d_;
  std::ostream& err_;
  Port a_{"A"}, b_{"B"};
  Sends sends_;
  bool up_[2] = {true, true};
  TimePoint down_since_[2] = {};
  TimePoint last_watch_ = {};
  std::uint64_t restarts_[2] = {0, 0};
};

std::optional<std::uint64_t> rss(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  return rss_kb(pid);
}

std::optional<std::uint64_t> cpu(pid_t pid, bool given) {
  if (!given) return std::nullopt;
  return cpu_ns(pid);
}

std::optional<double> per_call(std::optional<std::uint64_t> before,
                               std::optional<std::uint64_t> after, double scale, std::uint32_t n) {
  if (!before || !after || n == 0 || *after < *before) return std::nullopt;
  return static_cast<double>(*after - *before) / scale / n;
}

std::optional<std::int64_t> per_held(std::optional<std::uint64_t> idle,
                                     std::optional<std::uint64_t> held, std::uint64_t k) {
  if (!idle || !held || k == 0) return std::nullopt;
  return (static_cast<std::int64_t>(*held) - static_cast<std::int64_t>(*idle)) * 1024 /
         static_cast<std::int64_t>(k);
}

// Sockets and calls our demon still holds; nullopt for the original (it has
// no status dump) or when none comes. Polled: the demon may still be
// finishing releases its kernel already saw acknowledged.
std::optional<std::uint64_t> left_in(pid_t pid, const std::string& dir_opt, const char* name,
                                     std::ostream& err) {
  if (pid <= 0) return std::nullopt;
  if (is_original_demon(pid)) return std::nullopt;
  const std::string dir = dir_opt.empty() ? dump_dir_of(pid) : dir_opt;
  const auto end = Clock::now() + seconds(5);
  std::optional<std::uint64_t> left;
  do {
    const auto dump = status_dump(pid, dir, milliseconds(2000));
    if (!dump) {
      err << "atmsigd-load: " << name << ": no status dump in " << dir
          << " after SIGUSR1 (not our demon, or its dump directory is elsewhere: --" << name
          << "-dump-dir)\n";
      return std::nullopt;
    }
    const auto held = parse_status(*dump);
    if (!held) return std::nullopt;
    left = held->sockets + held->calls;
    if (*left == 0) return left;
    std::this_thread::sleep_for(milliseconds(50));
  } while (Clock::now() < end);
  return left;
}

}  // namespace

int run(const Options& o, std::ostream& out, std::ostream& err) {
  DriverConfig cfg;
  cfg.inflight = std::max<std::uint32_t>(o.inflight, 1);
  cfg.held = o.held;
  cfg.measured = o.measured;
  cfg.timeout = milliseconds(o.timeout_ms);
  cfg.gap = std::chrono::microseconds(o.gap_us);
  cfg.keep_going = o.keep_going || o.reconnect;
  try {
    cfg.called = kemu::svc_address(o.called);
    cfg.qos = kemu::qos_from_text(o.qos);
  } catch (const std::invalid_argument& e) {
    err << "atmsigd-load: " << e.what() << "\n";
    return 2;
  }
  if (!atmsvc::svc_addr_in_use(cfg.called)) {
    err << "atmsigd-load: --called needs an ATM address\n";
    return 2;
  }

  Driver d(cfg);
  Runner r(o, d, err);
  if (!r.open()) return 1;

  // Counters opened first (disabled): counting starts with the measured phase.
  SyscallCounter sys_a, sys_b;
  for (auto [pid, counter, name] : {std::tuple{o.a_pid, &sys_a, "A"}, {o.b_pid, &sys_b, "B"}}) {
    std::string e;
    if (pid > 0 && !counter->open(pid, e))
      err << "atmsigd-load: " << name << ": no system call count: " << e << "\n";
  }

  Report rep;
  rep.w = cfg.inflight;
  rep.k = o.held;
  rep.n = o.measured;
  bool io_ok = true;

  d.start(Clock::now(), r.sends());
  io_ok = r.pump();
  rep.rss_kb_idle_a = rss(o.a_pid);
  rep.rss_kb_idle_b = rss(o.b_pid);

  if (io_ok) {
    d.begin_hold(Clock::now(), r.sends());
    io_ok = r.pump();
  }
  rep.rss_kb_held_a = rss(o.a_pid);
  rep.rss_kb_held_b = rss(o.b_pid);

  if (io_ok) {
    const auto cpu_a0 = cpu(o.a_pid, o.a_pid > 0), cpu_b0 = cpu(o.b_pid, o.b_pid > 0);
    const auto self0 = cpu_ns(0);
    sys_a.enable();
    sys_b.enable();
    const auto t0 = Clock::now();
    d.begin_measure(t0, r.sends());
    io_ok = r.pump();
    const auto t1 = Clock::now();
    sys_a.disable();
    sys_b.disable();
    const auto cpu_a1 = cpu(o.a_pid, o.a_pid > 0), cpu_b1 = cpu(o.b_pid, o.b_pid > 0);
    const auto self1 = cpu_ns(0);
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    // Figures of a measured phase that did not run (a failure before it) are
    // not to be had.
    if (io_ok && o.measured > 0 && d.stats().completed > 0) {
      rep.elapsed_s = secs;
      rep.calls_per_s = secs > 0 ? d.stats().completed / secs : 0.0;
      rep.cpu_us_per_call_a = per_call(cpu_a0, cpu_a1, 1000.0, o.measured);
      rep.cpu_us_per_call_b = per_call(cpu_b0, cpu_b1, 1000.0, o.measured);
      rep.cpu_us_per_call_load = per_call(self0, self1, 1000.0, o.measured);
      rep.syscalls_per_call_a =
          per_call(std::optional<std::uint64_t>(0), sys_a.read(), 1.0, o.measured);
      rep.syscalls_per_call_b =
          per_call(std::optional<std::uint64_t>(0), sys_b.read(), 1.0, o.measured);
    }
  }
  std::vector<std::uint32_t> lat = d.setup_us();
  std::sort(lat.begin(), lat.end());
  rep.setup_p50_us = percentile(lat, 50);
  rep.setup_p99_us = percentile(lat, 99);
  rep.setup_p999_us = percentile(lat, 99.9);

  if (io_ok) {
    d.begin_release(Clock::now(), r.sends());
    io_ok = r.pump();
  }
  std::uint64_t after_completed = 0, after_failed = 0;
  if (io_ok && o.after > 0) {
    const auto c0 = d.stats().completed, f0 = d.stats().failed, l0 = d.stats().lost;
    d.begin_after(Clock::now(), r.sends(), o.after);
    io_ok = r.pump();
    after_completed = d.stats().completed - c0;
    after_failed = d.stats().failed - f0 + (d.stats().lost - l0);
  }
  if (io_ok) {
    d.begin_unlisten(Clock::now(), r.sends());
    io_ok = r.pump();
  }
  rep.bytes_per_held_call_a = per_held(rep.rss_kb_idle_a, rep.rss_kb_held_a, d.stats().held);
  rep.bytes_per_held_call_b = per_held(rep.rss_kb_idle_b, rep.rss_kb_held_b, d.stats().held);
  rep.completed = d.stats().completed;
  rep.failed = d.stats().failed;
  rep.left_kernel = d.sockets_left();
  rep.left_a = left_in(o.a_pid, o.a_dump_dir, "a", err);
  rep.left_b = left_in(o.b_pid, o.b_dump_dir, "b", err);
  if (cfg.keep_going) {
    rep.lost = d.stats().lost;
    rep.restarts_a = r.restarts(0);
    rep.restarts_b = r.restarts(1);
    rep.failed_errno = d.stats().failed_errno;
    if (o.after > 0) {
      rep.after_completed = after_completed;
      rep.after_failed = after_failed;
    }
  }
  out << format_report(rep);
  out.flush();

  const auto& st = d.stats();
  for (const auto& e : st.errors) err << "atmsigd-load: " << e << "\n";
  if (st.errors_total > st.errors.size())
    err << "atmsigd-load: ... and " << st.errors_total - st.errors.size() << " more\n";
  if (st.held < o.held) err << "atmsigd-load: " << st.held << " of " << o.held << " calls held\n";
  // --keep-going: failed calls are counted, not fatal; lost ones are.
  bool ok = cfg.keep_going
                ? io_ok && st.lost == 0 && after_completed == o.after
                : io_ok && st.errors_total == 0 && st.failed == 0 && st.completed == o.measured &&
                      st.held == o.held && st.released == st.held;
  if (cfg.keep_going && st.lost > 0) err << "atmsigd-load: " << st.lost << " call(s) lost\n";
  for (auto [left, what] : {std::pair{rep.left_kernel, "the emulated kernels"},
                            {rep.left_a, "demon A"},
                            {rep.left_b, "demon B"}}) {
    if (left && *left != 0) {
      err << "atmsigd-load: " << *left << " socket(s)/call(s) left in " << what << "\n";
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

}  // namespace atmsigd::loadgen
