#include "atmsigd/io/logging.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <vector>

#include "atmsigd/log/format.hpp"
#include "raw_syscall.hpp"

namespace atmsigd::io {

namespace {

// After a write the writer lets lines gather this long before the next one:
// under load one write() per batch and no wake-up from the loop at all.
constexpr auto kBatchDelay = std::chrono::milliseconds(5);
// syslog and journal records in the ring: length and severity, then the text.
struct Frame {
  std::uint32_t len;
  Severity sev;
};
constexpr std::size_t kFrame = sizeof(Frame);

// spdlog's level names ("%l") and logger names ("%n", one logger per group).
constexpr std::string_view kSeverityName[] = {"debug", "info", "warning", "error", "critical"};
constexpr std::string_view kGroupName[] = {"DEMON", "IO", "SAAL", "SIG", "POLICY"};
constexpr int kPriority[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT};

// sd_journal_send(3), from libsystemd.so.0 loaded only when the journal is
// the sink (issue 13, idle RSS: linked, the library and what it pulls in
// were 1 MB resident in every demon). Its ABI is stable (the .so.0 soname).
using JournalSend = int (*)(const char* format, ...);

Severity severity_of(config::Level l) {
  switch (l) {
    case config::Level::kDebug:
      return Severity::kDebug;
    case config::Level::kInfo:
      return Severity::kInfo;
    case config::Level::kWarn:
      return Severity::kWarn;
    case config::Level::kError:
      return Severity::kError;
    case config::Level::kFatal:
      return Severity::kCritical;
  }
  return Severity::kInfo;
}

constexpr Severity of_event(log::Level l) {
  switch (l) {
    case log::Level::kDebug:
      return Severity::kDebug;
    case log::Level::kInfo:
      return Severity::kInfo;
    case log::Level::kWarn:
      return Severity::kWarn;
    case log::Level::kError:
    case log::Level::kOff:
      return Severity::kError;
  }
  return Severity::kError;
}

// Each event's severity, from the catalog once.
constexpr auto kEventSeverity = [] {
  std::array<Severity, log::kIds> t{};
  for (std::size_t i = 0; i < log::kIds; ++i) t[i] = of_event(log::kCatalog[i].level);
  return t;
}();

// The tags as fixed arrays: a line copies kTagCopy octets at once and moves
// on by the tag's length (the line buffer always has that room).
constexpr std::size_t kTagCopy = 32;
struct TagText {
  std::array<char, kTagCopy> text{};
  std::uint8_t len = 0;
};
constexpr auto kTagTexts = [] {
  std::array<std::array<TagText, 5>, log::kGroups> t{};
  for (std::size_t g = 0; g < log::kGroups; ++g)
    for (std::size_t s = 0; s < 5; ++s) {
      TagText& x = t[g][s];
      auto add = [&](std::string_view v) {
        for (const char c : v) x.text[x.len++] = c;
      };
      add(" atmsigd:");
      add(kGroupName[g]);
      add(": ");
      add(kSeverityName[s]);
      add(": ");
    }
  return t;
}();

static_assert(kTagTexts[static_cast<std::size_t>(log::Group::kPolicy)][4].len < kTagCopy);

// The prefix of a line at `p` from the second's text ("Dec 06 06:17:44.")
// and the microseconds: at most kPrefixRoom octets written, the end returned.
constexpr std::size_t kPrefixRoom = 16 + 6 + kTagCopy;
char* put_prefix(char* p, const char (&second)[16], std::uint32_t usec, log::Group g, Severity s) {
  std::memcpy(p, second, sizeof second);
  p += sizeof second;
  const std::uint32_t hundreds = usec / 100;  // two divisions by constants, not three
  const std::uint32_t hi = hundreds / 100;
  std::memcpy(p, &log::kTwoDigits[2 * hi], 2);
  std::memcpy(p + 2, &log::kTwoDigits[2 * (hundreds - 100 * hi)], 2);
  std::memcpy(p + 4, &log::kTwoDigits[2 * (usec - 100 * hundreds)], 2);
  p += 6;
  const TagText& tag = kTagTexts[static_cast<std::size_t>(g)][static_cast<std::size_t>(s)];
  std::memcpy(p, tag.text.data(), kTagCopy);
  return p + tag.len;
}

// "Dec 06 06:17:44." (spdlog's %b %d %H:%M:%S. in local time, English months).
void time_text(std::int64_t sec, char out[16]) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t tt = static_cast<std::time_t>(sec);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  auto two = [](char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10 % 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  std::memcpy(out, kMonths[tm.tm_mon], 3);
  out[3] = ' ';
  two(out + 4, tm.tm_mday);
  out[6] = ' ';
  two(out + 7, tm.tm_hour);
  out[9] = ':';
  two(out + 10, tm.tm_min);
  out[12] = ':';
  two(out + 13, tm.tm_sec);
  out[15] = '.';
}

}  // namespace

LogLevels LogLevels::from_config(bool debug, const std::optional<config::Level>& default_level,
                                 const std::map<std::string, config::Level>& group_levels) {
  LogLevels l;
  if (debug) {
    l.min_.fill(Severity::kDebug);
    return l;
  }
  const auto dflt = group_levels.count("debug") != 0 ? group_levels.at("debug")
                                                     : default_level.value_or(config::Level::kInfo);
  for (std::size_t g = 0; g < log::kGroups; ++g) {
    const auto it = group_levels.find(std::string(log::group_name(static_cast<log::Group>(g))));
    l.min_[g] = severity_of(it != group_levels.end() ? it->second : dflt);
  }
  return l;
}

log::Levels LogLevels::events() const {
  log::Levels e;
  for (std::size_t g = 0; g < log::kGroups; ++g) {
    const auto grp = static_cast<log::Group>(g);
    switch (min_[g]) {
      case Severity::kDebug:
        e.set(grp, log::Level::kDebug);
        break;
      case Severity::kInfo:
        e.set(grp, log::Level::kInfo);
        break;
      case Severity::kWarn:
        e.set(grp, log::Level::kWarn);
        break;
      case Severity::kError:
        e.set(grp, log::Level::kError);
        break;
      case Severity::kCritical:
        e.set(grp, log::Level::kOff);
        break;
    }
  }
  return e;
}

// The single-producer, single-consumer ring: the loop appends at head, the
// writer writes from tail. Each side owns its index; the other reads it.
struct Logger::Shared {
  Kind kind;
  int fd;
  bool own_fd;
  JournalSend journal_send = nullptr;  // kJournal only
  std::string path;                    // a log file (-l FILE): reopened on request
  std::atomic<bool> reopen{false};     // set by the loop (SIGHUP), done by the writer
  // Not zeroed: a page costs memory once a line reaches it.
  std::unique_ptr<char[]> ring;
  std::size_t cap;
  std::atomic<std::uint64_t> head{0};
  std::atomic<std::uint64_t> tail{0};
  std::atomic<std::uint64_t> failed{0};  // lines the destination refused (not reported yet)
  std::mutex m;
  std::condition_variable cv;  // the writer's wake-up
  std::condition_variable done_cv;
  // Lines from other threads (Logger::line_from_thread), under m: whole
  // lines (a stream) or records (syslog, the journal) as the ring holds them.
  std::vector<std::string> foreign;
  std::atomic<bool> has_foreign{false};  // foreign is not empty (set under m)
  std::atomic<bool> asleep{false};       // the writer waits for cv
  bool stop = false;                     // under m
  bool done = false;                     // under m

  Shared(Kind k, int f, bool own, std::size_t bytes)
      : kind(k), fd(f), own_fd(own), ring(new char[bytes]), cap(bytes) {}
  ~Shared() {
    if (own_fd && fd >= 0) ::close(fd);
    if (kind == Kind::kSyslog) ::closelog();
  }

  // Copies `n` bytes out of the ring from position `at` (wrapping).
  void copy_out(std::uint64_t at, char* out, std::size_t n) const {
    const std::size_t i = static_cast<std::size_t>(at % cap);
    const std::size_t first = std::min(n, cap - i);
    std::memcpy(out, ring.get() + i, first);
    std::memcpy(out + first, ring.get(), n - first);
  }

  // A file or stderr: the bytes [t, h) as they are, one writev (two pieces
  // when they wrap). A destination that fails (EPIPE, ENOSPC, EBADF) loses
  // the lines: counted, reported by the loop.
  void write_stream(std::uint64_t t, std::uint64_t h) {
    while (t < h) {
      const std::size_t i = static_cast<std::size_t>(t % cap);
      const std::size_t n = static_cast<std::size_t>(h - t);
      const std::size_t first = std::min(n, cap - i);
      iovec iov[2] = {{ring.get() + i, first}, {ring.get(), n - first}};
      // Not glibc's writev (a cancellation point: ≈ 35 instructions a
      // write around the call, raw_syscall.hpp); the writer is never cancelled.
      const ssize_t w = raw_syscall(SYS_writev, fd, reinterpret_cast<long>(iov), n > first ? 2 : 1);
      if (w > 0) {
        t += static_cast<std::uint64_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // Someone made the descriptor non-blocking: wait for room here.
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 100);
        continue;
      }
      std::uint64_t lines = 0;
      for (std::uint64_t k = t; k < h; ++k)
        lines += ring[static_cast<std::size_t>(k % cap)] == '\n';
      failed.fetch_add(lines, std::memory_order_relaxed);
      return;
    }
  }

  // syslog or the journal: one call per record, with its priority.
  void write_records(std::uint64_t t, std::uint64_t h, std::string& text) {
    while (t < h) {
      Frame f{};
      copy_out(t, reinterpret_cast<char*>(&f), kFrame);
      text.resize(f.len);
      copy_out(t + kFrame, text.data(), f.len);
      t += kFrame + f.len;
      const int prio = kPriority[static_cast<std::size_t>(f.sev)];
      if (kind == Kind::kSyslog) {
        ::syslog(prio, "%.*s", static_cast<int>(text.size()), text.data());
      } else if (journal_send("MESSAGE=%.*s", static_cast<int>(text.size()), text.data(),
                              "PRIORITY=%d", prio, "SYSLOG_IDENTIFIER=atmsigd", nullptr) < 0) {
        failed.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }

  // One line from another thread, as the ring would hold it.
  void write_foreign(const std::string& line, std::string& text) {
    if (kind != Kind::kStream) {
      Frame f{};
      std::memcpy(&f, line.data(), kFrame);
      const int prio = kPriority[static_cast<std::size_t>(f.sev)];
      text.assign(line, kFrame);
      if (kind == Kind::kSyslog)
        ::syslog(prio, "%.*s", static_cast<int>(text.size()), text.data());
      else if (journal_send("MESSAGE=%.*s", static_cast<int>(text.size()), text.data(),
                            "PRIORITY=%d", prio, "SYSLOG_IDENTIFIER=atmsigd", nullptr) < 0)
        failed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    for (std::size_t off = 0; off < line.size();) {
      const ssize_t w = ::write(fd, line.data() + off, line.size() - off);
      if (w > 0) {
        off += static_cast<std::size_t>(w);
      } else if (w < 0 && errno == EINTR) {
        continue;
      } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 100);
      } else {
        failed.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
  }

  // logrotate's "postrotate kill -HUP": the file renamed, a new one made at
  // the same name. Done here, not on the loop: open() on a slow file system
  // must not hold up signaling. Everything not yet written goes to the new
  // file. If it cannot be opened the old descriptor stays, and says so.
  void reopen_file(std::string& text) {
    const int nfd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (nfd < 0) {
      const std::string line =
          Logger::prefix(std::chrono::system_clock::now(), log::Group::kDemon, Severity::kError) +
          "cannot reopen the log file " + path + ": " + std::strerror(errno) +
          "; still writing to the old one\n";
      write_foreign(line, text);
      return;
    }
    ::close(fd);
    fd = nfd;
  }

  void run() {
    // A reader that went away makes write() fail with EPIPE in this thread
    // instead of killing the demon with SIGPIPE.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    ::pthread_setname_np(::pthread_self(), "atmsigd-log");  // for ps -L, gdb
    std::string text;
    std::vector<std::string> others;
    for (;;) {
      // The lock only when another thread left a line (rare: the dumps).
      if (has_foreign.load(std::memory_order_acquire)) {
        std::lock_guard lk(m);
        others.swap(foreign);
        has_foreign.store(false, std::memory_order_relaxed);
      }
      const std::uint64_t t = tail.load(std::memory_order_relaxed);
      const std::uint64_t h = head.load(std::memory_order_acquire);
      // After reading head: the loop sets the flag before it queues its next
      // line, so a line seen here that came after the SIGHUP sees the flag
      // too and goes to the new file.
      if (reopen.exchange(false)) reopen_file(text);
      for (auto& o : others) write_foreign(o, text);
      others.clear();
      if (h != t) {
        if (kind == Kind::kStream)
          write_stream(t, h);
        else
          write_records(t, h, text);
        tail.store(h, std::memory_order_release);
        std::unique_lock lk(m);
        cv.wait_for(lk, kBatchDelay, [&] { return stop; });
        continue;
      }
      std::unique_lock lk(m);
      if (!foreign.empty() || reopen.load()) continue;
      // stop is set under m after the loop's last line: head read again
      // here, not the value read before the lock (lines queued meanwhile).
      if (stop && head.load(std::memory_order_acquire) != t) continue;
      if (stop) break;  // and everything queued written
      // Asleep until the loop wakes us (Logger::flush): set before head is
      // read again, so either we see its lines or it sees that we sleep.
      asleep.store(true);
      if (head.load() != t) {
        asleep.store(false);
        continue;
      }
      cv.wait(lk, [&] { return !asleep.load() || stop || !foreign.empty() || reopen.load(); });
      asleep.store(false);
    }
    std::lock_guard lk(m);
    done = true;
    done_cv.notify_all();
  }
};

Logger::Logger(Kind kind, int fd, bool own_fd, std::string destination, std::size_t ring_bytes)
    : kind_(kind),
      destination_(std::move(destination)),
      shared_(std::make_shared<Shared>(kind, fd, own_fd, ring_bytes)),
      line_(new char[kLineMax]),
      failed_(&shared_->failed) {
  scratch_.reserve(1024);
}

Logger::~Logger() {
  if (started_) stop();
}

std::shared_ptr<Logger> Logger::open(const std::optional<std::string>& dest, std::string& error) {
  if (!dest && std::getenv("JOURNAL_STREAM") != nullptr) {
    // Started by systemd with stderr connected to the journal: write to the
    // journal directly, with priorities, through libsystemd loaded now (as
    // systemd loads its optional libraries). Without it: text on stderr,
    // which the journal takes too, without the priorities.
    if (void* lib = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL)) {
      if (void* f = ::dlsym(lib, "sd_journal_send")) {
        std::shared_ptr<Logger> log(
            new Logger(Kind::kJournal, -1, false, "the systemd journal", kRingBytes));
        log->shared_->journal_send = reinterpret_cast<JournalSend>(f);
        return log;  // the library stays loaded: the writer uses it until exit
      }
    }
    const char* why = ::dlerror();
    std::shared_ptr<Logger> log(new Logger(Kind::kStream, 2, false, "stderr", kRingBytes));
    log->warn(log::Group::kDemon,
              "cannot load libsystemd.so.0 for the journal ({}): logging to stderr as text",
              why != nullptr ? why : "no sd_journal_send");
    return log;
  }
  if (!dest || *dest == "stderr")
    return std::shared_ptr<Logger>(new Logger(Kind::kStream, 2, false, "stderr", kRingBytes));
  if (*dest == "syslog") {
    ::openlog("atmsigd", LOG_PID, LOG_DAEMON);  // syslog adds its own time stamp
    return std::shared_ptr<Logger>(new Logger(Kind::kSyslog, -1, false, "syslog", kRingBytes));
  }
  // As spdlog's file sink: the directory made if missing, appended to.
  std::error_code ec;
  const auto dir = std::filesystem::path(*dest).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  const int fd = ::open(dest->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (fd < 0) {
    error = "cannot open log destination: Failed opening file " + *dest +
            " for writing: " + std::strerror(errno);
    return nullptr;
  }
  std::shared_ptr<Logger> log(new Logger(Kind::kStream, fd, true, *dest, kRingBytes));
  log->shared_->path = *dest;
  return log;
}

bool Logger::reopen() {
  Shared& sh = *shared_;
  if (sh.path.empty()) return false;
  {
    std::lock_guard lk(sh.m);
    sh.reopen.store(true);
    sh.asleep.store(false);
  }
  sh.cv.notify_one();
  return true;
}

std::shared_ptr<Logger> Logger::for_fd(int fd, std::size_t ring_bytes) {
  return std::shared_ptr<Logger>(
      new Logger(Kind::kStream, fd, false, "fd " + std::to_string(fd), ring_bytes));
}

std::string Logger::prefix(std::chrono::system_clock::time_point t, log::Group g, Severity s) {
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const std::int64_t sec = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  char text[16];
  time_text(sec, text);
  // The same code as every event's line (write_prefix): tests compare it.
  char line[kPrefixRoom];
  const char* end = put_prefix(line, text, static_cast<std::uint32_t>(us - sec * 1000000), g, s);
  return std::string(line, static_cast<std::size_t>(end - line));
}

void Logger::begin_line(log::Group g, Severity s) {
  scratch_.clear();
  if (kind_ != Kind::kStream) {
    scratch_.append(kFrame, '\0');  // the frame, filled in by end_line
    return;
  }
  char prefix[kPrefixRoom];
  scratch_.append(prefix, static_cast<std::size_t>(write_prefix(prefix, g, s) - prefix));
}

void Logger::end_line(Severity s) {
  Shared& sh = *shared_;
  if (kind_ == Kind::kStream) {
    scratch_ += '\n';
  } else {
    const Frame f{static_cast<std::uint32_t>(scratch_.size() - kFrame), s};
    std::memcpy(scratch_.data(), &f, kFrame);
  }
  const std::size_t cap = sh.cap;
  const std::size_t n = scratch_.size();
  const std::uint64_t h = sh.head.load(std::memory_order_relaxed);
  const std::uint64_t t = sh.tail.load(std::memory_order_acquire);
  if (n > cap / 2 || cap - (h - t) < n) {
    ++unreported_;
    ++dropped_;
    return;
  }
  const std::size_t i = static_cast<std::size_t>(h % cap);
  const std::size_t first = std::min(n, cap - i);
  std::memcpy(sh.ring.get() + i, scratch_.data(), first);
  std::memcpy(sh.ring.get(), scratch_.data() + first, n - first);
  head_ = h + n;
  sh.head.store(head_, std::memory_order_release);
}

void Logger::line_from_thread(log::Group g, Severity s, std::string_view text) {
  std::string line;
  if (kind_ == Kind::kStream) {
    line = prefix(std::chrono::system_clock::now(), g, s);
    line += text;
    line += '\n';
  } else {
    const Frame f{static_cast<std::uint32_t>(text.size()), s};
    line.assign(reinterpret_cast<const char*>(&f), kFrame);
    line += text;
  }
  Shared& sh = *shared_;
  {
    std::lock_guard lk(sh.m);
    if (sh.foreign.size() >= kForeignLines) {
      sh.failed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    sh.foreign.push_back(std::move(line));
    sh.has_foreign.store(true, std::memory_order_release);
    sh.asleep.store(false);
  }
  sh.cv.notify_all();
}

// "Dec 06 06:17:44.422767 atmsigd:SIG: info: " at `p` (room: kPrefixRoom).
char* Logger::write_prefix(char* p, log::Group g, Severity s) {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  if (ts.tv_sec != cached_sec_) {
    cached_sec_ = ts.tv_sec;
    time_text(ts.tv_sec, time_prefix_);
  }
  return put_prefix(p, time_prefix_, static_cast<std::uint32_t>(ts.tv_nsec / 1000), g, s);
}

// An event's line written in place (issue 13: the default level prints two
// lines per call): straight into the ring when it has kLineMax contiguous
// octets free at its head, else into line_ and copied. False if the text
// does not fit in kLineMax (the caller builds it in scratch_ instead).
bool Logger::write_line(log::Group g, Severity s, const log::Event& e) {
  Shared& sh = *shared_;
  const std::size_t cap = sh.cap;
  const std::uint64_t h = sh.head.load(std::memory_order_relaxed);
  const std::uint64_t t = sh.tail.load(std::memory_order_acquire);
  const std::size_t i = static_cast<std::size_t>(h % cap);
  // (A ring of at least two lines' room: a line in it is never above half
  // the ring, the bound end_line drops at.)
  const bool in_ring = cap >= 2 * kLineMax && cap - (h - t) >= kLineMax && cap - i >= kLineMax;
  char* const start = in_ring ? sh.ring.get() + i : line_.get();
  char* p = kind_ == Kind::kStream ? write_prefix(start, g, s) : start + kFrame;
  p = log::write_event(p, start + kLineMax - 1, e);  // room left for the newline
  if (p == nullptr) return false;
  if (kind_ == Kind::kStream) {
    *p++ = '\n';
  } else {
    const Frame f{static_cast<std::uint32_t>(p - start - kFrame), s};
    std::memcpy(start, &f, kFrame);
  }
  const std::size_t n = static_cast<std::size_t>(p - start);
  if (!in_ring) {
    if (n > cap / 2 || cap - (h - t) < n) {
      ++unreported_;
      ++dropped_;
      return true;
    }
    const std::size_t first = std::min(n, cap - i);
    std::memcpy(sh.ring.get() + i, start, first);
    std::memcpy(sh.ring.get(), start + first, n - first);
  }
  head_ = h + n;
  sh.head.store(head_, std::memory_order_release);
  return true;
}

void Logger::event(const log::Event& e) {
  const auto id = static_cast<std::size_t>(e.id);
  if (!enabled(log::kCatalog[id].group, kEventSeverity[id])) return;
  admitted_event(e);
}

void Logger::admitted_event(const log::Event& e) {
  const auto id = static_cast<std::size_t>(e.id);
  const log::Group g = log::kCatalog[id].group;
  const Severity s = kEventSeverity[id];
  if (write_line(g, s, e)) [[likely]]
    return;
  begin_line(g, s);
  log::append_event(scratch_, e);
  end_line(s);
}

// IO_LOG_DROPPED: how many lines were lost since the last report, once the
// ring is at least half free again (the writer caught up), at most once per
// kDropReportEvery; at exit whenever there is room.
void Logger::report_drops(bool at_exit) {
  Shared& sh = *shared_;
  if (sh.failed.load(std::memory_order_relaxed) != 0) {
    const std::uint64_t f = sh.failed.exchange(0, std::memory_order_relaxed);
    unreported_ += f;
    dropped_ += f;
  }
  if (unreported_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  const std::uint64_t used =
      sh.head.load(std::memory_order_relaxed) - sh.tail.load(std::memory_order_acquire);
  const std::size_t cap = sh.cap;
  if (at_exit ? cap - used < 256 : (used > cap / 2 || now - last_report_ < kDropReportEvery))
    return;
  const std::uint64_t n = unreported_;
  unreported_ = 0;
  last_report_ = now;
  event(log::Event{log::Id::kIoLogDropped, {log::arg(n)}});
}

std::uint64_t Logger::dropped() const {
  return dropped_ + shared_->failed.load(std::memory_order_relaxed);
}

void Logger::flush_more() {
  Shared& sh = *shared_;
  if (unreported_ != 0 || sh.failed.load(std::memory_order_relaxed) != 0) report_drops(false);
  if (!started_) return;
  const std::uint64_t h = head_;
  if (h == notified_head_) return;
  notified_head_ = h;
  // Pairs with the writer's store to `asleep` before it reads head again.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sh.asleep.load()) {
    std::lock_guard lk(sh.m);
    sh.asleep.store(false);
    sh.cv.notify_one();
  }
}

void Logger::start() {
  if (started_) return;
  {
    std::lock_guard lk(shared_->m);
    shared_->stop = false;
    shared_->done = false;
  }
  // The thread holds the shared state: if it is left behind in a write that
  // never returns (stop() gave up), nothing it uses is freed under it.
  writer_ = std::thread([sh = shared_] { sh->run(); });
  started_ = true;
}

void Logger::discard_queued() {
  if (started_) return;
  shared_->tail.store(shared_->head.load());
}

bool Logger::stop(std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  start();  // an exit before start(): what is queued is still written
  Shared& sh = *shared_;
  // The last drop report needs room: the writer makes it, unless stuck.
  for (;;) {
    report_drops(true);
    if (unreported_ == 0 || std::chrono::steady_clock::now() >= deadline) break;
    flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  {
    std::lock_guard lk(sh.m);
    sh.stop = true;
  }
  sh.cv.notify_all();
  bool done = false;
  {
    std::unique_lock lk(sh.m);
    done = sh.done_cv.wait_until(lk, deadline, [&] { return sh.done; });
  }
  started_ = false;
  if (done) {
    writer_.join();
    return true;
  }
  // Stuck in a write that does not return (a pipe nobody reads, a dead NFS
  // server): left behind; the process exits without it.
  writer_.detach();
  return false;
}

}  // namespace atmsigd::io
